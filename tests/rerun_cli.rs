//! `durable-lens rerun` headless: exit 0 when the handler behaves as
//! recorded, 1 on divergence, 2 on error; `--json` for CI; `--save` writes a
//! history the loader reads back; the recording itself is never modified.

#[path = "handlers/support.rs"]
mod support;

use std::process::Command;

fn rerun(args: &[&str]) -> (i32, String, String) {
    support::rerun_cli(args)
}

#[test]
fn cli_exit_codes_follow_the_outcome_and_json_reports_the_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "order-flow.mjs", r#"{"orderId":"123"}"#);
    let hist = dir.path().join("order-flow.mjs.history.json");
    let before = std::fs::read(&hist).unwrap();
    let runner = support::root().join("assets/runners/node-runner.mjs");
    let handlers = support::handlers_dir();
    let cwd = handlers.to_str().unwrap();
    let base = format!("node {} order-flow.mjs", runner.display());
    let saved = dir.path().join("rerun.json");

    let (code, out, err) = rerun(&[
        hist.to_str().unwrap(),
        "--handler",
        &base,
        "--cwd",
        cwd,
        "--save",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("no divergence"), "{out}");
    let reloaded = durable_lens::load::load_path(&saved).expect("the saved re-run loads");
    let names = |e: &durable_lens::model::Execution| {
        e.operations
            .iter()
            .map(|o| o.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&reloaded.executions[0]), names(&recorded));

    let renamed = format!("VARIANT=renamed {base}");
    let (code, out, err) = rerun(&[
        hist.to_str().unwrap(),
        "--handler",
        &renamed,
        "--cwd",
        cwd,
        // 1-based: the second recorded invocation, which replays
        // process-payment, so the SDK itself detects the rename.
        "--from-invocation",
        "2",
        "--json",
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(v["divergence"]["place"], serde_json::json!([2]));
    assert!(
        v["divergence"]["sdk_error"]
            .as_str()
            .unwrap_or("")
            .contains("Non-deterministic"),
        "{v}"
    );

    let (code, _, err) = rerun(&[
        hist.to_str().unwrap(),
        "--handler",
        "echo nope",
        "--cwd",
        cwd,
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = rerun(&[
        hist.to_str().unwrap(),
        "--handler",
        &base,
        "--from-invocation",
        "9",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--from-invocation 9"), "{err}");
    let (code, _, err) = rerun(&[
        hist.to_str().unwrap(),
        "--handler",
        &base,
        "--from-invocation",
        "0",
    ]);
    assert_eq!(code, 2, "invocations are numbered from 1");
    assert!(err.contains("numbered from 1"), "{err}");
    assert_eq!(
        std::fs::read(&hist).unwrap(),
        before,
        "the recording is never modified"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_with_the_verdict() {
    // `durable-lens rerun … | head` with the reader already gone: the
    // run still ends with its verdict, no panic on the broken pipe.
    let dir = tempfile::tempdir().unwrap();
    support::record_js(dir.path(), "order-flow.mjs", r#"{"orderId":"123"}"#);
    let hist = dir.path().join("order-flow.mjs.history.json");
    let runner = support::root().join("assets/runners/node-runner.mjs");
    let handlers = support::handlers_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .arg("rerun")
        .arg(&hist)
        .args([
            "--handler",
            &format!("node {} order-flow.mjs", runner.display()),
        ])
        .arg("--cwd")
        .arg(&handlers)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("it ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn a_missing_cwd_is_named_as_a_missing_folder() {
    let hist = support::root().join("tests/fixtures/js-sdk/order-flow.history.json");
    let (code, out, err) = rerun(&[
        hist.to_str().unwrap(),
        "--handler",
        "true",
        "--cwd",
        "/nonexistent-durable-lens-folder",
    ]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("--cwd /nonexistent-durable-lens-folder: no such folder"),
        "{err}"
    );
    assert!(!err.contains("cannot start handler"), "{err}");
}

/// Every attempt of a retried step has a row, in the invocation that ran it:
/// in the text trace as it happens and in `--json`, each with its error and
/// the next attempt's time. Expected: what the JS SDK's own runner recorded
/// for the same handler (attempts, their errors, the invocation of each).
#[test]
fn each_attempt_of_a_retried_step_has_a_row_with_its_invocation_and_error() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "retry-flow.mjs", r#"{"orderId":"5"}"#);
    let hist = dir.path().join("retry-flow.mjs.history.json");
    let flaky = recorded
        .operations
        .iter()
        .find(|o| o.name.as_deref() == Some("flaky-charge"))
        .expect("flaky-charge recorded");
    assert!(flaky.attempts.len() > 1, "the recording retried it");
    let handler = support::node_handler("retry-flow.mjs", &[]);
    let cwd = support::handlers_dir();
    let args = [
        hist.to_str().unwrap(),
        "--handler",
        &handler.command,
        "--cwd",
        cwd.to_str().unwrap(),
    ];
    let (code, v, err) = support::rerun_json(&args);
    assert_eq!(code, 0, "{v}\n{err}");
    let rows: Vec<&serde_json::Value> = v["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .filter(|a| a["name"] == "flaky-charge")
        .collect();
    assert_eq!(rows.len(), flaky.attempts.len(), "{v:#}");
    // The documented keys (README, rerun --json).
    let mut keys: Vec<&str> = rows[0]
        .as_object()
        .expect("a row")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "end",
            "error",
            "id",
            "invocation",
            "name",
            "next_attempt_at",
            "number",
            "position",
            "start",
            "status"
        ]
    );
    for (row, want) in rows.iter().zip(&flaky.attempts) {
        assert_eq!(row["number"], want.number, "{row}");
        assert_eq!(row["status"], want.status.as_str(), "{row}");
        assert_eq!(
            row["error"]["message"].as_str(),
            want.error.as_ref().and_then(|e| e.message.as_deref()),
            "{row}"
        );
        // A retried attempt says when the next one was due.
        assert_eq!(
            row["next_attempt_at"].is_string(),
            want.status == durable_lens::model::OpStatus::Failed,
            "{row}"
        );
    }
    // Retries run in later invocations: each attempt after the first in
    // an invocation of its own, as the recording has it.
    let invs: Vec<u64> = rows
        .iter()
        .map(|r| r["invocation"].as_u64().expect("invocation"))
        .collect();
    let want: Vec<u64> = flaky
        .attempts
        .iter()
        .map(|a| a.invocation.expect("recorded invocation") as u64 + 1)
        .collect();
    assert_eq!(invs, want);
    assert!(invs.windows(2).all(|w| w[0] < w[1]), "{invs:?}");

    // The text trace prints each attempt as it ends, under its invocation.
    let (code, out, err) = support::rerun_cli(&args);
    assert_eq!(code, 0, "{out}\n{err}");
    for a in &flaky.attempts {
        let line = format!(
            "attempt {} of flaky-charge (invocation {})",
            a.number,
            a.invocation.unwrap() + 1
        );
        let at = out
            .find(&line)
            .unwrap_or_else(|| panic!("no {line:?} in\n{out}"));
        let header = format!("invocation {}\n", a.invocation.unwrap() + 1);
        assert!(
            out[..at].contains(&header),
            "{line:?} comes after its invocation's header:\n{out}"
        );
    }
}
