//! The JSON shapes the official SDKs exchange with the durable execution
//! service and with Lambda (formats.md §1 and §3), PascalCase as on the wire,
//! plus the conversions between them and the history model.
//!
//! Timestamps: the service answers with epoch seconds (the REST-JSON default
//! that both AWS SDKs parse), while invocation events carry epoch milliseconds
//! as the official local emulator writes them; both come back here as `Ts`.

use crate::model::{ErrorInfo, OpStatus, OpType, Operation, Payload, Ts};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One operation as GetDurableExecutionState returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct WireOp {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub op_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timestamp: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_details: Option<Value>,
}

/// One entry of CheckpointDurableExecution's `Updates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct OperationUpdate {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub op_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_options: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_options: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_options: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_options: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_options: Option<Value>,
}

impl OperationUpdate {
    pub fn op_type(&self) -> Option<OpType> {
        OpType::parse(&self.op_type)
    }
}

/// What a handler prints on stdout at the end of an invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationOutput {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// Timestamp as the service answers (epoch seconds, float).
pub fn ts_secs(ts: Ts) -> Value {
    serde_json::Number::from_f64(ts.as_secs_f64())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Timestamp as invocation events carry it (epoch milliseconds, integer).
pub fn ts_millis(ts: Ts) -> Value {
    Value::from(ts.micros() / 1000)
}

/// Read any of the timestamp forms real files use.
pub fn parse_ts(v: &Value) -> Option<Ts> {
    match v {
        Value::Number(n) => Ts::from_number(n.as_f64()?, n.is_i64() || n.is_u64()),
        Value::String(s) => Ts::parse_iso(s),
        _ => None,
    }
}

pub use crate::load::error_info;

/// The model's error back to an `ErrorObject`.
pub fn error_object(e: &ErrorInfo) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(t) = &e.error_type {
        m.insert("ErrorType".into(), Value::from(t.clone()));
    }
    if let Some(msg) = &e.message {
        m.insert("ErrorMessage".into(), Value::from(msg.clone()));
    }
    if let Some(d) = &e.data {
        m.insert("ErrorData".into(), Value::from(d.clone()));
    }
    if !e.stack_trace.is_empty() {
        m.insert("StackTrace".into(), Value::from(e.stack_trace.clone()));
    }
    Value::Object(m)
}

fn detail_str(details: &Option<Value>, key: &str) -> Option<String> {
    details.as_ref()?.get(key)?.as_str().map(str::to_string)
}

fn detail_err(details: &Option<Value>) -> Option<ErrorInfo> {
    details
        .as_ref()?
        .get("Error")
        .filter(|e| !e.is_null())
        .map(error_info)
}

impl WireOp {
    pub fn status(&self) -> Option<OpStatus> {
        OpStatus::parse(&self.status)
    }

    pub fn op_type(&self) -> Option<OpType> {
        OpType::parse(&self.op_type)
    }

    /// The details object of this operation's type.
    pub fn details(&self) -> &Option<Value> {
        match self.op_type() {
            Some(OpType::Step) => &self.step_details,
            Some(OpType::Wait) => &self.wait_details,
            Some(OpType::Callback) => &self.callback_details,
            Some(OpType::ChainedInvoke) => &self.chained_invoke_details,
            Some(OpType::Context) => &self.context_details,
            Some(OpType::Execution) | None => &self.execution_details,
        }
    }

