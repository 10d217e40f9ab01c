//! Driving the re-run panel in egui_kittest the way a user would: open
//! a recorded history, Ctrl+R, link the Node preset, wait for labels while
//! the session works on its own threads; plus the checks and snapshot
//! masks the panel tests share (the live time view, process groups).

use durable_lens::timeline::draw::{BAND_H, LANE_H, RULER_H};
use durable_lens::ui::app::{App, Persisted, View};
use durable_lens::ui::rerun::Phase;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const INPUT: &str = r#"{"orderId":"123"}"#;

/// Record order-flow.mjs with the JS SDK's test runner into `dir`; the path
/// of the history file.
pub fn recorded_history(dir: &Path) -> PathBuf {
    crate::support::record_js(dir, "order-flow.mjs", INPUT);
    dir.join("order-flow.mjs.history.json")
}

/// A copy of the JS order-flow fixture: the link sidecar must never land
/// in the repository's fixtures.
pub fn fixture_copy(dir: &Path) -> PathBuf {
    let history = dir.join("order-flow.history.json");
    std::fs::copy(
        crate::support::root().join("tests/fixtures/js-sdk/order-flow.history.json"),
        &history,
    )
    .expect("the JS order-flow fixture");
    history
}

pub fn harness_for(app: App, wgpu: bool) -> Harness<'static, App> {
    let b = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .with_max_steps(32);
    let b = if wgpu { b.wgpu() } else { b };
    let mut h = b.build_state(|ctx, app: &mut App| app.ui(ctx), app);
    h.run_steps(3);
    h
}

pub fn opened(path: &Path, persisted: Persisted) -> App {
    let mut app = App::new(persisted);
    // Headless: the save dialog is never tried, the path field is offered.
    app.set_dialogs(durable_lens::ui::jobs::Dialogs::PathField);
    app.open_blocking(path.to_path_buf())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    app
}

/// `history` opened in the app with default settings, the re-run panel
/// open (wgpu: for snapshots).
pub fn panel_on(history: &Path, wgpu: bool) -> Harness<'static, App> {
    let mut h = harness_for(opened(history, Persisted::default()), wgpu);
    open_panel(&mut h);
    h
}

/// Open the panel with Ctrl+R, as a user would.
pub fn open_panel(h: &mut Harness<'_, App>) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::R);
    h.run_steps(3);
    assert_eq!(h.state().view, View::Rerun, "Ctrl+R opens the re-run panel");
}

/// Unfold the link form (it starts folded when a link is already saved).
pub fn open_link_form(h: &mut Harness<'_, App>) {
    if !h.state().rerun.show_link {
        h.get_by_label_contains("Handler:").click();
        h.run_steps(2);
    }
    assert!(h.state().rerun.show_link);
}

/// Link the Node preset to tests/handlers/order-flow.mjs: click the preset,
/// fill the fields the way typing would.
pub fn link_node(h: &mut Harness<'_, App>, env: &str) {
    crate::support::require_node();
    open_link_form(h);
    h.get_by_label("Node").click();
    h.run_steps(2);
    let f = &mut h.state_mut().rerun.form;
    f.node_file = "order-flow.mjs".into();
    f.node_export = "handler".into();
    f.cwd = crate::support::handlers_dir().display().to_string();
    f.env = env.into();
    f.timeout_secs = 60.0;
    h.run_steps(2);
}

