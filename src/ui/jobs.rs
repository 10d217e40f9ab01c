//! Background work: loading, analysing and laying out a history runs on a
//! thread; the UI polls a channel each frame and the thread asks for a
//! repaint when it reports, so the window never freezes. Cancel drops the
//! result (and tells the loader to stop early where it can).

use super::doc::Doc;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One row of a store's execution picker (copied from the loader's summary so
/// the picker does not depend on its exact type).
#[derive(Debug, Clone)]
pub struct StoreRow {
    pub arn: String,
    pub function_name: String,
    pub name: String,
    pub status: String,
    pub start: Option<crate::model::Ts>,
    pub end: Option<crate::model::Ts>,
    /// `None` when the store could not count them.
    pub operation_count: Option<usize>,
    /// Failed with an SDK non-determinism error.
    pub nondeterministic: bool,
}

pub enum JobOutput {
    Doc(Box<Doc>),
    /// A store with several executions: show the picker.
    Store {
        path: PathBuf,
        rows: Vec<StoreRow>,
    },
    /// A second history for the diff view.
    DiffSide(Box<Doc>),
    /// The diff view's other file is a store with several executions.
    DiffStore {
        path: PathBuf,
        rows: Vec<StoreRow>,
    },
    Failed(String),
    /// An action on a service execution was done (what, in words).
    Acted(String),
}

enum Msg {
    Progress(f32, String),
    Done(JobOutput),
}

/// Handle the job thread uses to report and to check for cancellation.
pub struct JobCtx {
    tx: Sender<Msg>,
    cancel: Arc<AtomicBool>,
    repaint: Option<egui::Context>,
}

impl JobCtx {
    /// `fraction` in 0..=1, or negative when unknown.
    pub fn progress(&self, fraction: f32, what: impl Into<String>) {
        let _ = self.tx.send(Msg::Progress(fraction, what.into()));
        if let Some(c) = &self.repaint {
            c.request_repaint();
        }
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }
}

pub struct Job {
    pub label: String,
    pub progress: f32,
    pub status: String,
    pub started: Instant,
    rx: Receiver<Msg>,
    cancel: Arc<AtomicBool>,
    /// An output a blocking wait received, handed out by the next `poll`.
    done: Option<JobOutput>,
}

