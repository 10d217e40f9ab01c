//! Handlers served through the Lambda Runtime API, unmodified, by the
//! official runtime clients (`awslambdaric` for Python, `lambda_runtime`
//! under the official Rust SDK): each replays its own recording (made by
//! the SDK's own test runner) clean, warm and cold, from every recorded
//! invocation; a code change exits 1 with the SDK's message; module state
//! survives between invocations only warm; a runtime that cannot load the
//! handler is said as such; and a warm process is gone after the run,
//! after a signal and after `--timeout`.
#![cfg(target_os = "linux")]

#[path = "handlers/support.rs"]
mod support;

use durable_lens::rerun::preset::{self, Preset};
use durable_lens::rerun::{Reuse, SessionConfig};
use rustix::process::{kill_process, Pid, Signal};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// PATH with the test venv first: `--preset python` runs `python3` from PATH.
fn venv_path() -> String {
    support::require_python();
    let bin = support::handlers_dir().join(".venv/bin");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `durable-lens rerun FILE ARGS --json` with `env`: exit code and report.
fn rerun(file: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .arg("rerun")
        .arg(file)
        .args(args)
        .arg("--json")
        .env("PATH", venv_path())
        .env_remove("VARIANT")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("no JSON on stdout ({e}): {text}\n{stderr}"));
    (out.status.code().unwrap_or(-1), v, stderr)
}

fn record_py(dir: &Path, spec: &str, input: &str) -> PathBuf {
    let store = dir.join("store");
    let status = Command::new(support::python())
        .args(["record_py.py", spec, input])
        .arg(&store)
        .current_dir(support::handlers_dir())
        .env_remove("VARIANT")
        .stderr(Stdio::null())
        .status()
        .expect("python runs");
    assert!(status.success(), "recording {spec} failed");
    std::fs::read_dir(&store)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("an execution file")
}

fn invocations(file: &Path) -> usize {
    support::load_one(file).invocations.len()
}

fn py_args<'a>(handler: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["--preset", "python", "--cwd", leak(support::handlers_dir())];
    a.extend(["--handler", handler]);
    a.extend(extra);
    a
}

/// Leak the path string: the args borrow it for the whole test.
fn leak(p: PathBuf) -> &'static str {
    Box::leak(p.display().to_string().into_boxed_str())
}

#[test]
fn python_awslambdaric_replays_its_recording_warm_and_cold_from_every_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_py(dir.path(), "order_flow:handler", r#"{"orderId":"A1"}"#);
    let n = invocations(&file);
    assert!(n >= 2, "the recording has a wait: {n} invocation(s)");
    for reuse in [&[][..], &["--cold"][..]] {
        for k in 1..=n {
            let ks = k.to_string();
            let mut extra = reuse.to_vec();
            extra.extend(["--from-invocation", &ks]);
            let (code, v, stderr) = rerun(&file, &py_args("order_flow.handler", &extra), &[]);
            assert_eq!(code, 0, "{reuse:?} from {k}: {v:#}\n{stderr}");
            assert_eq!(v["verdict"], "same", "{reuse:?} from {k}: {v:#}");
            assert_eq!(v["status"], "SUCCEEDED");
        }
    }
}

#[test]
fn python_awslambdaric_code_change_exits_1_with_the_sdks_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_py(dir.path(), "order_flow:handler", r#"{"orderId":"A1"}"#);
    let (code, v, stderr) = rerun(
        &file,
        &py_args("order_flow.handler", &["--from-invocation", "2"]),
        &[("VARIANT", "renamed")],
    );
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let sdk = v["divergence"]["sdk_error"].as_str().unwrap_or_default();
    // The Python SDK's own wording (docs/formats.md §7).
    assert!(
        sdk.contains("Non-deterministic operation identity")
            && sdk.contains("name checkpoint='process-payment' current='charge-card'"),
        "{v:#}"
    );
}

