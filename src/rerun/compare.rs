//! Compare a live operation with the recorded one at the same place, word a
//! divergence the way durable-lens reports violations everywhere
//! (`Replay consistency violation: Expected operation 'X' of type STEP at
//! position N, but found operation 'Y' of type STEP`), and read the place out
//! of the SDKs' own NonDeterministicExecutionError texts.

use super::recorded::{place_label, PlacePath, Recorded};
use crate::diff::{RowKind, Violation};
use crate::model::{OpSig, OpType, Operation, Sdk};
use crate::replay::{diagnose_error_text, Mismatch};
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

/// What kind of disagreement decided a re-run's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DivergenceKind {
    /// Another operation (type, name) at a place, or one not recorded.
    #[default]
    Shape,
    /// A recorded operation the ended re-run never reached.
    Missing,
    /// The execution ended with another final status.
    Status,
    /// Both failed, with different error types.
    ErrorType,
    /// The handler failed (threw) where the recording did not.
    HandlerError,
}

impl DivergenceKind {
    /// How the CLI summary and the app's panel name it.
    pub fn label(self) -> &'static str {
        match self {
            DivergenceKind::Shape => "the code's operations differ from the recording",
            DivergenceKind::Missing => "recorded operations were never reached",
            DivergenceKind::Status => "the final status changed",
            DivergenceKind::ErrorType => "the error type changed",
            DivergenceKind::HandlerError => "the handler failed",
        }
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
    pub kind: DivergenceKind,
}

/// Names of the recorded contexts enclosing `place`, for messages.
fn context_names(recorded: &Recorded, place: &[u32]) -> Vec<String> {
    let parent = place.split_last().map_or(&[][..], |(_, p)| p);
    (1..=parent.len())
        .map(|n| {
            recorded.op_at(&parent[..n]).map_or_else(
                || place_label(&parent[..n]),
                |o| o.display_name().to_string(),
            )
        })
        .collect()
}

/// Word a divergence exactly as `durable-lens diff` words a violation.
fn violation(
    recorded: &Recorded,
    place: &[u32],
    kind: RowKind,
    expected: Option<OpSig>,
    found: Option<OpSig>,
) -> String {
    Violation {
        kind,
        row: 0,
        context_names: context_names(recorded, place),
        position: place.last().copied().unwrap_or(0),
        expected,
        found,
        edit: None,
    }
    .to_string()
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
    recorded: &Recorded,
    place: &[u32],
    found_type: OpType,
    found_name: Option<&str>,
    cmp: &Comparison,
) -> String {
    let found = OpSig {
        name: found_name.map(str::to_string),
        op_type: found_type,
        sub_type: None,
    };
    match cmp {
        Comparison::Differs {
            expected_name,
            expected_type,
        } => {
            let expected = OpSig {
                name: expected_name.clone(),
                op_type: *expected_type,
                sub_type: None,
            };
            let kind = if *expected_type != found_type {
                RowKind::TypeMismatch
            } else {
                RowKind::NameMismatch
            };
            violation(recorded, place, kind, Some(expected), Some(found))
        }
        _ => violation(recorded, place, RowKind::Extra, None, Some(found)),
    }
}

/// A recorded operation the re-run never reached although its execution ended.
pub fn missing_message(recorded: &Recorded, place: &[u32], op: &Operation) -> String {
    violation(recorded, place, RowKind::Missing, Some(OpSig::of(op)), None)
}

/// What an SDK non-determinism error says: where, and what the code did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SdkMismatch {
    /// JS: the step id (`2`, `3-1`). Python: the operation id.
    pub js_step: Option<String>,
    pub py_id: Option<String>,
    pub found_name: Option<String>,
    pub found_type: Option<OpType>,
    /// The text names the code's operation by its type alone (the JS
    /// SDK's type mismatch): its name is unknown, never the recorded one's.
    pub name_unknown: bool,
}

/// Recognise the JS and Python SDKs' non-determinism texts (formats.md §7),
/// with the same reader the history diagnosis uses.
pub fn parse_sdk_error(text: &str) -> Option<SdkMismatch> {
    let p = diagnose_error_text(text)?;
    let mut m = SdkMismatch::default();
    match p.sdk {
        Sdk::Js => m.js_step = p.at,
        _ => m.py_id = p.at,
    }
    match p.mismatch {
        Mismatch::Name => m.found_name = p.current_value,
        Mismatch::Type => {
            m.found_type = p.current_value.as_deref().and_then(OpType::parse);
            m.name_unknown = p.sdk == Sdk::Js;
        }
        _ => {}
    }
    Some(m)
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
        assert!(parse_sdk_error("some other failure").is_none());
    }

    #[test]
    fn violations_use_the_plain_wording() {
        let cmp = Comparison::Differs {
            expected_name: Some("process-payment".into()),
            expected_type: OpType::Step,
        };
        assert_eq!(
            message(&Recorded::new(crate::model::Execution::default()), &[2], OpType::Step, Some("send-email"), &cmp),
            "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"
        );
    }
}
