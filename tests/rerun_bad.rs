//! Handlers that crash, hang, print garbage, exit non-zero or send bogus
//! checkpoints end the re-run with a clear error, and leave no process behind.
//! (The service's refusal of unsigned requests: rerun_service_auth.rs.)

#[path = "handlers/support.rs"]
mod support;

use durable_lens::rerun::{run_headless, HandlerCommand, Report, SessionConfig, SessionEvent};
use std::time::{Duration, Instant};

fn run(handler: HandlerCommand, timeout: Duration) -> (Report, Vec<u32>) {
    let mut config = SessionConfig::new(support::input_only(r#"{"orderId":"123"}"#), handler);
    config.timeout = timeout;
    let mut pids = Vec::new();
    let report = run_headless(config, &mut |e| {
        if let SessionEvent::InvocationEnded { record, .. } = e {
            pids.push(record.pid);
        }
    })
    .expect("the session reports");
    (report, pids)
}

fn assert_no_orphans(pids: &[u32]) {
    assert!(!pids.is_empty());
    // The group is killed before the invocation is reported; allow the
    // kernel a moment to tear it down.
    let deadline = Instant::now() + Duration::from_secs(5);
    for &pgid in pids {
        while !support::live_in_group(pgid).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            support::live_in_group(pgid),
            Vec::<u32>::new(),
            "processes of group {pgid} survived"
        );
    }
}

fn error(report: &Report) -> &str {
    report
        .error
        .as_deref()
        .unwrap_or_else(|| panic!("expected an error, got {report:?}"))
}

#[test]
fn a_hanging_handler_is_killed_at_the_timeout_with_everything_it_started() {
    let started = Instant::now();
    let (report, pids) = run(
        support::shell_handler("sleep 300 & sleep 300 & cat > /dev/null; sleep 300"),
        Duration::from_millis(800),
    );
    assert!(
        error(&report).contains("did not finish within 0.8s"),
        "{}",
        error(&report)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_no_orphans(&pids);
}

#[test]
fn a_crashing_handler_is_reported_with_its_signal_and_stderr() {
    let (report, pids) = run(
        support::shell_handler("cat > /dev/null; echo 'about to crash' >&2; kill -SEGV $$"),
        Duration::from_secs(10),
    );
    let e = error(&report);
    assert!(
        e.contains("killed by signal 11") && e.contains("about to crash"),
        "{e}"
    );
    assert_no_orphans(&pids);
}

#[test]
fn garbage_on_stdout_is_reported_with_an_excerpt() {
    let (report, pids) = run(
        support::shell_handler("cat > /dev/null; echo 'hello there'"),
        Duration::from_secs(10),
    );
    let e = error(&report);
    assert!(
        e.contains("not an invocation output") && e.contains("hello there"),
        "{e}"
    );
    assert_no_orphans(&pids);
}

#[test]
fn a_non_zero_exit_is_reported_with_the_thrown_error() {
    let script = r#"cat > /dev/null; echo '{"errorType":"TypeError","errorMessage":"x is undefined"}'; exit 3"#;
    let (report, _) = run(support::shell_handler(script), Duration::from_secs(10));
    let e = error(&report);
    assert!(
        e.contains("exited with status 3") && e.contains("TypeError: x is undefined"),
        "{e}"
    );
}

fn bogus(mode: &str) -> String {
    support::require_python();
    let (report, pids) = run(
        support::shell_handler(&format!(
            "{} bogus_checkpoint.py {mode}",
            support::python().display()
        )),
        Duration::from_secs(20),
    );
    assert_no_orphans(&pids);
    error(&report).to_string()
}

#[test]
fn bogus_checkpoints_are_refused_with_the_services_reason() {
    let e = bogus("unknown-id");
    assert!(e.contains("refuses") && e.contains("does not exist"), "{e}");
    let e = bogus("illegal-transition");
    assert!(
        e.contains("Invalid transition: STEP START of an operation that is SUCCEEDED"),
        "{e}"
    );
    let e = bogus("oversized");
    assert!(e.contains("exceeds the maximum of 262144 bytes"), "{e}");
}

#[test]
fn a_checkpoint_with_another_access_key_is_refused() {
    support::require_python();
    let (report, _) = run(
        support::shell_handler(&format!(
            "{} bogus_checkpoint.py wrong-key",
            support::python().display()
        )),
        Duration::from_secs(20),
    );
    let outcome = report
        .outcome
        .expect("the handler reports the refusal as a failure");
    let msg = outcome.error.and_then(|e| e.message).unwrap_or_default();
    assert!(msg.contains("UnrecognizedClientException"), "{msg}");
    assert!(
        report.history.executions[0].operations.is_empty(),
        "nothing was applied"
    );
}

#[test]
fn stopping_or_dropping_a_session_kills_the_handlers_process_group() {
    use durable_lens::rerun::{Command, Session};
    for stop_by_drop in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = format!("echo $$ > {}; sleep 300 & sleep 300", pidfile.display());
        let mut config =
            SessionConfig::new(support::input_only("{}"), support::shell_handler(&script));
        config.timeout = Duration::from_secs(120);
        let session = Session::start(config);
        let deadline = Instant::now() + Duration::from_secs(20);
        let pgid = loop {
            if let Some(p) = support::read_pid(&pidfile) {
                break p;
            }
            assert!(Instant::now() < deadline, "the handler never started");
            std::thread::sleep(Duration::from_millis(20));
        };
        // Wait (with a deadline) until the background sleep has started too.
        while support::live_in_group(pgid).len() < 2 {
            assert!(
                Instant::now() < deadline,
                "the background sleep never started"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if stop_by_drop {
            drop(session);
        } else {
            session.send(Command::Stop);
        }
        assert_no_orphans(&[pgid]);
    }
}
