//! History events (GetDurableExecutionHistory): `{"Events": [...]}`, a bare
//! event array, or several pages. Events are checked (ids unique, contiguous,
//! in order), then replayed in EventId order into operations, step attempts
//! and invocations (`InvocationCompleted` marks the end of each).

use super::error::LoadError;
use super::operations::empty_execution;
use super::raw::{ts, PayloadOutcome, RawErrorWrap, RawPayload, RawTs, Text};
use super::top::doc_prefix;
use crate::model::{
    Attempt, ErrorInfo, Execution, Invocation, OpStatus, OpType, Operation, Payload, Ts,
};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawEvent<'a> {
    #[serde(borrow)]
    pub event_type: Option<Text<'a>>,
    pub event_id: Option<u64>,
    pub event_timestamp: Option<RawTs>,
    #[serde(borrow)]
    pub id: Option<Text<'a>>,
    #[serde(borrow)]
    pub name: Option<Text<'a>>,
    #[serde(borrow)]
    pub sub_type: Option<Text<'a>>,
    #[serde(borrow)]
    pub parent_id: Option<Text<'a>>,
    /// The one `<EventType>Details` object; they share field names.
    #[serde(
        borrow,
        alias = "ExecutionStartedDetails",
        alias = "ExecutionSucceededDetails",
        alias = "ExecutionFailedDetails",
        alias = "ExecutionTimedOutDetails",
        alias = "ExecutionStoppedDetails",
        alias = "StepStartedDetails",
        alias = "StepSucceededDetails",
        alias = "StepFailedDetails",
        alias = "WaitStartedDetails",
        alias = "WaitSucceededDetails",
        alias = "WaitCancelledDetails",
        alias = "CallbackStartedDetails",
        alias = "CallbackSucceededDetails",
        alias = "CallbackFailedDetails",
        alias = "CallbackTimedOutDetails",
        alias = "ContextStartedDetails",
        alias = "ContextSucceededDetails",
        alias = "ContextFailedDetails",
        alias = "ChainedInvokeStartedDetails",
        alias = "ChainedInvokeSucceededDetails",
        alias = "ChainedInvokeFailedDetails",
        alias = "ChainedInvokeTimedOutDetails",
        alias = "ChainedInvokeStoppedDetails",
        alias = "InvocationCompletedDetails"
    )]
    pub details: Option<RawEventDetails<'a>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawEventDetails<'a> {
    #[serde(borrow)]
    pub input: Option<RawPayload<'a>>,
    #[serde(borrow)]
    pub result: Option<RawPayload<'a>>,
    /// Boxed: errors are rare and large, events are many.
    pub error: Option<Box<RawErrorWrap>>,
    pub retry_details: Option<RawRetry>,
    pub duration: Option<f64>,
    pub scheduled_end_timestamp: Option<RawTs>,
    pub callback_id: Option<String>,
    pub start_timestamp: Option<RawTs>,
    pub end_timestamp: Option<RawTs>,
    pub request_id: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawRetry {
    pub current_attempt: Option<u32>,
    pub next_attempt_delay_seconds: Option<f64>,
}

/// Where an event sits in the file, to build a JSON pointer on error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub doc: usize,
    /// Index in an array of pages, when the document was one.
    pub page: Option<usize>,
    /// Whether the events sat under an `Events` key (vs a bare array).
    pub wrapped: bool,
    pub index: usize,
}

impl Place {
    pub fn pointer(&self) -> String {
        let mut s = doc_prefix(self.doc);
        if let Some(p) = self.page {
            s.push_str(&format!("/{p}"));
        }
        if self.wrapped {
            s.push_str("/Events");
        }
        s.push_str(&format!("/{}", self.index));
        s
    }
}

