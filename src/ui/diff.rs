//! The diff view: two invocations of this history, two of its executions
//! (an export of several, or a store), or one of its executions against one
//! of another file's, aligned per context by position (the core's
//! `DiffReport`). The first divergence is selected, scrolled into view and
//! stated with the plain violation message; a changed result shows its JSON
//! diff.

mod sides;

pub use sides::{Origin, StoreList};

use super::doc::Doc;
use super::jobs::StoreRow;
use super::style;
use super::Intent;
use crate::diff::{
    diff, invocation_sequence, DiffOptions, DiffReport, RowKind, SeqOp, SideOutcome,
};
use egui::{Align, Layout, RichText, Sense};
use egui_extras::{Column, TableBuilder};
use sides::{SideSeq, Sides};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Invocations,
    /// Two executions of this file (several in one export, or a store).
    Executions,
    Files,
}

/// What the cached report was built from; recomputed only when it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    mode: Mode,
    left: usize,
    right: usize,
    left_exec: Option<usize>,
    right_exec: Option<usize>,
    other_exec: Option<usize>,
    allow_progress: bool,
    has_other: bool,
    generation: u64,
}

pub struct DiffView {
    pub mode: Mode,
    pub left: usize,
    pub right: usize,
    pub allow_progress: bool,
    pub other: Option<Box<Doc>>,
    pub other_path: String,
    /// Execution picked on each side (index into that side's list); `None`
    /// until first shown, then the execution the side's document holds.
    pub left_exec: Option<usize>,
    /// Right side of an execution diff (this file's list).
    pub right_exec: Option<usize>,
    /// Right side of a file diff (the other file's list).
    pub other_exec: Option<usize>,
    sides: Sides,
    /// A side still loading from its store (its label), so the view says so.
    loading: Option<String>,
    pub selected_row: Option<usize>,
    key: Option<Key>,
    seqs: (Vec<SeqOp>, Vec<SeqOp>),
    /// How each side ended, shown above the verdict: two failed sides can be
    /// consistent.
    pub outcomes: Option<(SideOutcome, SideOutcome)>,
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
            left_exec: None,
            right_exec: None,
            other_exec: None,
            sides: Sides::default(),
            loading: None,
            selected_row: None,
            key: None,
            seqs: (Vec::new(), Vec::new()),
            outcomes: None,
            report: DiffReport::default(),
            scroll_pending: false,
            initialised: false,
        }
    }
}

impl DiffView {
    pub fn set_other(&mut self, d: Doc) {
        self.sides.clear_other();
        self.other = Some(Box::new(d));
        self.other_exec = None;
        self.mode = Mode::Files;
        self.allow_progress = false;
    }

    /// The other file is a store with several executions: pick one per side.
    pub fn set_other_store(&mut self, path: PathBuf, rows: Vec<StoreRow>) {
        self.sides.clear_other();
        self.other = None;
        self.sides.other_store = Some(StoreList { path, rows });
        self.other_exec = None;
        self.mode = Mode::Files;
        self.allow_progress = false;
    }

    /// This document came from a store with several executions: offer them
    /// for an execution diff.
    pub fn set_this_store(&mut self, path: PathBuf, rows: Vec<StoreRow>) {
        self.sides.this_store = Some(StoreList { path, rows });
        self.key = None;
    }

    /// Compare two invocations of this execution (0-based).
    pub fn show_invocations(&mut self, left: usize, right: usize) {
        self.mode = Mode::Invocations;
        self.left = left;
        self.right = right;
        self.allow_progress = true;
        self.initialised = true;
        self.selected_row = None;
        self.key = None;
    }

    /// Compare two executions of this file, by index in its list.
    pub fn set_executions(&mut self, left: usize, right: usize) {
        self.mode = Mode::Executions;
        self.left_exec = Some(left);
        self.right_exec = Some(right);
        self.allow_progress = false;
    }

    /// The execution labels of this file (`Origin::This`) or the other one.
    pub fn execution_labels(&self, doc: &Doc, origin: Origin) -> Vec<String> {
        self.sides.labels(origin, doc, self.other.as_deref())
    }

    /// True while a side's execution is loading from its store.
    pub fn is_loading(&self) -> bool {
        self.sides.loading()
    }

