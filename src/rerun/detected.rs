//! When the SDK itself detects a divergence during replay, its
//! NonDeterministicExecutionError ends the invocation and nothing is
//! checkpointed for the offending operation. This places it from the SDK's
//! text, words the divergence like every other one, and builds the row the
//! live view shows for the operation the handler produced there.

use super::compare::{self, Comparison, Divergence, SdkMismatch};
use super::recorded::{place_label, PlacePath, Places, Recorded};
use crate::model::{ErrorInfo, OpStatus, OpType, Operation};
use crate::replay::js_step_chain;

/// An SDK-detected divergence and the operation the handler produced there.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Detected {
    pub divergence: Divergence,
    /// The handler's operation, as far as the SDK's text tells: its type and
    /// name (the expected ones where the text names no other), the id of the
    /// checkpoint it was compared with (both SDKs derive ids from the place),
    /// status FAILED with the SDK's error, since the SDK stopped there.
    pub op: Operation,
    pub place: PlacePath,
    /// How it compares with the recording: it differs (or was not recorded).
    pub comparison: Comparison,
}

/// Where the SDK says it diverged: JS names the step id (a chain of
/// counters), Python the operation id, looked up among the run's places.
pub(super) fn place(m: &SdkMismatch, places: &Places) -> Option<PlacePath> {
    match (&m.js_step, &m.py_id) {
        (Some(step), _) => js_step_chain(step),
        (None, Some(id)) => places.of(id).cloned(),
        (None, None) => None,
    }
}

/// `checkpoint`: the operation the SDK compared with (from the state the
/// invocation replayed), when known; otherwise the recorded one stands in.
pub(super) fn detected(
    recorded: &Recorded,
    invocation: usize,
    place: Option<PlacePath>,
    m: &SdkMismatch,
    err: Option<&ErrorInfo>,
    checkpoint: Option<&Operation>,
) -> Detected {
    let sdk_error = err.and_then(|e| e.message.clone());
    let place = place.unwrap_or_default();
    let expected = recorded.op_at(&place);
    let found_type = m
        .found_type
        .or(expected.map(|e| e.op_type))
        .or(checkpoint.map(|c| c.op_type))
        .unwrap_or(OpType::Step);
    // Python names every field that differs: one it leaves out is the
    // recorded one's. The JS type mismatch names no name at all.
    let found_name = m.found_name.clone().or_else(|| {
        if m.name_unknown {
            return None;
        }
        expected
            .and_then(|e| e.name.clone())
            .or_else(|| checkpoint.and_then(|c| c.name.clone()))
    });
    let comparison = match expected {
        Some(e) => Comparison::Differs {
            expected_name: e.name.clone(),
            expected_type: e.op_type,
        },
        None => Comparison::NotRecorded,
    };
    let message = if m.found_name.is_none() && m.found_type.is_none() {
        // The text says something differs but not what: quote it.
        format!(
            "Replay consistency violation at position {}: {}",
            place_label(&place),
            sdk_error.clone().unwrap_or_default()
        )
    } else {
        compare::message(
            recorded,
            &place,
            found_type,
            found_name.as_deref(),
            &comparison,
        )
    };
    let like = checkpoint.or(expected);
    let id = like
        .map(|o| o.id.clone())
        .or_else(|| m.py_id.clone())
        .unwrap_or_else(|| format!("sdk-divergence-{}", place_label(&place)));
    let op = Operation {
        parent_id: like.and_then(|o| o.parent_id.clone()),
        name: found_name,
        error: err.cloned(),
        started_in: Some(invocation),
        finished_in: Some(invocation),
        ..Operation::new(id, found_type, OpStatus::Failed)
    };
    Detected {
        divergence: Divergence {
            invocation,
            place: place.clone(),
            message,
            sdk_error,
            kind: compare::DivergenceKind::Shape,
        },
        op,
        place,
        comparison,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Execution;

    fn recorded() -> Recorded {
        let ops = vec![
            Operation {
                name: Some("create-order".into()),
                ..Operation::new("a", OpType::Step, OpStatus::Succeeded)
            },
            Operation {
                name: Some("process-payment".into()),
                ..Operation::new("b", OpType::Step, OpStatus::Succeeded)
            },
        ];
        Recorded::new(Execution {
            operations: ops,
            status: Some(OpStatus::Succeeded),
            ..Execution::default()
        })
    }

    #[test]
    fn a_renamed_step_gets_a_failed_row_with_the_new_name_at_the_recorded_id() {
        let rec = recorded();
        let text = "Non-deterministic execution detected: Operation name mismatch for step \"2\". Expected name \"process-payment\", but got \"charge-card\".";
        let m = compare::parse_sdk_error(text).unwrap();
        let at = place(&m, &rec.places);
        assert_eq!(at, Some(vec![2]));
        let err = ErrorInfo {
            message: Some(text.into()),
            ..ErrorInfo::default()
        };
        let d = detected(&rec, 1, at, &m, Some(&err), None);
        assert_eq!(d.op.id, "b");
        assert_eq!(d.op.name.as_deref(), Some("charge-card"));
        assert_eq!(d.op.op_type, OpType::Step);
        assert_eq!(d.op.status, OpStatus::Failed);
        assert!(d.comparison.is_divergence());
        assert_eq!(d.divergence.sdk_error.as_deref(), Some(text));
        assert!(d
            .divergence
            .message
            .contains("found operation 'charge-card'"));
    }

    #[test]
    fn a_python_id_is_placed_through_the_run_s_places() {
        let rec = recorded();
        let m = compare::parse_sdk_error(
            "Non-deterministic operation identity at id='b': type checkpoint='STEP' current='WAIT'",
        )
        .unwrap();
        let d = detected(&rec, 0, place(&m, &rec.places), &m, None, None);
        assert_eq!(d.place, vec![2]);
        assert_eq!(d.op.op_type, OpType::Wait);
        assert_eq!(d.op.name.as_deref(), Some("process-payment"));
    }
}
