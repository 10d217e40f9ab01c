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
use std::sync::Arc;

/// Invocation assignment of one operation, recorded or inferred.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    started: Option<usize>,
    /// Finished by the handler in this invocation.
    finished: Option<usize>,
}

/// What decides each operation's role in every invocation, kept once per
/// execution and shared by its invocations. A role per operation per
/// invocation was 41 MB and most of the analysis time for a 50,000-operation
/// history of 800 invocations; this is a few words per operation.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Roles {
    ops: Vec<OpRoles>,
    /// Invocations an operation's attempts ran in besides its start and
    /// finish (retries), for all operations; `OpRoles::extra` indexes it.
    extra: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct OpRoles {
    started: Option<usize>,
    finished: Option<usize>,
    /// Replayed from this invocation on (it was complete before it).
    done: Option<usize>,
    extra: (usize, usize),
}

impl Roles {
    pub(super) fn len(&self) -> usize {
        self.ops.len()
    }

    /// The invocations operation `i` ran in (started, finished or attempted).
    fn touched(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let o = &self.ops[i];
        o.started
            .into_iter()
            .chain(o.finished)
            .chain(self.extra[o.extra.0..o.extra.1].iter().copied())
    }

    /// Operation `i`'s role in invocation `k`.
    pub(super) fn role(&self, i: usize, k: usize) -> Role {
        let o = &self.ops[i];
        if o.done.is_some_and(|d| d <= k) {
            return Role::Replayed;
        }
        // Started earlier and still unfinished at the start of `k` (a context
        // still open, a wait or callback not yet done): the checkpoint is not
        // terminal, so the SDK switches to execution there and resumes it
        // (docs/formats.md §7).
        if self.touched(i).any(|t| t == k) || self.open_at(i, k) {
            Role::Executed
        } else {
            Role::NotReached
        }
    }

    /// Operation `i` started before invocation `k` and was not complete
    /// before it: `k` resumes it.
    fn open_at(&self, i: usize, k: usize) -> bool {
        let o = &self.ops[i];
        o.started.is_some_and(|s| s < k) && o.done.is_none_or(|d| k < d)
    }

    /// The invocations below `m` in which `i` executed, each once, in
    /// order, into `out` (reused across operations rather than a new list
    /// for each).
    fn executed_in(&self, i: usize, m: usize, out: &mut Vec<usize>) {
        let o = &self.ops[i];
        let done = o.done.unwrap_or(usize::MAX);
        out.clear();
        out.extend(self.touched(i).filter(|&k| k < m && k < done));
        // Resumed in every invocation that finds it unfinished.
        if let Some(s) = o.started {
            out.extend(s + 1..done.min(m));
        }
        out.sort_unstable();
        out.dedup();
    }
}

fn build_roles(exec: &Execution, spans: &[Span], ends: &[Option<usize>]) -> Roles {
    let mut roles = Roles::default();
    roles.ops.reserve_exact(spans.len());
    for ((op, span), done) in exec.operations.iter().zip(spans).zip(ends) {
        let from = roles.extra.len();
        for k in op.attempts.iter().filter_map(|a| a.invocation) {
            let known = Some(k) == span.started
                || Some(k) == span.finished
                || roles.extra[from..].contains(&k);
            if !known {
                roles.extra.push(k);
            }
        }
        roles.ops.push(OpRoles {
            started: span.started,
            finished: span.finished,
            done: *done,
            extra: (from, roles.extra.len()),
        });
    }
    roles
}

