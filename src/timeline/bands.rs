//! The recorded part of each invocation window: where the source gave a
//! window edge it is the edge; where the edge was inferred (the next
//! invocation's start, the event that woke the handler), the recorded part
//! stops at the first or last timestamp of what the invocation itself ran.
//! The rest of the band is the inferred part, drawn hatched.

use super::layout::Band;
use crate::model::Execution;
use crate::replay::Analysis;

/// Per invocation band: its recorded part `(start, end)` in the band's
/// units, or `None` when nothing in it is recorded (all of it inferred).
pub fn recorded_parts(
    e: &Execution,
    a: &Analysis,
    bands: &[Option<Band>],
    rel: impl Fn(i64) -> f64,
) -> Vec<Option<(f64, f64)>> {
    // What each invocation ran: its operations' starts and ends, its attempts.
    let mut seen: Vec<Option<(f64, f64)>> = vec![None; bands.len()];
    let mut note = |k: Option<usize>, t: Option<crate::model::Ts>| {
        let (Some(k), Some(t)) = (k, t) else { return };
        let Some(slot) = seen.get_mut(k) else { return };
        let t = rel(t.micros());
        *slot = Some(slot.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
    };
    for o in &e.operations {
        note(o.started_in, o.start);
        note(o.finished_in, o.end);
        for at in &o.attempts {
            note(at.invocation, at.start);
            note(at.invocation, at.end);
        }
    }
    bands
        .iter()
        .zip(&a.invocations)
        .zip(seen)
        .map(|((b, inv), seen)| {
            let b = b.as_ref()?;
            let w = &inv.window;
            if !w.start_inferred && !w.end_inferred && !w.inferred {
                return Some((b.start, b.end));
            }
            let (s, t) = seen?;
            let s = if w.start_inferred || w.inferred {
                s.clamp(b.start, b.end)
            } else {
                b.start
            };
            let t = if w.end_inferred || w.inferred {
                t.clamp(s, b.end)
            } else {
                b.end
            };
            Some((s, t))
        })
        .collect()
}
