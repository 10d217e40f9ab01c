//! The desktop app driven headless with egui_kittest: real fixtures, rows
//! found by label, clicks and keys, assertions on what the user would read.
#![cfg(feature = "gui")]

use durable_lens::ui::app::{App, Persisted, View};
use durable_lens::ui::jobs::Dialogs;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;

#[path = "common/pointer.rs"]
mod pointer;
use pointer::click_at;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

fn app_with(path: &std::path::Path) -> App {
    let mut app = App::new(Persisted::default());
    app.open_blocking(path.to_path_buf())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    app
}

fn harness(app: App) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .with_max_steps(32)
        .build_state(|ctx, app: &mut App| app.ui(ctx), app);
    h.run_steps(4);
    h
}

fn has_label_containing(h: &Harness<'_, App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn every_fixture_opens_and_shows_its_operations() {
    let mut checked = 0;
    for sdk in ["js-sdk", "python-sdk"] {
        let dir = fixtures().join(sdk);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".invocations.json") {
                continue; // an invocation list alone is not a history
            }
            let app = app_with(&f);
            let h = harness(app);
            if h.state().show_picker {
                assert!(
                    has_label_containing(&h, "Executions"),
                    "{name}: picker heading"
                );
                continue;
            }
            let doc = h
                .state()
                .doc
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no document"));
            let first = doc
                .ops()
                .first()
                .unwrap_or_else(|| panic!("{name}: no operations"));
            let label = first.display_name().to_string();
            assert!(
                h.query_all_by_label(&label).next().is_some(),
                "{name}: row '{label}' not found"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} fixtures checked");
}

#[test]
fn selecting_an_operation_shows_its_decoded_result() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    h.get_by_label("process-payment").click();
    h.run_steps(4);
    let sel = h.state().selected.expect("selected");
    assert_eq!(
        h.state().doc.as_ref().unwrap().ops()[sel].display_name(),
        "process-payment"
    );
    assert!(
        has_label_containing(&h, "transactionId: \"txn-456\""),
        "decoded result in the inspector"
    );
}

#[test]
fn python_envelope_results_are_decoded_in_the_inspector() {
    let app = app_with(&fixture("python-sdk/order-flow.store.json"));
    let mut h = harness(app);
    h.get_by_label("create-order").click();
    h.run_steps(4);
    assert!(
        has_label_containing(&h, "orderId: \"123\""),
        "decoded Python envelope"
    );
}

#[test]
fn the_first_invocation_is_a_fresh_start_with_no_switch_rows() {
    // The first invocation's input holds only the EXECUTION operation
    // (docs/formats.md §3): nothing to replay, so no context has a switch
    // from replay to execution (issue 12).
    let app = app_with(&fixture("python-sdk/fanout.history.json"));
    let mut h = harness(app);
    assert_eq!(h.state().invocation, Some(0));
    assert!(has_label_containing(&h, "fresh start — nothing to replay"));
    assert!(has_label_containing(&h, "↺ replayed 0"));
    assert!(
        !has_label_containing(&h, "replay | execution"),
        "no switch row or header in a fresh start"
    );
    // The second invocation replays, and says where it switched.
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(3);
    assert!(has_label_containing(&h, "replay | execution at position"));
    assert!(!has_label_containing(&h, "fresh start — nothing to replay"));
}

#[test]
fn invocation_two_of_order_flow_switches_at_position_four() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    assert_eq!(h.state().invocation, Some(0));
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(3);
    assert_eq!(h.state().invocation, Some(1));
    assert!(has_label_containing(&h, "Invocation 2 of 2"));
    assert!(
        has_label_containing(&h, "replay | execution at position 4 'send-notification'"),
        "scrubber states the switch"
    );
    // The marker row in the table sits at position 4 of the root context.
    assert!(
        h.query_by_label("position 4").is_some(),
        "switch marker row"
    );
    assert!(has_label_containing(&h, "↺ replayed 3"));
    assert!(has_label_containing(&h, "succeeded"));
    // And back with [.
    h.key_press(egui::Key::OpenBracket);
    h.run_steps(3);
    assert_eq!(h.state().invocation, Some(0));
    assert!(has_label_containing(&h, "pending on wait 'cool-off'"));
}

#[test]
fn arrow_keys_move_the_selection_through_operations() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    h.key_press(egui::Key::ArrowDown);
    h.run_steps(2);
    h.key_press(egui::Key::ArrowDown);
    h.run_steps(2);
    let sel = h.state().selected.expect("selected");
    assert_eq!(
        h.state().doc.as_ref().unwrap().ops()[sel].display_name(),
        "process-payment"
    );
    h.key_press(egui::Key::ArrowUp);
    h.run_steps(2);
    let sel = h.state().selected.expect("selected");
    assert_eq!(
        h.state().doc.as_ref().unwrap().ops()[sel].display_name(),
        "create-order"
    );
}

#[test]
fn filter_keeps_only_matching_operations() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    h.state_mut().filter = "wait".into();
    h.run_steps(3);
    assert!(h.query_by_label("cool-off").is_some());
    assert!(h.query_by_label("create-order").is_none());
    // An id, as an SDK error quotes it (process-payment's, upper case).
    h.state_mut().filter = "C81E728D".into();
    h.run_steps(3);
    assert!(h.query_by_label("process-payment").is_some());
    assert!(h.query_by_label("cool-off").is_none());
}

#[test]
fn nondeterministic_execution_opens_on_its_diagnosis() {
    let app = app_with(&fixture("python-sdk/nondeterministic.history.json"));
    let h = harness(app);
    assert!(
        has_label_containing(&h, "Non-deterministic execution"),
        "banner"
    );
    assert!(
        has_label_containing(&h, "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2"),
        "plain diagnosis"
    );
    assert!(
        has_label_containing(&h, "Non-deterministic operation identity"),
        "the SDK's own text"
    );
    // The offending position is selected in both views.
    let sel = h.state().selected.expect("offending op selected");
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.position_label(sel), "2");
}

