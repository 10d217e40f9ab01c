//! How a Python testing SQLite store is read while a writer may be using it:
//! in place, read-only, when the writer's `-wal` and `-shm` are there; from a
//! private snapshot when reading in place would have to create a file beside
//! the store; one read transaction per listing or execution, retried while a
//! writer holds the lock; every step bounded in time and cancellable.
//!
//! Why not `immutable=1`: it tells SQLite nobody will change the file, so a
//! writer that comes back (the official store opens a new connection for
//! every save) makes reads fail as "malformed" or miss rows.

use super::error::LoadError;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to keep retrying while a writer holds the database (or keeps
/// changing it under a snapshot) before reporting `Locked`.
pub(crate) const BUSY_MS: u64 = 1000;

/// How long SQLite may work on one row before the query is stopped: far
/// above any real listing step, short enough that an endless view ends.
const STEP_LIMIT: Duration = Duration::from_secs(10);

/// Where to read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// The store itself, read-only, through the writer's `-wal` and `-shm`.
    InPlace,
    /// A private copy of the `.db` and its `-wal` in a temporary folder.
    Snapshot,
}

/// Which way to read a store, from the files beside it. A rollback-journal
/// database is read in place: a read-only connection creates nothing. A
/// WAL database needs its `-shm` to be read in place; when the `-shm` is
/// missing SQLite would create it (and a `-wal`), so a snapshot is read.
/// Whether the folder is writable does not enter: a read-only folder needs
/// no other way, because we never create a file in it either way.
pub(crate) fn route(wal_mode: bool, wal_exists: bool, shm_exists: bool) -> Route {
    if !wal_mode || (wal_exists && shm_exists) {
        Route::InPlace
    } else {
        Route::Snapshot
    }
}

/// Limits on one read.
pub(crate) struct Bounds<'a> {
    /// The longest SQLite may work on one row.
    pub step: Duration,
    pub cancel: Option<&'a AtomicBool>,
}

impl<'a> Bounds<'a> {
    pub fn new(cancel: Option<&'a AtomicBool>) -> Self {
        Bounds {
            step: STEP_LIMIT,
            cancel,
        }
    }
}

/// What a query reports its progress to: each row fetched restarts the
/// step clock the progress handler checks.
pub(crate) struct Clock {
    base: Instant,
    last: Arc<AtomicU64>,
}

impl Clock {
    pub fn tick(&self) {
        self.last
            .store(self.base.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn file_of(path: &Path) -> String {
    path.display().to_string()
}

/// `file:` URI of a path: `%`, `?` and `#` would be read as URI syntax.
fn uri_path(path: &Path) -> String {
    let mut s = String::new();
    for c in path.display().to_string().chars() {
        match c {
            '%' => s.push_str("%25"),
            '?' => s.push_str("%3f"),
            '#' => s.push_str("%23"),
            c => s.push(c),
        }
    }
    s
}

pub(crate) fn map_err(path: &Path, place: &str, e: rusqlite::Error) -> LoadError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return LoadError::Locked {
                    file: file_of(path),
                    place: place.to_string(),
                    waited_ms: BUSY_MS,
                }
            }
            ErrorCode::OperationInterrupted => {
                return LoadError::TooSlow {
                    file: file_of(path),
                    place: place.to_string(),
                    limit_ms: 0,
                }
            }
            _ => {}
        }
    }
    LoadError::Sqlite {
        file: file_of(path),
        place: place.to_string(),
        message: e.to_string(),
    }
}

/// Run `f` in one read transaction on `path`, retrying while a writer holds
/// the lock, and falling back to a snapshot when reading in place cannot
/// start without creating a file.
pub(crate) fn read<T>(
    path: &Path,
    bounds: &Bounds,
    mut f: impl FnMut(&Connection, &Clock) -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    let start = Instant::now();
    let deadline = start + Duration::from_millis(BUSY_MS);
    let mut backoff = Duration::from_millis(1);
    let mut force_snapshot = false;
    loop {
        check_cancel(path, bounds)?;
        let header = super::sqlite::read_header(path)?;
        let wal_mode = header.get(18..20) == Some(&[2, 2]);
        let way = if force_snapshot {
            Route::Snapshot
        } else {
            route(
                wal_mode,
                sidecar(path, "-wal").exists(),
                sidecar(path, "-shm").exists(),
            )
        };
        let result = match way {
            Route::InPlace => attempt(path, path, true, bounds, &mut f),
            Route::Snapshot => match snapshot(path) {
                Ok(Some(snap)) => attempt(path, &snap.db, false, bounds, &mut f),
                Ok(None) => Err(Attempt::Retry),
                Err(e) => Err(Attempt::Failed(e)),
            },
        };
        match result {
            Ok(v) => return Ok(v),
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::CannotStartInPlace) => force_snapshot = true,
            Err(Attempt::Retry) => {
                if Instant::now() >= deadline {
                    return Err(LoadError::Locked {
                        file: file_of(path),
                        place: "reading".into(),
                        waited_ms: start.elapsed().as_millis() as u64,
                    });
                }
                // Nothing to wait on: the writer gives no signal when it
                // lets go of the lock, so back off and look again.
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_millis(50));
            }
        }
    }
}

