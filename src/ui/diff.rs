//! The diff view: two invocations of this history, or this execution against
//! another file, aligned per context by position (the core's `DiffReport`).
//! The first divergence is selected, scrolled into view and stated with the
//! plain violation message; a changed result shows its JSON diff.

use super::doc::Doc;
use super::style;
use super::Intent;
use crate::diff::{diff, execution_sequence, invocation_sequence, DiffOptions, DiffReport, RowKind, SeqOp};
use egui::{Align, Layout, RichText, Sense};
use egui_extras::{Column, TableBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Invocations,
    Files,
}

pub struct DiffView {
    pub mode: Mode,
    pub left: usize,
    pub right: usize,
    pub allow_progress: bool,
    pub other: Option<Box<Doc>>,
    pub other_path: String,
    pub selected_row: Option<usize>,
    /// (mode, left, right, allow_progress, has_other) the cache was built for.
    key: Option<(Mode, usize, usize, bool, bool)>,
    seqs: (Vec<SeqOp>, Vec<SeqOp>),
    pub report: DiffReport,
    scroll_pending: bool,
    initialised: bool,
}

impl Default for DiffView {
    fn default() -> Self {
        DiffView {
            mode: Mode::Invocations,
            left: 0,
            right: 0,
            allow_progress: true,
            other: None,
            other_path: String::new(),
            selected_row: None,
            key: None,
            seqs: (Vec::new(), Vec::new()),
            report: DiffReport::default(),
            scroll_pending: false,
            initialised: false,
        }
    }
}

impl DiffView {
    pub fn set_other(&mut self, d: Doc) {
        self.other = Some(Box::new(d));
        self.mode = Mode::Files;
        self.allow_progress = false;
    }

    /// Pick the two invocations to compare.
    pub fn set_invocations(&mut self, left: usize, right: usize) {
        self.mode = Mode::Invocations;
        self.left = left;
        self.right = right;
        self.initialised = true;
    }

    /// Recompute the report when its inputs changed (not per frame).
    pub fn refresh(&mut self, doc: &Doc) {
        let n = doc.analysis.invocations.len();
        if !self.initialised {
            // The last two invocations: where a divergence usually shows.
            self.right = n.saturating_sub(1);
            self.left = n.saturating_sub(2);
            self.initialised = true;
        }
        let key = (self.mode, self.left, self.right, self.allow_progress, self.other.is_some());
        if self.key == Some(key) {
            return;
        }
        self.key = Some(key);
        let Some(exec) = doc.execution() else { return };
        self.seqs = match (self.mode, &self.other) {
            (Mode::Files, Some(o)) => match o.execution() {
                Some(oe) => (execution_sequence(exec, &doc.analysis), execution_sequence(oe, &o.analysis)),
                None => (Vec::new(), Vec::new()),
            },
            (Mode::Files, None) => (Vec::new(), Vec::new()),
            (Mode::Invocations, _) => (
                invocation_sequence(exec, &doc.analysis, self.left),
                invocation_sequence(exec, &doc.analysis, self.right),
            ),
        };
        self.report = diff(&self.seqs.0, &self.seqs.1, DiffOptions { allow_progress: self.allow_progress });
        self.selected_row = self.report.first_violation_row;
        self.scroll_pending = self.selected_row.is_some();
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, doc: &Doc, intents: &mut Vec<Intent>) {
        self.refresh(doc);
        let n = doc.analysis.invocations.len();
        let dark = ui.visuals().dark_mode;
        ui.horizontal(|ui| {
            ui.strong("Compare");
            ui.selectable_value(&mut self.mode, Mode::Invocations, "two invocations");
            ui.selectable_value(&mut self.mode, Mode::Files, "another file");
            ui.separator();
            match self.mode {
                Mode::Invocations => {
                    inv_combo(ui, "diff-left", "left", &mut self.left, n);
                    ui.label("vs");
                    inv_combo(ui, "diff-right", "right", &mut self.right, n);
                }
                Mode::Files => {
                    ui.label("other file");
                    let r = ui.add(egui::TextEdit::singleline(&mut self.other_path).hint_text("path to a history").desired_width(320.0));
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button("Load").clicked() || enter) && !self.other_path.trim().is_empty() {
                        intents.push(Intent::DiffFile(self.other_path.trim().into()));
                    }
                    if let Some(o) = &self.other {
                        ui.weak(o.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
                    }
                }
            }
            ui.checkbox(&mut self.allow_progress, "allow progress")
                .on_hover_text("One side going further than the other is progress, not a violation");
        });
        let red = style::status_color(crate::model::OpStatus::Failed, dark);
        let green = style::status_color(crate::model::OpStatus::Succeeded, dark);
        match self.report.first_violation() {
            Some(v) => {
                ui.label(RichText::new(format!("✖ {v}")).strong().color(red));
                if self.report.violations.len() > 1 {
                    ui.weak(format!("{} more violations after this one", self.report.violations.len() - 1));
                }
            }
            None if self.mode == Mode::Files && self.other.is_none() => {
                ui.weak("Load another history file to compare this execution with it.");
            }
            None => {
                let changed = self.report.changed_results().count();
                ui.label(
                    RichText::new(format!(
                        "✔ Consistent: replay would accept the right side ({} places, {changed} results changed)",
                        self.report.rows.len()
                    ))
                    .color(green),
                );
            }
        }
        ui.separator();

        let selected = self.selected_row.and_then(|r| self.report.rows.get(r)).cloned();
        egui::TopBottomPanel::bottom("diff-detail")
            .resizable(true)
            .default_height(180.0)
            .show_inside(ui, |ui| {
                egui::ScrollArea::vertical().auto_shrink(false).show(ui, |ui| match &selected {
                    None => {
                        ui.weak("Select a row to see both sides.");
                    }
                    Some(row) => self.detail(ui, row),
                });
            });
        egui::CentralPanel::default().show_inside(ui, |ui| self.table(ui, dark));
    }

