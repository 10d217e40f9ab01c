//! A finished re-run compared with the recording as a whole: final status,
//! error type, recorded operations never reached (divergences: the code
//! does something else), and per operation status, result and error, the
//! execution's result and the number of invocations (changes: listed with
//! their JSON diff, gating only under `--strict`). A handler that failed is
//! reported as a handler error with its own text, not as the operations it
//! never reached.

use super::compare::{self, Divergence, DivergenceKind};
use super::invoker::RunOutcome;
use super::recorded::{PlacePath, Places, Recorded};
use crate::diff::json_diff;
use crate::model::{ErrorInfo, History, OpStatus, Operation, Payload};
use serde::Serialize;
use serde_json::Value;

/// What changed between the recording and the re-run without changing the
/// shape of the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An operation's result.
    Result,
    /// An operation's final status.
    Status,
    /// A failed operation's error type.
    Error,
    /// The execution's result.
    ExecutionResult,
    /// How many invocations the execution took.
    Invocations,
}

impl ChangeKind {
    /// What changed, as the CLI summary and the app's panel say it.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Result => "result",
            ChangeKind::Status => "status",
            ChangeKind::Error => "error type",
            ChangeKind::ExecutionResult => "execution result",
            ChangeKind::Invocations => "invocations",
        }
    }
}

/// One leaf of a JSON diff: `pointer` (RFC 6901) and each side's value
/// there (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    pub pointer: String,
    pub recorded: Option<Value>,
    pub rerun: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// The operation's place; empty for the execution itself.
    pub place: PlacePath,
    pub name: Option<String>,
    /// Each side as text: the status, the error type, the decoded result
    /// as JSON, the invocation count.
    pub recorded: Option<String>,
    pub rerun: Option<String>,
    /// For results: the leaf changes between the decoded values.
    pub diff: Vec<ValueChange>,
}

/// The comparison of a finished run: the divergence that decides the exit
/// code, if any, and every change found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutcomeCheck {
    pub divergence: Option<Divergence>,
    pub changes: Vec<Change>,
}

fn error_text(e: Option<&ErrorInfo>) -> String {
    let Some(e) = e else {
        return "no error recorded".into();
    };
    match (&e.error_type, &e.message) {
        (Some(t), Some(m)) => format!("{t}: {m}"),
        (Some(t), None) => t.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "no error text".into(),
    }
}

/// A payload that can be compared: present, not truncated, not empty (an
/// absent payload of a history fetched without execution data).
fn comparable(p: Option<&Payload>) -> Option<&Payload> {
    p.filter(|p| !p.truncated && !p.raw.is_empty())
}

fn value_changes(recorded: &Value, rerun: &Value) -> Vec<ValueChange> {
    json_diff(recorded, rerun)
        .into_iter()
        .map(|c| ValueChange {
            pointer: c.pointer,
            recorded: c.left,
            rerun: c.right,
        })
        .collect()
}

fn result_change(
    kind: ChangeKind,
    place: &[u32],
    name: Option<&str>,
    recorded: Option<&Payload>,
    rerun: Option<&Payload>,
) -> Option<Change> {
    let recorded = comparable(recorded)?;
    let (rec, live) = (recorded.decoded(), rerun.map(Payload::decoded));
    if live.as_ref() == Some(&rec) {
        return None;
    }
    let diff = match &live {
        Some(l) => value_changes(&rec, l),
        None => Vec::new(),
    };
    Some(Change {
        kind,
        place: place.to_vec(),
        name: name.map(str::to_string),
        recorded: Some(rec.to_string()),
        rerun: live.map(|l| l.to_string()),
        diff,
    })
}

/// The changes of one operation whose recorded form is final.
fn op_changes(place: &[u32], rec: &Operation, live: &Operation, out: &mut Vec<Change>) {
    let name = rec.name.as_deref();
    let change = |kind, recorded: String, rerun: String| Change {
        kind,
        place: place.to_vec(),
        name: name.map(str::to_string),
        recorded: Some(recorded),
        rerun: Some(rerun),
        diff: Vec::new(),
    };
    if rec.status != live.status {
        out.push(change(
            ChangeKind::Status,
            rec.status.as_str().into(),
            live.status.as_str().into(),
        ));
        return;
    }
    if rec.status == OpStatus::Failed {
        let t = |o: &Operation| o.error.as_ref().and_then(|e| e.error_type.clone());
        if let (Some(r), Some(l)) = (t(rec), t(live)) {
            if r != l {
                out.push(change(ChangeKind::Error, r, l));
            }
        }
    }
    out.extend(result_change(
        ChangeKind::Result,
        place,
        name,
        rec.result.as_ref(),
        live.result.as_ref(),
    ));
}