#[test]
fn diff_of_two_invocations_states_the_violation() {
    let app = app_with(&fixture("python-sdk/nondeterministic.history.json"));
    let mut h = harness(app);
    h.get_by_label("Diff").click();
    h.run_steps(4);
    assert_eq!(h.state().view, View::Diff);
    assert!(
        has_label_containing(&h, "✖ Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"),
        "violation message"
    );
    assert_eq!(
        h.state().diff.selected_row,
        h.state().diff.report.first_violation_row
    );
}

#[test]
fn diff_of_consistent_invocations_says_so() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    h.get_by_label("Diff").click();
    h.run_steps(4);
    assert!(has_label_containing(&h, "✔ Consistent"));
}

#[test]
fn store_database_opens_the_execution_picker() {
    let mut app = App::new(Persisted::default());
    app.open_blocking(fixture("python-sdk/emulator-store.db"))
        .expect("store opens");
    let mut h = harness(app);
    if !h.state().show_picker {
        // A store with one execution opens it directly.
        assert!(h.state().doc.is_some());
        return;
    }
    assert!(has_label_containing(&h, "Executions"));
    let rows = h.state().picker.as_ref().unwrap().rows.len();
    assert!(rows > 1);
    // Filter by status narrows the list.
    let first_status = h.state().picker.as_ref().unwrap().rows[0].status.clone();
    h.state_mut().picker.as_mut().unwrap().status = first_status.clone();
    h.run_steps(2);
    let vis = h.state_mut().picker.as_mut().unwrap().visible().len();
    assert!(vis >= 1 && vis <= rows);
    // Picking a row opens that execution (through a background job).
    let arn = h.state().picker.as_ref().unwrap().rows[0].arn.clone();
    let name = h.state().picker.as_ref().unwrap().rows[0].name.clone();
    h.state_mut().picker.as_mut().unwrap().filter = name.clone();
    h.run_steps(2);
    h.get_all_by_label(&name).next().expect("row").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("execution loads");
    h.run_steps(2);
    assert!(!h.state().show_picker);
    assert_eq!(
        h.state().doc.as_ref().unwrap().arn.as_deref(),
        Some(arn.as_str())
    );
}

#[test]
fn reload_keeps_the_selection() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    h.get_by_label("cool-off").click();
    h.run_steps(2);
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(2);
    h.key_press(egui::Key::F5);
    h.run_steps(2);
    h.state_mut().finish_job_blocking().expect("reload");
    h.run_steps(2);
    let sel = h.state().selected.expect("selection kept");
    assert_eq!(
        h.state().doc.as_ref().unwrap().ops()[sel].display_name(),
        "cool-off"
    );
    assert_eq!(h.state().invocation, Some(1));
}

/// The first context in the tree: its operation, its first child, that
/// child's name and whether the child is a context too.
fn first_context(h: &Harness<'static, App>) -> (usize, usize, String, bool) {
    let d = h.state().doc.as_ref().unwrap();
    let row = d
        .tree
        .iter()
        .position(|t| t.has_children)
        .expect("a context");
    let child = d.tree[row + 1].op;
    let name = d.ops()[child].display_name().to_string();
    (d.tree[row].op, child, name, d.tree[row + 1].has_children)
}

#[test]
fn reload_keeps_closed_contexts_closed() {
    let mut h = harness(app_with(&fixture("python-sdk/fanout.history.json")));
    let (ctx, _, child_name, _) = first_context(&h);
    h.state_mut().table.toggle(ctx);
    h.run_steps(2);
    assert!(h.query_by_label(&child_name).is_none());
    h.key_press(egui::Key::F5);
    h.run_steps(2);
    h.state_mut().finish_job_blocking().expect("reload");
    h.run_steps(2);
    assert!(h.state().table.collapsed.contains(&ctx), "still closed");
    assert!(h.query_by_label(&child_name).is_none());
}

#[test]
fn a_missing_file_reports_an_error_instead_of_crashing() {
    let mut app = App::new(Persisted::default());
    let err = app
        .open_blocking(PathBuf::from("/nonexistent/history.json"))
        .unwrap_err();
    assert!(err.contains("/nonexistent/history.json"), "{err}");
    let h = harness(app);
    assert!(has_label_containing(&h, "/nonexistent/history.json"));
}

#[test]
fn a_load_error_names_the_path_once() {
    let path = "/nonexistent/history.json";
    let mut app = App::new(Persisted::default());
    let err = app.open_blocking(PathBuf::from(path)).unwrap_err();
    assert_eq!(err.matches(path).count(), 1, "{err}");
    // And the OS reason once (std's own text for opening it).
    let os = std::fs::File::open(path).unwrap_err().to_string();
    assert_eq!(err.matches(&os).count(), 1, "{err}");
}

#[test]
fn theme_toggle_switches_to_light() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    assert!(h.state().persisted.dark);
    h.get_by_label("☀ Light").click();
    h.run_steps(3);
    assert!(!h.state().persisted.dark);
    assert!(!h.ctx.style().visuals.dark_mode);
}

#[test]
fn ctrl_o_without_a_dialog_backend_offers_the_path_field() {
    // As with no desktop session: the dialog cannot be shown.
    let mut app = app_with(&fixture("js-sdk/order-flow.history.json"));
    app.set_dialogs(Dialogs::PathField);
    let mut h = harness(app);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    h.run_steps(2);
    assert!(h.state().dialog_note.is_some(), "the dialog was not tried");
    assert!(
        has_label_containing(&h, "No native file dialog"),
        "fallback note shown"
    );
    // The typed path opens the file.
    h.state_mut().path_field = fixture("python-sdk/retries.history.json")
        .display()
        .to_string();
    h.run_steps(1);
    h.get_by_label("Open").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("typed path opens");
    h.run_steps(2);
    assert!(h.query_by_label("charge-card").is_some());
}

#[test]
fn dropping_a_file_opens_it_and_remembers_it() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    let dropped = fixture("python-sdk/fanout.history.json");
    h.input_mut().dropped_files.push(egui::DroppedFile {
        path: Some(dropped.clone()),
        ..Default::default()
    });
    h.run_steps(1);
    h.state_mut()
        .finish_job_blocking()
        .expect("dropped file opens");
    h.run_steps(2);
    assert!(h.query_all_by_label("process-items").next().is_some());
    assert_eq!(
        h.state().persisted.recent.first(),
        Some(&dropped),
        "most recent first"
    );
    assert!(h
        .state()
        .persisted
        .recent
        .contains(&fixture("js-sdk/order-flow.history.json")));
}

