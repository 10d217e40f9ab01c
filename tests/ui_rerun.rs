//! The re-run panel driven headless with egui_kittest on the real app: a
//! JS handler written with the official SDK, recorded with the SDK's own
//! local runner, linked in the panel and stepped through; a changed handler
//! shows the violation banner with the SDK's own text; a crashing handler
//! shows its error; the link comes back when the history is reopened.
#![cfg(feature = "gui")]

#[path = "common/rerun_panel.rs"]
mod panel;
#[path = "handlers/support.rs"]
mod support;

use durable_lens::ui::app::{Persisted, View};
use durable_lens::ui::rerun::{Phase, Preset};
use egui_kittest::kittest::Queryable;
use panel::*;
use std::time::{Duration, Instant};

#[test]
fn stepping_a_linked_js_handler_pauses_in_order_and_ends_without_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    assert!(has(&h, "Handler: not linked yet"));
    assert!(has(&h, "Not started. Link a handler"));
    link_node(&mut h, "");
    assert!(
        has(&h, "Linked. Step (F10) pauses"),
        "linked: the state line says how to start"
    );
    h.get_by_label("Step").click();
    wait_for(&mut h, "Paused at 'create-order'");
    assert!(has(&h, "replay | execution"), "the switch is marked");
    assert!(h.query_by_label("root").is_some(), "in the root context");
    assert!(has(&h, "Time view of this re-run"));
    h.key_press(egui::Key::F10);
    wait_for(&mut h, "Paused at 'process-payment'");
    assert_eq!(
        time_view_focus(&h).as_deref(),
        Some("process-payment"),
        "the time view highlights where the handler is held"
    );
    h.key_press(egui::Key::F10);
    wait_for(&mut h, "Paused at 'cool-off'");
    h.get_by_label("Back").click();
    wait_for(&mut h, "Paused at 'process-payment'");
    h.key_press(egui::Key::F10);
    wait_for(&mut h, "Paused at 'cool-off'");
    // The second invocation replays the first three, then executes `notify`.
    h.key_press(egui::Key::F10);
    wait_for(&mut h, "Paused at 'notify'");
    assert!(has(&h, "Invocation 2"), "second invocation header");
    assert!(has(&h, "↺ replayed"), "replayed operations are marked");
    h.key_press(egui::Key::F8);
    wait_for(&mut h, "no divergence");
    assert!(has(
        &h,
        "Finished: ✔ SUCCEEDED · 2 invocations · ✔ no divergence"
    ));
    assert!(h.state().rerun.live.error.is_none());
    assert_time_view_shows_the_run(&mut h, &history);
    // A row clicked in the table is picked in the time view too.
    h.query_all_by_label("process-payment")
        .next()
        .expect("a process-payment row")
        .click();
    h.run_steps(2);
    assert_eq!(
        h.state().rerun.trace.picked.as_deref(),
        h.state().rerun.live.picked.as_deref()
    );
    let picked = h
        .state()
        .rerun
        .trace
        .picked
        .clone()
        .expect("picked in the time view");
    let op = h
        .state()
        .rerun
        .trace
        .execution()
        .operations
        .iter()
        .find(|o| o.id == picked)
        .cloned();
    assert_eq!(op.and_then(|o| o.name).as_deref(), Some("process-payment"));

    // The link is in app storage; the file next to the history is only
    // offered, and written once the user says so.
    let sidecar = durable_lens::rerun::link::sidecar_path(&history);
    assert_eq!(h.state().persisted.rerun_links.len(), 1);
    assert!(
        !sidecar.exists(),
        "the link file was written without asking"
    );
    assert!(has(&h, "Also save this link next to the history"));
    h.get_by_label("Save link file").click();
    h.run_steps(2);
    assert!(sidecar.is_file(), "sidecar written once asked for");
    assert!(has(&h, "Link saved (app storage and"));
    assert!(!has(&h, "Also save this link next to the history"));

    // Save through the inline fallback (no dialog in a headless test).
    h.get_by_label("Save re-run…").click();
    h.run_steps(2);
    assert!(h.state().rerun.show_save_field, "no fallback path field");
    let out = dir.path().join("saved.rerun.json");
    h.state_mut().rerun.save_path = out.display().to_string();
    h.run_steps(2);
    h.get_by_label("Save").click();
    h.run_steps(2);
    assert!(has(&h, "Saved to"), "save confirmed");
    let saved = durable_lens::load::load_path(&out).expect("the saved re-run loads");
    let recorded = durable_lens::load::load_path(&history).unwrap();
    let names = |h: &durable_lens::model::History| -> Vec<String> {
        h.executions[0]
            .operations
            .iter()
            .map(|o| o.display_name().to_string())
            .collect()
    };
    assert_eq!(names(&saved), names(&recorded));

    // Saving over the recording is refused by the core's one writer.
    let before = std::fs::read(&history).unwrap();
    assert!(
        !h.state_mut().rerun.save_to(&history),
        "saving over the recording"
    );
    h.run_steps(2);
    assert!(has(&h, "same file"), "the refusal is shown");
    assert_eq!(std::fs::read(&history).unwrap(), before);

    // Diff with the recording: the diff view opens with the re-run on the right.
    h.get_by_label("Diff with recording").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("the re-run is analysed");
    h.run_steps(4);
    assert_eq!(h.state().view, View::Diff);
    assert!(h.state().diff.other.is_some());
    assert!(has(&h, "Consistent"), "same code: no violation in the diff");
}

