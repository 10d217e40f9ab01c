//! The eframe application: owns the opened document and the views, applies
//! the intents the views push, handles keyboard shortcuts, drag-and-drop and
//! background jobs, and persists recent files, theme and layout.

use super::diff::DiffView;
use super::doc::Doc;
use super::inspector::InspectorView;
use super::jobs::{pick_path, DialogResult, Dialogs, Job, JobOutput};
use super::picker::PickerView;
use super::rerun::{RerunPanel, SavedLinks};
use super::table::TableView;
use super::timeline::TimelineView;
use super::{loader, style, Intent};

mod chrome;
mod export;
mod follow;
mod keys;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

const MAX_RECENT: usize = 10;

/// What survives a restart (eframe storage).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub recent: Vec<PathBuf>,
    pub dark: bool,
    pub show_inspector: bool,
    pub show_timeline: bool,
    pub timeline_height: f32,
    /// Handler links of re-run histories, by history path.
    pub rerun_links: SavedLinks,
    /// The time axis the user picked (C or the time view's switch); `None`:
    /// each history opens on its default (`TimelineLayout::default_axis`).
    pub axis: Option<crate::timeline::AxisKind>,
}

impl Default for Persisted {
    fn default() -> Self {
        Persisted {
            recent: Vec::new(),
            dark: true,
            show_inspector: true,
            show_timeline: true,
            timeline_height: 280.0,
            rerun_links: SavedLinks::new(),
            axis: None,
        }
    }
}

/// The view state a reload keeps, by operation id (a history that grew
/// keeps its operations' indices, but a rewritten one need not).
struct Restore {
    selected: Option<String>,
    invocation: Option<usize>,
    /// The last invocation was shown: show the last one again, so
    /// following a running execution stays at its newest invocation.
    at_last: bool,
    collapsed: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Timeline,
    Diff,
    Rerun,
}

pub struct App {
    pub persisted: Persisted,
    pub doc: Option<Doc>,
    doc_gen: u64,
    pub picker: Option<PickerView>,
    pub show_picker: bool,
    job: Option<Job>,
    pub error: Option<String>,
    pub selected: Option<usize>,
    /// Selected invocation (index), `None` = no invocation focus.
    pub invocation: Option<usize>,
    pub table: TableView,
    pub timeline: TimelineView,
    pub inspector: InspectorView,
    #[cfg(feature = "aws")]
    pub act: super::act::ActView,
    #[cfg(feature = "aws")]
    pub aws_open: super::aws_open::OpenAwsView,
    pub diff: DiffView,
    pub rerun: RerunPanel,
    pub view: View,
    pub filter: String,
    focus_filter: bool,
    pub path_field: String,
    dialog: Option<Receiver<DialogResult>>,
    /// Native dialogs or the path field (see `Dialogs`); `set_dialogs`.
    dialogs: Dialogs,
    pub dialog_note: Option<String>,
    repaint: Option<egui::Context>,
    /// What to keep across a reload of the same file.
    restore: Option<Restore>,
    /// Reveal the selection in the table and time view next frame.
    reveal: bool,
    intents: Vec<Intent>,
    styled_dark: Option<bool>,
    pub export: export::Export,
    /// Reload the open file when it changes on disk.
    pub follow: follow::Follow,
    /// The keyboard shortcut list (F1) is open.
    pub show_help: bool,
    /// The window height and the time view's height the app last gave it,
    /// until the user drags the panel (then `None`: their height stays).
    timeline_sized: Option<(f32, Option<f32>)>,
}

/// What the app opens at start: the file given; with none, on a first run
/// (nothing in Recent) the bundled sample, so a new user sees at once what
/// the tool shows; once files have been opened, nothing: the start panel
/// offers them (and the samples) instead of loading the sample every time.
pub fn start_path(given: Option<PathBuf>, persisted: &Persisted) -> Option<PathBuf> {
    match given {
        Some(p) => Some(p),
        None if persisted.recent.is_empty() => super::default_sample(),
        None => None,
    }
}

