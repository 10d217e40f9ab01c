//! History events (GetDurableExecutionHistory): `{"Events": [...]}`, a bare
//! event array, or several pages. Events are checked (ids unique, contiguous,
//! in order), then replayed in EventId order into operations, step attempts
//! and invocations (`InvocationCompleted` marks the end of each).

use super::error::LoadError;
use super::operations::empty_execution;
use super::raw::{ts, PayloadOutcome, RawErrorWrap, RawPayload, RawTs};
use super::top::doc_prefix;
use crate::model::{
    Attempt, ErrorInfo, Execution, Invocation, OpStatus, OpType, Operation, Payload, Ts,
};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawEvent {
    pub event_type: Option<String>,
    pub event_id: Option<u64>,
    pub event_timestamp: Option<RawTs>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub sub_type: Option<String>,
    pub parent_id: Option<String>,
    /// The one `<EventType>Details` object; they share field names.
    #[serde(
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
    pub details: Option<RawEventDetails>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawEventDetails {
    pub input: Option<RawPayload>,
    pub result: Option<RawPayload>,
    pub error: Option<RawErrorWrap>,
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
    mut events: Vec<(RawEvent, Place)>,
    warnings: &mut Vec<String>,
) -> Result<Execution, LoadError> {
    let mut ids = Vec::with_capacity(events.len());
    for (ev, place) in &events {
        let Some(id) = ev.event_id else {
            return Err(LoadError::invalid(
                file,
                place.pointer() + "/EventId",
                "an EventId (integer)",
                "none",
            ));
        };
        if ev.event_type.is_none() {
            return Err(LoadError::invalid(
                file,
                place.pointer() + "/EventType",
                "an EventType (string)",
                "none",
            ));
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
    events: &[(RawEvent, Place)],
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
            let range = if id - 1 == expected_next {
                format!("event {expected_next} is missing")
            } else {
                format!("events {expected_next}–{} are missing", id - 1)
            };
            warnings.push(format!("{range} (a page was not fetched?)"));
        }
        prev = Some((id, *place));
    }
    Ok(())
}

#[derive(Default)]
struct Builder {
    exec: Option<Execution>,
    ops: Vec<Operation>,
    index: HashMap<String, usize>,
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
    fn payload(&mut self, p: Option<RawPayload>, what: impl FnOnce() -> String) -> Option<Payload> {
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
        e: Option<RawErrorWrap>,
        what: impl FnOnce() -> String,
    ) -> Option<ErrorInfo> {
        let info = e?.into_info()?;
        if info.truncated {
            self.truncated.push(what());
        }
        Some(info)
    }

    fn run(mut self, events: Vec<(RawEvent, Place)>, warnings: &mut Vec<String>) -> Execution {
        for (ev, place) in events {
            let et = ev.event_type.clone().unwrap_or_default();
            match split_type(&et) {
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
                    if !self.unknown_types.contains(&et) {
                        self.unknown_types.push(et);
                    }
                }
            }
        }
        self.finish(warnings)
    }

    fn execution_event(&mut self, ev: RawEvent, action: &str) {
        let at = ts(ev.event_timestamp);
        let d = ev.details.unwrap_or_default();
        let input = self.payload(d.input, || "execution input".into());
        let result = self.payload(d.result, || "execution result".into());
        let error = self.error(d.error, || "execution error".into());
        let exec = self.exec.get_or_insert_with(empty_execution);
        if exec.execution_op_id.is_none() {
            exec.execution_op_id = ev.id;
        }
        if exec.name.is_none() {
            exec.name = ev.name;
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

    fn invocation_completed(&mut self, ev: RawEvent) {
        let at = ts(ev.event_timestamp);
        let d = ev.details.unwrap_or_default();
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
        ev: RawEvent,
        op_type: OpType,
        action: &str,
        place: Place,
        warnings: &mut Vec<String>,
    ) {
        let Some(id) = ev.id else {
            warnings.push(format!(
                "{}: operation event without an Id ignored",
                place.pointer()
            ));
            return;
        };
        let inv = self.invocations.len();
        let at = ts(ev.event_timestamp);
        let idx = match self.index.get(&id) {
            Some(&i) => i,
            None => {
                self.ops.push(Operation {
                    id: id.clone(),
                    parent_id: ev.parent_id.clone(),
                    name: ev.name.clone(),
                    op_type,
                    sub_type: ev.sub_type.clone(),
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
                self.index.insert(id.clone(), self.ops.len() - 1);
                self.ops.len() - 1
            }
        };
        if self.ops[idx].op_type != op_type {
            warnings.push(format!(
                "{}: operation {id} was first seen as {} but this event is {}{action}; event ignored",
                place.pointer(),
                self.ops[idx].op_type,
                ev.event_type.as_deref().unwrap_or("")
            ));
            return;
        }
        let d = ev.details.unwrap_or_default();
        let label = || format!("{} {:?}", op_type, ev.name.as_deref().unwrap_or(&id));
        let result = self.payload(d.result, label);
        let error = self.error(d.error, label);
        let op = &mut self.ops[idx];
        if op.name.is_none() {
            op.name = ev.name;
        }
        if op.sub_type.is_none() {
            op.sub_type = ev.sub_type;
        }
        if op.parent_id.is_none() {
            op.parent_id = ev.parent_id;
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