#[test]
fn time_view_marks_the_switch_of_invocation_two_at_send_notification() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let doc = app.doc.as_ref().expect("doc");
    let root = &doc.timeline.lanes[0];
    let m = root
        .markers
        .iter()
        .find(|m| m.invocation == 1)
        .expect("marker for invocation 2");
    assert_eq!(m.position, 4);
    assert_eq!(doc.ops()[m.op].display_name(), "send-notification");
    let (lane, span) = doc.timeline.span_of_op[m.op].expect("span");
    assert_eq!(
        doc.timeline.lanes[lane].spans[span].start, m.t,
        "marker sits at the op's start"
    );
}

#[test]
fn selecting_in_the_time_view_reveals_the_row_in_the_table() {
    let app = app_with(&fixture("python-sdk/fanout.history.json"));
    let mut h = harness(app);
    let doc = h.state().doc.as_ref().unwrap();
    let op = doc
        .ops()
        .iter()
        .position(|o| o.display_name() == "square-3")
        .unwrap();
    // Collapse the map first: the time view must expand it to show the row.
    let map = doc
        .ops()
        .iter()
        .position(|o| o.display_name() == "process-items")
        .unwrap();
    h.state_mut().table.toggle(map);
    h.run_steps(2);
    assert!(
        h.query_all_by_label("square-3").next().is_none(),
        "collapsed"
    );
    h.state_mut()
        .apply_intent_for_test(durable_lens::ui::Intent::Select {
            op,
            from_timeline: true,
        });
    h.run_steps(3);
    assert_eq!(h.state().selected, Some(op));
    // Two labels now: the table row and the inspector heading.
    assert_eq!(
        h.query_all_by_label("square-3").count(),
        2,
        "expanded and shown"
    );
}

/// Open one execution of the emulator store through its picker.
fn store_execution(name: &str) -> Harness<'static, App> {
    let mut app = App::new(Persisted::default());
    app.open_blocking(fixture("python-sdk/emulator-store.db"))
        .expect("store lists");
    let mut h = harness(app);
    assert!(h.state().show_picker, "the store holds several executions");
    h.get_by_label(name).click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("execution loads");
    h.run_steps(2);
    h
}

/// Pick `label` in the execution combo now showing `current`.
fn pick_execution(h: &mut Harness<'static, App>, current: &str, label: &str) {
    h.get_by_value(current).click();
    h.run_steps(2);
    h.get_all_by_label(label)
        .last()
        .unwrap_or_else(|| panic!("option {label}"))
        .click();
    h.run_steps(2);
    // Store executions load in the background; wait, then draw the result.
    h.state_mut().diff.finish_loads_blocking();
    h.run_steps(4);
}

#[test]
fn diff_of_two_store_executions_states_the_violation() {
    let mut h = store_execution("retries-1");
    h.get_by_label("Diff").click();
    h.run_steps(2);
    h.get_by_label("two executions").click();
    h.run_steps(2);
    assert!(
        !h.state().diff.allow_progress,
        "executions are compared strictly"
    );
    let labels = h.state().diff.execution_labels(
        h.state().doc.as_ref().unwrap(),
        durable_lens::ui::diff::Origin::This,
    );
    assert!(
        labels.iter().any(|l| l == "order_flow-1")
            && labels.iter().any(|l| l == "nondeterministic-1"),
        "{labels:?}"
    );
    pick_execution(&mut h, "left: retries-1", "order_flow-1");
    // The right side starts on the execution after the left's first pick.
    let right = h.state().diff.right_exec.expect("right side picked");
    let right_label = format!("right: {}", labels[right]);
    pick_execution(&mut h, &right_label, "nondeterministic-1");
    assert!(
        has_label_containing(
            &h,
            "Replay consistency violation: Expected operation 'cool-off' of type WAIT at position 3, but found operation 'settle' of type WAIT"
        ),
        "violation message"
    );
    assert!(
        h.query_by_value("left: order_flow-1").is_some(),
        "left combo"
    );
    assert!(
        h.query_by_value("right: nondeterministic-1").is_some(),
        "right combo"
    );
}

#[test]
fn diff_against_a_store_picks_the_other_execution() {
    let app = app_with(&fixture("python-sdk/order-flow.history.json"));
    let mut h = harness(app);
    h.get_by_label("Diff").click();
    h.run_steps(2);
    h.get_by_label("another file").click();
    h.run_steps(2);
    h.state_mut().diff.other_path = fixture("python-sdk/emulator-store.db")
        .display()
        .to_string();
    h.run_steps(1);
    h.get_by_label("Load").click();
    h.run_steps(2);
    h.state_mut().finish_job_blocking().expect("store lists");
    h.run_steps(2);
    h.state_mut().diff.finish_loads_blocking();
    h.run_steps(4);
    // The first execution of the store is picked at first: the same handler.
    assert!(
        h.query_by_value("right: order_flow-1").is_some(),
        "right combo"
    );
    assert!(
        has_label_containing(&h, "✔ Consistent"),
        "same handler, same operations"
    );
    pick_execution(&mut h, "right: order_flow-1", "nondeterministic-1");
    assert!(has_label_containing(
        &h,
        "Replay consistency violation: Expected operation 'cool-off' of type WAIT at position 3, but found operation 'settle' of type WAIT"
    ));
}

#[test]
fn diff_of_two_executions_held_in_memory() {
    // A history loaded whole (an export of several executions): no store
    // loads, the other execution is analysed when picked.
    let history =
        durable_lens::load::load_path(&fixture("python-sdk/emulator-store.db")).expect("loads");
    let names: Vec<String> = history.executions.iter().map(|e| e.label()).collect();
    let left = names
        .iter()
        .position(|n| n == "order_flow-1")
        .expect("order_flow-1");
    let right = names
        .iter()
        .position(|n| n == "nondeterministic-1")
        .expect("nondeterministic-1");
    let mut app = App::new(Persisted::default());
    app.set_doc(durable_lens::ui::Doc::build(history, left, None, None));
    app.view = View::Diff;
    app.diff.set_executions(left, right);
    let h = harness(app);
    assert!(
        h.query_by_value("right: nondeterministic-1").is_some(),
        "right combo"
    );
    assert!(has_label_containing(
        &h,
        "Replay consistency violation: Expected operation 'cool-off' of type WAIT at position 3, but found operation 'settle' of type WAIT"
    ));
    assert!(!h.state().diff.is_loading());
}

