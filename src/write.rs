//! The one way durable-lens writes a file (an export, a saved re-run, a
//! handler-link sidecar), for the CLI and the app alike: it refuses, before
//! writing a byte, a destination that is one of the inputs (same device and
//! inode, so `./h.json`, symlinks and hard links are caught), lies inside an
//! input folder store, or holds another kind of document; then it writes a
//! temporary file in the destination's folder, flushes and fsyncs it and
//! renames it into place. On any error nothing is left behind and an
//! existing destination is untouched.

use std::fs::Metadata;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// What is being written; an existing destination must hold the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// durable-lens's own export document (`export -o`, a saved re-run).
    LensExport,
    /// A history's handler link (`<history>.durable-lens-link.json`).
    HandlerLink,
}

impl DocKind {
    fn label(self) -> &'static str {
        match self {
            DocKind::LensExport => "a durable-lens export document",
            DocKind::HandlerLink => "a durable-lens handler link",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "refusing to write {dest}: it is the input {input} (the same file), which is never written"
    )]
    SameAsInput { dest: PathBuf, input: PathBuf },
    #[error("refusing to write {dest}: it is inside the input store folder {input}, which is never written")]
    InsideInput { dest: PathBuf, input: PathBuf },
    #[error("refusing to replace {dest}: it holds {found}, not {expected}")]
    DifferentKind {
        dest: PathBuf,
        found: String,
        expected: &'static str,
    },
    #[error("cannot write {dest}: {source}")]
    Io {
        dest: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Write `bytes` to `dest` safely (see the module docs). `inputs` are the
/// files and folders the written data was read from.
pub fn write_file(
    dest: &Path,
    kind: DocKind,
    inputs: &[&Path],
    bytes: &[u8],
) -> Result<(), WriteError> {
    write_with(dest, kind, inputs, |w| w.write_all(bytes))
}

/// Export `history` to `dest` as a durable-lens document that names itself
/// (its `source` is `dest`, its `origin` what `history` was loaded from).
pub fn write_lens(
    history: &crate::model::History,
    dest: &Path,
    inputs: &[&Path],
) -> Result<(), WriteError> {
    let named = dest.display().to_string();
    write_with(dest, DocKind::LensExport, inputs, |w| {
        crate::load::write_lens_json(history, &named, w)
    })
}

/// [`write_file`] with the content produced by `fill` (which may fail, e.g.
/// on a full disk: then nothing is left behind).
pub fn write_with(
    dest: &Path,
    kind: DocKind,
    inputs: &[&Path],
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let existing = check_destination(dest, kind, inputs)?;
    let io_err = |source| WriteError::Io {
        dest: dest.to_path_buf(),
        source,
    };
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    // A replaced file keeps its permissions; a new one gets what
    // `fs::write` would give (0666 less the umask), not tempfile's 0600.
    if let Some(p) = existing
        .as_ref()
        .map(|m| m.permissions())
        .or_else(default_permissions)
    {
        builder.permissions(p);
    }
    // The temporary file is removed when dropped, on every error path below.
    let mut tmp = builder.tempfile_in(folder).map_err(io_err)?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(io_err)?;
        w.flush().map_err(io_err)?;
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(dest).map_err(|e| io_err(e.error))?;
    // Make the rename itself durable; not every platform can open a folder.
    if let Ok(d) = std::fs::File::open(folder) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    // Only a read-only flag exists here, and a fresh temporary file is writable.
    None
}

/// Everything [`write_file`] refuses, checked without writing: call it
/// before long work (a re-run) so the user learns at once. Returns the
/// existing destination's metadata, if there is one.
pub fn check_destination(
    dest: &Path,
    kind: DocKind,
    inputs: &[&Path],
) -> Result<Option<Metadata>, WriteError> {
    let dest_meta = match std::fs::metadata(dest) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(WriteError::Io {
                dest: dest.to_path_buf(),
                source,
            })
        }
    };
    for input in inputs {
        let Ok(im) = std::fs::metadata(input) else {
            continue;
        };
        if let Some(dm) = &dest_meta {
            if same_identity(dm, &im) {
                return Err(WriteError::SameAsInput {
                    dest: dest.to_path_buf(),
                    input: input.to_path_buf(),
                });
            }
        }
        if im.is_dir() && folder_holds(&im, dest) {
            return Err(WriteError::InsideInput {
                dest: dest.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    if let Some(m) = &dest_meta {
        check_kind(dest, m, kind)?;
    }
    Ok(dest_meta)
}

/// Whether two paths name the same existing file (device and inode), however
/// they are spelled; `false` when either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_identity(&x, &y),
        _ => false,
    }
}

#[cfg(unix)]
fn same_identity(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_identity(_a: &Metadata, _b: &Metadata) -> bool {
    // std exposes no stable file id here, so only unix builds catch links.
    false
}

/// Whether `dest` would land inside the folder `folder` (any ancestor of
/// `dest`'s folder is it).
fn folder_holds(folder: &Metadata, dest: &Path) -> bool {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(parent) = parent.canonicalize() else {
        return false;
    };
    parent
        .ancestors()
        .any(|a| std::fs::metadata(a).is_ok_and(|m| same_identity(&m, folder)))
}

/// An existing destination may be replaced only by the same kind of
/// document (an empty file holds none and may be replaced).
fn check_kind(dest: &Path, meta: &Metadata, kind: DocKind) -> Result<(), WriteError> {
    let refuse = |found: String| WriteError::DifferentKind {
        dest: dest.to_path_buf(),
        found,
        expected: kind.label(),
    };
    if meta.is_dir() {
        return Err(refuse("a folder".into()));
    }
    if !meta.is_file() {
        return Err(refuse(crate::load::file_type_name(meta).into()));
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let io_err = |source| WriteError::Io {
        dest: dest.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(dest).map_err(io_err)?;
    let mut head = [0u8; 16];
    let n = read_up_to(&mut f, &mut head).map_err(io_err)?;
    if head[..n].starts_with(b"SQLite format 3\0") {
        return Err(refuse("a SQLite database".into()));
    }
    let f = std::fs::File::open(dest).map_err(io_err)?;
    let found = match kind {
        DocKind::LensExport => {
            #[derive(serde::Deserialize)]
            struct Head {
                format: Option<serde_json::Value>,
            }
            match serde_json::from_reader::<_, Head>(io::BufReader::new(f)) {
                Ok(Head { format: Some(v) }) if v == "durable-lens" => return Ok(()),
                _ => describe(dest),
            }
        }
        DocKind::HandlerLink => {
            match serde_json::from_reader::<_, crate::rerun::HandlerCommand>(io::BufReader::new(f))
            {
                Ok(_) => return Ok(()),
                Err(_) => describe(dest),
            }
        }
    };
    Err(refuse(found))
}

/// What an existing file holds, in words, for the refusal.
fn describe(dest: &Path) -> String {
    // Small enough to detect fully; a larger file is named generically.
    const DETECT_LIMIT: u64 = 64 << 20;
    let small = std::fs::metadata(dest).is_ok_and(|m| m.len() <= DETECT_LIMIT);
    match small.then(|| std::fs::read(dest)) {
        Some(Ok(bytes)) => match crate::load::detect(&bytes) {
            Ok(format) => format!("a {} document", format.label()),
            Err(_) => "a file that is not a durable-lens document".into(),
        },
        _ => "a file that is not a durable-lens document".into(),
    }
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENS: &[u8] = br#"{"format": "durable-lens", "version": 1, "history": {}}"#;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failing_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.lens.json");
        std::fs::write(&dest, LENS).unwrap();
        let err = write_with(&dest, DocKind::LensExport, &[], |w| {
            w.write_all(b"{\"format\": \"durable-lens\", \"ver")?;
            w.flush()?;
            Err(io::Error::from_raw_os_error(28)) // ENOSPC
        })
        .unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        assert!(err.to_string().contains("out.lens.json"), "{err}");
        assert_eq!(std::fs::read(&dest).unwrap(), LENS);
        assert_eq!(names(dir.path()), ["out.lens.json"]);
    }

    #[test]
    fn a_new_file_is_written_whole_and_alone() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("new.lens.json");
        write_file(&dest, DocKind::LensExport, &[], LENS).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), LENS);
        assert_eq!(names(dir.path()), ["new.lens.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
            assert_ne!(mode & 0o044, 0, "readable by others as fs::write makes it");
        }
    }

    #[test]
    fn an_export_replaces_an_export_but_not_a_history() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.json");
        std::fs::write(&dest, LENS).unwrap();
        write_file(&dest, DocKind::LensExport, &[], LENS).unwrap();
        let history = br#"{"Operations": []}"#;
        std::fs::write(&dest, history).unwrap();
        let err = write_file(&dest, DocKind::LensExport, &[], LENS).unwrap_err();
        assert!(matches!(err, WriteError::DifferentKind { .. }), "{err}");
        assert_eq!(std::fs::read(&dest).unwrap(), history);
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_to_an_input_is_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("h.json");
        std::fs::write(&input, LENS).unwrap();
        let link = dir.path().join("other-name.json");
        std::fs::hard_link(&input, &link).unwrap();
        assert!(same_file(&input, &link));
        let err = write_file(&link, DocKind::LensExport, &[&input], b"x").unwrap_err();
        assert!(matches!(err, WriteError::SameAsInput { .. }), "{err}");
        assert_eq!(std::fs::read(&input).unwrap(), LENS);
    }

    #[test]
    fn nothing_is_written_inside_an_input_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join(".durable_executions");
        std::fs::create_dir(&store).unwrap();
        let err = write_file(
            &store.join("x.lens.json"),
            DocKind::LensExport,
            &[&store],
            LENS,
        )
        .unwrap_err();
        assert!(matches!(err, WriteError::InsideInput { .. }), "{err}");
        assert!(names(&store).is_empty());
    }
}
