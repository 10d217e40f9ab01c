//! The engine without step control: the local service and the invoker drive
//! real handlers written with the official SDKs, and bad handlers fail with
//! clear errors and leave no process behind.

#[path = "handlers/support.rs"]
mod support;

use durable_lens::model::{OpStatus, Ts};
use durable_lens::rerun::service::IDLE_TIMEOUT;
use durable_lens::rerun::wire::WireOp;
use durable_lens::rerun::HandlerCommand;
use durable_lens::rerun::{
    Answer, Answerer, Credentials, ExecState, HoldMeter, Invoker, InvokerConfig, InvokerError,
    Recorded, RunEvent, RunOutcome, Service, Stopper,
};
use std::time::Duration;

struct NoAnswers;
impl Answerer for NoAnswers {
    fn answer(&self, _: &WireOp, _: Option<&WireOp>) -> Option<Answer> {
        None
    }
}

struct Run {
    outcome: Result<RunOutcome, InvokerError>,
    events: Vec<RunEvent>,
    service: Service,
}

fn fresh_run(handler: HandlerCommand, timeout: Duration, page_size: usize) -> Run {
    let rec = Recorded::new(support::input_only(r#"{"orderId":"123"}"#));
    let exec_op = rec.execution_op("inv-test", Ts(0));
    let state = ExecState::new(
        "arn:aws:lambda:us-east-1:000000000000:function:test/durable-execution/t/1".into(),
        exec_op,
        Vec::new(),
    );
    let creds = Credentials::generate().unwrap();
    let service = Service::start(state, &creds).unwrap();
    let mut config = InvokerConfig::new(handler);
    config.timeout = timeout;
    config.page_size = page_size;
    let stopper = Stopper::new();
    let hold = HoldMeter::new();
    let mut events = Vec::new();
    let outcome = Invoker {
        config: &config,
        service: &service,
        credentials: &creds,
        answerer: &NoAnswers,
        stopper: &stopper,
        hold: &hold,
        run_label: "test".into(),
    }
    .run(&mut |e| events.push(e));
    Run {
        outcome,
        events,
        service,
    }
}

fn ended(events: &[RunEvent]) -> Vec<&durable_lens::rerun::InvocationRecord> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::InvocationEnded(r) => Some(&**r),
            _ => None,
        })
        .collect()
}

#[test]
fn js_handler_runs_to_completion_against_the_local_service() {
    let run = fresh_run(
        support::node_handler("order-flow.mjs", &[]),
        Duration::from_secs(60),
        1000,
    );
    let recs = ended(&run.events);
    for r in &recs {
        eprintln!(
            "--- invocation {} stdout:\n{}\nstderr:\n{}",
            r.index, r.stdout, r.stderr
        );
    }
    let outcome = run.outcome.unwrap();
    assert_eq!(outcome.status, OpStatus::Succeeded, "{outcome:?}");
    assert_eq!(recs.len(), 2, "one invocation before the wait, one after");
    let names: Vec<String> = run.service.with_state(|s| {
        s.operations()
            .iter()
            .filter_map(|o| o.name.clone())
            .collect()
    });
    assert_eq!(
        names[..4],
        ["create-order", "process-payment", "cool-off", "notify"]
    );
}

#[test]
fn python_handler_runs_to_completion_and_pages_its_state() {
    // A page size of 2 makes the SDK fetch the rest through GetDurableExecutionState.
    let run = fresh_run(
        support::python_handler("order_flow:handler", &[]),
        Duration::from_secs(60),
        2,
    );
    let recs = ended(&run.events);
    for r in &recs {
        eprintln!(
            "--- invocation {} stdout:\n{}\nstderr:\n{}",
            r.index, r.stdout, r.stderr
        );
    }
    let outcome = run.outcome.unwrap();
    assert_eq!(outcome.status, OpStatus::Succeeded, "{outcome:?}");
    assert_eq!(recs.len(), 2);
    let names: Vec<String> = run.service.with_state(|s| {
        s.operations()
            .iter()
            .filter_map(|o| o.name.clone())
            .collect()
    });
    assert!(
        names.starts_with(&[
            "create-order".into(),
            "process-payment".into(),
            "cool-off".into()
        ]),
        "{names:?}"
    );
}

/// The service once closed its port after IDLE_TIMEOUT with no new
/// connection: the SDK's checkpoint after the pause (on a new connection,
/// the pooled one having been closed as idle) failed with botocore's
/// "Could not connect to the endpoint URL".
#[test]
fn python_handler_pausing_longer_than_the_idle_timeout_completes() {
    let pause = (IDLE_TIMEOUT + IDLE_TIMEOUT / 2).as_secs_f64().to_string();
    let run = fresh_run(
        support::python_handler("pause_flow:handler", &[("PAUSE_SECONDS", &pause)]),
        Duration::from_secs(60),
        1000,
    );
    for r in ended(&run.events) {
        eprintln!("--- invocation {} stderr:\n{}", r.index, r.stderr);
    }
    let outcome = run.outcome.unwrap();
    assert_eq!(outcome.status, OpStatus::Succeeded, "{outcome:?}");
    let names: Vec<String> = run.service.with_state(|s| {
        s.operations()
            .iter()
            .filter_map(|o| o.name.clone())
            .collect()
    });
    assert_eq!(names, ["before-pause", "pause"]);
}

