//! What a re-run takes from the recorded execution: the state the handler
//! saw at invocation k, the recorded answers for callbacks and chained
//! invokes, and each operation's place (parent context + 1-based position)
//! so live operations can be compared with recorded ones.

use super::invoker::{Answer, Answerer};
use super::wire::{ts_secs, WireOp};
use crate::model::{Execution, OpStatus, OpType, Operation, Ts};
use serde_json::json;
use std::collections::HashMap;

/// Where an operation sits: the chain of 1-based positions from the root
/// context down to it (`[2]` = 2nd operation of the root context, `[3, 1]` =
/// first operation inside the 3rd root operation's child context).
pub type PlacePath = Vec<u32>;

/// Places of a sequence of operations given in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Places {
    by_id: HashMap<String, PlacePath>,
    counters: HashMap<Option<String>, u32>,
    by_place: HashMap<PlacePath, usize>,
}

impl Places {
    /// Record the next operation; returns its place. A repeated id keeps
    /// its first place.
    pub fn add(&mut self, id: &str, parent: Option<&str>, index: usize) -> PlacePath {
        if let Some(p) = self.by_id.get(id) {
            return p.clone();
        }
        let parent_key = parent.map(str::to_string);
        let mut path = parent
            .and_then(|p| self.by_id.get(p).cloned())
            .unwrap_or_default();
        let n = self.counters.entry(parent_key).or_insert(0);
        *n += 1;
        path.push(*n);
        self.by_id.insert(id.to_string(), path.clone());
        self.by_place.insert(path.clone(), index);
        path
    }

    pub fn of(&self, id: &str) -> Option<&PlacePath> {
        self.by_id.get(id)
    }

    /// Index (as given to `add`) of the operation at `place`.
    pub fn at(&self, place: &[u32]) -> Option<usize> {
        self.by_place.get(place).copied()
    }

    pub fn from_operations(ops: &[Operation]) -> Places {
        let mut p = Places::default();
        for (i, op) in ops.iter().enumerate() {
            p.add(&op.id, op.parent_id.as_deref(), i);
        }
        p
    }
}

/// Human form of a place: `2` or `3.1`.
pub fn place_label(place: &[u32]) -> String {
    place
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The recorded execution a re-run is compared with.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub execution: Execution,
    pub places: Places,
}

impl Recorded {
    pub fn new(execution: Execution) -> Recorded {
        let places = Places::from_operations(&execution.operations);
        Recorded { execution, places }
    }

    pub fn op_at(&self, place: &[u32]) -> Option<&Operation> {
        self.places.at(place).map(|i| &self.execution.operations[i])
    }

    pub fn invocation_count(&self) -> usize {
        self.execution.invocations.len()
    }

    /// The moment before which everything the handler saw at invocation k
    /// had happened: the first thing invocation k (or a later one) did,
    /// else its recorded end, else its recorded start. Not simply the
    /// recorded start: a history that marks only invocation ends (the
    /// Python runner's bare InvocationCompleted) leaves the start at the
    /// previous end, before the wait whose timer woke invocation k.
    fn invocation_bound(&self, k: usize) -> Option<Ts> {
        let e = &self.execution;
        let first = e
            .operations
            .iter()
            .flat_map(|op| {
                let started = (op.started_in.is_some_and(|s| s >= k))
                    .then_some(op.start)
                    .flatten();
                let attempts = op
                    .attempts
                    .iter()
                    .filter(|a| a.invocation.is_some_and(|i| i >= k))
                    .filter_map(|a| a.start);
                started.into_iter().chain(attempts)
            })
            .min();
        let inv = e.invocations.get(k);
        first
            .or_else(|| inv.and_then(|i| i.end))
            .or_else(|| inv.and_then(|i| i.start))
    }

    /// The operations the service held when invocation `k` began: finished
    /// ones as recorded (a wait whose timer fired, a callback answered
    /// between invocations), started ones still in flight. `k == 0` (or a
    /// history without invocation boundaries) gives an empty state.
    pub fn state_at(&self, k: usize) -> Vec<WireOp> {
        if k == 0 {
            return Vec::new();
        }
        let start = self.invocation_bound(k);
        let mut out = Vec::new();
        for op in &self.execution.operations {
            let started = match (op.started_in, op.start, start) {
                (Some(s), _, _) => s < k,
                (None, Some(t), Some(b)) => t < b,
                _ => false,
            };
            if !started {
                continue;
            }
            // Completions the service made between invocations (a wait's
            // timer, a callback's answer) belong to no invocation: their
            // end time places them.
            let finished = match (op.finished_in, op.end, start) {
                (Some(f), _, _) => f < k,
                (None, Some(t), Some(b)) => op.status.is_terminal() && t <= b,
                _ => false,
            };
            let attempts_before = op
                .attempts
                .iter()
                .filter(|a| match (a.invocation, a.end, start) {
                    (Some(i), _, _) => i < k,
                    (None, Some(t), Some(b)) => t <= b,
                    _ => false,
                })
                .count() as u32;
            if finished {
                let attempts = attempts_before.max(op.attempts.len() as u32).max(1);
                out.push(WireOp::from_model(op, op.status, attempts));
            } else {
                // In flight at k: a step between attempts is ready to retry
                // (its backoff is skipped); anything else is still started.
                let status = if op.op_type == OpType::Step && attempts_before > 0 {
                    OpStatus::Ready
                } else {
                    OpStatus::Started
                };
                out.push(WireOp::from_model(op, status, attempts_before));
            }
        }
        out
    }

