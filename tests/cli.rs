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
    // The export names itself and keeps the original as its origin.
    assert_eq!(b["file"], out.display().to_string());
    assert_eq!(b["origin"], fixture("python-sdk/retries.history.json"));
    assert_eq!(a["origin"], Value::Null);
    for v in [&mut a, &mut b] {
        v.as_object_mut().unwrap().remove("file");
        v.as_object_mut().unwrap().remove("origin");
    }
    assert_eq!(a, b);
}

/// The store's executions in the order `list` documents (oldest first, then
/// by id), read with SQLite itself: (id, name, error type).
fn store_rows(db: &str) -> Vec<(String, String, Option<String>)> {
    let c = rusqlite::Connection::open_with_flags(
        format!("file:{db}?mode=ro&immutable=1"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap();
    let mut q = c
        .prepare("SELECT durable_execution_arn, execution_name, data FROM executions ORDER BY start_timestamp, durable_execution_arn")
        .unwrap();
    q.query_map([], |r| {
        let data: String = r.get(2)?;
        let v: Value = serde_json::from_str(&data).unwrap();
        let error_type = v["Result"]["Error"]["ErrorType"]
            .as_str()
            .map(str::to_string);
        Ok((r.get(0)?, r.get(1)?, error_type))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn execution_numbers_are_one_based_in_list_order_never_an_id_suffix() {
    let db = fixture("python-sdk/emulator-store.db");
    let rows = store_rows(&db);
    assert!(rows.len() >= 3, "the store holds several executions");
    // Every id ends in ...012: a number must never be read as its suffix
    // (`--execution 3` opened the 1st execution, the first id ending in "2").
    assert!(rows.iter().all(|(id, _, _)| id.ends_with("012")));
    let listed = run_json(&["list", "--json", &db], 0);
    for (k, (id, name, _)) in rows.iter().enumerate() {
        let n = (k + 1).to_string();
        let v = run_json(&["inspect", "--json", "--execution", &n, &db], 0);
        assert_eq!(v["executions"].as_array().unwrap().len(), 1);
        assert_eq!(v["executions"][0]["name"], name.as_str(), "--execution {n}");
        assert_eq!(v["executions"][0]["index"], k + 1, "called by its number");
        assert_eq!(listed["executions"][k]["name"], name.as_str());
        assert_eq!(listed["executions"][k]["index"], k + 1);
        // The exact id and the name select the same one.
        for sel in [id.as_str(), name.as_str()] {
            let v = run_json(&["inspect", "--json", "--execution", sel, &db], 0);
            assert_eq!(v["executions"][0]["name"], name.as_str(), "{sel}");
        }
        // FILE#N in diff is the same rule.
        let v = run_json(
            &[
                "diff",
                "--json",
                &format!("{db}#{n}"),
                &format!("{db}#{name}"),
            ],
            0,
        );
        assert!(v["left"].as_str().unwrap().contains(name.as_str()), "{v}");
    }
    let out_of_range = [0, rows.len() + 1];
    for n in out_of_range {
        let o = run(&["inspect", "--execution", &n.to_string(), &db]);
        assert_eq!(o.status.code(), Some(2), "execution {n} of {}", rows.len());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("0-based"), "{err}");
        assert!(
            err.contains(&format!("there are {} executions", rows.len())),
            "{err}"
        );
        for (k, (_, name, _)) in rows.iter().enumerate() {
            assert!(err.contains(&format!("{}. {name}", k + 1)), "{err}");
        }
    }
    // The EXECUTION operation id every local run shares is ambiguous.
    let shared = rows[0].0.rsplit('/').next().unwrap();
    let o = run(&["inspect", "--execution", shared, &db]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("matches {} executions", rows.len())),
        "{err}"
    );
    // A suffix that does not start at ':' or '/' matches nothing.
    let o = run(&["inspect", "--execution", &shared[1..], &db]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no execution matches"));

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
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("execution 2 does not exist: there is 1 execution"));
}

#[test]
fn a_folder_store_selects_by_the_same_numbers_as_its_listing() {
    let dir = tempfile::tempdir().unwrap();
    // Expected order from the files themselves: EXECUTION start, then id.
    let mut expected = Vec::new();
    for run in [
        "order-flow",
        "retries",
        "fanout",
        "nondeterministic",
        "callback-flow",
    ] {
        let src = fixture(&format!("python-sdk/{run}.store.json"));
        let v: Value = serde_json::from_slice(&std::fs::read(&src).unwrap()).unwrap();
        let start = v["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["Type"] == "EXECUTION")
            .unwrap()["StartTimestamp"]
            .as_i64()
            .unwrap();
        let id = v["DurableExecutionArn"].as_str().unwrap().to_string();
        let name = v["StartInput"]["ExecutionName"]
            .as_str()
            .unwrap()
            .to_string();
        expected.push((start, id, name));
        std::fs::copy(&src, dir.path().join(format!("{run}.json"))).unwrap();
    }
    expected.sort();
    let d = dir.path().to_str().unwrap();
    for (k, (_, _, name)) in expected.iter().enumerate() {
        let v = run_json(
            &["inspect", "--json", "--execution", &(k + 1).to_string(), d],
            0,
        );
        assert_eq!(
            v["executions"][0]["name"],
            name.as_str(),
            "execution {}",
            k + 1
        );
        assert_eq!(v["executions"][0]["index"], k + 1);
    }
    let o = run(&[
        "inspect",
        "--execution",
        &(expected.len() + 1).to_string(),
        d,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}. {}",
            expected.len(),
            expected.last().unwrap().2
        )),
        "{err}"
    );
}

/// Whether a recorded error is the SDK's non-determinism error, by its type.
fn is_nondeterminism(error_type: Option<&str>) -> bool {
    error_type.is_some_and(|t| t.ends_with("NonDeterministicExecutionError"))
}

#[test]
fn check_judges_each_store_execution_on_its_own() {
    let db = fixture("python-sdk/emulator-store.db");
    let rows = store_rows(&db);
    let real = rows
        .iter()
        .filter(|(_, _, t)| is_nondeterminism(t.as_deref()))
        .count();
    assert!(
        real >= 1 && real < rows.len(),
        "the store mixes good and bad runs"
    );
    let v = run_json(&["check", "--json", &db], 1);
    assert_eq!(v["executions"], rows.len());
    let violations = v["violations"].as_array().unwrap();
    assert_eq!(violations.len(), real, "{v:#}");
    // Each one is the SDK's own error of that execution, not a comparison.
    for x in violations {
        let name = x["execution"].as_str().unwrap();
        let row = rows.iter().find(|(_, n, _)| n == name).unwrap();
        assert!(is_nondeterminism(row.2.as_deref()), "{name}");
        assert!(x["sdk_text"].is_string(), "{x}");
    }
}

#[test]
fn check_judges_each_file_of_a_folder_store_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut real = 0;
    let runs = [
        "order-flow",
        "retries",
        "fanout",
        "nondeterministic",
        "callback-flow",
    ];
    for run in runs {
        let src = fixture(&format!("python-sdk/{run}.store.json"));
        let v: Value = serde_json::from_slice(&std::fs::read(&src).unwrap()).unwrap();
        real += usize::from(is_nondeterminism(
            v["Result"]["Error"]["ErrorType"].as_str(),
        ));
        std::fs::copy(&src, dir.path().join(format!("{run}.json"))).unwrap();
    }
    let v = run_json(&["check", "--json", dir.path().to_str().unwrap()], 1);
    assert_eq!(v["executions"], runs.len());
    assert_eq!(v["violations"].as_array().unwrap().len(), real, "{v:#}");
    // The same runs as separate files: still never compared with each other.
    let files: Vec<String> = runs
        .iter()
        .map(|r| fixture(&format!("python-sdk/{r}.history.json")))
        .collect();
    let mut args = vec!["check", "--json"];
    args.extend(files.iter().map(String::as_str));
    let v = run_json(&args, 1);
    assert_eq!(v["executions"], runs.len());
    assert_eq!(v["violations"].as_array().unwrap().len(), real, "{v:#}");
}

/// Split a real history file into two page files, as a paged
/// GetDurableExecutionHistory saved page by page writes them.
fn split_into_pages(rel: &str, dir: &std::path::Path) -> (String, String) {
    let v: Value = serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap();
    let events = v["Events"].as_array().unwrap();
    let (a, b) = events.split_at(events.len() / 2);
    let p1 = dir.join("page-1.json");
    let p2 = dir.join("page-2.json");
    let page1 = serde_json::json!({"Events": a, "NextMarker": "page-2"});
    std::fs::write(&p1, serde_json::to_vec_pretty(&page1).unwrap()).unwrap();
    std::fs::write(
        &p2,
        serde_json::to_vec_pretty(&serde_json::json!({"Events": b})).unwrap(),
    )
    .unwrap();
    (p1.display().to_string(), p2.display().to_string())
}

#[test]
fn check_merges_page_files_of_one_history() {
    let dir = tempfile::tempdir().unwrap();
    let rel = "python-sdk/nondeterministic.history.json";
    let (p1, p2) = split_into_pages(rel, dir.path());
    let whole = run_json(&["check", "--json", &fixture(rel)], 1);
    let paged = run_json(&["check", "--json", &p1, &p2], 1);
    assert_eq!(
        paged["executions"], 1,
        "two pages, one execution: {paged:#}"
    );
    let messages = |v: &Value| -> Vec<Value> {
        v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["message"].clone())
            .collect()
    };
    assert_eq!(messages(&paged), messages(&whole));
    assert_eq!(messages(&paged), vec![Value::from(VIOLATION)]);

    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = split_into_pages("js-sdk/order-flow.history.json", dir.path());
    let v = run_json(&["check", "--json", &p1, &p2], 0);
    assert_eq!(v["executions"], 1, "{v:#}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // A real history's step events repeated until the output is far larger
    // than a pipe's buffer, so the writer meets the closed pipe.
    let v: Value = serde_json::from_slice(
        &std::fs::read(fixture("python-sdk/order-flow.history.json")).unwrap(),
    )
    .unwrap();
    let events = v["Events"].as_array().unwrap();
    let started = events
        .iter()
        .find(|e| e["EventType"] == "StepStarted")
        .unwrap();
    let done = events
        .iter()
        .find(|e| e["EventType"] == "StepSucceeded")
        .unwrap();
    let mut out = vec![events[0].clone()];
    for i in 0..3000 {
        for e in [started, done] {
            let mut e = e.clone();
            e["Id"] = Value::from(format!("{i:064x}"));
            e["Name"] = Value::from(format!("step-{i}"));
            e["EventId"] = Value::from(out.len() + 1);
            out.push(e);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.history.json");
    std::fs::write(
        &big,
        serde_json::to_vec(&serde_json::json!({"Events": out})).unwrap(),
    )
    .unwrap();
    for args in [
        vec!["inspect", "--json"],
        vec!["diff"],
        vec!["diff", "--json"],
    ] {
        let mut args: Vec<String> = args.into_iter().map(String::from).collect();
        args.push(big.display().to_string());
        if args[0] == "diff" {
            args.push(big.display().to_string());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_durable-lens"))
            .args(&args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(!line.is_empty());
        drop(reader); // `| head -1`: the reader goes away
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn an_unreadable_file_is_named_once_with_its_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such.history.json");
    let reason = std::fs::read(&missing).unwrap_err().to_string();
    let path = missing.display().to_string();
    for args in [
        vec!["inspect", path.as_str()],
        vec!["check", path.as_str()],
        vec!["list", path.as_str()],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.matches(path.as_str()).count(), 1, "{err}");
        assert_eq!(err.matches(reason.as_str()).count(), 1, "{err}");
    }
}

#[test]
fn arn_labels_only_arns() {
    // The local store keys executions by "<uuid>/<EXECUTION op id>": no ARN.
    let src = fixture("python-sdk/order-flow.store.json");
    let v: Value = serde_json::from_slice(&std::fs::read(&src).unwrap()).unwrap();
    let id = v["DurableExecutionArn"].as_str().unwrap();
    assert!(!id.starts_with("arn:"));
    let text = stdout(&run(&["inspect", &src]));
    assert!(!text.contains("ARN"), "{text}");
    assert!(text.contains(&format!("Id:            {id}")), "{text}");
    let op_id = id.rsplit('/').next().unwrap();
    assert!(text.contains(&format!("EXECUTION op:  {op_id}")), "{text}");
    let j = run_json(&["inspect", "--json", &src], 0);
    assert_eq!(j["executions"][0]["arn"], Value::Null);
    assert_eq!(j["executions"][0]["id"], id);
    assert_eq!(j["executions"][0]["execution_op_id"], op_id);
    let l = run_json(&["list", "--json", &src], 0);
    assert_eq!(l["executions"][0]["arn"], Value::Null);
    assert_eq!(l["executions"][0]["id"], id);
    let listed = stdout(&run(&["list", &fixture("python-sdk/emulator-store.db")]));
    assert!(
        !listed.contains("ARN") && !listed.contains("arn"),
        "{listed}"
    );

    // The same execution under a real ARN is shown as one.
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:order:$LATEST/durable-execution/order_flow-1/98aa9b3a";
    let mut with_arn = v.clone();
    with_arn["DurableExecutionArn"] = Value::from(arn);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("with-arn.json");
    std::fs::write(&p, serde_json::to_vec(&with_arn).unwrap()).unwrap();
    let p = p.display().to_string();
    assert!(stdout(&run(&["inspect", &p])).contains(&format!("ARN:           {arn}")));
    assert_eq!(
        run_json(&["inspect", "--json", &p], 0)["executions"][0]["arn"],
        arn
    );
    assert_eq!(
        run_json(&["list", "--json", &p], 0)["executions"][0]["arn"],
        arn
    );
    // And its last ARN segment selects it (a suffix at a '/').
    let j = run_json(&["inspect", "--json", "--execution", "98aa9b3a", &p], 0);
    assert_eq!(j["executions"][0]["arn"], arn);
}

#[test]
fn diff_of_two_failed_executions_shows_both_failures_even_when_consistent() {
    // Two records of one failed run: the same operations, both FAILED.
    let (a, b) = (
        fixture("python-sdk-cases/exhausted.history.json"),
        fixture("python-sdk-cases/exhausted.store.json"),
    );
    let store: Value =
        serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).expect("store JSON");
    // The file's own error: the store's Result carries the execution error.
    let raw = store.to_string();
    let message = "card declined (attempt 2)";
    assert!(raw.contains(message), "the fixture holds the error text");
    let v = run_json(&["diff", "--json", &a, &b], 0);
    assert_eq!(v["consistent"], true);
    for side in ["left_outcome", "right_outcome"] {
        assert_eq!(v[side]["status"], "FAILED", "{side}: {v}");
        assert!(
            v[side]["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{side}: {v}"
        );
    }
    let o = run(&["diff", &a, &b]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(text.matches(message).count(), 2, "{text}");
    assert!(text.contains("both sides failed"), "{text}");
}

#[test]
fn diff_names_a_removed_operation_and_keeps_the_positional_message() {
    let f = fixture("python-sdk-cases/removed-operation.history.json");
    let o = run(&["diff", &format!("{f}@1"), &format!("{f}@2")]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    // The SDK's text names the removed step and what the code called.
    assert!(text.contains(
        "Replay consistency violation: Expected operation 'audit-log' of type STEP at position 2, but found operation 'settle' of type WAIT"
    ), "{text}");
    assert!(
        text.contains("'audit-log' was removed; the code goes on with 'settle'"),
        "{text}"
    );
    assert!(!text.contains("missing"), "{text}");
}

fn run_stdin(args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    c.args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    // A reader that stops early closes the pipe: that is its answer.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn a_dash_reads_the_history_from_standard_input() {
    let path = fixture("python-sdk/nondeterministic.history.json");
    let bytes = std::fs::read(&path).unwrap();
    let from_file = run_json(&["inspect", "--json", &path], 0);
    let o = run_stdin(&["inspect", "--json", "-"], &bytes, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let from_stdin: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(from_stdin["executions"], from_file["executions"]);
    assert_eq!(from_stdin["file"], "standard input");
    // check and diff read it the same way; a diff side may be `-`.
    assert_eq!(
        run_stdin(&["check", "-"], &bytes, &[]).status.code(),
        Some(1)
    );
    let d = run_stdin(&["diff", "-@1", &format!("{path}@2")], &bytes, &[]);
    assert_eq!(
        d.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&d.stderr)
    );
    assert!(stdout(&d).contains(VIOLATION), "{}", stdout(&d));
}

#[test]
fn empty_or_invalid_standard_input_is_a_clear_error() {
    for (input, says) in [
        (&b""[..], "standard input: the file is empty"),
        (&b"{\"Events\": ["[..], "standard input: line 1"),
    ] {
        let o = run_stdin(&["inspect", "-"], input, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }
    let bytes = std::fs::read(fixture("python-sdk/order-flow.history.json")).unwrap();
    let o = run_stdin(&["diff", "-", "-"], &bytes, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not both"));
}

#[test]
fn export_from_standard_input_never_compares_with_a_file_named_dash() {
    // A file literally named `-` is not what `-` reads, so writing over it
    // is no same-file export; the export holds what came on stdin.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("-"), b"not a history").unwrap();
    let out = dir.path().join("out.lens.json");
    let o = Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .current_dir(dir.path())
        .args(["export", "-", "-o", out.to_str().unwrap()])
        .stdin(std::fs::File::open(fixture("js-sdk/order-flow.history.json")).unwrap())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let back = run_json(&["inspect", "--json", out.to_str().unwrap()], 0);
    let orig = run_json(
        &[
            "inspect",
            "--json",
            &fixture("js-sdk/order-flow.history.json"),
        ],
        0,
    );
    assert_eq!(
        back["executions"][0]["operations"],
        orig["executions"][0]["operations"]
    );
    assert_eq!(
        std::fs::read(dir.path().join("-")).unwrap(),
        b"not a history"
    );
}

#[test]
fn list_columns_are_as_wide_as_their_longest_value() {
    // A store whose function name is longer than any fixed column.
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(fixture("python-sdk/order-flow.store.json")).unwrap();
    let long = "an-unusually-long-function-name-for-a-durable-handler";
    let doc = src.replace("\"order_flow\"", &format!("\"{long}\""));
    assert_ne!(doc, src, "the fixture names its function");
    let p = dir.path().join("long.store.json");
    std::fs::write(&p, doc).unwrap();
    let text = stdout(&run(&["list", p.to_str().unwrap()]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // Every column starts where its header starts (counted in chars: a
    // cell may hold "—").
    let (head, row): (Vec<char>, Vec<char>) =
        (lines[0].chars().collect(), lines[1].chars().collect());
    for h in ["name", "status", "start", "duration", "ops", "id"] {
        let at: Vec<char> = format!("  {h}").chars().collect();
        let col = head.windows(at.len()).position(|w| w == at).unwrap() + 2;
        assert_eq!(&row[col - 2..col], [' ', ' '], "{h} out of line:\n{text}");
        assert_ne!(row[col], ' ', "{h} out of line:\n{text}");
    }
    assert!(lines[1].contains(long), "{text}");
}

#[test]
fn colour_follows_no_color_and_clicolor_force() {
    let bytes = std::fs::read(fixture("python-sdk/nondeterministic.history.json")).unwrap();
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    // Piped: no colour unless forced; NO_COLOR wins over forcing.
    assert!(!esc(&run_stdin(&["check", "-"], &bytes, &[])));
    assert!(esc(&run_stdin(
        &["check", "-"],
        &bytes,
        &[("CLICOLOR_FORCE", "1")]
    )));
    assert!(!esc(&run_stdin(
        &["check", "-"],
        &bytes,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
}
