//! The `--json` documents of `inspect`, `check`, `diff` and `list`: one typed
//! struct per output, so the schema README documents is the one the code
//! writes (tests/cli.rs holds every key set). Add a field by adding it here
//! and to README; never rename or drop one.

use crate::diff::{DiffReport, SeqOp, SideOutcome};
use crate::model::{Attempt, ErrorInfo, Execution, Format, OpStatus, OpType, Sdk, Ts};
use crate::replay::{Analysis, Diagnosis, Outcome};
use serde::Serialize;

fn iso(t: Option<Ts>) -> Option<String> {
    t.map(|t| t.to_iso())
}

/// How an execution is identified, each id under its true name: `arn` only
/// for strings that are ARNs (`arn:...`), `id` for whatever the source keys
/// it by (an ARN, a store's key, or the EXECUTION operation id) and
/// `execution_op_id` for the EXECUTION operation's id.
#[derive(Debug, Serialize)]
pub struct Ids {
    pub arn: Option<String>,
    pub id: Option<String>,
    pub execution_op_id: Option<String>,
}

impl Ids {
    pub fn of(e: &Execution) -> Ids {
        Ids {
            arn: e.true_arn().map(str::to_string),
            id: e.arn.clone().or_else(|| e.execution_op_id.clone()),
            execution_op_id: e.execution_op_id.clone(),
        }
    }
}

/// `inspect --json`.
#[derive(Debug, Serialize)]
pub struct InspectDoc {
    pub file: String,
    /// Where an export was first loaded from; `null` for anything else.
    pub origin: Option<String>,
    pub format: Format,
    pub format_label: &'static str,
    pub warnings: Vec<String>,
    pub executions: Vec<ExecutionReport>,
}

#[derive(Debug, Serialize)]
pub struct ExecutionReport {
    /// 1-based, in `list` order (the number `--execution` takes).
    pub index: usize,
    #[serde(flatten)]
    pub ids: Ids,
    pub name: Option<String>,
    pub function: Option<String>,
    pub status: Option<OpStatus>,
    pub sdk: Sdk,
    pub start: Option<String>,
    pub end: Option<String>,
    pub error: Option<ErrorReport>,
    pub operations: usize,
    pub invocations_inferred: bool,
    pub invocations: Vec<InvocationReport>,
    /// Every step with every attempt, in checkpoint order.
    pub steps: Vec<StepReport>,
    pub diagnoses: Vec<DiagnosisReport>,
}

#[derive(Debug, Serialize)]
pub struct ErrorReport {
    #[serde(rename = "type")]
    pub error_type: Option<String>,
    pub message: Option<String>,
}