pub fn replay(
    exec: &Execution,
    contexts: &[Context],
    places: &[Place],
) -> (Vec<InvocationReplay>, bool) {
    let recorded = !exec.invocations.is_empty();
    let (mut windows, spans, marks_only) = if recorded {
        (exec.invocations.clone(), recorded_spans(exec), Vec::new())
    } else {
        infer(exec, contexts, places)
    };
    let ends = completion_points(exec, &windows, &spans);
    // A placement mark inside an invocation is neither its start nor the
    // previous one's end: both are unknown.
    for k in marks_only {
        windows[k].start = None;
        if let Some(prev) = k.checked_sub(1) {
            windows[prev].end = None;
        }
    }
    let roles = Arc::new(build_roles(exec, &spans, &ends));
    let m = windows.len();

    // Everything per invocation is gathered in one pass over the
    // operations, each visiting only the invocations it took part in.
    let mut executed: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut waiting: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut retrying: Vec<Vec<usize>> = vec![Vec::new(); m];
    // Replayed counts as differences: +1 where a run of invocations in
    // which an operation is replayed starts, -1 after it ends.
    let mut replayed = vec![0isize; m + 1];
    let (mut ran, mut ks) = (Vec::new(), Vec::new());
    for (i, op) in exec.operations.iter().enumerate() {
        roles.executed_in(i, m, &mut ran);
        for &k in &ran {
            executed[k].push(i);
        }
        let o = roles.ops[i];
        let done = o.done.unwrap_or(m).min(m);
        // Replayed once complete (while open it is resumed: executed).
        replayed[done] += 1;
        replayed[m] -= 1;
        // Suspended on it: reached but not complete by the next invocation.
        if suspends(op) {
            let open_from = o.started.map_or(done, |s| (s + 1).min(done));
            ks.clear();
            ks.extend((open_from..done).chain(ran.iter().copied()));
            ks.sort_unstable();
            ks.dedup();
            for &k in &ks {
                waiting[k].push(i);
            }
        }
        // A step whose attempt failed in `k` (or, a wait-for-condition
        // poll, asked for another: a next attempt time) waits for its retry
        // in a later one.
        if let Some(last) = op.attempts.iter().filter_map(|a| a.invocation).max() {
            ks.clear();
            ks.extend(
                op.attempts
                    .iter()
                    .filter(|a| a.status == OpStatus::Failed || a.next_attempt_at.is_some())
                    .filter_map(|a| a.invocation)
                    .filter(|&k| k < last && k < m),
            );
            ks.sort_unstable();
            ks.dedup();
            for &k in &ks {
                retrying[k].push(i);
            }
        }
        // A step started in one invocation and finished in a later one
        // (without the invocation failing) was retried or polled again
        // there: every invocation before the one it finished in waited.
        if op.op_type == OpType::Step {
            if let (Some(s), Some(f)) = (spans[i].started, spans[i].finished) {
                for waited in retrying.iter_mut().take(f.min(m)).skip(s) {
                    if waited.last() != Some(&i) {
                        waited.push(i);
                    }
                }
            }
        }
        // Retries the source does not place (inferred invocations): each
        // invocation that ran the step, but the last, waited for a retry.
        if retry_invocations(op) > 0 {
            if let Some((_, before)) = ran.split_last() {
                for &k in before {
                    if retrying[k].last() != Some(&i) {
                        retrying[k].push(i);
                    }
                }
            }
        }
        // A step PENDING or READY for a retry: the invocation that ran its
        // last attempt has ended, waiting for that retry.
        if op.op_type == OpType::Step && matches!(op.status, OpStatus::Pending | OpStatus::Ready) {
            let k = op.attempts.last().and_then(|a| a.invocation).or(o.started);
            if let Some(k) = k.filter(|&k| k < m && retrying[k].last() != Some(&i)) {
                retrying[k].push(i);
            }
        }
    }

    let mut switch_slots = SwitchSlots::new(contexts.len());
    let mut out = Vec::with_capacity(m);
    let mut running = 0isize;
    let lists = executed.into_iter().zip(waiting).zip(retrying);
    for (k, (window, ((executed, waiting), retrying))) in windows.into_iter().zip(lists).enumerate()
    {
        running += replayed[k];
        let switches = switch_slots.switches(k, contexts, places, &executed);
        let outcome = if let Some(e) = &window.error {
            Outcome::Failed(Some(e.clone()))
        } else if !waiting.is_empty() {
            Outcome::Pending(waiting)
        } else if !retrying.is_empty() {
            Outcome::Pending(retrying)
        } else {
            Outcome::Unknown
        };
        out.push(InvocationReplay::new(
            k,
            window,
            Arc::clone(&roles),
            executed,
            running.max(0) as usize,
            switches,
            outcome,
        ));
    }
    // The last invocation's outcome is the execution's, whatever the source.
    if let Some(last) = out.last_mut() {
        match exec.status {
            Some(OpStatus::Succeeded) => last.outcome = Outcome::Succeeded,
            // Timed out or stopped while suspended: that invocation ended
            // pending, and the service ended the execution afterwards.
            Some(OpStatus::TimedOut | OpStatus::Stopped)
                if last.window.error.is_none() && matches!(last.outcome, Outcome::Pending(_)) => {}
            Some(s) if s.is_terminal() => {
                last.outcome =
                    Outcome::Failed(exec.error.clone().or_else(|| last.window.error.clone()))
            }
            _ => {}
        }
    }
    (out, !recorded)
}

