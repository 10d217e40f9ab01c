//! The inspector: identity, timestamps (absolute and relative to the
//! execution start), attempts with their errors, and the decoded result or
//! error as a collapsible JSON tree, with a raw-text toggle and copy.

use super::doc::Doc;
use super::style;
use crate::model::{format_duration_micros, format_span, ErrorInfo, OpStatus, Payload, Ts};
use crate::replay::Role;
use egui::{CollapsingHeader, RichText};
use serde_json::Value;

/// Children shown per JSON object/array before "… N more" (keeps frames cheap
/// on 256 KiB results).
const MAX_CHILDREN: usize = 200;

/// Text longer than these (bytes) is cut where it is shown: egui lays out
/// and draws every character of a label, every frame, so a multi-megabyte
/// payload would freeze the window. The copy buttons still give all of it.
pub(crate) const MAX_SCALAR: usize = 2_000;
const MAX_TEXT: usize = 16_000;

/// `text`, or its first `max` bytes (on a character boundary) and how much
/// was left out.
pub(crate) fn shown(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}… (+{} more bytes: copy raw for all of it)",
        &text[..cut],
        text.len() - cut
    )
    .into()
}

#[derive(Default)]
pub struct InspectorView {
    pub raw: bool,
}

impl InspectorView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Doc,
        selected: Option<usize>,
        inv: Option<usize>,
    ) {
        let Some(op) = selected else {
            ui.weak("Select an operation in the table or the time view.");
            if let Some(e) = doc.execution() {
                ui.separator();
                execution_summary(ui, doc, e);
            }
            return;
        };
        let Some(o) = doc.ops().get(op) else { return };
        let dark = ui.visuals().dark_mode;
        ui.horizontal(|ui| {
            ui.heading(doc.label(op));
            ui.label(
                RichText::new(style::status_label(o.status))
                    .color(style::status_color(o.status, dark)),
            );
        });
        let t0 = doc.timeline.t0;
        egui::Grid::new("identity")
            .num_columns(2)
            .spacing([10.0, 2.0])
            .striped(true)
            .show(ui, |ui| {
                kv(ui, "id", &o.id);
                kv(
                    ui,
                    "parent",
                    o.parent_id.as_deref().unwrap_or("— (root context)"),
                );
                kv(ui, "position", &doc.position_label(op));
                kv(ui, "context", &doc.context_path(op));
                kv(
                    ui,
                    "type",
                    &format!("{} / {}", o.op_type, o.sub_type.as_deref().unwrap_or("—")),
                );
                if let Some(r) = inv
                    .and_then(|i| doc.analysis.invocations.get(i))
                    .and_then(|r| r.role(op))
                {
                    let i = inv.unwrap_or(0) + 1;
                    let text = match r {
                        Role::Replayed => {
                            format!("replayed in invocation {i} (returned its cached result)")
                        }
                        Role::Executed => format!("executed in invocation {i}"),
                        Role::NotReached => format!("not reached in invocation {i}"),
                    };
                    kv(ui, "replay", &text);
                }
                kv(ui, "invocation", &doc.invocation_text(op));
                ts_row(ui, "start", o.start, t0);
                ts_row(ui, "end", o.end, t0);
                if !doc.durations[op].is_empty() {
                    kv(ui, "duration", &doc.durations[op]);
                }
                if let Some(s) = o.scheduled_end {
                    ts_row(ui, "scheduled end", Some(s), t0);
                }
                if let Some(w) = o.wait_seconds {
                    kv(ui, "wait", &format!("{w} s"));
                }
                if let Some(c) = &o.callback_id {
                    kv(ui, "callback id", c);
                }
                if let Some(n) = o.next_attempt_at {
                    ts_row(ui, "next attempt", Some(n), t0);
                }
            });
        if !o.attempts.is_empty() {
            ui.add_space(4.0);
            CollapsingHeader::new(format!("attempts ({})", o.attempts.len()))
                .default_open(o.attempts.len() > 1)
                .show(ui, |ui| {
                    for (k, a) in o.attempts.iter().enumerate() {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(format!("#{}", a.number));
                            match a.invocation {
                                Some(i) => ui.weak(format!("in invocation {}", i + 1)),
                                None => ui.weak("invocation unknown"),
                            };
                            ui.label(
                                RichText::new(style::status_label(a.status))
                                    .color(style::status_color(a.status, dark)),
                            );
                            if let (Some(s), Some(e)) = (a.start, a.end) {
                                ui.weak(format_span(s, e));
                            }
                            if let Some(s) = a.start {
                                ui.weak(format!("at +{}", format_span(Ts(t0), s)));
                            }
                            if let Some(n) = a.next_attempt_at {
                                ui.weak(format!("retry at +{}", format_span(Ts(t0), n)));
                            }
                        });
                        if let Some(err) = &a.error {
                            error_ui(ui, err, &format!("attempt-err-{}", a.number));
                        }
                        if let Some((backoff, gap)) =
                            o.attempts.get(k + 1).and_then(|n| a.skipped_backoff(n))
                        {
                            ui.weak(format!(
                                "backoff of {} recorded, but the next attempt started {} later: the local runner skipped the time, it did not really elapse",
                                format_duration_micros(backoff),
                                format_duration_micros(gap)
                            ));
                        }
                    }
                });
        }
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.raw, "raw text");
        });
        if let Some(p) = &o.result {
            payload_ui(ui, "result", p, self.raw);
        }
        if let Some(err) = &o.error {
            ui.strong("error");
            error_ui(ui, err, "op-error");
        }
        if o.op_type == crate::model::OpType::Wait {
            // A wait never has a result: say what it waited for and when.
            ui.weak(wait_note(o, t0));
        } else if o.result.is_none() && o.error.is_none() {
            ui.weak("No result recorded (not finished, or fetched without execution data).");
        }
    }
}

