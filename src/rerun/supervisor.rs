//! The supervisor: durable-lens re-executed in a hidden mode between itself
//! and a handler, so that nothing a handler starts outlives the run even
//! when durable-lens is killed with SIGKILL (which no process can catch).
//!
//! It is the child subreaper of the handler's tree, so a `setsid`
//! grandchild that left the process group is still its descendant; it
//! watches its parent (reparented = durable-lens is gone) and SIGTERM,
//! SIGINT and SIGHUP; whichever comes first — the handler exiting, a
//! signal, the parent's death — it kills every descendant, and exits with
//! the handler's own status (re-raising the handler's signal) so the
//! invoker reports the handler as if it had run it directly.
//!
//! Also here: durable-lens's own handling of those signals (kill every
//! descendant, exit 128 + signo).

use super::tree;
use rustix::process::{getppid, waitpid, WaitOptions};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `durable-lens __durable-lens-supervise <parent pid> <shell command>`.
pub const SUPERVISE_ARG: &str = "__durable-lens-supervise";

/// How often the supervisor looks at its child and its parent: the bound
/// on how long a tree outlives a killed durable-lens.
const POLL: Duration = Duration::from_millis(10);

const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGHUP,
];

/// The executable that can act as a supervisor: the durable-lens binary
/// itself. A program that only links the library (a test binary) has no
/// supervisor mode and runs handlers directly, in their own process group.
pub fn exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let name = exe.file_name()?.to_str()?;
    (name == "durable-lens").then_some(exe)
}

/// In the binary's `main`: when started as a supervisor, supervise and
/// return the exit code; otherwise `None`.
pub fn run_if_asked() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != SUPERVISE_ARG {
        return None;
    }
    let parent: u32 = args.next()?.to_str()?.parse().ok()?;
    let command = args.next()?;
    Some(supervise(parent, command))
}

fn parent_is(pid: u32) -> bool {
    getppid().map(|p| p.as_raw_nonzero().get() as u32) == Some(pid)
}

fn supervise(parent: u32, command: OsString) -> i32 {
    tree::become_subreaper();
    let me = std::process::id();
    let got = Arc::new(AtomicUsize::new(0));
    for s in SIGNALS {
        let _ = signal_hook::flag::register_usize(s, got.clone(), s as usize);
    }
    // The handler inherits stdin/stdout/stderr: its pipes are durable-lens's.
    let child = match std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&command)
        .spawn()
    {
        Ok(c) => c.id(),
        Err(e) => {
            eprintln!("durable-lens supervisor: cannot start the handler: {e}");
            return 127;
        }
    };
    let status = loop {
        let mut done = None;
        // Reap everything: the handler, and orphans reparented to us.
        while let Ok(Some((pid, st))) = waitpid(None, WaitOptions::NOHANG) {
            if pid.as_raw_nonzero().get() as u32 == child {
                done = Some(st);
            }
        }
        if let Some(st) = done {
            break Ok(st);
        }
        let sig = got.load(Ordering::SeqCst);
        if sig != 0 {
            break Err(128 + sig as i32);
        }
        if !parent_is(parent) {
            // durable-lens is gone (killed): nobody reads the handler's
            // output any more, and nothing it started may stay.
            break Err(128 + signal_hook::consts::SIGKILL);
        }
        std::thread::sleep(POLL);
    };
    tree::kill_descendants(me);
    while let Ok(Some(_)) = waitpid(None, WaitOptions::NOHANG) {}
    match status {
        Ok(st) => match (st.exit_status(), st.terminating_signal()) {
            (Some(code), _) => code,
            (None, Some(sig)) => {
                // Die the way the handler died, so the invoker sees its signal.
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                128 + sig
            }
            (None, None) => 1,
        },
        Err(code) => code,
    }
}

/// The signal being handled by `exit_on_signals`, 0 while none.
static TERMINATING: AtomicUsize = AtomicUsize::new(0);

/// The exit status a command must end with because `exit_on_signals`
/// caught a signal (the run it was waiting for ended because of it).
pub fn terminating() -> Option<i32> {
    match TERMINATING.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(128 + sig as i32),
    }
}

/// In a durable-lens command that runs handlers: on SIGTERM, SIGINT or
/// SIGHUP (what `timeout`, a CI cancel and `docker stop` send), kill every
/// descendant and exit with the conventional status, 128 + signo.
pub fn exit_on_signals() {
    tree::become_subreaper();
    let Ok(mut signals) = signal_hook::iterator::Signals::new(SIGNALS) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Before anything dies: the run that ends now must not
                // report its handler's death as the outcome.
                TERMINATING.store(sig as usize, Ordering::SeqCst);
                tree::kill_descendants(std::process::id());
                std::process::exit(128 + sig);
            }
        });
}