impl App {
    pub fn new(persisted: Persisted) -> App {
        App {
            persisted,
            doc: None,
            doc_gen: 0,
            picker: None,
            show_picker: false,
            job: None,
            error: None,
            selected: None,
            invocation: None,
            table: TableView::default(),
            timeline: TimelineView::default(),
            inspector: InspectorView::default(),
            #[cfg(feature = "aws")]
            act: Default::default(),
            #[cfg(feature = "aws")]
            aws_open: Default::default(),
            diff: DiffView::default(),
            rerun: RerunPanel::default(),
            view: View::Timeline,
            filter: String::new(),
            focus_filter: false,
            path_field: String::new(),
            dialog: None,
            dialogs: Dialogs::detect(),
            dialog_note: None,
            repaint: None,
            restore: None,
            reveal: false,
            intents: Vec::new(),
            styled_dark: None,
            export: export::Export::default(),
            follow: follow::Follow::default(),
            show_help: false,
            timeline_sized: None,
        }
    }

    /// From eframe: restore persisted state, open `path` or the bundled sample.
    pub fn from_creation(cc: &eframe::CreationContext<'_>, path: Option<PathBuf>) -> App {
        let persisted = cc
            .storage
            .and_then(|s| eframe::get_value::<Persisted>(s, eframe::APP_KEY))
            .unwrap_or_default();
        let start = start_path(path, &persisted);
        let mut app = App::new(persisted);
        app.repaint = Some(cc.egui_ctx.clone());
        if let Some(p) = start {
            app.open(p);
        }
        app
    }

    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Start loading `path` in the background.
    pub fn open(&mut self, path: PathBuf) {
        self.start_open(path, None, false);
    }