    fn table(&mut self, ui: &mut egui::Ui, dark: bool) {
        let (l, r) = (&self.seqs.0, &self.seqs.1);
        // Labels must not swallow clicks meant for the row.
        ui.style_mut().interaction.selectable_labels = false;
        let mut tb = TableBuilder::new(ui)
            .id_salt("diff-table")
            .striped(true)
            .resizable(true)
            .sense(Sense::click())
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(Column::initial(60.0).clip(true))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(100.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::initial(150.0).clip(true))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(100.0).clip(true))
            .column(Column::remainder().at_least(60.0).clip(true))
            .min_scrolled_height(0.0);
        if self.scroll_pending {
            if let Some(row) = self.selected_row {
                tb = tb.scroll_to_row(row, Some(Align::Center));
            }
            self.scroll_pending = false;
        }
        let mut clicked = None;
        tb.header(20.0, |mut h| {
            for t in ["#", "left", "type", "status", "", "right", "type", "status"] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(18.0, self.report.rows.len(), |mut row| {
                let i = row.index();
                let Some(d) = self.report.rows.get(i) else { return };
                row.set_selected(self.selected_row == Some(i));
                let pos: Vec<String> = d.key.iter().chain(std::iter::once(&d.position)).map(|k| k.to_string()).collect();
                let side = |s: Option<usize>, seq: &Vec<SeqOp>| s.and_then(|x| seq.get(x)).cloned();
                let (ls, rs) = (side(d.left, l), side(d.right, r));
                row.col(|ui| {
                    ui.label(pos.join("."));
                });
                seq_cols(&mut row, ls.as_ref(), d.depth, dark);
                row.col(|ui| {
                    let (text, bad) = kind_label(d.kind);
                    let c = if bad {
                        style::status_color(crate::model::OpStatus::Failed, dark)
                    } else if d.kind == RowKind::Same {
                        ui.visuals().weak_text_color()
                    } else {
                        style::status_color(crate::model::OpStatus::Pending, dark)
                    };
                    ui.label(RichText::new(text).color(c));
                });
                seq_cols(&mut row, rs.as_ref(), d.depth, dark);
                if row.response().clicked() {
                    clicked = Some(i);
                }
            });
        });
        if let Some(c) = clicked {
            self.selected_row = Some(c);
        }
    }

    fn detail(&self, ui: &mut egui::Ui, row: &crate::diff::DiffRow) {
        let get = |s: Option<usize>, seq: &Vec<SeqOp>| s.and_then(|x| seq.get(x)).cloned();
        let (ls, rs) = (get(row.left, &self.seqs.0), get(row.right, &self.seqs.1));
        if let Some(v) = self.report.violations.iter().find(|v| self.report.rows.get(v.row) == Some(row)) {
            ui.label(RichText::new(v.to_string()).strong());
        }
        if !row.changes.is_empty() {
            ui.strong("result changes");
            for c in &row.changes {
                let show = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "(absent)".into());
                let ptr = if c.pointer.is_empty() { "(whole value)" } else { c.pointer.as_str() };
                ui.monospace(format!("{ptr}: {} -> {}", show(&c.left), show(&c.right)));
            }
        }
        ui.columns(2, |cols| {
            for (ui, (s, title)) in cols.iter_mut().zip([(ls, "left"), (rs, "right")]) {
                ui.strong(title);
                match s {
                    None => {
                        ui.weak("(no operation here)");
                    }
                    Some(s) => {
                        ui.label(s.sig.describe());
                        if let Some(st) = s.status {
                            ui.label(style::status_label(st));
                        }
                        if s.op.is_none() {
                            ui.weak("asked for by the code, never checkpointed");
                        }
                        if let Some(v) = &s.result {
                            super::inspector::json_tree(ui, title, v);
                        }
                    }
                }
            }
        });
    }
}

fn inv_combo(ui: &mut egui::Ui, id: &str, label: &str, v: &mut usize, n: usize) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(format!("{label}: invocation {}", *v + 1))
        .show_ui(ui, |ui| {
            for i in 0..n {
                ui.selectable_value(v, i, format!("invocation {}", i + 1));
            }
        });
}

fn seq_cols(row: &mut egui_extras::TableRow<'_, '_>, s: Option<&SeqOp>, depth: u32, dark: bool) {
    row.col(|ui| {
        ui.add_space(depth as f32 * 12.0);
        if let Some(s) = s {
            ui.label(s.sig.name.clone().unwrap_or_else(|| "(unnamed)".into()));
        } else {
            ui.weak("—");
        }
    });
    row.col(|ui| {
        if let Some(s) = s {
            ui.label(s.sig.op_type.as_str());
        }
    });
    row.col(|ui| {
        if let Some(st) = s.and_then(|s| s.status) {
            ui.label(RichText::new(style::status_label(st)).color(style::status_color(st, dark)));
        } else if s.is_some() {
            ui.weak("not checkpointed");
        }
    });
}

fn kind_label(k: RowKind) -> (&'static str, bool) {
    match k {
        RowKind::Same => ("= same", false),
        RowKind::StatusChanged => ("~ status changed", false),
        RowKind::ResultChanged => ("≠ result changed", false),
        RowKind::TypeMismatch => ("✖ type mismatch", true),
        RowKind::SubTypeMismatch => ("✖ subtype mismatch", true),
        RowKind::NameMismatch => ("✖ name mismatch", true),
        RowKind::Missing => ("− only left", false),
        RowKind::Extra => ("+ only right", false),
    }
}
