//! The panels around the views: toolbar, status bar with job progress and
//! cancel, the diagnosis banner, and the invocation scrubber.

use super::{App, View};
use crate::ui::doc::Doc;
use crate::ui::{style, Intent};
use egui::{Key, RichText};

impl App {
    pub(super) fn toolbar(&mut self, ctx: &egui::Context) {
        // A narrow window (1000 px) gets icon buttons, their words in the
        // hover text, so the tabs, filter and title keep their room.
        let narrow = ctx.content_rect().width() < 1280.0;
        let word = |icon: &'static str, text: &'static str| -> String {
            if narrow {
                icon.to_string()
            } else {
                format!("{icon} {text}")
            }
        };
        egui::TopBottomPanel::top("toolbar").show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .button(word("📂", "Open…"))
                    .on_hover_text("Open a history file or store (Ctrl+O)")
                    .clicked()
                {
                    self.open_dialog(ui.ctx());
                }
                ui.menu_button("Recent", |ui| {
                    #[cfg(feature = "aws")]
                    if ui
                        .button("☁ Open from AWS…")
                        .on_hover_text(
                            "List a function's executions in the durable execution service and open one",
                        )
                        .clicked()
                    {
                        self.aws_open.open = true;
                        ui.close();
                    }
                    if self.persisted.recent.is_empty() {
                        ui.weak("nothing yet");
                    }
                    for p in self.persisted.recent.clone() {
                        if ui.button(p.display().to_string()).clicked() {
                            self.intents.push(Intent::Open(p));
                            ui.close();
                        }
                    }
                });
                if ui
                    .button(word("⟳", "Reload"))
                    .on_hover_text("Reload from disk, keeping the selection (F5)")
                    .clicked()
                {
                    self.intents.push(Intent::Reload);
                }
                let mut follow = self.follow.on;
                if ui
                    .toggle_value(&mut follow, word("👁", "Follow"))
                    .on_hover_text(
                        "Reload automatically when the file changes on disk \
                         (a local test run writing its store), keeping the selection",
                    )
                    .changed()
                {
                    self.set_follow(follow);
                }
                if self.doc.is_some()
                    && ui
                        .add_enabled(
                            !self.export.is_writing(),
                            egui::Button::new(word("💾", "Export…")),
                        )
                        .on_hover_text(
                            "Save the open history as one durable-lens document (Ctrl+S)",
                        )
                        .clicked()
                {
                    self.export_dialog(ui.ctx());
                }
                if self.picker.is_some()
                    && ui
                        .button(word("☰", "Executions"))
                        .on_hover_text("Back to the store's execution list")
                        .clicked()
                {
                    self.show_picker = !self.show_picker;
                }
                ui.separator();
                if self.doc.is_some() {
                    ui.selectable_value(&mut self.view, View::Timeline, "Timeline");
                    ui.selectable_value(&mut self.view, View::Diff, "Diff")
                        .on_hover_text("Compare invocations or files (Ctrl+D)");
                    ui.selectable_value(&mut self.view, View::Rerun, "Re-run…")
                        .on_hover_text(
                            "Re-run a linked handler against this history, step by step (Ctrl+R)",
                        );
                    ui.separator();
                    let resp = ui.add(
                        egui::TextEdit::singleline(&mut self.filter)
                            .hint_text("filter name / id / type / status (Ctrl+F)")
                            .desired_width(if narrow { 150.0 } else { 220.0 }),
                    );
                    if self.focus_filter {
                        resp.request_focus();
                        self.focus_filter = false;
                    }
                    if resp.has_focus() && ui.input(|i| i.key_pressed(Key::Escape)) {
                        self.filter.clear();
                        resp.surrender_focus();
                    }
                    if let Some(n) = self.table.match_count() {
                        let noun = if n == 1 { "match" } else { "matches" };
                        ui.weak(format!("{n} {noun}"));
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let theme = if self.persisted.dark {
                        "☀ Light"
                    } else {
                        "🌙 Dark"
                    };
                    if ui
                        .selectable_label(self.show_help, "⌨")
                        .on_hover_text("Keyboard shortcuts (F1)")
                        .clicked()
                    {
                        self.show_help = !self.show_help;
                    }
                    if ui.button(theme).on_hover_text("Switch theme").clicked() {
                        self.persisted.dark = !self.persisted.dark;
                    }
                    ui.toggle_value(&mut self.persisted.show_inspector, "Inspector");
                    ui.toggle_value(&mut self.persisted.show_timeline, "Time view");
                    if let Some(d) = &self.doc {
                        if let Some(e) = d.execution() {
                            let status = e
                                .status
                                .map(style::status_label)
                                .unwrap_or_else(|| "… running".into());
                            // Cut with "…" where the toolbar is narrow (1000 px),
                            // instead of drawing over the filter and tabs.
                            let title = format!("{} · {}", e.label(), status);
                            ui.add(egui::Label::new(RichText::new(&title).strong()).truncate())
                                .on_hover_text(title);
                        }
                    }
                });
            });
            // No native dialog here: the typed-path fallback, wherever we are.
            if self.dialog_note.is_some() && (self.doc.is_some() || self.show_picker) {
                ui.horizontal(|ui| {
                    crate::ui::start::path_field(ui, self);
                    if ui.small_button("✖").on_hover_text("hide").clicked() {
                        self.dialog_note = None;
                    }
                });
            }
            self.export_field(ui);
        });
    }

    pub(super) fn status_bar(&mut self, ctx: &egui::Context) {
        egui::TopBottomPanel::bottom("status").show(ctx, |ui| {
            ui.horizontal(|ui| {
                if let Some(j) = &self.job {
                    ui.spinner();
                    if j.progress >= 0.0 {
                        ui.add(egui::ProgressBar::new(j.progress).desired_width(120.0));
                    }
                    ui.label(format!("{} {}", j.label, j.status));
                    if ui.button("✖ Cancel").clicked() {
                        j.cancel();
                        self.job = None;
                    }
                } else if let Some(e) = &self.error {
                    ui.label(RichText::new(format!("✖ {e}")).color(style::status_color(
                        crate::model::OpStatus::Failed,
                        ui.visuals().dark_mode,
                    )));
                    if ui.small_button("dismiss").clicked() {
                        self.error = None;
                    }
                } else if let Some(d) = &self.doc {
                    // The file name only (full path on hover): short, and the
                    // same on every machine for snapshot tests.
                    let full = d
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| d.history.source.clone());
                    let short = d
                        .path
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_else(|| full.clone());
                    // An export says where it came from (its origin).
                    let hover = match &d.history.origin {
                        Some(o) => format!("{full}\nexported from {o}"),
                        None => full,
                    };
                    ui.weak(format!("{short} · {}", d.history.format.label()))
                        .on_hover_text(hover);
                    if let Some(e) = d.execution() {
                        ui.weak(format!(
                            "· {} operations · {} invocations",
                            e.operations.len(),
                            d.analysis.invocations.len()
                        ));
                    }
                    if d.analysis.invocations_inferred {
                        ui.weak("· invocation boundaries inferred");
                    }
                    if !d.history.warnings.is_empty() {
                        let n = d.history.warnings.len();
                        let noun = if n == 1 { "warning" } else { "warnings" };
                        ui.label(format!("⚠ {n} {noun}"))
                            .on_hover_text(&d.warnings_hover);
                    }
                } else if self.show_picker {
                    ui.weak("Pick an execution to open it.");
                } else {
                    ui.weak("No history open.");
                }
                if self.job.is_none() {
                    if self.follow.on {
                        let when = self
                            .follow
                            .reloaded_at
                            .map(|t| format!("· following: reloaded at {}", t.format("%H:%M:%S")))
                            .unwrap_or_else(|| "· following changes".into());
                        ui.weak(when);
                    }
                    self.export_status(ui);
                }
            });
        });
    }

    pub(super) fn banner(&mut self, ctx: &egui::Context) {
        let Some(d) = &self.doc else { return };
        let Some(diag) = d.analysis.diagnoses.first() else {
            return;
        };
        let dark = self.persisted.dark;
        let red = style::status_color(crate::model::OpStatus::Failed, dark);
        let mut go = None;
        let mut diff = None;
        let fill = if dark {
            egui::Color32::from_rgb(64, 22, 22)
        } else {
            egui::Color32::from_rgb(255, 232, 230)
        };
        egui::TopBottomPanel::top("diagnosis")
            .frame(
                egui::Frame::side_top_panel(&ctx.style())
                    .fill(fill)
                    .stroke(egui::Stroke::new(1.0, red)),
            )
            .show(ctx, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new("✖ Non-deterministic execution")
                            .strong()
                            .color(red),
                    );
                    ui.label(
                        RichText::new(&diag.plain)
                            .strong()
                            .color(ui.visuals().strong_text_color()),
                    );
                });
                if !diag.sdk_text.is_empty() {
                    ui.horizontal_wrapped(|ui| {
                        ui.weak("SDK said:");
                        ui.label(RichText::new(&diag.sdk_text).monospace());
                    });
                }
                ui.horizontal(|ui| {
                    if let Some(op) = d.diagnosis_target(diag) {
                        let pos = diag
                            .position
                            .map(|p| format!("position {p}"))
                            .unwrap_or_else(|| "operation".into());
                        if ui.small_button(format!("Show {pos}")).clicked() {
                            go = Some(op);
                        }
                    }
                    if let Some(k) = diag.invocation.filter(|&k| k > 0) {
                        if ui
                            .small_button(format!("Diff invocations {k} ↔ {}", k + 1))
                            .on_hover_text(format!(
                                "Compare the failing invocation {} with invocation {k}, the one before",
                                k + 1
                            ))
                            .clicked()
                        {
                            diff = Some(k);
                        }
                    }
                    if ui
                        .small_button("copy message")
                        .on_hover_text("Copy the diagnosis (for a bug report or a chat)")
                        .clicked()
                    {
                        let mut text = diag.plain.clone();
                        if !diag.sdk_text.is_empty() {
                            text.push_str("\nSDK said: ");
                            text.push_str(&diag.sdk_text);
                        }
                        ui.ctx().copy_text(text);
                    }
                });
            });
        if let Some(op) = go {
            self.select(op);
        }
        if let Some(k) = diff {
            self.intents.push(Intent::DiffInvocations {
                left: k - 1,
                right: k,
            });
        }
    }

    pub(super) fn scrubber(&mut self, ctx: &egui::Context) {
        let Some(d) = &self.doc else { return };
        let n = d.analysis.invocations.len();
        let mut new_inv = self.invocation;
        let dark = self.persisted.dark;
        egui::TopBottomPanel::top("scrubber").show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .button("◀")
                    .on_hover_text("Previous invocation ([)")
                    .clicked()
                {
                    new_inv = Some(self.invocation.map(|i| i.saturating_sub(1)).unwrap_or(0));
                }
                let label = match self.invocation {
                    Some(i) => format!("Invocation {} of {}", i + 1, n),
                    None => format!("All {n} invocations"),
                };
                ui.label(RichText::new(label).strong());
                if ui
                    .button("▶")
                    .on_hover_text("Next invocation (])")
                    .clicked()
                    && n > 0
                {
                    new_inv = Some(self.invocation.map(|i| (i + 1).min(n - 1)).unwrap_or(0));
                }
                if ui
                    .selectable_label(self.invocation.is_none(), "all invocations")
                    .on_hover_text(
                        "Show every invocation at once: no single invocation's replayed / executed marks",
                    )
                    .clicked()
                {
                    new_inv = None;
                }
                ui.separator();
                if let Some(r) = self.invocation.and_then(|i| d.analysis.invocations.get(i)) {
                    let (replayed, executed) =
                        d.role_counts.get(r.index).copied().unwrap_or_default();
                    ui.label(format!("↺ replayed {replayed}"));
                    // Nothing replayed: there is no replay to switch from, in any
                    // context (one note, as the time view's band says).
                    let switch = r.root_switch().or_else(|| r.switches.first());
                    match switch {
                        _ if replayed == 0 => {
                            ui.label(
                                RichText::new("fresh start — nothing to replay")
                                    .color(style::switch_color(dark)),
                            );
                        }
                        Some(s) => {
                            let name = d
                                .ops()
                                .get(s.op)
                                .map(|_| d.label(s.op).into_owned())
                                .unwrap_or_default();
                            let ctx_label = d
                                .analysis
                                .contexts
                                .get(s.context)
                                .map(|_| d.analysis.context_label(s.context))
                                .unwrap_or_default();
                            ui.label(
                                RichText::new(format!(
                                    "replay | execution at position {} '{}' ({})",
                                    s.position, name, ctx_label
                                ))
                                .color(style::switch_color(dark)),
                            );
                        }
                        None => {
                            ui.label("no switch: replay only");
                        }
                    }
                    ui.label(format!("▶ executed {executed}"));
                    let ended = outcome_text(d, &r.outcome);
                    let short: String = ended.chars().take(90).collect();
                    if short.len() < ended.len() {
                        ui.label(format!("ended: {short}…")).on_hover_text(&ended);
                    } else {
                        ui.label(format!("ended: {ended}"));
                    }
                    if r.window.inferred {
                        ui.weak("(boundaries inferred)");
                    }
                }
            });
        });
        self.invocation = new_inv;
    }
}

fn outcome_text(d: &Doc, o: &crate::replay::Outcome) -> String {
    use crate::replay::Outcome;
    match o {
        Outcome::Succeeded => "✔ succeeded".into(),
        Outcome::Failed(e) => match e {
            Some(e) => format!("✖ failed: {e}"),
            None => "✖ failed".into(),
        },
        Outcome::Pending(ops) => {
            let names: Vec<String> = ops
                .iter()
                .filter_map(|&i| d.ops().get(i).map(|o| (i, o)))
                .map(|(i, o)| format!("{} '{}'", o.op_type.as_str().to_lowercase(), d.label(i)))
                .collect();
            if names.is_empty() {
                "⏸ pending".into()
            } else {
                format!("⏸ pending on {}", names.join(", "))
            }
        }
        Outcome::Unknown => "? unknown".into(),
    }
}