#[test]
fn one_warm_process_serves_every_invocation_and_cold_starts_one_each() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_py(dir.path(), "order_flow:handler", r#"{"orderId":"A1"}"#);
    let recorded = support::load_one(&file);
    let pids = |reuse: Reuse| {
        let mut cmd = preset::command(
            Preset::Python,
            "order_flow.handler",
            Some(&support::handlers_dir()),
        )
        .unwrap();
        cmd.env.push(("PATH".into(), venv_path()));
        let mut config = SessionConfig::new(recorded.clone(), cmd);
        config.reuse = reuse;
        let (report, _) = support::rerun_collecting(config);
        assert!(report.error.is_none() && report.divergence.is_none());
        report.invocations.iter().map(|r| r.pid).collect::<Vec<_>>()
    };
    let warm = pids(Reuse::default());
    assert_eq!(warm.len(), recorded.invocations.len());
    assert!(warm.windows(2).all(|w| w[0] == w[1]), "warm: {warm:?}");
    // The warm process, idle in /next when the execution ended, went with the run.
    assert_all_gone(&warm, "the warm process after the run");
    let cold = pids(Reuse {
        cold: true,
        recycle_after: None,
    });
    assert!(cold.windows(2).all(|w| w[0] != w[1]), "cold: {cold:?}");
}

#[test]
fn module_state_survives_between_invocations_only_warm() {
    let dir = tempfile::tempdir().unwrap();
    // The SDK's runner runs every invocation in one process: the counter
    // reaches 3 at the third attempt and the charge succeeds there.
    let file = record_py(dir.path(), "counter_flow:handler", "{}");
    let recorded = support::load_one(&file);
    assert_eq!(recorded.invocations.len(), 3);
    let (code, v, stderr) = rerun(&file, &py_args("counter_flow.handler", &[]), &[]);
    assert_eq!(code, 0, "warm: {v:#}\n{stderr}");
    assert_eq!(v["verdict"], "same");
    // A fresh process per invocation resets the counter: every attempt
    // fails, and the recorded success is not reached.
    for extra in [&["--cold"][..], &["--recycle-after", "2"][..]] {
        let (code, v, stderr) = rerun(&file, &py_args("counter_flow.handler", extra), &[]);
        assert_eq!(code, 1, "{extra:?}: {v:#}\n{stderr}");
        assert_eq!(v["status"], "FAILED", "{extra:?}");
        assert!(
            v.to_string()
                .contains("payment gateway timeout (call 1 of this process)"),
            "{extra:?}: {v:#}"
        );
    }
}

#[test]
fn a_handler_the_runtime_cannot_load_is_an_init_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_py(dir.path(), "order_flow:handler", r#"{"orderId":"A1"}"#);
    let (code, v, stderr) = rerun(&file, &py_args("no_such_module.handler", &[]), &[]);
    assert_eq!(code, 2, "{v:#}\n{stderr}");
    let err = v["error"].as_str().unwrap_or_default();
    // awslambdaric's own words for a module it cannot import.
    assert!(
        err.contains("init error") && err.contains("Unable to import module 'no_such_module'"),
        "{v:#}"
    );
}

#[test]
fn a_raised_error_and_a_runtime_that_dies_are_said_as_such() {
    let history = support::root().join("tests/fixtures/js-sdk/order-flow.history.json");
    // awslambdaric posts what the handler raised to …/{id}/error.
    let (code, v, stderr) = rerun(&history, &py_args("plain_rt.raises", &[]), &[]);
    assert_eq!(code, 2, "{v:#}\n{stderr}");
    let err = v["error"].as_str().unwrap_or_default();
    // Numbered from 1, as the CLI numbers invocations.
    assert!(
        err.starts_with("invocation 1: the handler raised ValueError")
            && err.contains("boom from a plain handler"),
        "{v:#}"
    );
    let (code, v, stderr) = rerun(&history, &py_args("plain_rt.exits", &[]), &[]);
    assert_eq!(code, 2, "{v:#}\n{stderr}");
    let err = v["error"].as_str().unwrap_or_default();
    assert!(
        err.starts_with("invocation 1: the runtime exited (status 3) before answering"),
        "{v:#}"
    );
}

// ---- the Node preset: aws-lambda-ric ---------------------------------------

