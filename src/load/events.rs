//! History events (GetDurableExecutionHistory): `{"Events": [...]}`, a bare
//! event array, or several pages. The `Builder` replays events in EventId
//! order into operations, step attempts and invocations
//! (`InvocationCompleted` marks the end of each); `sink` feeds it.

use super::raw::{ts, PayloadOutcome, RawErrorWrap, RawPayload, RawTs, Text};
use super::sink::Place;
use crate::model::{
    ErrorInfo, Execution, Invocation, OpStatus, OpType, Operation, Payload, Ts, Warning,
    WarningKind,
};
use serde::Deserialize;
use std::borrow::Cow;

/// One history event. Read by [`super::event_de::EventSeed`] (in place,
/// reusing one value for every event), not by a derived `Deserialize`.
#[derive(Debug, Default)]
pub(crate) struct RawEvent<'a> {
    pub event_type: Option<Text<'a>>,
    pub event_id: Option<u64>,
    pub event_timestamp: Option<RawTs>,
    pub id: Option<Text<'a>>,
    pub name: Option<Text<'a>>,
    pub sub_type: Option<Text<'a>>,
    pub parent_id: Option<Text<'a>>,
    /// The one `<EventType>Details` object; they share field names.
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

#[derive(Default)]
pub(crate) struct Builder<'de> {
    exec: Option<Execution>,
    ops: Vec<Operation>,
    /// Operation id to index in `ops`. Keys borrow from the input (ids
    /// rarely have escapes), so the index costs no allocation per operation
    /// to build or to drop.
    index: super::sink::FastMap<Cow<'de, str>, usize>,
    /// The operation the previous event touched.
    last: Option<usize>,
    /// The operation named as parent by the previous operation that named
    /// one (siblings come in runs).
    last_parent: Option<usize>,
    /// Parent ids that named no operation (yet) when an operation was given
    /// them; `finish` settles them once every id is known.
    unresolved: Vec<Cow<'de, str>>,
    invocations: Vec<Invocation>,
    /// Per invocation, the time of its first own checkpoint (the handler
    /// was running by then); `activity` is the invocation being read.
    first_activity: Vec<Option<Ts>>,
    activity: Option<Ts>,
    /// Times at which the service could wake the handler: the execution
    /// started, a wait or a retry timer ended, a callback was answered, a
    /// chained invoke returned. A bare InvocationCompleted (the Python
    /// tool's) starts at the last of these before its first checkpoint.
    /// Each with the first invocation it can wake: a retry timer set in
    /// invocation k wakes k + 1 at the earliest.
    wakes: Vec<(Ts, usize)>,
    truncated: Vec<String>,
    absent: usize,
    /// The execution input came without its text: the history was fetched
    /// without execution data, so absent payloads are data left out rather
    /// than empty results.
    input_absent: bool,
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

impl<'de> Builder<'de> {
    /// Size the operation index for an input of `bytes`: operations with
    /// their events take about a kilobyte in real files, so this avoids
    /// growing (rehashing) the index while loading a large one.
    pub(crate) fn expect_bytes(&mut self, bytes: usize) {
        self.index.reserve((bytes / 1024).min(1 << 22));
        // The operation list too, generously (`finish` gives back what is
        // unused): growing a list of tens of megabytes copies it each time,
        // since the heap cannot remap it once the file's read buffer has
        // been freed.
        self.ops.reserve((bytes / 640).min(1 << 22));
    }

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

    /// Whether any Execution* event was applied.
    pub(crate) fn saw_execution(&self) -> bool {
        self.exec.is_some()
    }

