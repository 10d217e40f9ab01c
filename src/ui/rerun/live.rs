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

/// One line of the live table.
#[derive(Debug, Clone)]
pub enum Line {
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
                    name: op.display_name().to_string(),
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
}
