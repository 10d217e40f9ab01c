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