/// Press at `from`, move by `by`, release: a mouse drag.
fn drag(h: &mut Harness<'static, App>, from: egui::Pos2, by: egui::Vec2) {
    let button = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.input_mut().events.push(egui::Event::PointerMoved(from));
    h.run_steps(1);
    h.input_mut().events.push(button(from, true));
    h.run_steps(1);
    for i in 1..=4 {
        h.input_mut()
            .events
            .push(egui::Event::PointerMoved(from + by * (i as f32 / 4.0)));
        h.run_steps(1);
    }
    h.input_mut().events.push(button(from + by, false));
    h.run_steps(2);
}

#[test]
fn time_view_lanes_that_do_not_fit_get_a_scrollbar() {
    // Every lane fits at the default height: no scrollbar.
    let h = harness(app_with(&fixture("python-sdk/fanout.history.json")));
    assert!(h.state().timeline.scrollbar_rect().is_none());

    let mut app = app_with(&fixture("python-sdk/fanout.history.json"));
    app.persisted.timeline_height = 110.0;
    let mut h = harness(app);
    let track = h
        .state()
        .timeline
        .scrollbar_rect()
        .expect("scrollbar when lanes overflow");
    assert!(
        h.query_by_label("scroll lanes").is_some(),
        "the scrollbar is a widget"
    );
    assert_eq!(h.state().timeline.scroll_y, 0.0);
    // Drag the handle (at the top of the track) down to the end.
    drag(
        &mut h,
        track.center_top() + egui::vec2(0.0, 5.0),
        egui::vec2(0.0, track.height()),
    );
    let lanes = h.state().doc.as_ref().unwrap().timeline.lanes.len() as f32;
    let bottom = h.state().timeline.scroll_y;
    assert!(bottom > 0.0, "dragged down");
    assert!(bottom <= lanes * 22.0, "never past the last lane");
    // A click on the track above the handle pages back up.
    click_at(&mut h, track.center_top() + egui::vec2(0.0, 1.0));
    assert!(
        h.state().timeline.scroll_y < bottom,
        "paged up: {} {bottom} {track:?}",
        h.state().timeline.scroll_y
    );
    // Revealing an operation in a hidden lane scrolls to it.
    h.state_mut().timeline.scroll_y = 0.0;
    let doc = h.state().doc.as_ref().unwrap();
    let op = doc
        .ops()
        .iter()
        .position(|o| o.display_name() == "child-b")
        .unwrap();
    h.state_mut()
        .apply_intent_for_test(durable_lens::ui::Intent::Select {
            op,
            from_timeline: false,
        });
    h.run_steps(2);
    assert!(
        h.state().timeline.scroll_y > 0.0,
        "scrolled to the sub-workflow lane"
    );
}

#[test]
fn f1_lists_the_keyboard_shortcuts_and_esc_closes_them() {
    let mut h = harness(app_with(&fixture("js-sdk/order-flow.history.json")));
    assert!(!has_label_containing(&h, "Keyboard shortcuts"));
    h.key_press(egui::Key::F1);
    h.run_steps(2);
    assert!(has_label_containing(&h, "Keyboard shortcuts"));
    assert!(has_label_containing(&h, "Export the open history"));
    assert!(has_label_containing(&h, "Previous / next invocation"));
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(!h.state().show_help);
    assert!(!has_label_containing(&h, "Previous / next invocation"));
    // The toolbar button opens it too.
    h.get_by_label("⌨").click();
    h.run_steps(2);
    assert!(has_label_containing(&h, "Previous / next invocation"));
}

/// Step the app until the export finished (its outcome is set).
fn wait_for_export(h: &mut Harness<'static, App>) {
    for _ in 0..200 {
        h.run_steps(1);
        if h.state().export.outcome.is_some() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the export did not finish");
}

#[test]
fn ctrl_s_exports_the_open_history_as_a_document_that_loads_back() {
    // As with no desktop session: the typed-path field is offered.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("retries.history.json");
    std::fs::copy(fixture("python-sdk/retries.history.json"), &source).unwrap();
    let mut app = app_with(&source);
    app.set_dialogs(Dialogs::PathField);
    let mut h = harness(app);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(2);
    let suggested = h.state().export.field.clone().expect("export path field");
    assert_eq!(
        PathBuf::from(&suggested),
        dir.path().join("retries.lens.json"),
        "suggested next to the source"
    );
    h.run_steps(1);
    h.get_by_label("Export").click();
    wait_for_export(&mut h);
    h.run_steps(2);
    let out = dir.path().join("retries.lens.json");
    assert_eq!(h.state().export.outcome.clone(), Some(Ok(out.clone())));
    assert!(has_label_containing(&h, "exported to"));
    let back = durable_lens::load::load_path(&out).expect("the export loads");
    // The document keeps everything; it names itself and keeps where the
    // history came from as its origin.
    let open = &h.state().doc.as_ref().unwrap().history;
    assert_eq!(back.source, out.display().to_string());
    assert_eq!(back.origin.as_deref(), Some(open.source.as_str()));
    let expected = durable_lens::model::History {
        source: back.source.clone(),
        origin: back.origin.clone(),
        ..(**open).clone()
    };
    assert_eq!(back, expected);
    assert!(!back.executions[0].operations.is_empty());
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["retries.history.json", "retries.lens.json"],
        "no temporary file left"
    );

    // Exporting over the open history itself is refused, also through a
    // hard link (the core's same-file check); it stays as it was.
    let before = std::fs::read(&source).unwrap();
    let hard = dir.path().join("hard.json");
    std::fs::hard_link(&source, &hard).unwrap();
    for to in [&source, &hard] {
        h.state_mut().export.field = Some(to.display().to_string());
        h.run_steps(1);
        h.get_by_label("Export").click();
        h.run_steps(2);
        let Some(Err(why)) = h.state().export.outcome.clone() else {
            panic!("exporting over the source was not refused");
        };
        assert!(why.contains("same file"), "{why}");
        assert!(has_label_containing(&h, "same file"));
        assert_eq!(std::fs::read(&source).unwrap(), before);
    }
}

