//! Whether a recording is whole enough to re-run against: a history with
//! missing pages (a gap in EventIds) or truncated or absent payloads would
//! make durable-lens guess the answers and replayed results it lacks, so
//! such a recording is refused unless the user allows guessing, and then
//! each guess is named.

use crate::model::{Execution, History};

/// The loaders' wording for a gap in EventIds and for payloads a history
/// was fetched without (load::sink, load::events); tested against the
/// malformed corpus in tests/rerun_partial.rs.
const GAP_NOTE: &str = "(a page was not fetched?)";
const ABSENT_NOTE: &str = "payload(s) are absent";

/// What the recording lacks, one line each; empty when it is whole.
pub fn problems(history: &History, exec: &Execution) -> Vec<String> {
    let mut out: Vec<String> = history
        .warnings
        .iter()
        .filter(|w| w.contains(GAP_NOTE) || w.contains(ABSENT_NOTE))
        .cloned()
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