    /// The EXECUTION operation with the recorded input.
    pub fn execution_op(&self, fallback_id: &str, now: Ts) -> WireOp {
        let e = &self.execution;
        let input = e
            .input
            .as_ref()
            .map(|p| p.raw.clone())
            .unwrap_or_else(|| "{}".into());
        WireOp {
            id: e
                .execution_op_id
                .clone()
                .unwrap_or_else(|| fallback_id.to_string()),
            name: e.name.clone(),
            op_type: "EXECUTION".into(),
            status: "STARTED".into(),
            start_timestamp: Some(ts_secs(e.start.unwrap_or(now))),
            execution_details: Some(json!({"InputPayload": input})),
            ..WireOp::default()
        }
    }
}

/// Answers callbacks and chained invokes with what was recorded at the same
/// place (or id), unless the user supplied an answer for that name, id or
/// place.
pub struct RecordedAnswers {
    pub recorded: Recorded,
    /// Live id → place, kept current by the session as operations appear.
    pub live_places: std::sync::Arc<std::sync::Mutex<Places>>,
    /// User-supplied answers keyed by operation name, operation id,
    /// callback id or place label.
    pub overrides: HashMap<String, Answer>,
    /// A partial recording may be run (`--allow-partial`): where it lacks
    /// an answer, answer `null` and say so in `guesses`.
    pub allow_partial: bool,
    pub guesses: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RecordedAnswers {
    fn guess(&self, op: &WireOp, parent: Option<&WireOp>, why: &str) -> Option<Answer> {
        if !self.allow_partial {
            return None;
        }
        let name = op
            .name
            .clone()
            .or_else(|| parent.and_then(|p| p.name.clone()))
            .unwrap_or_else(|| op.id.clone());
        let kind = op.op_type.to_lowercase().replace('_', " ");
        self.guesses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(format!(
                "guessed answer for {kind} '{name}': {why}; answered null (--allow-partial)"
            ));
        Some(Answer::Succeed("null".into()))
    }
}

impl Answerer for RecordedAnswers {
    fn answer(&self, op: &WireOp, parent: Option<&WireOp>) -> Option<Answer> {
        let place = self
            .live_places
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .of(&op.id)
            .cloned();
        let e = &self.recorded.execution;
        let rec = e
            .op_index(&op.id)
            .map(|i| &e.operations[i])
            .or_else(|| place.as_deref().and_then(|p| self.recorded.op_at(p)));
        let keys = [
            op.name.clone(),
            Some(op.id.clone()),
            rec.and_then(|r| r.callback_id.clone()),
            place.as_deref().map(place_label),
            parent.and_then(|p| p.name.clone()),
        ];
        if let Some(a) = keys.iter().flatten().find_map(|k| self.overrides.get(k)) {
            return Some(a.clone());
        }
        let Some(rec) = rec else {
            return self.guess(op, parent, "the recording has no such operation");
        };
        match rec.status {
            OpStatus::Succeeded => match rec.result.as_ref() {
                Some(p) if !p.truncated => Some(Answer::Succeed(p.raw.clone())),
                Some(_) => self
                    .guess(op, parent, "its recorded result is truncated")
                    .or_else(|| Some(Answer::Succeed(String::new()))),
                None => self
                    .guess(op, parent, "the recording has no result for it")
                    .or_else(|| Some(Answer::Succeed(String::new()))),
            },
            OpStatus::Failed => Some(Answer::Fail(rec.error.clone().unwrap_or_default())),
            OpStatus::TimedOut => Some(Answer::TimedOut),
            _ => self.guess(op, parent, "the recording ends before its answer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_count_per_parent_context() {
        let mut p = Places::default();
        assert_eq!(p.add("a", None, 0), vec![1]);
        assert_eq!(p.add("ctx", None, 1), vec![2]);
        assert_eq!(p.add("c1", Some("ctx"), 2), vec![2, 1]);
        assert_eq!(p.add("b", None, 3), vec![3]);
        assert_eq!(p.add("a", None, 9), vec![1]);
        assert_eq!(p.at(&[2, 1]), Some(2));
        assert_eq!(place_label(&[2, 1]), "2.1");
    }
}
