//! Driving the re-run panel in egui_kittest the way a user would: open
//! a recorded history, Ctrl+R, link the Node preset, wait for labels while
//! the session works on its own threads.

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

/// A copy of the shared JS order-flow fixture: the link sidecar must never
/// land in the shared fixtures.
pub fn fixture_copy(dir: &Path) -> PathBuf {
    let history = dir.join("order-flow.history.json");
    std::fs::copy(
        crate::support::root().join("../shared/fixtures/js-sdk/order-flow.history.json"),
        &history,
    )
    .expect("the shared fixture");
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
    app.open_blocking(path.to_path_buf())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    app
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
