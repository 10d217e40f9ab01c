//! Drawing the re-run panel: the link form, the controls, the state line,
//! the divergence and error banners, the live operation table and the
//! per-invocation output. Reads `Live`; all actions go through the panel.

use super::live::{comparison_text, role_text, Line, Phase};
use super::{RerunPanel, SavedLinks};
use crate::model::OpStatus;
use crate::rerun::{Role, Verdict};
use crate::ui::doc::Doc;
use crate::ui::{style, Intent};
use egui::{Align, Key, Layout, Modifiers, RichText};
use egui_extras::{Column, TableBuilder};

/// Button labels (tests find the buttons by them).
pub const STEP: &str = "Step";
pub const CONTINUE: &str = "Continue";
pub const RUN_TO: &str = "Run to";
pub const RUN_TO_DIVERGENCE: &str = "Run to first divergence";
pub const RESTART: &str = "Restart";
pub const BACK: &str = "Back";
pub const STOP: &str = "Stop";
pub const SAVE_RERUN: &str = "Save re-run…";
pub const DIFF: &str = "Diff with recording";
pub const SAVE_LINK: &str = "Save link";
pub const SAVE_LINK_FILE: &str = "Save link file";
pub const NOT_NOW: &str = "Not now";
pub const STRICT: &str = "Strict";

#[derive(Clone, Copy)]
enum Action {
    Step,
    Continue,
    RunTo,
    ToDivergence,
    Restart,
    Back,
    Stop,
}

