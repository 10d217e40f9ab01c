//! One handler process: spawn it in its own process group, feed the event on
//! stdin, collect stdout/stderr, enforce the per-invocation timeout (not
//! counting time the session holds the handler at a pause), and kill the
//! whole group afterwards so nothing it started outlives the invocation.

use rustix::process::{kill_process_group, Pid, Signal};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Keep at most this much of each output stream (the tail is what explains
/// a crash, so the head is dropped first).
const MAX_CAPTURE_BYTES: usize = 4 * 1024 * 1024;

/// How to run a handler: a shell command line, a working directory and
/// extra environment. Saved with a history as its "link".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub struct HandlerCommand {
    /// Run with `/bin/sh -c`, so quoting and `VAR=x cmd` work as in a terminal.
    pub command: String,
    pub cwd: Option<PathBuf>,
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("cannot start handler `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("lost track of handler process {pid}: {source}")]
    Wait {
        pid: u32,
        #[source]
        source: std::io::Error,
    },
}

/// How one process run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessOutcome {
    pub pid: u32,
    pub stdout: String,
    pub stderr: String,
    /// `None` when killed by a signal.
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stopped: bool,
    pub duration: Duration,
}

/// Lets another thread stop the running process (user pressed stop, app
/// exits) and kill its whole group at once.
#[derive(Debug, Default)]
pub struct Stopper {
    stop: AtomicBool,
    pgid: Mutex<Option<u32>>,
}

impl Stopper {
    pub fn new() -> Arc<Stopper> {
        Arc::new(Stopper::default())
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(pgid) = *self.pgid.lock().unwrap_or_else(|p| p.into_inner()) {
            kill_group(pgid);
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Clear a stop request (a restart reuses the stopper).
    pub fn reset(&self) {
        self.stop.store(false, Ordering::SeqCst);
    }

    fn set_pgid(&self, pgid: Option<u32>) {
        *self.pgid.lock().unwrap_or_else(|p| p.into_inner()) = pgid;
    }
}

/// Time the session spent holding the handler at a pause; the timeout does
/// not count it.
#[derive(Debug, Default)]
pub struct HoldMeter {
    inner: Mutex<(Duration, Option<Instant>)>,
}

impl HoldMeter {
    pub fn new() -> Arc<HoldMeter> {
        Arc::new(HoldMeter::default())
    }

    pub fn begin(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.1.is_none() {
            g.1 = Some(Instant::now());
        }
    }

    pub fn end(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(since) = g.1.take() {
            g.0 += since.elapsed();
        }
    }

    /// Total held time so far, including a hold in progress.
    pub fn total(&self) -> Duration {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0 + g.1.map(|s| s.elapsed()).unwrap_or_default()
    }
}

fn kill_group(pgid: u32) {
    if let Some(pid) = i32::try_from(pgid).ok().and_then(Pid::from_raw) {
        // ESRCH (already gone) is the expected case after a clean exit.
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

fn capture(mut r: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.len() > MAX_CAPTURE_BYTES * 2 {
                        out.drain(..out.len() - MAX_CAPTURE_BYTES);
                    }
                }
            }
        }
        if out.len() > MAX_CAPTURE_BYTES {
            out.drain(..out.len() - MAX_CAPTURE_BYTES);
        }
        out
    })
}

/// Run the handler once with `input` on stdin and `env` added.
pub fn run_once(
    cmd: &HandlerCommand,
    input: Vec<u8>,
    env: &[(String, String)],
    env_remove: &[&str],
    timeout: Duration,
    stopper: &Stopper,
    hold: &HoldMeter,
) -> Result<ProcessOutcome, ProcessError> {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(&cmd.command);
    if let Some(cwd) = &cmd.cwd {
        c.current_dir(cwd);
    }
    for k in env_remove {
        c.env_remove(k);
    }
    c.envs(cmd.env.iter().map(|(k, v)| (k, v)));
    c.envs(env.iter().map(|(k, v)| (k, v)));
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group: one kill reaches everything the handler started.
    c.process_group(0);
    let mut child = c.spawn().map_err(|source| ProcessError::Spawn {
        command: cmd.command.clone(),
        source,
    })?;
    let pid = child.id();
    stopper.set_pgid(Some(pid));
    if stopper.is_stopped() {
        kill_group(pid);
    }
    let started = Instant::now();
    let held_at_start = hold.total();
    let out = child.stdout.take().map(capture);
    let err = child.stderr.take().map(capture);
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            // A handler that exits without reading its input is reported by
            // its output, not by a broken pipe here.
            let _ = stdin.write_all(&input);
        })
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(source) => {
                kill_group(pid);
                stopper.set_pgid(None);
                return Err(ProcessError::Wait { pid, source });
            }
        }
        let active = started
            .elapsed()
            .saturating_sub(hold.total().saturating_sub(held_at_start));
        if !timed_out && (active > timeout || stopper.is_stopped()) {
            timed_out = active > timeout;
            kill_group(pid);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever the handler left running in its group goes with it.
    kill_group(pid);
    stopper.set_pgid(None);
    if let Some(w) = writer {
        let _ = w.join();
    }
    let text = |h: Option<JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    use std::os::unix::process::ExitStatusExt;
    Ok(ProcessOutcome {
        pid,
        stdout: text(out),
        stderr: text(err),
        exit_code: status.code(),
        signal: status.signal(),
        timed_out,
        stopped: stopper.is_stopped() && !timed_out,
        duration: started.elapsed(),
    })
}
