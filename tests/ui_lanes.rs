//! The app's time view and table together, driven headless with
//! egui_kittest: lanes in step with the table's tree and collapse state,
//! stacked map items, the ghost row and the red divergence marker of a
//! non-deterministic run, and the layout at 1000×700 and 2560×1440.
#![cfg(feature = "gui")]

use durable_lens::timeline::draw::{shapes, DrawOptions, LABEL_W, LANE_H};
use durable_lens::ui::app::{App, Persisted, View};
use durable_lens::ui::table::{Item, GHOST_NOTE};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

#[path = "common/pointer.rs"]
mod pointer;
use pointer::click_at;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn opened(rel: &str) -> App {
    let mut app = App::new(Persisted::default());
    app.open_blocking(fixture(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    app
}

fn harness_at(app: App, w: f32, h: f32) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(w, h))
        .with_max_steps(32)
        .build_state(|ctx, app: &mut App| app.ui(ctx), app);
    h.run_steps(4);
    h
}

fn harness(app: App) -> Harness<'static, App> {
    harness_at(app, 1400.0, 860.0)
}

fn op_named(h: &Harness<'static, App>, name: &str) -> usize {
    let doc = h.state().doc.as_ref().unwrap();
    doc.ops()
        .iter()
        .position(|o| o.display_name() == name)
        .unwrap_or_else(|| panic!("no operation '{name}'"))
}

/// The context operations of the lanes shown, top to bottom (a stacked
/// row repeats its context; the root has none).
fn lane_ops(h: &Harness<'static, App>) -> Vec<usize> {
    let doc = h.state().doc.as_ref().unwrap();
    let mut out: Vec<usize> = h
        .state()
        .timeline
        .rows()
        .iter()
        .filter_map(|&li| doc.timeline.lanes[li].op)
        .collect();
    out.dedup();
    out
}

/// The operations of the table's visible rows, top to bottom.
fn table_ops(h: &Harness<'static, App>) -> Vec<usize> {
    let doc = h.state().doc.as_ref().unwrap();
    h.state()
        .table
        .items()
        .iter()
        .filter_map(|it| match it {
            Item::Op(r) => Some(doc.tree[*r].op),
            _ => None,
        })
        .collect()
}

/// A table header's rect: the left-most label (the inspector on the right
/// has fields of the same names).
fn header(h: &Harness<'static, App>, label: &str) -> egui::Rect {
    h.query_all_by_label(label)
        .map(|n| n.rect())
        .min_by(|a, b| a.left().total_cmp(&b.left()))
        .unwrap_or_else(|| panic!("no '{label}' header"))
}

#[test]
fn lanes_follow_the_tables_order_and_collapse_state_both_ways() {
    let mut h = harness(opened("python-sdk/fanout.history.json"));
    // Every context lane's operation is a table row, in the table's order.
    let order = |h: &Harness<'static, App>| {
        let rows = table_ops(h);
        let lanes = lane_ops(h);
        let pos: Vec<usize> = lanes
            .iter()
            .map(|op| rows.iter().position(|r| r == op).expect("lane op in table"))
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "lane order {pos:?}");
        lanes
    };
    let before = order(&h);
    let map = op_named(&h, "process-items");
    let item = op_named(&h, "map-item-2");
    assert!(before.contains(&map) && before.contains(&item));
    // Collapsed in the table (its row's button; the map is the first
    // row, so the first one): its lanes go from the time view.
    assert_eq!(table_ops(&h)[0], map);
    h.query_all_by_label("⏷")
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .expect("the map row's collapse button")
        .click();
    h.run_steps(2);
    assert!(h.state().table.collapsed.contains(&map));
    let after = order(&h);
    assert!(!after.contains(&map) && !after.contains(&item), "{after:?}");
    assert!(!table_ops(&h).contains(&item), "its rows go from the table");
    h.state_mut().table.toggle(map);
    h.run_steps(2);
    assert_eq!(order(&h), before);

    // A click on the map's lane label in the time view collapses it in the
    // table too.
    let doc = h.state().doc.as_ref().unwrap();
    let row = h
        .state()
        .timeline
        .rows()
        .iter()
        .position(|&li| doc.timeline.lanes[li].op == Some(map) && doc.timeline.lanes[li].sub == 0)
        .expect("the map's lane");
    let plot = h.state().timeline.plot_rect();
    let pinned = durable_lens::timeline::lanes::pinned(&doc.timeline);
    let scroll = if row < pinned {
        0.0
    } else {
        h.state().timeline.scroll_y
    };
    let at = egui::pos2(
        plot.left() - LABEL_W + 30.0,
        plot.top() + row as f32 * LANE_H + LANE_H / 2.0 - scroll,
    );
    click_at(&mut h, at);
    assert!(
        h.state().table.collapsed.contains(&map),
        "the time view's click collapsed the map in the table"
    );
    assert!(!table_ops(&h).contains(&item));
}

