//! Chained invokes driven through the engine: handlers that call
//! `context.invoke` of another function, recorded with the SDKs' own local
//! test runners (the invoked function registered with the runner), re-run
//! with durable-lens answering the invoke: with the recorded result (the
//! same final result, no divergence) or with a typed answer (a different one).

#[path = "handlers/support.rs"]
mod support;

use durable_lens::model::{ErrorInfo, Execution, OpStatus, OpType};
use durable_lens::rerun::{
    Answer, HandlerCommand, Report, Role, SessionConfig, SessionEvent, StartPoint,
};
use serde_json::{json, Value};
use std::collections::HashMap;

const INPUT: &str = r#"{"orderId":"9"}"#;

fn js() -> HandlerCommand {
    support::node_handler("invoke-flow.mjs", &[])
}

fn py() -> HandlerCommand {
    support::python_handler("invoke_flow:handler", &[])
}

fn rerun(
    recorded: &Execution,
    handler: HandlerCommand,
    start: StartPoint,
    answers: &[(&str, Answer)],
) -> (Report, Vec<SessionEvent>) {
    let mut config = SessionConfig::new(recorded.clone(), handler);
    config.start = start;
    config.answers = answers
        .iter()
        .map(|(k, a)| (k.to_string(), a.clone()))
        .collect::<HashMap<_, _>>();
    support::rerun_collecting(config)
}

/// A payload as plain JSON (the Python SDK's envelope decoded).
fn json_of(p: Option<&durable_lens::model::Payload>) -> Value {
    let p = p.expect("a payload");
    p.value().cloned().unwrap_or(Value::Null)
}

fn final_result(report: &Report) -> Value {
    let raw = report
        .outcome
        .as_ref()
        .and_then(|o| o.result.clone())
        .expect("a result");
    durable_lens::model::Payload::new(raw).decoded()
}

fn chained_invoke(e: &Execution) -> &durable_lens::model::Operation {
    e.operations
        .iter()
        .find(|o| o.op_type == OpType::ChainedInvoke)
        .expect("a chained invoke")
}

/// Same code, recorded answer: no divergence, the invoke carries the
/// recorded result, and the handler ends with the recorded final result.
fn assert_answered_as_recorded(recorded: &Execution, report: &Report) {
    assert_eq!(report.error, None);
    assert_eq!(report.divergence, None);
    let outcome = report.outcome.as_ref().expect("an outcome");
    assert_eq!(outcome.status, OpStatus::Succeeded);
    assert_eq!(
        final_result(report),
        json_of(recorded.result.as_ref()),
        "final result as recorded"
    );
    let live = chained_invoke(&report.history.executions[0]);
    let rec = chained_invoke(recorded);
    assert_eq!(live.name.as_deref(), Some("get-quote"));
    assert_eq!(live.status, OpStatus::Succeeded);
    assert_eq!(json_of(live.result.as_ref()), json_of(rec.result.as_ref()));
}

fn seen_roles(events: &[SessionEvent], name: &str) -> Vec<Role> {
    events
        .iter()
        .filter_map(|e| match e {
            SessionEvent::OperationSeen { op, role, .. } if op.name.as_deref() == Some(name) => {
                Some(*role)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn js_chained_invoke_is_answered_with_the_recorded_result() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "invoke-flow.mjs", INPUT);
    assert_eq!(recorded.invocations.len(), 2, "suspended at the invoke");
    assert_eq!(
        json_of(recorded.result.as_ref()),
        json!({"orderId": "9", "price": 57, "currency": "EUR"})
    );
    let (report, events) = rerun(&recorded, js(), StartPoint::Fresh, &[]);
    assert_answered_as_recorded(&recorded, &report);
    assert_eq!(report.invocations.len(), 2);
    // Started in the first invocation, answered between the two, replayed
    // in the second; the live view learns the answer as an update.
    assert_eq!(
        seen_roles(&events, "get-quote"),
        [Role::Executed, Role::Replayed]
    );
    assert!(events.iter().any(|e| matches!(e,
        SessionEvent::OperationUpdated { op, .. }
            if op.name.as_deref() == Some("get-quote") && op.status == OpStatus::Succeeded)));
    // From the second invocation the recorded answer is in the state: replayed.
    let (report, events) = rerun(&recorded, js(), StartPoint::FromInvocation(1), &[]);
    assert_answered_as_recorded(&recorded, &report);
    assert_eq!(report.invocations.len(), 1);
    assert_eq!(seen_roles(&events, "get-quote"), [Role::Replayed]);
}

#[test]
fn js_chained_invoke_takes_a_typed_answer_instead() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "invoke-flow.mjs", INPUT);
    let typed = Answer::Succeed(r#"{"price":99,"currency":"USD"}"#.into());
    let (report, _) = rerun(&recorded, js(), StartPoint::Fresh, &[("get-quote", typed)]);
    assert_eq!(report.error, None);
    assert_eq!(
        report.divergence, None,
        "a different result is no divergence"
    );
    assert_eq!(
        final_result(&report),
        json!({"orderId": "9", "price": 99, "currency": "USD"})
    );
    // A failed answer fails the handler's invoke, and with it the execution.
    let failed = Answer::Fail(ErrorInfo {
        error_type: Some("PricingError".into()),
        message: Some("no price for order 9".into()),
        ..ErrorInfo::default()
    });
    let (report, _) = rerun(&recorded, js(), StartPoint::Fresh, &[("get-quote", failed)]);
    assert_eq!(report.error, None);
    let outcome = report.outcome.expect("an outcome");
    assert_eq!(outcome.status, OpStatus::Failed);
    let invoke = chained_invoke(&report.history.executions[0]);
    assert_eq!(invoke.status, OpStatus::Failed);
    assert_eq!(
        invoke.error.as_ref().and_then(|e| e.message.as_deref()),
        Some("no price for order 9")
    );
}

#[test]
fn python_chained_invoke_is_answered_with_the_recorded_result_or_a_typed_one() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_py(dir.path(), "invoke_flow:handler", INPUT);
    assert_eq!(
        json_of(recorded.result.as_ref()),
        json!({"orderId": "9", "price": 57, "currency": "EUR"})
    );
    let (report, events) = rerun(&recorded, py(), StartPoint::Fresh, &[]);
    assert_answered_as_recorded(&recorded, &report);
    assert_eq!(report.invocations.len(), recorded.invocations.len());
    assert_eq!(seen_roles(&events, "get-quote")[0], Role::Executed);
    let typed = Answer::Succeed(r#"{"price": 99, "currency": "USD"}"#.into());
    let (report, _) = rerun(&recorded, py(), StartPoint::Fresh, &[("get-quote", typed)]);
    assert_eq!(report.error, None);
    assert_eq!(report.divergence, None);
    assert_eq!(
        final_result(&report),
        json!({"orderId": "9", "price": 99, "currency": "USD"})
    );
}
