//! One row per attempt of a retried step, for every view of a re-run (the
//! CLI's trace and `--json`, the app's re-run table): the invocation that
//! ran it, how it ended, its error and when the next attempt was due. A
//! step that succeeded at its first attempt keeps its single row.

use super::recorded::{PlacePath, Places};
use crate::model::{Attempt, Execution, OpStatus, OpType, Operation};

/// Whether `op`'s attempts get rows of their own: a step retried at least
/// once (a failed attempt, or more than one).
pub fn retried(op: &Operation) -> bool {
    op.op_type == OpType::Step
        && (op.attempts.len() > 1 || op.attempts.iter().any(|a| a.status == OpStatus::Failed))
}

/// The attempts of `op` that ended, past the first `shown`: what a view
/// that grows as checkpoints arrive adds for this operation now.
pub fn newly_ended(op: &Operation, shown: usize) -> &[Attempt] {
    if !retried(op) {
        return &[];
    }
    let ended = op
        .attempts
        .iter()
        .take_while(|a| a.end.is_some() || a.status.is_terminal())
        .count();
    op.attempts.get(shown..ended).unwrap_or(&[])
}

/// Every attempt of every retried step of `exec`, in checkpoint order,
/// with the step's place.
pub fn rows(exec: &Execution) -> Vec<(PlacePath, &Operation, &Attempt)> {
    let places = Places::from_operations(&exec.operations);
    exec.operations
        .iter()
        .filter(|o| retried(o))
        .flat_map(|o| {
            let place = places.of(&o.id).cloned().unwrap_or_default();
            o.attempts.iter().map(move |a| (place.clone(), o, a))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ts;

    fn attempt(n: u32, status: OpStatus, ended: bool, inv: usize) -> Attempt {
        Attempt {
            number: n,
            start: Some(Ts(n as i64)),
            end: ended.then_some(Ts(n as i64 + 1)),
            status,
            error: None,
            next_attempt_at: None,
            invocation: Some(inv),
        }
    }

    #[test]
    fn only_retried_steps_get_rows_and_each_ended_attempt_once() {
        let mut op = Operation::new("s", OpType::Step, OpStatus::Succeeded);
        op.attempts = vec![attempt(1, OpStatus::Succeeded, true, 0)];
        assert!(!retried(&op), "a first-time success is one row");
        assert!(newly_ended(&op, 0).is_empty());
        op.attempts = vec![
            attempt(1, OpStatus::Failed, true, 0),
            attempt(2, OpStatus::Started, false, 1),
        ];
        assert_eq!(newly_ended(&op, 0).len(), 1, "the running one waits");
        op.attempts[1] = attempt(2, OpStatus::Succeeded, true, 1);
        let new = newly_ended(&op, 1);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].invocation, Some(1));
        assert!(newly_ended(&op, 2).is_empty());
        let exec = Execution {
            operations: vec![Operation::new("a", OpType::Step, OpStatus::Succeeded), op],
            ..Execution::default()
        };
        let rows = rows(&exec);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, vec![2]);
        assert_eq!(rows[1].2.number, 2);
    }
}
