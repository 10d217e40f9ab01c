//! A fast path for the one input that gets large: a history-events document,
//! `{"Events": [...]}` (with an optional `NextMarker`) or a bare event
//! array. serde's typed visitors (a call, a key match and an `Option` peek
//! per value) made reading such a file about twice as slow as merely
//! checking its JSON; this reads the same events into the same `RawEvent`s
//! with a scanner that knows their shape.
//!
//! It gives up (`Bail`) on anything it was not written for: another key at
//! the top, several documents, a value of an unexpected type, a duplicate
//! key, an escaped key, a lone surrogate, very deep nesting, a syntax error.
//! The caller then parses the whole input again with serde
//! (`top::parse_docs`), which reads unusual input as it always has and
//! words every error with its line and column. So this path never has to
//! produce an error, only to be right about what it accepts: the tests
//! compare the two paths on every fixture and on thousands of mutated
//! inputs.

use super::event_de::is_details_key;
use super::events::{RawEvent, RawEventDetails, RawRetry};
use super::raw::{RawErrorWrap, RawPayload};
use super::scan::{Bail, Scan, R};
use super::sink::EventSink;
use super::top::{Doc, TopObject};
use serde_json::Value;

/// Read `text` (already checked to be UTF-8) as one history-events
/// document, streaming its events into `sink`. `None`: not such a
/// document, or something this path does not handle; the sink then holds
/// a partial read and must be discarded.
pub(crate) fn parse<'a>(text: &'a str, sink: &mut EventSink<'a>) -> Option<Vec<Doc>> {
    let mut s = Scan::new(text);
    let doc = s.document(sink).ok()?;
    s.at_end().then(|| vec![doc])
}

/// The history-events shape, read with the scanner's primitives.
impl<'a> Scan<'a> {
    /// The whole document: the wrapped or the bare event array.
    fn document(&mut self, sink: &mut EventSink<'a>) -> R<Doc> {
        sink.doc = 0;
        sink.page = None;
        match self.peek()? {
            b'[' => {
                sink.wrapped = false;
                self.events(sink, true)?;
                Ok(Doc::Events)
            }
            b'{' => {
                sink.wrapped = true;
                let mut t = TopObject::default();
                self.members(&mut t, 1, |s, key, t| match key {
                    "Events" => {
                        s.events(sink, false)?;
                        t.has_events = true;
                        Ok(1)
                    }
                    "NextMarker" => {
                        t.next_marker = s.opt_string()?.map(Value::String);
                        Ok(2)
                    }
                    // The AWS SDKs' dumps (boto3) keep the response's
                    // metadata beside the events; serde ignores it too.
                    "ResponseMetadata" => Ok(0),
                    // Other documents (operations, stores, exports) are
                    // small: serde reads them.
                    _ => Err(Bail),
                })?;
                if !t.has_events {
                    return Err(Bail);
                }
                Ok(Doc::Object(Box::new(t)))
            }
            _ => Err(Bail),
        }
    }

    /// An event array. `bare`: the document itself, which is an event
    /// array only when its first element has an `EventType` key.
    fn events(&mut self, sink: &mut EventSink<'a>, bare: bool) -> R<()> {
        self.expect(b'[')?;
        if self.empty(b']')? {
            // An empty bare array is not a history; serde says what it is.
            return if bare { Err(Bail) } else { Ok(()) };
        }
        let mut ev = RawEvent::default();
        let mut index = 0;
        loop {
            let has_type = self.event(&mut ev)?;
            if bare && index == 0 && !has_type {
                return Err(Bail);
            }
            sink.push(&mut ev, index);
            index += 1;
            if !self.more(b']')? {
                return Ok(());
            }
        }
    }

    /// One event into `ev` (replacing what it held). True when it had an
    /// `EventType` key.
    fn event(&mut self, ev: &mut RawEvent<'a>) -> R<bool> {
        *ev = RawEvent::default();
        let seen = self.members(ev, 3, |s, key, ev| {
            Ok(match key {
                "EventType" => {
                    ev.event_type = s.opt_text()?;
                    1
                }
                "EventId" => {
                    ev.event_id = s.opt_u64()?;
                    2
                }
                "EventTimestamp" => {
                    ev.event_timestamp = s.opt_ts()?;
                    4
                }
                "Id" => {
                    ev.id = s.opt_text()?;
                    8
                }
                "Name" => {
                    ev.name = s.opt_text()?;
                    16
                }
                "SubType" => {
                    ev.sub_type = s.opt_text()?;
                    32
                }
                "ParentId" => {
                    ev.parent_id = s.opt_text()?;
                    64
                }
                k if is_details_key(k) => {
                    ev.details = s.opt_details()?;
                    128
                }
                _ => 0,
            })
        })?;
        Ok(seen & 1 != 0)
    }

    fn opt_details(&mut self) -> R<Option<RawEventDetails<'a>>> {
        self.opt_object(4, |s, key, d: &mut RawEventDetails<'a>| {
            Ok(match key {
                "Input" => {
                    d.input = s.opt_payload()?;
                    1
                }
                "Result" => {
                    d.result = s.opt_payload()?;
                    2
                }
                "Error" => {
                    d.error = s.error()?;
                    4
                }
                "RetryDetails" => {
                    d.retry_details = s.opt_retry()?;
                    8
                }
                "Duration" => {
                    d.duration = s.opt_f64()?;
                    16
                }
                "ScheduledEndTimestamp" => {
                    d.scheduled_end_timestamp = s.opt_ts()?;
                    32
                }
                "CallbackId" => {
                    d.callback_id = s.opt_string()?;
                    64
                }
                "StartTimestamp" => {
                    d.start_timestamp = s.opt_ts()?;
                    128
                }
                "EndTimestamp" => {
                    d.end_timestamp = s.opt_ts()?;
                    256
                }
                "RequestId" => {
                    d.request_id = s.opt_string()?;
                    512
                }
                _ => 0,
            })
        })
    }

    fn opt_payload(&mut self) -> R<Option<RawPayload<'a>>> {
        self.opt_object(5, |s, key, p: &mut RawPayload<'a>| {
            Ok(match key {
                "Truncated" => {
                    p.truncated = match s.peek()? {
                        b't' => s.literal(b"true").map(|_| true)?,
                        b'f' => s.literal(b"false").map(|_| false)?,
                        _ => return Err(Bail),
                    };
                    1
                }
                "Payload" => {
                    p.payload = s.opt_text()?;
                    2
                }
                _ => 0,
            })
        })
    }

    fn opt_retry(&mut self) -> R<Option<RawRetry>> {
        self.opt_object(5, |s, key, r: &mut RawRetry| {
            Ok(match key {
                "CurrentAttempt" => {
                    r.current_attempt = match s.opt_u64()? {
                        Some(v) => Some(u32::try_from(v).map_err(|_| Bail)?),
                        None => None,
                    };
                    1
                }
                "NextAttemptDelaySeconds" => {
                    r.next_attempt_delay_seconds = s.opt_f64()?;
                    2
                }
                _ => 0,
            })
        })
    }

    /// Errors are rare and have an involved shape (a wrapper or a bare
    /// error object): find the value's extent and let serde read just it.
    fn error(&mut self) -> R<Option<Box<RawErrorWrap>>> {
        serde_json::from_str(self.raw_value(4)?).map_err(|_| Bail)
    }
}

#[cfg(test)]
#[path = "fast_events_tests.rs"]
mod tests;
