//! Follow the open file: reload it when it changes on disk, keeping the
//! selection, so a history being written (a local test run filling its
//! store, a history fetched again) can be watched as it grows.
//!
//! The file is looked at twice a second (a `stat`, or a folder listing for
//! a folder store; an SQLite store's `-wal` file counts, since that is
//! where a running writer's changes land first). A change is acted on only
//! once the file has stayed the same for one look, so a writer caught
//! half-way through does not produce a load error every time.

use super::App;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

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

#[derive(Default)]
pub struct Follow {
    pub on: bool,
    /// The file as it was when it was last loaded.
    loaded: Option<Stamp>,
    /// A change seen at the previous look, waiting to hold still.
    pending: Option<Stamp>,
    last_look: Option<Instant>,
    /// When the last reload because of a change started (for the status bar).
    pub reloaded_at: Option<chrono::DateTime<chrono::Local>>,
}

impl Follow {
    /// Start following (or note the file again after a load by hand).
    pub fn loaded(&mut self, path: Option<&Path>) {
        self.loaded = path.map(Stamp::of);
        self.pending = None;
    }
}

impl App {
    /// Turn following on or off for the open file.
    pub fn set_follow(&mut self, on: bool) {
        self.follow.on = on;
        let path = self.followed_path();
        self.follow.loaded(path.as_deref());
        self.follow.reloaded_at = None;
    }

    fn followed_path(&self) -> Option<PathBuf> {
        match &self.doc {
            Some(d) => d.path.clone(),
            None => self.picker.as_ref().map(|p| p.path.clone()),
        }
    }

    /// Look at the file if it is time to, and reload it once a change has
    /// held still; asks for the next frame so this runs while idle too.
    pub(super) fn poll_follow(&mut self, ctx: &egui::Context) {
        if !self.follow.on {
            return;
        }
        ctx.request_repaint_after(EVERY);
        if self.is_busy() || self.follow.last_look.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        self.follow.last_look = Some(Instant::now());
        let Some(path) = self.followed_path() else {
            return;
        };
        let now = Stamp::of(&path);
        if self.follow.loaded.as_ref() == Some(&now) {
            self.follow.pending = None;
            return;
        }
        if self.follow.pending.as_ref() != Some(&now) {
            self.follow.pending = Some(now);
            return;
        }
        self.follow.loaded = Some(now);
        self.follow.pending = None;
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
