//! Regenerate fresh histories with the official SDKs' own local runners
//! (tests/sdk/regenerate.sh: JS `LocalDurableTestRunner`, Python
//! `DurableFunctionTestRunner` + its filesystem and SQLite stores) and load
//! every file they produce, so a format change in either SDK's tools breaks
//! this test instead of users' sessions.
//!
//! Needs `tests/sdk/install.sh` to have run (CI's setup does it). Without the
//! SDKs these tests fail, naming that script: they never skip.

use durable_lens::diff::{diff, execution_sequence, DiffOptions};
use durable_lens::load::{list_store, load_path};
use durable_lens::model::{Execution, Format, History, OpStatus, OpType};
use durable_lens::replay::analyze;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const SCENARIOS: [&str; 6] = [
    "order-flow",
    "retries",
    "callback-flow",
    "fanout",
    "nondeterministic",
    "chained-invoke",
];

/// Run the SDK runners once per test binary; every test reads the output.
fn regenerated() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let script = manifest.join("tests/sdk/regenerate.sh");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdk-fixtures");
        if out.exists() {
            std::fs::remove_dir_all(&out)
                .map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
        }
        // Only the scenarios this file checks; tests/oracle.rs regenerates
        // every scenario for itself.
        let run = Command::new("bash")
            .arg(&script)
            .arg(&out)
            .args(SCENARIOS)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !run.status.success() {
            let stderr = String::from_utf8_lossy(&run.stderr);
            let hint = if run.status.code() == Some(3) {
                "\nThe official SDKs are not installed: run `bash tests/sdk/install.sh` \
                 (needs node/npm and python3.11), then re-run the tests."
            } else {
                ""
            };
            return Err(format!(
                "{} failed ({}):\n{stderr}{hint}",
                script.display(),
                run.status
            ));
        }
        Ok(out)
    });
    match dir {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn file(sdk: &str, name: &str) -> PathBuf {
    regenerated().join(sdk).join(name)
}

fn load(path: &Path) -> History {
    match load_path(path) {
        Ok(h) => h,
        Err(e) => panic!("{} did not load: {e}", path.display()),
    }
}

fn only_execution(h: &History) -> &Execution {
    assert_eq!(
        h.executions.len(),
        1,
        "{}: one execution expected",
        h.source
    );
    &h.executions[0]
}

/// (operations, invocations, final status) per scenario. Both SDKs give the
/// same counts: the handlers are written alike and every wait/callback/retry
/// that should suspend does (JS: fresh runner environment per scenario).
fn expected(scenario: &str) -> (usize, usize, OpStatus) {
    match scenario {
        "order-flow" => (4, 2, OpStatus::Succeeded),
        "retries" => (2, 3, OpStatus::Succeeded),
        "callback-flow" => (5, 2, OpStatus::Succeeded),
        "fanout" => (18, 2, OpStatus::Succeeded),
        "nondeterministic" => (3, 2, OpStatus::Failed),
        "chained-invoke" => (3, 2, OpStatus::Succeeded),
        other => panic!("unknown scenario {other}"),
    }
}

fn check_history(path: &Path, scenario: &str, format: Format) -> Execution {
    let h = load(path);
    assert_eq!(h.format, format, "{}: format detected", path.display());
    let exec = only_execution(&h).clone();
    let (ops, invocations, status) = expected(scenario);
    assert_eq!(
        exec.operations.len(),
        ops,
        "{}: operation count",
        path.display()
    );
    assert_eq!(
        exec.invocations.len(),
        invocations,
        "{}: invocation count",
        path.display()
    );
    assert!(
        exec.invocations.iter().all(|i| !i.inferred),
        "{}: invocations are recorded, not inferred",
        path.display()
    );
    assert_eq!(
        exec.status,
        Some(status),
        "{}: execution status",
        path.display()
    );
    check_shape(&exec, scenario, path);
    exec
}

/// Scenario-specific facts that must survive any loader change.
fn check_shape(exec: &Execution, scenario: &str, path: &Path) {
    let count = |t: OpType| exec.operations.iter().filter(|o| o.op_type == t).count();
    let named = |n: &str| {
        exec.operations
            .iter()
            .find(|o| o.name.as_deref() == Some(n))
            .unwrap_or_else(|| panic!("{}: no operation named {n}", path.display()))
    };
    match scenario {
        "order-flow" => {
            assert_eq!(count(OpType::Step), 3);
            assert_eq!(count(OpType::Wait), 1);
            let payment = named("process-payment");
            let result = payment.result.as_ref().and_then(|p| p.value().cloned());
            assert_eq!(
                result,
                Some(serde_json::json!({"transactionId": "txn-456", "status": "success"})),
                "{}: decoded result (Python envelope removed)",
                path.display()
            );
            // Invocation 2 replays create-order, process-payment and the wait,
            // then executes send-notification: the switch is at position 4.
            let a = analyze(exec);
            let switches: Vec<Option<u32>> = a
                .invocations
                .iter()
                .map(|i| i.root_switch().map(|s| s.position))
                .collect();
            assert_eq!(
                switches,
                vec![Some(1), Some(4)],
                "{}: switch positions",
                path.display()
            );
        }
        "retries" => {
            let charge = named("charge-card");
            assert_eq!(
                charge.attempts.len(),
                3,
                "{}: every attempt kept",
                path.display()
            );
            assert_eq!(charge.attempts[0].status, OpStatus::Failed);
            assert_eq!(charge.attempts[1].status, OpStatus::Failed);
            assert_eq!(charge.attempts[2].status, OpStatus::Succeeded);
            let msg = charge.attempts[0]
                .error
                .as_ref()
                .and_then(|e| e.message.clone());
            assert_eq!(msg.as_deref(), Some("payment gateway timeout (attempt 1)"));
        }
        "callback-flow" => {
            assert_eq!(count(OpType::Callback), 1);
            assert_eq!(count(OpType::Context), 1, "the WaitForCallback context");
            let cb = exec
                .operations
                .iter()
                .find(|o| o.op_type == OpType::Callback)
                .unwrap_or_else(|| panic!("no callback"));
            assert!(cb.callback_id.is_some(), "{}: callback id", path.display());
            assert!(
                cb.parent_id.is_some(),
                "{}: callback nested in its context",
                path.display()
            );
        }
        "fanout" => {
            let sub = |s: &str| {
                exec.operations
                    .iter()
                    .filter(|o| o.sub_type.as_deref() == Some(s))
                    .count()
            };
            assert_eq!(sub("Map"), 1);
            assert_eq!(sub("MapIteration"), 4);
            assert_eq!(sub("Parallel"), 1);
            assert_eq!(sub("ParallelBranch"), 2);
            assert_eq!(sub("RunInChildContext"), 1);
            assert_eq!(count(OpType::Step), 8);
            assert_eq!(count(OpType::Wait), 1);
        }
        "nondeterministic" => {
            let err = exec
                .error
                .as_ref()
                .unwrap_or_else(|| panic!("no execution error"));
            let ty = err.error_type.as_deref().unwrap_or("");
            assert!(
                ty.ends_with("NonDeterministicExecutionError"),
                "{}: {ty}",
                path.display()
            );
            let a = analyze(exec);
            assert!(
                !a.diagnoses.is_empty(),
                "{}: the SDK's non-determinism error is diagnosed",
                path.display()
            );
        }
        "chained-invoke" => {
            assert_eq!(count(OpType::ChainedInvoke), 1);
            let r = named("get-price")
                .result
                .as_ref()
                .and_then(|p| p.value().cloned());
            assert_eq!(r, Some(serde_json::json!({"price": 42, "sku": "sku-1"})));
        }
        _ => {}
    }
}

#[test]
fn js_history_events_load_with_exact_counts() {
    for s in SCENARIOS {
        check_history(
            &file("js-sdk", &format!("{s}.history.json")),
            s,
            Format::HistoryEvents,
        );
    }
}

#[test]
fn js_operation_lists_load_with_exact_counts() {
    for s in SCENARIOS {
        let path = file("js-sdk", &format!("{s}.operations.json"));
        let h = load(&path);
        assert_eq!(h.format, Format::Operations, "{}", path.display());
        let exec = only_execution(&h);
        assert_eq!(
            exec.operations.len(),
            expected(s).0,
            "{}: operation count",
            path.display()
        );
        // The runner's X.invocations.json beside it gives the invocations.
        assert_eq!(
            exec.invocations.len(),
            expected(s).1,
            "{}: invocation count from {s}.invocations.json",
            path.display()
        );
    }
}

#[test]
fn js_invocation_list_is_refused_with_a_pointer_to_the_history() {
    // The runner's invocation list has no operations: not a history.
    let path = file("js-sdk", "order-flow.invocations.json");
    let err = match load_path(&path) {
        Ok(h) => panic!("{} loaded as {:?}", path.display(), h.format),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("invocation"), "{err}");
}

#[test]
fn python_history_events_load_with_exact_counts() {
    for s in SCENARIOS {
        check_history(
            &file("python-sdk", &format!("{s}.history.json")),
            s,
            Format::HistoryEvents,
        );
    }
}

#[test]
fn python_cli_printed_histories_load_with_exact_counts() {
    for s in SCENARIOS {
        check_history(
            &file("python-sdk", &format!("{s}.history-cli.json")),
            s,
            Format::HistoryEvents,
        );
    }
}

#[test]
fn python_store_files_load_with_exact_counts() {
    for s in SCENARIOS {
        check_history(
            &file("python-sdk", &format!("{s}.store.json")),
            s,
            Format::PythonStoreJson,
        );
    }
}

#[test]
fn python_sqlite_store_lists_and_loads_every_execution() {
    let db = file("python-sdk", "emulator-store.db");
    let listed = list_store(&db).unwrap_or_else(|e| panic!("{} did not list: {e}", db.display()));
    assert_eq!(listed.len(), SCENARIOS.len());
    let h = load(&db);
    assert_eq!(h.format, Format::PythonStoreSqlite);
    assert_eq!(h.executions.len(), SCENARIOS.len());
    for s in SCENARIOS {
        let function = s.replace('-', "_");
        let exec = h
            .executions
            .iter()
            .find(|e| e.function_name.as_deref() == Some(function.as_str()))
            .unwrap_or_else(|| panic!("{}: no execution of {function}", db.display()));
        let (ops, invocations, status) = expected(s);
        assert_eq!(exec.operations.len(), ops, "{function}: operation count");
        assert_eq!(
            exec.invocations.len(),
            invocations,
            "{function}: invocation count"
        );
        assert_eq!(exec.status, Some(status), "{function}: status");
    }
}

#[test]
fn python_and_js_order_flow_runs_diff_as_equal() {
    let js = load(&file("js-sdk", "order-flow.history.json"));
    let py = load(&file("python-sdk", "order-flow.history.json"));
    let (js, py) = (only_execution(&js), only_execution(&py));
    let left = execution_sequence(js, &analyze(js));
    let right = execution_sequence(py, &analyze(py));
    let report = diff(&left, &right, DiffOptions::default());
    assert!(
        report.is_consistent(),
        "JS and Python order-flow differ: {:?}",
        report.first_violation().map(|v| v.to_string())
    );
    assert_eq!(
        report.changed_results().count(),
        0,
        "equal decoded results (Python envelope vs plain JSON)"
    );
}

/// The checked-in samples (recorded by these same scripts; see
/// sample-histories/README.md) load with the counts the README states.
#[test]
fn every_sample_history_loads_with_the_documented_counts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-histories");
    // (file, format, operations, invocations, status); None = not recorded.
    let samples: [(&str, Format, usize, Option<usize>, OpStatus); 15] = [
        (
            "order-flow.history.json",
            Format::HistoryEvents,
            4,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "order-flow.operations.json",
            Format::Operations,
            4,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "order-flow.python.history.json",
            Format::HistoryEvents,
            4,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "order-flow.python.store.json",
            Format::PythonStoreJson,
            4,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "retries.history.json",
            Format::HistoryEvents,
            2,
            Some(3),
            OpStatus::Succeeded,
        ),
        (
            "retries.python.history-cli.json",
            Format::HistoryEvents,
            2,
            Some(3),
            OpStatus::Succeeded,
        ),
        (
            "callback-flow.history.json",
            Format::HistoryEvents,
            5,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "callback-flow.python.history.json",
            Format::HistoryEvents,
            5,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "fanout.history.json",
            Format::HistoryEvents,
            18,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "fanout.python.store.json",
            Format::PythonStoreJson,
            18,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "chained-invoke.history.json",
            Format::HistoryEvents,
            3,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "chained-invoke.python.history.json",
            Format::HistoryEvents,
            3,
            Some(2),
            OpStatus::Succeeded,
        ),
        (
            "nondeterministic.history.json",
            Format::HistoryEvents,
            3,
            Some(2),
            OpStatus::Failed,
        ),
        (
            "nondeterministic.python.history.json",
            Format::HistoryEvents,
            3,
            Some(2),
            OpStatus::Failed,
        ),
        (
            "large-3000.history.json",
            Format::HistoryEvents,
            3000,
            Some(48),
            OpStatus::Succeeded,
        ),
    ];
    for (name, format, ops, invocations, status) in samples {
        let path = dir.join(name);
        let h = load(&path);
        assert_eq!(h.format, format, "{name}: format");
        let exec = only_execution(&h);
        assert_eq!(exec.operations.len(), ops, "{name}: operations");
        if let Some(n) = invocations {
            assert_eq!(exec.invocations.len(), n, "{name}: invocations");
        }
        // An operation list has no execution record; its status is unknown.
        if format != Format::Operations {
            assert_eq!(exec.status, Some(status), "{name}: status");
        }
        // Every sample is complete: no gap, nothing truncated, nothing absent
        // (the JS runner's `"Result": {}` for a submitter step that returned
        // `undefined` is an empty result, not data left out).
        assert_eq!(h.warnings.len(), 0, "{name}: warnings {:?}", h.warnings);
    }
    let db = dir.join("python-store.db");
    let h = load(&db);
    assert_eq!(h.format, Format::PythonStoreSqlite);
    assert_eq!(
        h.executions.len(),
        SCENARIOS.len(),
        "python-store.db: one row per scenario"
    );
}
