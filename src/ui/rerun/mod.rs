//! The re-run panel: link a handler to the opened history, drive a
//! `rerun::Session` (step, continue, run to N, run to the first divergence,
//! breakpoints, restart, back, stop) and watch the run live. The session runs
//! on its own threads; the panel only sends commands and drains its event
//! channel each frame without blocking. Dropping the panel (closing it, a new
//! history, app exit) drops the session, which kills the handler's processes.

mod link;
mod live;
mod trace;
mod view;

pub use link::{contract_link, runners_dir, LinkForm, Preset};
pub use live::{Line, Live, OpRow, Phase};
pub use trace::Trace;

use super::doc::Doc;
use super::jobs::{beside, run_dialog, DialogResult, Dialogs};
use crate::rerun::{Command, Mode, Session, SessionConfig, SessionEvent, StartPoint};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// Links the app remembers, by history (path, plus `#arn` for a store).
pub type SavedLinks = BTreeMap<String, LinkForm>;

/// At most this many events are applied per frame, so a flood cannot stall
/// one frame; the rest wait for the next.
const EVENTS_PER_FRAME: usize = 5_000;

#[derive(Default)]
pub struct RerunPanel {
    pub form: LinkForm,
    /// `None`: a fresh run with the recorded input; `Some(k)`: the state
    /// recorded invocation k (0-based) saw.
    pub start_from: Option<usize>,
    /// Operation names, separated by commas or new lines.
    pub breakpoints: String,
    /// "Run to" target: the Nth distinct operation (1-based).
    pub run_to: usize,
    pub live: Live,
    /// The same run as a history, for the time view.
    pub trace: Trace,
    session: Option<Session>,
    /// The session's events, stamped with the moment they were sent.
    events: Option<Receiver<(Instant, SessionEvent)>>,
    /// Wakes the UI when an event arrives (set by `poll`).
    repaint: Option<egui::Context>,
    /// The history the form and the session belong to.
    key: Option<String>,
    /// Result of the last link save/restore (shown under the form).
    pub link_note: Option<String>,
    /// Why the last start was refused (bad form).
    pub form_error: Option<String>,
    pub show_link: bool,
    save_dialog: Option<Receiver<DialogResult>>,
    /// Native dialogs or the path field (set with the app's).
    pub dialogs: Dialogs,
    /// Inline fallback when no native save dialog can be shown.
    pub save_path: String,
    pub show_save_field: bool,
    pub save_note: Option<String>,
    /// Where the last re-run was saved (names the diff's right side).
    saved_to: Option<PathBuf>,
    /// What the session was started with; a change means a new session.
    started_with: Option<String>,
    /// The link file the panel offers to write next to the history, with
    /// the command it would hold: shown as a question, written only when
    /// the user says so.
    pub sidecar_offer: Option<(PathBuf, String)>,
    /// A command the user said "not now" to for this history.
    sidecar_declined: Option<String>,
    /// Judge changed results as `rerun --strict` does.
    pub strict: bool,
    /// The recorded operation at the divergence's place, found once when
    /// the divergence arrives (drawing must not search the recording).
    divergence_op: Option<(crate::rerun::PlacePath, Option<usize>)>,
}

/// The key a history's link is remembered under.
pub fn doc_key(doc: &Doc) -> Option<String> {
    let p = doc.path.as_ref()?.display().to_string();
    Some(match &doc.arn {
        Some(a) => format!("{p}#{a}"),
        None => p,
    })
}

impl RerunPanel {
    pub fn has_session(&self) -> bool {
        self.session.is_some()
    }

    /// Stop the handler and forget the session (panel closed, app exit).
    pub fn stop(&mut self) {
        self.events = None;
        if self.session.take().is_some() && self.live.phase() != Phase::Finished {
            self.live.stopped();
        }
    }

