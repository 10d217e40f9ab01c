//! The JS testing tool writes a run as two files: the operations (a bare
//! array) and the invocation list (`[{startTimestamp, endTimestamp,
//! requestId}]`). The list alone is not a history, but next to its
//! operations file (`X.operations.json` + `X.invocations.json`) it gives the
//! invocation windows, and each operation's timestamps place it in one.

use super::raw::RawTs;
use super::store::window_of;
use crate::model::{Execution, Invocation, OpStatus, OpType};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJsInvocation {
    start_timestamp: Option<RawTs>,
    end_timestamp: Option<RawTs>,
    request_id: Option<String>,
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
pub(crate) fn attach_invocations(path: &Path, exec: &mut Execution, warnings: &mut Vec<String>) {
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
            warnings.push(format!(
                "{}: not used as the invocation list: {e}",
                sib.display()
            ));
            return;
        }
    };
    exec.invocations = list
        .into_iter()
        .map(|i| Invocation {
            start: i.start_timestamp.map(|t| t.0),
            end: i.end_timestamp.map(|t| t.0),
            request_id: i.request_id,
            error: None,
            inferred: false,
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
    }
}