    fn start_open(&mut self, path: PathBuf, arn: Option<String>, keep_selection: bool) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        self.error = None;
        self.dialog_note = None;
        if !keep_selection {
            self.restore = None;
        }
        self.follow_opened(&path);
        let label = format!("opening {}", path.display());
        let p = path.clone();
        self.job = Some(Job::spawn(label, self.repaint.clone(), move |jc| {
            loader::open(jc, p, arn)
        }));
    }

    /// Load another file as the right side of the diff.
    pub fn open_diff_side(&mut self, path: PathBuf) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        let p = path.clone();
        self.job = Some(Job::spawn(
            format!("opening {} for the diff", path.display()),
            self.repaint.clone(),
            move |jc| match loader::open(jc, p, None) {
                JobOutput::Doc(d) => JobOutput::DiffSide(d),
                JobOutput::Store { path, rows } => JobOutput::DiffStore { path, rows },
                other => other,
            },
        ));
    }

    /// Analyse an in-memory history (a re-run) in the background and show
    /// it as the right side of the diff.
    pub fn diff_with_history(&mut self, history: crate::model::History, name: PathBuf) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        self.job = Some(Job::spawn(
            "analysing the re-run for the diff",
            self.repaint.clone(),
            move |_| JobOutput::DiffSide(Box::new(Doc::build(history, 0, Some(name), None))),
        ));
    }

    /// Load synchronously (tests): same path as the UI's job.
    #[cfg(any(test, feature = "test-support"))]
    pub fn open_blocking(&mut self, path: PathBuf) -> Result<(), String> {
        self.start_open(path, None, false);
        self.finish_job_blocking()
    }

    /// Wait for the running job and apply it (tests only).
    #[cfg(any(test, feature = "test-support"))]
    pub fn finish_job_blocking(&mut self) -> Result<(), String> {
        if let Some(mut j) = self.job.take() {
            if !j.block_until_done(std::time::Instant::now() + Duration::from_secs(120)) {
                return Err("timed out".into());
            }
            if let Some(out) = j.poll() {
                self.apply_output(out);
            }
        }
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Install a ready document (also used by the benchmark).
    pub fn set_doc(&mut self, mut doc: Doc) {
        if let Some(k) = self.persisted.axis {
            doc.timeline.set_axis(k);
        }
        let restore = self.restore.take();
        let same_file = self.doc.as_ref().map(|d| (&d.path, &d.arn)) == Some((&doc.path, &doc.arn));
        self.doc_gen += 1;
        self.table.reset();
        let restore = restore.filter(|_| same_file);
        if restore.is_none() {
            self.timeline.reset();
        }
        self.selected = None;
        self.invocation = if doc.analysis.invocations.is_empty() {
            None
        } else {
            Some(0)
        };
        self.show_picker = false;
        self.diff = DiffView::default();
        // Opened from a store's picker: its other executions can be diffed.
        if let Some(p) = self
            .picker
            .as_ref()
            .filter(|p| doc.path.as_ref() == Some(&p.path))
        {
            self.diff.set_this_store(p.path.clone(), p.rows.clone());
        }
        if let Some(title) = doc
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().into_owned())
        {
            if let Some(c) = &self.repaint {
                c.send_viewport_cmd(egui::ViewportCommand::Title(format!(
                    "durable-lens — {title}"
                )));
            }
        }
        let reloaded = restore.is_some();
        if let Some(r) = restore {
            let index = |id: &str| doc.ops().iter().position(|o| o.id == id);
            self.selected = r.selected.as_deref().and_then(index);
            let last = doc.analysis.invocations.len().checked_sub(1);
            if r.at_last {
                self.invocation = last;
            } else if let Some(i) = r.invocation.filter(|&i| Some(i) <= last) {
                self.invocation = Some(i);
            }
            self.table.collapsed = r.collapsed.iter().filter_map(|id| index(id)).collect();
        } else if let Some(d) = doc.analysis.diagnoses.first() {
            // A non-deterministic failure opens on its diagnosis.
            self.selected = doc.diagnosis_target(d);
            if let Some(i) = d.invocation.filter(|&i| i < doc.analysis.invocations.len()) {
                self.invocation = Some(i);
            }
        }
        // Another history stops a re-run of the previous one (a reload keeps it).
        self.rerun.sync_doc(&doc, &self.persisted.rerun_links);
        self.doc = Some(doc);
        // A reload leaves the views where the user had them.
        self.reveal = self.selected.is_some() && !reloaded;
    }

    fn remember(&mut self, path: &Path) {
        let p = path.to_path_buf();
        self.persisted.recent.retain(|r| r != &p);
        self.persisted.recent.insert(0, p);
        self.persisted.recent.truncate(MAX_RECENT);
    }

    pub fn reload(&mut self) {
        let Some(d) = &self.doc else {
            if let Some(p) = self.picker.as_ref().map(|p| p.path.clone()) {
                self.start_open(p, None, false);
            }
            return;
        };
        let Some(path) = d.path.clone() else { return };
        let id_of = |i: usize| d.ops().get(i).map(|o| o.id.clone());
        let invocations = d.analysis.invocations.len();
        self.restore = Some(Restore {
            selected: self.selected.and_then(id_of),
            invocation: self.invocation,
            at_last: invocations > 0 && self.invocation == Some(invocations - 1),
            collapsed: self
                .table
                .collapsed
                .iter()
                .filter_map(|&i| id_of(i))
                .collect(),
        });
        let arn = d.arn.clone();
        self.start_open(path, arn, true);
    }

    fn apply_output(&mut self, out: JobOutput) {
        match out {
            // Recent holds what opened: a file that failed is not offered again.
            JobOutput::Doc(d) => {
                if let Some(p) = d.path.clone() {
                    self.remember(&p);
                }
                self.set_doc(*d)
            }
            JobOutput::Store { path, rows } => {
                self.remember(&path);
                self.picker = Some(PickerView::new(path, rows));
                self.show_picker = true;
            }
            JobOutput::DiffSide(d) => {
                self.diff.set_other(*d);
                self.view = View::Diff;
            }
            JobOutput::DiffStore { path, rows } => {
                self.diff.set_other_store(path, rows);
                self.view = View::Diff;
            }
            JobOutput::Failed(e) => self.error = Some(e),
            JobOutput::Acted(done) => {
                // Fetched again to show what the action changed.
                self.reload();
                self.dialog_note = Some(done);
            }
        }
    }

    pub fn select(&mut self, op: usize) {
        self.selected = Some(op);
        self.reveal = true;
    }

    pub fn set_invocation(&mut self, inv: Option<usize>) {
        self.invocation = inv;
    }

    /// Draw the time view on axis `k` from now on (kept across restarts),
    /// refitted: the same zoom means something else on the other axis.
    pub fn set_axis(&mut self, k: crate::timeline::AxisKind) {
        self.persisted.axis = Some(k);
        if let Some(d) = &mut self.doc {
            d.timeline.set_axis(k);
            self.timeline.refit();
        }
    }

    /// `[`/`]`: the previous/next invocation, its band zoomed to fill the
    /// time view.
    fn step_invocation(&mut self, delta: i64) {
        let Some(d) = &self.doc else { return };
        let n = d.analysis.invocations.len() as i64;
        if n == 0 {
            return;
        }
        let cur = self
            .invocation
            .map(|i| i as i64)
            .unwrap_or(if delta > 0 { -1 } else { n });
        let k = (cur + delta).clamp(0, n - 1) as usize;
        self.invocation = Some(k);
        self.timeline.fit_band(&d.timeline, k);
    }

    /// Apply one intent as if a view had pushed it (tests drive the time
    /// view this way: its spans are painted, not widgets).
    #[cfg(any(test, feature = "test-support"))]
    pub fn apply_intent_for_test(&mut self, intent: Intent) {
        self.intents.push(intent);
        self.apply_intents();
    }

    fn apply_intents(&mut self) {
        for it in std::mem::take(&mut self.intents) {
            match it {
                Intent::Select { op, from_timeline } => {
                    self.selected = Some(op);
                    if from_timeline {
                        if let Some(d) = &self.doc {
                            self.table.expand_to(d, op);
                        }
                        self.table.scroll_to_op = Some(op);
                    } else if let Some(d) = &self.doc {
                        self.timeline.reveal(&d.timeline, op);
                    }
                }
                Intent::Invocation(i) => self.invocation = i,
                Intent::Collapse(op) => self.table.toggle(op),
                Intent::DiffInvocations { left, right } => {
                    self.diff.show_invocations(left, right);
                    self.view = View::Diff;
                }
                Intent::Axis(k) => self.set_axis(k),
                Intent::Open(p) => self.open(p),
                Intent::OpenExecution { path, arn } => self.start_open(path, Some(arn), false),
                Intent::DiffFile(p) => self.open_diff_side(p),
                Intent::Reload => self.reload(),
                Intent::DiffHistory { history, name } => self.diff_with_history(*history, name),
                Intent::CloseRerun => {
                    self.rerun.stop();
                    self.view = View::Timeline;
                }
                Intent::ShowRecorded(op) => {
                    self.select(op);
                    self.view = View::Timeline;
                }
                #[cfg(feature = "aws")]
                Intent::Act(action) => self.act_on(*action),
                #[cfg(feature = "aws")]
                Intent::ListAws { service, function } => self.list_aws(service, function),
            }
        }
    }

    /// Send a confirmed action to the service on a job thread.
    #[cfg(feature = "aws")]
    fn act_on(&mut self, action: super::act::Action) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        self.error = None;
        self.job = Some(Job::spawn(
            action.question(),
            self.repaint.clone(),
            move |jc| {
                jc.progress(-1.0, "sending to the service");
                match super::act::run(&action) {
                    Ok(done) => JobOutput::Acted(done),
                    Err(e) => JobOutput::Failed(e),
                }
            },
        ));
    }

    /// List a function's executions (Open from AWS…) on a job thread; the
    /// picker shows them and picking one fetches it.
    #[cfg(feature = "aws")]
    fn list_aws(&mut self, service: crate::cli::ServiceArgs, function: String) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        self.error = None;
        crate::cli::set_service_args(service.clone());
        self.job = Some(Job::spawn(
            format!("listing {function}"),
            self.repaint.clone(),
            move |jc| {
                let listed = (|| -> anyhow::Result<JobOutput> {
                    let f =
                        crate::live::FunctionRef::parse(&function).map_err(anyhow::Error::msg)?;
                    let label = format!("function {}", f.label());
                    jc.progress(-1.0, format!("listing the executions of {label}"));
                    let svc = crate::live::Service::connect(&service.config(), &label)?;
                    let cancel = jc.cancel_flag();
                    let rows = svc
                        .list(&f, &Default::default(), Some(&cancel))?
                        .into_iter()
                        .map(|s| super::jobs::StoreRow {
                            nondeterministic: s.nondeterministic(),
                            arn: s.arn,
                            function_name: s.function_name.unwrap_or_default(),
                            name: s.name.unwrap_or_default(),
                            status: s.status.unwrap_or_default(),
                            start: s.start,
                            end: s.end,
                            operation_count: None,
                        })
                        .collect();
                    Ok(JobOutput::Store {
                        path: PathBuf::from(format!(
                            "{}{}",
                            super::aws_open::LISTING_PREFIX,
                            f.label()
                        )),
                        rows,
                    })
                })();
                listed.unwrap_or_else(|e| JobOutput::Failed(format!("{e:#}")))
            },
        ));
    }

    fn poll_background(&mut self, ctx: &egui::Context) {
        if let Some(j) = &mut self.job {
            if let Some(out) = j.poll() {
                self.job = None;
                self.apply_output(out);
            } else {
                // Keep the spinner moving even if the loader reports nothing.
                ctx.request_repaint_after(Duration::from_millis(100));
            }
        }
        if let Some(rx) = &self.dialog {
            if let Ok(r) = rx.try_recv() {
                self.dialog = None;
                match r {
                    DialogResult::Picked(p) => self.open(p),
                    DialogResult::Cancelled => {}
                    DialogResult::Unavailable => {
                        self.dialog_note = Some(
                            "No native file dialog is available here (no desktop portal or display session). \
                             Type or paste a path below and press Enter."
                                .into(),
                        );
                    }
                }
            }
        }
    }

    /// Choose native dialogs or the path field, for every dialog the app
    /// and its re-run panel show (tests pass `Dialogs::PathField`).
    pub fn set_dialogs(&mut self, dialogs: Dialogs) {
        self.dialogs = dialogs;
        self.rerun.dialogs = dialogs;
    }

    pub fn open_dialog(&mut self, ctx: &egui::Context) {
        if self.dialog.is_none() {
            self.dialog = Some(pick_path(ctx.clone(), self.dialogs, false));
        }
    }

    fn drag_and_drop(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .filter_map(|f| f.path.clone())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.open(p);
        }
        let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
        if hovering {
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::new("dnd"),
            ));
            let rect = ctx.content_rect();
            painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Drop a history file or store folder to open it",
                egui::FontId::proportional(20.0),
                egui::Color32::WHITE,
            );
        }
    }

    /// One frame of the whole UI (eframe and the headless tests call this).
    pub fn ui(&mut self, ctx: &egui::Context) {
        if self.repaint.is_none() {
            self.repaint = Some(ctx.clone());
        }
        if self.styled_dark != Some(self.persisted.dark) {
            style::apply(ctx, self.persisted.dark);
            ctx.options_mut(|o| o.zoom_with_keyboard = false);
            self.styled_dark = Some(self.persisted.dark);
        }
        self.poll_background(ctx);
        self.poll_export();
        self.poll_follow(ctx);
        self.rerun.poll(ctx);
        self.shortcuts(ctx);
        self.drag_and_drop(ctx);
        if self.reveal {
            self.reveal = false;
            if let (Some(d), Some(op)) = (&self.doc, self.selected) {
                self.table.expand_to(d, op);
                self.table.scroll_to_op = Some(op);
                self.timeline.reveal(&d.timeline, op);
            }
        }

        self.toolbar(ctx);
        self.status_bar(ctx);
        super::help::window(ctx, &mut self.show_help);
        #[cfg(feature = "aws")]
        if let Some(i) = self.aws_open.ui(ctx) {
            self.intents.push(i);
        }
        if self.doc.is_none() || self.show_picker {
            egui::CentralPanel::default().show(ctx, |ui| {
                if self.show_picker {
                    if let Some(p) = &mut self.picker {
                        p.ui(ui, &mut self.intents);
                    }
                } else {
                    super::start::ui(ui, self);
                }
            });
            self.apply_intents();
            return;
        }
        self.banner(ctx);
        if self.view == View::Rerun {
            egui::CentralPanel::default().show(ctx, |ui| {
                if let Some(d) = &self.doc {
                    self.rerun
                        .ui(ui, d, &mut self.persisted.rerun_links, &mut self.intents);
                }
            });
            self.apply_intents();
            return;
        }
        if self.view == View::Diff {
            egui::CentralPanel::default().show(ctx, |ui| {
                if let Some(d) = &self.doc {
                    self.diff.ui(ui, d, &mut self.intents);
                }
            });
            self.apply_intents();
            return;
        }
        self.scrubber(ctx);
        if self.persisted.show_inspector {
            egui::SidePanel::right("inspector")
                .resizable(true)
                .default_width(360.0)
                .min_width(220.0)
                .show(ctx, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink(false)
                        .show(ui, |ui| {
                            if let Some(d) = &self.doc {
                                self.inspector.ui(ui, d, self.selected, self.invocation);
                                #[cfg(feature = "aws")]
                                if let Some(i) =
                                    self.act
                                        .ui(ui, d, self.selected.and_then(|s| d.ops().get(s)))
                                {
                                    self.intents.push(i);
                                }
                            }
                        });
                });
        }
        if let Some(d) = &self.doc {
            // Before the time view, which dims what the filter does not find.
            self.table
                .refresh(d, self.doc_gen, &self.filter, self.invocation);
            self.timeline.dim = self.table.matched();
        }
        if self.persisted.show_timeline {
            let h = self.timeline_panel_height(ctx);
            let resp = egui::TopBottomPanel::bottom("timeline")
                .resizable(true)
                .default_height(h)
                .min_height(80.0)
                .show(ctx, |ui| {
                    if let Some(d) = &self.doc {
                        self.timeline.ui(
                            ui,
                            d,
                            self.selected,
                            self.invocation,
                            &self.table.collapsed,
                            (self.doc_gen, self.table.collapse_gen()),
                            &mut self.intents,
                        );
                    }
                });
            self.persisted.timeline_height = resp.response.rect.height();
        }
        egui::CentralPanel::default().show(ctx, |ui| {
            if let Some(d) = &self.doc {
                self.table
                    .ui(ui, d, self.selected, self.invocation, &mut self.intents);
            }
        });
        self.apply_intents();
    }
}

