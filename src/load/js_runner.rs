//! The JS testing tool writes a run as two files: the operations (a bare
//! array) and the invocation list (`[{startTimestamp, endTimestamp,
//! requestId}]`). The list alone is not a history, but next to its
//! operations file (`X.operations.json` + `X.invocations.json`) it gives the
//! invocation windows, and each operation's timestamps place it in one. It
//! also carries what the operations alone lose: the error an invocation
//! ended with (the SDK's non-determinism text among them), so the
//! execution's status, and the invocations a retried step's attempts ran in.

use super::raw::RawTs;
use super::store::window_of;
use crate::model::{Attempt, ErrorInfo, Execution, Invocation, OpStatus, OpType, Warning};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJsInvocation {
    start_timestamp: Option<RawTs>,
    end_timestamp: Option<RawTs>,
    request_id: Option<String>,
    error: Option<RawJsError>,
}

/// `{errorType, errorMessage, errorData?, stackTrace?}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJsError {
    error_type: Option<String>,
    error_message: Option<String>,
    error_data: Option<String>,
    #[serde(default)]
    stack_trace: Vec<String>,
}

impl RawJsError {
    fn into_info(self) -> Option<ErrorInfo> {
        let some = self.error_type.is_some() || self.error_message.is_some();
        some.then_some(ErrorInfo {
            error_type: self.error_type,
            message: self.error_message,
            data: self.error_data,
            stack_trace: self.stack_trace,
            truncated: false,
        })
    }
}

/// `X.invocations.json` next to `X.operations.json`, if there is one.
fn sibling(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    if !name.contains("operations") {
        return None;
    }
    let p = path.with_file_name(name.replacen("operations", "invocations", 1));
    p.is_file().then_some(p)
}

/// Completions the service makes between invocations (a wait timer, a
/// callback answered from outside, a chained invoke) belong to none.
fn service_side(op_type: OpType, status: OpStatus) -> bool {
    matches!(op_type, OpType::Callback | OpType::ChainedInvoke)
        || (op_type == OpType::Wait && status == OpStatus::Succeeded)
}

/// Attach the sibling invocation list, if any, and place every operation in
/// the invocations. A list that does not parse is a warning.
pub(crate) fn attach_invocations(path: &Path, exec: &mut Execution, warnings: &mut Vec<Warning>) {
    if !exec.invocations.is_empty() {
        return;
    }
    let Some(sib) = sibling(path) else { return };
    let list: Vec<RawJsInvocation> = match std::fs::read(&sib)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(l) => l,
        Err(e) => {
            warnings
                .push(format!("{}: not used as the invocation list: {e}", sib.display()).into());
            return;
        }
    };
    exec.invocations = list
        .into_iter()
        .map(|i| Invocation {
            start: i.start_timestamp.map(|t| t.0),
            end: i.end_timestamp.map(|t| t.0),
            request_id: i.request_id,
            error: i.error.and_then(RawJsError::into_info),
            inferred: false,
            ..Default::default()
        })
        .collect();
    let invs = &exec.invocations;
    for op in &mut exec.operations {
        op.started_in = op.start.and_then(|t| window_of(invs, t));
        op.finished_in = if op.status.is_terminal() && !service_side(op.op_type, op.status) {
            op.end.and_then(|t| window_of(invs, t))
        } else {
            None
        };
        for a in &mut op.attempts {
            a.invocation = a.start.or(a.end).and_then(|t| window_of(invs, t));
        }
        rebuild_attempts(op);
    }
    settle_status(exec);
}

/// The operations file keeps only a step's last attempt (`Attempt: n`).
/// The JS SDK runs each retry in a new invocation, so when the step spans
/// exactly n invocations, attempt j ran in the j-th of them and every
/// attempt before the last failed (their errors are not in either file),
/// or, for a wait-for-condition, was a poll that asked for another.
fn rebuild_attempts(op: &mut crate::model::Operation) {
    let (Some(s), Some(last)) = (op.started_in, op.attempts.last()) else {
        return;
    };
    let n = last.number as usize;
    let f = last.end.and(op.finished_in).unwrap_or(s);
    if op.attempts.len() != 1 || n < 2 || f < s {
        return;
    }
    // Fewer invocations than attempts: the SDK waited a delay out
    // in-process, so which invocation ran each earlier attempt is unknown.
    let placed = f - s + 1 == n;
    let earlier = if op.sub_type.as_deref() == Some("WaitForCondition") {
        OpStatus::Succeeded
    } else {
        OpStatus::Failed
    };
    let mut last = op.attempts.remove(0);
    last.invocation = Some(f);
    for j in 0..n - 1 {
        op.attempts.push(Attempt {
            number: j as u32 + 1,
            start: if j == 0 { op.start } else { None },
            end: None,
            status: earlier,
            error: None,
            next_attempt_at: None,
            invocation: placed.then_some(s + j),
        });
    }
    op.attempts.push(last);
}

/// The operations file has no EXECUTION record: the invocation list tells
/// how the run ended. An error on the last invocation failed it; with none
/// and every operation terminal, the last invocation returned its result
/// (a suspension always leaves an operation open).
fn settle_status(exec: &mut Execution) {
    if exec.status.is_some() {
        return;
    }
    let Some(last) = exec.invocations.last() else {
        return;
    };
    if let Some(e) = &last.error {
        exec.status = Some(OpStatus::Failed);
        exec.error = Some(e.clone());
        exec.end = last.end;
    } else if exec.operations.iter().all(|o| o.status.is_terminal()) {
        exec.status = Some(OpStatus::Succeeded);
        exec.end = last.end;
    }
    if exec.start.is_none() {
        exec.start = exec.invocations.first().and_then(|i| i.start);
    }
}
