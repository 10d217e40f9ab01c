//! The re-run's speed, two ratios printed in one run:
//!
//! 1. The same loop handler (tests/sdk/python/bench_loop.py: the loop-2000
//!    scenario, 2,000 steps and a 20-minute wait after every 500) run by the
//!    Python SDK's own in-memory runner (the pinned
//!    aws-durable-execution-sdk-python-testing), then by `durable-lens rerun`
//!    against the history that run recorded, wall time of each:
//!    `RATIO rerun_vs_sdk_runner` (target <= 1.5x) for the handler as Lambda
//!    runs it (the official runtime interface client, one warm process,
//!    `--preset python`), and `RATIO rerun_stdio_vs_sdk_runner` for the
//!    stdin/stdout runner (a process per invocation).
//! 2. The local service's work per checkpoint (validate and apply a batch,
//!    build the operations it changed, serialise the answer: what the
//!    service does per request) with 500 and with 5,000 operations already
//!    in the history, and `RATIO checkpoint_5000_vs_500` (target <= 1.2x:
//!    the work must not grow with the history).
//!
//! `cargo bench --bench rerun` measures. Under `cargo test --all-targets`
//! (no `--bench` argument) it runs a 20-step loop and small histories once as
//! a smoke test (each side must succeed), so CI stays quick.
//!
//! Last measured (2-core VM shared with other builds): service 9.6 µs per
//! checkpoint at 500 operations, 9.1 µs at 5,000 (0.94x); the SDK runner
//! 6.23 s (its process 11.48 s), `durable-lens rerun` 11.51 s over 4
//! invocations: 1.85x (1.00x the runner's process). The rest is the
//! handler's: a Python process per invocation and botocore signing and
//! sending every checkpoint over HTTP, which the in-memory runner does
//! in-process. With the warm Runtime API handler (`--preset python`, one
//! process; a debug build of durable-lens, machine idle): 5.95 s against the
//! runner's 3.91 s, 1.52x (0.87x the runner's 6.8 s process).

use durable_lens::rerun::history;
use durable_lens::rerun::wire::{OperationUpdate, WireOp};
use durable_lens::rerun::ExecState;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    let p = root().join("tests/sdk/.venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `bash tests/sdk/install.sh` (the pinned Python SDK and its testing package)",
        p.display()
    );
    p
}

/// The SDK's in-memory runner: (its own timing, wall time of the process).
fn sdk_runner(steps: usize, history: &Path) -> (Duration, Duration) {
    let started = Instant::now();
    let out = Command::new(python())
        .arg("bench_loop.py")
        .arg(history)
        .env("BENCH_LOOP_STEPS", steps.to_string())
        .current_dir(root().join("tests/sdk/python"))
        .output()
        .expect("start the SDK runner");
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "the SDK runner failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(line.trim()).expect("the SDK runner's JSON line");
    assert_eq!(v["status"], "InvocationStatus.SUCCEEDED", "{line}");
    let own = Duration::from_secs_f64(v["seconds"].as_f64().expect("seconds"));
    (own, wall)
}

/// How the handler is run: the stdin/stdout runner (a process per
/// invocation), or the official runtime interface client (`--preset
/// python`, awslambdaric from tests/handlers/.venv) in one warm process.
#[derive(Clone, Copy)]
enum Mode {
    Stdio,
    Warm,
}

/// `durable-lens rerun` of the recorded history: wall time, invocations.
fn rerun(steps: usize, history: &Path, mode: Mode) -> (Duration, usize) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    cmd.arg("rerun").arg(history);
    match mode {
        Mode::Stdio => {
            let handler = format!(
                "{} {} bench_loop:handler",
                python().display(),
                root().join("assets/runners/python-runner.py").display()
            );
            cmd.args(["--handler", &handler]);
        }
        Mode::Warm => {
            // The preset runs `python3 -m awslambdaric`: the venv that has it first.
            let bin = root().join("tests/handlers/.venv/bin");
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![bin];
            dirs.extend(std::env::split_paths(&path));
            cmd.args(["--preset", "python", "--handler", "bench_loop.handler"])
                .env("PATH", std::env::join_paths(dirs).expect("PATH"));
        }
    }
    let started = Instant::now();
    let out = cmd
        .args(["--json", "--cwd"])
        .arg(root().join("tests/sdk/python"))
        .env("BENCH_LOOP_STEPS", steps.to_string())
        .output()
        .expect("start durable-lens rerun");
    let wall = started.elapsed();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the re-run of its own recording must pass: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let invocations = report["invocations"].as_array().map_or(0, Vec::len);
    (wall, invocations)
}

