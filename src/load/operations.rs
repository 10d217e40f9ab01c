//! Operation records (GetDurableExecutionState, a JS test runner's bare
//! array, a handler's invocation input, the store's `Operations`) and the
//! camelCase checkpoint list. These carry the final state of each operation
//! but no invocation boundaries: `invocations` stays empty for the replay
//! analysis to infer.

use super::error::LoadError;
use super::raw::{ts, RawOp};
use crate::model::{Attempt, Execution, OpStatus, OpType, Operation, Payload};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

const TYPES: &str = "one of EXECUTION, STEP, WAIT, CALLBACK, CHAINED_INVOKE, CONTEXT";
const STATUSES: &str =
    "one of STARTED, PENDING, READY, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, STOPPED";

/// The warning for a final state of a FAILED execution that holds no error
/// at all (GetDurableExecutionState carries the operations' errors, not
/// always the execution's): why it failed — the SDK's non-determinism error
/// and its position included — is not in the file, and the invocation that
/// failed reads as if it replayed everything.
pub(crate) fn missing_failure(exec: &Execution) -> Option<String> {
    let failed = matches!(exec.status, Some(OpStatus::Failed));
    let any_error = exec.error.is_some()
        || exec
            .operations
            .iter()
            .any(|o| o.error.is_some() || o.attempts.iter().any(|a| a.error.is_some()));
    (failed && !any_error).then(|| {
        "the execution FAILED but this state holds no error for it or any operation: why it failed (a non-determinism error and its position, a handler error) is not in this file, so the failing invocation's replay stops are unknown; its history or invocation list has them".to_string()
    })
}

/// Build an execution from operation records. `base` is the JSON pointer of
/// the array (`/Operations`, `/InitialExecutionState/Operations`, or empty).
pub(crate) fn build(file: &str, base: &str, raw: Vec<RawOp>) -> Result<Execution, LoadError> {
    let mut exec = Execution::default();
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(raw.len());
    exec.operations.reserve(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let at = format!("{base}/{i}");
        let id = r.id.ok_or_else(|| {
            LoadError::invalid(file, format!("{at}/Id"), "an operation Id (string)", "none")
        })?;
        if let Some(first) = seen.insert(id.clone(), i) {
            return Err(LoadError::DuplicateOperation {
                file: file.to_string(),
                id,
                first: format!("{base}/{first}"),
                second: at,
            });
        }
        let type_text = r.op_type.unwrap_or_default();
        let op_type = OpType::parse(&type_text).ok_or_else(|| {
            LoadError::invalid(file, format!("{at}/Type"), TYPES, format!("{type_text:?}"))
        })?;
        let status_text = r.status.unwrap_or_default();
        let status = OpStatus::parse(&status_text).ok_or_else(|| {
            LoadError::invalid(
                file,
                format!("{at}/Status"),
                STATUSES,
                format!("{status_text:?}"),
            )
        })?;
        let d = r.details.unwrap_or_default();
        let error = d
            .error
            .filter(|e| !e.is_empty())
            .map(|e| e.into_info(false));
        if op_type == OpType::Execution {
            exec.execution_op_id = Some(id);
            exec.name = r.name;
            exec.status = status.is_terminal().then_some(status);
            exec.start = ts(r.start_timestamp);
            exec.end = ts(r.end_timestamp);
            exec.input = d.input_payload.map(Payload::new);
            if d.result.is_some() {
                exec.result = d.result.map(Payload::new);
            }
            if error.is_some() {
                exec.error = error;
            }
            continue;
        }
        let start = ts(r.start_timestamp);
        let end = ts(r.end_timestamp);
        let next_attempt_at = ts(d.next_attempt_timestamp);
        // Only the latest attempt is known from the final state.
        let attempts = match (op_type, d.attempt) {
            (OpType::Step, Some(n)) => vec![Attempt {
                number: n,
                start: if n <= 1 { start } else { None },
                end,
                status,
                error: error.clone(),
                next_attempt_at,
                invocation: None,
            }],
            _ => Vec::new(),
        };
        exec.operations.push(Operation {
            id,
            parent_id: r.parent_id,
            name: r.name,
            op_type,
            sub_type: r.sub_type,
            status,
            start,
            end,
            result: d.result.map(Payload::new),
            error,
            attempts,
            scheduled_end: ts(d.scheduled_end_timestamp),
            wait_seconds: None,
            callback_id: d.callback_id,
            next_attempt_at,
            started_in: None,
            finished_in: None,
        });
    }
    if exec.arn.is_none() {
        exec.arn = exec.execution_op_id.clone();
    }
    Ok(exec)
}