#[test]
fn map_items_stacked_in_their_maps_lane_do_not_overlap_on_screen() {
    let h = harness(opened("python-sdk/fanout.history.json"));
    let map = op_named(&h, "process-items");
    let app = h.state();
    let doc = app.doc.as_ref().unwrap();
    let l = &doc.timeline;
    let lanes: Vec<usize> = app
        .timeline
        .rows()
        .iter()
        .copied()
        .filter(|&li| l.lanes[li].op == Some(map))
        .collect();
    assert!(
        lanes.len() >= 2,
        "the map's items need {} rows",
        lanes.len()
    );
    let dl = shapes(
        l,
        &app.timeline.viewport(),
        &DrawOptions {
            selected: None,
            invocation: app.invocation,
            all_markers: false,
            lanes: lanes.clone(),
        },
    );
    let mut items = 0;
    for &li in &lanes {
        let mut xs: Vec<(f32, f32)> = dl
            .spans
            .iter()
            .filter(|s| s.lane == li)
            .map(|s| (s.x, s.x + s.width))
            .collect();
        xs.sort_by(|a, b| a.0.total_cmp(&b.0));
        items += dl.spans.iter().filter(|s| s.lane == li).count();
        for w in xs.windows(2) {
            // Shapes are at least 2 px: touching within that is not overlap.
            assert!(
                w[0].1 <= w[1].0 + 2.0,
                "row {li}: {:?} over {:?}",
                w[0],
                w[1]
            );
        }
    }
    assert!(items >= 4, "{items} item shapes");
}

#[test]
fn the_code_asked_for_operation_is_a_ghost_row_with_a_diff_one_click_away() {
    for rel in [
        "python-sdk/nondeterministic.history.json",
        "js-sdk-cases/nondeterministic.history.json",
    ] {
        let mut h = harness(opened(rel));
        // The SDK's text names send-email: it is in the table, marked.
        assert!(
            h.query_all_by_label("send-email").next().is_some(),
            "{rel}: ghost row"
        );
        assert!(
            h.query_all_by_label(GHOST_NOTE).next().is_some(),
            "{rel}: its mark"
        );
        assert_eq!(GHOST_NOTE, "asked for by the code, never checkpointed");
        // Just above the recorded operation at that place.
        let items = h.state().table.items().to_vec();
        let g = items.iter().position(|i| *i == Item::Ghost).expect("ghost");
        let doc = h.state().doc.as_ref().unwrap();
        let Item::Op(r) = items[g + 1] else {
            panic!("{rel}: an operation after the ghost")
        };
        assert_eq!(doc.ops()[doc.tree[r].op].display_name(), "process-payment");
        // Its button opens the Diff view on invocation 1 against 2.
        h.get_by_label("diff 1 ↔ 2").click();
        h.run_steps(3);
        assert_eq!(h.state().view, View::Diff, "{rel}");
        assert_eq!((h.state().diff.left, h.state().diff.right), (0, 1));
        assert!(
            h.query_all_by_label_contains("Replay consistency violation")
                .next()
                .is_some(),
            "{rel}: the diff states the violation"
        );
    }
    // The banner has the same button.
    let mut h = harness(opened("python-sdk/nondeterministic.history.json"));
    h.get_by_label("Diff invocations 1 ↔ 2").click();
    h.run_steps(3);
    assert_eq!(h.state().view, View::Diff);
    assert_eq!((h.state().diff.left, h.state().diff.right), (0, 1));
}

