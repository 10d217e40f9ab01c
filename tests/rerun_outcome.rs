//! `durable-lens rerun` as a CI gate on the outcome, with the official JS
//! SDK's handler against recordings made by the SDK's own test runner: a
//! changed final status, a handler that throws, recorded operations never
//! reached exit 1; a changed step result is listed with its JSON diff and
//! exits 1 only under `--strict`. Also the `--json` schema.

#[path = "handlers/support.rs"]
mod support;

use serde_json::Value;
use std::path::Path;

fn rerun(history: &Path, variant: &str, extra: &[&str]) -> (i32, Value, String) {
    support::require_node();
    let handler = format!(
        "VARIANT={variant} node {} order-flow.mjs",
        support::root()
            .join("assets/runners/node-runner.mjs")
            .display()
    );
    let handlers = support::handlers_dir();
    let base = [
        history.to_str().expect("a UTF-8 path"),
        "--handler",
        &handler,
        "--cwd",
        handlers.to_str().expect("a UTF-8 path"),
    ];
    support::rerun_json(&[&base[..], extra].concat())
}

const INPUT: &str = r#"{"orderId":"123"}"#;

#[test]
fn a_success_against_a_failed_recording_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js_with(
        dir.path(),
        "order-flow.mjs",
        INPUT,
        &[("VARIANT", "fails-late")],
    );
    // What the SDK's runner recorded, independently of durable-lens's verdict.
    assert_eq!(recorded.status, Some(durable_lens::model::OpStatus::Failed));
    let hist = dir.path().join("order-flow.mjs.history.json");
    let (code, v, err) = rerun(&hist, "base", &[]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    assert_eq!(v["verdict"], "diverged");
    assert_eq!(v["status"], "SUCCEEDED");
    assert_eq!(v["divergence"]["kind"], "status", "{v:#}");
    let msg = v["divergence"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("FAILED") && msg.contains("notification was not delivered"),
        "{msg}"
    );
}

#[test]
fn a_throwing_handler_is_a_handler_error_with_its_text() {
    let dir = tempfile::tempdir().unwrap();
    support::record_js(dir.path(), "order-flow.mjs", INPUT);
    let hist = dir.path().join("order-flow.mjs.history.json");
    let (code, v, err) = rerun(&hist, "throws", &[]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    assert_eq!(v["divergence"]["kind"], "handler-error", "{v:#}");
    let msg = v["divergence"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("TypeError") && msg.contains("payment gateway is not configured"),
        "{msg}"
    );
    assert!(!msg.contains("found no operation"), "{msg}");
}

#[test]
fn recorded_operations_never_reached_exit_one_without_a_recorded_status() {
    // The JS runner's operations list: no execution status at all.
    let ops = support::root().join("tests/fixtures/js-sdk/order-flow.operations.json");
    let (code, v, err) = rerun(&ops, "short", &[]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    assert_eq!(v["divergence"]["kind"], "missing", "{v:#}");
    // cool-off is the third operation of that file.
    assert_eq!(v["divergence"]["place"], serde_json::json!([3]));
    assert!(
        v["divergence"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("'cool-off'"),
        "{v:#}"
    );
}

#[test]
fn a_changed_step_result_is_listed_and_fails_only_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", INPUT);
    let hist = dir.path().join("order-flow.mjs.history.json");
    // The recorded transaction id, read from the recording itself.
    let payment = recorded
        .operations
        .iter()
        .find(|o| o.name.as_deref() == Some("process-payment"))
        .and_then(|o| o.result.as_ref())
        .map(|p| p.decoded())
        .expect("a recorded payment result");
    let (code, v, err) = rerun(&hist, "changed-result", &[]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(v["verdict"], "changed");
    assert!(v["divergence"].is_null(), "{v:#}");
    let change = v["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["kind"] == "result"))
        .unwrap_or_else(|| panic!("a result change: {v:#}"));
    assert_eq!(change["name"], "process-payment");
    assert_eq!(change["place"], serde_json::json!([2]));
    assert_eq!(change["diff"][0]["pointer"], "/transactionId");
    assert_eq!(change["diff"][0]["recorded"], payment["transactionId"]);
    assert_eq!(change["diff"][0]["rerun"], "txn-789");

    let (code, v, err) = rerun(&hist, "changed-result", &["--strict"]);
    assert_eq!(code, 1, "{v:#}\n{err}");
    assert_eq!(v["exit_code"], 1);

    let (code, v, err) = rerun(&hist, "base", &["--strict"]);
    assert_eq!(code, 0, "{v:#}\n{err}");
    assert_eq!(v["verdict"], "same");
    assert_eq!(v["changes"], serde_json::json!([]));
}

/// The documented keys of `rerun --json` (README) are exactly these.
#[test]
fn rerun_json_schema_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    support::record_js(dir.path(), "order-flow.mjs", INPUT);
    let hist = dir.path().join("order-flow.mjs.history.json");
    let (_, v, _) = rerun(&hist, "renamed", &["--from-invocation", "2"]);
    let keys = |v: &Value| {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        [
            "attempts",
            "changes",
            "divergence",
            "error",
            "exit_code",
            "invocations",
            "operations",
            "result",
            "status",
            "switches",
            "verdict",
            "warnings"
        ]
    );
    assert_eq!(
        keys(&v["divergence"]),
        [
            "invocation",
            "kind",
            "message",
            "place",
            "position",
            "sdk_error"
        ]
    );
    assert_eq!(v["divergence"]["invocation"], 1, "1-based");
    assert_eq!(
        keys(&v["invocations"][0]),
        [
            "exit_code",
            "invocation",
            "output",
            "request_id",
            "status",
            "stderr",
            "stdout"
        ]
    );
    assert_eq!(v["invocations"][0]["invocation"], 1);
    let (_, v, _) = rerun(&hist, "changed-result", &[]);
    assert_eq!(
        keys(&v["changes"][0]),
        ["diff", "kind", "name", "place", "recorded", "rerun"]
    );
    assert_eq!(
        keys(&v["changes"][0]["diff"][0]),
        ["pointer", "recorded", "rerun"]
    );
}