/// Finds, per invocation, the first executed operation in position order of
/// each context that executed something, with one slot per context reused
/// across invocations (clearing a slot per context per invocation would cost
/// contexts x invocations).
struct SwitchSlots {
    /// Per context: (invocation + 1 it was last used in, index in `out`).
    slot: Vec<(usize, usize)>,
}

impl SwitchSlots {
    fn new(contexts: usize) -> Self {
        SwitchSlots {
            slot: vec![(0, 0); contexts],
        }
    }

    /// The switches of invocation `k` from its executed operations (in
    /// operation order): one per context, in the order contexts first
    /// executed something, each at its lowest executed position.
    /// A context whose parent the history does not hold (a later page on
    /// its own) states no switch: its identity and positions are unknown.
    fn switches(
        &mut self,
        k: usize,
        contexts: &[Context],
        places: &[Place],
        executed: &[usize],
    ) -> Vec<Switch> {
        let mut out: Vec<Switch> = Vec::new();
        for &i in executed {
            let p = places[i];
            if contexts[p.context].under_missing_parent() {
                continue;
            }
            let (used, at) = self.slot[p.context];
            if used == k + 1 {
                if p.position < out[at].position {
                    out[at].position = p.position;
                    out[at].op = i;
                }
            } else {
                self.slot[p.context] = (k + 1, out.len());
                out.push(Switch {
                    context: p.context,
                    position: p.position,
                    op: i,
                });
            }
        }
        out
    }
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

/// An invocation boundary the source did not record.
fn inferred_window(start: Option<Ts>) -> Invocation {
    Invocation {
        start,
        end: None,
        request_id: None,
        error: None,
        inferred: true,
        start_inferred: true,
        end_inferred: true,
    }
}

/// How many invocations after its first a step's attempts took, for a
/// source that does not place them: every retry is a re-invocation, and a
/// final state keeps only the latest attempt (`Attempt: 3` is two retries).
fn retry_invocations(op: &Operation) -> usize {
    if op.op_type != OpType::Step || op.attempts.iter().any(|a| a.invocation.is_some()) {
        return 0;
    }
    let last = op.attempts.last().map_or(0, |a| a.number as usize);
    last.max(op.attempts.len()).saturating_sub(1)
}

/// Operations whose completion comes from outside the handler.
fn suspends(op: &Operation) -> bool {
    matches!(
        op.op_type,
        OpType::Wait | OpType::Callback | OpType::ChainedInvoke
    )
}

/// Inferred windows, the operations' spans over them, and the windows whose
/// start is only a placement mark, not a time the handler could have been
/// woken at (see `infer`).
type Inferred = (Vec<Invocation>, Vec<Span>, Vec<usize>);

/// Infer invocation windows for sources without them. With timestamps, each
/// suspending operation's end (and each extra step attempt) opens a new
/// invocation at that time; without, invocations follow checkpoint order.
fn infer(exec: &Execution, contexts: &[Context], places: &[Place]) -> Inferred {
    let ops = &exec.operations;
    let timed = ops.iter().all(|o| o.start.is_some());
    let mut windows = vec![inferred_window(
        exec.start
            .or_else(|| ops.iter().filter_map(|o| o.start).min()),
    )];
    let mut spans = vec![Span::default(); ops.len()];
    let mut marks_only = Vec::new();

    if timed {
        // GetDurableExecutionState omits a wait's end: the handler resumed
        // no later than the start of whatever the code did next.
        // A completion while the handler was visibly running (a step in
        // flight across it) woke nothing: the handler was not suspended, so
        // it is no boundary (a callback answered during the invocation).
        let running = Running::new(ops);
        // (time, whether it is a wake-up: the end of what suspended the
        // handler, the earliest the next invocation can have started).
        let mut resumes: Vec<(Ts, bool)> = ops
            .iter()
            .enumerate()
            .filter(|(_, o)| suspends(o) && o.status.is_terminal())
            .filter_map(|(i, o)| o.end.or_else(|| next_start(ops, contexts, places, i)))
            .filter(|&r| !running.at(r))
            .map(|r| (r, true))
            .collect();
        // A retried step's final attempt ran in a later invocation than its
        // first: its end stands for one more resume point. Attempts the
        // source does not list (a final state keeps the last one: Attempt 3
        // means two earlier attempts, each ending its invocation) are
        // invocations between its start and that point, whose start is
        // unknown. That end lies inside the invocation that ran the final
        // attempt, after its start: it places operations in it but is
        // never shown as its start.
        let mut unlisted: Vec<(Ts, usize)> = Vec::new();
        for o in ops {
            if o.attempts.len() > 1 || o.attempts.last().is_some_and(|a| a.number > 1) {
                if let Some(end) = o.end {
                    resumes.push((end, false));
                    let n = retry_invocations(o).saturating_sub(1);
                    if n > 0 {
                        unlisted.push((end, n));
                    }
                }
            }
        }
        // One resume point per time; a wake-up at that time wins.
        resumes.sort_by_key(|&(t, wake)| (t, !wake));
        resumes.dedup_by_key(|r| r.0);
        // A resume point after which nothing starts opens no invocation.
        let last_start = ops.iter().filter_map(|o| o.start.max(o.end)).max();
        for (r, wake) in resumes {
            if last_start.is_some_and(|l| l >= r) || exec.end.is_some_and(|e| e >= r) {
                let n = unlisted
                    .iter()
                    .filter(|u| u.0 == r)
                    .map(|u| u.1)
                    .max()
                    .unwrap_or(0);
                windows.extend((0..n).map(|_| inferred_window(None)));
                if !wake {
                    marks_only.push(windows.len());
                }
                windows.push(inferred_window(Some(r)));
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
        // A step retried n times spans n more invocations.
        let mut k = 0;
        for (i, op) in ops.iter().enumerate() {
            let started = k;
            let retries = retry_invocations(op);
            k += retries;
            windows.extend((0..retries).map(|_| inferred_window(None)));
            spans[i] = Span {
                started: Some(started),
                finished: (!suspends(op) && op.status.is_terminal()).then_some(k),
            };
            if suspends(op) && op.status.is_terminal() && i + 1 < ops.len() {
                k += 1;
                windows.push(inferred_window(None));
            }
        }
    }
    for k in 0..windows.len().saturating_sub(1) {
        windows[k].end = windows[k + 1].start;
    }
    if let Some(last) = windows.last_mut() {
        last.end = exec.end;
    }
    (windows, spans, marks_only)
}

/// The spans during which the handler was running a step, to ask whether
/// it was at a given time: starts sorted, with the latest end so far.
struct Running {
    starts: Vec<Ts>,
    latest_end: Vec<Ts>,
}

impl Running {
    fn new(ops: &[Operation]) -> Running {
        let mut spans: Vec<(Ts, Ts)> = ops
            .iter()
            .filter(|o| o.op_type == OpType::Step)
            .filter_map(|o| o.start.zip(o.end))
            .filter(|(s, e)| e > s)
            .collect();
        spans.sort_unstable();
        let mut latest = Ts(i64::MIN);
        let latest_end = spans
            .iter()
            .map(|&(_, e)| {
                latest = latest.max(e);
                latest
            })
            .collect();
        Running {
            starts: spans.into_iter().map(|(s, _)| s).collect(),
            latest_end,
        }
    }

    /// A step started before `t` and ended after it.
    fn at(&self, t: Ts) -> bool {
        let n = self.starts.partition_point(|&s| s < t);
        n > 0 && self.latest_end[n - 1] > t
    }
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
