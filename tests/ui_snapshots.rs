//! Snapshot images of the main views, rendered with wgpu (Mesa llvmpipe on
//! CI). Baselines live in tests/snapshots/; regenerate with UPDATE_SNAPSHOTS=1.
#![cfg(feature = "gui")]

use durable_lens::ui::app::{App, Persisted, View};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
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
    // Select first: selecting pans the time view to the operation (run in
    // invocation 1); `]` then zooms to invocation 2's band and its switch.
    h.get_by_label("process-payment").click();
    h.run_steps(2);
    h.key_press(egui::Key::CloseBracket);
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
fn snapshot_time_view_scrollbar_light() {
    // Lanes that do not fit: the scrollbar, in the light theme.
    let mut app = opened("python-sdk/fanout.history.json");
    app.persisted.dark = false;
    app.persisted.timeline_height = 110.0;
    let mut h = harness(app);
    h.state_mut().timeline.scroll_y = 30.0;
    h.run_steps(4);
    assert!(
        h.state().timeline.scrollbar_rect().is_some(),
        "lanes overflow"
    );
    h.snapshot("time_view_scrollbar_light");
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

/// Median luma of a region of a rendered frame: text and spans are a
/// minority of pixels, so the median is the background.
fn median_luma(
    px: &dyn Fn(u32, u32) -> [u8; 4],
    x: std::ops::Range<u32>,
    y: std::ops::Range<u32>,
) -> u8 {
    let mut v: Vec<u8> = Vec::new();
    for yy in y.step_by(2) {
        for xx in x.clone().step_by(2) {
            let [r, g, b, _] = px(xx, yy);
            v.push(((r as u32 * 3 + g as u32 * 6 + b as u32) / 10) as u8);
        }
    }
    v.sort_unstable();
    v[v.len() / 2]
}

/// Every area of the window: toolbar, scrubber, table, time-view labels and
/// lanes, inspector, status bar (1400×860 layout).
/// Name, x range, y range.
type Region = (&'static str, (u32, u32), (u32, u32));

const REGIONS: [Region; 7] = [
    ("toolbar", (0, 1400), (0, 22)),
    ("scrubber", (0, 1040), (24, 44)),
    ("table", (0, 1030), (70, 540)),
    ("time-view labels", (0, 155), (570, 835)),
    ("time-view lanes", (165, 1030), (570, 835)),
    ("inspector", (1045, 1400), (50, 835)),
    ("status bar", (0, 1400), (842, 860)),
];

fn assert_light(h: &mut Harness<'static, App>, what: &str) {
    let img = h.render().expect("render");
    let px = |x, y| img.get_pixel(x, y).0;
    for (name, x, y) in REGIONS {
        let l = median_luma(&px, x.0..x.1, y.0..y.1);
        assert!(
            l > 200,
            "{what}: the {name} background is dark in the light theme (median luma {l})"
        );
    }
}

#[test]
fn light_theme_paints_every_background_light() {
    // Started light.
    let mut app = opened("python-sdk/fanout.history.json");
    app.persisted.dark = false;
    let mut h = harness(app);
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(4);
    assert_light(&mut h, "started light");
    // Switched from dark at run time.
    let mut h = harness(opened("python-sdk/fanout.history.json"));
    h.get_by_label("☀ Light").click();
    h.run_steps(4);
    assert_light(&mut h, "switched to light");
    // And the diff view.
    h.state_mut().view = View::Diff;
    h.run_steps(4);
    let img = h.render().expect("render");
    let l = median_luma(&|x, y| img.get_pixel(x, y).0, 0..1400, 60..840);
    assert!(
        l > 200,
        "diff view background is dark in the light theme ({l})"
    );
}

#[test]
fn snapshot_shortcuts_and_export_field() {
    let mut h = harness(opened("js-sdk/order-flow.history.json"));
    h.state_mut().show_help = true;
    // The typed-path export row, as shown where no save dialog can be.
    h.state_mut().export.field = Some("/tmp/order-flow.lens.json".into());
    h.run_steps(6);
    h.snapshot("shortcuts_and_export_field");
}

fn harness_at(app: App, w: f32, h: f32) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(w, h))
        .with_max_steps(32)
        .wgpu()
        .build_state(|ctx, app: &mut App| app.ui(ctx), app);
    h.run_steps(6);
    h
}

#[test]
fn snapshot_small_window_nondeterministic() {
    // 1000x700: icon toolbar, the ghost row, name/status/this invocation in
    // view, the red divergence marker inside invocation 2's band.
    let mut h = harness_at(
        opened("python-sdk/nondeterministic.history.json"),
        1000.0,
        700.0,
    );
    h.run_steps(4);
    h.snapshot("small_window_nondeterministic");
}

#[test]
fn snapshot_large_window_fanout() {
    // 2560x1440: stretched name column, a taller time view, the map's
    // items stacked in rows of its lane.
    let mut h = harness_at(opened("python-sdk/fanout.history.json"), 2560.0, 1440.0);
    h.run_steps(4);
    h.snapshot("large_window_fanout");
}

#[test]
fn snapshot_python_order_flow_on_both_time_axes() {
    // Five minutes of cool-off around milliseconds of work: compressed by
    // default, the wait a break mark; C shows it on the real axis.
    let mut h = harness(opened("python-sdk/order-flow.history.json"));
    h.snapshot("order_flow_python_compressed");
    h.key_press(egui::Key::C);
    h.run_steps(6);
    h.snapshot("order_flow_python_real");
}
