//! No handler process outlives `durable-lens rerun`: SIGTERM, SIGINT and
//! SIGHUP make it kill every descendant and exit 128 + signo; after SIGKILL
//! the supervisor it runs handlers under kills the tree; a `setsid`
//! grandchild that left the process group and holds the output pipes is
//! killed too and neither hangs the run nor defeats `--timeout`. Every test
//! checks /proc afterwards, waiting with a deadline.
#![cfg(target_os = "linux")]

#[path = "handlers/support.rs"]
mod support;

use rustix::process::{kill_process, Pid, Signal};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn history() -> PathBuf {
    support::root().join("tests/fixtures/js-sdk/order-flow.history.json")
}

fn start(handler: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .arg("rerun")
        .arg(history())
        .args(["--handler", handler])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// Alive and not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim().to_string()))
        .is_some_and(|r| !r.starts_with('Z'))
}

fn wait_for_pid(path: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(p) = support::read_pid(path) {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "the handler never wrote {}",
            path.display()
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

/// A handler that never answers: it starts a child in its group and a
/// `setsid` grandchild outside it, records the three pids, and sleeps.
fn sleeper(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "echo $$ > {d}/h.pid; sleep 300 & echo $! > {d}/c.pid; \
         setsid sleep 300 & echo $! > {d}/g.pid; sleep 300"
    )
}

fn pids(dir: &Path) -> Vec<u32> {
    ["h.pid", "c.pid", "g.pid"]
        .iter()
        .map(|f| wait_for_pid(&dir.join(f)))
        .collect()
}

fn signal_kills_the_tree(signal: Signal, expected_code: Option<i32>) {
    let dir = tempfile::tempdir().unwrap();
    let mut lens = start(&sleeper(dir.path()), &["--timeout", "600"]);
    let tree = pids(dir.path());
    assert!(tree.iter().all(|&p| alive(p)));
    let lens_pid = Pid::from_raw(lens.id() as i32).unwrap();
    kill_process(lens_pid, signal).unwrap();
    let status = lens.wait().unwrap();
    assert_eq!(status.code(), expected_code, "{status:?}");
    assert_all_gone(&tree, &format!("after {signal:?}"));
}

#[test]
fn sigterm_kills_every_handler_process_and_exits_143() {
    signal_kills_the_tree(Signal::TERM, Some(128 + 15));
}

#[test]
fn sigint_kills_every_handler_process_and_exits_130() {
    signal_kills_the_tree(Signal::INT, Some(128 + 2));
}

#[test]
fn sighup_kills_every_handler_process_and_exits_129() {
    signal_kills_the_tree(Signal::HUP, Some(128 + 1));
}

#[test]
fn sigkill_leaves_nothing_behind() {
    // Killed by the signal: no exit code; the supervisor cleans up.
    signal_kills_the_tree(Signal::KILL, None);
}

#[test]
fn a_setsid_grandchild_holding_the_pipes_neither_hangs_the_run_nor_survives() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // Answers at once, leaving a grandchild in its own session with stdout
    // and stderr still open.
    let handler = format!(
        "setsid sh -c 'echo $$ > {d}/g.pid; sleep 300' & \
         while [ ! -s {d}/g.pid ]; do :; done; echo '{{\"Status\":\"SUCCEEDED\",\"Result\":\"{{}}\"}}'"
    );
    let begun = Instant::now();
    let mut lens = start(&handler, &["--timeout", "30"]);
    let g = wait_for_pid(&dir.path().join("g.pid"));
    let status = lens.wait().unwrap();
    assert!(
        begun.elapsed() < Duration::from_secs(15),
        "the run waited on the grandchild's pipes: {:?}",
        begun.elapsed()
    );
    // It answered SUCCEEDED without the recorded operations: a divergence,
    // not an error or a hang.
    assert_eq!(status.code(), Some(1), "{status:?}");
    assert_all_gone(&[g], "after the handler answered");
}

#[test]
fn the_timeout_holds_while_a_setsid_grandchild_holds_the_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let begun = Instant::now();
    let mut lens = start(&sleeper(dir.path()), &["--timeout", "1"]);
    let tree = pids(dir.path());
    let mut stderr = String::new();
    let status = lens.wait().unwrap();
    if let Some(mut e) = lens.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(
        begun.elapsed() < Duration::from_secs(15),
        "--timeout 1 took {:?}",
        begun.elapsed()
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_all_gone(&tree, "after the timeout");
}