#[test]
fn a_linked_python_handler_runs_to_the_end_without_divergence() {
    let dir = tempfile::tempdir().unwrap();
    support::record_py(dir.path(), "order_flow:handler", INPUT);
    let history = std::fs::read_dir(dir.path().join("store"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("the Python store's execution file");
    let mut h = panel_on(&history, false);
    open_link_form(&mut h);
    h.get_by_label("Python").click();
    h.run_steps(2);
    let f = &mut h.state_mut().rerun.form;
    f.py_spec = "order_flow:handler".into();
    f.py_interpreter = support::python().display().to_string();
    f.cwd = support::handlers_dir().display().to_string();
    h.run_steps(2);
    h.get_by_label("Step").click();
    wait_for(&mut h, "Paused at 'create-order'");
    h.key_press(egui::Key::F8);
    wait_for(&mut h, "no divergence");
    assert!(has(
        &h,
        "Finished: ✔ SUCCEEDED · 2 invocations · ✔ no divergence"
    ));
}

#[test]
fn the_python_runtime_client_preset_runs_the_handler_as_lambda_does() {
    // The official runtime interface client (awslambdaric, installed in the
    // handlers' venv) serves the handler through the Runtime API: the same
    // recording replays to the end, and the saved command reads back as
    // this preset.
    let dir = tempfile::tempdir().unwrap();
    support::record_py(dir.path(), "order_flow:handler", INPUT);
    let history = std::fs::read_dir(dir.path().join("store"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("the Python store's execution file");
    let mut h = panel_on(&history, false);
    open_link_form(&mut h);
    h.get_by_label("Python (Lambda runtime client)").click();
    h.run_steps(2);
    let f = &mut h.state_mut().rerun.form;
    f.py_spec = "order_flow:handler".into();
    assert!(
        f.command_line().unwrap_err().contains("module.function"),
        "Lambda's own handler syntax is asked for"
    );
    f.py_spec = "order_flow.handler".into();
    f.py_interpreter = support::python().display().to_string();
    f.cwd = support::handlers_dir().display().to_string();
    let cmd = f.to_command().unwrap();
    assert!(
        cmd.command.ends_with(" -m awslambdaric order_flow.handler"),
        "{}",
        cmd.command
    );
    let back = durable_lens::ui::rerun::LinkForm::from_command(&cmd, 30.0);
    assert_eq!(back.preset, durable_lens::ui::rerun::Preset::PythonRic);
    h.run_steps(2);
    h.get_by_label("Step").click();
    wait_for(&mut h, "Paused at 'create-order'");
    h.key_press(egui::Key::F8);
    wait_for(&mut h, "no divergence");
    assert!(has(
        &h,
        "Finished: ✔ SUCCEEDED · 2 invocations · ✔ no divergence"
    ));
}

#[test]
fn a_changed_handler_stops_with_the_violation_and_the_sdk_text_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "VARIANT=renamed\n");
    h.state_mut().rerun.start_from = Some(1);
    h.run_steps(2);
    h.get_by_label("Run to first divergence").click();
    wait_for(&mut h, "Divergence in invocation 1 at position 2");
    assert!(has(
        &h,
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'charge-card' of type STEP"
    ));
    assert!(has(
        &h,
        "Non-deterministic execution detected: Operation name mismatch for step \"2\""
    ));
    wait_for(
        &mut h,
        "Stopped at the first divergence: position 2 of invocation 1",
    );
    assert_eq!(h.state().rerun.live.phase(), Phase::Finished);
    // The recorded operation at that place, in the timeline.
    h.get_by_label("Show position 2 in the recording").click();
    h.run_steps(3);
    assert_eq!(h.state().view, View::Timeline);
    let sel = h
        .state()
        .selected
        .expect("a recorded operation is selected");
    let name = h.state().doc.as_ref().unwrap().ops()[sel]
        .display_name()
        .to_string();
    assert_eq!(name, "process-payment");
    assert!(h.state().rerun.has_session(), "the session survives");
    open_panel(&mut h);
    // Diff with recording shows the same violation.
    h.get_by_label("Diff with recording").click();
    h.run_steps(2);
    h.state_mut()
        .finish_job_blocking()
        .expect("the re-run is analysed");
    h.run_steps(4);
    assert_eq!(h.state().view, View::Diff);
    assert!(
        has(&h, "Replay consistency violation"),
        "the diff states the violation"
    );
}

#[test]
fn a_crashing_handler_shows_its_error_and_the_app_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let history = fixture_copy(dir.path());
    let mut h = panel_on(&history, false);
    open_link_form(&mut h);
    h.get_by_label("Custom command").click();
    h.run_steps(2);
    h.state_mut().rerun.form.custom =
        "cat > /dev/null; echo 'about to crash' >&2; kill -SEGV $$".into();
    h.state_mut().rerun.form.timeout_secs = 10.0;
    h.run_steps(2);
    h.get_by_label("Continue").click();
    wait_for(&mut h, "The handler failed");
    assert!(has(&h, "killed by signal 11"), "the signal is named");
    assert!(has(&h, "about to crash"), "stderr is shown");
    assert!(has(&h, "no verdict (the handler failed)"));
    // The panel closes and the app goes back to the timeline.
    h.get_by_label("✖ Close").click();
    h.run_steps(3);
    assert_eq!(h.state().view, View::Timeline);
    assert!(!h.state().rerun.has_session());
}

#[test]
fn garbage_output_and_bogus_checkpoints_show_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let h = run_custom(
        &fixture_copy(dir.path()),
        "cat > /dev/null; echo 'hello there'",
    );
    assert!(has(&h, "not an invocation output") && has(&h, "hello there"));
    drop(h);
    let h = run_custom(
        &fixture_copy(dir.path()),
        r#"cat > /dev/null; echo '{"errorType":"TypeError","errorMessage":"x is undefined"}'; exit 3"#,
    );
    assert!(has(&h, "exited with status 3") && has(&h, "TypeError: x is undefined"));
    drop(h);
    let h = run_custom(
        &input_only_history(dir.path()),
        "python3 bogus_checkpoint.py illegal-transition",
    );
    assert!(has(
        &h,
        "Invalid transition: STEP START of an operation that is SUCCEEDED"
    ));
}