fn require_node_ric() {
    support::require_node();
    let ric = support::handlers_dir().join("node_modules/aws-lambda-ric/index.mjs");
    assert!(
        ric.is_file(),
        "aws-lambda-ric is missing: run `bash tests/handlers/install.sh` (it installs cmake and \
         autotools for its native build)"
    );
}

/// Record a JS handler with the JS SDK's own LocalDurableTestRunner (one
/// process for every invocation); the history file.
fn record_js(dir: &Path, file: &str, input: &str) -> PathBuf {
    support::record_js(dir, file, input);
    dir.join(format!("{file}.history.json"))
}

fn node_args<'a>(handler: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    require_node_ric();
    let mut a = vec!["--preset", "node", "--cwd", leak(support::handlers_dir())];
    a.extend(["--handler", handler]);
    a.extend(extra);
    a
}

#[test]
fn node_aws_lambda_ric_replays_its_recording_warm_and_cold_from_every_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_js(dir.path(), "order-flow.mjs", r#"{"orderId":"N1"}"#);
    let n = invocations(&file);
    assert!(n >= 2, "the recording has a wait: {n} invocation(s)");
    for reuse in [&[][..], &["--cold"][..]] {
        for k in 1..=n {
            let ks = k.to_string();
            let mut extra = reuse.to_vec();
            extra.extend(["--from-invocation", &ks]);
            let (code, v, stderr) = rerun(&file, &node_args("order-flow.handler", &extra), &[]);
            assert_eq!(code, 0, "{reuse:?} from {k}: {v:#}\n{stderr}");
            assert_eq!(v["verdict"], "same", "{reuse:?} from {k}: {v:#}");
        }
    }
}

#[test]
fn node_aws_lambda_ric_code_change_exits_1_with_the_sdks_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_js(dir.path(), "order-flow.mjs", r#"{"orderId":"N1"}"#);
    let (code, v, stderr) = rerun(
        &file,
        &node_args("order-flow.handler", &["--from-invocation", "2"]),
        &[("VARIANT", "renamed")],
    );
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let sdk = v["divergence"]["sdk_error"].as_str().unwrap_or_default();
    // The JS SDK's own wording (docs/formats.md §7).
    assert!(
        sdk.contains("Non-deterministic execution detected: Operation name mismatch"),
        "{v:#}"
    );
}

#[test]
fn node_module_state_survives_between_invocations_only_warm() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_js(dir.path(), "counter-flow.mjs", "{}");
    let (code, v, stderr) = rerun(&file, &node_args("counter-flow.handler", &[]), &[]);
    assert_eq!(code, 0, "warm: {v:#}\n{stderr}");
    assert!(v["divergence"].is_null(), "warm: {v:#}");
    // The third call of the one warm process is the one that succeeds, as
    // in the recording. (The JS runner, skipping time, ran attempts 2 and
    // 3 in one invocation, where the re-run's service suspends between
    // them: the invocation count is listed as a change, not a divergence.)
    assert_eq!(
        v["result"], r#"{"charged":true,"calls":3,"receipt":"r-1"}"#,
        "{v:#}"
    );
    let (code, v, stderr) = rerun(&file, &node_args("counter-flow.handler", &["--cold"]), &[]);
    assert_eq!(code, 1, "cold: {v:#}\n{stderr}");
    assert!(
        v.to_string()
            .contains("payment gateway timeout (call 1 of this process)"),
        "{v:#}"
    );
}

// ---- the Rust preset: the official Rust SDK under lambda_runtime ----------

/// Build tests/rust-handler (its own workspace) once per test binary.
fn rust_bootstrap() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = support::root().join("tests/rust-handler");
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--bins"])
                .current_dir(&dir)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building tests/rust-handler failed");
            dir.join("target/debug/bootstrap")
        })
        .clone()
}

/// Record the Rust handler with the SDK's own in-process LocalRunner
/// (tests/rust-handler/src/bin/record.rs), as the JS testing tool writes a
/// run: X.operations.json beside X.invocations.json.
fn record_rust(dir: &Path) -> PathBuf {
    let bootstrap = rust_bootstrap();
    let status = Command::new(bootstrap.with_file_name("record"))
        .arg(dir.join("rust"))
        .env_remove("VARIANT")
        .status()
        .expect("the recorder runs");
    assert!(status.success(), "recording the Rust handler failed");
    dir.join("rust.operations.json")
}

