//! Snapshot images of the main views, rendered with wgpu (Mesa llvmpipe on
//! CI). Baselines live in tests/snapshots/; regenerate with UPDATE_SNAPSHOTS=1.
#![cfg(feature = "gui")]

use durable_lens::ui::app::{App, Persisted, View};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures").join(rel)
}

fn harness(app: App) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .with_max_steps(32)
        .wgpu()
        .build_state(|ctx, app: &mut App| app.ui(ctx), app);
    h.run_steps(6);
    h
}

fn opened(rel: &str) -> App {
    let mut app = App::new(Persisted::default());
    app.open_blocking(fixture(rel)).expect("fixture opens");
    app
}

#[test]
fn snapshot_order_flow_invocation_two() {
    let mut h = harness(opened("js-sdk/order-flow.history.json"));
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(2);
    h.get_by_label("process-payment").click();
    h.run_steps(6);
    h.snapshot("order_flow_invocation_2");
}

#[test]
fn snapshot_nondeterministic_diagnosis() {
    let mut h = harness(opened("python-sdk/nondeterministic.history.json"));
    h.run_steps(4);
    h.snapshot("nondeterministic_diagnosis");
}

#[test]
fn snapshot_diff_view() {
    let mut h = harness(opened("python-sdk/nondeterministic.history.json"));
    h.state_mut().view = View::Diff;
    h.run_steps(6);
    h.snapshot("diff_view");
}

#[test]
fn snapshot_fanout_light_theme() {
    let mut app = opened("python-sdk/fanout.history.json");
    app.persisted.dark = false;
    let mut h = harness(app);
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(6);
    h.snapshot("fanout_light");
}

#[test]
fn snapshot_retries() {
    let mut h = harness(opened("python-sdk/retries.history.json"));
    h.key_press(egui::Key::ArrowDown);
    h.run_steps(6);
    h.snapshot("retries");
}

#[test]
fn snapshot_store_picker() {
    let h = harness(opened("python-sdk/emulator-store.db"));
    let mut h = h;
    h.run_steps(2);
    h.snapshot("store_picker");
}
