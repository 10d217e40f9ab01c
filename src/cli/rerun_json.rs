//! `durable-lens rerun --json`: the report as one typed document (README,
//! "rerun --json"). Invocation numbers are 1-based, like everywhere in the CLI.

use crate::cli::schema::AttemptReport;
use crate::rerun::{place_label, Change, Divergence, DivergenceKind, Report};
use serde::Serialize;
use serde_json::Value;

pub use crate::rerun::control::Verdict;

#[derive(Debug, Serialize)]
pub struct RerunJson<'a> {
    pub verdict: Verdict,
    /// The exit code the command ends with.
    pub exit_code: i32,
    /// The re-run's final status (`SUCCEEDED`, `FAILED`), when it ended.
    pub status: Option<&'static str>,
    /// The execution's result as the handler returned it (raw text).
    pub result: Option<&'a str>,
    /// Why the run could not finish (handler crash, timeout, garbage output...).
    pub error: Option<&'a str>,
    pub divergence: Option<DivergenceJson<'a>>,
    pub changes: &'a [Change],
    pub invocations: Vec<InvocationJson<'a>>,
    pub switches: Vec<SwitchJson>,
    /// One row per attempt of every retried step, in checkpoint order.
    pub attempts: Vec<AttemptJson<'a>>,
    /// Operations the re-run produced.
    pub operations: usize,
    /// Answers durable-lens had to guess (`--allow-partial`) and other notes.
    pub warnings: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct DivergenceJson<'a> {
    pub kind: DivergenceKind,
    /// 1-based invocation of the re-run.
    pub invocation: usize,
    /// Positions from the root context down (`[4, 1]`), and as text (`4.1`).
    pub place: &'a [u32],
    pub position: String,
    pub message: &'a str,
    pub sdk_error: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct InvocationJson<'a> {
    /// 1-based.
    pub invocation: usize,
    pub request_id: &'a str,
    pub status: Option<&'a str>,
    pub exit_code: Option<i32>,
    pub output: Option<Value>,
    pub stdout: &'a str,
    pub stderr: &'a str,
}

#[derive(Debug, Serialize)]
pub struct AttemptJson<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub position: String,
    #[serde(flatten)]
    pub attempt: AttemptReport,
}

#[derive(Debug, Serialize)]
pub struct SwitchJson {
    /// 1-based invocation.
    pub invocation: usize,
    pub position: String,
}

impl<'a> RerunJson<'a> {
    pub fn new(
        report: &'a Report,
        verdict: Verdict,
        exit_code: i32,
        warnings: &'a [String],
    ) -> Self {
        RerunJson {
            verdict,
            exit_code,
            status: report.outcome.as_ref().map(|o| o.status.as_str()),
            result: report.outcome.as_ref().and_then(|o| o.result.as_deref()),
            error: report.error.as_deref(),
            divergence: report.divergence.as_ref().map(divergence),
            changes: &report.changes,
            invocations: report
                .invocations
                .iter()
                .map(|r| InvocationJson {
                    invocation: r.index + 1,
                    request_id: &r.request_id,
                    status: r.status(),
                    exit_code: r.exit_code,
                    output: r.output.as_ref().and_then(|o| serde_json::to_value(o).ok()),
                    stdout: &r.stdout,
                    stderr: &r.stderr,
                })
                .collect(),
            switches: report
                .switches
                .iter()
                .map(|(i, p)| SwitchJson {
                    invocation: i + 1,
                    position: place_label(p),
                })
                .collect(),
            attempts: report
                .history
                .executions
                .first()
                .map(|e| {
                    crate::rerun::attempts::rows(e)
                        .into_iter()
                        .map(|(place, op, a)| AttemptJson {
                            id: &op.id,
                            name: op.name.as_deref(),
                            position: place_label(&place),
                            attempt: AttemptReport::of(a),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            operations: report
                .history
                .executions
                .first()
                .map(|e| e.operations.len())
                .unwrap_or(0),
            warnings,
        }
    }
}

fn divergence(d: &Divergence) -> DivergenceJson<'_> {
    DivergenceJson {
        kind: d.kind,
        invocation: d.invocation + 1,
        place: &d.place,
        position: place_label(&d.place),
        message: &d.message,
        sdk_error: d.sdk_error.as_deref(),
    }
}