/// Compare a run that ended (`outcome`) with the recording. `start_k`: the
/// 0-based recorded invocation the run started from; `live`: the run as a
/// history.
pub fn check(
    recorded: &Recorded,
    start_k: usize,
    live: &History,
    outcome: &RunOutcome,
) -> OutcomeCheck {
    let rec = &recorded.execution;
    let Some(exec) = live.executions.first() else {
        return OutcomeCheck::default();
    };
    let last_inv = exec.invocations.len().saturating_sub(1);
    let live_places = Places::from_operations(&exec.operations);
    let live_at = |place: &[u32]| live_places.at(place).map(|i| &exec.operations[i]);

    // Recorded operations the run never produced, in recorded order.
    let missing: Vec<(&PlacePath, &Operation)> = rec
        .operations
        .iter()
        .filter_map(|op| {
            let place = recorded.places.of(&op.id)?;
            live_at(place).is_none().then_some((place, op))
        })
        .collect();
    let first_missing = missing.first().map(|(p, _)| (*p).clone());
    let at_end = |kind, message: String| Divergence {
        invocation: last_inv,
        place: first_missing.clone().unwrap_or_default(),
        message,
        sdk_error: None,
        kind,
    };

    let rec_status = rec.status.filter(|s| s.is_terminal());
    let divergence = match (outcome.status, rec_status) {
        // The handler failed where the recording did not: its own error is
        // the news, not the operations it never got to.
        (OpStatus::Failed, r) if r != Some(OpStatus::Failed) => {
            let recorded_as = match r {
                Some(s) => format!("the recording {s}"),
                None => "the recording has no final status".into(),
            };
            Some(at_end(
                DivergenceKind::HandlerError,
                format!(
                    "Handler error: the handler failed with {} ({recorded_as})",
                    error_text(outcome.error.as_ref())
                ),
            ))
        }
        (live, Some(r)) if live != r => Some(at_end(
            DivergenceKind::Status,
            format!(
                "Outcome changed: the recording {r}{}, the re-run {live}",
                if r == OpStatus::Failed {
                    format!(" with {}", error_text(rec.error.as_ref()))
                } else {
                    String::new()
                }
            ),
        )),
        (OpStatus::Failed, Some(OpStatus::Failed)) => {
            let t = |e: Option<&ErrorInfo>| e.and_then(|e| e.error_type.clone());
            match (t(rec.error.as_ref()), t(outcome.error.as_ref())) {
                (Some(r), Some(l)) if r != l => Some(at_end(
                    DivergenceKind::ErrorType,
                    format!(
                        "Outcome changed: the recording failed with {}, the re-run with {}",
                        error_text(rec.error.as_ref()),
                        error_text(outcome.error.as_ref())
                    ),
                )),
                _ => None,
            }
        }
        _ => None,
    };
    let divergence = divergence.or_else(|| {
        missing.first().map(|(place, op)| Divergence {
            invocation: last_inv,
            place: (*place).clone(),
            message: compare::missing_message(recorded, place, op),
            sdk_error: None,
            kind: DivergenceKind::Missing,
        })
    });

    let mut changes = Vec::new();
    for op in &rec.operations {
        let Some(place) = recorded.places.of(&op.id) else {
            continue;
        };
        // An operation still in flight when recorded has no final form.
        if !op.status.is_terminal() {
            continue;
        }
        if let Some(l) = live_at(place) {
            if l.op_type == op.op_type {
                op_changes(place, op, l, &mut changes);
            }
        }
    }
    if rec_status == Some(outcome.status) {
        let live_result = outcome.result.as_deref().map(Payload::new);
        changes.extend(result_change(
            ChangeKind::ExecutionResult,
            &[],
            None,
            rec.result.as_ref(),
            live_result.as_ref(),
        ));
    }
    let inferred = rec.invocations.iter().any(|i| i.inferred);
    if rec_status.is_some() && !rec.invocations.is_empty() && !inferred {
        let expected = rec.invocations.len().saturating_sub(start_k);
        if expected != exec.invocations.len() {
            changes.push(Change {
                kind: ChangeKind::Invocations,
                place: Vec::new(),
                name: None,
                recorded: Some(expected.to_string()),
                rerun: Some(exec.invocations.len().to_string()),
                diff: Vec::new(),
            });
        }
    }
    OutcomeCheck {
        divergence,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Execution, Format, Invocation, OpType};

    fn step(id: &str, name: &str, result: &str) -> Operation {
        Operation {
            name: Some(name.into()),
            result: Some(Payload::new(result)),
            ..Operation::new(id, OpType::Step, OpStatus::Succeeded)
        }
    }

    fn execution(ops: Vec<Operation>, status: Option<OpStatus>, invocations: usize) -> Execution {
        Execution {
            operations: ops,
            status,
            invocations: (0..invocations).map(|_| Invocation::default()).collect(),
            ..Execution::default()
        }
    }

    fn history(e: Execution) -> History {
        History {
            source: String::new(),
            origin: None,
            format: Format::Rerun,
            executions: vec![e],
            warnings: Vec::new(),
        }
    }

    fn ended(status: OpStatus) -> RunOutcome {
        RunOutcome {
            status,
            result: None,
            error: None,
        }
    }

    #[test]
    fn a_changed_result_is_a_change_with_its_json_diff_not_a_divergence() {
        let rec = Recorded::new(execution(
            vec![step("a", "pay", r#"{"txn":"1","ok":true}"#)],
            Some(OpStatus::Succeeded),
            1,
        ));
        let live = history(execution(
            vec![step("a", "pay", r#"{"txn":"2","ok":true}"#)],
            Some(OpStatus::Succeeded),
            1,
        ));
        let c = check(&rec, 0, &live, &ended(OpStatus::Succeeded));
        assert_eq!(c.divergence, None);
        assert_eq!(c.changes.len(), 1);
        assert_eq!(c.changes[0].kind, ChangeKind::Result);
        assert_eq!(c.changes[0].place, vec![1]);
        assert_eq!(
            c.changes[0].diff,
            vec![ValueChange {
                pointer: "/txn".into(),
                recorded: Some(Value::from("1")),
                rerun: Some(Value::from("2")),
            }]
        );
    }

    #[test]
    fn a_success_against_a_failed_recording_diverges() {
        let mut e = execution(vec![step("a", "pay", "1")], Some(OpStatus::Failed), 1);
        e.error = Some(ErrorInfo {
            error_type: Some("Boom".into()),
            ..ErrorInfo::default()
        });
        let rec = Recorded::new(e);
        let live = history(execution(vec![step("a", "pay", "1")], None, 1));
        let c = check(&rec, 0, &live, &ended(OpStatus::Succeeded));
        let d = c.divergence.expect("divergence");
        assert_eq!(d.kind, DivergenceKind::Status);
        assert!(d.message.contains("FAILED with Boom"), "{}", d.message);
    }

    #[test]
    fn operations_never_reached_diverge_even_without_a_recorded_status() {
        let rec = Recorded::new(execution(
            vec![step("a", "one", "1"), step("b", "two", "2")],
            None,
            0,
        ));
        let live = history(execution(vec![step("a", "one", "1")], None, 1));
        let d = check(&rec, 0, &live, &ended(OpStatus::Succeeded))
            .divergence
            .expect("divergence");
        assert_eq!(d.kind, DivergenceKind::Missing);
        assert_eq!(d.place, vec![2]);
    }

    #[test]
    fn a_failed_handler_is_a_handler_error_with_its_text() {
        let rec = Recorded::new(execution(
            vec![step("a", "one", "1"), step("b", "two", "2")],
            Some(OpStatus::Succeeded),
            1,
        ));
        let live = history(execution(vec![step("a", "one", "1")], None, 1));
        let mut out = ended(OpStatus::Failed);
        out.error = Some(ErrorInfo {
            error_type: Some("TypeError".into()),
            message: Some("x is undefined".into()),
            ..ErrorInfo::default()
        });
        let d = check(&rec, 0, &live, &out).divergence.expect("divergence");
        assert_eq!(d.kind, DivergenceKind::HandlerError);
        assert!(
            d.message.contains("TypeError: x is undefined"),
            "{}",
            d.message
        );
        assert!(!d.message.contains("found no operation"), "{}", d.message);
    }
}