fn execution_summary(ui: &mut egui::Ui, doc: &Doc, e: &crate::model::Execution) {
    ui.strong("execution");
    egui::Grid::new("exec-summary")
        .num_columns(2)
        .spacing([10.0, 2.0])
        .show(ui, |ui| {
            kv(ui, "name", &e.label());
            if let Some(f) = &e.function_name {
                kv(ui, "function", f);
            }
            kv(
                ui,
                "status",
                &e.status
                    .map(style::status_label)
                    .unwrap_or_else(|| "running / unknown".into()),
            );
            kv(ui, "format", doc.history.format.label());
            kv(ui, "operations", &e.operations.len().to_string());
            kv(
                ui,
                "invocations",
                &doc.analysis.invocations.len().to_string(),
            );
        });
    if let Some(p) = &e.input {
        payload_ui(ui, "input", p, false);
    }
    if let Some(p) = &e.result {
        payload_ui(ui, "execution result", p, false);
    }
    if let Some(err) = &e.error {
        ui.strong("execution error");
        error_ui(ui, err, "exec-error");
    }
}

fn kv(ui: &mut egui::Ui, k: &str, v: &str) {
    ui.weak(k);
    ui.add(egui::Label::new(v).wrap());
    ui.end_row();
}

/// A wait's summary in place of a result: its scheduled duration and when it
/// fired (or is due).
pub fn wait_note(o: &crate::model::Operation, t0: i64) -> String {
    let scheduled = o
        .wait_seconds
        .map(|s| format_duration_micros((s * 1e6) as i64))
        .or_else(|| o.start.zip(o.scheduled_end).map(|(a, b)| format_span(a, b)));
    let what = match scheduled {
        Some(d) => format!("A wait of {d}"),
        None => "A wait".to_string(),
    };
    let done = matches!(o.status, OpStatus::Succeeded);
    match (done, o.end, o.scheduled_end) {
        // Fired before it was due: a local runner skipping time.
        (true, Some(e), Some(due)) if e.micros_until(due).is_some_and(|us| us > 1_000) => format!(
            "{what}; fired at +{}, before it was due (+{}): the local runner skipped the time, it did not really elapse.",
            format_span(Ts(t0), e),
            format_span(Ts(t0), due)
        ),
        (true, Some(e), _) => format!("{what}; fired at +{}.", format_span(Ts(t0), e)),
        (true, None, _) => format!("{what}; fired (time not recorded)."),
        (false, _, Some(due)) if o.status.is_terminal() => format!(
            "{what}; {} before it fired (due at +{}).",
            o.status.as_str().to_lowercase(),
            format_span(Ts(t0), due)
        ),
        (false, _, Some(due)) => format!(
            "{what}; due at +{}, not fired yet.",
            format_span(Ts(t0), due)
        ),
        (false, _, None) => format!("{what}; not fired yet."),
    }
}

fn ts_row(ui: &mut egui::Ui, k: &str, t: Option<Ts>, t0: i64) {
    if let Some(t) = t {
        kv(
            ui,
            k,
            &format!("{}  (+{})", t.to_iso(), format_span(Ts(t0), t)),
        );
    }
}

