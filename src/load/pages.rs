//! Pages of one history saved as several files (`GetDurableExecutionHistory`
//! fetched page by page, one file per page): told apart from separate
//! histories by their EventIds, and loaded as one history, the way pages
//! concatenated in one file are.

use super::error::LoadError;
use crate::model::History;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "EventId")]
    id: Option<u64>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "Events")]
    events: Vec<Event>,
}

/// The first and last EventId of a history-events document (one page, a
/// bare event array, or pages concatenated); `None` for anything else.
/// Reads only the EventIds: every other field is skipped unparsed.
pub fn event_id_span(bytes: &[u8]) -> Option<(u64, u64)> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut ids = Vec::new();
    let pages = serde_json::Deserializer::from_slice(body).into_iter::<Page>();
    let mut any = false;
    for p in pages {
        match p {
            Ok(p) => {
                any = true;
                ids.extend(p.events.iter().filter_map(|e| e.id));
            }
            Err(_) => {
                any = false;
                break;
            }
        }
    }
    if !any {
        ids.clear();
        let events: Vec<Event> = serde_json::from_slice(body).ok()?;
        ids.extend(events.iter().filter_map(|e| e.id));
    }
    Some((*ids.iter().min()?, *ids.iter().max()?))
}

/// Whether a document spanning `next` continues one spanning `prev`: it
/// does not start the execution (EventId 1) and starts right after it.
pub fn continues(prev: (u64, u64), next: (u64, u64)) -> bool {
    next.0 > 1 && next.0 == prev.1 + 1
}

/// Load page files of one history as one history; its source names every
/// file, joined by " + ".
pub fn load_pages(files: &[&Path]) -> Result<History, LoadError> {
    let mut bytes = Vec::new();
    for f in files {
        let b = std::fs::read(f).map_err(|e| LoadError::io(f, e))?;
        bytes.extend_from_slice(b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&b));
        bytes.push(b'\n');
    }
    let source = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    super::load_bytes(&source, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_the_history_shapes() {
        let page =
            br#"{"Events": [{"EventId": 3, "EventType": "X"}, {"EventId": 4}], "NextMarker": "m"}"#;
        assert_eq!(event_id_span(page), Some((3, 4)));
        assert_eq!(
            event_id_span(br#"[{"EventId": 1}, {"EventId": 2}]"#),
            Some((1, 2))
        );
        let two = br#"{"Events": [{"EventId": 1}]} {"Events": [{"EventId": 2}]}"#;
        assert_eq!(event_id_span(two), Some((1, 2)));
        assert_eq!(event_id_span(br#"{"Operations": []}"#), None);
        assert!(continues((1, 4), (5, 9)));
        assert!(!continues((1, 4), (1, 4)), "a second history starts at 1");
        assert!(!continues((1, 4), (7, 9)), "a gap is not a continuation");
    }
}
