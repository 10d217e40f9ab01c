//! Compare a live operation with the recorded one at the same place, word a
//! divergence the way durable-lens reports violations everywhere
//! (`Replay consistency violation: Expected operation 'X' of type STEP at
//! position N, but found operation 'Y' of type STEP`), and read the place out
//! of the SDKs' own NonDeterministicExecutionError texts.

use super::recorded::{place_label, PlacePath, Recorded};
use crate::model::{OpType, Operation};
use serde::Serialize;

/// How a live operation relates to the recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Comparison {
    /// Same type and name at the same place.
    Matches,
    /// Something else was recorded there.
    Differs {
        expected_name: Option<String>,
        expected_type: OpType,
    },
    /// Nothing was recorded there and the recorded execution had ended.
    NotRecorded,
    /// Nothing was recorded there, but the recording stops before this
    /// point (an execution still running when it was captured).
    BeyondRecording,
}

impl Comparison {
    pub fn is_divergence(&self) -> bool {
        matches!(self, Comparison::Differs { .. } | Comparison::NotRecorded)
    }
}

/// The first place where the re-run and the recording disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Divergence {
    /// 0-based invocation of the re-run.
    pub invocation: usize,
    pub place: PlacePath,
    /// Plain message, the same wording as `durable-lens diff`.
    pub message: String,
    /// The SDK's own error text when the SDK detected it during replay.
    pub sdk_error: Option<String>,
}

fn quoted(name: Option<&str>) -> String {
    format!("'{}'", name.unwrap_or("(unnamed)"))
}

/// Position wording: `2` in the root context, `1 in context 3` deeper down.
fn position(place: &[u32]) -> String {
    match place.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, parent)) => format!("{last} in context {}", place_label(parent)),
        None => "?".into(),
    }
}

pub fn compare(
    recorded: &Recorded,
    place: &[u32],
    op_type: OpType,
    name: Option<&str>,
) -> Comparison {
    match recorded.op_at(place) {
        Some(r) if r.op_type == op_type && r.name.as_deref() == name => Comparison::Matches,
        Some(r) => Comparison::Differs {
            expected_name: r.name.clone(),
            expected_type: r.op_type,
        },
        None if recorded.execution.status.is_some_and(|s| s.is_terminal()) => {
            Comparison::NotRecorded
        }
        None => Comparison::BeyondRecording,
    }
}

pub fn message(
    place: &[u32],
    found_type: OpType,
    found_name: Option<&str>,
    cmp: &Comparison,
) -> String {
    let found = format!("operation {} of type {found_type}", quoted(found_name));
    match cmp {
        Comparison::Differs {
            expected_name,
            expected_type,
        } => format!(
            "Replay consistency violation: Expected operation {} of type {expected_type} at position {}, but found {found}",
            quoted(expected_name.as_deref()),
            position(place)
        ),
        _ => format!(
            "Replay consistency violation: Expected no operation at position {} (the recorded execution ended), but found {found}",
            position(place)
        ),
    }
}

/// A recorded operation the re-run never reached although its execution ended.
pub fn missing_message(place: &[u32], op: &Operation) -> String {
    format!(
        "Replay consistency violation: Expected operation {} of type {} at position {}, but the execution ended without it",
        quoted(op.name.as_deref()),
        op.op_type,
        position(place)
    )
}

/// What an SDK non-determinism error says: where, and what the code did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SdkMismatch {
    /// JS: the step id (`2`, `3-1`). Python: the operation id.
    pub js_step: Option<String>,
    pub py_id: Option<String>,
    pub found_name: Option<String>,
    pub found_type: Option<OpType>,
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(&s[i..j])
}

/// Recognise the JS and Python SDKs' non-determinism texts (formats.md §7).
pub fn parse_sdk_error(text: &str) -> Option<SdkMismatch> {
    if !text.contains("on-deterministic") && !text.contains("NonDeterministic") {
        return None;
    }
    let mut m = SdkMismatch::default();
    if let Some(step) = between(text, "mismatch for step \"", "\"") {
        m.js_step = Some(step.to_string());
        if text.contains("name mismatch") {
            m.found_name = between(text, "but got \"", "\"").map(str::to_string);
        } else if text.contains("type mismatch") {
            m.found_type = between(text, "but got \"", "\"").and_then(OpType::parse);
        }
    }
    if let Some(id) = between(text, "at id='", "'") {
        m.py_id = Some(id.to_string());
        if text.contains("name checkpoint=") {
            m.found_name = between(text, "current='", "'").map(str::to_string);
        } else if text.contains("type checkpoint=") {
            m.found_type = between(text, "current='", "'").and_then(OpType::parse);
        }
    }
    (m.js_step.is_some() || m.py_id.is_some()).then_some(m)
}

/// The JS step id is the chain of per-context counters: `3-1` = place [3, 1].
pub fn js_step_place(step: &str) -> Option<PlacePath> {
    step.split('-').map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sdks_texts_are_recognised() {
        let js = "[Unrecoverable Execution] Non-deterministic execution detected: Operation name mismatch for step \"2\". Expected name \"process-payment\", but got \"send-email\". This indicates non-deterministic control flow in your workflow code.";
        let m = parse_sdk_error(js).unwrap();
        assert_eq!(m.js_step.as_deref(), Some("2"));
        assert_eq!(m.found_name.as_deref(), Some("send-email"));
        let py = "Non-deterministic operation identity at id='abc': type checkpoint='STEP' current='WAIT'";
        let m = parse_sdk_error(py).unwrap();
        assert_eq!(m.py_id.as_deref(), Some("abc"));
        assert_eq!(m.found_type, Some(OpType::Wait));
        assert_eq!(js_step_place("3-1"), Some(vec![3, 1]));
        assert!(parse_sdk_error("some other failure").is_none());
    }

    #[test]
    fn violations_use_the_plain_wording() {
        let cmp = Comparison::Differs {
            expected_name: Some("process-payment".into()),
            expected_type: OpType::Step,
        };
        assert_eq!(
            message(&[2], OpType::Step, Some("send-email"), &cmp),
            "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"
        );
    }
}