impl Job {
    /// Run `work` on a new thread. `repaint` wakes the UI when it reports
    /// (`None` in headless tests that poll).
    pub fn spawn(
        label: impl Into<String>,
        repaint: Option<egui::Context>,
        work: impl FnOnce(&JobCtx) -> JobOutput + Send + 'static,
    ) -> Job {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let jc = JobCtx {
            tx,
            cancel: cancel.clone(),
            repaint,
        };
        let label = label.into();
        let thread_label = label.clone();
        let spawned = std::thread::Builder::new()
            .name("durable-lens-job".into())
            .spawn(move || {
                // A panic in a loader must surface as an error, not a hung spinner.
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&jc)))
                    .unwrap_or_else(|_| {
                        JobOutput::Failed(format!("internal error while {thread_label}"))
                    });
                let _ = jc.tx.send(Msg::Done(out));
                if let Some(c) = &jc.repaint {
                    c.request_repaint();
                }
            });
        let job = Job {
            label,
            progress: -1.0,
            status: String::new(),
            started: Instant::now(),
            rx,
            cancel,
            done: None,
        };
        if let Err(e) = spawned {
            // Report through the same channel shape: a job that failed at once.
            let (tx, rx) = channel();
            let _ = tx.send(Msg::Done(JobOutput::Failed(format!(
                "could not start a thread: {e}"
            ))));
            return Job { rx, ..job };
        }
        job
    }

    /// Drain reports; returns the output once the job is done.
    pub fn poll(&mut self) -> Option<JobOutput> {
        if let Some(out) = self.done.take() {
            return Some(out);
        }
        loop {
            match self.rx.try_recv() {
                Ok(msg) => {
                    if let Some(out) = self.take(msg) {
                        return Some(out);
                    }
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(self.gone()),
            }
        }
    }

    /// Keep a progress report; give back the output.
    fn take(&mut self, msg: Msg) -> Option<JobOutput> {
        match msg {
            Msg::Progress(p, s) => {
                self.progress = p;
                self.status = s;
                None
            }
            Msg::Done(out) => Some(out),
        }
    }

    fn gone(&self) -> JobOutput {
        JobOutput::Failed(format!("{}: the worker stopped unexpectedly", self.label))
    }

    /// Block on the job's channel until it is done or `deadline` passes;
    /// the output is kept for the next `poll`. Tests only, never the UI
    /// thread.
    #[cfg(any(test, feature = "test-support"))]
    pub fn block_until_done(&mut self, deadline: Instant) -> bool {
        use std::sync::mpsc::RecvTimeoutError;
        while self.done.is_none() {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            match self.rx.recv_timeout(left) {
                Ok(msg) => self.done = self.take(msg),
                Err(RecvTimeoutError::Timeout) => return false,
                Err(RecvTimeoutError::Disconnected) => self.done = Some(self.gone()),
            }
        }
        true
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Outcome of the native file dialog, run on its own thread.
pub enum DialogResult {
    Picked(PathBuf),
    Cancelled,
    /// The dialog could not be shown (no portal, headless): use the path field.
    Unavailable,
}

/// Open the native dialog off the UI thread.
pub fn pick_path(repaint: egui::Context, dialogs: Dialogs, folder: bool) -> Receiver<DialogResult> {
    run_dialog(repaint, dialogs, "durable-lens-dialog", move || {
        let d = rfd::FileDialog::new().set_title("Open a durable execution history or store");
        if folder {
            d.pick_folder()
        } else {
            d.add_filter("histories", &["json", "db", "sqlite", "sqlite3"])
                .add_filter("all", &["*"])
                .pick_file()
        }
    })
}

/// Whether native file dialogs may be tried. Decided once, when the app is
/// made, and passed down explicitly, so tests choose the path field without
/// touching the process environment that other test threads read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialogs {
    Native,
    /// Never try a dialog: offer the typed-path field at once.
    PathField,
}

impl Default for Dialogs {
    fn default() -> Dialogs {
        Dialogs::detect()
    }
}

impl Dialogs {
    /// rfd needs a desktop portal (D-Bus) or a Wayland session; with neither
    /// it cannot show a dialog, and cannot say so either.
    pub fn detect() -> Dialogs {
        let no_session = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
            && std::env::var_os("WAYLAND_DISPLAY").is_none();
        if no_session {
            Dialogs::PathField
        } else {
            Dialogs::Native
        }
    }
}

/// Run a native dialog (`show`) on its own thread and report its answer.
/// rfd cannot tell "cancelled" from "no dialog backend", so with
/// `Dialogs::PathField` the dialog is not tried, and an answer faster than a
/// human can click is treated as "unavailable" (the caller then offers a
/// path field).
pub fn run_dialog(
    repaint: egui::Context,
    dialogs: Dialogs,
    thread_name: &str,
    show: impl FnOnce() -> Option<PathBuf> + Send + 'static,
) -> Receiver<DialogResult> {
    let (tx, rx) = channel();
    if dialogs == Dialogs::PathField {
        let _ = tx.send(DialogResult::Unavailable);
        repaint.request_repaint();
        return rx;
    }
    let _ = std::thread::Builder::new()
        .name(thread_name.into())
        .spawn(move || {
            let started = Instant::now();
            let r = match show() {
                Some(p) => DialogResult::Picked(p),
                None if started.elapsed() < Duration::from_millis(400) => DialogResult::Unavailable,
                None => DialogResult::Cancelled,
            };
            let _ = tx.send(r);
            repaint.request_repaint();
        });
    rx
}

/// A file to write next to `source`, named after it: `order-flow.history.json`
/// and suffix `rerun.json` give `order-flow.rerun.json`.
pub fn beside(source: &std::path::Path, suffix: &str) -> PathBuf {
    let stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "history".into());
    let stem = stem.strip_suffix(".history").unwrap_or(&stem);
    source.with_file_name(format!("{stem}.{suffix}"))
}