    /// The model's view of this operation (attempts and invocation indices are
    /// filled by the caller, which knows the checkpoint stream).
    pub fn to_model(&self, execution_op_id: Option<&str>) -> Option<Operation> {
        let op_type = self.op_type()?;
        let status = self.status()?;
        let details = self.details();
        let result = detail_str(details, "Result").map(Payload::new);
        Some(Operation {
            id: self.id.clone(),
            parent_id: self
                .parent_id
                .clone()
                .filter(|p| Some(p.as_str()) != execution_op_id),
            name: self.name.clone(),
            op_type,
            sub_type: self.sub_type.clone(),
            status,
            start: self.start_timestamp.as_ref().and_then(parse_ts),
            end: self.end_timestamp.as_ref().and_then(parse_ts),
            result,
            error: detail_err(details),
            attempts: Vec::new(),
            scheduled_end: self
                .wait_details
                .as_ref()
                .and_then(|d| d.get("ScheduledEndTimestamp"))
                .and_then(parse_ts),
            wait_seconds: None,
            callback_id: detail_str(&self.callback_details, "CallbackId"),
            next_attempt_at: self
                .step_details
                .as_ref()
                .and_then(|d| d.get("NextAttemptTimestamp"))
                .and_then(parse_ts),
            started_in: None,
            finished_in: None,
        })
    }

    /// A recorded operation as the service holds it, with `status`
    /// overriding the recorded one (an operation seen mid-flight).
    /// Timestamps in the service's unit, epoch seconds, like every
    /// operation the service itself writes: its answers (checkpoint, state
    /// pages) serialise them as they are, and the invocation event
    /// converts them all to milliseconds in one place (`event_form`).
    pub fn from_model(op: &Operation, status: OpStatus, attempt: u32) -> WireOp {
        let terminal = status.is_terminal();
        let mut details = serde_json::Map::new();
        if terminal {
            if let Some(r) = &op.result {
                details.insert("Result".into(), Value::from(r.raw.clone()));
            }
            if let Some(e) = &op.error {
                details.insert("Error".into(), error_object(e));
            }
        }
        let mut w = WireOp {
            id: op.id.clone(),
            parent_id: op.parent_id.clone(),
            name: op.name.clone(),
            op_type: op.op_type.as_str().to_string(),
            sub_type: op.sub_type.clone(),
            status: status.as_str().to_string(),
            start_timestamp: op.start.map(ts_secs),
            end_timestamp: if terminal { op.end.map(ts_secs) } else { None },
            ..WireOp::default()
        };
        match op.op_type {
            OpType::Step => {
                details.insert("Attempt".into(), Value::from(attempt));
                w.step_details = Some(Value::Object(details));
            }
            OpType::Wait => {
                if let Some(t) = op.scheduled_end {
                    details.insert("ScheduledEndTimestamp".into(), ts_secs(t));
                }
                w.wait_details = Some(Value::Object(details));
            }
            OpType::Callback => {
                if let Some(id) = &op.callback_id {
                    details.insert("CallbackId".into(), Value::from(id.clone()));
                }
                w.callback_details = Some(Value::Object(details));
            }
            OpType::ChainedInvoke => w.chained_invoke_details = Some(Value::Object(details)),
            OpType::Context => w.context_details = Some(Value::Object(details)),
            OpType::Execution => w.execution_details = Some(Value::Object(details)),
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_step_round_trips_through_the_wire_shape() {
        let raw = r#"{"Id":"c4ca4238a0b92382","Name":"create-order","Type":"STEP","SubType":"Step",
            "Status":"SUCCEEDED","StartTimestamp":"2026-11-24T15:34:20.004Z",
            "EndTimestamp":"2026-11-24T15:34:20.005Z",
            "StepDetails":{"Attempt":1,"Result":"{\"orderId\":\"123\"}"}}"#;
        let w: WireOp = serde_json::from_str(raw).unwrap();
        let op = w.to_model(None).unwrap();
        assert_eq!(op.result.as_ref().unwrap().raw, r#"{"orderId":"123"}"#);
        let back = WireOp::from_model(&op, OpStatus::Succeeded, 1);
        assert_eq!(back.step_details.unwrap()["Result"], r#"{"orderId":"123"}"#);
        // Epoch seconds, as the service answers.
        assert_eq!(back.start_timestamp, Some(ts_secs(op.start.unwrap())));
        let secs = back
            .start_timestamp
            .as_ref()
            .and_then(Value::as_f64)
            .unwrap();
        assert!((secs - 1795534460.004).abs() < 1e-3, "{secs}");
    }
}