    /// Follow the opened history: a different one stops the session and
    /// brings back the link saved for it (app storage first, then the
    /// sidecar next to the file, which wins when they disagree because it
    /// travels with the recording).
    pub fn sync_doc(&mut self, doc: &Doc, saved: &SavedLinks) {
        let key = doc_key(doc);
        if self.key == key && self.key.is_some() {
            return;
        }
        self.stop();
        self.live = Live::default();
        self.trace = Trace::default();
        self.key = key.clone();
        self.sidecar_offer = None;
        self.sidecar_declined = None;
        self.divergence_op = None;
        self.start_from = None;
        self.run_to = self.run_to.max(1);
        self.form_error = None;
        self.save_note = None;
        self.saved_to = None;
        let stored = key.as_ref().and_then(|k| saved.get(k)).cloned();
        let timeout = stored.as_ref().map(|f| f.timeout_secs).unwrap_or(60.0);
        self.link_note = None;
        let sidecar = match doc.path.as_deref().map(crate::rerun::link::load_link) {
            Some(Ok(l)) => l,
            Some(Err(e)) => {
                self.link_note = Some(format!("✖ {e}"));
                None
            }
            None => None,
        };
        match (stored, sidecar) {
            (Some(f), Some(cmd)) if f.to_command().ok().as_ref() != Some(&cmd) => {
                self.form = LinkForm::from_command(&cmd, timeout);
                self.link_note = Some("Link restored from the file next to the history.".into());
            }
            (Some(f), _) => {
                self.form = f;
                self.link_note = Some("Link restored.".into());
            }
            (None, Some(cmd)) => {
                self.form = LinkForm::from_command(&cmd, timeout);
                self.link_note = Some("Link restored from the file next to the history.".into());
            }
            // Keep what was typed for the previous history: often the same handler.
            (None, None) => {}
        }
        self.show_link = self.form.to_command().is_err();
    }

    /// Remember the link in app storage and offer to write it beside the
    /// history file (Save link; the start of a run). The file is written
    /// only by `save_sidecar`, when the user answers the offer.
    pub fn save_link(&mut self, doc: &Doc, saved: &mut SavedLinks) -> bool {
        let cmd = match self
            .form
            .to_command()
            .and_then(|c| self.form.timeout().map(|_| c))
        {
            Ok(c) => c,
            Err(e) => {
                self.form_error = Some(e);
                return false;
            }
        };
        self.form_error = None;
        if let Some(k) = doc_key(doc) {
            saved.insert(k, self.form.clone());
        }
        let key = format!("{cmd:?}");
        let on_disk = doc
            .path
            .as_deref()
            .and_then(|p| crate::rerun::link::load_link(p).ok().flatten());
        self.sidecar_offer = match doc.path.as_deref() {
            Some(p)
                if on_disk.as_ref() != Some(&cmd)
                    && self.sidecar_declined.as_deref() != Some(key.as_str()) =>
            {
                Some((crate::rerun::link::sidecar_path(p), key))
            }
            _ => None,
        };
        self.link_note = Some(match (&self.sidecar_offer, on_disk.is_some()) {
            (Some(_), _) | (None, false) => "Link kept in app storage.".into(),
            (None, true) => "Link kept in app storage and in the file next to the history.".into(),
        });
        true
    }

    /// The user said yes to the offer: write the link file beside the history.
    pub fn save_sidecar(&mut self, doc: &Doc) -> bool {
        self.sidecar_offer = None;
        let (Some(p), Ok(cmd)) = (doc.path.as_deref(), self.form.to_command()) else {
            return false;
        };
        match crate::rerun::link::save_link(p, &cmd) {
            Ok(side) => {
                self.link_note = Some(format!(
                    "Link saved (app storage and {}).",
                    file_name(&side)
                ));
                true
            }
            // A read-only folder must not stop a re-run: the app copy is enough.
            Err(e) => {
                self.link_note = Some(format!("Link kept in app storage only: {e}"));
                false
            }
        }
    }

    /// The user said "not now": do not ask again for this command here.
    pub fn decline_sidecar(&mut self) {
        if let Some((_, key)) = self.sidecar_offer.take() {
            self.sidecar_declined = Some(key);
        }
    }

    /// The recorded operation (index in `doc`) at the divergence's place.
    pub fn divergence_op(&mut self, doc: &Doc) -> Option<usize> {
        let d = self.live.divergence.as_ref()?;
        match &self.divergence_op {
            Some((place, op)) if place == &d.place => *op,
            _ => {
                let op = doc.analysis.op_at_place(&d.place);
                self.divergence_op = Some((d.place.clone(), op));
                op
            }
        }
    }

    /// Handler, start point and timeout as the form has them now.
    fn config_key(&self) -> String {
        format!(
            "{:?} {:?} {} {}",
            self.form.to_command(),
            self.start_from,
            self.form.timeout_secs,
            self.form.answers
        )
    }

    /// The session, unless the form changed since it started (then the
    /// next control starts a new one with the new handler or start point).
    fn current_session(&self) -> Option<&Session> {
        let s = self.session.as_ref()?;
        (self.started_with.as_deref() == Some(self.config_key().as_str())).then_some(s)
    }