#[test]
fn a_hanging_handler_times_out_and_a_bad_form_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let history = fixture_copy(dir.path());
    let mut h = panel_on(&history, false);
    // Nothing linked: starting explains what is missing instead of running.
    h.get_by_label("Step").click();
    h.run_steps(3);
    assert!(has(&h, "Node: give the handler file"));
    assert!(!h.state().rerun.has_session());
    h.get_by_label("Custom command").click();
    h.run_steps(2);
    h.state_mut().rerun.form.custom = "sleep 300 & cat > /dev/null; sleep 300".into();
    h.state_mut().rerun.form.timeout_secs = 0.8;
    h.run_steps(2);
    let started = Instant::now();
    h.get_by_label("Continue").click();
    // Frames keep coming while the handler hangs: the UI thread never blocks.
    let mut frames = 0;
    while h.state().rerun.live.phase() != Phase::Finished {
        let t = Instant::now();
        h.step();
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "a frame took {:?}",
            t.elapsed()
        );
        frames += 1;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never timed out"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
    assert!(frames > 5);
    assert!(
        has(&h, "did not finish within 0.8s"),
        "{:?}",
        h.state().rerun.live.error
    );
}

#[test]
fn the_link_comes_back_when_the_history_is_opened_again() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "STAGE=dev\n");
    h.get_by_label("Save link").click();
    h.run_steps(2);
    let sidecar = durable_lens::rerun::link::sidecar_path(&history);
    assert!(has(&h, "Link kept in app storage."));
    assert!(!sidecar.exists(), "asked first");
    h.get_by_label("Save link file").click();
    h.run_steps(2);
    assert!(has(&h, "Link saved"));
    assert!(sidecar.is_file());
    let persisted = h.state().persisted.clone();
    drop(h);

    // From app storage.
    let mut h = harness_for(opened(&history, persisted), false);
    open_panel(&mut h);
    assert!(has(&h, "Handler: Node · order-flow.mjs · export handler"));
    assert_eq!(h.state().rerun.form.env, "STAGE=dev\n");
    drop(h);

    // From the sidecar alone (another machine, a fresh app).
    let h = panel_on(&history, false);
    assert!(has(&h, "Link restored from the file next to the history"));
    let f = &h.state().rerun.form;
    assert_eq!(
        (f.preset, f.node_file.as_str()),
        (Preset::Node, "order-flow.mjs")
    );
    assert_eq!(f.env, "STAGE=dev\n");
}

