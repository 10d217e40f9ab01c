//! A history's linked handler, kept in a sidecar file next to the history
//! (`<history file name>.durable-lens-link.json`) so the link travels with
//! the recording; the app also keeps it in its own storage.

use super::process::HandlerCommand;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot read handler link {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("handler link {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The write error names the sidecar already.
    #[error(transparent)]
    Write(#[from] crate::write::WriteError),
}

/// `orders.json` → `orders.json.durable-lens-link.json`, beside it.
pub fn sidecar_path(history: &Path) -> PathBuf {
    let mut name = history
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".durable-lens-link.json");
    history.with_file_name(name)
}

/// The saved link, or `None` when the history has none.
pub fn load_link(history: &Path) -> Result<Option<HandlerCommand>, LinkError> {
    match read_link(&sidecar_path(history)) {
        Err(LinkError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(None)
        }
        other => other.map(Some),
    }
}

/// A link file given by path (`rerun --link FILE`).
pub fn read_link(path: &Path) -> Result<HandlerCommand, LinkError> {
    let text = std::fs::read_to_string(path).map_err(|source| LinkError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| LinkError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Write the sidecar through the one safe writer; the history file itself
/// is never touched, and a file there that is not a link is not replaced.
pub fn save_link(history: &Path, link: &HandlerCommand) -> Result<PathBuf, LinkError> {
    let path = sidecar_path(history);
    let text = serde_json::to_string_pretty(link).unwrap_or_default();
    let kind = crate::write::DocKind::HandlerLink;
    crate::write::write_file(&path, kind, &[history], text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_round_trips_through_its_sidecar() {
        let dir = tempfile::tempdir().unwrap();
        let hist = dir.path().join("orders.json");
        assert_eq!(load_link(&hist).unwrap(), None);
        let link = HandlerCommand {
            command: "node runner.mjs app.mjs handler".into(),
            cwd: Some(dir.path().to_path_buf()),
            env: vec![("STAGE".into(), "dev".into())],
        };
        let path = save_link(&hist, &link).unwrap();
        assert_eq!(path, dir.path().join("orders.json.durable-lens-link.json"));
        assert_eq!(load_link(&hist).unwrap(), Some(link));
        assert!(!hist.exists(), "the history file is not created or touched");
    }

    #[test]
    fn a_sidecar_name_holding_something_else_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let hist = dir.path().join("orders.json");
        let other = br#"{"Operations": []}"#;
        std::fs::write(sidecar_path(&hist), other).unwrap();
        let link = HandlerCommand {
            command: "node runner.mjs app.mjs handler".into(),
            cwd: None,
            env: Vec::new(),
        };
        let err = save_link(&hist, &link).unwrap_err();
        assert!(matches!(err, LinkError::Write(_)), "{err}");
        assert!(err.to_string().contains("refusing to replace"), "{err}");
        assert_eq!(std::fs::read(sidecar_path(&hist)).unwrap(), other);
    }
}