fn update(id: String, action: &str, name: &str) -> OperationUpdate {
    OperationUpdate {
        id,
        op_type: "STEP".into(),
        action: action.into(),
        name: Some(name.into()),
        sub_type: Some("Step".into()),
        payload: (action == "SUCCEED").then(|| "42".to_string()),
        ..OperationUpdate::default()
    }
}

/// One checkpoint as the service handles it.
fn checkpoint(st: &mut ExecState, token: &str, updates: &[OperationUpdate]) -> String {
    let answer = st.checkpoint(token, updates).expect("accepted");
    let ids: HashSet<&str> = updates.iter().map(|u| u.id.as_str()).collect();
    std::hint::black_box(history::operations(st, Some(&ids)));
    std::hint::black_box(answer.to_string());
    answer["CheckpointToken"]
        .as_str()
        .expect("token")
        .to_string()
}

/// Median µs per checkpoint over `rounds` START and SUCCEED checkpoints of
/// new steps, with `base` operations already in the history.
fn per_checkpoint(base: usize, rounds: usize, repeats: usize) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..repeats {
        let exec = WireOp {
            id: "exec".into(),
            op_type: "EXECUTION".into(),
            status: "STARTED".into(),
            ..WireOp::default()
        };
        let mut st = ExecState::new("arn:bench".into(), exec, Vec::new());
        let mut token = st.begin_invocation(0);
        for i in 0..base {
            let id = format!("op-{i}");
            token = checkpoint(&mut st, &token, &[update(id.clone(), "START", "item")]);
            token = checkpoint(&mut st, &token, &[update(id, "SUCCEED", "item")]);
        }
        let started = Instant::now();
        for i in base..base + rounds {
            let id = format!("op-{i}");
            token = checkpoint(&mut st, &token, &[update(id.clone(), "START", "item")]);
            token = checkpoint(&mut st, &token, &[update(id, "SUCCEED", "item")]);
        }
        samples.push(started.elapsed().as_secs_f64() * 1e6 / (2 * rounds) as f64);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let (steps, small, large, rounds, repeats) = if bench_mode {
        (2000, 500, 5000, 500, 7)
    } else {
        (20, 50, 500, 50, 3)
    };

    let a = per_checkpoint(small, rounds, repeats);
    let b = per_checkpoint(large, rounds, repeats);
    println!("service: {a:.1} µs per checkpoint at {small} operations, {b:.1} µs at {large}");
    println!(
        "RATIO checkpoint_{large}_vs_{small}: {:.2}x (target <= 1.2x)",
        b / a.max(1e-9)
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let history = dir.path().join("loop.history.json");
    let (own, sdk_wall) = sdk_runner(steps, &history);
    println!(
        "SDK in-memory runner, {steps} steps: {:.2} s (process {:.2} s)",
        own.as_secs_f64(),
        sdk_wall.as_secs_f64()
    );
    for (mode, label, ratio) in [
        (Mode::Warm, "warm, --preset python", "rerun_vs_sdk_runner"),
        (
            Mode::Stdio,
            "stdin/stdout runner",
            "rerun_stdio_vs_sdk_runner",
        ),
    ] {
        let (rerun_wall, invocations) = rerun(steps, &history, mode);
        println!(
            "durable-lens rerun ({label}), {steps} steps: {:.2} s, {invocations} invocations",
            rerun_wall.as_secs_f64()
        );
        println!(
            "RATIO {ratio}: {:.2}x (target <= 1.5x; the runner's process {:.2}x)",
            rerun_wall.as_secs_f64() / own.as_secs_f64().max(1e-9),
            rerun_wall.as_secs_f64() / sdk_wall.as_secs_f64().max(1e-9),
        );
    }
}