#[test]
fn breakpoints_pause_on_the_named_operation() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "");
    h.state_mut().rerun.breakpoints = "send-notification".into();
    h.run_steps(2);
    h.key_press(egui::Key::F8);
    wait_for(&mut h, "Paused at 'send-notification'");
    h.get_by_label("Stop").click();
    h.run_steps(3);
    assert!(!h.state().rerun.has_session(), "stop ends the session");
    assert!(has(&h, "Stopped before the end"));
}

#[test]
fn opening_another_history_stops_the_rerun_and_a_reload_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "");
    h.key_press(egui::Key::F10);
    wait_for(&mut h, "Paused at 'create-order'");
    h.key_press(egui::Key::F5);
    h.run_steps(2);
    h.state_mut().finish_job_blocking().expect("reloads");
    h.run_steps(2);
    assert!(h.state().rerun.has_session(), "a reload keeps the session");
    let other = fixture_copy(dir.path());
    h.state_mut().open_blocking(other).expect("opens");
    h.run_steps(2);
    assert!(!h.state().rerun.has_session(), "another history stops it");
}

#[test]
fn a_callback_gets_the_answer_typed_in_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_for(
        opened(&input_only_history(dir.path()), Persisted::default()),
        false,
    );
    open_panel(&mut h);
    link_node(&mut h, "");
    h.state_mut().rerun.form.node_file = "callback-flow.mjs".into();
    h.state_mut().rerun.form.answers = "approval = \"approved-in-the-ui\"\n".into();
    h.run_steps(2);
    h.get_by_label("Continue").click();
    wait_for(&mut h, "Finished:");
    let report = h.state().rerun.live.report.as_ref().expect("a report");
    let outcome = report.outcome.as_ref().expect("an outcome");
    assert!(
        outcome
            .result
            .as_deref()
            .unwrap_or_default()
            .contains("approved-in-the-ui"),
        "{outcome:?}"
    );
    assert_eq!(
        report.invocations.len(),
        2,
        "suspended at the callback, resumed with the answer"
    );
}