/// The texts the last frame put on the clipboard.
fn copied_texts(h: &Harness<'static, App>) -> Vec<String> {
    h.output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_diagnosis_can_be_copied_word_for_word() {
    let mut h = harness(app_with(&fixture(
        "python-sdk/nondeterministic.history.json",
    )));
    h.get_by_label("copy message").click();
    h.run_steps(1);
    let copied = copied_texts(&h);
    assert_eq!(copied.len(), 1, "{copied:?}");
    let text = &copied[0];
    assert!(
        text.starts_with("Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2"),
        "{text}"
    );
    assert!(
        text.contains("\nSDK said: ") && text.contains("Non-deterministic operation identity"),
        "{text}"
    );
}

#[test]
fn follow_reloads_a_file_that_grows_and_keeps_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order-flow.history.json");
    let full_text = std::fs::read_to_string(fixture("js-sdk/order-flow.history.json")).unwrap();
    let full: serde_json::Value = serde_json::from_str(&full_text).unwrap();
    let events = full["Events"].as_array().unwrap();
    // The history as it stood a few events in: the run is still going.
    let partial = serde_json::json!({ "Events": events[..5].to_vec() });
    std::fs::write(&path, serde_json::to_string_pretty(&partial).unwrap()).unwrap();
    let mut h = harness(app_with(&path));
    let count = |h: &Harness<'static, App>| h.state().doc.as_ref().unwrap().ops().len();
    let before = count(&h);
    let expected = durable_lens::load::load_path(&fixture("js-sdk/order-flow.history.json"))
        .unwrap()
        .executions[0]
        .operations
        .len();
    assert!(
        before < expected,
        "{before} of {expected} operations at first"
    );
    h.get_by_label("create-order").click();
    h.run_steps(2);
    // Watching the newest invocation...
    let last = h.state().doc.as_ref().unwrap().analysis.invocations.len() - 1;
    h.state_mut().set_invocation(Some(last));
    h.run_steps(2);
    h.get_by_label("👁 Follow").click();
    h.run_steps(2);
    assert!(h.state().follow.on);
    assert!(has_label_containing(&h, "following changes"));
    // The watcher thread looks at the file first; a change after that is
    // what it reports.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !h.state().follow.watching() {
        assert!(
            std::time::Instant::now() < deadline,
            "the watcher never looked"
        );
        std::thread::yield_now();
    }
    // (The grown file is longer, so the change shows even where times are coarse.)
    std::fs::write(&path, &full_text).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count(&h) != expected && std::time::Instant::now() < deadline {
        h.run_steps(1);
        h.state_mut().finish_job_blocking().ok();
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    h.run_steps(2);
    assert_eq!(count(&h), expected, "the grown file was reloaded");
    let doc = h.state().doc.as_ref().unwrap();
    let selected = h.state().selected.map(|i| doc.ops()[i].name.clone());
    assert_eq!(
        selected,
        Some(Some("create-order".to_string())),
        "selection kept"
    );
    assert!(has_label_containing(&h, "following: reloaded at"));
    // ...stays on the newest one as invocations are added.
    let now = h.state().doc.as_ref().unwrap().analysis.invocations.len();
    assert!(now > last + 1, "the grown history has more invocations");
    assert_eq!(h.state().invocation, Some(now - 1));

    // Turned off, a change is left alone.
    h.get_by_label("👁 Follow").click();
    h.run_steps(2);
    std::fs::write(&path, serde_json::to_string_pretty(&partial).unwrap()).unwrap();
    for _ in 0..50 {
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert_eq!(count(&h), expected);
}

#[test]
fn left_and_right_arrows_walk_the_operation_tree() {
    let mut h = harness(app_with(&fixture("python-sdk/fanout.history.json")));
    let (ctx, child, child_name, child_opens) = first_context(&h);
    h.state_mut().select(ctx);
    h.run_steps(2);
    assert!(h.query_by_label(&child_name).is_some());
    // ← on an open context collapses it; → opens it again.
    h.key_press(egui::Key::ArrowLeft);
    h.run_steps(2);
    assert!(h.state().table.collapsed.contains(&ctx));
    assert!(h.query_by_label(&child_name).is_none(), "children hidden");
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    assert!(!h.state().table.collapsed.contains(&ctx));
    assert_eq!(h.state().selected, Some(ctx));
    // → on an open context goes to its first child, ← back to the context.
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(2);
    assert_eq!(h.state().selected, Some(child));
    if child_opens {
        // A map iteration is a context too: the first ← closes it.
        h.key_press(egui::Key::ArrowLeft);
        h.run_steps(2);
        assert!(h.state().table.collapsed.contains(&child));
        assert_eq!(h.state().selected, Some(child));
    }
    h.key_press(egui::Key::ArrowLeft);
    h.run_steps(2);
    assert_eq!(h.state().selected, Some(ctx));
    // Shift+arrows still pan the time view, leaving the tree alone.
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowLeft);
    h.run_steps(2);
    assert_eq!(h.state().selected, Some(ctx));
    assert!(!h.state().table.collapsed.contains(&ctx));
}