    fn breakpoint_list(&self) -> Vec<String> {
        self.breakpoints
            .split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Start a new session in `mode` (Start button, or a control pressed
    /// with no session yet).
    pub fn start(&mut self, doc: &Doc, saved: &mut SavedLinks, mode: Mode, breakpoints: bool) {
        let Some(recorded) = doc.execution().cloned() else {
            self.form_error = Some("no execution is open".into());
            return;
        };
        if !self.save_link(doc, saved) {
            self.show_link = true;
            return;
        }
        let (Ok(handler), Ok(timeout)) = (self.form.to_command(), self.form.timeout()) else {
            return;
        };
        self.stop();
        let mut config = SessionConfig::new(recorded, handler);
        config.start = match self.start_from {
            None => StartPoint::Fresh,
            Some(k) => StartPoint::FromInvocation(k),
        };
        config.timeout = timeout;
        config.answers = self.form.answer_map().unwrap_or_default();
        config.mode = mode;
        config.breakpoints = if breakpoints {
            self.breakpoint_list()
        } else {
            Vec::new()
        };
        config.source = match &doc.path {
            Some(p) => format!("re-run of {}", p.display()),
            None => "durable-lens re-run".into(),
        };
        self.live = Live::default();
        self.trace = Trace::default();
        self.running();
        self.save_note = None;
        self.saved_to = None;
        self.show_link = false;
        self.started_with = Some(self.config_key());
        let mut session = Session::start(config);
        self.events = Some(relay(&mut session, self.repaint.clone()));
        self.session = Some(session);
    }

    /// Send a mode command to the session: go on from a pause, change mode
    /// while running, or (after the end) run again from the top in that mode.
    fn go(&mut self, doc: &Doc, saved: &mut SavedLinks, cmd: Command, breakpoints: bool) {
        let mode = match cmd {
            Command::Step => Mode::Step,
            Command::RunTo(n) => Mode::RunTo(n),
            _ => Mode::Continue,
        };
        let Some(s) = self.current_session() else {
            self.start(doc, saved, mode, breakpoints);
            return;
        };
        let bps = if breakpoints {
            self.breakpoint_list()
        } else {
            Vec::new()
        };
        s.send(Command::SetBreakpoints(bps));
        s.send(cmd);
        if self.live.phase() == Phase::Finished {
            s.send(Command::Restart);
        }
        self.running();
    }

    pub fn step(&mut self, doc: &Doc, saved: &mut SavedLinks) {
        self.go(doc, saved, Command::Step, true);
    }

    pub fn continue_run(&mut self, doc: &Doc, saved: &mut SavedLinks) {
        self.go(doc, saved, Command::Continue, true);
    }

    pub fn run_to_n(&mut self, doc: &Doc, saved: &mut SavedLinks) {
        let n = self.run_to.max(1);
        self.go(doc, saved, Command::RunTo(n), true);
    }

    /// Continue with no breakpoints: the first divergence ends the run.
    pub fn run_to_divergence(&mut self, doc: &Doc, saved: &mut SavedLinks) {
        self.go(doc, saved, Command::Continue, false);
    }

    pub fn restart(&mut self, doc: &Doc, saved: &mut SavedLinks) {
        match self.current_session() {
            Some(s) => {
                s.send(Command::SetBreakpoints(self.breakpoint_list()));
                s.send(Command::Restart);
                self.running();
            }
            None => self.start(doc, saved, Mode::Step, true),
        }
    }

    pub fn back(&mut self) {
        if let Some(s) = &self.session {
            s.send(Command::Back);
            self.running();
        }
    }

    /// The handler goes on: the table's state and the time view's clock.
    fn running(&mut self) {
        self.live.set_running();
        self.trace.resumed(Instant::now());
    }

    /// Drain the session's events (never blocks) and keep frames coming
    /// while the handler runs.
    pub fn poll(&mut self, ctx: &egui::Context) {
        self.poll_save_dialog();
        if self.repaint.is_none() {
            self.repaint = Some(ctx.clone());
        }
        let Some(events) = &self.events else { return };
        // The time view's document is built off the UI thread.
        self.trace.build_in_background(ctx);
        let mut got = false;
        let mut lost = false;
        for _ in 0..EVENTS_PER_FRAME {
            match events.try_recv() {
                Ok((at, e)) => {
                    self.trace.apply(&e, at);
                    self.live.apply(e);
                    got = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    lost = true;
                    break;
                }
            }
        }
        if lost {
            self.live.lost();
            self.session = None;
            self.events = None;
        }
        if got {
            ctx.request_repaint();
        }
        if self.trace.pending() {
            // A time-view rebuild waits for its throttle. Events themselves
            // wake the UI through the relay, so a handler working quietly
            // costs no frames.
            ctx.request_repaint_after(Duration::from_millis(50));
        }
    }

    /// The suggested file for saving the re-run: `X.rerun.json` beside `X`.
    fn suggested_save_path(&self) -> PathBuf {
        let base = self
            .key
            .as_deref()
            .map(|k| k.split('#').next().unwrap_or(k))
            .unwrap_or("history");
        beside(Path::new(base), "rerun.json")
    }

    pub fn open_save_dialog(&mut self, ctx: &egui::Context) {
        if self.save_dialog.is_none() {
            self.save_dialog = Some(save_dialog(
                ctx.clone(),
                self.dialogs,
                self.suggested_save_path(),
            ));
        }
    }

    fn poll_save_dialog(&mut self) {
        let Some(rx) = &self.save_dialog else { return };
        let Ok(r) = rx.try_recv() else { return };
        self.save_dialog = None;
        match r {
            DialogResult::Picked(p) => {
                self.save_to(&p);
            }
            DialogResult::Cancelled => {}
            DialogResult::Unavailable => {
                self.show_save_field = true;
                if self.save_path.is_empty() {
                    self.save_path = self.suggested_save_path().display().to_string();
                }
                self.save_note = Some(
                    "No native save dialog is available here: type the path below and press Save."
                        .into(),
                );
            }
        }
    }

    /// Write the re-run as a durable-lens history. Never the recording itself.
    pub fn save_to(&mut self, path: &Path) -> bool {
        let Some(report) = &self.live.report else {
            self.save_note = Some("✖ nothing to save yet: run the handler first".into());
            return false;
        };
        let original = self
            .key
            .as_deref()
            .map(|k| Path::new(k.split('#').next().unwrap_or(k)));
        let inputs: Vec<&Path> = original.into_iter().collect();
        match crate::write::write_lens(&report.history, path, &inputs) {
            Ok(()) => {
                self.save_note = Some(format!("Saved to {}", path.display()));
                self.saved_to = Some(path.to_path_buf());
                self.show_save_field = false;
                true
            }
            Err(e) => {
                self.save_note = Some(format!("✖ {e}"));
                false
            }
        }
    }

    /// The re-run as the right side of the diff view.
    pub fn diff_history(&self) -> Option<(crate::model::History, PathBuf)> {
        let r = self.live.report.as_ref()?;
        let name = self
            .saved_to
            .clone()
            .unwrap_or_else(|| PathBuf::from("re-run (not saved)"));
        Some((r.history.clone(), name))
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// The native save dialog, run like the open dialog (`jobs::run_dialog`).
fn save_dialog(
    repaint: egui::Context,
    dialogs: Dialogs,
    suggested: PathBuf,
) -> Receiver<DialogResult> {
    run_dialog(repaint, dialogs, "durable-lens-save", move || {
        let mut d = rfd::FileDialog::new()
            .set_title("Save the re-run as a history")
            .add_filter("history", &["json"]);
        if let Some(dir) = suggested.parent().filter(|d| d.is_dir()) {
            d = d.set_directory(dir);
        }
        if let Some(f) = suggested.file_name() {
            d = d.set_file_name(f.to_string_lossy());
        }
        d.save_file()
    })
}

/// Forward the session's events through a thread that stamps each with the
/// moment it was sent and wakes the UI: the time view places operations by
/// when they happened, not by when a frame got round to them, and the panel
/// updates at once instead of at its next polling frame. The thread ends
/// when the session does (its sender goes away).
fn relay(
    session: &mut Session,
    repaint: Option<egui::Context>,
) -> Receiver<(Instant, SessionEvent)> {
    let (tx, rx) = channel();
    let events = std::mem::replace(&mut session.events, channel().1);
    let spawned = std::thread::Builder::new()
        .name("rerun-events".into())
        .spawn(move || {
            while let Ok(e) = events.recv() {
                if tx.send((Instant::now(), e)).is_err() {
                    break;
                }
                if let Some(c) = &repaint {
                    c.request_repaint();
                }
            }
            // The session is gone: let the panel see the channel close now.
            drop(tx);
            if let Some(c) = &repaint {
                c.request_repaint();
            }
        });
    if let Err(e) = spawned {
        // No relay thread: the panel shows why instead of waiting forever.
        let (tx, rx) = channel();
        let _ = tx.send((
            Instant::now(),
            SessionEvent::Error {
                run: 1,
                message: format!("cannot start the event relay thread: {e}"),
            },
        ));
        return rx;
    }
    rx
}
