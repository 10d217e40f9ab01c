//! Handlers written with the official SDKs, recorded with the SDKs' own
//! local test runners, re-run against their recordings: the same code shows
//! no divergence, the same invocations and switch points; changed code stops
//! at the right place with the plain message and the SDK's own error text.

#[path = "handlers/support.rs"]
mod support;

use durable_lens::model::{Execution, OpStatus, OpType};
use durable_lens::replay::analyze;
use durable_lens::rerun::{HandlerCommand, Report, Role, SessionConfig, SessionEvent, StartPoint};
use std::time::Duration;

const INPUT: &str = r#"{"orderId":"123"}"#;

fn rerun(recorded: &Execution, handler: HandlerCommand, start: StartPoint) -> Report {
    rerun_with_events(recorded, handler, start).0
}

fn rerun_with_events(
    recorded: &Execution,
    handler: HandlerCommand,
    start: StartPoint,
) -> (Report, Vec<SessionEvent>) {
    let mut config = SessionConfig::new(recorded.clone(), handler);
    config.start = start;
    config.timeout = Duration::from_secs(60);
    support::rerun_collecting(config)
}

/// Root-context switch position of each invocation, per the replay analysis.
fn root_switches(exec: &Execution) -> Vec<Option<u32>> {
    analyze(exec)
        .invocations
        .iter()
        .map(|i| i.root_switch().map(|s| s.position))
        .collect()
}

fn js(variant: &str) -> HandlerCommand {
    support::node_handler("order-flow.mjs", &[("VARIANT", variant)])
}

fn py(variant: &str) -> HandlerCommand {
    support::python_handler("order_flow:handler", &[("VARIANT", variant)])
}

fn assert_clean(recorded: &Execution, report: &Report) {
    assert_eq!(report.error, None);
    assert_eq!(report.divergence, None);
    let outcome = report.outcome.as_ref().expect("an outcome");
    assert_eq!(outcome.status, OpStatus::Succeeded);
    let rerun = &report.history.executions[0];
    assert_eq!(
        rerun.invocations.len(),
        recorded.invocations.len(),
        "same number of invocations"
    );
    assert_eq!(
        root_switches(rerun),
        root_switches(recorded),
        "same switch positions"
    );
    let names = |e: &Execution| {
        e.operations
            .iter()
            .map(|o| (o.name.clone(), o.op_type))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(rerun), names(recorded));
}

#[test]
fn js_same_code_fresh_rerun_matches_its_recording() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", INPUT);
    assert_eq!(recorded.invocations.len(), 2);
    let report = rerun(&recorded, js("base"), StartPoint::Fresh);
    assert_clean(&recorded, &report);
    assert_eq!(
        report
            .switches
            .iter()
            .filter(|(_, p)| p.len() == 1)
            .map(|(i, p)| (*i, p[0]))
            .collect::<Vec<_>>(),
        [(0, 1), (1, 4)]
    );
}

#[test]
fn js_rerun_from_the_second_invocation_replays_then_executes() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", INPUT);
    let report = rerun(&recorded, js("base"), StartPoint::FromInvocation(1));
    assert_eq!(report.divergence, None, "{report:?}");
    assert_eq!(report.invocations.len(), 1);
    assert_eq!(
        report.switches.first().map(|(i, p)| (*i, p.clone())),
        Some((0, vec![4]))
    );
}

/// The SDK detected the divergence during replay: the divergence is placed
/// and worded, carries the SDK's text, and the live view got a row for the
/// operation the handler produced there (`found`), before the divergence.
fn assert_sdk_divergence(
    run: &(Report, Vec<SessionEvent>),
    place: &[u32],
    message: &str,
    sdk_text: &str,
    found: (OpType, Option<&str>),
) {
    let (report, events) = run;
    let row = events.iter().position(|e| {
        matches!(e, SessionEvent::OperationSeen { place: p, op, role, comparison, .. }
            if p == place
                && *role == Role::Replayed
                && comparison.is_divergence()
                && op.op_type == found.0
                && op.name.as_deref() == found.1
                && op.status == OpStatus::Failed
                && op.error.as_ref().and_then(|e| e.message.as_deref()).is_some_and(|m| m.contains(sdk_text)))
    });
    let stop = events
        .iter()
        .position(|e| matches!(e, SessionEvent::Divergence { .. }));
    assert!(
        row.is_some() && row < stop,
        "no row for {found:?} at {place:?} before the divergence: {events:#?}"
    );
    let d = report
        .divergence
        .as_ref()
        .unwrap_or_else(|| panic!("expected a divergence: {report:?}"));
    assert_eq!(d.place, place);
    assert_eq!(d.message, message);
    let sdk = d.sdk_error.as_deref().unwrap_or_default();
    assert!(
        sdk.contains(sdk_text),
        "SDK text {sdk:?} lacks {sdk_text:?}"
    );
}