/// `{"operationId", "operationType", "operationName", "status", "result"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawCheckpoint {
    pub operation_id: Option<Value>,
    pub operation_type: Option<String>,
    pub operation_name: Option<String>,
    pub parent_id: Option<String>,
    pub sub_type: Option<String>,
    pub status: Option<String>,
    pub result: Option<Value>,
    pub error: Option<Value>,
}

/// The camelCase checkpoint list of the replay-model write-ups. Types and
/// statuses are matched case-insensitively (`step`, `Step`, `STEP`), ids may
/// be numbers, and a result that is not a string is kept as its JSON text.
pub(crate) fn build_checkpoints(
    file: &str,
    raw: Vec<RawCheckpoint>,
) -> Result<Execution, LoadError> {
    let mut exec = Execution::default();
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(raw.len());
    for (i, c) in raw.into_iter().enumerate() {
        let at = format!("/{i}");
        let id = match c.operation_id {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            other => {
                return Err(LoadError::invalid(
                    file,
                    format!("{at}/operationId"),
                    "an operationId (string or number)",
                    describe(other.as_ref()),
                ))
            }
        };
        if let Some(first) = seen.insert(id.clone(), i) {
            return Err(LoadError::DuplicateOperation {
                file: file.to_string(),
                id,
                first: format!("/{first}"),
                second: at,
            });
        }
        let type_text = c.operation_type.unwrap_or_default();
        let op_type =
            OpType::parse(&type_text.to_ascii_uppercase().replace(' ', "_")).ok_or_else(|| {
                LoadError::invalid(
                    file,
                    format!("{at}/operationType"),
                    TYPES,
                    format!("{type_text:?}"),
                )
            })?;
        let status_text = c.status.unwrap_or_else(|| "SUCCEEDED".to_string());
        let status = OpStatus::parse(&status_text.to_ascii_uppercase()).ok_or_else(|| {
            LoadError::invalid(
                file,
                format!("{at}/status"),
                STATUSES,
                format!("{status_text:?}"),
            )
        })?;
        let result = c.result.map(|v| match v {
            Value::String(s) => Payload::new(s),
            other => Payload::new(other.to_string()),
        });
        let error = c.error.map(|v| crate::model::ErrorInfo {
            message: Some(match v {
                Value::String(s) => s,
                other => other.to_string(),
            }),
            ..Default::default()
        });
        if op_type == OpType::Execution {
            exec.execution_op_id = Some(id);
            exec.name = c.operation_name;
            exec.status = status.is_terminal().then_some(status);
            exec.result = result;
            exec.error = error;
            continue;
        }
        exec.operations.push(Operation {
            parent_id: c.parent_id,
            name: c.operation_name,
            sub_type: c.sub_type,
            result,
            error,
            ..Operation::new(id, op_type, status)
        });
    }
    if exec.arn.is_none() {
        exec.arn = exec.execution_op_id.clone();
    }
    Ok(exec)
}

fn describe(v: Option<&Value>) -> String {
    match v {
        None => "none".to_string(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 40 {
                format!(
                    "{}…",
                    &s[..s.char_indices().nth(40).map(|(i, _)| i).unwrap_or(s.len())]
                )
            } else {
                s
            }
        }
    }
}
