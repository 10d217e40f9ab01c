//! Process trees as Linux shows them in /proc: the descendants of a process
//! (by parent pid, so a `setsid` grandchild that left the process group is
//! still found once it is reparented to a subreaper), killing them, and
//! making the current process the child subreaper of everything it starts.

use rustix::process::{kill_process, Pid, Signal};
use std::collections::HashMap;

/// `(pid, ppid)` of every live (non-zombie) process.
fn processes() -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the ")" closing the command name: state ppid ...
            let rest = stat.rsplit_once(')')?.1;
            let mut f = rest.split_whitespace();
            let state = f.next()?;
            let ppid: u32 = f.next()?.parse().ok()?;
            (state != "Z").then_some((pid, ppid))
        })
        .collect()
}

/// Every live descendant of `root` (not `root` itself), parents first.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, ppid) in processes() {
        children.entry(ppid).or_default().push(pid);
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            if c != root && !out.contains(&c) {
                out.push(c);
                todo.push(c);
            }
        }
    }
    out
}

pub fn kill(pid: u32) {
    if let Some(p) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        // ESRCH (already gone) is the expected case.
        let _ = kill_process(p, Signal::KILL);
    }
}

/// SIGKILL every descendant of `root`, again until none is left (a process
/// may fork between the listing and the kill), for at most `rounds` passes.
pub fn kill_descendants(root: u32) {
    for _ in 0..20 {
        let left = descendants(root);
        if left.is_empty() {
            return;
        }
        for pid in left {
            kill(pid);
        }
    }
}

/// Orphans of anything this process starts are reparented to it rather
/// than to PID 1, so they stay findable (and killable) as its descendants.
#[cfg(target_os = "linux")]
pub fn become_subreaper() {
    // Best effort: without it (an old kernel) orphans go to PID 1 and only
    // the process group still reaches them.
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
}

#[cfg(not(target_os = "linux"))]
pub fn become_subreaper() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn a_grandchild_is_a_descendant_and_dies_with_the_tree() {
        let mut sh = Command::new("/bin/sh")
            .arg("-c")
            .arg("sleep 30 & sleep 30; wait")
            .spawn()
            .unwrap();
        let me = std::process::id();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while descendants(sh.id()).len() < 2 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(descendants(sh.id()).len(), 2, "two sleeps under the shell");
        assert!(descendants(me).contains(&sh.id()));
        kill_descendants(sh.id());
        kill(sh.id());
        let _ = sh.wait();
        assert!(descendants(sh.id()).is_empty());
    }
}
