//! Answers from the command line and partial recordings, with the official
//! JS SDK's callback handler: `--callback`/`--callback-fail` answer a
//! callback the recording never saw answered, the app's saved link stands
//! in for `--handler`, and a recording with missing pages or truncated or
//! absent payloads is refused unless `--allow-partial`, which names each
//! guessed answer.

#[path = "handlers/support.rs"]
mod support;

use serde_json::Value;
use std::path::Path;

/// An execution still waiting on its callback when it was fetched: only
/// its start is recorded.
const STARTED_ONLY: &str = r#"{"Events": [{"EventType": "ExecutionStarted", "EventId": 1,
  "Id": "exec-1", "Name": "approval-1", "EventTimestamp": "2026-11-24T15:34:20.000Z",
  "ExecutionStartedDetails": {"Input": {"Truncated": false, "Payload": "{\"orderId\":\"7\"}"}}}]}"#;

/// The same with a page missing (EventIds 2 and 3): the JS SDK's first
/// step (id: md5("1"), first 16 hex) and nothing about the callback.
const MISSING_PAGE: &str = r#"{"Events": [{"EventType": "ExecutionStarted", "EventId": 1,
  "Id": "exec-1", "Name": "approval-1", "EventTimestamp": "2026-11-24T15:34:20.000Z",
  "ExecutionStartedDetails": {"Input": {"Truncated": false, "Payload": "{\"orderId\":\"7\"}"}}},
 {"EventType": "StepStarted", "EventId": 4, "Id": "c4ca4238a0b92382", "Name": "create-order",
  "SubType": "Step", "EventTimestamp": "2026-11-24T15:34:20.010Z", "StepStartedDetails": {}},
 {"EventType": "StepSucceeded", "EventId": 5, "Id": "c4ca4238a0b92382", "Name": "create-order",
  "SubType": "Step", "EventTimestamp": "2026-11-24T15:34:20.020Z",
  "StepSucceededDetails": {"Result": {"Truncated": false, "Payload": "{\"orderId\":\"7\"}"}}}]}"#;

fn handler() -> String {
    support::require_node();
    format!(
        "node {} callback-flow.mjs",
        support::root()
            .join("assets/runners/node-runner.mjs")
            .display()
    )
}

fn lens(args: &[&str]) -> (i32, String, String) {
    support::rerun_cli(args)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"))
}

#[test]
fn a_callback_is_answered_or_failed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let hist = write(dir.path(), "waiting.json", STARTED_ONLY);
    let h = handler();
    let cwd = support::handlers_dir();
    let cwd = cwd.to_str().unwrap();
    let base = [hist.as_str(), "--handler", &h, "--cwd", cwd];

    let (code, out, err) = lens(&base);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        out.contains("no answer for callback 'approval'") && out.contains("--callback"),
        "{out}"
    );

    let answered = [
        &base[..],
        &["--json", "--callback", r#"approval={"ok":true}"#],
    ]
    .concat();
    let (code, out, err) = lens(&answered);
    assert_eq!(code, 0, "{out}\n{err}");
    let v = json(&out);
    assert_eq!(v["status"], "SUCCEEDED");
    let result: Value = serde_json::from_str(v["result"].as_str().unwrap()).unwrap();
    // What the handler returns: the approval it was given.
    let approval: Value = match &result["approval"] {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        other => other.clone(),
    };
    assert_eq!(approval, serde_json::json!({"ok": true}), "{v:#}");

    let failed = [
        &base[..],
        &[
            "--json",
            "--callback-fail",
            "approval=denied by the approver",
        ],
    ]
    .concat();
    let (code, out, err) = lens(&failed);
    assert_eq!(code, 1, "{out}\n{err}");
    let v = json(&out);
    assert_eq!(v["status"], "FAILED");
    assert_eq!(v["divergence"]["kind"], "handler-error");
    assert!(
        v["divergence"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("denied by the approver"),
        "{v:#}"
    );

    let (code, _, err) = lens(&[&base[..], &["--callback", "approval=not json"]].concat());
    assert_eq!(code, 2);
    assert!(err.contains("not JSON"), "{err}");
}

#[test]
fn the_link_saved_beside_the_history_stands_in_for_handler() {
    let dir = tempfile::tempdir().unwrap();
    let hist = write(dir.path(), "waiting.json", STARTED_ONLY);
    let link = serde_json::json!({
        "command": handler(),
        "cwd": support::handlers_dir(),
        "env": [],
    })
    .to_string();
    let answer = ["--callback", r#"approval={"ok":true}"#];

    let (code, out, err) = lens(&[&[hist.as_str()][..], &answer].concat());
    assert_eq!(code, 2, "no link yet: {out}\n{err}");
    assert!(
        err.contains("--handler") && err.contains("durable-lens-link.json"),
        "{err}"
    );

    let elsewhere = write(dir.path(), "my-link.json", &link);
    let (code, out, err) = lens(&[&[hist.as_str(), "--link", &elsewhere][..], &answer].concat());
    assert_eq!(code, 0, "--link FILE: {out}\n{err}");

    write(dir.path(), "waiting.json.durable-lens-link.json", &link);
    let (code, out, err) = lens(&[&[hist.as_str()][..], &answer].concat());
    assert_eq!(code, 0, "the sidecar link: {out}\n{err}");
}

#[test]
fn partial_recordings_are_refused_unless_allowed_and_each_guess_is_named() {
    let h = handler();
    let cwd = support::handlers_dir();
    let cwd = cwd.to_str().unwrap();
    // The loaders' own partial recordings: a gap in EventIds, payloads
    // fetched without execution data, a truncated payload.
    for (file, says) in [
        ("gap-in-event-ids.json", "missing"),
        ("absent-payloads.json", "absent"),
        ("truncated-payload.json", "truncated"),
    ] {
        let path = support::root().join("tests/malformed").join(file);
        let (code, out, err) = lens(&[path.to_str().unwrap(), "--handler", "true"]);
        assert_eq!(code, 2, "{file}: {out}\n{err}");
        assert!(
            err.contains("partial recording")
                && err.contains(says)
                && err.contains("--allow-partial"),
            "{file}: {err}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let hist = write(dir.path(), "gap.json", MISSING_PAGE);
    let (code, out, err) = lens(&[
        &hist,
        "--handler",
        &h,
        "--cwd",
        cwd,
        "--json",
        "--allow-partial",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v = json(&out);
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .map(|w| w.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("events 2–3 are missing")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("guessed answer for callback 'approval'")),
        "{warnings:?}"
    );
}
