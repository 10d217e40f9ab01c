//! durable-lens's own export format: `{"format": "durable-lens", "version":
//! 1, "history": <History>}`. It holds everything the model knows, so a
//! load → export → load round trip gives an equal `History` (source and
//! detected format included: the document records what was first loaded).

use super::error::LoadError;
use super::top::TopObject;
use crate::model::History;
use serde::Serialize;
use serde_json::Value;

pub const LENS_VERSION: u64 = 1;

#[derive(Serialize)]
struct LensDoc<'a> {
    format: &'static str,
    version: u64,
    history: &'a History,
}

/// Serialise a history to the export format (pretty-printed: people diff
/// and read these files).
pub fn to_lens_json(history: &History) -> String {
    let doc = LensDoc {
        format: "durable-lens",
        version: LENS_VERSION,
        history,
    };
    // The model has only string map keys and serde_json writes non-finite
    // floats as null, so serialising it cannot fail.
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
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
    t.history
        .ok_or_else(|| LoadError::invalid(file, "/history", "a history object", "none"))
}