pub fn has(h: &Harness<'_, App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Run frames until a label containing `text` shows (the session works on
/// its own threads; the UI only polls).
pub fn wait_for(h: &mut Harness<'_, App>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut frames_after_end = 0;
    loop {
        h.step();
        if has(h, text) {
            h.run_steps(2);
            return;
        }
        if h.state().rerun.live.phase() == Phase::Finished {
            frames_after_end += 1;
        }
        assert!(
            Instant::now() < deadline && frames_after_end < 20,
            "never showed {text:?}; state: {:?}, error: {:?}",
            h.state().rerun.live.headline(),
            h.state().rerun.live.error
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn time_view_focus(h: &Harness<'_, App>) -> Option<String> {
    let t = &h.state().rerun.trace;
    let op = t.execution().operations.get(t.focus_op()?)?;
    op.name.clone()
}

/// The live time view ends up drawing the whole run: every recorded
/// operation once, closed, in order on the axis, inside two invocation bands
/// that follow each other, with a replay | execution marker per invocation.
pub fn assert_time_view_shows_the_run(h: &mut Harness<'_, App>, history: &Path) {
    let recorded = durable_lens::load::load_path(history).unwrap();
    let t = &mut h.state_mut().rerun.trace;
    let e = t.execution().clone();
    let names: Vec<&str> = e.operations.iter().map(|o| o.display_name()).collect();
    let want: Vec<&str> = recorded.executions[0]
        .operations
        .iter()
        .map(|o| o.display_name())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(sorted, want_sorted, "each operation once");
    for o in &e.operations {
        assert!(
            o.status.is_terminal(),
            "{} still {:?}",
            o.display_name(),
            o.status
        );
        assert!(
            o.start <= o.end,
            "{} ends before it starts",
            o.display_name()
        );
    }
    let starts: Vec<_> = e.operations.iter().map(|o| o.start).collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "in the order they happened"
    );
    let [a, b] = &e.invocations[..] else {
        panic!("two invocations, got {}", e.invocations.len())
    };
    assert!(a.start < a.end && a.end <= b.start && b.start < b.end);
    let doc = t.settled_doc(Duration::from_secs(10)).expect("drawn");
    assert_eq!(doc.timeline.bands.iter().flatten().count(), 2);
    let mut marked: Vec<usize> = doc
        .timeline
        .lanes
        .iter()
        .flat_map(|l| &l.markers)
        .map(|m| m.invocation)
        .collect();
    marked.sort();
    marked.dedup();
    // The first invocation replayed nothing: a fresh start, no marker.
    assert_eq!(doc.timeline.bands[0].as_ref().map(|b| b.replayed), Some(0));
    assert_eq!(marked, [1], "a switch in the invocation that replayed");
}

/// Run a custom command against the fixture copy until the run ends; the
/// harness, for assertions on what the panel shows.
pub fn run_custom(history: &Path, command: &str) -> Harness<'static, App> {
    let mut h = panel_on(history, false);
    open_link_form(&mut h);
    h.get_by_label("Custom command").click();
    h.run_steps(2);
    h.state_mut().rerun.form.custom = command.into();
    h.state_mut().rerun.form.cwd = crate::support::handlers_dir().display().to_string();
    h.state_mut().rerun.form.timeout_secs = 20.0;
    h.run_steps(2);
    h.get_by_label("Continue").click();
    wait_for(&mut h, "The handler failed");
    h
}

/// A history with only an input (no operations recorded): checkpoints are
/// not compared with anything, so the service's own rules decide.
pub fn input_only_history(dir: &Path) -> PathBuf {
    let history = durable_lens::model::History {
        source: "test".into(),
        origin: None,
        format: durable_lens::model::Format::DurableLens,
        executions: vec![crate::support::input_only(INPUT)],
        warnings: Vec::new(),
    };
    let path = dir.join("input-only.json");
    std::fs::write(
        &path,
        durable_lens::load::to_lens_json(&history, &path.display().to_string()),
    )
    .unwrap();
    path
}

/// The execution id in the toolbar differs per recording: keep it out of
/// the image.
pub fn mask_toolbar_label(h: &mut Harness<'_, App>) {
    h.mask(egui::Rect::from_min_max(
        egui::pos2(700.0, 0.0),
        egui::pos2(1230.0, 24.0),
    ));
}

/// The time view places operations by how long the handler really took
/// (Node's start-up, the machine's load), so its plot differs run to run:
/// mask the plot, keep the panel, its header and the root's lane label.
/// The labels below it are masked too: whether two branches overlap in time,
/// and so share a lane or stack in two rows, is the same race.
pub fn mask_time_view_plot(h: &mut Harness<'_, App>) {
    let top = h.get_by_label("Time view of this re-run").rect().bottom();
    let bottom = h
        .query_by_label("Handler output per invocation")
        .map(|n| n.rect().top())
        .unwrap_or(860.0);
    h.mask(egui::Rect::from_min_max(
        egui::pos2(165.0, top + 2.0),
        egui::pos2(1400.0, bottom - 2.0),
    ));
    // Ruler, band header and the root's row stay readable.
    let first_lane = top + 2.0 + RULER_H + BAND_H + LANE_H;
    h.mask(egui::Rect::from_min_max(
        egui::pos2(0.0, first_lane),
        egui::pos2(165.0, bottom - 2.0),
    ));
}

/// Record the order flow, link the Node handler with `env`, start from the
/// state recorded invocation 2 saw with `button`, and wait for `until`
/// (wgpu harness, for snapshots).
pub fn from_invocation_2(
    dir: &Path,
    env: &str,
    button: &str,
    until: &str,
) -> Harness<'static, App> {
    let history = recorded_history(dir);
    let mut h = panel_on(&history, true);
    link_node(&mut h, env);
    h.state_mut().rerun.start_from = Some(1);
    h.run_steps(2);
    h.get_by_label(button).click();
    wait_for(&mut h, until);
    h
}

/// Ready for a snapshot: nothing hovered, and what changes run to run (the
/// toolbar's execution id, the time-view plot) masked.
pub fn settle(h: &mut Harness<'_, App>) {
    h.remove_cursor();
    h.run_steps(6);
    mask_toolbar_label(h);
    mask_time_view_plot(h);
}

/// Start a handler that records its process group and hangs; its pgid.
pub fn start_hanging(h: &mut Harness<'_, App>, dir: &Path) -> u32 {
    let pidfile = dir.join("pid");
    open_link_form(h);
    h.get_by_label("Custom command").click();
    h.run_steps(2);
    h.state_mut().rerun.form.custom =
        format!("echo $$ > {}; sleep 300 & sleep 300", pidfile.display());
    h.state_mut().rerun.form.timeout_secs = 120.0;
    h.run_steps(2);
    h.get_by_label("Continue").click();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        h.step();
        if let Some(p) = crate::support::read_pid(&pidfile) {
            return p;
        }
        assert!(Instant::now() < deadline, "the handler never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn assert_group_gone(pgid: u32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !crate::support::live_in_group(pgid).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        crate::support::live_in_group(pgid),
        Vec::<u32>::new(),
        "orphans of group {pgid}"
    );
}
