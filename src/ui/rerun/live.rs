//! What the panel shows of the current run, built from `SessionEvent`s as
//! they arrive (append-only, so drawing a frame does no work proportional to
//! the run): one row per operation as the handler replays or executes it,
//! invocation headers, the replay | execution switch per context, the pause
//! point, the first divergence, errors and each invocation's output.

use crate::model::{OpStatus, OpType};
use crate::rerun::{place_label, Comparison, Divergence, Report, Role, SessionEvent};
use std::collections::{HashMap, HashSet};

/// Keep the tail of each output stream for display; the head of a huge log
/// is rarely what explains a failure and a giant label slows every frame.
const MAX_LOG_CHARS: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct OpRow {
    pub invocation: usize,
    /// 1-based count of distinct operations seen (what "run to N" counts).
    pub seen: usize,
    /// First sighting of this operation in the run (a later invocation
    /// replaying it is not a new one for "run to N").
    pub first: bool,
    pub op_id: String,
    pub place: String,
    pub name: String,
    pub op_type: OpType,
    pub role: Role,
    pub status: OpStatus,
    pub comparison: Comparison,
}

/// One attempt of a retried step, a line of its own in the invocation
/// that ran it (`rerun::attempts`).
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub op_id: String,
    /// The invocation that ran it (the step's row may sit in an earlier one).
    pub invocation: Option<usize>,
    pub place: String,
    pub name: String,
    pub number: u32,
    pub status: OpStatus,
    /// `Type: message`, when it failed.
    pub error: Option<String>,
    /// The backoff the service scheduled after it (skipped by the re-run's
    /// clock), in µs from the attempt's end.
    pub backoff_micros: Option<i64>,
}

impl AttemptRow {
    fn of(op: &crate::model::Operation, place: &[u32], a: &crate::model::Attempt) -> AttemptRow {
        AttemptRow {
            op_id: op.id.clone(),
            invocation: a.invocation,
            place: place_label(place),
            name: op.display_name().to_string(),
            number: a.number,
            status: a.status,
            error: a.error.as_ref().map(|e| {
                match (e.error_type.as_deref(), e.message.as_deref()) {
                    (Some(t), Some(m)) => format!("{t}: {m}"),
                    (Some(t), None) => t.to_string(),
                    (None, m) => m.unwrap_or("error").to_string(),
                }
            }),
            backoff_micros: a
                .next_attempt_at
                .zip(a.end)
                .and_then(|(next, end)| end.micros_until(next)),
        }
    }

