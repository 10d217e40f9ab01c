//! The desktop app (eframe/egui). It draws the core's `Analysis` and
//! `DiffReport` and sends intents; it never computes replay or diffs itself.
//! Each view is a struct with a `ui` method; `app` applies their intents;
//! `jobs` keeps loading off the UI thread.

#[cfg(feature = "aws")]
pub mod act;
pub mod app;
#[cfg(feature = "aws")]
pub mod aws_open;
pub mod diff;
pub mod doc;
pub mod help;
pub mod inspector;
pub mod jobs;
pub mod loader;
pub mod picker;
pub mod rerun;
pub mod start;
pub mod style;
pub mod table;
pub mod timeline;

pub use app::App;
pub use doc::Doc;

use std::path::PathBuf;

/// What a view asks the app to do.
#[derive(Debug, Clone)]
pub enum Intent {
    /// Select an operation; the other view follows.
    Select {
        op: usize,
        from_timeline: bool,
    },
    Invocation(Option<usize>),
    /// Collapse or expand a context (by its opening operation) in the
    /// table and the time view, which share the state.
    Collapse(usize),
    /// Open the Diff view on two invocations (0-based): the failing one of
    /// a non-deterministic run against the one before.
    DiffInvocations {
        left: usize,
        right: usize,
    },
    /// Draw the time view on this axis (and remember the choice).
    Axis(crate::timeline::AxisKind),
    Open(PathBuf),
    OpenExecution {
        path: PathBuf,
        arn: String,
    },
    /// Load a second file as the right side of the diff.
    DiffFile(PathBuf),
    Reload,
    /// A history built in memory (a re-run) as the right side of the diff;
    /// `name` labels it (its file when saved).
    DiffHistory {
        history: Box<crate::model::History>,
        name: PathBuf,
    },
    /// Close the re-run panel (its session is already stopped).
    CloseRerun,
    /// Select a recorded operation and show it in the timeline (from the
    /// re-run panel; its session keeps running).
    ShowRecorded(usize),
    /// Act on the execution opened from the service (confirmed by the user).
    #[cfg(feature = "aws")]
    Act(Box<act::Action>),
    /// List a function's executions in the service, with these settings.
    #[cfg(feature = "aws")]
    ListAws {
        service: crate::cli::ServiceArgs,
        function: String,
    },
}

/// Start the desktop app; `path` opens at once, else the bundled sample.
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("durable-lens")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([700.0, 400.0])
            .with_drag_and_drop(true),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "durable-lens",
        options,
        Box::new(move |cc| Ok(Box::new(App::from_creation(cc, path)))),
    )
    .map_err(|e| anyhow::anyhow!("could not start the window: {e}"))
}

/// The `sample-histories` folder: next to the executable (installed), at the
/// crate root (cargo run / tests), or in the working directory.
pub fn samples_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        for anc in exe.ancestors().skip(1).take(4) {
            candidates.push(anc.join("sample-histories"));
        }
    }
    candidates.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-histories"));
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join("sample-histories"));
    }
    candidates.into_iter().find(|p| p.is_dir())
}

/// Sample histories shipped with the app (JSON files and stores), sorted by
/// name. The JS runner's invocation list is left out: it is the companion of
/// `order-flow.operations.json`, not a history, and does not open alone.
pub fn samples() -> Vec<PathBuf> {
    let Some(dir) = samples_dir() else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .map(|x| x == "json" || x == "db")
                        .unwrap_or(false)
                })
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().ends_with(".invocations.json"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The sample opened when the app starts with no file.
pub fn default_sample() -> Option<PathBuf> {
    let p = samples_dir()?.join("order-flow.history.json");
    p.is_file().then_some(p)
}