#[test]
fn rust_sdk_bootstrap_replays_its_recording_warm_and_cold_from_every_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_rust(dir.path());
    let bootstrap = leak(rust_bootstrap());
    let n = invocations(&file);
    assert_eq!(
        n, 2,
        "the runner's recording has a wait between two invocations"
    );
    for reuse in [&[][..], &["--cold"][..]] {
        for k in 1..=n {
            let ks = k.to_string();
            let mut args = vec!["--preset", "rust", "--handler", bootstrap];
            args.extend(reuse);
            args.extend(["--from-invocation", &ks]);
            let (code, v, stderr) = rerun(&file, &args, &[]);
            assert_eq!(code, 0, "{reuse:?} from {k}: {v:#}\n{stderr}");
            assert_eq!(v["status"], "SUCCEEDED");
        }
    }
}

#[test]
fn rust_sdk_code_change_exits_1_with_the_sdks_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = record_rust(dir.path());
    let bootstrap = leak(rust_bootstrap());
    // From the second invocation the SDK replays the renamed first step.
    let (code, v, stderr) = rerun(
        &file,
        &[
            "--preset",
            "rust",
            "--handler",
            bootstrap,
            "--from-invocation",
            "2",
        ],
        &[("VARIANT", "renamed")],
    );
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let d = &v["divergence"];
    assert_eq!(d["kind"], "shape", "{v:#}");
    assert_eq!(d["position"], "1", "{v:#}");
    assert!(
        d["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Expected operation 'validate-order' of type STEP at position 1, but found operation 'check-order'"),
        "{v:#}"
    );
    // The SDK's own wording (aws-durable-execution-sdk 0.1.0, src/error.rs).
    let sdk = d["sdk_error"].as_str().unwrap_or_default();
    assert!(
        sdk.contains("does not match checkpoint")
            && sdk.contains(
                r#"expected STEP/Step named "validate-order", got Step/Step named "check-order""#
            ),
        "{v:#}"
    );
}

// ---- no warm process left behind -----------------------------------------

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim().to_string()))
        .is_some_and(|r| !r.starts_with('Z'))
}

fn wait_for_pids(dir: &Path) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pids: Vec<u32> = ["h", "c", "g"]
            .iter()
            .filter_map(|n| support::read_pid(&dir.join(format!("{n}.pid"))))
            .collect();
        if pids.len() == 3 {
            return pids;
        }
        assert!(
            Instant::now() < deadline,
            "the handler never wrote its pids"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn assert_all_gone(pids: &[u32], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<u32> = pids.iter().copied().filter(|&p| alive(p)).collect();
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            for &p in &left {
                let _ = kill_process(Pid::from_raw(p as i32).unwrap(), Signal::KILL);
            }
            panic!("{what}: processes {left:?} survived");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn start_sleeper(pids: &Path, extra: &[&str]) -> std::process::Child {
    let history = support::root().join("tests/fixtures/js-sdk/order-flow.history.json");
    Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .arg("rerun")
        .arg(history)
        .args(py_args("sleeper_rt.handler", extra))
        .env("PATH", venv_path())
        .env("PIDS_DIR", pids)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

#[test]
fn signals_to_durable_lens_take_the_runtime_api_process_tree_along() {
    for (signal, code) in [
        (Signal::TERM, Some(143)),
        (Signal::INT, Some(130)),
        (Signal::HUP, Some(129)),
        (Signal::KILL, None),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = start_sleeper(dir.path(), &[]);
        let pids = wait_for_pids(dir.path());
        kill_process(Pid::from_raw(child.id() as i32).unwrap(), signal).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), code, "{signal:?}");
        assert_all_gone(&pids, &format!("{signal:?}"));
    }
}

#[test]
fn the_timeout_holds_for_a_runtime_api_handler_and_kills_its_tree() {
    let dir = tempfile::tempdir().unwrap();
    let child = start_sleeper(dir.path(), &["--timeout", "2"]);
    let out = child.wait_with_output().unwrap();
    let pids = wait_for_pids(dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_all_gone(&pids, "--timeout");
}