impl ErrorReport {
    fn of(e: &ErrorInfo) -> ErrorReport {
        ErrorReport {
            error_type: e.error_type.clone(),
            message: e.message.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct InvocationReport {
    /// 1-based.
    pub index: usize,
    pub start: Option<String>,
    pub end: Option<String>,
    /// Whether `start` / `end` were inferred rather than recorded.
    pub start_inferred: bool,
    pub end_inferred: bool,
    pub replayed: usize,
    pub executed: usize,
    pub switches: Vec<SwitchReport>,
    /// `pending`, `succeeded`, `failed` or `unknown`.
    pub outcome: &'static str,
    pub waiting_on: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SwitchReport {
    /// Context names from the root (empty for the root context).
    pub context: Vec<String>,
    /// 1-based position of the first executed operation in that context.
    pub position: u32,
    pub operation: String,
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub id: String,
    pub name: Option<String>,
    pub status: OpStatus,
    pub attempts: Vec<AttemptReport>,
}

#[derive(Debug, Serialize)]
pub struct AttemptReport {
    /// 1-based.
    pub number: u32,
    pub status: OpStatus,
    pub start: Option<String>,
    pub end: Option<String>,
    pub error: Option<ErrorReport>,
    /// When the service scheduled the next attempt, if this one was retried.
    pub next_attempt_at: Option<String>,
    /// 1-based invocation it ran in, when known.
    pub invocation: Option<usize>,
}

impl AttemptReport {
    pub fn of(a: &Attempt) -> AttemptReport {
        AttemptReport {
            number: a.number,
            status: a.status,
            start: iso(a.start),
            end: iso(a.end),
            error: a.error.as_ref().map(ErrorReport::of),
            next_attempt_at: iso(a.next_attempt_at),
            invocation: a.invocation.map(|k| k + 1),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct DiagnosisReport {
    pub message: String,
    pub sdk_text: String,
    pub sdk: Sdk,
    pub error_type: Option<String>,
    pub context: Vec<String>,
    pub position: Option<u32>,
    pub operation: Option<String>,
    /// 1-based.
    pub invocation: Option<usize>,
}

impl DiagnosisReport {
    pub fn of(e: &Execution, d: &Diagnosis) -> DiagnosisReport {
        DiagnosisReport {
            message: d.plain.clone(),
            sdk_text: d.sdk_text.clone(),
            sdk: d.sdk,
            error_type: d.error_type.clone(),
            context: d.context_path.clone(),
            position: d.position,
            operation: d.op.map(|i| e.operations[i].display_name().to_string()),
            invocation: d.invocation.map(|k| k + 1),
        }
    }
}

impl ExecutionReport {
    /// `index` is 1-based.
    pub fn of(index: usize, e: &Execution, a: &Analysis) -> ExecutionReport {
        let name = |i: usize| e.operations[i].display_name().to_string();
        ExecutionReport {
            index,
            ids: Ids::of(e),
            name: e.name.clone(),
            function: e.function_name.clone(),
            status: e.status,
            sdk: e.sdk,
            start: iso(e.start),
            end: iso(e.end),
            error: e.error.as_ref().map(ErrorReport::of),
            operations: e.operations.len(),
            invocations_inferred: a.invocations_inferred,
            invocations: a
                .invocations
                .iter()
                .map(|inv| {
                    let (replayed, executed) = inv.counts();
                    InvocationReport {
                        index: inv.index + 1,
                        start: iso(inv.window.start),
                        end: iso(inv.window.end),
                        start_inferred: inv.window.start_inferred,
                        end_inferred: inv.window.end_inferred,
                        replayed,
                        executed,
                        switches: inv
                            .switches
                            .iter()
                            .map(|s| SwitchReport {
                                context: a.context_names(s.context),
                                position: s.position,
                                operation: name(s.op),
                            })
                            .collect(),
                        outcome: inv.outcome.label(),
                        waiting_on: match &inv.outcome {
                            Outcome::Pending(ops) => ops.iter().map(|&i| name(i)).collect(),
                            _ => Vec::new(),
                        },
                    }
                })
                .collect(),
            steps: e
                .operations
                .iter()
                .filter(|o| o.op_type == OpType::Step)
                .map(|o| StepReport {
                    id: o.id.clone(),
                    name: o.name.clone(),
                    status: o.status,
                    attempts: o.attempts.iter().map(AttemptReport::of).collect(),
                })
                .collect(),
            diagnoses: a
                .diagnoses
                .iter()
                .map(|d| DiagnosisReport::of(e, d))
                .collect(),
        }
    }
}

/// `check --json`.
#[derive(Debug, Serialize)]
pub struct CheckDoc {
    pub consistent: bool,
    /// How many executions were checked (pages of one history count once).
    pub executions: usize,
    pub violations: Vec<CheckViolation>,
}

#[derive(Debug, Serialize)]
pub struct CheckViolation {
    /// The file (or the page files, joined by " + ") holding the execution.
    pub file: String,
    /// The execution's label (name, else its id).
    pub execution: String,
    pub message: String,
    /// The SDK's own error text, when the violation is its diagnosis.
    pub sdk_text: Option<String>,
    pub context: Vec<String>,
    pub position: Option<u32>,
    /// 1-based invocation where it showed, when known.
    pub invocation: Option<usize>,
}

/// `diff --json`.
#[derive(Debug, Serialize)]
pub struct DiffDoc {
    pub left: String,
    pub right: String,
    /// How each side ended (the execution's status, or the invocation's
    /// outcome) and its error: two failed sides can still be consistent.
    pub left_outcome: DiffOutcome,
    pub right_outcome: DiffOutcome,
    pub consistent: bool,
    pub first_violation: Option<String>,
    pub violations: Vec<DiffViolation>,
    pub rows: Vec<DiffRowReport>,
}

#[derive(Debug, Serialize)]
pub struct DiffViolation {
    /// Positional, as replay words it.
    pub message: String,
    /// For a removed or added operation: the code change
    /// (`'audit-log' was removed; the code goes on with 'settle'`).
    pub edit: Option<String>,
    pub position: u32,
    pub context: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DiffOutcome {
    pub status: String,
    pub error: Option<ErrorDoc>,
}

#[derive(Debug, Serialize)]
pub struct ErrorDoc {
    #[serde(rename = "type")]
    pub error_type: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DiffRowReport {
    pub context: Vec<String>,
    /// The left side's position (the right's for a right-only row).
    pub position: u32,
    /// The right side's position when it has the operation.
    pub right_position: Option<u32>,
    /// `Same`, `StatusChanged`, `ResultChanged`, `TypeMismatch`,
    /// `SubTypeMismatch`, `NameMismatch`, `Missing`, `Extra`, `Removed` or
    /// `Inserted`.
    pub kind: String,
    pub left: Option<DiffSide>,
    pub right: Option<DiffSide>,
    pub result_changes: Vec<ResultChange>,
}

#[derive(Debug, Serialize)]
pub struct DiffSide {
    pub name: Option<String>,
    /// What a user calls it: the name, or for an unnamed operation its
    /// parent's name and role (`manager-approval › callback`).
    pub label: String,
    #[serde(rename = "type")]
    pub op_type: OpType,
    pub subtype: Option<String>,
    pub status: Option<OpStatus>,
}

#[derive(Debug, Serialize)]
pub struct ResultChange {
    pub pointer: String,
    pub left: Option<serde_json::Value>,
    pub right: Option<serde_json::Value>,
}

impl DiffDoc {
    pub fn of(
        (left, left_outcome): (String, &SideOutcome),
        (right, right_outcome): (String, &SideOutcome),
        l: &[SeqOp],
        r: &[SeqOp],
        report: &DiffReport,
    ) -> DiffDoc {
        let side = |s: &SeqOp| DiffSide {
            name: s.sig.name.clone(),
            label: s.label.clone(),
            op_type: s.sig.op_type,
            subtype: s.sig.sub_type.clone(),
            status: s.status,
        };
        let outcome = |o: &SideOutcome| DiffOutcome {
            status: o.status.clone(),
            error: o.error.as_ref().map(|e| ErrorDoc {
                error_type: e.error_type.clone(),
                message: e.message.clone(),
            }),
        };
        DiffDoc {
            left,
            right,
            left_outcome: outcome(left_outcome),
            right_outcome: outcome(right_outcome),
            consistent: report.is_consistent(),
            first_violation: report.first_violation().map(|v| v.to_string()),
            violations: report
                .violations
                .iter()
                .map(|v| DiffViolation {
                    message: v.to_string(),
                    edit: v.edit.as_ref().map(|e| e.to_string()),
                    position: v.position,
                    context: v.context_names.clone(),
                })
                .collect(),
            rows: report
                .rows
                .iter()
                .map(|row| DiffRowReport {
                    context: row.context.names(),
                    position: row.position,
                    right_position: row.right_position,
                    kind: format!("{:?}", row.kind),
                    left: row.left.map(|i| side(&l[i])),
                    right: row.right.map(|i| side(&r[i])),
                    result_changes: row
                        .changes
                        .iter()
                        .map(|c| ResultChange {
                            pointer: c.pointer.clone(),
                            left: c.left.clone(),
                            right: c.right.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// `list --json`.
#[derive(Debug, Serialize)]
pub struct ListDoc {
    pub file: String,
    pub executions: Vec<ListedExecution>,
}

#[derive(Debug, Serialize)]
pub struct ListedExecution {
    /// 1-based: the number `--execution` and `FILE#N` take.
    pub index: usize,
    /// What the source keys the execution by (exact `--execution` match).
    pub id: Option<String>,
    /// Only when `id` is an ARN.
    pub arn: Option<String>,
    pub function: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_ms: Option<i64>,
    pub operations: Option<usize>,
}
