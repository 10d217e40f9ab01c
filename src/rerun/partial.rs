//! Whether a recording is whole enough to re-run against: a history with
//! missing pages (a gap in EventIds) or truncated or absent payloads would
//! make durable-lens guess the answers and replayed results it lacks, so
//! such a recording is refused unless the user allows guessing, and then
//! each guess is named.

use crate::model::{Execution, History, WarningKind};

/// What the recording lacks, one line each; empty when it is whole. The
/// loaders' warnings are matched on their kind (a gap in EventIds, payloads
/// fetched without execution data), never on their wording.
pub fn problems(history: &History, exec: &Execution) -> Vec<String> {
    let mut out: Vec<String> = history
        .warnings
        .iter()
        .filter(|w| matches!(w.kind, WarningKind::EventGap | WarningKind::PayloadsAbsent))
        .map(ToString::to_string)
        .collect();
    if exec.input.as_ref().is_some_and(|p| p.truncated) {
        out.push("the execution input is truncated".into());
    }
    for op in &exec.operations {
        let truncated = op.result.as_ref().is_some_and(|p| p.truncated)
            || op.error.as_ref().is_some_and(|e| e.truncated);
        if truncated {
            out.push(format!(
                "the {} of {} '{}' is truncated",
                if op.result.is_some() {
                    "result"
                } else {
                    "error"
                },
                op.op_type,
                op.display_name()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Format, Warning};

    fn history(warnings: Vec<Warning>) -> History {
        History {
            source: "h.json".into(),
            origin: None,
            format: Format::HistoryEvents,
            executions: vec![Execution::default()],
            warnings,
        }
    }

    #[test]
    fn partial_warnings_are_told_by_their_kind_not_their_wording() {
        let exec = Execution::default();
        // The kind decides, whatever the sentence says.
        let gap = history(vec![Warning::new(
            WarningKind::EventGap,
            "events 2–3 are gone",
        )]);
        assert_eq!(problems(&gap, &exec), ["events 2–3 are gone"]);
        let absent = history(vec![Warning::new(WarningKind::PayloadsAbsent, "no data")]);
        assert_eq!(problems(&absent, &exec), ["no data"]);
        // A sentence that merely reads like one is not.
        let other = history(vec![Warning::from(
            "event 3 is missing (a page was not fetched?)",
        )]);
        assert!(problems(&other, &exec).is_empty());
    }
}
