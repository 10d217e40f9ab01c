//! Load errors. Every variant names the file and the place (line:column, a
//! JSON pointer, or `table executions, row <arn>`) and says what was expected
//! versus what was found, so a user can open the file and look.

use crate::model::Format;
use std::path::Path;

#[derive(thiserror::Error, Debug)]
pub enum LoadError {
    /// The OS reason is printed here and not chained as a source, so a
    /// caller printing the chain does not say it twice.
    #[error("{file}: cannot read: {reason}")]
    Io {
        file: String,
        reason: std::io::Error,
    },

    #[error("{file}: the file is empty (expected a JSON document or a SQLite store)")]
    Empty { file: String },

    #[error("{file}: line {line}, column {column} (byte {offset}): expected UTF-8 text, found an invalid byte sequence")]
    NotUtf8 {
        file: String,
        line: usize,
        column: usize,
        offset: usize,
    },

    #[error("{file}: line {line}, column {column}: invalid JSON: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{file}: at {pointer} (line {line}, column {column}): {message}")]
    Shape {
        file: String,
        /// JSON pointer (`/Events/3/EventTimestamp`), prefixed with the
        /// document number when pages were concatenated.
        pointer: String,
        line: usize,
        column: usize,
        /// Expected versus found, as serde words it.
        message: String,
    },

    #[error("{file}: at {pointer}: expected {expected}, found {found}")]
    Invalid {
        file: String,
        pointer: String,
        expected: String,
        found: String,
    },

    #[error(
        "{file}: not a durable execution history: found {found}; formats tried: {}",
        list_formats(tried)
    )]
    Unrecognised {
        file: String,
        found: String,
        tried: Vec<Format>,
    },

    #[error("{file}: EventId {event_id} appears twice, at {first} and at {second} (expected each EventId once)")]
    DuplicateEventId {
        file: String,
        event_id: u64,
        first: String,
        second: String,
    },

    #[error("{file}: operation id {id:?} appears twice, at {first} and at {second} (expected each Id once)")]
    DuplicateOperation {
        file: String,
        id: String,
        first: String,
        second: String,
    },

    #[error("{file}: {place}: SQLite error: {message}")]
    Sqlite {
        file: String,
        place: String,
        message: String,
    },

    #[error("{file}: {place}: the database is locked by another connection (waited {waited_ms} ms); try again when the writer has finished")]
    Locked {
        file: String,
        place: String,
        waited_ms: u64,
    },

    #[error("{file}: {place}: SQLite worked {limit_ms} ms on one row without producing it and was stopped (is `executions` an endless or very slow view?)")]
    TooSlow {
        file: String,
        place: String,
        limit_ms: u64,
    },

    #[error("{file}: table {table}: expected columns {expected}, found {found}")]
    Schema {
        file: String,
        table: String,
        expected: String,
        found: String,
    },

    /// The selector's own error is printed, not chained, so it is said once.
    #[error("{file}: {error}")]
    ExecutionNotFound {
        file: String,
        error: crate::select::SelectError,
    },

    #[error("{file}: folder holds no Python testing store execution files (expected *.json files with DurableExecutionArn and Operations; {skipped} other entries skipped{})", first_reason(reasons))]
    NoStoreFiles {
        file: String,
        skipped: usize,
        reasons: Vec<String>,
    },

    #[error("{file}: at /version: durable-lens export version {found} is not supported (expected {expected})")]
    UnsupportedVersion {
        file: String,
        found: String,
        expected: u64,
    },

    #[error("{file}: {format} can only be read from a path, not from bytes in memory")]
    NeedsPath { file: String, format: Format },

    #[error("{file}: cannot read a {what}: only regular files and folders are read")]
    NotAFile { file: String, what: &'static str },

    #[error("{file}: too large for this machine's memory: the file is {} and loading it needs about {} (2.1x the file), but only {} is available", mib(*size), mib(*needed), mib(*available))]
    TooLarge {
        file: String,
        size: u64,
        needed: u64,
        available: u64,
    },

    #[error("{file}: loading was cancelled")]
    Cancelled { file: String },
}

fn mib(bytes: u64) -> String {
    format!(
        "{:.1} MiB ({bytes} bytes)",
        bytes as f64 / (1u64 << 20) as f64
    )
}

fn list_formats(tried: &[Format]) -> String {
    tried
        .iter()
        .map(|f| f.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_reason(reasons: &[String]) -> String {
    match reasons.first() {
        Some(r) => format!("; first: {r}"),
        None => String::new(),
    }
}

impl LoadError {
    /// The file (or store row) the error is about.
    pub fn file(&self) -> &str {
        match self {
            LoadError::Io { file, .. }
            | LoadError::Empty { file }
            | LoadError::NotUtf8 { file, .. }
            | LoadError::Syntax { file, .. }
            | LoadError::Shape { file, .. }
            | LoadError::Invalid { file, .. }
            | LoadError::Unrecognised { file, .. }
            | LoadError::DuplicateEventId { file, .. }
            | LoadError::DuplicateOperation { file, .. }
            | LoadError::Sqlite { file, .. }
            | LoadError::Locked { file, .. }
            | LoadError::TooSlow { file, .. }
            | LoadError::Schema { file, .. }
            | LoadError::ExecutionNotFound { file, .. }
            | LoadError::NoStoreFiles { file, .. }
            | LoadError::UnsupportedVersion { file, .. }
            | LoadError::NeedsPath { file, .. }
            | LoadError::NotAFile { file, .. }
            | LoadError::TooLarge { file, .. }
            | LoadError::Cancelled { file } => file,
        }
    }

    pub(crate) fn io(path: &Path, reason: std::io::Error) -> LoadError {
        LoadError::Io {
            file: path.display().to_string(),
            reason,
        }
    }

    pub(crate) fn invalid(
        file: &str,
        pointer: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> LoadError {
        LoadError::Invalid {
            file: file.to_string(),
            pointer: pointer.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// The `Formats` a JSON document is checked against, in the order tried.
pub(crate) const JSON_FORMATS: &[Format] = &[
    Format::DurableLens,
    Format::HistoryEvents,
    Format::InvocationInput,
    Format::PythonStoreJson,
    Format::Operations,
    Format::CheckpointList,
];

/// Every format `load_path` knows, for `Unrecognised` on non-JSON input.
pub(crate) const ALL_FORMATS: &[Format] = &[
    Format::DurableLens,
    Format::HistoryEvents,
    Format::InvocationInput,
    Format::PythonStoreJson,
    Format::Operations,
    Format::CheckpointList,
    Format::PythonStoreSqlite,
    Format::PythonStoreDir,
];

/// Line and column (1-based) of a byte offset, for errors found after
/// parsing (invalid UTF-8).
pub(crate) fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let upto = &bytes[..offset.min(bytes.len())];
    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = match upto.iter().rposition(|&b| b == b'\n') {
        Some(nl) => offset - nl,
        None => offset + 1,
    };
    (line, col)
}

/// serde_json appends " at line L column C" to its messages; the variants
/// carry the place separately, so strip it.
pub(crate) fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