enum Attempt {
    /// A writer holds the lock, or the files changed under us: try again.
    Retry,
    /// Reading in place would need a file that is not there (the `-shm`
    /// went away after we looked): read a snapshot instead.
    CannotStartInPlace,
    Failed(LoadError),
}

fn check_cancel(path: &Path, bounds: &Bounds) -> Result<(), LoadError> {
    match bounds.cancel {
        Some(c) if c.load(Ordering::Relaxed) => Err(LoadError::Cancelled {
            file: file_of(path),
        }),
        _ => Ok(()),
    }
}

/// One try: open `db` (the store, or its snapshot), check the schema and
/// run `f`, all in one read transaction. Errors name `path`, the store.
fn attempt<T>(
    path: &Path,
    db: &Path,
    in_place: bool,
    bounds: &Bounds,
    f: &mut impl FnMut(&Connection, &Clock) -> Result<T, LoadError>,
) -> Result<T, Attempt> {
    // In place, `readonly_shm` makes a `-shm` that vanished an error instead
    // of a file we would create.
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_path(db),
        if in_place { "&readonly_shm=1" } else { "" }
    );
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)
        .map_err(|e| Attempt::Failed(map_err(path, "opening", e)))?;
    // Never wait inside SQLite: a busy database is retried from the start,
    // after looking at the files again (the writer may have removed them).
    let _ = conn.busy_handler(Some(|_| false));
    let clock = Clock {
        base: Instant::now(),
        last: Arc::new(AtomicU64::new(0)),
    };
    {
        let (base, last) = (clock.base, clock.last.clone());
        let limit = bounds.step.as_micros() as u64;
        conn.progress_handler(
            10_000,
            Some(move || {
                (base.elapsed().as_micros() as u64).saturating_sub(last.load(Ordering::Relaxed))
                    > limit
            }),
        );
    }
    let interrupt = conn.get_interrupt_handle();
    let done = AtomicBool::new(false);
    let outcome = std::thread::scope(|s| {
        // The caller's cancel flag has no way to wake us: a small thread
        // looks at it while SQLite works, and interrupts the query.
        let watcher = bounds.cancel.map(|cancel| {
            let (done, interrupt) = (&done, &interrupt);
            s.spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if cancel.load(Ordering::Relaxed) {
                        interrupt.interrupt();
                        return;
                    }
                    std::thread::park_timeout(Duration::from_millis(20));
                }
            })
        });
        let r = run(path, &conn, &clock, in_place, f);
        done.store(true, Ordering::Relaxed);
        if let Some(w) = watcher {
            w.thread().unpark();
        }
        r
    });
    match outcome {
        Err(Attempt::Failed(LoadError::TooSlow { file, place, .. })) => {
            Err(Attempt::Failed(match bounds.cancel {
                Some(c) if c.load(Ordering::Relaxed) => LoadError::Cancelled { file },
                _ => LoadError::TooSlow {
                    file,
                    place,
                    limit_ms: bounds.step.as_millis() as u64,
                },
            }))
        }
        other => other,
    }
}

fn run<T>(
    path: &Path,
    conn: &Connection,
    clock: &Clock,
    in_place: bool,
    f: &mut impl FnMut(&Connection, &Clock) -> Result<T, LoadError>,
) -> Result<T, Attempt> {
    let tx = conn
        .unchecked_transaction()
        .map_err(|e| Attempt::Failed(map_err(path, "opening", e)))?;
    // The first read takes the lock and opens the WAL: the place where a
    // busy writer or a missing `-shm` shows.
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
            _ => None,
        };
        return Err(match code {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Attempt::Retry,
            Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly) if in_place => {
                Attempt::CannotStartInPlace
            }
            _ => Attempt::Failed(map_err(path, "opening", e)),
        });
    }
    clock.tick();
    let out = f(conn, clock).map_err(|e| match e {
        LoadError::Locked { .. } => Attempt::Retry,
        e => Attempt::Failed(e),
    })?;
    // A read transaction has nothing to commit; ending it releases the lock.
    drop(tx);
    Ok(out)
}

