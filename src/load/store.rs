//! One execution of the Python testing store (a `<arn>.json` file of the
//! filesystem store, or the `data` column of the SQLite store). The
//! `Operations` give each operation's final state; the checkpoint stream
//! (`Updates` + `UpdateTimestamps`) and the invocation windows
//! (`InvocationCompletions`) tell in which invocation each operation started
//! and finished, and rebuild every attempt of a retried step.

use super::error::LoadError;
use super::operations;
use super::raw::{ts, RawError, RawTs};
use super::top::TopObject;
use crate::model::{Execution, Invocation, OpStatus, OpType, Payload, Ts, Warning};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawStartInput {
    pub function_name: Option<String>,
    pub execution_name: Option<String>,
    pub input: Option<String>,
}

/// One checkpoint update, as the handler sent it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawUpdate {
    pub id: Option<String>,
    pub action: Option<String>,
    pub error: Option<RawError>,
    pub step_options: Option<RawStepOptions>,
    pub wait_options: Option<RawWaitOptions>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawStepOptions {
    pub next_attempt_delay_seconds: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawWaitOptions {
    pub wait_seconds: Option<f64>,
}

/// One invocation window `{StartTimestamp, EndTimestamp, RequestId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawWindow {
    pub start_timestamp: Option<RawTs>,
    pub end_timestamp: Option<RawTs>,
    pub request_id: Option<String>,
}

/// Build the execution of one store document.
pub(crate) fn build(
    file: &str,
    t: TopObject,
    warnings: &mut Vec<Warning>,
) -> Result<Execution, LoadError> {
    let mut exec = operations::build(file, "/Operations", t.operations.unwrap_or_default())?;
    if let Some(arn) = t.arn {
        exec.arn = Some(arn);
    }
    if let Some(si) = t.start_input {
        exec.function_name = si.function_name;
        if si.execution_name.is_some() {
            exec.name = si.execution_name;
        }
        if exec.input.is_none() {
            exec.input = si.input.map(Payload::new);
        }
    }
    if let Some(cs) = t.close_status.as_deref().and_then(OpStatus::parse) {
        exec.status = cs.is_terminal().then_some(cs);
    }
    if let Some(Value::Object(r)) = t.result {
        if let Some(Value::String(s)) = r.get("Result") {
            exec.result = Some(Payload::new(s.clone()));
        }
        if let Some(e @ Value::Object(_)) = r.get("Error") {
            exec.error = Some(super::error_info(e));
        }
    }
    exec.invocations = t
        .invocation_completions
        .unwrap_or_default()
        .into_iter()
        .map(|w| Invocation {
            start: ts(w.start_timestamp),
            end: ts(w.end_timestamp),
            request_id: w.request_id,
            error: None,
            inferred: false,
            ..Default::default()
        })
        .collect();
    let updates = t.updates.unwrap_or_default();
    let stamps: Vec<Ts> = t
        .update_timestamps
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.0)
        .collect();
    if !updates.is_empty() {
        if stamps.len() != updates.len() {
            warnings.push(format!(
                "{} checkpoint updates but {} UpdateTimestamps: invocations of the unmatched updates are unknown",
                updates.len(),
                stamps.len()
            ).into());
        }
        apply_updates(&mut exec, updates, &stamps, warnings);
    }
    Ok(exec)
}

/// Index of the invocation window holding `t`: the last one that started at
/// or before it (windows are in time order).
pub(crate) fn window_of(invocations: &[Invocation], t: Ts) -> Option<usize> {
    if invocations.is_empty() {
        return None;
    }
    let n = invocations.partition_point(|w| w.start.is_none_or(|s| s <= t));
    Some(n.saturating_sub(1))
}

fn apply_updates(
    exec: &mut Execution,
    updates: Vec<RawUpdate>,
    stamps: &[Ts],
    warnings: &mut Vec<Warning>,
) {
    let index: HashMap<String, usize> = exec
        .operations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.clone(), i))
        .collect();
    // Attempts are rebuilt from the stream, which has all of them.
    let mut rebuilt = vec![false; exec.operations.len()];
    let mut unknown = 0usize;
    for (k, u) in updates.into_iter().enumerate() {
        let at = stamps.get(k).copied();
        let inv = at.and_then(|t| window_of(&exec.invocations, t));
        let Some(&i) = u.id.as_deref().and_then(|id| index.get(id)) else {
            // The EXECUTION operation's own updates, or a stream entry whose
            // operation is not in the final state.
            if u.id.as_deref() != exec.execution_op_id.as_deref() {
                unknown += 1;
            }
            continue;
        };
        let op = &mut exec.operations[i];
        if op.op_type == OpType::Step && !rebuilt[i] {
            op.attempts.clear();
            rebuilt[i] = true;
        }
        let error = u
            .error
            .filter(|e| !e.is_empty())
            .map(|e| e.into_info(false));
        match u.action.as_deref().unwrap_or("") {
            "START" => {
                if op.started_in.is_none() {
                    op.started_in = inv;
                }
                if let Some(w) = u.wait_options.and_then(|w| w.wait_seconds) {
                    op.wait_seconds = Some(w);
                }
                if op.op_type == OpType::Step {
                    op.start_attempt(at, inv);
                }
            }
            action @ ("SUCCEED" | "FAIL" | "CANCEL") => {
                op.finished_in = inv;
                let status = match action {
                    "SUCCEED" => OpStatus::Succeeded,
                    "FAIL" => OpStatus::Failed,
                    _ => OpStatus::Cancelled,
                };
                if let Some(a) = op.attempts.last_mut() {
                    a.status = status;
                    a.end = at;
                    a.error = error;
                }
            }
            "RETRY" => {
                let delay = u.step_options.and_then(|s| s.next_attempt_delay_seconds);
                if let Some(a) = op.attempts.last_mut() {
                    // A RETRY with no error is a wait-for-condition poll
                    // that asked for another: the attempt succeeded (the
                    // history of the same run says StepSucceeded).
                    a.status = if error.is_some() {
                        OpStatus::Failed
                    } else {
                        OpStatus::Succeeded
                    };
                    a.end = at;
                    a.error = error;
                    a.next_attempt_at = delay
                        .zip(at)
                        .map(|(d, t)| Ts(t.0.saturating_add((d * 1e6) as i64)));
                }
            }
            _ => {}
        }
    }
    if unknown > 0 {
        warnings.push(
            format!(
            "{unknown} checkpoint update(s) name operations that are not in Operations; ignored"
        )
            .into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(start: i64, end: i64) -> Invocation {
        Invocation {
            start: Some(Ts(start)),
            end: Some(Ts(end)),
            request_id: None,
            error: None,
            inferred: false,
            ..Default::default()
        }
    }

    #[test]
    fn updates_fall_in_the_window_that_started_last() {
        let w = [inv(10, 20), inv(30, 40)];
        assert_eq!(window_of(&w, Ts(15)), Some(0));
        assert_eq!(window_of(&w, Ts(30)), Some(1));
        assert_eq!(window_of(&w, Ts(99)), Some(1));
        // Before the first window (clock skew): the first invocation.
        assert_eq!(window_of(&w, Ts(5)), Some(0));
        assert_eq!(window_of(&[], Ts(5)), None);
    }
}
