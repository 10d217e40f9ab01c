//! One handler process: spawn it under a supervisor (`supervisor`) in its
//! own process group, feed the event on stdin, collect stdout/stderr,
//! enforce the per-invocation timeout (not counting time the session holds
//! the handler at a pause), and kill the whole tree afterwards so nothing it
//! started outlives the invocation. Output pipes are read only until a
//! short grace after the handler ends: a grandchild that kept them open
//! cannot hold the run.

use super::{supervisor, tree};
use rustix::process::{kill_process, kill_process_group, Pid, Signal};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// How long output is still read after the handler ended (what it wrote
/// just before exiting is in the pipe already).
const PIPE_GRACE: Duration = Duration::from_millis(500);
/// How long a supervisor asked to stop gets before its group is killed.
pub(super) const STOP_GRACE: Duration = Duration::from_secs(2);

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
    /// The running process group and whether its leader is a supervisor.
    pgid: Mutex<Option<(u32, bool)>>,
}

impl Stopper {
    pub fn new() -> Arc<Stopper> {
        Arc::new(Stopper::default())
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some((pgid, supervised)) = *self.pgid.lock().unwrap_or_else(|p| p.into_inner()) {
            terminate(pgid, supervised);
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Clear a stop request (a restart reuses the stopper).
    pub fn reset(&self) {
        self.stop.store(false, Ordering::SeqCst);
    }

    fn set_pgid(&self, pgid: Option<(u32, bool)>) {
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

/// End a handler's run: a supervisor is asked (SIGTERM) to kill its tree
/// and exit; an unsupervised group is killed at once.
fn terminate(pgid: u32, supervised: bool) {
    match (supervised, i32::try_from(pgid).ok().and_then(Pid::from_raw)) {
        (true, Some(pid)) => {
            let _ = kill_process(pid, Signal::TERM);
        }
        _ => kill_group(pgid),
    }
}

/// Output read so far, and a signal when the pipe reached EOF.
struct Capture {
    buf: Arc<Mutex<Vec<u8>>>,
    eof: Receiver<()>,
}

impl Capture {
    fn start(mut r: impl Read + Send + 'static) -> Capture {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (tx, eof) = channel();
        let shared = buf.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match r.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut out = shared.lock().unwrap_or_else(|p| p.into_inner());
                        out.extend_from_slice(&chunk[..n]);
                        if out.len() > MAX_CAPTURE_BYTES * 2 {
                            let cut = out.len() - MAX_CAPTURE_BYTES;
                            out.drain(..cut);
                        }
                    }
                }
            }
            let _ = tx.send(());
        });
        Capture { buf, eof }
    }

    /// What was read so far, taken out of the buffer.
    fn take(&self) -> String {
        let out = std::mem::take(&mut *self.buf.lock().unwrap_or_else(|p| p.into_inner()));
        String::from_utf8_lossy(&out).into_owned()
    }

    /// What was read, waiting for EOF until `deadline` at most (a process
    /// that escaped every kill may hold the pipe open forever).
    fn finish(self, deadline: Instant) -> String {
        let _ = self
            .eof
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        let mut out = std::mem::take(&mut *self.buf.lock().unwrap_or_else(|p| p.into_inner()));
        if out.len() > MAX_CAPTURE_BYTES {
            out.drain(..out.len() - MAX_CAPTURE_BYTES);
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// A handler process started under a supervisor (or directly, in its own
/// process group), with its output being read. Dropping it ends the whole
/// tree, so a warm process cannot outlive the run that started it.
pub struct Running {
    child: std::process::Child,
    pid: u32,
    supervised: bool,
    out: Option<Capture>,
    err: Option<Capture>,
    writer: Option<std::thread::JoinHandle<()>>,
    stopper: Arc<Stopper>,
    status: Option<std::process::ExitStatus>,
}

impl Running {
    /// Start `cmd` with `input` on stdin and `env` added.
    pub fn spawn(
        cmd: &HandlerCommand,
        input: Vec<u8>,
        env: &[(String, String)],
        env_remove: &[&str],
        stopper: &Arc<Stopper>,
    ) -> Result<Running, ProcessError> {
        static SUBREAPER: Once = Once::new();
        SUBREAPER.call_once(tree::become_subreaper);
        let supervisor = supervisor::exe();
        let supervised = supervisor.is_some();
        let mut c = match supervisor {
            Some(exe) => {
                let mut c = Command::new(exe);
                c.arg(supervisor::SUPERVISE_ARG)
                    .arg(std::process::id().to_string())
                    .arg(&cmd.command);
                c
            }
            None => {
                let mut c = Command::new("/bin/sh");
                c.arg("-c").arg(&cmd.command);
                c
            }
        };
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
        stopper.set_pgid(Some((pid, supervised)));
        if stopper.is_stopped() {
            terminate(pid, supervised);
        }
        let out = child.stdout.take().map(Capture::start);
        let err = child.stderr.take().map(Capture::start);
        let writer = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                // A handler that exits without reading its input is reported by
                // its output, not by a broken pipe here.
                let _ = stdin.write_all(&input);
            })
        });
        Ok(Running {
            child,
            pid,
            supervised,
            out,
            err,
            writer,
            stopper: stopper.clone(),
            status: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The exit status, once the process has exited.
    pub fn try_exit(&mut self) -> Result<Option<std::process::ExitStatus>, ProcessError> {
        if self.status.is_none() {
            match self.child.try_wait() {
                Ok(st) => self.status = st,
                Err(source) => {
                    self.kill_now();
                    return Err(ProcessError::Wait {
                        pid: self.pid,
                        source,
                    });
                }
            }
        }
        Ok(self.status)
    }

    /// Ask the tree to end (a supervisor kills it and exits).
    pub fn terminate(&self) {
        terminate(self.pid, self.supervised);
    }

    /// Kill the process group at once (a supervisor that did not end its
    /// tree in time goes with it).
    pub fn kill_group(&self) {
        kill_group(self.pid);
    }

    fn kill_now(&self) {
        kill_group(self.pid);
        if !self.supervised {
            tree::kill_descendants(self.pid);
        }
    }

    /// What the process wrote so far, taken (a warm process's output is
    /// told apart per invocation this way).
    pub fn take_output(&self) -> (String, String) {
        let take = |c: &Option<Capture>| c.as_ref().map(Capture::take).unwrap_or_default();
        (take(&self.out), take(&self.err))
    }

    /// End the tree now if it still runs, wait for the process (a
    /// supervisor gets `STOP_GRACE` before its group is killed), and
    /// collect what is left of its output.
    pub fn finish(mut self) -> Result<Finished, ProcessError> {
        let mut ending: Option<Instant> = None;
        let status = loop {
            if let Some(st) = self.try_exit()? {
                break st;
            }
            match ending {
                None => {
                    self.terminate();
                    ending = Some(Instant::now());
                }
                Some(t) if t.elapsed() > STOP_GRACE => kill_group(self.pid),
                _ => {}
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Ok(self.collect(status))
    }

    /// After the process exited: whatever it left goes, its output is read
    /// until a short grace at most.
    fn collect(&mut self, status: std::process::ExitStatus) -> Finished {
        // Whatever the handler left running in its group goes with it (a
        // supervisor has already killed its whole tree, `setsid` escapees too).
        self.kill_now();
        self.stopper.set_pgid(None);
        let deadline = Instant::now() + PIPE_GRACE;
        let text = |c: Option<Capture>| c.map(|c| c.finish(deadline)).unwrap_or_default();
        let (stdout, stderr) = (text(self.out.take()), text(self.err.take()));
        // The writer ends when the handler's stdin closes (it has exited);
        // one blocked on a pipe a grandchild still holds is left behind.
        if let Some(w) = self.writer.take() {
            if w.is_finished() {
                let _ = w.join();
            }
        }
        use std::os::unix::process::ExitStatusExt;
        Finished {
            stdout,
            stderr,
            exit_code: status.code(),
            signal: status.signal(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.out.is_none() && self.err.is_none() && self.status.is_some() {
            return;
        }
        let mut ending = Instant::now();
        let mut asked = false;
        loop {
            match self.try_exit() {
                Ok(Some(st)) => {
                    self.collect(st);
                    return;
                }
                Ok(None) => {}
                Err(_) => return,
            }
            if !asked {
                self.terminate();
                asked = true;
                ending = Instant::now();
            } else if ending.elapsed() > STOP_GRACE {
                kill_group(self.pid);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// How an ended process left: its remaining output and status.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
}

/// Run the handler once with `input` on stdin and `env` added.
pub fn run_once(
    cmd: &HandlerCommand,
    input: Vec<u8>,
    env: &[(String, String)],
    env_remove: &[&str],
    timeout: Duration,
    stopper: &Arc<Stopper>,
    hold: &HoldMeter,
) -> Result<ProcessOutcome, ProcessError> {
    let mut p = Running::spawn(cmd, input, env, env_remove, stopper)?;
    let started = Instant::now();
    let held_at_start = hold.total();
    let mut timed_out = false;
    let mut ending: Option<Instant> = None;
    let status = loop {
        if let Some(st) = p.try_exit()? {
            break st;
        }
        let active = started
            .elapsed()
            .saturating_sub(hold.total().saturating_sub(held_at_start));
        match ending {
            None if active > timeout || stopper.is_stopped() => {
                timed_out = active > timeout;
                p.terminate();
                ending = Some(Instant::now());
            }
            // A supervisor that does not end its tree in time is killed with it.
            Some(t) if t.elapsed() > STOP_GRACE => kill_group(p.pid),
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let f = p.collect(status);
    Ok(ProcessOutcome {
        pid: p.pid,
        stdout: f.stdout,
        stderr: f.stderr,
        exit_code: f.exit_code,
        signal: f.signal,
        timed_out,
        stopped: stopper.is_stopped() && !timed_out,
        duration: started.elapsed(),
    })
}