#[test]
fn a_callback_is_answered_with_the_supplied_result_between_invocations() {
    use durable_lens::rerun::{run_headless, SessionConfig};
    let mut config = SessionConfig::new(
        support::input_only(r#"{"orderId":"7"}"#),
        support::node_handler("callback-flow.mjs", &[]),
    );
    config
        .answers
        .insert("approval".into(), Answer::Succeed(r#""approved""#.into()));
    let report = run_headless(config, &mut |_| {}).unwrap();
    for r in &report.invocations {
        eprintln!("--- {}: {}\n{}", r.index, r.stdout, r.stderr);
    }
    assert_eq!(report.error, None);
    let outcome = report.outcome.unwrap();
    assert_eq!(outcome.status, OpStatus::Succeeded);
    assert!(outcome.result.unwrap_or_default().contains("approved"));
    assert_eq!(
        report.invocations.len(),
        2,
        "suspended at the callback, resumed with the answer"
    );
}

/// Run `config` headless and check what a live view would end up showing:
/// the last event for every executed operation carries its terminal status
/// and equals the operation in the saved re-run. Returns, by name, the
/// statuses each executed operation was reported with: first seen, then
/// every update.
fn live_view_ends_as_the_history(
    config: durable_lens::rerun::SessionConfig,
) -> std::collections::HashMap<String, Vec<OpStatus>> {
    use durable_lens::model::Operation;
    use durable_lens::rerun::{run_headless, Role, SessionEvent};
    use std::collections::HashMap;
    let mut last: HashMap<String, Operation> = HashMap::new();
    let mut executed: Vec<String> = Vec::new();
    let mut statuses: HashMap<String, Vec<OpStatus>> = HashMap::new();
    let report = run_headless(config, &mut |e| match e {
        SessionEvent::OperationSeen { op, role, .. } => {
            if *role == Role::Executed {
                executed.push(op.id.clone());
                statuses
                    .entry(op.display_name().to_string())
                    .or_default()
                    .push(op.status);
            }
            last.insert(op.id.clone(), (**op).clone());
        }
        SessionEvent::OperationUpdated { op, .. } => {
            assert!(last.contains_key(&op.id), "updated before seen: {op:?}");
            statuses
                .entry(op.display_name().to_string())
                .or_default()
                .push(op.status);
            last.insert(op.id.clone(), (**op).clone());
        }
        _ => {}
    })
    .expect("a report");
    assert_eq!(report.error, None);
    assert_eq!(report.divergence, None);
    let history = &report.history.executions[0];
    assert!(!executed.is_empty());
    for id in &executed {
        let shown = &last[id];
        let saved = history
            .operations
            .iter()
            .find(|o| &o.id == id)
            .expect("executed operation in the saved re-run");
        assert!(shown.status.is_terminal(), "{shown:?}");
        assert_eq!(shown, saved);
    }
    statuses
}

#[test]
fn live_operations_end_with_their_final_state_js() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", r#"{"orderId":"123"}"#);
    let config = durable_lens::rerun::SessionConfig::new(
        recorded,
        support::node_handler("order-flow.mjs", &[]),
    );
    let statuses = live_view_ends_as_the_history(config);
    eprintln!("{statuses:?}");
    use OpStatus::{Started, Succeeded};
    // The JS SDK sends a step's START and SUCCEED in one checkpoint request:
    // the first report already has the final status, and nothing follows.
    assert_eq!(statuses["create-order"], [Succeeded]);
    // A wait starts, and the invoker's clock ends it between invocations;
    // contexts close by a later checkpoint.
    for name in ["cool-off", "notify", "email", "sms"] {
        assert_eq!(statuses[name], [Started, Succeeded], "{name}");
    }
}

#[test]
fn live_operations_end_with_their_final_state_python() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_py(dir.path(), "order_flow:handler", r#"{"orderId":"123"}"#);
    let config = durable_lens::rerun::SessionConfig::new(
        recorded,
        support::python_handler("order_flow:handler", &[]),
    );
    let statuses = live_view_ends_as_the_history(config);
    eprintln!("{statuses:?}");
    use OpStatus::{Started, Succeeded};
    assert_eq!(statuses["create-order"], [Succeeded]);
    for name in [
        "cool-off",
        "notify",
        "parallel-branch-0",
        "parallel-branch-1",
    ] {
        assert_eq!(statuses[name], [Started, Succeeded], "{name}");
    }
}

#[test]
fn a_retried_step_is_updated_through_each_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "retry-flow.mjs", r#"{"orderId":"5"}"#);
    let config = durable_lens::rerun::SessionConfig::new(
        recorded,
        support::node_handler("retry-flow.mjs", &[]),
    );
    let statuses = live_view_ends_as_the_history(config);
    eprintln!("{statuses:?}");
    let flaky = &statuses["flaky-charge"];
    // Failed and scheduled for a retry, ready once the (skipped) backoff
    // ends, then succeeded by the second attempt.
    assert_eq!(flaky.first(), Some(&OpStatus::Pending), "{flaky:?}");
    assert!(flaky.contains(&OpStatus::Ready), "{flaky:?}");
    assert_eq!(flaky.last(), Some(&OpStatus::Succeeded), "{flaky:?}");
}
