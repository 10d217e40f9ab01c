//! Follow the open file: reload it when it changes on disk, keeping the
//! selection, so a history being written (a local test run filling its
//! store, a history fetched again) can be watched as it grows.
//!
//! A watcher thread looks at the file twice a second (a `stat`, or a folder
//! listing for a folder store; an SQLite store's `-wal` file counts, since
//! that is where a running writer's changes land first) and sends a message
//! when it changed; the UI thread only reads that message. A change is
//! reported only once the file has stayed the same for one look, so a
//! writer caught half-way through does not produce a load error every time.

use super::App;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, SystemTime};

/// How often the file is looked at.
pub const EVERY: Duration = Duration::from_millis(500);

/// What a file (or folder store) looked like: enough to see that it changed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stamp(Vec<(PathBuf, Option<SystemTime>, u64)>);

impl Stamp {
    pub fn of(path: &Path) -> Stamp {
        let mut parts = Vec::new();
        // Records `p` and says whether it is a folder, from the one `stat`.
        let mut add = |p: &Path| match std::fs::metadata(p) {
            Ok(m) => {
                parts.push((p.to_path_buf(), m.modified().ok(), m.len()));
                m.is_dir()
            }
            Err(_) => false,
        };
        if add(path) {
            // A folder store: its execution files, in a stable order (a
            // folder's own time does not change when a file is rewritten).
            if let Ok(entries) = std::fs::read_dir(path) {
                let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                files.sort();
                for f in files.iter().take(5_000) {
                    add(f);
                }
            }
        } else {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            add(Path::new(&wal));
        }
        Stamp(parts)
    }
}

/// The watcher thread: looks at the file every [`EVERY`] and says when a
/// change has held still, so the UI thread never stats a 5,000-file folder.
/// Dropping it ends the thread at its next look (its control channel closes).
struct Watcher {
    changes: mpsc::Receiver<()>,
    _stop: mpsc::Sender<()>,
    /// Set once the thread has taken its first look (its baseline).
    ready: Arc<AtomicBool>,
}

impl Watcher {
    fn spawn(path: PathBuf, repaint: Option<egui::Context>) -> Watcher {
        let (tx, changes) = mpsc::channel();
        let (stop, stop_rx) = mpsc::channel::<()>();
        let ready = Arc::new(AtomicBool::new(false));
        let ready_t = ready.clone();
        std::thread::Builder::new()
            .name("follow".into())
            .spawn(move || {
                // The file as it was when it was (re)loaded.
                let mut loaded = Stamp::of(&path);
                ready_t.store(true, Ordering::Release);
                let mut pending: Option<Stamp> = None;
                // Wakes every look, or at once when the watcher is dropped.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stop_rx.recv_timeout(EVERY) {
                    let now = Stamp::of(&path);
                    if now == loaded {
                        pending = None;
                        continue;
                    }
                    if pending.as_ref() != Some(&now) {
                        pending = Some(now);
                        continue;
                    }
                    loaded = now;
                    pending = None;
                    if tx.send(()).is_err() {
                        return;
                    }
                    if let Some(ctx) = &repaint {
                        ctx.request_repaint();
                    }
                }
            })
            .expect("spawning the follow thread");
        Watcher {
            changes,
            _stop: stop,
            ready,
        }
    }
}

#[derive(Default)]
pub struct Follow {
    pub on: bool,
    watcher: Option<Watcher>,
    /// A change reported while a load was running: reload when it ends.
    due: bool,
    /// When the last reload because of a change started (for the status bar).
    pub reloaded_at: Option<chrono::DateTime<chrono::Local>>,
}

impl Follow {
    /// The watcher has taken its first look: changes from now on are seen.
    pub fn watching(&self) -> bool {
        self.watcher
            .as_ref()
            .is_some_and(|w| w.ready.load(Ordering::Acquire))
    }

    /// Start following `path` from how it is now (or stop, with `None`):
    /// after a load by hand, the watcher starts over from the new file.
    fn watch(&mut self, path: Option<&Path>, repaint: Option<&egui::Context>) {
        self.watcher = path.map(|p| Watcher::spawn(p.to_path_buf(), repaint.cloned()));
        self.due = false;
    }
}

impl App {
    /// Turn following on or off for the open file.
    pub fn set_follow(&mut self, on: bool) {
        self.follow.on = on;
        let path = self.followed_path().filter(|_| on);
        self.follow.watch(path.as_deref(), self.repaint.as_ref());
        self.follow.reloaded_at = None;
    }

    /// A file was opened by hand while following: follow that one.
    pub(super) fn follow_opened(&mut self, path: &Path) {
        if self.follow.on {
            self.follow.watch(Some(path), self.repaint.as_ref());
        }
    }

    fn followed_path(&self) -> Option<PathBuf> {
        match &self.doc {
            Some(d) => d.path.clone(),
            None => self.picker.as_ref().map(|p| p.path.clone()),
        }
    }

    /// Reload when the watcher said the file changed (a message, no look
    /// at the file here).
    pub(super) fn poll_follow(&mut self, _ctx: &egui::Context) {
        if !self.follow.on {
            return;
        }
        if let Some(w) = &self.follow.watcher {
            while w.changes.try_recv().is_ok() {
                self.follow.due = true;
            }
        }
        if !self.follow.due || self.is_busy() {
            return;
        }
        self.follow.due = false;
        self.follow.reloaded_at = Some(chrono::Local::now());
        self.reload();
    }
}

#[cfg(test)]
mod tests {
    use super::Stamp;

    #[test]
    fn a_store_changes_where_its_writer_writes() {
        let dir = tempfile::tempdir().unwrap();
        // SQLite in WAL mode: the main file stays put while the -wal grows.
        let db = dir.path().join("store.db");
        std::fs::write(&db, b"db").unwrap();
        let before = Stamp::of(&db);
        std::fs::write(dir.path().join("store.db-wal"), b"frames").unwrap();
        assert_ne!(Stamp::of(&db), before);
        // A folder store: one execution file rewritten in place.
        let folder = dir.path().join("executions");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("a.json"), b"{}").unwrap();
        let before = Stamp::of(&folder);
        assert_eq!(Stamp::of(&folder), before, "nothing changed");
        std::fs::write(folder.join("a.json"), b"{\"Operations\":[]}").unwrap();
        assert_ne!(Stamp::of(&folder), before);
    }
}
