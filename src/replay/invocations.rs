//! Which operations each invocation replayed and executed, where it switched
//! from replay to execution in every context, and how it ended.
//!
//! Sources that record invocation boundaries (InvocationCompleted events, the
//! testing store's InvocationCompletions) tell each operation's `started_in`
//! and `finished_in`. Sources that do not (GetDurableExecutionState, the
//! checkpoint list) get boundaries inferred: every wait, callback and chained
//! invoke suspends the handler, and every extra step attempt is a re-invocation.

use super::contexts::{Context, Place};
use super::{InvocationReplay, Outcome, Role, Switch};
use crate::model::{Execution, Invocation, OpStatus, OpType, Operation, Ts};

/// Invocation assignment of one operation, recorded or inferred.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    started: Option<usize>,
    /// Finished by the handler in this invocation.
    finished: Option<usize>,
}

pub fn replay(
    exec: &Execution,
    contexts: &[Context],
    places: &[Place],
) -> (Vec<InvocationReplay>, bool) {
    let recorded = !exec.invocations.is_empty();
    let (windows, spans) = if recorded {
        (exec.invocations.clone(), recorded_spans(exec))
    } else {
        infer(exec, contexts, places)
    };
    let ends = completion_points(exec, &windows, &spans);

    let mut out = Vec::with_capacity(windows.len());
    for (k, window) in windows.into_iter().enumerate() {
        let roles: Vec<Role> = exec
            .operations
            .iter()
            .enumerate()
            .map(|(i, op)| role(op, spans[i], ends[i], k))
            .collect();
        let switches = switches(contexts, places, &roles);
        let outcome = outcome(exec, &window, &roles, &ends, k);
        out.push(InvocationReplay {
            index: k,
            window,
            roles,
            switches,
            outcome,
        });
    }
    // The last invocation's outcome is the execution's, whatever the source.
    if let Some(last) = out.last_mut() {
        match exec.status {
            Some(OpStatus::Succeeded) => last.outcome = Outcome::Succeeded,
            Some(s) if s.is_terminal() => {
                last.outcome =
                    Outcome::Failed(exec.error.clone().or_else(|| last.window.error.clone()))
            }
            _ => {}
        }
    }
    (out, !recorded)
}

fn recorded_spans(exec: &Execution) -> Vec<Span> {
    exec.operations
        .iter()
        .map(|op| Span {
            started: op
                .started_in
                .or_else(|| op.attempts.iter().find_map(|a| a.invocation)),
            finished: op.finished_in,
        })
        .collect()
}

/// Before which invocation each terminal operation was complete: `Some(k)`
/// means replayed from invocation `k` on.
fn completion_points(
    exec: &Execution,
    windows: &[Invocation],
    spans: &[Span],
) -> Vec<Option<usize>> {
    exec.operations
        .iter()
        .zip(spans)
        .map(|(op, span)| {
            if !op.status.is_terminal() {
                return None;
            }
            if let Some(f) = span.finished {
                return Some(f + 1);
            }
            // Completed by the service (timer, callback answer, chained
            // invoke): replayed by the first invocation that starts after it.
            if let Some(end) = op.end {
                if let Some(k) = windows
                    .iter()
                    .position(|w| w.start.is_some_and(|s| s >= end))
                {
                    return Some(k.max(span.started.map_or(0, |s| s + 1)));
                }
            }
            // No usable time: the service completion is what woke the next
            // invocation after the one that started it.
            Some(span.started.map_or(windows.len(), |s| s + 1))
        })
        .collect()
}

fn role(op: &Operation, span: Span, done_before: Option<usize>, k: usize) -> Role {
    if done_before.is_some_and(|d| d <= k) {
        return Role::Replayed;
    }
    let touched = span.started == Some(k)
        || span.finished == Some(k)
        || op.attempts.iter().any(|a| a.invocation == Some(k));
    if touched {
        Role::Executed
    } else if span.started.is_some_and(|s| s < k) {
        // Checkpointed earlier and still open (a wait or callback not yet
        // done): the handler reads the checkpoint and suspends again.
        Role::Replayed
    } else {
        Role::NotReached
    }
}

fn switches(contexts: &[Context], places: &[Place], roles: &[Role]) -> Vec<Switch> {
    let mut seen = vec![false; contexts.len()];
    let mut out = Vec::new();
    for (i, r) in roles.iter().enumerate() {
        if *r != Role::Executed {
            continue;
        }
        let p = places[i];
        if seen[p.context] {
            continue;
        }
        // The first executed op in position order, not in checkpoint order.
        let first = contexts[p.context]
            .children
            .iter()
            .copied()
            .find(|&c| roles[c] == Role::Executed)
            .unwrap_or(i);
        seen[p.context] = true;
        out.push(Switch {
            context: p.context,
            position: places[first].position,
            op: first,
        });
    }
    out
}