    /// Wait for the side loads (tests only; never on the UI thread).
    #[cfg(any(test, feature = "test-support"))]
    pub fn finish_loads_blocking(&mut self) {
        self.sides.wait_blocking(std::time::Duration::from_secs(60));
    }

    /// Recompute the report when its inputs changed (not per frame).
    /// `repaint` wakes the UI when a store execution finishes loading.
    pub fn refresh(&mut self, doc: &Doc, repaint: Option<&egui::Context>) {
        self.sides.poll();
        let n = doc.analysis.invocations.len();
        if !self.initialised {
            // The last two invocations: where a divergence usually shows.
            self.right = n.saturating_sub(1);
            self.left = n.saturating_sub(2);
            self.initialised = true;
        }
        self.default_executions(doc);
        let key = Key {
            mode: self.mode,
            left: self.left,
            right: self.right,
            left_exec: self.left_exec,
            right_exec: self.right_exec,
            other_exec: self.other_exec,
            allow_progress: self.allow_progress,
            has_other: self.other.is_some() || self.sides.other_store.is_some(),
            generation: self.sides.generation,
        };
        if self.key.as_ref() == Some(&key) {
            return;
        }
        self.key = Some(key);
        let Some(exec) = doc.execution() else { return };
        let other = self.other.as_deref();
        let (l, r) = match self.mode {
            Mode::Invocations => (
                SideSeq::Ready(
                    invocation_sequence(exec, &doc.analysis, self.left),
                    SideOutcome::of_invocation(&doc.analysis, self.left),
                ),
                SideSeq::Ready(
                    invocation_sequence(exec, &doc.analysis, self.right),
                    SideOutcome::of_invocation(&doc.analysis, self.right),
                ),
            ),
            Mode::Executions => (
                self.sides.sequence(
                    Origin::This,
                    self.left_exec.unwrap_or(0),
                    doc,
                    other,
                    repaint,
                ),
                self.sides.sequence(
                    Origin::This,
                    self.right_exec.unwrap_or(0),
                    doc,
                    other,
                    repaint,
                ),
            ),
            Mode::Files if other.is_none() && self.sides.other_store.is_none() => {
                (SideSeq::Unavailable, SideSeq::Unavailable)
            }
            Mode::Files => (
                self.sides.sequence(
                    Origin::This,
                    self.left_exec.unwrap_or(0),
                    doc,
                    other,
                    repaint,
                ),
                self.sides.sequence(
                    Origin::Other,
                    self.other_exec.unwrap_or(0),
                    doc,
                    other,
                    repaint,
                ),
            ),
        };
        self.loading = None;
        self.outcomes = None;
        self.seqs = match (l, r) {
            (SideSeq::Ready(l, lo), SideSeq::Ready(r, ro)) => {
                self.outcomes = Some((lo, ro));
                (l, r)
            }
            (SideSeq::Loading(what), _) | (_, SideSeq::Loading(what)) => {
                self.loading = Some(what);
                (Vec::new(), Vec::new())
            }
            _ => (Vec::new(), Vec::new()),
        };
        self.report = diff(
            &self.seqs.0,
            &self.seqs.1,
            DiffOptions {
                allow_progress: self.allow_progress,
            },
        );
        self.selected_row = self.report.first_violation_row;
        self.scroll_pending = self.selected_row.is_some();
    }

