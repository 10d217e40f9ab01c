//! The time view's hover card: what a drawn shape stands for — name, type,
//! status, start, end, duration, a wait's scheduled end, the attempt under
//! the pointer with its error, and the invocation that ran it; for a merged
//! run, how many operations it holds and the first few names.

use crate::model::{format_duration_micros, Operation, Ts, INVALID_TIME};
use crate::timeline::draw::{DrawnSpan, SpanKind};
use crate::ui::doc::Doc;
use crate::ui::style;

/// Names listed for a merged run before "… and N more".
pub const RUN_NAMES: usize = 8;

/// `ops`: the first operations of the shape (all of a single span's), of
/// `count` in all.
pub fn show(
    ui: &mut egui::Ui,
    doc: &Doc,
    s: &DrawnSpan,
    ops: &[usize],
    count: usize,
    at_x: Option<f32>,
) {
    let all = doc.ops();
    if let SpanKind::Merged(_) = s.kind {
        ui.strong(format!(
            "{count} operations, each shorter than a pixel (zoom in to see them)"
        ));
        for &op in ops.iter().take(RUN_NAMES) {
            if let Some(o) = all.get(op) {
                ui.label(format!("{} · {}", doc.label(op), o.op_type));
            }
        }
        if count > ops.len() {
            ui.weak(format!("… and {} more", count - ops.len()));
        }
        return;
    }
    let Some(&op) = ops.first() else { return };
    let Some(o) = all.get(op) else { return };
    let t0 = doc.timeline.t0;
    let rel = |t: Ts| match Ts(t0).micros_until(t) {
        Some(us) => format!("+{}", format_duration_micros(us)),
        None => INVALID_TIME.to_string(),
    };
    ui.strong(format!("{}  ({})", doc.label(op), doc.position_label(op)));
    ui.label(format!("{} · {}", o.op_type, style::status_label(o.status)));
    if let Some(t) = o.start {
        ui.label(format!("start {}", rel(t)));
    }
    match o.end {
        Some(t) => ui.label(format!("end {}", rel(t))),
        None => ui.weak("end not recorded"),
    };
    if !doc.durations[op].is_empty() {
        ui.label(format!("duration {}", doc.durations[op]));
    }
    if let Some(t) = o.scheduled_end {
        ui.label(format!("scheduled to end {}", rel(t)));
    }
    if let Some(inv) = invocation_of(doc, op, o) {
        ui.label(format!("invocation {inv}"));
    }
    if o.attempts.len() > 1 {
        // The attempt under the pointer, else the last one.
        let under = at_x.and_then(|x| {
            s.attempts
                .iter()
                .find(|a| x >= a.x - 1.0 && x <= a.x + a.width + 1.0)
                .map(|a| a.number)
        });
        let number = under.unwrap_or(o.attempts.len() as u32);
        ui.label(format!("attempt {number} of {}", o.attempts.len()));
        if let Some(e) = o
            .attempts
            .iter()
            .find(|a| a.number == number)
            .and_then(|a| a.error.as_ref())
        {
            ui.colored_label(
                style::status_color(crate::model::OpStatus::Failed, ui.visuals().dark_mode),
                e.to_string(),
            );
        }
    } else if let Some(e) = &o.error {
        ui.colored_label(
            style::status_color(crate::model::OpStatus::Failed, ui.visuals().dark_mode),
            e.to_string(),
        );
    }
}

/// "2", or "1…2" when it finished in a later one; else the band its start
/// lies in.
fn invocation_of(doc: &Doc, op: usize, o: &Operation) -> Option<String> {
    let text = doc.invocation_text(op);
    if !text.is_empty() {
        return Some(text);
    }
    doc.timeline.band_at(o.start?).map(|k| (k + 1).to_string())
}
