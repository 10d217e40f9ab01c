//! The CLI end to end: exit codes, plain messages and the JSON schemas that
//! README documents, on the real fixtures.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Run, expect exit `code` (stderr shown otherwise) and parse the JSON output.
fn run_json(args: &[&str], code: i32) -> Value {
    let o = run(args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const VIOLATION: &str = "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP";

#[test]
fn check_exits_one_with_the_plain_message_on_a_nondeterministic_run() {
    let o = run(&[
        "check",
        &fixture("python-sdk/nondeterministic.history.json"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains(VIOLATION), "{}", stdout(&o));
    assert!(stdout(&o).contains("name checkpoint='process-payment' current='send-email'"));
}

#[test]
fn check_exits_zero_on_consistent_runs_of_both_sdks() {
    let o = run(&[
        "check",
        &fixture("python-sdk/order-flow.history.json"),
        &fixture("js-sdk/order-flow.history.json"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn check_exits_two_when_an_input_cannot_be_read() {
    let o = run(&[
        "check",
        &fixture("python-sdk/order-flow.history.json"),
        "/nonexistent/history.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/history.json"));
}

#[test]
fn inspect_json_reports_invocations_and_switch_positions() {
    let v = run_json(
        &[
            "inspect",
            "--json",
            &fixture("js-sdk/order-flow.history.json"),
        ],
        0,
    );
    assert_eq!(v["format"], "history-events");
    let e = &v["executions"][0];
    assert_eq!(e["operations"], 4);
    assert_eq!(e["status"], "SUCCEEDED");
    assert_eq!(e["invocations"].as_array().unwrap().len(), 2);
    assert_eq!(e["invocations"][1]["replayed"], 3);
    assert_eq!(e["invocations"][1]["switches"][0]["position"], 4);
    assert_eq!(
        e["invocations"][1]["switches"][0]["operation"],
        "send-notification"
    );
    assert_eq!(e["invocations"][0]["waiting_on"][0], "cool-off");
    // The JS tool records both times of every invocation.
    assert_eq!(e["invocations"][1]["start_inferred"], false);
    assert_eq!(e["invocations"][1]["end_inferred"], false);
}

#[test]
fn inspect_json_says_which_invocation_times_are_inferred() {
    // Python's bare InvocationCompleted records only the end.
    let v = run_json(
        &[
            "inspect",
            "--json",
            &fixture("python-sdk/order-flow.history.json"),
        ],
        0,
    );
    let inv = &v["executions"][0]["invocations"][1];
    assert_eq!(inv["start_inferred"], true);
    assert_eq!(inv["end_inferred"], false);
}

#[test]
fn inspect_text_shows_the_diagnosis() {
    let o = run(&[
        "inspect",
        &fixture("python-sdk/nondeterministic.store.json"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("Python testing store"), "{out}");
    assert!(out.contains(VIOLATION), "{out}");
}

#[test]
fn diff_of_two_invocations_reports_the_violation() {
    let f = fixture("python-sdk/nondeterministic.history.json");
    let v = run_json(&["diff", &format!("{f}@1"), &format!("{f}@2"), "--json"], 1);
    assert_eq!(v["first_violation"], VIOLATION);
    assert_eq!(v["consistent"], false);
}

#[test]
fn diff_across_sdks_is_consistent() {
    let o = run(&[
        "diff",
        &fixture("python-sdk/order-flow.store.json"),
        &fixture("js-sdk/order-flow.history.json"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("consistent"));
}

#[test]
fn list_reads_the_sqlite_store() {
    let v = run_json(
        &["list", "--json", &fixture("python-sdk/emulator-store.db")],
        0,
    );
    assert!(!v["executions"].as_array().unwrap().is_empty());
}

#[test]
fn export_then_inspect_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.lens.json");
    let o = run(&[
        "export",
        &fixture("python-sdk/retries.history.json"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let a = run(&[
        "inspect",
        "--json",
        &fixture("python-sdk/retries.history.json"),
    ]);
    let b = run(&["inspect", "--json", out.to_str().unwrap()]);
    let (mut a, mut b): (Value, Value) = (
        serde_json::from_slice(&a.stdout).unwrap(),
        serde_json::from_slice(&b.stdout).unwrap(),
    );
    for v in [&mut a, &mut b] {
        v.as_object_mut().unwrap().remove("file");
    }
    assert_eq!(a, b);
}

#[test]
fn execution_selectors_are_one_based_and_name_aware() {
    let db = fixture("python-sdk/emulator-store.db");
    let v = run_json(&["inspect", "--json", "--execution", "4", &db], 0);
    assert_eq!(v["executions"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["executions"][0]["name"], "retries-1",
        "the 4th execution `list` shows"
    );
    let o = run(&["inspect", "--json", "--execution", "fanout-1", &db]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["executions"][0]["operations"], 13);
    let o = run(&[
        "inspect",
        "--execution",
        "2",
        &fixture("python-sdk/order-flow.history.json"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a one-execution file has no execution 2"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("no execution matches '2'"));
}