fn outcome(
    exec: &Execution,
    window: &Invocation,
    roles: &[Role],
    ends: &[Option<usize>],
    k: usize,
) -> Outcome {
    if let Some(e) = &window.error {
        return Outcome::Failed(Some(e.clone()));
    }
    // Suspended on whatever was reached but not complete by the next invocation.
    let waiting: Vec<usize> = exec
        .operations
        .iter()
        .enumerate()
        .filter(|(i, op)| {
            roles[*i] != Role::NotReached && suspends(op) && ends[*i].is_none_or(|d| d > k)
        })
        .map(|(i, _)| i)
        .collect();
    if !waiting.is_empty() {
        return Outcome::Pending(waiting);
    }
    // A step whose attempt failed here is waiting for its retry.
    let retrying: Vec<usize> = exec
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| {
            op.attempts
                .iter()
                .any(|a| a.invocation == Some(k) && a.status == OpStatus::Failed)
                && op
                    .attempts
                    .iter()
                    .any(|a| a.invocation.is_some_and(|x| x > k))
        })
        .map(|(i, _)| i)
        .collect();
    if !retrying.is_empty() {
        return Outcome::Pending(retrying);
    }
    Outcome::Unknown
}

/// Operations whose completion comes from outside the handler.
fn suspends(op: &Operation) -> bool {
    matches!(
        op.op_type,
        OpType::Wait | OpType::Callback | OpType::ChainedInvoke
    )
}

/// Infer invocation windows for sources without them. With timestamps, each
/// suspending operation's end (and each extra step attempt) opens a new
/// invocation at that time; without, invocations follow checkpoint order.
fn infer(exec: &Execution, contexts: &[Context], places: &[Place]) -> (Vec<Invocation>, Vec<Span>) {
    let ops = &exec.operations;
    let timed = ops.iter().all(|o| o.start.is_some());
    let mut windows = vec![Invocation {
        start: exec
            .start
            .or_else(|| ops.iter().filter_map(|o| o.start).min()),
        end: None,
        request_id: None,
        error: None,
        inferred: true,
    }];
    let mut spans = vec![Span::default(); ops.len()];

    if timed {
        // GetDurableExecutionState omits a wait's end: the handler resumed
        // no later than the start of whatever the code did next.
        let mut resumes: Vec<Ts> = ops
            .iter()
            .enumerate()
            .filter(|(_, o)| suspends(o) && o.status.is_terminal())
            .filter_map(|(i, o)| o.end.or_else(|| next_start(ops, contexts, places, i)))
            .collect();
        // A retried step's final attempt ran in a later invocation than its
        // first: its end stands for one more resume point.
        resumes.extend(
            ops.iter()
                .filter(|o| o.attempts.len() > 1 || o.attempts.last().is_some_and(|a| a.number > 1))
                .filter_map(|o| o.end),
        );
        resumes.sort();
        resumes.dedup();
        // A resume point after which nothing starts opens no invocation.
        let last_start = ops.iter().filter_map(|o| o.start.max(o.end)).max();
        for r in resumes {
            if last_start.is_some_and(|l| l >= r) || exec.end.is_some_and(|e| e >= r) {
                windows.push(Invocation {
                    start: Some(r),
                    end: None,
                    request_id: None,
                    error: None,
                    inferred: true,
                });
            }
        }
        let at = |t: Ts| {
            windows
                .iter()
                .rposition(|w| w.start.is_some_and(|s| s <= t))
                .unwrap_or(0)
        };
        for (i, op) in ops.iter().enumerate() {
            let started = op.start.map(at);
            let finished = if suspends(op) || !op.status.is_terminal() {
                None
            } else {
                op.end.map(at).or(started)
            };
            spans[i] = Span { started, finished };
        }
    } else {
        // Checkpoint order only: everything up to a suspension runs in one
        // invocation; the next operation starts the next one.
        let mut k = 0;
        for (i, op) in ops.iter().enumerate() {
            spans[i] = Span {
                started: Some(k),
                finished: (!suspends(op) && op.status.is_terminal()).then_some(k),
            };
            if suspends(op) && op.status.is_terminal() && i + 1 < ops.len() {
                k += 1;
                windows.push(Invocation {
                    start: None,
                    end: None,
                    request_id: None,
                    error: None,
                    inferred: true,
                });
            }
        }
    }
    for k in 0..windows.len().saturating_sub(1) {
        windows[k].end = windows[k + 1].start;
    }
    if let Some(last) = windows.last_mut() {
        last.end = exec.end;
    }
    (windows, spans)
}

/// The start of the operation that follows `i` in code order: its next
/// sibling, else the next sibling of its enclosing context, and so on up.
fn next_start(
    ops: &[Operation],
    contexts: &[Context],
    places: &[Place],
    mut i: usize,
) -> Option<Ts> {
    loop {
        let p = places[i];
        let ctx = &contexts[p.context];
        if let Some(t) = ctx
            .children
            .get(p.position as usize)
            .and_then(|&n| ops[n].start)
        {
            return Some(t);
        }
        i = ctx.op?;
    }
}