#[test]
fn the_red_divergence_marker_is_drawn_inside_the_failing_invocations_band() {
    for rel in [
        "python-sdk/nondeterministic.history.json",
        "js-sdk-cases/nondeterministic.history.json",
    ] {
        let h = harness(opened(rel));
        let app = h.state();
        let doc = app.doc.as_ref().unwrap();
        let l = &doc.timeline;
        // The failing invocation, from the file: the one the execution
        // failed in is its last.
        let k = doc.analysis.invocations.len() - 1;
        let dl = shapes(
            l,
            &app.timeline.viewport(),
            &DrawOptions {
                selected: app.selected,
                invocation: app.invocation,
                all_markers: false,
                lanes: app.timeline.rows().to_vec(),
            },
        );
        let dv = dl.divergence.as_ref().expect("drawn at fit");
        assert_eq!(dv.found, "send-email");
        assert_eq!(dv.invocation, k);
        let band = dl
            .bands
            .iter()
            .find(|b| b.invocation == k)
            .expect("the failing band");
        assert!(
            dv.x >= band.x - 0.01 && dv.x <= band.x + band.width + 0.01,
            "{rel}: marker at {} outside {}..{}",
            dv.x,
            band.x,
            band.x + band.width
        );
        assert!(dv.x >= 0.0 && dv.x <= app.timeline.viewport().width);
    }
}

#[test]
fn at_1000_by_700_the_table_keeps_name_status_and_this_invocation_in_view() {
    let mut h = harness_at(opened("js-sdk/order-flow.history.json"), 1000.0, 700.0);
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1000.0, 700.0));
    for col in ["name", "status", "this invocation"] {
        let r = header(&h, col);
        assert!(window.contains_rect(r), "'{col}' header at {r:?}");
        assert!(
            r.right() <= 1000.0 - 200.0,
            "'{col}' left of the inspector: {r:?}"
        );
    }
    // The role of each operation in the selected invocation is readable.
    assert!(h.query_all_by_label_contains("executed").next().is_some());
    // The rest scrolls sideways: the last column is past the table's edge.
    let inv = header(&h, "inv");
    assert!(inv.left() > 1000.0 - 220.0 - 10.0, "inv column at {inv:?}");
    // A sideways scroll over the table brings it into view; the name
    // column moves out to the left.
    let over = header(&h, "status").center() + egui::vec2(0.0, 60.0);
    h.input_mut().events.push(egui::Event::PointerMoved(over));
    h.run_steps(1);
    for _ in 0..6 {
        h.input_mut().events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(-100.0, 0.0),
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(1);
    }
    h.run_steps(4);
    let inv_after = header(&h, "inv").right();
    assert!(
        inv_after < inv.right() - 50.0,
        "scrolled: inv {inv:?} → right edge {inv_after}"
    );
    // The toolbar's tabs and filter are not drawn over by the title.
    let tab = h.get_by_label("Timeline").rect();
    let title = h.get_by_label_contains("order-flow").rect();
    assert!(!tab.intersects(title), "{tab:?} vs {title:?}");
    assert!(tab.right() < 1000.0);
}

#[test]
fn at_2560_by_1440_columns_stretch_and_the_view_refits_until_zoomed() {
    let mut h = harness_at(opened("js-sdk/order-flow.history.json"), 1400.0, 860.0);
    let small_name = header(&h, "name");
    let small_status = header(&h, "status");
    let w_small = small_status.left() - small_name.left();
    let spp_small = h.state().timeline.secs_per_px;
    h.set_size(egui::vec2(2560.0, 1440.0));
    h.run_steps(4);
    let name = header(&h, "name");
    let status = header(&h, "status");
    assert!(
        status.left() - name.left() > w_small + 400.0,
        "the name column takes the room: {} vs {w_small}",
        status.left() - name.left()
    );
    // The time view grows with the window (its 280 px suit 900 px).
    let plot_h = h.state().timeline.plot_rect().height();
    assert!(plot_h > 400.0, "time view plot {plot_h} px high at 1440");
    // Refit: the whole execution spans the wider plot.
    let l = &h.state().doc.as_ref().unwrap().timeline;
    let fit = durable_lens::timeline::Viewport::fit(l, h.state().timeline.viewport().width);
    assert!((h.state().timeline.secs_per_px - fit.secs_per_px).abs() < 1e-12);
    assert!(h.state().timeline.secs_per_px < spp_small * 0.7);
    assert!(!h.state().timeline.moved());
    // Zoomed: a resize leaves the view where the user put it.
    h.key_press(egui::Key::Plus);
    h.run_steps(2);
    assert!(h.state().timeline.moved());
    let zoomed = h.state().timeline.secs_per_px;
    h.set_size(egui::vec2(1400.0, 860.0));
    h.run_steps(4);
    assert_eq!(h.state().timeline.secs_per_px, zoomed);
    // Home fits again, and the view follows resizes again.
    h.key_press(egui::Key::Home);
    h.run_steps(2);
    assert!(!h.state().timeline.moved());
}