#[test]
fn js_changed_code_stops_where_the_sdk_detects_it() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", INPUT);
    let from1 = StartPoint::FromInvocation(1);
    assert_sdk_divergence(
        &rerun_with_events(&recorded, js("renamed"), from1),
        &[2],
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'charge-card' of type STEP",
        "Non-deterministic execution detected: Operation name mismatch for step \"2\"",
        (OpType::Step, Some("charge-card")),
    );
    assert_sdk_divergence(
        &rerun_with_events(&recorded, js("step-to-wait"), from1),
        &[2],
        // The JS SDK names only the type the code asked for ("Expected type
        // \"STEP\", but got \"WAIT\""), so the name is not claimed.
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found an operation of type WAIT",
        "Operation type mismatch",
        (OpType::Wait, None),
    );
    assert_sdk_divergence(
        &rerun_with_events(&recorded, js("inserted"), from1),
        &[2],
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'check-fraud' of type STEP",
        "Non-deterministic execution detected",
        (OpType::Step, Some("check-fraud")),
    );
}

#[test]
fn js_changed_code_in_a_fresh_run_stops_at_the_first_differing_operation() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", INPUT);
    let report = rerun(&recorded, js("renamed"), StartPoint::Fresh);
    let d = report.divergence.expect("divergence");
    assert_eq!(d.place, [2]);
    assert_eq!(
        d.sdk_error, None,
        "executed, not replayed: the SDK cannot know"
    );
    assert_eq!(d.message, "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'charge-card' of type STEP");
    // Reordered parallel branches: the first branch context differs.
    let report = rerun(&recorded, js("reordered"), StartPoint::Fresh);
    let d = report.divergence.expect("divergence");
    assert_eq!(d.place, [4, 1], "{}", d.message);
    assert!(
        d.message.contains("Expected operation 'email'")
            && d.message.contains("found operation 'sms'"),
        "{}",
        d.message
    );
}

#[test]
fn python_same_code_reruns_clean_fresh_and_from_the_second_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_py(dir.path(), "order_flow:handler", INPUT);
    assert_eq!(recorded.invocations.len(), 2);
    let report = rerun(&recorded, py("base"), StartPoint::Fresh);
    assert_clean(&recorded, &report);
    let report = rerun(&recorded, py("base"), StartPoint::FromInvocation(1));
    assert_eq!(report.divergence, None, "{report:?}");
    assert_eq!(report.invocations.len(), 1);
    assert_eq!(report.outcome.map(|o| o.status), Some(OpStatus::Succeeded));
}

#[test]
fn python_changed_code_stops_where_the_sdk_detects_it() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_py(dir.path(), "order_flow:handler", INPUT);
    let from1 = StartPoint::FromInvocation(1);
    assert_sdk_divergence(
        &rerun_with_events(&recorded, py("renamed"), from1),
        &[2],
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'charge-card' of type STEP",
        "name checkpoint='process-payment' current='charge-card'",
        (OpType::Step, Some("charge-card")),
    );
    assert_sdk_divergence(
        &rerun_with_events(&recorded, py("step-to-wait"), from1),
        &[2],
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'process-payment' of type WAIT",
        "type checkpoint='STEP' current='WAIT'",
        (OpType::Wait, Some("process-payment")),
    );
    assert_sdk_divergence(
        &rerun_with_events(&recorded, py("inserted"), from1),
        &[2],
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'check-fraud' of type STEP",
        "name checkpoint='process-payment' current='check-fraud'",
        (OpType::Step, Some("check-fraud")),
    );
}
