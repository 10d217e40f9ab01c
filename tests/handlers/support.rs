//! Shared by the re-run integration tests: where the test handlers and the
//! runner shims live, and how to run them. Tests never skip when Node or the
//! SDK packages are missing: they fail and say how to install them.
#![allow(dead_code)]

use durable_lens::model::{Execution, Payload};
use durable_lens::rerun::{run_headless, HandlerCommand, Report, SessionConfig, SessionEvent};
use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn handlers_dir() -> PathBuf {
    root().join("tests/handlers")
}

fn install_hint(what: &str) -> String {
    format!(
        "{what} is missing: run `bash tests/handlers/install.sh` (installs the pinned official SDKs \
         into tests/handlers/node_modules and tests/handlers/.venv)"
    )
}

pub fn require_node() {
    let sdk = handlers_dir().join("node_modules/@aws/durable-execution-sdk-js/package.json");
    assert!(
        sdk.exists(),
        "{}",
        install_hint("the JS SDK (@aws/durable-execution-sdk-js)")
    );
    let ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success());
    assert!(matches!(ok, Ok(true)), "{}", install_hint("node"));
}

pub fn python() -> PathBuf {
    handlers_dir().join(".venv/bin/python")
}

pub fn require_python() {
    assert!(
        python().exists(),
        "{}",
        install_hint("the Python venv with aws-durable-execution-sdk-python")
    );
}

/// A JS handler file in tests/handlers run through the Node runner shim.
pub fn node_handler(file: &str, env: &[(&str, &str)]) -> HandlerCommand {
    require_node();
    HandlerCommand {
        command: format!(
            "node {} {file} handler",
            root().join("assets/runners/node-runner.mjs").display()
        ),
        cwd: Some(handlers_dir()),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A Python handler `module:function` in tests/handlers run through the Python runner shim.
pub fn python_handler(spec: &str, env: &[(&str, &str)]) -> HandlerCommand {
    require_python();
    HandlerCommand {
        command: format!(
            "{} {} {spec}",
            python().display(),
            root().join("assets/runners/python-runner.py").display()
        ),
        cwd: Some(handlers_dir()),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A shell one-liner as a handler (bad-handler cases).
pub fn shell_handler(script: &str) -> HandlerCommand {
    HandlerCommand {
        command: script.to_string(),
        cwd: Some(handlers_dir()),
        env: Vec::new(),
    }
}

/// An execution with only an input: what a fresh run needs.
pub fn input_only(input: &str) -> Execution {
    Execution {
        arn: None,
        execution_op_id: None,
        name: Some("fresh".into()),
        function_name: None,
        status: None,
        start: None,
        end: None,
        input: Some(Payload::new(input)),
        result: None,
        error: None,
        operations: Vec::new(),
        invocations: Vec::new(),
        sdk: Default::default(),
    }
}

/// Processes (pid list) still alive in process group `pgid`, zombies excluded.
pub fn live_in_group(pgid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the ")" that closes the command name: state ppid pgrp ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r.trim().to_string()) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string() {
            out.push(pid);
        }
    }
    out
}

/// Record `file`'s execution with the JS SDK's own local test runner and
/// load it: the reference a re-run is compared with.
pub fn record_js(dir: &std::path::Path, file: &str, input: &str) -> Execution {
    record_js_with(dir, file, input, &[])
}

/// `record_js` with environment for the handler (a `VARIANT`).
pub fn record_js_with(
    dir: &std::path::Path,
    file: &str,
    input: &str,
    env: &[(&str, &str)],
) -> Execution {
    require_node();
    let out = dir.join(format!("{file}.history.json"));
    let status = std::process::Command::new("node")
        .arg("record-js.mjs")
        .arg(file)
        .arg(input)
        .arg(&out)
        .current_dir(handlers_dir())
        .env_remove("VARIANT")
        .envs(env.iter().copied())
        .status()
        .expect("node runs");
    assert!(
        status.success(),
        "recording {file} with the JS test runner failed"
    );
    load_one(&out)
}

/// Record a Python handler with the Python SDK's own local test runner
/// (filesystem store) and load the execution file.
pub fn record_py(dir: &std::path::Path, spec: &str, input: &str) -> Execution {
    load_one(&run_record_py(dir, spec, input, None))
}

/// Record a Python handler and keep both files a user may have: the store's
/// execution file and the history events (`GetDurableExecutionHistory`).
pub fn record_py_files(dir: &std::path::Path, spec: &str, input: &str) -> (PathBuf, PathBuf) {
    let history = dir.join("history.json");
    (run_record_py(dir, spec, input, Some(&history)), history)
}

/// Run `record_py.py` into `dir/store` (and `history` when given); the
/// store's execution file.
fn run_record_py(
    dir: &std::path::Path,
    spec: &str,
    input: &str,
    history: Option<&std::path::Path>,
) -> PathBuf {
    require_python();
    let store = dir.join("store");
    let status = std::process::Command::new(python())
        .arg("record_py.py")
        .arg(spec)
        .arg(input)
        .arg(&store)
        .args(history)
        .current_dir(handlers_dir())
        .env_remove("VARIANT")
        .status()
        .expect("python runs");
    assert!(
        status.success(),
        "recording {spec} with the Python test runner failed"
    );
    std::fs::read_dir(&store)
        .expect("store folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("an execution file in the store")
}

/// `durable-lens rerun ARGS --json`: exit code, the JSON report, stderr.
pub fn rerun_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let (code, text, stderr) = rerun_cli(&[args, &["--json"]].concat());
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("no JSON on stdout ({e}): {text}\n{stderr}"));
    (code, v, stderr)
}

/// `durable-lens rerun ARGS`: exit code, stdout, stderr.
pub fn rerun_cli(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .arg("rerun")
        .args(args)
        .output()
        .expect("the binary runs");
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        s(&out.stdout),
        s(&out.stderr),
    )
}

pub fn load_one(path: &std::path::Path) -> Execution {
    let h = durable_lens::load::load_path(path)
        .unwrap_or_else(|e| panic!("loading {}: {e}", path.display()));
    h.executions.into_iter().next().expect("one execution")
}

/// Run a session to its end, keeping every event; each invocation's output
/// goes to stderr so a failing test shows what the handler said.
pub fn rerun_collecting(config: SessionConfig) -> (Report, Vec<SessionEvent>) {
    let mut events = Vec::new();
    let report = run_headless(config, &mut |e| events.push(e.clone())).expect("a report");
    for r in &report.invocations {
        eprintln!(
            "--- invocation {}: {}\n{}",
            r.index,
            r.stdout.trim(),
            r.stderr.trim()
        );
    }
    (report, events)
}

/// The pid a test handler wrote to `path` (`echo $$ > path`), once it has.
pub fn read_pid(path: &std::path::Path) -> Option<u32> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
}