impl App {
    /// The time view's height: the saved one, taller in a tall window
    /// (2560x1440: a third of it, not the 280 px that suit 900), never
    /// more than half the window. While the user has not dragged the
    /// panel's edge, a resized window gets the height anew.
    fn timeline_panel_height(&mut self, ctx: &egui::Context) -> f32 {
        let win_h = ctx.content_rect().height();
        let tall = if win_h > 1100.0 { win_h * 0.35 } else { 0.0 };
        let want = self
            .persisted
            .timeline_height
            .max(tall)
            .min((win_h * 0.5).max(80.0));
        let id = egui::Id::new("timeline");
        let now = egui::containers::panel::PanelState::load(ctx, id).map(|p| p.rect.height());
        match (self.timeline_sized, now) {
            // The first frame after a height was given: note what it became.
            (Some((wh, None)), Some(cur)) => self.timeline_sized = Some((wh, Some(cur))),
            // Dragged by the user: theirs from now on.
            (Some((_, Some(ph))), Some(cur)) if (cur - ph).abs() > 1.0 => {
                self.timeline_sized = None;
            }
            (Some((wh, Some(_))), Some(_)) if (win_h - wh).abs() > 1.0 => {
                ctx.data_mut(|d| d.remove::<egui::containers::panel::PanelState>(id));
                self.timeline_sized = Some((win_h, None));
            }
            (None, None) => self.timeline_sized = Some((win_h, None)),
            _ => {}
        }
        want
    }
}

impl eframe::App for App {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.ui(ctx);
    }

    /// eframe's default clear colour is a dark grey, which shows through
    /// wherever no panel paints (window edges while resizing), even in the
    /// light theme; clear with the panel colour of the current theme instead.
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }

    /// The re-run's handler processes must not outlive the window.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.rerun.stop();
    }
}
