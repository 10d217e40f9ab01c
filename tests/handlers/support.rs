//! Shared by the re-run integration tests: where the test handlers and the
//! runner shims live, and how to run them. Tests never skip when Node or the
//! SDK packages are missing: they fail and say how to install them.
#![allow(dead_code)]

use durable_lens::model::{Execution, Payload};
use durable_lens::rerun::HandlerCommand;
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
    assert!(sdk.exists(), "{}", install_hint("the JS SDK (@aws/durable-execution-sdk-js)"));
    let ok = std::process::Command::new("node").arg("--version").output().map(|o| o.status.success());
    assert!(matches!(ok, Ok(true)), "{}", install_hint("node"));
}

pub fn python() -> PathBuf {
    handlers_dir().join(".venv/bin/python")
}

pub fn require_python() {
    assert!(python().exists(), "{}", install_hint("the Python venv with aws-durable-execution-sdk-python"));
}

/// A JS handler file in tests/handlers run through the Node runner shim.
pub fn node_handler(file: &str, env: &[(&str, &str)]) -> HandlerCommand {
    require_node();
    HandlerCommand {
        command: format!("node {} {file} handler", root().join("assets/runners/node-runner.mjs").display()),
        cwd: Some(handlers_dir()),
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
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
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
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
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // Fields after the ")" that closes the command name: state ppid pgrp ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r.trim().to_string()) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 2 && f[0] != "Z" && f[2] == pgid.to_string() {
            out.push(pid);
        }
    }
    out
}
