//! Turn what the local service saw into a `History` (`Format::Rerun`), the
//! way a loader builds one from a file: operations in checkpoint order with
//! their attempts and the invocation that started and finished each, so the
//! replay analysis, the diff and the UI read a re-run like any recording.

use super::invoker::{InvocationRecord, RunOutcome};
use super::state::{ExecState, LoggedUpdate};
use super::wire::{error_info, WireOp};
use crate::model::{
    Attempt, Execution, Format, History, Invocation, OpStatus, OpType, Operation, Payload, Sdk, Ts,
};
use std::collections::HashSet;

pub struct HistoryParts<'a> {
    pub source: String,
    pub state: &'a ExecState,
    pub invocations: &'a [InvocationRecord],
    pub outcome: Option<&'a RunOutcome>,
    pub function_name: Option<String>,
    pub warnings: Vec<String>,
}

/// One operation as a history shows it: the service's view of it plus what
/// its checkpoints tell (attempts, the invocations that started and
/// finished it, a wait's length). `log` holds this operation's accepted
/// updates in order. The session reports live operations with this too, so
/// what the live view shows is what the saved re-run holds.
pub fn operation(w: &WireOp, exec_id: &str, log: &[&LoggedUpdate]) -> Option<Operation> {
    let mut op = w.to_model(Some(exec_id))?;
    op.started_in = log.first().map(|l| l.invocation);
    if op.status.is_terminal() {
        op.finished_in = log
            .iter()
            .rev()
            .find(|l| matches!(l.update.action.as_str(), "SUCCEED" | "FAIL" | "CANCEL"))
            .map(|l| l.invocation);
    }
    op.wait_seconds = log
        .iter()
        .find_map(|l| l.update.wait_options.as_ref()?.get("WaitSeconds")?.as_f64());
    if op.op_type == OpType::Step {
        op.attempts = attempts(log, op.next_attempt_at);
    }
    Some(op)
}

/// A step's attempts, one per START (or per first update of an attempt the
/// SDK did not start explicitly).
fn attempts(log: &[&LoggedUpdate], next_attempt_at: Option<Ts>) -> Vec<Attempt> {
    let mut attempts: Vec<Attempt> = Vec::new();
    for l in log {
        let u = &l.update;
        let new_attempt = |n: usize| Attempt {
            number: n as u32 + 1,
            start: Some(l.at),
            end: None,
            status: OpStatus::Started,
            error: None,
            next_attempt_at: None,
            invocation: Some(l.invocation),
        };
        match u.action.as_str() {
            "START" => attempts.push(new_attempt(attempts.len())),
            action => {
                if attempts.last().is_none_or(|a| a.end.is_some()) {
                    attempts.push(new_attempt(attempts.len()));
                }
                if let Some(a) = attempts.last_mut() {
                    a.end = Some(l.at);
                    a.error = u.error.as_ref().map(error_info);
                    a.status = match action {
                        "SUCCEED" => OpStatus::Succeeded,
                        _ => OpStatus::Failed,
                    };
                    if action == "RETRY" {
                        // Each retry's own backoff (as the service scheduled
                        // it from this update); the step's current value
                        // only tells the last one.
                        let delay = u
                            .step_options
                            .as_ref()
                            .and_then(|o| o.get("NextAttemptDelaySeconds"))
                            .and_then(serde_json::Value::as_f64);
                        a.next_attempt_at = match delay {
                            Some(d) => Some(Ts(l.at.0.saturating_add((d * 1e6) as i64))),
                            None => next_attempt_at,
                        };
                    }
                }
            }
        }
    }
    attempts
}

/// The operations of `st` (those named in `only`, or all), in
/// first-checkpoint order, built with `operation`. With `only`, the work is
/// that of the operations named (the service calls this per checkpoint).
pub fn operations(st: &ExecState, only: Option<&HashSet<&str>>) -> Vec<Operation> {
    let build = |w: &WireOp| operation(w, &st.exec_op.id, &st.log_of(&w.id));
    match only {
        None => st.operations().iter().filter_map(build).collect(),
        Some(ids) => {
            let mut at: Vec<usize> = ids.iter().filter_map(|id| st.position(id)).collect();
            at.sort_unstable();
            at.iter()
                .filter_map(|&i| build(&st.operations()[i]))
                .collect()
        }
    }
}

pub fn build(parts: HistoryParts<'_>) -> History {
    let st = parts.state;
    let exec_id = st.exec_op.id.clone();
    let operations = operations(st, None);
    let invocations = parts
        .invocations
        .iter()
        .map(|r| Invocation {
            start: Some(r.start),
            end: Some(r.end),
            request_id: Some(r.request_id.clone()),
            error: r.error(),
            inferred: false,
            ..Default::default()
        })
        .collect();
    let exec_wire = st.exec_op.to_model(None);
    let mut execution = Execution {
        arn: Some(st.arn.clone()),
        execution_op_id: Some(exec_id),
        name: st.exec_op.name.clone(),
        function_name: parts.function_name,
        status: parts.outcome.map(|o| o.status),
        start: exec_wire.as_ref().and_then(|o| o.start),
        end: parts.invocations.last().map(|r| r.end),
        input: st
            .exec_op
            .execution_details
            .as_ref()
            .and_then(|d| d.get("InputPayload"))
            .and_then(|v| v.as_str())
            .map(Payload::new),
        result: parts
            .outcome
            .and_then(|o| o.result.clone())
            .map(Payload::new),
        error: parts.outcome.and_then(|o| o.error.clone()),
        operations,
        invocations,
        sdk: Sdk::Unknown,
    };
    // The loaders' rule, so a re-run and its recording name the same SDK.
    execution.sdk = Sdk::guess(&execution);
    History {
        source: parts.source,
        origin: None,
        format: Format::Rerun,
        executions: vec![execution],
        warnings: parts.warnings.into_iter().map(Into::into).collect(),
    }
}
