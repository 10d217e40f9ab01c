//! durable-lens's own export format: `{"format": "durable-lens", "version":
//! 1, "history": <History>}`. It holds everything the model knows, so a
//! load → export → load round trip gives an equal `History`, except that the
//! document names itself: `history.source` is the export file, and
//! `history.origin` keeps what was first loaded (the detected format stays).

use super::error::LoadError;
use super::top::TopObject;
use crate::model::{History, Warning};
use serde::Serialize;
use serde_json::Value;

pub const LENS_VERSION: u64 = 1;

#[derive(Serialize)]
struct LensDoc<'a> {
    format: &'static str,
    version: u64,
    history: LensHistory<'a>,
}

/// `History` as serialised, with the export's own name as its source.
#[derive(Serialize)]
struct LensHistory<'a> {
    source: &'a str,
    origin: &'a str,
    format: crate::model::Format,
    executions: &'a [crate::model::Execution],
    warnings: &'a [Warning],
}

fn doc<'a>(history: &'a History, named: &'a str) -> LensDoc<'a> {
    LensDoc {
        format: "durable-lens",
        version: LENS_VERSION,
        history: LensHistory {
            source: named,
            // An export of an export keeps the first origin.
            origin: history.origin.as_deref().unwrap_or(&history.source),
            format: history.format,
            executions: &history.executions,
            warnings: &history.warnings,
        },
    }
}

/// Serialise a history to the export format as the document `named` (the
/// path it is written to), pretty-printed: people diff and read these files.
pub fn to_lens_json(history: &History, named: &str) -> String {
    // The model has only string map keys and serde_json writes non-finite
    // floats as null, so serialising it cannot fail.
    serde_json::to_string_pretty(&doc(history, named))
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
}

/// [`to_lens_json`] streamed into `w` (a large history is not held twice).
pub fn write_lens_json(
    history: &History,
    named: &str,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(w, &doc(history, named)).map_err(std::io::Error::other)
}

pub(crate) fn from_top(file: &str, t: TopObject) -> Result<History, LoadError> {
    match &t.version {
        Some(Value::Number(n)) if n.as_u64() == Some(LENS_VERSION) => {}
        other => {
            return Err(LoadError::UnsupportedVersion {
                file: file.to_string(),
                found: other
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "none".into()),
                expected: LENS_VERSION,
            })
        }
    }
    // `Payload`'s decoded value is not stored; it is rebuilt on first use.
    let mut h = t
        .history
        .ok_or_else(|| LoadError::invalid(file, "/history", "a history object", "none"))?;
    // The file read is the source; what it was exported from is the origin
    // (older exports have none and name the original as their source).
    let recorded = std::mem::replace(&mut h.source, file.to_string());
    if h.origin.is_none() && recorded != file {
        h.origin = Some(recorded);
    }
    Ok(h)
}