    pub(crate) fn run(
        mut self,
        events: Vec<(RawEvent<'de>, Place)>,
        warnings: &mut Vec<Warning>,
    ) -> Execution {
        for (mut ev, place) in events {
            self.feed(&mut ev, place, warnings);
        }
        self.finish(warnings)
    }

    /// Apply one event (events must come in EventId order).
    pub(crate) fn feed(
        &mut self,
        ev: &mut RawEvent<'de>,
        place: Place,
        warnings: &mut Vec<Warning>,
    ) {
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
        if action == "Started" {
            self.wakes.extend(at.map(|t| (t, 0)));
            self.input_absent = d.input.as_ref().is_some_and(|p| p.payload.is_none());
        }
        let input = self.payload(d.input, || "execution input".into());
        let result = self.payload(d.result, || "execution result".into());
        let error = self.error(d.error, || "execution error".into());
        let exec = self.exec.get_or_insert_with(Execution::default);
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
        // The Python tool writes the bare event: its start is inferred in
        // `finish`, once every wake-up time is known.
        let start = ts(d.start_timestamp);
        self.first_activity.push(self.activity.take());
        self.invocations.push(Invocation {
            start,
            start_inferred: start.is_none(),
            end: ts(d.end_timestamp).or(at),
            request_id: d.request_id,
            error,
            inferred: false,
            ..Default::default()
        });
    }

    fn op_event(
        &mut self,
        ev: &mut RawEvent<'de>,
        op_type: OpType,
        action: &str,
        place: Place,
        warnings: &mut Vec<Warning>,
    ) {
        let Some(id) = ev.id.take() else {
            warnings
                .push(format!("{}: operation event without an Id ignored", place.pointer()).into());
            return;
        };
        let inv = self.invocations.len();
        let at = ts(ev.event_timestamp);
        // An operation's events usually come one after another: check the
        // last one touched before hashing.
        let last = self.last.filter(|&i| self.ops[i].id == id.as_str());
        let idx = match last.or_else(|| self.index.get(id.as_str()).copied()) {
            Some(i) => i,
            None => {
                let parent_id = self.parent(ev.parent_id.as_ref());
                self.ops.push(Operation {
                    parent_id,
                    name: ev.name.as_ref().map(|t| t.as_str().to_string()),
                    sub_type: ev.sub_type.as_ref().map(|t| t.as_str().to_string()),
                    start: at,
                    started_in: Some(inv),
                    ..Operation::new(id.as_str(), op_type, OpStatus::Started)
                });
                self.index.insert(id.0.clone(), self.ops.len() - 1);
                self.ops.len() - 1
            }
        };
        self.last = Some(idx);
        if self.ops[idx].op_type != op_type {
            warnings.push(format!(
                "{}: operation {} was first seen as {} but this event is a {op_type} event; ignored",
                place.pointer(),
                id.as_str(),
                self.ops[idx].op_type,
            ).into());
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
        if self.ops[idx].parent_id.is_none() && ev.parent_id.is_some() {
            self.ops[idx].parent_id = self.parent(ev.parent_id.as_ref());
        }
        // Service-side completions happen between invocations: a wait timer,
        // a callback answered from outside, a chained invoke finishing.
        let service_side = matches!(op_type, OpType::Callback | OpType::ChainedInvoke)
            || (op_type == OpType::Wait && action == "Succeeded");
        if let Some(t) = at {
            if service_side && action != "Started" {
                self.wakes.push((t, 0));
            } else if self.activity.is_none_or(|a| t < a) {
                self.activity = Some(t);
            }
        }
        let mut retry_wake = None;
        let op = &mut self.ops[idx];
        if op.name.is_none() {
            op.name = ev.name.take().map(Text::into_string);
        }
        if op.sub_type.is_none() {
            op.sub_type = ev.sub_type.take().map(Text::into_string);
        }
        match action {
            "Started" => {
                op.status = OpStatus::Started;
                if op.start.is_none() {
                    op.start = at;
                }
                if op_type == OpType::Step {
                    op.start_attempt(at, Some(inv));
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
                    warnings.push(
                        format!(
                            "{}: unknown event type {}{action} ignored",
                            place.pointer(),
                            op_type
                        )
                        .into(),
                    );
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
                        op.start_attempt(None, Some(inv));
                        let number = d.retry_details.as_ref().and_then(|r| r.current_attempt);
                        if let (Some(n), Some(a)) = (number, op.attempts.last_mut()) {
                            a.number = n;
                        }
                    }
                    if let Some(a) = op.attempts.last_mut() {
                        a.status = status;
                        a.end = at;
                        a.error = error.clone();
                        a.next_attempt_at = retry_at;
                    }
                }
                if retrying {
                    retry_wake = retry_at;
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
        self.wakes.extend(retry_wake.map(|t| (t, inv + 1)));
    }

    /// The parent id to keep for an operation given `p`: none for the root
    /// (no id, an empty one, or the EXECUTION operation's), else `p`,
    /// noted for `finish` when it names no operation seen so far. This is
    /// `normalise`'s parent rule, applied while the ids are at hand: a pass
    /// over every operation afterwards cost a tenth of loading a large
    /// history, most of it waiting on memory.
    fn parent(&mut self, p: Option<&Text<'de>>) -> Option<String> {
        let p = p?;
        let id = p.as_str();
        let root = self
            .exec
            .as_ref()
            .and_then(|e| e.execution_op_id.as_deref());
        if super::normalise::names_root(id, root) {
            return None;
        }
        let known = match self.last_parent {
            Some(i) if self.ops[i].id == id => true,
            _ => match self.index.get(id) {
                Some(&i) => {
                    self.last_parent = Some(i);
                    true
                }
                None => false,
            },
        };
        if !known && self.unresolved.last().is_none_or(|u| u != id) {
            self.unresolved.push(p.0.clone());
        }
        Some(id.to_string())
    }

    /// Parent ids that were unknown when given: an operation seen later, the
    /// EXECUTION operation's id when its event came late (root: cleared),
    /// or no operation at all (dangling: kept, and warned about).
    fn settle_parents(&self, ops: &mut [Operation], root: Option<&str>) -> Vec<String> {
        let open: std::collections::HashSet<&str> = self
            .unresolved
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| !self.index.contains_key(*p))
            .collect();
        let mut dangling = Vec::new();
        if open.is_empty() {
            return dangling;
        }
        for op in ops {
            let Some(p) = op.parent_id.as_deref().filter(|p| open.contains(p)) else {
                continue;
            };
            if super::normalise::names_root(p, root) {
                op.parent_id = None;
            } else {
                dangling.push(super::normalise::dangling_entry(&op.id, p));
            }
        }
        dangling
    }

    pub(crate) fn finish(mut self, warnings: &mut Vec<Warning>) -> Execution {
        let mut exec = self.exec.take().unwrap_or_default();
        if exec.arn.is_none() {
            exec.arn = exec.execution_op_id.clone();
        }
        let mut ops = std::mem::take(&mut self.ops);
        let dangling = self.settle_parents(&mut ops, exec.execution_op_id.as_deref());
        exec.operations = ops;
        exec.operations.shrink_to_fit();
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
            self.first_activity.push(self.activity.take());
            exec.invocations.push(Invocation {
                inferred: true,
                start_inferred: true,
                ..Default::default()
            });
            warnings.push(format!(
                "invocation {} has no InvocationCompleted event (still running?); its end is unknown",
                n + 1
            ).into());
        }
        infer_starts(&mut exec.invocations, &self.first_activity, &mut self.wakes);
        if exec.status.is_some_and(OpStatus::is_terminal) {
            settle_retries(&mut exec.operations);
        }
        if !self.truncated.is_empty() {
            let shown: Vec<&str> = self.truncated.iter().take(5).map(String::as_str).collect();
            let more = self.truncated.len().saturating_sub(shown.len());
            warnings.push(
                format!(
                    "{} payload(s) are truncated: {}{}",
                    self.truncated.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )
                .into(),
            );
        }
        // Without that sign an absent payload is an empty result (a context
        // or step that returned nothing), not data left out.
        if self.absent > 0 && self.input_absent {
            warnings.push(Warning::new(
                WarningKind::PayloadsAbsent,
                format!(
                    "{} payload(s) are absent (history fetched without execution data?)",
                    self.absent
                ),
            ));
        }
        for t in self.unknown_types {
            warnings.push(format!("unknown event type {t:?} ignored").into());
        }
        warnings.extend(
            super::normalise::dangling_warning(&dangling)
                .into_iter()
                .map(Warning::from),
        );
        exec
    }
}

/// The start of each invocation the source did not time: the last moment
/// the service could have woken the handler (see `Builder::wakes`) after the
/// previous invocation ended and before this one's first checkpoint (or its
/// end); unknown when there is none. Taking the previous end instead made an
/// invocation last across the whole wait before it.
fn infer_starts(invocations: &mut [Invocation], first: &[Option<Ts>], wakes: &mut [(Ts, usize)]) {
    wakes.sort_unstable();
    for k in 0..invocations.len() {
        if !invocations[k].start_inferred {
            continue;
        }
        let after = k.checked_sub(1).and_then(|p| invocations[p].end);
        let before = first.get(k).copied().flatten().or(invocations[k].end);
        let upto = before.map_or(wakes.len(), |b| wakes.partition_point(|&(w, _)| w <= b));
        invocations[k].start = wakes[..upto]
            .iter()
            .rev()
            .find(|&&(_, from)| from <= k)
            .map(|&(w, _)| w)
            .filter(|&w| after.is_none_or(|a| w >= a));
    }
}

/// Once the execution has ended no retry is still to come: a step whose
/// last attempt failed is FAILED, whatever delay that failure named (the
/// Python tool writes `NextAttemptDelaySeconds: 0` on the final one).
fn settle_retries(operations: &mut [Operation]) {
    for op in operations {
        if op.op_type != OpType::Step || op.status != OpStatus::Pending {
            continue;
        }
        let Some(last) = op.attempts.last_mut() else {
            continue;
        };
        if last.status != OpStatus::Failed {
            continue;
        }
        last.next_attempt_at = None;
        op.status = OpStatus::Failed;
        op.end = last.end;
        op.error = last.error.clone();
        op.finished_in = last.invocation;
        op.next_attempt_at = None;
    }
}
