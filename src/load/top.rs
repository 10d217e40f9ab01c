//! Format detection by content in the same pass as the parse: a JSON
//! document's top level is read into `Doc`, whose shape (which keys an object
//! has, what the first element of an array looks like) decides the format.
//! Several concatenated documents (history pages) are read one after another.

use super::error::{strip_position, LoadError, JSON_FORMATS};
use super::event_de::EventSeed;
use super::events::RawEvent;
use super::operations::RawCheckpoint;
use super::raw::{RawOp, RawTs};
use super::sink::{EventSink, SinkMode};
use super::store::{RawStartInput, RawUpdate, RawWindow};
use crate::model::{Format, History};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// One top-level JSON document. History events are not kept here: they
/// stream into an [`EventSink`] while the document is parsed.
pub(crate) enum Doc {
    Object(Box<TopObject>),
    /// A bare array of events.
    Events,
    /// An array of `{"Events": [...]}` pages.
    Pages {
        /// Index of the first page without an `Events` key.
        missing_events: Option<usize>,
        last_marker: Option<Value>,
    },
    Ops(Vec<RawOp>),
    Checkpoints(Vec<RawCheckpoint>),
    EmptyArray,
    /// An array whose elements are none of the above; says what they are.
    OtherArray(String),
}

/// Every top-level key any object format uses; the rest are skipped unread.
#[derive(Default)]
pub(crate) struct TopObject {
    /// Had an `Events` array (its events went to the sink).
    pub has_events: bool,
    pub operations: Option<Vec<RawOp>>,
    pub initial_state: Option<InitialState>,
    pub arn: Option<String>,
    pub checkpoint_token: bool,
    pub start_input: Option<RawStartInput>,
    pub updates: Option<Vec<RawUpdate>>,
    pub update_timestamps: Option<Vec<RawTs>>,
    pub invocation_completions: Option<Vec<RawWindow>>,
    /// The store's `{"Status", "Result", "Error"}`; kept loose because other
    /// documents (a handler's output) use the key with another shape.
    pub result: Option<Value>,
    pub close_status: Option<String>,
    pub format: Option<String>,
    pub version: Option<Value>,
    pub history: Option<History>,
    pub next_marker: Option<Value>,
    /// The first few keys nobody asked for, to describe unknown documents.
    pub other_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InitialState {
    pub operations: Option<Vec<RawOp>>,
}

impl TopObject {
    /// Which format this object is, or what it looked like.
    pub fn format(&self) -> Result<Format, String> {
        if self.format.as_deref() == Some("durable-lens") {
            return Ok(Format::DurableLens);
        }
        if self.has_events {
            return Ok(Format::HistoryEvents);
        }
        if self.initial_state.is_some() {
            return Ok(Format::InvocationInput);
        }
        if self.operations.is_some() {
            let store = self.start_input.is_some()
                || self.updates.is_some()
                || self.invocation_completions.is_some();
            return Ok(if store {
                Format::PythonStoreJson
            } else {
                Format::Operations
            });
        }
        let mut keys: Vec<&str> = Vec::new();
        if self.arn.is_some() {
            keys.push("DurableExecutionArn");
        }
        if self.result.is_some() {
            keys.push("Result");
        }
        if self.format.is_some() {
            keys.push("format");
        }
        keys.extend(self.other_keys.iter().map(String::as_str));
        Err(if keys.is_empty() {
            "an empty object".to_string()
        } else {
            format!("an object with keys {}", keys.join(", "))
        })
    }
}

/// Reads one top-level object, streaming its `Events` into the sink.
struct TopObjectSeed<'s, 'de> {
    sink: &'s mut EventSink<'de>,
}

impl<'de> DeserializeSeed<'de> for TopObjectSeed<'_, 'de> {
    type Value = TopObject;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TopObject, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopObjectSeed<'_, 'de> {
    type Value = TopObject;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopObject, A::Error> {
        let mut t = TopObject::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "Events" => {
                    self.sink.wrapped = true;
                    map.next_value_seed(EventsSeed {
                        sink: &mut *self.sink,
                    })?;
                    t.has_events = true;
                }
                "Operations" => t.operations = map.next_value()?,
                "InitialExecutionState" => t.initial_state = map.next_value()?,
                "DurableExecutionArn" => t.arn = map.next_value()?,
                "CheckpointToken" => {
                    map.next_value::<IgnoredAny>()?;
                    t.checkpoint_token = true;
                }
                "StartInput" => t.start_input = map.next_value()?,
                "Updates" => t.updates = map.next_value()?,
                "UpdateTimestamps" => t.update_timestamps = map.next_value()?,
                "InvocationCompletions" => t.invocation_completions = map.next_value()?,
                "Result" => t.result = map.next_value()?,
                "CloseStatus" => t.close_status = map.next_value()?,
                "format" => t.format = map.next_value()?,
                "version" => t.version = map.next_value()?,
                // A document of another version may not fit today's model:
                // leave it unread so the version error is what users see.
                "history" if t.version.as_ref().is_some_and(|v| v.as_u64() != Some(1)) => {
                    map.next_value::<IgnoredAny>()?;
                }
                "history" => t.history = map.next_value()?,
                "NextMarker" => t.next_marker = map.next_value()?,
                other => {
                    if t.other_keys.len() < 8 {
                        t.other_keys.push(other.to_string());
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(t)
    }
}

/// An array of events, each handed to the sink as soon as it is read.
struct EventsSeed<'s, 'de> {
    sink: &'s mut EventSink<'de>,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // One event value reused for all: see `event_de`.
        let mut ev = RawEvent::default();
        let mut index = 0;
        while seq.next_element_seed(EventSeed(&mut ev))?.is_some() {
            self.sink.push(&mut ev, index);
            index += 1;
        }
        Ok(())
    }
}

/// Reads one top-level document.
pub(crate) struct DocSeed<'s, 'de> {
    pub sink: &'s mut EventSink<'de>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_, 'de> {
    type Value = Doc;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Doc, D::Error> {
        d.deserialize_any(self)
    }
}

/// Reads the rest of an array whose first element (already parsed as a
/// `Value`, it is small) told the element type.
fn rest_of<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(
    first: Value,
    mut seq: A,
) -> Result<Vec<T>, A::Error> {
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).saturating_add(1));
    out.push(T::deserialize(first).map_err(|e| de::Error::custom(format!("element 0: {e}")))?);
    while let Some(x) = seq.next_element::<T>()? {
        out.push(x);
    }
    Ok(out)
}

impl<'de> Visitor<'de> for DocSeed<'_, 'de> {
    type Value = Doc;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or array")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Doc, A::Error> {
        self.sink.page = None;
        let t = TopObjectSeed { sink: self.sink }.visit_map(map)?;
        Ok(Doc::Object(Box::new(t)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
        let Some(first) = seq.next_element::<Value>()? else {
            return Ok(Doc::EmptyArray);
        };
        let has = |k: &str| first.as_object().is_some_and(|o| o.contains_key(k));
        let elem0 = |e: serde_json::Error| de::Error::custom(format!("element 0: {e}"));
        if has("EventType") {
            let sink = self.sink;
            sink.page = None;
            sink.wrapped = false;
            let mut ev = RawEvent::default();
            EventSeed(&mut ev).deserialize(first).map_err(elem0)?;
            sink.push(&mut ev, 0);
            let mut index = 1;
            while seq.next_element_seed(EventSeed(&mut ev))?.is_some() {
                sink.push(&mut ev, index);
                index += 1;
            }
            return Ok(Doc::Events);
        }
        if has("Events") {
            let sink = self.sink;
            sink.page = Some(0);
            let t = TopObjectSeed { sink: &mut *sink }
                .deserialize(first)
                .map_err(elem0)?;
            let mut missing_events = (!t.has_events).then_some(0);
            let mut last_marker = t.next_marker;
            let mut page = 1;
            loop {
                sink.page = Some(page);
                let Some(t) = seq.next_element_seed(TopObjectSeed { sink: &mut *sink })? else {
                    break;
                };
                if !t.has_events && missing_events.is_none() {
                    missing_events = Some(page);
                }
                last_marker = t.next_marker;
                page += 1;
            }
            return Ok(Doc::Pages {
                missing_events,
                last_marker,
            });
        }
        if has("operationId") {
            return rest_of(first, seq).map(Doc::Checkpoints);
        }
        if has("Id") && (has("Type") || has("Status")) {
            return rest_of(first, seq).map(Doc::Ops);
        }
        let what = if has("requestId") || has("startTimestamp") {
            "a JS test runner invocation list (startTimestamp, endTimestamp, requestId): it has no operations; load the operations file of the same run (X.operations.json next to X.invocations.json picks it up) or its history".to_string()
        } else {
            match &first {
                Value::Object(o) => {
                    let keys: Vec<&str> = o.keys().take(8).map(String::as_str).collect();
                    format!("an array of objects with keys {}", keys.join(", "))
                }
                other => format!("an array of {}", json_kind(other)),
            }
        };
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Doc::OtherArray(what))
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "booleans",
        Value::Number(_) => "numbers",
        Value::String(_) => "strings",
        Value::Array(_) => "arrays",
        Value::Object(_) => "objects",
    }
}

/// Parse every top-level document (one, or several concatenated pages),
/// streaming history events into `sink`. `text` must already be checked
/// for emptiness and a leading `{` / `[`. It is a `&str` (the UTF-8 was
/// checked once for the whole file) so that serde_json does not check
/// every string again, which cost more than the single pass.
pub(crate) fn parse_docs<'a>(
    file: &str,
    text: &'a str,
    sink: &mut EventSink<'a>,
) -> Result<Vec<Doc>, LoadError> {
    let mut docs = Vec::new();
    let bytes = text.as_bytes();
    let mut de = serde_json::Deserializer::from_str(text);
    // `end` fails while anything but whitespace is left: another document.
    while de.end().is_err() {
        sink.doc = docs.len();
        match (DocSeed { sink: &mut *sink }).deserialize(&mut de) {
            Ok(doc) => docs.push(doc),
            Err(e) => return Err(json_error(file, bytes, docs.len(), e)),
        }
    }
    Ok(docs)
}

