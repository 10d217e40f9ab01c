//! Acting on a live execution: answer a pending callback
//! (SendDurableExecutionCallbackSuccess / Failure / Heartbeat) or stop the
//! execution (StopDurableExecution). A callback's result is JSON text,
//! checked to be JSON before anything is sent.

use super::client::Service;
use super::error::LiveError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::ErrorObject;

/// How to answer a callback.
#[derive(Debug, Clone, PartialEq)]
pub enum CallbackAnswer {
    /// The callback's result, as JSON text.
    Succeed(String),
    Fail {
        error_type: Option<String>,
        message: String,
    },
    Heartbeat,
}

impl CallbackAnswer {
    /// A success answer whose text must be one JSON value.
    pub fn succeed(json: &str) -> Result<CallbackAnswer, String> {
        serde_json::from_str::<serde_json::Value>(json)
            .map_err(|e| format!("the result must be JSON: {e} (a string is written with its quotes: '\"approved\"')"))?;
        Ok(CallbackAnswer::Succeed(json.to_string()))
    }

    fn op(&self) -> &'static str {
        match self {
            CallbackAnswer::Succeed(_) => "SendDurableExecutionCallbackSuccess",
            CallbackAnswer::Fail { .. } => "SendDurableExecutionCallbackFailure",
            CallbackAnswer::Heartbeat => "SendDurableExecutionCallbackHeartbeat",
        }
    }
}

impl Service {
    /// Send `answer` for the callback `callback_id`; `what` names it in errors
    /// (the operation and execution it belongs to).
    pub fn answer_callback(
        &self,
        callback_id: &str,
        what: &str,
        answer: &CallbackAnswer,
    ) -> Result<(), LiveError> {
        let call = self.call(answer.op(), what);
        let c = &self.client;
        match answer {
            CallbackAnswer::Succeed(json) => self
                .block(
                    c.send_durable_execution_callback_success()
                        .callback_id(callback_id)
                        .result(Blob::new(json.as_bytes()))
                        .send(),
                )
                .map(|_| ())
                .map_err(|e| call.error(e)),
            CallbackAnswer::Fail {
                error_type,
                message,
            } => self
                .block(
                    c.send_durable_execution_callback_failure()
                        .callback_id(callback_id)
                        .error(
                            ErrorObject::builder()
                                .set_error_type(error_type.clone())
                                .error_message(message)
                                .build(),
                        )
                        .send(),
                )
                .map(|_| ())
                .map_err(|e| call.error(e)),
            CallbackAnswer::Heartbeat => self
                .block(
                    c.send_durable_execution_callback_heartbeat()
                        .callback_id(callback_id)
                        .send(),
                )
                .map(|_| ())
                .map_err(|e| call.error(e)),
        }
    }

    /// Stop a running execution, with the error it ends with (if any).
    pub fn stop(
        &self,
        arn: &str,
        error: Option<(Option<String>, String)>,
    ) -> Result<(), LiveError> {
        let call = self.call("StopDurableExecution", arn);
        let mut req = self
            .client
            .stop_durable_execution()
            .durable_execution_arn(arn);
        if let Some((error_type, message)) = error {
            req = req.error(
                ErrorObject::builder()
                    .set_error_type(error_type)
                    .error_message(message)
                    .build(),
            );
        }
        self.block(req.send())
            .map(|_| ())
            .map_err(|e| call.error(e))
    }
}

/// The callback operation of `exec` that `sel` names (its operation name,
/// operation id or callback id) and that still waits for an answer.
pub fn pending_callback<'e>(
    exec: &'e crate::model::Execution,
    sel: &str,
) -> Result<&'e crate::model::Operation, String> {
    use crate::model::OpType;
    let callbacks: Vec<&crate::model::Operation> = exec
        .operations
        .iter()
        .filter(|o| o.op_type == OpType::Callback)
        .collect();
    // A wait-for-callback is a context holding the callback (and the
    // submitter step): its name names the callback too.
    let contexts: Vec<&str> = exec
        .operations
        .iter()
        .filter(|o| o.op_type == OpType::Context && o.name.as_deref() == Some(sel))
        .map(|o| o.id.as_str())
        .collect();
    let matching: Vec<&crate::model::Operation> = callbacks
        .iter()
        .copied()
        .filter(|o| {
            o.name.as_deref() == Some(sel)
                || o.id == sel
                || o.callback_id.as_deref() == Some(sel)
                || o.parent_id
                    .as_deref()
                    .is_some_and(|p| contexts.contains(&p))
        })
        .collect();
    let names = || {
        callbacks
            .iter()
            .map(|o| {
                format!(
                    "'{}' ({})",
                    o.name.as_deref().unwrap_or(&o.id),
                    o.status.as_str()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let open: Vec<&crate::model::Operation> = matching
        .iter()
        .copied()
        .filter(|o| !o.status.is_terminal())
        .collect();
    match (matching.as_slice(), open.as_slice()) {
        ([], _) if callbacks.is_empty() => Err(format!(
            "no callback '{sel}': the execution has no callbacks"
        )),
        ([], _) => Err(format!("no callback '{sel}'; its callbacks: {}", names())),
        (_, [one]) => match one.callback_id {
            Some(_) => Ok(one),
            None => Err(format!(
                "callback '{sel}' has no callback id in the history"
            )),
        },
        ([done, ..], []) => Err(format!(
            "callback '{sel}' is already {}: nothing waits for an answer",
            done.status.as_str()
        )),
        (_, many) => Err(format!(
            "'{sel}' names {} open callbacks; give the operation id or callback id: {}",
            many.len(),
            many.iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