/// Build one execution from every event of one history.
pub(crate) fn build(
    file: &str,
    mut events: Vec<(RawEvent<'_>, Place)>,
    warnings: &mut Vec<String>,
) -> Result<Execution, LoadError> {
    let mut ids = Vec::with_capacity(events.len());
    for (ev, place) in &events {
        let Some(id) = ev.event_id else {
            return Err(missing(file, place, "EventId", "an EventId (integer)"));
        };
        if ev.event_type.is_none() {
            return Err(missing(file, place, "EventType", "an EventType (string)"));
        }
        ids.push(id);
    }
    if let Some(w) = ids.windows(2).position(|w| w[0] > w[1]) {
        warnings.push(format!(
            "events are out of order (EventId {} comes after {} at {}): sorted by EventId",
            ids[w + 1],
            ids[w],
            events[w + 1].1.pointer()
        ));
        // Stable, so duplicate ids keep their file order for the error below.
        events.sort_by_key(|(e, _)| e.event_id);
    }
    check_ids(file, &events, warnings)?;
    Ok(Builder::default().run(events, warnings))
}

fn check_ids(
    file: &str,
    events: &[(RawEvent<'_>, Place)],
    warnings: &mut Vec<String>,
) -> Result<(), LoadError> {
    let mut prev: Option<(u64, Place)> = None;
    for (ev, place) in events {
        let id = ev.event_id.unwrap_or(0);
        let expected_next = prev.map(|(p, _)| p + 1).unwrap_or(1);
        if let Some((p, first)) = prev {
            if p == id {
                return Err(LoadError::DuplicateEventId {
                    file: file.to_string(),
                    event_id: id,
                    first: first.pointer(),
                    second: place.pointer(),
                });
            }
        }
        if id > expected_next {
            warnings.push(gap_warning(expected_next, id));
        }
        prev = Some((id, *place));
    }
    Ok(())
}

fn gap_warning(expected: u64, found: u64) -> String {
    let range = if found - 1 == expected {
        format!("event {expected} is missing")
    } else {
        format!("events {expected}–{} are missing", found - 1)
    };
    format!("{range} (a page was not fetched?)")
}

fn missing(file: &str, place: &Place, key: &str, what: &str) -> LoadError {
    LoadError::invalid(file, format!("{}/{key}", place.pointer()), what, "none")
}

/// What an [`EventSink`] does with each event as the parser reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SinkMode {
    /// Build operations on the fly: no event is kept, so a large history
    /// costs little more than its parse. Events out of EventId order stop
    /// the streaming (`needs_sorting`) and the caller collects instead.
    Stream,
    /// Keep every event, to sort and check them first.
    Collect,
    /// Drop them (re-parsing only to locate an error).
    Discard,
}

/// Receives history events while the document is parsed.
pub(crate) struct EventSink<'de> {
    file: String,
    mode: SinkMode,
    /// Where the parser is, for the `Place` of each event.
    pub doc: usize,
    pub page: Option<usize>,
    pub wrapped: bool,
    last: Option<u64>,
    needs_sorting: bool,
    error: Option<LoadError>,
    builder: Builder,
    collected: Vec<(RawEvent<'de>, Place)>,
    warnings: Vec<String>,
}

impl<'de> EventSink<'de> {
    pub fn new(file: &str, mode: SinkMode) -> Self {
        EventSink {
            file: file.to_string(),
            mode,
            doc: 0,
            page: None,
            wrapped: false,
            last: None,
            needs_sorting: false,
            error: None,
            builder: Builder::default(),
            collected: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn push(&mut self, ev: RawEvent<'de>, index: usize) {
        let place = Place {
            doc: self.doc,
            page: self.page,
            wrapped: self.wrapped,
            index,
        };
        match self.mode {
            SinkMode::Discard => {}
            SinkMode::Collect => self.collected.push((ev, place)),
            SinkMode::Stream => {
                if self.needs_sorting || self.error.is_some() {
                    return;
                }
                let Some(id) = ev.event_id else {
                    self.error = Some(missing(
                        &self.file,
                        &place,
                        "EventId",
                        "an EventId (integer)",
                    ));
                    return;
                };
                if ev.event_type.is_none() {
                    self.error = Some(missing(
                        &self.file,
                        &place,
                        "EventType",
                        "an EventType (string)",
                    ));
                    return;
                }
                if self.last.is_some_and(|prev| id <= prev) {
                    // Out of order or repeated: sort and check all of them.
                    self.needs_sorting = true;
                    return;
                }
                let expected = self.last.map(|p| p + 1).unwrap_or(1);
                if id > expected {
                    self.warnings.push(gap_warning(expected, id));
                }
                self.last = Some(id);
                let mut ev = ev;
                self.builder.feed(&mut ev, place, &mut self.warnings);
            }
        }
    }

    /// The streamed execution, or `None` when the events must be collected
    /// and sorted first (parse again with [`SinkMode::Collect`]).
    pub fn finish(self, warnings: &mut Vec<String>) -> Result<Option<Execution>, LoadError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.needs_sorting {
            return Ok(None);
        }
        let mut own = self.warnings;
        let exec = self.builder.finish(&mut own);
        warnings.append(&mut own);
        Ok(Some(exec))
    }

    pub fn into_collected(self) -> Vec<(RawEvent<'de>, Place)> {
        self.collected
    }
}

/// An Fx-style hash (word at a time): ids are short strings made by the
/// SDKs, not attacker-chosen keys, and SipHash was a visible share of
/// loading a large history.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        // Mix high bits down: the multiply leaves the low bits (the table
        // index) depending only on the low bits of each word.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
}

pub(crate) type FastMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<Fx>>;

#[derive(Default)]
struct Builder {
    exec: Option<Execution>,
    ops: Vec<Operation>,
    index: FastMap<usize>,
    invocations: Vec<Invocation>,
    truncated: Vec<String>,
    absent: usize,
    unknown_types: Vec<String>,
}

fn split_type(t: &str) -> Option<(&'static str, &str)> {
    for p in [
        "ChainedInvoke",
        "Execution",
        "Invocation",
        "Callback",
        "Context",
        "Step",
        "Wait",
    ] {
        if let Some(rest) = t.strip_prefix(p) {
            return Some((p, rest));
        }
    }
    None
}

fn terminal_status(action: &str) -> Option<OpStatus> {
    Some(match action {
        "Succeeded" => OpStatus::Succeeded,
        "Failed" => OpStatus::Failed,
        "TimedOut" => OpStatus::TimedOut,
        "Stopped" => OpStatus::Stopped,
        "Cancelled" => OpStatus::Cancelled,
        _ => return None,
    })
}

impl Builder {
    fn payload(
        &mut self,
        p: Option<RawPayload<'_>>,
        what: impl FnOnce() -> String,
    ) -> Option<Payload> {
        match p?.into_outcome() {
            PayloadOutcome::Present(p) => {
                if p.truncated {
                    self.truncated.push(what());
                }
                Some(p)
            }
            PayloadOutcome::Absent => {
                self.absent += 1;
                None
            }
        }
    }

    fn error(
        &mut self,
        e: Option<Box<RawErrorWrap>>,
        what: impl FnOnce() -> String,
    ) -> Option<ErrorInfo> {
        let info = e?.into_info()?;
        if info.truncated {
            self.truncated.push(what());
        }
        Some(info)
    }

    fn run(mut self, events: Vec<(RawEvent<'_>, Place)>, warnings: &mut Vec<String>) -> Execution {
        for (mut ev, place) in events {
            self.feed(&mut ev, place, warnings);
        }
        self.finish(warnings)
    }

    /// Apply one event (events must come in EventId order).
    fn feed(&mut self, ev: &mut RawEvent<'_>, place: Place, warnings: &mut Vec<String>) {
        let et = ev.event_type.take();
        let et = et.as_ref().map(Text::as_str).unwrap_or("");
        match split_type(et) {
            Some(("Execution", action)) => self.execution_event(ev, action),
            Some(("Invocation", "Completed")) => self.invocation_completed(ev),
            Some((prefix, action)) if prefix != "Invocation" => {
                let op_type = match prefix {
                    "Step" => OpType::Step,
                    "Wait" => OpType::Wait,
                    "Callback" => OpType::Callback,
                    "Context" => OpType::Context,
                    _ => OpType::ChainedInvoke,
                };
                self.op_event(ev, op_type, action, place, warnings);
            }
            _ => {
                if !self.unknown_types.iter().any(|t| t == et) {
                    self.unknown_types.push(et.to_string());
                }
            }
        }
    }

    fn execution_event(&mut self, ev: &mut RawEvent<'_>, action: &str) {
        let at = ts(ev.event_timestamp);
        let d = ev.details.take().unwrap_or_default();
        let input = self.payload(d.input, || "execution input".into());
        let result = self.payload(d.result, || "execution result".into());
        let error = self.error(d.error, || "execution error".into());
        let exec = self.exec.get_or_insert_with(empty_execution);
        if exec.execution_op_id.is_none() {
            exec.execution_op_id = ev.id.take().map(Text::into_string);
        }
        if exec.name.is_none() {
            exec.name = ev.name.take().map(Text::into_string);
        }
        if action == "Started" {
            exec.start = at;
            exec.input = input;
        } else if let Some(status) = terminal_status(action) {
            exec.status = Some(status);
            exec.end = at;
            exec.result = result;
            exec.error = error;
        }
    }

    fn invocation_completed(&mut self, ev: &mut RawEvent<'_>) {
        let at = ts(ev.event_timestamp);
        let d = ev.details.take().unwrap_or_default();
        let error = self.error(d.error, || "invocation error".into());
        // The Python tool writes the bare event: the invocation then starts
        // where the previous one ended (or with the execution).
        let start = ts(d.start_timestamp).or_else(|| match self.invocations.last() {
            Some(prev) => prev.end,
            None => self.exec.as_ref().and_then(|e| e.start),
        });
        self.invocations.push(Invocation {
            start,
            end: ts(d.end_timestamp).or(at),
            request_id: d.request_id,
            error,
            inferred: false,
        });
    }

    fn op_event(
        &mut self,
        ev: &mut RawEvent<'_>,
        op_type: OpType,
        action: &str,
        place: Place,
        warnings: &mut Vec<String>,
    ) {
        let Some(id) = ev.id.take() else {
            warnings.push(format!(
                "{}: operation event without an Id ignored",
                place.pointer()
            ));
            return;
        };
        let inv = self.invocations.len();
        let at = ts(ev.event_timestamp);
        let idx = match self.index.get(id.as_str()) {
            Some(&i) => i,
            None => {
                self.ops.push(Operation {
                    id: id.as_str().to_string(),
                    parent_id: ev.parent_id.as_ref().map(|t| t.as_str().to_string()),
                    name: ev.name.as_ref().map(|t| t.as_str().to_string()),
                    op_type,
                    sub_type: ev.sub_type.as_ref().map(|t| t.as_str().to_string()),
                    status: OpStatus::Started,
                    start: at,
                    end: None,
                    result: None,
                    error: None,
                    attempts: Vec::new(),
                    scheduled_end: None,
                    wait_seconds: None,
                    callback_id: None,
                    next_attempt_at: None,
                    started_in: Some(inv),
                    finished_in: None,
                });
                self.index
                    .insert(id.as_str().to_string(), self.ops.len() - 1);
                self.ops.len() - 1
            }
        };
        if self.ops[idx].op_type != op_type {
            warnings.push(format!(
                "{}: operation {} was first seen as {} but this event is a {op_type} event; ignored",
                place.pointer(),
                id.as_str(),
                self.ops[idx].op_type,
            ));
            return;
        }
        let d = ev.details.take().unwrap_or_default();
        let label = || {
            format!(
                "{} {:?}",
                op_type,
                ev.name.as_ref().map(Text::as_str).unwrap_or(id.as_str())
            )
        };
        let result = self.payload(d.result, label);
        let error = self.error(d.error, label);
        let op = &mut self.ops[idx];
        if op.name.is_none() {
            op.name = ev.name.take().map(Text::into_string);
        }
        if op.sub_type.is_none() {
            op.sub_type = ev.sub_type.take().map(Text::into_string);
        }
        if op.parent_id.is_none() {
            op.parent_id = ev.parent_id.take().map(Text::into_string);
        }
        // Service-side completions happen between invocations: a wait timer,
        // a callback answered from outside, a chained invoke finishing.
        let service_side = matches!(op_type, OpType::Callback | OpType::ChainedInvoke)
            || (op_type == OpType::Wait && action == "Succeeded");
        match action {
            "Started" => {
                op.status = OpStatus::Started;
                if op.start.is_none() {
                    op.start = at;
                }
                if op_type == OpType::Step {
                    op.attempts.push(Attempt {
                        number: op.attempts.len() as u32 + 1,
                        start: at,
                        end: None,
                        status: OpStatus::Started,
                        error: None,
                        next_attempt_at: None,
                        invocation: Some(inv),
                    });
                }
                if d.duration.is_some() {
                    op.wait_seconds = d.duration;
                }
                if let Some(t) = d.scheduled_end_timestamp {
                    op.scheduled_end = Some(t.0);
                }
                if d.callback_id.is_some() {
                    op.callback_id = d.callback_id;
                }
            }
            _ => {
                let Some(status) = terminal_status(action) else {
                    warnings.push(format!(
                        "{}: unknown event type {}{action} ignored",
                        place.pointer(),
                        op_type
                    ));
                    return;
                };
                let retry_at = d
                    .retry_details
                    .as_ref()
                    .and_then(|r| r.next_attempt_delay_seconds)
                    .zip(at)
                    .map(|(s, t)| Ts(t.0.saturating_add((s * 1e6) as i64)));
                let retrying =
                    op_type == OpType::Step && status == OpStatus::Failed && retry_at.is_some();
                if op_type == OpType::Step {
                    if op
                        .attempts
                        .last()
                        .is_none_or(|a| a.status != OpStatus::Started)
                    {
                        // The StepStarted is missing (a page was lost): keep the attempt anyway.
                        let number = d.retry_details.as_ref().and_then(|r| r.current_attempt);
                        op.attempts.push(Attempt {
                            number: number.unwrap_or(op.attempts.len() as u32 + 1),
                            start: None,
                            end: None,
                            status: OpStatus::Started,
                            error: None,
                            next_attempt_at: None,
                            invocation: Some(inv),
                        });
                    }
                    if let Some(a) = op.attempts.last_mut() {
                        a.status = status;
                        a.end = at;
                        a.error = error.clone();
                        a.next_attempt_at = retry_at;
                    }
                }
                if retrying {
                    op.status = OpStatus::Pending;
                    op.next_attempt_at = retry_at;
                    op.error = error;
                } else {
                    op.status = status;
                    op.end = at;
                    op.next_attempt_at = None;
                    op.error = error;
                    if result.is_some() {
                        op.result = result;
                    }
                    op.finished_in = if service_side { None } else { Some(inv) };
                }
            }
        }
    }

    fn finish(self, warnings: &mut Vec<String>) -> Execution {
        let mut exec = self.exec.unwrap_or_else(empty_execution);
        if exec.arn.is_none() {
            exec.arn = exec.execution_op_id.clone();
        }
        exec.operations = self.ops;
        exec.invocations = self.invocations;
        let n = exec.invocations.len();
        if n == 0 {
            // No InvocationCompleted at all: the boundaries are unknown and
            // the replay analysis infers them.
            for op in &mut exec.operations {
                op.started_in = None;
                op.finished_in = None;
                for a in &mut op.attempts {
                    a.invocation = None;
                }
            }
        } else if exec.operations.iter().any(|o| {
            o.started_in == Some(n)
                || o.finished_in == Some(n)
                || o.attempts.iter().any(|a| a.invocation == Some(n))
        }) {
            // Events after the last InvocationCompleted: an invocation still
            // running (or one whose end was not recorded).
            let start = exec.invocations.last().and_then(|i| i.end);
            exec.invocations.push(Invocation {
                start,
                end: None,
                request_id: None,
                error: None,
                inferred: true,
            });
            warnings.push(format!(
                "invocation {} has no InvocationCompleted event (still running?); its end is unknown",
                n + 1
            ));
        }
        if !self.truncated.is_empty() {
            let shown: Vec<&str> = self.truncated.iter().take(5).map(String::as_str).collect();
            let more = self.truncated.len().saturating_sub(shown.len());
            warnings.push(format!(
                "{} payload(s) are truncated: {}{}",
                self.truncated.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        if self.absent > 0 {
            warnings.push(format!(
                "{} payload(s) are absent (history fetched without execution data?)",
                self.absent
            ));
        }
        for t in self.unknown_types {
            warnings.push(format!("unknown event type {t:?} ignored"));
        }
        exec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn gaps_name_the_missing_range() {
        assert_eq!(
            gap_warning(7, 10),
            "events 7–9 are missing (a page was not fetched?)"
        );
        assert_eq!(
            gap_warning(3, 4),
            "event 3 is missing (a page was not fetched?)"
        );
    }

    #[test]
    fn id_hash_spreads_sequential_hex_ids() {
        let b = BuildHasherDefault::<Fx>::default();
        let low: std::collections::HashSet<u64> = (0..4096u32)
            .map(|i| b.hash_one(format!("{i:016x}")) & 0xfff)
            .collect();
        assert!(low.len() > 2000, "only {} distinct low bits", low.len());
    }
}