/// Turn a serde_json error into a `LoadError`. Type errors are parsed a
/// second time with path tracking to name the JSON pointer: errors are rare,
/// so the fast path never pays for tracking.
fn json_error(file: &str, bytes: &[u8], doc_index: usize, e: serde_json::Error) -> LoadError {
    use serde_json::error::Category;
    let (line, column) = (e.line(), e.column());
    match e.classify() {
        Category::Data => {
            let pointer = pointer_of_failure(file, bytes);
            LoadError::Shape {
                file: file.to_string(),
                pointer: doc_prefix(doc_index) + &pointer,
                line,
                column,
                message: strip_position(&e.to_string()),
            }
        }
        Category::Eof => LoadError::Syntax {
            file: file.to_string(),
            line,
            column,
            message: "unexpected end of file (the file is truncated?)".to_string(),
        },
        Category::Syntax | Category::Io => LoadError::Syntax {
            file: file.to_string(),
            line,
            column,
            message: strip_position(&e.to_string()),
        },
    }
}

/// Parse again with path tracking, up to the failing document, and return
/// the JSON pointer of the value that did not fit.
fn pointer_of_failure(file: &str, bytes: &[u8]) -> String {
    let mut sink = EventSink::new(file, SinkMode::Discard);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    while de.end().is_err() {
        let mut track = serde_path_to_error::Track::new();
        let tracked = serde_path_to_error::Deserializer::new(&mut de, &mut track);
        if (DocSeed { sink: &mut sink }).deserialize(tracked).is_err() {
            let p = to_pointer(&track.path());
            return if p.is_empty() { "/".to_string() } else { p };
        }
    }
    "/".to_string()
}

/// `document 2 ` when pages were concatenated (0-based index 1), else empty.
pub(crate) fn doc_prefix(doc_index: usize) -> String {
    if doc_index == 0 {
        String::new()
    } else {
        format!("document {} ", doc_index + 1)
    }
}

fn to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// What the first bytes look like, for `Unrecognised` on non-JSON input.
pub(crate) fn describe_start(bytes: &[u8]) -> String {
    let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect();
    format!(
        "content starting with bytes {} (not a JSON object or array)",
        head.join(" ")
    )
}

pub(crate) fn unrecognised(file: &str, found: String) -> LoadError {
    LoadError::Unrecognised {
        file: file.to_string(),
        found,
        tried: JSON_FORMATS.to_vec(),
    }
}