#[test]
fn a_multi_megabyte_payload_is_shown_cut_and_copied_whole() {
    // create-order's result replaced by a 3 MB JSON string.
    let text = std::fs::read_to_string(fixture("js-sdk/order-flow.history.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let big = format!("\"{}\"", "x".repeat(3_000_000));
    let events = doc["Events"].as_array_mut().unwrap();
    let done = events
        .iter_mut()
        .find(|e| e["EventType"] == "StepSucceeded" && e["Name"] == "create-order")
        .unwrap();
    done["StepSucceededDetails"]["Result"]["Payload"] = serde_json::Value::String(big.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big-payload.history.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();

    let mut h = harness(app_with(&path));
    h.get_by_label("create-order").click();
    h.run_steps(3);
    assert!(has_label_containing(
        &h,
        "more bytes: copy raw for all of it"
    ));
    // No label holds the whole payload.
    let longest = h
        .query_all_by_label_contains("xxxx")
        .filter_map(|n| {
            let a = n.accesskit_node();
            a.label().or_else(|| a.value())
        })
        .map(|l| l.len())
        .max()
        .unwrap_or(0);
    assert!(
        longest > 1_000 && longest < 20_000,
        "longest label {longest}"
    );
    // Copy raw gives every byte.
    h.get_by_label("copy raw").click();
    h.run_steps(1);
    let copied: Vec<usize> = copied_texts(&h).iter().map(String::len).collect();
    assert_eq!(copied, [big.len()]);
}

#[test]
fn the_all_switches_toggle_in_the_time_view_shows_every_invocations_markers() {
    let app = app_with(&fixture("js-sdk/order-flow.history.json"));
    let mut h = harness(app);
    assert!(
        !h.state().timeline.all_markers,
        "the selected invocation's only, by default"
    );
    h.get_by_label("all switches").click();
    h.run_steps(2);
    assert!(h.state().timeline.all_markers);
}

#[test]
fn f_fits_the_selected_operation_and_home_fits_everything() {
    let app = app_with(&fixture("python-sdk/fanout.history.json"));
    let mut h = harness(app);
    let fit = h.state().timeline.secs_per_px;
    h.get_by_label("square-3").click();
    h.run_steps(2);
    h.key_press(egui::Key::F);
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    let op = doc
        .ops()
        .iter()
        .position(|o| o.display_name() == "square-3")
        .unwrap();
    let (li, si) = doc.timeline.span_of_op[op].unwrap();
    let s = doc.timeline.lanes[li].spans[si].clone();
    let v = h.state().timeline.viewport();
    assert!(
        v.secs_per_px < fit / 10.0,
        "zoomed in: {} vs {fit}",
        v.secs_per_px
    );
    assert!(
        v.t_start <= s.start && s.end <= v.t_end(),
        "the span is in view"
    );
    h.key_press(egui::Key::Home);
    h.run_steps(2);
    let home = h.state().timeline.secs_per_px;
    assert!((home - fit).abs() < fit * 1e-3, "home {home} vs fit {fit}");
}

/// The time view's plot: its left edge and the band header row's middle,
/// from the "all switches" toggle (left of the band headers, `LABEL_W` wide).
fn band_row(h: &Harness<'static, App>) -> (f32, f32) {
    let r = h.get_by_label("all switches").rect();
    (
        r.left() - 2.0 + durable_lens::timeline::draw::LABEL_W,
        r.center().y,
    )
}

#[test]
fn c_and_the_axis_switch_change_the_time_axis_and_the_choice_is_kept() {
    use durable_lens::timeline::AxisKind;
    let file = fixture("python-sdk/order-flow.history.json");
    let mut h = harness(app_with(&file));
    let axis = |h: &Harness<'static, App>| h.state().doc.as_ref().unwrap().timeline.axis.kind;
    // Minutes of waiting, milliseconds of work: compressed by default.
    assert_eq!(axis(&h), AxisKind::Compressed);
    assert_eq!(h.state().persisted.axis, None);
    h.key_press(egui::Key::C);
    h.run_steps(2);
    assert_eq!(axis(&h), AxisKind::Real);
    assert_eq!(h.state().persisted.axis, Some(AxisKind::Real));
    h.get_by_label("⏱ real").click();
    h.run_steps(2);
    assert_eq!(axis(&h), AxisKind::Compressed);
    h.key_press(egui::Key::C);
    h.run_steps(2);
    // A restart with what was persisted opens on the real axis.
    let mut app = App::new(h.state().persisted.clone());
    app.open_blocking(file).unwrap();
    assert_eq!(app.doc.as_ref().unwrap().timeline.axis.kind, AxisKind::Real);
}

#[test]
fn brackets_zoom_to_the_invocations_band_and_a_click_on_a_band_selects_it() {
    let mut h = harness(app_with(&fixture("python-sdk/order-flow.history.json")));
    assert_eq!(h.state().invocation, Some(0));
    h.key_press(egui::Key::CloseBracket);
    h.run_steps(2);
    assert_eq!(h.state().invocation, Some(1));
    let band = |h: &Harness<'static, App>, k: usize| {
        h.state().doc.as_ref().unwrap().timeline.bands[k]
            .clone()
            .unwrap()
    };
    let v = h.state().timeline.viewport();
    let b = band(&h, 1);
    let (x0, x1) = (v.x_of(b.start), v.x_of(b.end));
    assert!(
        x0 >= 0.0 && x1 <= v.width && x1 - x0 > 0.9 * v.width,
        "band 2 fills the view: {x0}..{x1} of {}",
        v.width
    );
    h.key_press(egui::Key::OpenBracket);
    h.run_steps(2);
    assert_eq!(h.state().invocation, Some(0));
    let v = h.state().timeline.viewport();
    let b = band(&h, 0);
    assert!(v.x_of(b.end) - v.x_of(b.start) > 0.9 * v.width);
    // Home shows both; a click on invocation 2's header selects it.
    h.key_press(egui::Key::Home);
    h.run_steps(2);
    let v = h.state().timeline.viewport();
    let b = band(&h, 1);
    let (left, y) = band_row(&h);
    click_at(
        &mut h,
        egui::pos2(left + (v.x_of(b.start) + v.x_of(b.end)) / 2.0, y),
    );
    assert_eq!(h.state().invocation, Some(1));
}

/// Select an operation by its row label (the table row is the first match).
fn select_row(h: &mut Harness<'static, App>, label: &str) {
    h.get_all_by_label(label).next().unwrap().click();
    h.run_steps(2);
}

#[test]
fn the_invocation_control_says_all_invocations_not_none() {
    let mut h = harness(app_with(&fixture("js-sdk/order-flow.history.json")));
    assert!(h.query_by_label("none").is_none());
    h.state_mut().set_invocation(Some(0));
    h.run_steps(2);
    h.get_by_label("all invocations").click();
    h.run_steps(2);
    assert_eq!(h.state().invocation, None);
    let n = h.state().doc.as_ref().unwrap().analysis.invocations.len();
    assert!(has_label_containing(&h, &format!("All {n} invocations")));
}

#[test]
fn a_wait_shows_its_scheduled_duration_and_when_it_fired() {
    let path = fixture("js-sdk/order-flow.history.json");
    let events: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // The file's own wait: its Duration (seconds) and that it succeeded.
    let started = events["Events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["EventType"] == "WaitStarted")
        .unwrap();
    let name = started["Name"].as_str().unwrap().to_string();
    let secs = started["WaitStartedDetails"]["Duration"].as_u64().unwrap();
    assert_eq!(secs % 60, 0, "a whole number of minutes in this fixture");
    let mut h = harness(app_with(&path));
    select_row(&mut h, &name);
    assert!(
        has_label_containing(&h, &format!("A wait of {}m 00s; fired at +", secs / 60)),
        "wait note"
    );
    assert!(!has_label_containing(&h, "No result recorded"));
    // The JS runner skips time: the wait fired long before it was due
    // (its WaitSucceeded event precedes the ScheduledEndTimestamp).
    let succeeded = events["Events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["EventType"] == "WaitSucceeded")
        .unwrap();
    let (fired, due) = (
        succeeded["EventTimestamp"].as_str().unwrap(),
        started["WaitStartedDetails"]["ScheduledEndTimestamp"]
            .as_str()
            .unwrap(),
    );
    assert!(
        fired < due,
        "{fired} < {due}: ISO times of one zone sort as text"
    );
    assert!(has_label_containing(&h, "did not really elapse"));
}

#[test]
fn the_js_sdks_unnamed_callback_and_submitter_are_named_after_their_parent() {
    let path = fixture("js-sdk-cases/callback-flow.operations.json");
    let ops: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ops = ops.as_array().unwrap();
    // The parent: the WaitForCallback context the unnamed ones sit in.
    let parent = ops
        .iter()
        .find(|o| o["SubType"] == "WaitForCallback")
        .unwrap();
    let unnamed: Vec<&serde_json::Value> = ops
        .iter()
        .filter(|o| o["ParentId"] == parent["Id"] && o["Name"].is_null())
        .collect();
    assert_eq!(unnamed.len(), 2, "callback and submitter are unnamed");
    let pname = parent["Name"].as_str().unwrap();
    let h = harness(app_with(&path));
    for role in ["callback", "submitter"] {
        let label = format!("{pname} › {role}");
        assert!(
            h.query_all_by_label(&label).next().is_some(),
            "{label} in the table"
        );
    }
    for o in unnamed {
        let id = o["Id"].as_str().unwrap();
        assert!(
            h.query_all_by_label(id).next().is_none(),
            "{id} shown as a hex id"
        );
    }
}

#[test]
fn one_warning_is_singular_and_its_tooltip_names_the_operation() {
    // An event for a known Id with another operation type: the loader warns
    // about that operation, once.
    let text = std::fs::read_to_string(fixture("js-sdk/order-flow.history.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let events = doc["Events"].as_array_mut().unwrap();
    let mut odd = events
        .iter()
        .find(|e| e["EventType"] == "StepSucceeded" && e["Name"] == "create-order")
        .unwrap()
        .clone();
    odd["EventType"] = "WaitSucceeded".into();
    let n = events.len();
    odd["EventId"] = (n as u64 + 1).into();
    events.push(odd);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("odd.history.json");
    std::fs::write(&p, serde_json::to_string(&doc).unwrap()).unwrap();
    let h = harness(app_with(&p));
    let d = h.state().doc.as_ref().unwrap();
    assert_eq!(d.history.warnings.len(), 1, "{:?}", d.history.warnings);
    assert!(has_label_containing(&h, "⚠ 1 warning"));
    assert!(!has_label_containing(&h, "1 warnings"));
    assert!(
        d.warnings_hover.contains("about: create-order"),
        "{}",
        d.warnings_hover
    );
}

#[test]
fn the_filter_counts_matches_keeps_their_contexts_and_dims_the_time_view() {
    let path = fixture("python-sdk/fanout.history.json");
    let mut h = harness(app_with(&path));
    let d = h.state().doc.as_ref().unwrap();
    // An operation inside a context, found by its name.
    let (child, parent) = d
        .ops()
        .iter()
        .enumerate()
        .find_map(|(i, o)| {
            let p = o.parent_id.as_ref()?;
            let parent = d.ops().iter().position(|x| &x.id == p)?;
            (o.name.is_some() && d.ops()[parent].parent_id.is_none()).then_some((i, parent))
        })
        .unwrap();
    let needle = d.ops()[child].name.clone().unwrap();
    let expected = d
        .ops()
        .iter()
        .filter(|o| {
            o.name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().contains(&needle.to_lowercase()))
                || o.id.contains(&needle)
        })
        .count();
    let parent_name = d.ops()[parent].name.clone().unwrap();
    h.state_mut().filter = needle.clone();
    h.run_steps(3);
    let noun = if expected == 1 { "match" } else { "matches" };
    assert!(has_label_containing(&h, &format!("{expected} {noun}")));
    assert!(
        h.query_all_by_label(&parent_name).next().is_some(),
        "the match's context '{parent_name}' stays in view"
    );
    let dim = h
        .state()
        .timeline
        .dim
        .clone()
        .expect("the time view knows the filter");
    assert!(dim[child] && !dim[parent], "only matches are undimmed");
    h.state_mut().filter.clear();
    h.run_steps(2);
    assert!(h.state().timeline.dim.is_none());
}

#[test]
fn attempts_say_their_invocation_and_that_the_runner_skipped_the_backoff() {
    let path = fixture("js-sdk-cases/retries.history.json");
    let events: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // The file's own first retry: scheduled for later than the next attempt
    // started (the local runner skipped the time).
    let ev = events["Events"].as_array().unwrap();
    let failed = ev.iter().find(|e| e["EventType"] == "StepFailed").unwrap();
    let name = failed["Name"].as_str().unwrap().to_string();
    let mut h = harness(app_with(&path));
    select_row(&mut h, &name);
    assert!(has_label_containing(&h, "in invocation 1"));
    assert!(has_label_containing(&h, "in invocation 2"));
    assert!(has_label_containing(&h, "did not really elapse"));
}

#[test]
fn samples_leave_out_the_invocation_list_and_recent_keeps_only_what_opened() {
    let samples = durable_lens::ui::samples();
    assert!(!samples.is_empty());
    assert!(samples
        .iter()
        .all(|p| !p.to_string_lossy().ends_with(".invocations.json")));
    let mut app = App::new(Persisted::default());
    let bad = fixture("js-sdk/order-flow.invocations.json");
    assert!(app.open_blocking(bad.clone()).is_err(), "fails by design");
    assert!(
        app.persisted.recent.is_empty(),
        "{:?}",
        app.persisted.recent
    );
    let good = fixture("js-sdk/order-flow.history.json");
    app.open_blocking(good.clone()).unwrap();
    assert_eq!(app.persisted.recent, vec![good]);
}

#[test]
fn a_first_run_opens_the_sample_and_later_runs_the_start_panel() {
    use durable_lens::ui::app::start_path;
    let first = Persisted::default();
    assert_eq!(start_path(None, &first), durable_lens::ui::default_sample());
    assert!(start_path(None, &first).is_some());
    let mut later = Persisted::default();
    later.recent.push(fixture("js-sdk/order-flow.history.json"));
    assert_eq!(start_path(None, &later), None);
    let given = fixture("python-sdk/order-flow.history.json");
    assert_eq!(start_path(Some(given.clone()), &later), Some(given));
}

#[test]
fn the_sqlite_picker_counts_operations_and_flags_non_determinism() {
    let db = fixture("python-sdk/emulator-store.db");
    let h = harness(app_with(&db));
    assert!(h.state().show_picker);
    // What each execution really holds, by loading it.
    let list = durable_lens::load::list_store_detailed_with(&db, &Default::default()).unwrap();
    for s in &list {
        let arn = &s.arn;
        let n = durable_lens::load::load_store_execution(&db, arn)
            .unwrap()
            .executions[0]
            .operations
            .len();
        assert_eq!(s.operation_count, Some(n), "{arn}");
    }
    assert!(h.query_by_label("—").is_none(), "no unknown counts");
    let flagged = h.query_all_by_label("non-deterministic").count();
    let truth = list
        .iter()
        .filter(|s| {
            let h = durable_lens::load::load_store_execution(&db, &s.arn).unwrap();
            h.executions[0]
                .error
                .as_ref()
                .and_then(|e| e.message.as_deref())
                .is_some_and(|m| m.contains("Non-deterministic"))
        })
        .count();
    assert_eq!(flagged, truth);
    assert!(truth > 0);
}

#[test]
fn the_diff_view_names_a_removed_operation_and_shows_failed_sides() {
    let mut h = harness(app_with(&fixture(
        "python-sdk-cases/removed-operation.history.json",
    )));
    h.get_by_label("Diff").click();
    h.run_steps(4);
    assert!(has_label_containing(
        &h,
        "'audit-log' was removed; the code goes on with 'settle'"
    ));
    assert!(h.query_all_by_label("✖ removed").next().is_some());
    assert!(has_label_containing(&h, "right: failed: "));

    // Two records of one failed run: consistent, and both failures shown.
    let mut h = harness(app_with(&fixture(
        "python-sdk-cases/exhausted.history.json",
    )));
    h.get_by_label("Diff").click();
    h.run_steps(2);
    h.get_by_label("another file").click();
    h.run_steps(2);
    h.state_mut().diff.other_path = fixture("python-sdk-cases/exhausted.store.json")
        .display()
        .to_string();
    h.run_steps(1);
    h.get_by_label("Load").click();
    h.run_steps(2);
    h.state_mut().finish_job_blocking().unwrap();
    h.run_steps(4);
    assert!(has_label_containing(&h, "✔ Consistent"));
    assert!(has_label_containing(&h, "but both sides failed"));
    assert_eq!(
        h.query_all_by_label_contains("card declined (attempt 2)")
            .count(),
        2
    );
}

/// WCAG 2 relative luminance and contrast ratio (from the definition, not
/// from the app).
fn contrast(a: egui::Color32, b: egui::Color32) -> f64 {
    let lum = |c: egui::Color32| {
        let ch = |v: u8| {
            let s = v as f64 / 255.0;
            if s <= 0.03928 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c.r()) + 0.7152 * ch(c.g()) + 0.0722 * ch(c.b())
    };
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn replayed_rows_meet_wcag_aa_contrast_in_both_themes() {
    use durable_lens::model::OpStatus;
    use durable_lens::ui::style;
    for v in [egui::Visuals::light(), egui::Visuals::dark()] {
        let text = style::muted(&v);
        assert_eq!(text.a(), 255, "opaque");
        // A stripe is drawn over the panel: premultiplied "over" blending.
        let over = |top: egui::Color32, under: egui::Color32| {
            let k = 1.0 - top.a() as f32 / 255.0;
            let ch = |t: u8, u: u8| (t as f32 + u as f32 * k).round().min(255.0) as u8;
            egui::Color32::from_rgb(
                ch(top.r(), under.r()),
                ch(top.g(), under.g()),
                ch(top.b(), under.b()),
            )
        };
        for (what, bg) in [
            ("panel", v.panel_fill),
            ("stripe", over(v.faint_bg_color, v.panel_fill)),
            ("window", v.window_fill),
        ] {
            let r = contrast(text, bg);
            assert!(r >= 4.5, "dark={} muted on {what}: {r:.2}", v.dark_mode);
        }
        if !v.dark_mode {
            for s in [
                OpStatus::Succeeded,
                OpStatus::Failed,
                OpStatus::Started,
                OpStatus::Pending,
            ] {
                let c = style::muted_status(style::status_color(s, false), false);
                let r = contrast(c, v.panel_fill);
                assert!(r >= 4.5, "{s:?} on a muted row: {r:.2}");
            }
        }
    }
}
