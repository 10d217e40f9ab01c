//! Replay analysis and diff on the real fixtures made by the official SDKs'
//! own local tools (`../shared/fixtures`).

use durable_lens::diff::{diff, execution_sequence, invocation_sequence, DiffOptions, RowKind};
use durable_lens::load::load_path;
use durable_lens::model::{Execution, OpStatus};
use durable_lens::replay::{analyze, Analysis, Mismatch, Outcome, Role};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures").join(rel)
}

fn load_one(rel: &str) -> (Execution, Analysis) {
    let h = load_path(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(h.executions.len(), 1, "{rel}");
    let e = h.executions.into_iter().next().unwrap();
    let a = analyze(&e);
    (e, a)
}

fn names(e: &Execution, ops: impl Iterator<Item = usize>) -> Vec<String> {
    ops.map(|i| e.operations[i].display_name().to_string()).collect()
}

/// (replayed, executed, root switch position) for each invocation.
fn summary(e: &Execution, a: &Analysis) -> Vec<(Vec<String>, Vec<String>, Option<u32>)> {
    a.invocations
        .iter()
        .map(|inv| (names(e, inv.replayed()), names(e, inv.executed()), inv.root_switch().map(|s| s.position)))
        .collect()
}

#[test]
fn order_flow_switches_to_execution_after_the_wait_in_both_sdks() {
    for rel in ["js-sdk/order-flow.history.json", "python-sdk/order-flow.history.json", "python-sdk/order-flow.store.json"] {
        let (e, a) = load_one(rel);
        assert!(!a.invocations_inferred, "{rel}");
        let s = summary(&e, &a);
        assert_eq!(s.len(), 2, "{rel}");
        assert_eq!(s[0].0, Vec::<String>::new(), "{rel}: nothing replayed on the first invocation");
        assert_eq!(s[0].1, ["create-order", "process-payment", "cool-off"], "{rel}");
        assert_eq!(s[0].2, Some(1), "{rel}");
        assert_eq!(s[1].0, ["create-order", "process-payment", "cool-off"], "{rel}");
        assert_eq!(s[1].1, ["send-notification"], "{rel}");
        assert_eq!(s[1].2, Some(4), "{rel}: replay switches to execution at position 4");
        let cool_off = e.operations.iter().position(|o| o.name.as_deref() == Some("cool-off")).unwrap();
        assert_eq!(a.invocations[0].outcome, Outcome::Pending(vec![cool_off]), "{rel}");
        assert_eq!(a.invocations[1].outcome, Outcome::Succeeded, "{rel}");
        assert!(a.diagnoses.is_empty(), "{rel}");
    }
}

#[test]
fn operations_without_invocation_records_get_inferred_boundaries() {
    let (e, a) = load_one("js-sdk/order-flow.operations.json");
    assert!(a.invocations_inferred);
    assert!(a.invocations.iter().all(|i| i.window.inferred));
    let s = summary(&e, &a);
    assert_eq!(s.len(), 2, "the wait splits the run in two invocations");
    assert_eq!(s[1].1, ["send-notification"]);
    assert_eq!(s[1].2, Some(4));
}

#[test]
fn child_context_and_map_branches_each_get_their_own_switch() {
    let (e, a) = load_one("python-sdk/fanout.history.json");
    assert_eq!(a.invocations.len(), 2);
    // 1 map + 4 branches + 1 child context = 6 contexts below the root.
    assert_eq!(a.contexts.len(), 7);
    let branch = a.contexts.iter().find(|c| c.names == ["process-items", "map-item-2"]).expect("map-item-2 lane");
    assert_eq!(branch.key, vec![1, 3]);
    assert_eq!(names(&e, branch.children.iter().copied()), ["square-3"]);

    let second = &a.invocations[1];
    assert_eq!(names(&e, second.executed()), ["sub-workflow", "child-b"]);
    let sub = a.contexts.iter().position(|c| c.names == ["sub-workflow"]).unwrap();
    let sw: Vec<(usize, u32)> = second.switches.iter().map(|s| (s.context, s.position)).collect();
    assert_eq!(sw, vec![(0, 2), (sub, 3)], "root switches at sub-workflow, the child context at child-b");
    // Every map branch replayed on the second invocation.
    for c in a.contexts.iter().filter(|c| c.names.first().map(String::as_str) == Some("process-items")) {
        for &i in &c.children {
            assert_eq!(second.roles[i], Role::Replayed, "{}", e.operations[i].display_name());
        }
    }
}

#[test]
fn retried_step_runs_once_per_invocation_and_keeps_every_attempt() {
    let (e, a) = load_one("python-sdk/retries.history.json");
    assert_eq!(e.operations.len(), 1);
    let step = &e.operations[0];
    assert_eq!(step.attempts.len(), 3);
    assert_eq!(step.attempts.iter().filter(|t| t.status == OpStatus::Failed).count(), 2);
    assert_eq!(a.invocations.len(), 3);
    for inv in &a.invocations {
        assert_eq!(inv.roles[0], Role::Executed, "invocation {}", inv.index + 1);
    }
    assert_eq!(a.invocations[0].outcome, Outcome::Pending(vec![0]), "waiting for the retry");
    assert_eq!(a.invocations[2].outcome, Outcome::Succeeded);
}

#[test]
fn callback_completion_is_replayed_and_the_context_completes_in_the_next_invocation() {
    let (e, a) = load_one("python-sdk/callback-flow.history.json");
    assert_eq!(a.invocations.len(), 2);
    let cb = e.operations.iter().position(|o| o.name.as_deref() == Some("manager-approval create callback id")).unwrap();
    assert_eq!(a.invocations[0].outcome, Outcome::Pending(vec![cb]));
    assert_eq!(a.invocations[1].roles[cb], Role::Replayed);
    assert_eq!(names(&e, a.invocations[1].executed()), ["manager-approval", "finalize"]);
}

#[test]
fn python_non_determinism_is_pinned_to_position_two() {
    for rel in ["python-sdk/nondeterministic.history.json", "python-sdk/nondeterministic.store.json"] {
        let (e, a) = load_one(rel);
        assert_eq!(a.diagnoses.len(), 1, "{rel}");
        let d = &a.diagnoses[0];
        assert_eq!(d.mismatch, Mismatch::Name);
        assert_eq!(d.position, Some(2));
        assert!(d.context_path.is_empty());
        assert_eq!(d.op.map(|i| e.operations[i].display_name()), Some("process-payment"));
        assert_eq!(d.invocation, Some(1), "{rel}: the second invocation failed");
        assert_eq!(
            d.plain,
            "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"
        );
        assert!(d.sdk_text.starts_with("Non-deterministic operation identity at id='c5faca15"), "{rel}");
    }
}

#[test]
fn diff_of_the_two_nondeterministic_invocations_states_the_violation() {
    let (e, a) = load_one("python-sdk/nondeterministic.history.json");
    let first = invocation_sequence(&e, &a, 0);
    let second = invocation_sequence(&e, &a, 1);
    let report = diff(&first, &second, DiffOptions { allow_progress: true });
    assert_eq!(report.violations.len(), 1);
    assert_eq!(
        report.violations[0].to_string(),
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"
    );
    assert_eq!(report.rows[report.first_violation_row.unwrap()].kind, RowKind::NameMismatch);
}

#[test]
fn python_and_js_runs_of_the_same_handler_show_no_difference() {
    let (pe, pa) = load_one("python-sdk/order-flow.history.json");
    let (je, ja) = load_one("js-sdk/order-flow.history.json");
    let report = diff(&execution_sequence(&pe, &pa), &execution_sequence(&je, &ja), DiffOptions::default());
    assert!(report.is_consistent(), "{:?}", report.violations);
    assert_eq!(report.rows.len(), 4);
    assert!(report.rows.iter().all(|r| r.kind == RowKind::Same), "{:?}", report.rows);
}

#[test]
fn two_different_handlers_differ_at_the_first_position_that_changed() {
    let (oe, oa) = load_one("python-sdk/order-flow.history.json");
    let (ne, na) = load_one("python-sdk/nondeterministic.history.json");
    let report = diff(&execution_sequence(&oe, &oa), &execution_sequence(&ne, &na), DiffOptions::default());
    let v = report.first_violation().expect("a violation");
    assert_eq!(v.position, 3);
    assert_eq!(
        v.to_string(),
        "Replay consistency violation: Expected operation 'cool-off' of type WAIT at position 3, but found operation 'settle' of type WAIT"
    );
}