    /// What the "vs recording" column says of it.
    pub fn detail(&self) -> String {
        let next = self.backoff_micros.map(|us| {
            format!(
                "next attempt after {} (skipped)",
                crate::model::format_duration_micros(us)
            )
        });
        [self.error.clone(), next]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// One line of the live table.
#[derive(Debug, Clone)]
pub enum Line {
    /// An ended attempt of a retried step (index into `Live::attempts`).
    Attempt(usize),
    Invocation(usize),
    /// Replay ends and execution starts here, in this context (`root`, or
    /// the place of the context operation: `4`, `4.1`).
    Switch {
        context: String,
    },
    Op(usize),
}

#[derive(Debug, Clone, Default)]
pub struct InvocationLog {
    pub index: usize,
    pub request_id: String,
    /// `None` until the invocation ended.
    pub summary: Option<String>,
    pub failed: bool,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Running,
    Paused,
    Finished,
}

#[derive(Default)]
pub struct Live {
    pub run: u32,
    pub rows: Vec<OpRow>,
    pub attempts: Vec<AttemptRow>,
    /// Attempt lines already added, per operation.
    attempts_shown: HashMap<String, usize>,
    pub lines: Vec<Line>,
    pub logs: Vec<InvocationLog>,
    /// Index into `rows` of the operation the handler is held at.
    pub paused_at: Option<usize>,
    pub divergence: Option<Divergence>,
    pub error: Option<String>,
    pub report: Option<Report>,
    phase: Option<Phase>,
    /// (invocation, parent place) that already switched to execution.
    switched: HashSet<(usize, String)>,
    /// Set when a new pause arrived, so the table scrolls to it once.
    pub scroll_to_line: Option<usize>,
    line_of_row: HashMap<usize, usize>,
    max_seen: usize,
    /// Operation picked in the time view: its rows are highlighted.
    pub picked: Option<String>,
}

impl Live {
    pub fn phase(&self) -> Phase {
        self.phase.unwrap_or(Phase::Idle)
    }

    pub fn set_running(&mut self) {
        if self.phase() != Phase::Finished {
            self.phase = Some(Phase::Running);
        }
        self.paused_at = None;
    }

    /// The table line of the operation the handler is held at (a map
    /// lookup: drawing must not scan the run).
    pub fn paused_line(&self) -> Option<usize> {
        self.paused_at
            .and_then(|r| self.line_of_row.get(&r).copied())
    }

    /// Highlight an operation picked in the time view and scroll its
    /// latest row into sight.
    pub fn reveal_op(&mut self, id: &str) {
        self.picked = Some(id.to_string());
        if let Some(r) = self.rows.iter().rposition(|r| r.op_id == id) {
            self.scroll_to_line = self.line_of_row.get(&r).copied();
        }
    }

    /// The user stopped the run (or closed the panel).
    pub fn stopped(&mut self) {
        self.paused_at = None;
        self.phase = Some(Phase::Finished);
    }

    /// The session thread went away without finishing.
    pub fn lost(&mut self) {
        if self.phase() != Phase::Finished {
            self.error
                .get_or_insert_with(|| "the re-run session stopped unexpectedly".into());
            self.phase = Some(Phase::Finished);
        }
    }

    /// Apply one event; events of an older run (before a restart) are dropped.
    pub fn apply(&mut self, e: SessionEvent) {
        let run = e.run();
        if run < self.run {
            return;
        }
        let attempts = match &e {
            SessionEvent::OperationSeen { op, place, .. }
            | SessionEvent::OperationUpdated { op, place, .. }
                if run == self.run =>
            {
                let shown = self.attempts_shown.get(&op.id).copied().unwrap_or(0);
                let new: Vec<AttemptRow> = crate::rerun::attempts::newly_ended(op, shown)
                    .iter()
                    .map(|a| AttemptRow::of(op, place, a))
                    .collect();
                new
            }
            _ => Vec::new(),
        };
        self.apply_event(e);
        for a in attempts {
            *self.attempts_shown.entry(a.op_id.clone()).or_default() += 1;
            self.lines.push(Line::Attempt(self.attempts.len()));
            self.attempts.push(a);
        }
    }

    fn apply_event(&mut self, e: SessionEvent) {
        match e {
            SessionEvent::RunStarted { run } => {
                *self = Live {
                    run,
                    phase: Some(Phase::Running),
                    ..Live::default()
                };
            }
            SessionEvent::InvocationStarted {
                index, request_id, ..
            } => {
                self.lines.push(Line::Invocation(index));
                self.logs.push(InvocationLog {
                    index,
                    request_id,
                    ..InvocationLog::default()
                });
            }
            SessionEvent::OperationSeen {
                invocation,
                seen,
                op,
                place,
                role,
                comparison,
                ..
            } => {
                let parent = place_label(&place[..place.len().saturating_sub(1)]);
                if role == Role::Executed && self.switched.insert((invocation, parent.clone())) {
                    let context = if parent.is_empty() {
                        "root".to_string()
                    } else {
                        parent.clone()
                    };
                    self.lines.push(Line::Switch { context });
                }
                let row = self.rows.len();
                self.line_of_row.insert(row, self.lines.len());
                self.lines.push(Line::Op(row));
                let first = seen > self.max_seen;
                self.max_seen = self.max_seen.max(seen);
                self.rows.push(OpRow {
                    invocation,
                    seen,
                    first,
                    op_id: op.id.clone(),
                    place: place_label(&place),
                    // A row the SDK's error made (the code's operation) may
                    // have no name: the JS type mismatch names only a type.
                    name: match (&op.name, comparison.is_divergence()) {
                        (None, true) => "(unnamed in the SDK's error)".to_string(),
                        _ => op.display_name().to_string(),
                    },
                    op_type: op.op_type,
                    role,
                    status: op.status,
                    comparison,
                });
            }
            SessionEvent::OperationUpdated { op, .. } => {
                // The latest sighting carries the news; earlier invocations'
                // rows keep what they showed then.
                if let Some(r) = self.rows.iter_mut().rev().find(|r| r.op_id == op.id) {
                    r.status = op.status;
                }
            }
            SessionEvent::Paused { op_id, .. } => {
                self.phase = Some(Phase::Paused);
                self.paused_at = self.rows.iter().rposition(|r| r.op_id == op_id);
                self.scroll_to_line = self
                    .paused_at
                    .and_then(|r| self.line_of_row.get(&r).copied());
            }
            SessionEvent::InvocationEnded { record, .. } => {
                let status = record.status().map(str::to_string);
                let exit = match record.exit_code {
                    Some(c) => format!("exit {c}"),
                    None => "killed".into(),
                };
                let took = record.end.micros().saturating_sub(record.start.micros());
                let summary = format!(
                    "{} · {exit} · {} · pid {}",
                    status.as_deref().unwrap_or("no output"),
                    crate::model::format_duration_micros(took),
                    record.pid
                );
                let failed = !matches!(status.as_deref(), Some("SUCCEEDED" | "PENDING"))
                    || record.exit_code != Some(0);
                let at = match self.logs.iter().rposition(|l| l.index == record.index) {
                    Some(i) => i,
                    None => {
                        self.logs.push(InvocationLog {
                            index: record.index,
                            request_id: record.request_id.clone(),
                            ..InvocationLog::default()
                        });
                        self.logs.len() - 1
                    }
                };
                let log = &mut self.logs[at];
                log.summary = Some(summary);
                log.failed = failed;
                log.stdout = tail(&record.stdout);
                log.stderr = tail(&record.stderr);
            }
            SessionEvent::Divergence { divergence, .. } => {
                // The run stops here: bring the offending row into sight.
                let place = place_label(&divergence.place);
                if let Some(r) = self.rows.iter().rposition(|r| r.place == place) {
                    self.scroll_to_line = self.line_of_row.get(&r).copied();
                }
                self.divergence.get_or_insert(divergence);
            }
            SessionEvent::Error { message, .. } => {
                self.error.get_or_insert(message);
            }
            SessionEvent::Finished { report, .. } => {
                // The final statuses: an operation seen as STARTED has finished since.
                if let Some(exec) = report.history.executions.first() {
                    let status: HashMap<&str, OpStatus> = exec
                        .operations
                        .iter()
                        .map(|o| (o.id.as_str(), o.status))
                        .collect();
                    // A divergent row is what the handler produced, not the
                    // checkpoint that shares its id: it keeps its own status.
                    for r in self
                        .rows
                        .iter_mut()
                        .filter(|r| !r.comparison.is_divergence())
                    {
                        if let Some(s) = status.get(r.op_id.as_str()) {
                            r.status = *s;
                        }
                    }
                }
                if self.divergence.is_none() {
                    self.divergence = report.divergence.clone();
                }
                // The panel above the table grows with the verdict: bring
                // the divergent row back into sight.
                if let Some(d) = &self.divergence {
                    let place = place_label(&d.place);
                    if let Some(r) = self.rows.iter().rposition(|r| r.place == place) {
                        self.scroll_to_line = self.line_of_row.get(&r).copied();
                    }
                }
                if self.error.is_none() {
                    self.error = report.error.clone();
                }
                self.paused_at = None;
                self.phase = Some(Phase::Finished);
                self.report = Some(*report);
            }
        }
    }

    /// The one-line state shown above the table.
    pub fn headline(&self) -> String {
        match self.phase() {
            Phase::Idle => "Not started. Link a handler, then Step (F10) or Continue (F8).".into(),
            Phase::Running => format!("Running… {} operations so far", self.rows.len()),
            Phase::Paused => match self.paused_at.and_then(|i| self.rows.get(i)) {
                Some(r) => format!(
                    "⏸ Paused at '{}' (operation {}, position {}, invocation {})",
                    r.name,
                    r.seen,
                    r.place,
                    r.invocation + 1
                ),
                None => "⏸ Paused".into(),
            },
            Phase::Finished => {
                let invocations = self
                    .report
                    .as_ref()
                    .map(|r| r.invocations.len())
                    .unwrap_or(0);
                let invocations = match invocations {
                    1 => "1 invocation".to_string(),
                    n => format!("{n} invocations"),
                };
                let outcome = self.report.as_ref().and_then(|r| r.outcome.as_ref());
                match (&self.divergence, &self.error, outcome) {
                    (Some(d), _, _) => format!(
                        "✖ Stopped at the first divergence: position {} of invocation {} · {invocations}",
                        place_label(&d.place),
                        d.invocation + 1
                    ),
                    (None, Some(_), _) => {
                        format!("Finished: ✖ handler error · {invocations} · no verdict (the handler failed)")
                    }
                    (None, None, Some(o)) => format!(
                        "Finished: {} · {invocations} · ✔ no divergence",
                        crate::ui::style::status_label(o.status)
                    ),
                    (None, None, None) => format!("■ Stopped before the end · {invocations}"),
                }
            }
        }
    }
}

fn tail(s: &str) -> String {
    if s.len() <= MAX_LOG_CHARS {
        return s.to_string();
    }
    let mut cut = s.len() - MAX_LOG_CHARS;
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    format!("[… {cut} bytes cut …]\n{}", &s[cut..])
}

/// `✔ matches`, `✖ differs: recorded 'x' STEP`, … (never colour alone).
pub fn comparison_text(c: &Comparison) -> String {
    match c {
        Comparison::Matches => "✔ matches".into(),
        Comparison::Differs {
            expected_name,
            expected_type,
        } => format!(
            "✖ differs: recorded '{}' {}",
            expected_name.as_deref().unwrap_or("(unnamed)"),
            expected_type.as_str()
        ),
        Comparison::NotRecorded => "✖ not recorded".into(),
        Comparison::BeyondRecording => "… beyond the recording".into(),
    }
}

pub fn role_text(r: Role) -> &'static str {
    match r {
        Role::Replayed => "↺ replayed",
        Role::Executed => "▶ executed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Operation;

    fn op(id: &str, name: &str) -> Box<Operation> {
        Box::new(Operation {
            name: Some(name.into()),
            ..Operation::new(id, OpType::Step, OpStatus::Started)
        })
    }

    fn seen(run: u32, inv: usize, n: usize, id: &str, place: Vec<u32>, role: Role) -> SessionEvent {
        SessionEvent::OperationSeen {
            run,
            invocation: inv,
            seen: n,
            op: op(id, id),
            place,
            role,
            comparison: Comparison::Matches,
        }
    }

    #[test]
    fn switches_are_marked_once_per_invocation_and_context_and_stale_runs_dropped() {
        let mut l = Live::default();
        l.apply(SessionEvent::RunStarted { run: 2 });
        l.apply(SessionEvent::InvocationStarted {
            run: 2,
            index: 0,
            request_id: "r0".into(),
        });
        l.apply(seen(2, 0, 1, "a", vec![1], Role::Replayed));
        l.apply(seen(2, 0, 2, "b", vec![2], Role::Executed));
        l.apply(seen(2, 0, 3, "c", vec![3], Role::Executed));
        l.apply(seen(2, 0, 4, "d", vec![3, 1], Role::Executed));
        l.apply(seen(1, 0, 9, "stale", vec![4], Role::Executed));
        l.apply(SessionEvent::Paused {
            run: 2,
            seen: 4,
            op_id: "d".into(),
        });
        let kinds: Vec<String> = l
            .lines
            .iter()
            .map(|x| match x {
                Line::Invocation(i) => format!("inv{i}"),
                Line::Switch { context } => format!("switch {context}"),
                Line::Op(r) => l.rows[*r].op_id.clone(),
                Line::Attempt(a) => format!("attempt {}", l.attempts[*a].number),
            })
            .collect();
        assert_eq!(
            kinds,
            ["inv0", "a", "switch root", "b", "c", "switch 3", "d"]
        );
        assert_eq!(l.phase(), Phase::Paused);
        assert_eq!(
            l.headline(),
            "⏸ Paused at 'd' (operation 4, position 3.1, invocation 1)"
        );
        assert_eq!(l.scroll_to_line, Some(6));
    }

    #[test]
    fn long_logs_keep_their_tail() {
        let s = "é".repeat(MAX_LOG_CHARS);
        let t = tail(&s);
        assert!(t.starts_with("[… ") && t.ends_with('é'));
    }

    fn started(run: u32, index: usize) -> SessionEvent {
        SessionEvent::InvocationStarted {
            run,
            index,
            request_id: format!("r{index}"),
        }
    }

    #[test]
    fn each_attempt_of_a_retried_step_has_a_row_in_the_invocation_that_ran_it() {
        use crate::model::{Attempt, ErrorInfo, Ts};
        let attempt = |n: u32, status, inv: usize, err: bool| Attempt {
            number: n,
            start: Some(Ts(1_000_000 * n as i64)),
            end: Some(Ts(1_000_000 * n as i64 + 10)),
            status,
            error: err.then(|| ErrorInfo {
                error_type: Some("Error".into()),
                message: Some(format!("card declined on attempt {n}")),
                ..ErrorInfo::default()
            }),
            next_attempt_at: err.then_some(Ts(1_000_000 * n as i64 + 10 + 30_000_000)),
            invocation: Some(inv),
        };
        let mut l = Live::default();
        l.apply(SessionEvent::RunStarted { run: 1 });
        l.apply(started(1, 0));
        let mut flaky = op("f", "flaky-charge");
        flaky.status = OpStatus::Pending;
        flaky.attempts = vec![attempt(1, OpStatus::Failed, 0, true)];
        l.apply(SessionEvent::OperationSeen {
            run: 1,
            invocation: 0,
            seen: 1,
            op: flaky.clone(),
            place: vec![1],
            role: Role::Executed,
            comparison: Comparison::Matches,
        });
        l.apply(started(1, 1));
        // Ready again between invocations: no new attempt, no new row.
        flaky.status = OpStatus::Ready;
        l.apply(SessionEvent::OperationUpdated {
            run: 1,
            invocation: 0,
            op: flaky.clone(),
            place: vec![1],
        });
        flaky.status = OpStatus::Succeeded;
        flaky
            .attempts
            .push(attempt(2, OpStatus::Succeeded, 1, false));
        l.apply(SessionEvent::OperationUpdated {
            run: 1,
            invocation: 1,
            op: flaky,
            place: vec![1],
        });
        let kinds: Vec<String> = l
            .lines
            .iter()
            .map(|x| match x {
                Line::Invocation(i) => format!("inv{i}"),
                Line::Switch { .. } => "switch".into(),
                Line::Op(r) => l.rows[*r].op_id.clone(),
                Line::Attempt(a) => format!(
                    "attempt {} in inv{}",
                    l.attempts[*a].number,
                    l.attempts[*a].invocation.unwrap()
                ),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "inv0",
                "switch",
                "f",
                "attempt 1 in inv0",
                "inv1",
                "attempt 2 in inv1"
            ]
        );
        let first = &l.attempts[0];
        assert_eq!(first.status, OpStatus::Failed);
        assert_eq!(
            first.detail(),
            "Error: card declined on attempt 1 · next attempt after 30.00s (skipped)"
        );
        assert_eq!(l.attempts[1].detail(), "");
    }
}