impl RerunPanel {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Doc,
        saved: &mut SavedLinks,
        intents: &mut Vec<Intent>,
    ) {
        self.sync_doc(doc, saved);
        let mut action = self.keys(ui);
        let dark = ui.visuals().dark_mode;

        ui.horizontal(|ui| {
            ui.heading("Re-run");
            ui.weak("Run the linked handler against this recording with the official SDK, one operation at a time.");
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button("✖ Close").on_hover_text("Stop the handler and go back to the timeline").clicked() {
                    self.stop();
                    intents.push(Intent::CloseRerun);
                }
            });
        });
        self.link_section(ui, doc, saved);
        ui.separator();
        self.controls(ui, doc, &mut action);
        if let Some(a) = action {
            self.act(a, doc, saved);
        }
        let headline = match self.live.phase() {
            Phase::Idle if self.form.to_command().is_ok() => {
                "Linked. Step (F10) pauses at the first operation the handler executes; Continue (F8) runs to a breakpoint or the first divergence.".to_string()
            }
            _ => self.live.headline(),
        };
        ui.label(RichText::new(headline).strong());
        self.banners(ui, doc, dark, intents);
        self.results(ui, dark, intents);
        self.changes(ui);

        egui::TopBottomPanel::bottom("rerun-logs")
            .resizable(true)
            .default_height(160.0)
            .min_height(40.0)
            .show_inside(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("rerun-logs-scroll")
                    .auto_shrink(false)
                    .show(ui, |ui| {
                        self.logs(ui, dark);
                    });
            });
        egui::TopBottomPanel::bottom("rerun-time-view")
            .resizable(true)
            .default_height(220.0)
            .min_height(90.0)
            .show_inside(ui, |ui| {
                // The time view paints into whatever it is given; claim the
                // panel's height so the panel does not shrink to its header.
                ui.set_min_height(ui.available_height());
                self.time_view(ui)
            });
        egui::CentralPanel::default().show_inside(ui, |ui| self.table(ui, dark));
    }

    /// The run drawn on the time axis as it happens; a click on an
    /// operation finds its row in the table.
    fn time_view(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("Time view of this re-run");
            ui.weak("handler time: waits and backoffs skipped, pauses left out · F fit · +/− zoom");
        });
        if let Some(id) = self.trace.ui(ui, std::time::Instant::now()) {
            self.live.reveal_op(&id);
        }
    }

    /// F10 step, F8 continue, Shift+F10 back.
    fn keys(&mut self, ui: &mut egui::Ui) -> Option<Action> {
        ui.input_mut(|i| {
            if i.consume_key(Modifiers::SHIFT, Key::F10) {
                Some(Action::Back)
            } else if i.consume_key(Modifiers::NONE, Key::F10) {
                Some(Action::Step)
            } else if i.consume_key(Modifiers::NONE, Key::F8) {
                Some(Action::Continue)
            } else {
                None
            }
        })
    }

    fn act(&mut self, a: Action, doc: &Doc, saved: &mut SavedLinks) {
        match a {
            Action::Step => self.step(doc, saved),
            Action::Continue => self.continue_run(doc, saved),
            Action::RunTo => self.run_to_n(doc, saved),
            Action::ToDivergence => self.run_to_divergence(doc, saved),
            Action::Restart => self.restart(doc, saved),
            Action::Back => self.back(),
            Action::Stop => self.stop(),
        }
    }

    fn link_section(&mut self, ui: &mut egui::Ui, doc: &Doc, saved: &mut SavedLinks) {
        let summary = match self.form.summary() {
            Some(c) => format!("Handler: {c}"),
            None => "Handler: not linked yet".into(),
        };
        let open = self.show_link;
        let resp = egui::CollapsingHeader::new(RichText::new(summary).monospace())
            .id_salt("rerun-link")
            .open(Some(open))
            .show(ui, |ui| {
                self.form.ui(ui);
                ui.horizontal(|ui| {
                    if ui
                        .button(SAVE_LINK)
                        .on_hover_text(
                            "Keep this link in the app; you are asked before a file is written next to the history",
                        )
                        .clicked()
                    {
                        self.save_link(doc, saved);
                    }
                    if let Ok(c) = self.form.command_line() {
                        // The shim's folder differs per machine: shown short, full on hover.
                        let short = match super::runners_dir() {
                            Some(d) => c.replace(&d.display().to_string(), "assets/runners"),
                            None => c.clone(),
                        };
                        ui.weak(format!("runs: {short}")).on_hover_text(c);
                    }
                });
            });
        if resp.header_response.clicked() {
            self.show_link = !open;
        }
        if let Some(e) = &self.form_error {
            ui.colored_label(
                style::status_color(OpStatus::Failed, ui.visuals().dark_mode),
                format!("✖ {e}"),
            );
        }
        // The note and the question share a line: the table keeps its room.
        let mut answer = None;
        if self.link_note.is_some() || self.sidecar_offer.is_some() {
            ui.horizontal_wrapped(|ui| {
                if let Some(n) = &self.link_note {
                    ui.weak(n);
                }
                if let Some((path, _)) = &self.sidecar_offer {
                    let name = path
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    ui.label(format!("Also save this link next to the history, as {name}?"))
                        .on_hover_text(format!(
                            "{}: `durable-lens rerun` and anyone opening this recording then find the handler",
                            path.display()
                        ));
                    if ui.button(SAVE_LINK_FILE).clicked() {
                        answer = Some(true);
                    }
                    if ui
                        .button(NOT_NOW)
                        .on_hover_text("Keep the link in the app only")
                        .clicked()
                    {
                        answer = Some(false);
                    }
                }
            });
        }
        match answer {
            Some(true) => {
                self.save_sidecar(doc);
            }
            Some(false) => self.decline_sidecar(),
            None => {}
        }
    }

    fn controls(&mut self, ui: &mut egui::Ui, doc: &Doc, action: &mut Option<Action>) {
        let running = self.has_session() && self.live.phase() != Phase::Finished;
        ui.horizontal_wrapped(|ui| {
            ui.label("Start from");
            let label = |k: Option<usize>| match k {
                None => "a fresh run with the recorded input".to_string(),
                Some(k) => {
                    let replayed = doc.role_counts.get(k).map(|c| c.0).unwrap_or(0);
                    format!("invocation {} (replays {replayed})", k + 1)
                }
            };
            ui.add_enabled_ui(!running, |ui| {
                egui::ComboBox::from_id_salt("rerun-start")
                    .selected_text(label(self.start_from))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.start_from, None, label(None));
                        for k in 0..doc.analysis.invocations.len() {
                            ui.selectable_value(&mut self.start_from, Some(k), label(Some(k)));
                        }
                    })
                    .response
                    .on_hover_text("The state the handler saw at that recorded invocation (applies to the next start)");
            });
            ui.separator();
            ui.label("Breakpoints");
            ui.add(
                egui::TextEdit::singleline(&mut self.breakpoints)
                    .hint_text("operation names, comma separated")
                    .desired_width(220.0),
            );
        });
        ui.horizontal_wrapped(|ui| {
            let paused = self.live.phase() == Phase::Paused;
            let b = |ui: &mut egui::Ui, text: &str, hover: &str, enabled: bool| {
                ui.add_enabled(enabled, egui::Button::new(text))
                    .on_hover_text(hover)
                    .clicked()
            };
            if b(
                ui,
                STEP,
                "Pause at the next operation the handler executes (F10)",
                true,
            ) {
                *action = Some(Action::Step);
            }
            if b(
                ui,
                CONTINUE,
                "Run until a breakpoint, the first divergence or the end (F8)",
                true,
            ) {
                *action = Some(Action::Continue);
            }
            if b(
                ui,
                RUN_TO,
                "Run until this many operations have been seen",
                true,
            ) {
                *action = Some(Action::RunTo);
            }
            ui.add(
                egui::DragValue::new(&mut self.run_to)
                    .range(1..=1_000_000)
                    .prefix("#"),
            );
            if b(
                ui,
                RUN_TO_DIVERGENCE,
                "Ignore breakpoints; stop only where the code diverges",
                true,
            ) {
                *action = Some(Action::ToDivergence);
            }
            ui.separator();
            let can_back =
                self.has_session() && matches!(self.live.phase(), Phase::Paused | Phase::Finished);
            if b(
                ui,
                BACK,
                "Re-run from the top to the previous pause (Shift+F10)",
                can_back,
            ) {
                *action = Some(Action::Back);
            }
            if b(ui, RESTART, "Run again from the start point", true) {
                *action = Some(Action::Restart);
            }
            if b(
                ui,
                STOP,
                "Stop the handler (its processes are killed)",
                running,
            ) {
                *action = Some(Action::Stop);
            }
            if running && !paused {
                ui.spinner();
            }
        });
    }

    fn banners(&mut self, ui: &mut egui::Ui, doc: &Doc, dark: bool, intents: &mut Vec<Intent>) {
        let recorded_op = self.divergence_op(doc);
        let red = style::status_color(OpStatus::Failed, dark);
        let fill = if dark {
            egui::Color32::from_rgb(64, 22, 22)
        } else {
            egui::Color32::from_rgb(255, 232, 230)
        };
        let frame = egui::Frame::group(ui.style())
            .fill(fill)
            .stroke(egui::Stroke::new(1.0, red));
        if let Some(d) = &self.live.divergence {
            frame.show(ui, |ui| {
                let at = if d.place.is_empty() {
                    String::new()
                } else {
                    format!(" at position {}", crate::rerun::place_label(&d.place))
                };
                ui.label(
                    RichText::new(format!(
                        "✖ Divergence in invocation {}{at}: {}",
                        d.invocation + 1,
                        d.kind.label()
                    ))
                    .strong()
                    .color(red),
                );
                // Side by side; `vertical` so wrapped text is not justified.
                ui.columns(2, |c| {
                    c[0].vertical(|ui| {
                        ui.weak("durable-lens");
                        ui.label(RichText::new(&d.message).strong());
                    });
                    c[1].vertical(|ui| {
                        ui.weak("the SDK's own error");
                        match &d.sdk_error {
                            Some(t) => {
                                ui.label(RichText::new(t).monospace());
                            }
                            None => {
                                ui.weak("(none: durable-lens saw the difference before the SDK replayed it)");
                            }
                        }
                    });
                });
                let place = crate::rerun::place_label(&d.place);
                if let Some(op) = recorded_op {
                    if ui
                        .small_button(format!("Show position {place} in the recording"))
                        .on_hover_text("Select the recorded operation in the timeline")
                        .clicked()
                    {
                        intents.push(Intent::ShowRecorded(op));
                    }
                }
            });
        }
        if let Some(e) = &self.live.error {
            frame.show(ui, |ui| {
                ui.label(RichText::new("✖ The handler failed").strong().color(red));
                egui::ScrollArea::vertical()
                    .id_salt("rerun-error")
                    .max_height(140.0)
                    .show(ui, |ui| {
                        ui.label(RichText::new(e).monospace());
                    });
            });
        }
    }

    /// The verdict `durable-lens rerun` gives this run, its exit code and
    /// the Strict box (on the row of the result buttons).
    fn verdict(&mut self, ui: &mut egui::Ui, dark: bool) {
        let Some(report) = &self.live.report else {
            return;
        };
        let (verdict, code) = report.verdict(self.strict);
        let (text, status) = match verdict {
            Verdict::Same => ("✔ Same as the recording".to_string(), OpStatus::Succeeded),
            Verdict::Changed => (
                format!(
                    "≈ Same shape and outcome; {} changed{}",
                    plural(report.changes.len(), "value"),
                    if self.strict {
                        " (fails under strict)"
                    } else {
                        " (fails only under strict)"
                    }
                ),
                if self.strict {
                    OpStatus::Failed
                } else {
                    OpStatus::Pending
                },
            ),
            Verdict::Diverged => (
                match &report.divergence {
                    Some(d) => format!("✖ Diverged: {}", d.kind.label()),
                    None => "✖ Diverged".into(),
                },
                OpStatus::Failed,
            ),
            Verdict::Error => (
                "✖ No verdict: the run could not finish".into(),
                OpStatus::Failed,
            ),
        };
        ui.separator();
        ui.label(
            RichText::new(format!("Verdict: {text}"))
                .strong()
                .color(style::status_color(status, dark)),
        );
        ui.weak(format!("· durable-lens rerun exits {code}"));
        ui.checkbox(&mut self.strict, STRICT).on_hover_text(
            "As rerun --strict: changed results, statuses or invocation count fail the run",
        );
    }

    /// Every change from the recording with its JSON diff.
    fn changes(&mut self, ui: &mut egui::Ui) {
        let Some(report) = &self.live.report else {
            return;
        };
        if report.changes.is_empty() {
            return;
        }
        egui::CollapsingHeader::new(format!(
            "Changes from the recording ({})",
            report.changes.len()
        ))
        .id_salt(("rerun-changes", self.live.run))
        .default_open(true)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("rerun-changes-scroll")
                .max_height(160.0)
                .show(ui, |ui| {
                    for c in &report.changes {
                        let at = if c.place.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " of '{}' at position {}",
                                c.name.as_deref().unwrap_or("(unnamed)"),
                                crate::rerun::place_label(&c.place)
                            )
                        };
                        ui.label(format!(
                            "{}{at}: recorded {}, re-run {}",
                            c.kind.label(),
                            c.recorded.as_deref().unwrap_or("(none)"),
                            c.rerun.as_deref().unwrap_or("(none)")
                        ));
                        for v in &c.diff {
                            let side = |x: &Option<serde_json::Value>| {
                                x.as_ref()
                                    .map_or_else(|| "(absent)".to_string(), |v| v.to_string())
                            };
                            let pointer = if v.pointer.is_empty() {
                                "/"
                            } else {
                                &v.pointer
                            };
                            ui.label(
                                RichText::new(format!(
                                    "    {pointer}: {} → {}",
                                    side(&v.recorded),
                                    side(&v.rerun)
                                ))
                                .monospace(),
                            );
                        }
                    }
                });
        });
    }

    fn results(&mut self, ui: &mut egui::Ui, dark: bool, intents: &mut Vec<Intent>) {
        let has_report = self.live.report.is_some();
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(has_report, egui::Button::new(SAVE_RERUN))
                .on_hover_text("Save the re-run as a history (durable-lens format)")
                .clicked()
            {
                self.open_save_dialog(ui.ctx());
            }
            if ui
                .add_enabled(has_report, egui::Button::new(DIFF))
                .on_hover_text(
                    "Open the diff view: the recording on the left, this re-run on the right",
                )
                .clicked()
            {
                if let Some((history, name)) = self.diff_history() {
                    intents.push(Intent::DiffHistory {
                        history: Box::new(history),
                        name,
                    });
                }
            }
            if let Some(n) = &self.save_note {
                ui.weak(n);
            }
            self.verdict(ui, dark);
        });
        if self.show_save_field {
            ui.horizontal(|ui| {
                ui.label("Save to");
                let r =
                    ui.add(egui::TextEdit::singleline(&mut self.save_path).desired_width(420.0));
                let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                if (ui.button("Save").clicked() || enter) && !self.save_path.trim().is_empty() {
                    let p = std::path::PathBuf::from(self.save_path.trim());
                    self.save_to(&p);
                }
            });
        }
    }

    fn logs(&self, ui: &mut egui::Ui, dark: bool) {
        ui.strong("Handler output per invocation");
        if self.live.logs.is_empty() {
            ui.weak("Nothing yet.");
        }
        for log in &self.live.logs {
            let state = match &log.summary {
                None => "running…".to_string(),
                Some(s) => s.clone(),
            };
            let icon = match (&log.summary, log.failed) {
                (None, _) => "▶",
                (Some(_), true) => "✖",
                (Some(_), false) => "✔",
            };
            let mut title = RichText::new(format!("{icon} Invocation {} · {state}", log.index + 1));
            if log.failed {
                title = title.color(style::status_color(OpStatus::Failed, dark));
            }
            egui::CollapsingHeader::new(title)
                .id_salt(("rerun-log", self.live.run, log.index))
                .default_open(log.failed)
                .show(ui, |ui| {
                    ui.weak(format!("request id {}", log.request_id));
                    for (name, text) in [("stdout", &log.stdout), ("stderr", &log.stderr)] {
                        ui.label(RichText::new(name).strong());
                        if text.trim().is_empty() {
                            ui.weak("(empty)");
                        } else {
                            ui.add(
                                egui::Label::new(RichText::new(text.as_str()).monospace()).wrap(),
                            );
                        }
                    }
                });
        }
    }

    fn table(&mut self, ui: &mut egui::Ui, dark: bool) {
        let live = &self.live;
        if live.lines.is_empty() {
            ui.weak("Operations appear here as the handler replays and executes them.");
            return;
        }
        ui.style_mut().interaction.selectable_labels = false;
        let switch = style::switch_color(dark);
        let muted = style::muted(ui.visuals());
        let paused_line = live.paused_line();
        let mut tb = TableBuilder::new(ui)
            .id_salt(("rerun-table", live.run))
            .striped(true)
            .resizable(true)
            .stick_to_bottom(live.phase() == Phase::Running)
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(Column::exact(22.0))
            .column(Column::initial(36.0).clip(true))
            .column(Column::initial(40.0).clip(true))
            .column(Column::initial(64.0).clip(true))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::initial(100.0).clip(true))
            .column(Column::initial(120.0).clip(true))
            .column(Column::remainder().at_least(120.0).clip(true))
            .min_scrolled_height(0.0)
            .sense(egui::Sense::click());
        let mut clicked = None;
        if let Some(l) = self.live.scroll_to_line {
            tb = tb.scroll_to_row(l, Some(Align::Center));
        }
        tb.header(20.0, |mut h| {
            let hints = [
                "⏸ marks where the handler is held",
                "Distinct operations seen so far (what Run to counts)",
                "Invocation of this re-run",
                "Place in its context (4.1 = first child of position 4)",
                "",
                "",
                "Replayed from a checkpoint, or executed by the handler",
                "As the handler last checkpointed it (final statuses once the run ends)",
                "Compared with the recorded operation at the same place",
            ];
            let titles = ["", "#", "inv", "position", "name", "type", "replay", "status", "vs recording"];
            for (t, hint) in titles.into_iter().zip(hints) {
                h.col(|ui| {
                    let r = ui.strong(t);
                    if !hint.is_empty() {
                        r.on_hover_text(hint);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, live.lines.len(), |mut row| {
                let i = row.index();
                match &live.lines[i] {
                    Line::Invocation(k) => {
                        row.col(|_| {});
                        row.col(|_| {});
                        row.col(|ui| {
                            ui.strong(format!("{}", k + 1));
                        });
                        row.col(|_| {});
                        row.col(|ui| {
                            ui.strong(format!("Invocation {}", k + 1));
                        });
                        for _ in 0..4 {
                            row.col(|_| {});
                        }
                    }
                    Line::Switch { context } => {
                        for _ in 0..3 {
                            row.col(|_| {});
                        }
                        row.col(|ui| {
                            ui.label(RichText::new(context).color(switch));
                        });
                        row.col(|ui| {
                            let r = ui
                                .label(RichText::new("replay | execution").strong().color(switch))
                                .on_hover_text(format!("In {context}: operations above were replayed from checkpoints, below executed"));
                            // A rule across the row: the switch reads as a boundary.
                            let y = r.rect.center().y;
                            ui.painter().hline(r.rect.right() + 6.0..=ui.max_rect().right(), y, egui::Stroke::new(1.0, switch));
                        });
                        for _ in 0..4 {
                            row.col(|_| {});
                        }
                    }
                    Line::Attempt(a) => {
                        let Some(a) = live.attempts.get(*a) else { return };
                        row.set_selected(live.picked.as_deref() == Some(a.op_id.as_str()));
                        row.col(|_| {});
                        row.col(|_| {});
                        row.col(|ui| {
                            ui.label(a.invocation.map_or("?".into(), |k| (k + 1).to_string()));
                        });
                        row.col(|ui| {
                            ui.label(&a.place);
                        });
                        row.col(|ui| {
                            ui.label(format!("↻ attempt {} of {}", a.number, a.name))
                                .on_hover_text("One attempt of a retried step, in the invocation that ran it");
                        });
                        row.col(|ui| {
                            ui.label("attempt");
                        });
                        row.col(|ui| {
                            ui.label(role_text(Role::Executed));
                        });
                        row.col(|ui| {
                            ui.label(RichText::new(style::status_label(a.status)).color(style::status_color(a.status, dark)));
                        });
                        row.col(|ui| {
                            let t = a.detail();
                            ui.label(&t).on_hover_text(t.clone());
                        });
                        if row.response().clicked() {
                            clicked = Some(a.op_id.clone());
                        }
                    }
                    Line::Op(r) => {
                        let Some(op) = live.rows.get(*r) else { return };
                        let here = paused_line == Some(i);
                        row.set_selected(here || live.picked.as_deref() == Some(op.op_id.as_str()));
                        row.col(|ui| {
                            if here {
                                ui.label("⏸").on_hover_text("The handler is held here");
                            }
                        });
                        row.col(|ui| {
                            if op.first {
                                ui.label(op.seen.to_string());
                            }
                        });
                        row.col(|ui| {
                            ui.label((op.invocation + 1).to_string());
                        });
                        row.col(|ui| {
                            ui.label(&op.place);
                        });
                        row.col(|ui| {
                            let t = RichText::new(&op.name);
                            ui.label(if op.role == Role::Replayed { t.color(muted) } else { t });
                        });
                        row.col(|ui| {
                            ui.label(op.op_type.as_str());
                        });
                        row.col(|ui| {
                            ui.label(role_text(op.role));
                        });
                        row.col(|ui| {
                            ui.label(RichText::new(style::status_label(op.status)).color(style::status_color(op.status, dark)));
                        });
                        row.col(|ui| {
                            let t = comparison_text(&op.comparison);
                            if op.comparison.is_divergence() {
                                ui.label(RichText::new(t).color(style::status_color(OpStatus::Failed, dark)));
                            } else {
                                ui.label(t);
                            }
                        });
                        if row.response().clicked() {
                            clicked = Some(op.op_id.clone());
                        }
                    }
                }
            });
        });
        self.live.scroll_to_line = None;
        // A row picked in the table is found in the time view.
        if let Some(id) = clicked {
            self.trace.pick(&id);
            self.live.picked = Some(id);
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