#[test]
fn snapshot_rerun_panel_paused() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = from_invocation_2(dir.path(), "", "Step", "Paused at 'notify'");
    settle(&mut h);
    h.snapshot("rerun_panel_paused");
}

#[test]
fn snapshot_rerun_divergence_banner() {
    // The shared fixture was recorded from an order flow without the
    // parallel `notify`: our handler diverges at position 4.
    let dir = tempfile::tempdir().unwrap();
    let history = fixture_copy(dir.path());
    let mut h = panel_on(&history, true);
    link_node(&mut h, "");
    h.get_by_label("Run to first divergence").click();
    wait_for(&mut h, "Stopped at the first divergence: position 4");
    assert!(has(
        &h,
        "Expected operation 'send-notification' of type STEP at position 4"
    ));
    h.remove_cursor();
    h.run_steps(6);
    mask_time_view_plot(&mut h);
    // Pids, durations and request ids in the output panel change per run.
    h.mask(egui::Rect::from_min_max(
        egui::pos2(0.0, 668.0),
        egui::pos2(1400.0, 840.0),
    ));
    h.snapshot("rerun_divergence_banner");
}

#[test]
fn snapshot_rerun_link_form_light() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = opened(&fixture_copy(dir.path()), Persisted::default());
    app.persisted.dark = false;
    let mut h = harness_for(app, true);
    open_panel(&mut h);
    open_link_form(&mut h);
    h.get_by_label("Python").click();
    h.run_steps(2);
    h.state_mut().rerun.form.py_spec = "order_flow:handler".into();
    h.state_mut().rerun.form.py_interpreter = ".venv/bin/python".into();
    h.state_mut().rerun.form.env = "VARIANT=renamed\n".into();
    h.remove_cursor();
    h.run_steps(6);
    h.snapshot("rerun_link_form_light");
}

#[test]
fn closing_the_panel_or_the_app_kills_the_handlers_processes() {
    let dir = tempfile::tempdir().unwrap();
    let history = fixture_copy(dir.path());
    let mut h = panel_on(&history, false);
    let pgid = start_hanging(&mut h, dir.path());
    assert!(!support::live_in_group(pgid).is_empty());
    h.get_by_label("✖ Close").click();
    h.run_steps(2);
    assert_group_gone(pgid);

    // App exit: dropping the app drops the session.
    std::fs::remove_file(dir.path().join("pid")).unwrap();
    open_panel(&mut h);
    let pgid = start_hanging(&mut h, dir.path());
    assert!(!support::live_in_group(pgid).is_empty());
    drop(h);
    assert_group_gone(pgid);
}

#[test]
fn snapshot_rerun_sdk_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = from_invocation_2(
        dir.path(),
        "VARIANT=step-to-wait\n",
        "Run to first divergence",
        "Stopped at the first divergence",
    );
    settle(&mut h);
    h.mask(egui::Rect::from_min_max(
        egui::pos2(0.0, 668.0),
        egui::pos2(1400.0, 840.0),
    ));
    h.snapshot("rerun_sdk_divergence");
}

#[test]
fn not_now_keeps_the_link_in_the_app_only_and_is_not_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let history = fixture_copy(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "");
    h.get_by_label("Save link").click();
    h.run_steps(2);
    h.get_by_label("Not now").click();
    h.run_steps(2);
    assert!(!has(&h, "Also save this link next to the history"));
    h.get_by_label("Run to first divergence").click();
    wait_for(&mut h, "Stopped at the first divergence");
    assert!(
        !has(&h, "Also save this link next to the history"),
        "a start does not ask again after Not now"
    );
    assert!(!durable_lens::rerun::link::sidecar_path(&history).exists());
    assert_eq!(h.state().persisted.rerun_links.len(), 1);
}