fn error_ui(ui: &mut egui::Ui, err: &ErrorInfo, id: &str) {
    let c = style::status_color(crate::model::OpStatus::Failed, ui.visuals().dark_mode);
    ui.label(RichText::new(format!("✖ {}", shown(&err.to_string(), MAX_TEXT))).color(c));
    if let Some(d) = &err.data {
        ui.weak(format!("data: {}", shown(d, MAX_TEXT)));
    }
    if !err.stack_trace.is_empty() {
        CollapsingHeader::new("stack trace")
            .id_salt(id)
            .show(ui, |ui| {
                for l in err.stack_trace.iter().take(MAX_CHILDREN) {
                    ui.monospace(shown(l, MAX_SCALAR));
                }
                if err.stack_trace.len() > MAX_CHILDREN {
                    ui.weak(format!(
                        "… {} more lines",
                        err.stack_trace.len() - MAX_CHILDREN
                    ));
                }
            });
    }
}

/// A payload: decoded JSON tree (or raw text), with copy buttons.
pub fn payload_ui(ui: &mut egui::Ui, title: &str, p: &Payload, raw: bool) {
    ui.horizontal(|ui| {
        ui.strong(title);
        if p.truncated {
            ui.weak("(truncated by the service)");
        }
        if ui
            .small_button("copy")
            .on_hover_text("copy the decoded JSON")
            .clicked()
        {
            ui.ctx().copy_text(p.pretty());
        }
        if ui
            .small_button("copy raw")
            .on_hover_text("copy the text exactly as recorded")
            .clicked()
        {
            ui.ctx().copy_text(p.raw.clone());
        }
    });
    if raw {
        let cut = shown(&p.raw, MAX_TEXT);
        let mut text = cut.as_ref();
        ui.add(
            egui::TextEdit::multiline(&mut text)
                .code_editor()
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        );
        return;
    }
    match p.value() {
        Some(v) => json_tree(ui, title, v),
        None => {
            ui.monospace(shown(&p.raw, MAX_TEXT));
        }
    }
}

/// A collapsible JSON tree; scalars inline, objects and arrays as headers.
pub fn json_tree(ui: &mut egui::Ui, id: &str, v: &Value) {
    match v {
        Value::Object(_) | Value::Array(_) => node(ui, id, None, v, 0),
        _ => {
            ui.monospace(scalar(v));
        }
    }
}

fn node(ui: &mut egui::Ui, id: &str, key: Option<&str>, v: &Value, depth: usize) {
    let label = |summary: String| match key {
        Some(k) => format!("{k}: {summary}"),
        None => summary,
    };
    match v {
        Value::Object(m) => {
            CollapsingHeader::new(
                RichText::new(label(format!("{{…}} {} keys", m.len()))).monospace(),
            )
            .id_salt((id, depth, key))
            .default_open(depth < 2)
            .show(ui, |ui| {
                for (k, c) in m.iter().take(MAX_CHILDREN) {
                    node(ui, id, Some(k), c, depth + 1);
                }
                if m.len() > MAX_CHILDREN {
                    ui.weak(format!("… {} more", m.len() - MAX_CHILDREN));
                }
            });
        }
        Value::Array(a) => {
            CollapsingHeader::new(
                RichText::new(label(format!("[…] {} items", a.len()))).monospace(),
            )
            .id_salt((id, depth, key))
            .default_open(depth < 2)
            .show(ui, |ui| {
                for (i, c) in a.iter().take(MAX_CHILDREN).enumerate() {
                    node(ui, id, Some(&i.to_string()), c, depth + 1);
                }
                if a.len() > MAX_CHILDREN {
                    ui.weak(format!("… {} more", a.len() - MAX_CHILDREN));
                }
            });
        }
        _ => {
            ui.monospace(label(scalar(v)));
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        // Cut before quoting: formatting a huge string every frame is
        // itself the cost to avoid.
        Value::String(s) => match shown(s, MAX_SCALAR) {
            std::borrow::Cow::Borrowed(all) => format!("{all:?}"),
            std::borrow::Cow::Owned(cut) => format!("\"{cut}"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn long_text_is_cut_on_a_character_boundary_and_says_how_much_is_left() {
        assert_eq!(shown("short", 10), "short");
        assert_eq!(shown("exactly10!", 10), "exactly10!");
        let cut = shown("abcdefghijkl", 10);
        assert_eq!(cut, "abcdefghij… (+2 more bytes: copy raw for all of it)");
        // "é" is two bytes: a cut inside it moves back before it.
        let cut = shown("aaaaaaaaaé tail", 10);
        assert!(cut.starts_with("aaaaaaaaa…"), "{cut}");
        assert!(cut.contains("+7 more bytes"), "{cut}");
    }
}