#[path = "../examples/gen/mod.rs"]
mod gen;

#[test]
fn a_history_with_thousands_of_contexts_opens_on_a_summary_lane_a_click_opens() {
    let spec = gen::EventsSpec {
        operations: 5_000,
        payload_bytes: 16,
        ..gen::EventsSpec::default()
    };
    let history = durable_lens::load::load_bytes("generated", &gen::events_history_bytes(&spec))
        .expect("loads");
    // The file: the maps directly under the root.
    let maps = history.executions[0]
        .operations
        .iter()
        .filter(|o| o.parent_id.is_none() && o.op_type == durable_lens::model::OpType::Context)
        .count();
    let mut app = App::new(Persisted::default());
    app.set_doc(durable_lens::ui::Doc::build(history, 0, None, None));
    let mut h = harness(app);
    let rows = h.state().timeline.rows().to_vec();
    assert_eq!(rows.len(), 2, "the root and one summary lane");
    let doc = h.state().doc.as_ref().unwrap();
    let sm = doc.timeline.lanes[rows[1]]
        .summary
        .clone()
        .expect("summary");
    assert_eq!(sm.contexts, maps);
    // A click on its label opens it: every map gets its lanes.
    let plot = h.state().timeline.plot_rect();
    click_at(
        &mut h,
        egui::pos2(plot.left() - LABEL_W + 30.0, plot.top() + LANE_H * 1.5),
    );
    let doc = h.state().doc.as_ref().unwrap();
    let opened = h.state().timeline.rows().to_vec();
    let map_lanes = opened
        .iter()
        .filter(|&&li| {
            let ln = &doc.timeline.lanes[li];
            ln.sub == 0 && ln.op.is_some_and(|op| doc.ops()[op].parent_id.is_none())
        })
        .count();
    assert_eq!(map_lanes, maps, "each map's lane once opened");
    // And a second click folds them back.
    click_at(
        &mut h,
        egui::pos2(plot.left() - LABEL_W + 30.0, plot.top() + LANE_H * 1.5),
    );
    assert_eq!(h.state().timeline.rows().len(), 2);
}

#[test]
fn a_double_click_on_a_collapsed_contexts_span_expands_it_in_both_views() {
    // Collapsed in the table, the map's lanes are gone and its own span is
    // left in the root lane: a double click on that span opens it again,
    // in the time view and in the table (one collapse state).
    let mut h = harness(opened("python-sdk/fanout.history.json"));
    let map = op_named(&h, "process-items");
    let item = op_named(&h, "map-item-2");
    h.state_mut().table.toggle(map);
    h.run_steps(2);
    assert!(!lane_ops(&h).contains(&item));
    let doc = h.state().doc.as_ref().unwrap();
    let (lane, si) = doc.timeline.span_of_op[map].expect("the map has a span");
    let sp = &doc.timeline.lanes[lane].spans[si];
    let row = h
        .state()
        .timeline
        .rows()
        .iter()
        .position(|&li| li == lane)
        .expect("the map's span's lane is shown");
    assert!(row < durable_lens::timeline::lanes::pinned(&doc.timeline));
    let v = h.state().timeline.viewport();
    let plot = h.state().timeline.plot_rect();
    let at = egui::pos2(
        plot.left() + (v.x_of(sp.start) + v.x_of(sp.end)) / 2.0,
        plot.top() + row as f32 * LANE_H + LANE_H / 2.0,
    );
    pointer::clicks_at(&mut h, at, 2);
    h.run_steps(3);
    assert!(
        !h.state().table.collapsed.contains(&map),
        "expanded in the table"
    );
    assert!(lane_ops(&h).contains(&item), "its lanes are back");
    assert!(table_ops(&h).contains(&item), "its rows are back");
}
