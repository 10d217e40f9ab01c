//! Step control: stepping pauses at each operation the handler executes,
//! back re-runs from the top to the previous pause, run-to and breakpoints
//! stop where asked, and replayed operations are reported as replayed.

#[path = "handlers/support.rs"]
mod support;

use durable_lens::rerun::{Command, Mode, Role, Session, SessionConfig, SessionEvent, StartPoint};
use std::time::Duration;

/// Wait for the next pause (name of the operation held) or the end (`None`).
fn next_pause(s: &Session, seen: &mut Vec<(String, Role)>) -> Option<String> {
    let mut names = std::collections::HashMap::new();
    loop {
        let e = s
            .events
            .recv_timeout(Duration::from_secs(60))
            .expect("an event within a minute");
        match e {
            SessionEvent::OperationSeen { op, role, .. } => {
                let name = op.name.clone().unwrap_or_default();
                names.insert(op.id.clone(), name.clone());
                seen.push((name, role));
            }
            SessionEvent::Paused { op_id, .. } => {
                return Some(names.get(&op_id).cloned().unwrap_or(op_id))
            }
            SessionEvent::Finished { report, .. } => {
                assert_eq!(report.error, None);
                return None;
            }
            SessionEvent::Error { message, .. } => panic!("{message}"),
            _ => {}
        }
    }
}

fn config(start: StartPoint, mode: Mode) -> SessionConfig {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", r#"{"orderId":"123"}"#);
    let mut c = SessionConfig::new(recorded, support::node_handler("order-flow.mjs", &[]));
    c.start = start;
    c.mode = mode;
    c
}

#[test]
fn stepping_pauses_at_each_executed_operation_and_back_returns_to_the_previous_pause() {
    let s = Session::start(config(StartPoint::Fresh, Mode::Step));
    let mut seen = Vec::new();
    assert_eq!(next_pause(&s, &mut seen).as_deref(), Some("create-order"));
    s.send(Command::Step);
    assert_eq!(
        next_pause(&s, &mut seen).as_deref(),
        Some("process-payment")
    );
    s.send(Command::Step);
    assert_eq!(next_pause(&s, &mut seen).as_deref(), Some("cool-off"));
    s.send(Command::Back);
    assert_eq!(
        next_pause(&s, &mut seen).as_deref(),
        Some("process-payment"),
        "back re-runs to the previous pause"
    );
    s.send(Command::Back);
    assert_eq!(next_pause(&s, &mut seen).as_deref(), Some("create-order"));
    s.send(Command::Step);
    assert_eq!(
        next_pause(&s, &mut seen).as_deref(),
        Some("process-payment")
    );
    s.send(Command::Step);
    assert_eq!(next_pause(&s, &mut seen).as_deref(), Some("cool-off"));
    // Second invocation: the first three are replayed, then `notify` executes.
    seen.clear();
    s.send(Command::Step);
    assert_eq!(next_pause(&s, &mut seen).as_deref(), Some("notify"));
    let replayed: Vec<&str> = seen
        .iter()
        .filter(|(_, r)| *r == Role::Replayed)
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(replayed, ["create-order", "process-payment", "cool-off"]);
    s.send(Command::Continue);
    assert_eq!(next_pause(&s, &mut seen), None, "continue runs to the end");
}

#[test]
fn breakpoints_and_run_to_stop_where_asked() {
    let mut c = config(StartPoint::Fresh, Mode::Continue);
    c.breakpoints = vec!["send-notification".into()];
    let s = Session::start(c);
    let mut seen = Vec::new();
    assert_eq!(
        next_pause(&s, &mut seen).as_deref(),
        Some("send-notification")
    );
    s.send(Command::Restart);
    s.send(Command::SetBreakpoints(Vec::new()));
    s.send(Command::RunTo(2));
    // The restart's run pauses once two operations have been seen.
    assert_eq!(
        next_pause(&s, &mut seen).as_deref(),
        Some("process-payment")
    );
    s.send(Command::Continue);
    assert_eq!(next_pause(&s, &mut seen), None);
}