/// The panel gives the verdict `durable-lens rerun` gives (and its exit
/// code), with each changed result and its JSON diff; Strict turns a
/// change into a failure as `--strict` does. Expected values: the handler's
/// own change (transaction id txn-456 recorded, txn-789 now).
#[test]
fn a_changed_result_shows_the_clis_verdict_and_the_json_diff() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "VARIANT=changed-result\n");
    h.get_by_label("Continue").click();
    wait_for(&mut h, "Verdict:");
    assert!(
        has(&h, "Verdict: ≈ Same shape and outcome"),
        "{:?}",
        h.state().rerun.live.headline()
    );
    assert!(has(&h, "durable-lens rerun exits 0"));
    assert!(has(&h, "result of 'process-payment' at position 2"));
    assert!(has(&h, "/transactionId: \"txn-456\" → \"txn-789\""));
    h.get_by_label("Strict").click();
    h.run_steps(2);
    assert!(has(&h, "durable-lens rerun exits 1"));
    assert!(has(&h, "(fails under strict)"));
}

/// An outcome divergence (the handler threw where the recording went on)
/// is named by its kind, with no position when it has none.
#[test]
fn a_handler_error_is_the_verdict_with_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let history = recorded_history(dir.path());
    let mut h = panel_on(&history, false);
    link_node(&mut h, "VARIANT=fails-late\n");
    h.get_by_label("Continue").click();
    wait_for(&mut h, "Verdict:");
    assert!(has(&h, "Verdict: ✖ Diverged: the handler failed"));
    assert!(has(&h, "durable-lens rerun exits 1"));
    assert!(has(&h, "the handler failed"));
}

/// A retried step: each attempt has a row in the invocation that ran it,
/// with its error and the (skipped) backoff. Expected: what the JS SDK's
/// runner recorded for the same handler.
#[test]
fn each_attempt_of_a_retried_step_has_a_row_in_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = support::record_js(dir.path(), "retry-flow.mjs", r#"{"orderId":"5"}"#);
    let history = dir.path().join("retry-flow.mjs.history.json");
    let flaky = recorded
        .operations
        .iter()
        .find(|o| o.name.as_deref() == Some("flaky-charge"))
        .expect("recorded")
        .clone();
    let mut h = panel_on(&history, false);
    link_node(&mut h, "");
    h.state_mut().rerun.form.node_file = "retry-flow.mjs".into();
    h.run_steps(2);
    h.get_by_label("Continue").click();
    wait_for(&mut h, "no divergence");
    let rows = &h.state().rerun.live.attempts;
    assert_eq!(rows.len(), flaky.attempts.len());
    for (row, want) in rows.iter().zip(&flaky.attempts) {
        assert_eq!(row.number, want.number);
        assert_eq!(row.invocation, want.invocation);
        assert_eq!(row.status, want.status);
        let label = format!("↻ attempt {} of flaky-charge", want.number);
        assert!(has(&h, &label), "no row {label:?}");
    }
    let message = flaky.attempts[0]
        .error
        .as_ref()
        .and_then(|e| e.message.clone())
        .expect("the first attempt failed");
    assert!(has(&h, &message), "the error is on the row");
    assert!(has(&h, "next attempt after"), "the backoff is on the row");
}

#[test]
fn the_form_links_to_the_handler_contract() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = panel_on(&fixture_copy(dir.path()), false);
    open_link_form(&mut h);
    let _ = h.get_by_label("Handler contract");
    let (url, _) = durable_lens::ui::rerun::contract_link();
    assert!(url.ends_with("assets/runners/README.md"), "{url}");
    assert!(
        std::path::Path::new(url.trim_start_matches("file://")).is_file(),
        "the contract is found beside the binary: {url}"
    );
}