/// A private copy of the store, removed when dropped.
struct Snapshot {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

/// Copy the `.db` and its `-wal` into a temporary folder. Read twice and
/// compared: when both reads agree, nothing changed between the end of the
/// first and the start of the second, so the copy is the files as they were
/// at one instant — a state SQLite recovers from like a crash (uncommitted
/// WAL frames are ignored). `None` when they changed: the caller retries.
fn snapshot(path: &Path) -> Result<Option<Snapshot>, LoadError> {
    let wal = sidecar(path, "-wal");
    let read_pair = || -> Result<(Vec<u8>, Option<Vec<u8>>), LoadError> {
        let db = std::fs::read(path).map_err(|e| LoadError::io(path, e))?;
        let wal = match std::fs::read(&wal) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(LoadError::io(&wal, e)),
        };
        Ok((db, wal))
    };
    let first = read_pair()?;
    if read_pair()? != first {
        return Ok(None);
    }
    let dir = tempfile::Builder::new()
        .prefix("durable-lens-snapshot-")
        .tempdir()
        .map_err(|e| LoadError::io(&std::env::temp_dir(), e))?;
    let db = dir.path().join("store.db");
    std::fs::write(&db, &first.0).map_err(|e| LoadError::io(&db, e))?;
    if let Some(w) = &first.1 {
        let p = dir.path().join("store.db-wal");
        std::fs::write(&p, w).map_err(|e| LoadError::io(&p, e))?;
    }
    Ok(Some(Snapshot { _dir: dir, db }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `executions` that never ends: a recursive view.
    fn endless(dir: &Path) -> PathBuf {
        let p = dir.join("endless.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch(
            "CREATE VIEW executions AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
             SELECT 'arn-' || n AS durable_execution_arn, 'f' AS function_name, 'n' AS execution_name,
                    'SUCCEEDED' AS status, n AS start_timestamp, n AS end_timestamp, '{}' AS data FROM r;",
        )
        .unwrap();
        p
    }

    #[test]
    fn an_endless_view_is_stopped_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = endless(dir.path());
        let bounds = Bounds {
            step: Duration::from_millis(300),
            cancel: None,
        };
        let t = Instant::now();
        let err = super::super::sqlite::list_within(&db, &bounds).unwrap_err();
        let took = t.elapsed();
        assert!(took < Duration::from_secs(5), "took {took:?}");
        assert!(
            matches!(err, LoadError::TooSlow { limit_ms: 300, .. }),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("endless.db") && msg.contains("endless or very slow view"),
            "{msg}"
        );
    }

    #[test]
    fn cancel_stops_a_query_that_would_run_until_the_step_limit() {
        let dir = tempfile::tempdir().unwrap();
        let db = endless(dir.path());
        let cancel = AtomicBool::new(false);
        let t = Instant::now();
        let err = std::thread::scope(|s| {
            s.spawn(|| {
                // Give the query time to start, so SQLite is interrupted
                // mid-step (a flag set before it starts is caught anyway).
                std::thread::sleep(Duration::from_millis(100));
                cancel.store(true, Ordering::Relaxed);
            });
            super::super::sqlite::list_within(&db, &Bounds::new(Some(&cancel))).unwrap_err()
        });
        let took = t.elapsed();
        assert!(matches!(err, LoadError::Cancelled { .. }), "{err}");
        assert!(took < STEP_LIMIT / 2, "took {took:?}");
    }

    #[test]
    fn only_a_wal_store_without_its_shm_is_read_from_a_snapshot() {
        // (wal mode, -wal, -shm) → route
        let cases = [
            ((false, false, false), Route::InPlace),
            ((false, true, false), Route::InPlace),
            ((true, true, true), Route::InPlace),
            ((true, true, false), Route::Snapshot),
            ((true, false, false), Route::Snapshot),
            // A stale -shm without a -wal: in place would create the -wal.
            ((true, false, true), Route::Snapshot),
        ];
        for ((w, wal, shm), want) in cases {
            assert_eq!(
                route(w, wal, shm),
                want,
                "wal mode {w}, -wal {wal}, -shm {shm}"
            );
        }
    }
}