    /// Each side starts on the execution its document shows; the right side
    /// of an execution diff on the next one.
    fn default_executions(&mut self, doc: &Doc) {
        let other = self.other.as_deref();
        let left = *self
            .left_exec
            .get_or_insert_with(|| self.sides.current(Origin::This, doc, other));
        if self.right_exec.is_none() {
            let n = self.sides.labels(Origin::This, doc, other).len().max(1);
            self.right_exec = Some((left + 1) % n);
        }
        if self.other_exec.is_none() && (other.is_some() || self.sides.other_store.is_some()) {
            self.other_exec = Some(self.sides.current(Origin::Other, doc, other));
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, doc: &Doc, intents: &mut Vec<Intent>) {
        self.refresh(doc, Some(ui.ctx()));
        if self.sides.loading() {
            // The job wakes us when done; this keeps the spinner turning.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        let n = doc.analysis.invocations.len();
        let dark = ui.visuals().dark_mode;
        let other = self.other.as_deref();
        let this_n = self.sides.count(Origin::This, doc, other);
        let other_n = self.sides.count(Origin::Other, doc, other);
        let before = self.mode;
        ui.horizontal(|ui| {
            ui.strong("Compare");
            ui.selectable_value(&mut self.mode, Mode::Invocations, "two invocations");
            if this_n > 1 {
                ui.selectable_value(&mut self.mode, Mode::Executions, "two executions");
            }
            ui.selectable_value(&mut self.mode, Mode::Files, "another file");
            ui.separator();
            let sides = &self.sides;
            match self.mode {
                Mode::Invocations => {
                    inv_combo(ui, "diff-left", "left", &mut self.left, n);
                    ui.label("vs");
                    inv_combo(ui, "diff-right", "right", &mut self.right, n);
                }
                Mode::Executions => {
                    let label = |i| sides.label(Origin::This, i, doc, other);
                    exec_combo(
                        ui,
                        "diff-left-exec",
                        "left",
                        &mut self.left_exec,
                        this_n,
                        label,
                    );
                    ui.label("vs");
                    exec_combo(
                        ui,
                        "diff-right-exec",
                        "right",
                        &mut self.right_exec,
                        this_n,
                        label,
                    );
                }
                Mode::Files => {
                    ui.label("other file");
                    let r = ui.add(
                        egui::TextEdit::singleline(&mut self.other_path)
                            .hint_text("path to a history or store")
                            .desired_width(280.0),
                    );
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button("Load").clicked() || enter) && !self.other_path.trim().is_empty()
                    {
                        intents.push(Intent::DiffFile(self.other_path.trim().into()));
                    }
                    let other_path = other
                        .and_then(|o| o.path.clone())
                        .or_else(|| sides.other_store.as_ref().map(|s| s.path.clone()));
                    if let Some(p) = other_path {
                        let name = p
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        ui.weak(name).on_hover_text(p.display().to_string());
                    }
                    if this_n > 1 {
                        let label = |i| sides.label(Origin::This, i, doc, other);
                        exec_combo(
                            ui,
                            "diff-left-exec",
                            "left",
                            &mut self.left_exec,
                            this_n,
                            label,
                        );
                    }
                    if other_n > 1 {
                        ui.label("vs");
                        let label = |i| sides.label(Origin::Other, i, doc, other);
                        exec_combo(
                            ui,
                            "diff-other-exec",
                            "right",
                            &mut self.other_exec,
                            other_n,
                            label,
                        );
                    }
                }
            }
            ui.checkbox(&mut self.allow_progress, "allow progress")
                .on_hover_text(
                    "One side going further than the other is progress, not a violation",
                );
        });
        if self.mode != before {
            // Invocations of one execution may make progress; executions and
            // files are compared strictly, as replay would.
            self.allow_progress = self.mode == Mode::Invocations;
        }
        if let Some(what) = &self.loading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak(format!("loading {what} from the store…"));
            });
        }
        if let Some(e) = &self.sides.error {
            ui.label(
                RichText::new(format!("✖ {e}"))
                    .color(style::status_color(crate::model::OpStatus::Failed, dark)),
            );
        }
        let red = style::status_color(crate::model::OpStatus::Failed, dark);
        let green = style::status_color(crate::model::OpStatus::Succeeded, dark);
        if let Some((lo, ro)) = &self.outcomes {
            for (side, o) in [("left", lo), ("right", ro)] {
                let text = RichText::new(format!("{side}: {o}"));
                ui.label(if o.failed() {
                    text.color(red)
                } else {
                    text.weak()
                });
            }
        }
        match self.report.first_violation() {
            Some(v) => {
                ui.label(RichText::new(format!("✖ {v}")).strong().color(red));
                if let Some(e) = &v.edit {
                    ui.label(RichText::new(e.to_string()).color(red));
                }
                if self.report.violations.len() > 1 {
                    ui.weak(format!(
                        "{} more violations after this one",
                        self.report.violations.len() - 1
                    ));
                }
            }
            None if self.loading.is_some() => {}
            None if self.mode == Mode::Files
                && self.other.is_none()
                && self.sides.other_store.is_none() =>
            {
                ui.weak("Load another history file or store to compare this execution with it.");
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
                let failed = self
                    .outcomes
                    .as_ref()
                    .map_or((false, false), |(l, r)| (l.failed(), r.failed()));
                let which = match failed {
                    (true, true) => Some("both sides failed"),
                    (true, false) => Some("the left side failed"),
                    (false, true) => Some("the right side failed"),
                    _ => None,
                };
                if let Some(w) = which {
                    ui.label(
                        RichText::new(format!("… but {w}: see their errors above")).color(red),
                    );
                }
            }
        }
        ui.separator();

        let selected = self
            .selected_row
            .and_then(|r| self.report.rows.get(r))
            .cloned();
        egui::TopBottomPanel::bottom("diff-detail")
            .resizable(true)
            .default_height(180.0)
            .show_inside(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink(false)
                    .show(ui, |ui| match &selected {
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
                let Some(d) = self.report.rows.get(i) else {
                    return;
                };
                row.set_selected(self.selected_row == Some(i));
                let pos: Vec<String> = d
                    .context
                    .key()
                    .iter()
                    .chain(std::iter::once(&d.position))
                    .map(|k| k.to_string())
                    .collect();
                let side = |s: Option<usize>, seq: &Vec<SeqOp>| s.and_then(|x| seq.get(x)).cloned();
                let (ls, rs) = (side(d.left, l), side(d.right, r));
                // After a removal or an insertion the two sides' positions differ.
                let moved = match d.right_position {
                    Some(rp) if d.left.is_some() && rp != d.position => format!("→{rp}"),
                    _ => String::new(),
                };
                row.col(|ui| {
                    ui.label(format!("{}{moved}", pos.join(".")));
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
        if let Some(v) = self
            .report
            .violations
            .iter()
            .find(|v| self.report.rows.get(v.row) == Some(row))
        {
            ui.label(RichText::new(v.to_string()).strong());
            if let Some(e) = &v.edit {
                ui.label(e.to_string());
            }
        }
        if !row.changes.is_empty() {
            ui.strong("result changes");
            // Cut like the inspector: a changed multi-megabyte value, or
            // thousands of changed keys, must not stall every frame.
            const MAX_CHANGES: usize = 200;
            for c in row.changes.iter().take(MAX_CHANGES) {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref()
                        .map(|v| {
                            let text = v.to_string();
                            super::inspector::shown(&text, super::inspector::MAX_SCALAR)
                                .into_owned()
                        })
                        .unwrap_or_else(|| "(absent)".into())
                };
                let ptr = if c.pointer.is_empty() {
                    "(whole value)"
                } else {
                    c.pointer.as_str()
                };
                ui.monospace(format!("{ptr}: {} -> {}", show(&c.left), show(&c.right)));
            }
            if row.changes.len() > MAX_CHANGES {
                ui.weak(format!(
                    "… {} more changes",
                    row.changes.len() - MAX_CHANGES
                ));
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

/// A combo over a side's executions; only the rows in view are drawn, so a
/// store of thousands costs what the popup shows.
fn exec_combo(
    ui: &mut egui::Ui,
    id: &str,
    side: &str,
    v: &mut Option<usize>,
    n: usize,
    label: impl Fn(usize) -> String,
) {
    let cur = v.unwrap_or(0);
    egui::ComboBox::from_id_salt(id)
        .selected_text(format!("{side}: {}", label(cur)))
        .height(320.0)
        .show_ui(ui, |ui| {
            let row_h = ui.spacing().interact_size.y;
            egui::ScrollArea::vertical()
                .id_salt((id, "rows"))
                .max_height(300.0)
                .show_rows(ui, row_h, n, |ui, range| {
                    for i in range {
                        if ui.selectable_label(cur == i, label(i)).clicked() {
                            *v = Some(i);
                        }
                    }
                });
        });
}

fn seq_cols(row: &mut egui_extras::TableRow<'_, '_>, s: Option<&SeqOp>, depth: u32, dark: bool) {
    row.col(|ui| {
        ui.add_space(depth as f32 * 12.0);
        if let Some(s) = s {
            if s.only_type_known {
                ui.weak("(name not in the SDK error)");
            } else {
                ui.label(s.label.as_str());
            }
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
        RowKind::Removed => ("✖ removed", true),
        RowKind::Inserted => ("✖ added", true),
    }
}
