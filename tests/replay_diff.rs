//! Replay analysis and diff on the real fixtures made by the official SDKs'
//! own local tools (`tests/fixtures`).

use durable_lens::diff::{diff, execution_sequence, invocation_sequence, DiffOptions, RowKind};
use durable_lens::load::{load_bytes, load_path};
use durable_lens::model::{Execution, OpStatus};
use durable_lens::replay::{analyze, Analysis, Mismatch, Outcome, Role};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn load_one(rel: &str) -> (Execution, Analysis) {
    let h = load_path(&fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(h.executions.len(), 1, "{rel}");
    let e = h.executions.into_iter().next().unwrap();
    let a = analyze(&e);
    (e, a)
}

fn names(e: &Execution, ops: impl Iterator<Item = usize>) -> Vec<String> {
    ops.map(|i| e.operations[i].display_name().to_string())
        .collect()
}

/// (replayed, executed, root switch position) for each invocation.
fn summary(e: &Execution, a: &Analysis) -> Vec<(Vec<String>, Vec<String>, Option<u32>)> {
    a.invocations
        .iter()
        .map(|inv| {
            (
                names(e, inv.replayed()),
                names(e, inv.executed()),
                inv.root_switch().map(|s| s.position),
            )
        })
        .collect()
}

#[test]
fn order_flow_switches_to_execution_after_the_wait_in_both_sdks() {
    for rel in [
        "js-sdk/order-flow.history.json",
        "python-sdk/order-flow.history.json",
        "python-sdk/order-flow.store.json",
    ] {
        let (e, a) = load_one(rel);
        assert!(!a.invocations_inferred, "{rel}");
        let s = summary(&e, &a);
        assert_eq!(s.len(), 2, "{rel}");
        assert_eq!(
            s[0].0,
            Vec::<String>::new(),
            "{rel}: nothing replayed on the first invocation"
        );
        assert_eq!(
            s[0].1,
            ["create-order", "process-payment", "cool-off"],
            "{rel}"
        );
        assert_eq!(s[0].2, Some(1), "{rel}");
        assert_eq!(
            s[1].0,
            ["create-order", "process-payment", "cool-off"],
            "{rel}"
        );
        assert_eq!(s[1].1, ["send-notification"], "{rel}");
        assert_eq!(
            s[1].2,
            Some(4),
            "{rel}: replay switches to execution at position 4"
        );
        let cool_off = e
            .operations
            .iter()
            .position(|o| o.name.as_deref() == Some("cool-off"))
            .unwrap();
        assert_eq!(
            a.invocations[0].outcome,
            Outcome::Pending(vec![cool_off]),
            "{rel}"
        );
        assert_eq!(a.invocations[1].outcome, Outcome::Succeeded, "{rel}");
        assert!(a.diagnoses.is_empty(), "{rel}");
    }
}

#[test]
fn operations_without_invocation_records_get_inferred_boundaries() {
    // Alone, without the JS runner's invocation list beside it.
    let dir = tempfile::tempdir().unwrap();
    let alone = dir.path().join("order-flow.operations.json");
    std::fs::copy(fixture("js-sdk/order-flow.operations.json"), &alone).unwrap();
    let h = load_path(&alone).unwrap();
    let e = h.executions.into_iter().next().unwrap();
    let a = analyze(&e);
    assert!(a.invocations_inferred);
    assert!(a.invocations.iter().all(|i| i.window.inferred));
    let s = summary(&e, &a);
    assert_eq!(s.len(), 2, "the wait splits the run in two invocations");
    assert_eq!(s[1].1, ["send-notification"]);
    assert_eq!(s[1].2, Some(4));

    // With the invocation list beside it, the boundaries are recorded ones
    // and agree with the inferred ones.
    let (e2, a2) = load_one("js-sdk/order-flow.operations.json");
    assert!(!a2.invocations_inferred);
    assert_eq!(summary(&e2, &a2), s);
}

#[test]
fn child_context_and_map_branches_each_get_their_own_switch() {
    let (e, a) = load_one("python-sdk/fanout.history.json");
    assert_eq!(a.invocations.len(), 2);
    // 1 map + 4 branches + 1 child context = 6 contexts below the root.
    assert_eq!(a.contexts.len(), 7);
    let b = (0..a.contexts.len())
        .find(|&c| a.context_names(c) == ["process-items", "map-item-2"])
        .expect("map-item-2 lane");
    let branch = &a.contexts[b];
    assert_eq!(a.context_key(b), vec![1, 3]);
    assert_eq!(names(&e, branch.children.iter().copied()), ["square-3"]);

    let second = &a.invocations[1];
    // The file itself: sub-workflow opened before the first invocation ended
    // and closed in the second, so the second's input held it unfinished.
    // The SDK switches to execution at the first operation with no terminal
    // checkpoint (docs/formats.md §7) and resumes it: it counts as executed
    // and the root switches there, at its position 2, as the recorded
    // inputs of the same handler show (tests/oracle: fanout invocation[2]
    // switches at sub-workflow in the root and at child-b inside it).
    assert_eq!(
        open_across_first_invocation("python-sdk/fanout.history.json", "sub-workflow"),
        (true, true)
    );
    assert_eq!(names(&e, second.executed()), ["sub-workflow", "child-b"]);
    let sub = (0..a.contexts.len())
        .position(|c| a.context_names(c) == ["sub-workflow"])
        .unwrap();
    let sw: Vec<(usize, u32)> = second
        .switches
        .iter()
        .map(|s| (s.context, s.position))
        .collect();
    assert_eq!(
        sw,
        vec![(0, 2), (sub, 3)],
        "root switches at sub-workflow, the child context at child-b"
    );
    // Every map branch replayed on the second invocation.
    for c in (0..a.contexts.len())
        .filter(|&c| a.context_names(c).first().map(String::as_str) == Some("process-items"))
        .map(|c| &a.contexts[c])
    {
        for &i in &c.children {
            assert_eq!(
                second.role(i),
                Some(Role::Replayed),
                "{}",
                e.operations[i].display_name()
            );
        }
    }
}

#[test]
fn retried_step_runs_once_per_invocation_and_keeps_every_attempt() {
    let (e, a) = load_one("python-sdk/retries.history.json");
    assert_eq!(e.operations.len(), 1);
    let step = &e.operations[0];
    assert_eq!(step.attempts.len(), 3);
    assert_eq!(
        step.attempts
            .iter()
            .filter(|t| t.status == OpStatus::Failed)
            .count(),
        2
    );
    assert_eq!(a.invocations.len(), 3);
    for inv in &a.invocations {
        assert_eq!(
            inv.role(0),
            Some(Role::Executed),
            "invocation {}",
            inv.index + 1
        );
    }
    assert_eq!(
        a.invocations[0].outcome,
        Outcome::Pending(vec![0]),
        "waiting for the retry"
    );
    assert_eq!(a.invocations[2].outcome, Outcome::Succeeded);
}

#[test]
fn callback_completion_is_replayed_and_the_context_completes_in_the_next_invocation() {
    let (e, a) = load_one("python-sdk/callback-flow.history.json");
    assert_eq!(a.invocations.len(), 2);
    let cb = e
        .operations
        .iter()
        .position(|o| o.name.as_deref() == Some("manager-approval create callback id"))
        .unwrap();
    assert_eq!(a.invocations[0].outcome, Outcome::Pending(vec![cb]));
    assert_eq!(a.invocations[1].role(cb), Some(Role::Replayed));
    // The wait-for-callback context opened in the first invocation and
    // closed in the second (the file's own events), so the second's input
    // held it unfinished: the SDK resumes it (docs/formats.md §7), it is
    // executed there and the root switches at its position 2, as the
    // recorded inputs of the same handler show (tests/oracle: callback-flow
    // invocation[2] replayed 3, executed 2, switch @2 manager-approval).
    let rel = "python-sdk/callback-flow.history.json";
    assert_eq!(
        open_across_first_invocation(rel, "manager-approval"),
        (true, true)
    );
    let ctx = e
        .operations
        .iter()
        .position(|o| o.name.as_deref() == Some("manager-approval"))
        .unwrap();
    assert_eq!(a.invocations[1].role(ctx), Some(Role::Executed));
    assert_eq!(
        names(&e, a.invocations[1].executed()),
        ["manager-approval", "finalize"]
    );
    assert_eq!(a.invocations[1].root_switch().map(|s| s.position), Some(2));
    // Both its children were complete in that input: nothing switches inside.
    let inner = a.contexts.iter().position(|c| c.op == Some(ctx)).unwrap();
    assert!(a.invocations[1].switches.iter().all(|s| s.context != inner));
}

/// From a history file's own events: did the context named `name` start
/// before the first `InvocationCompleted`, and end after it?
fn open_across_first_invocation(rel: &str, name: &str) -> (bool, bool) {
    let text = std::fs::read_to_string(fixture(rel)).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let events = doc["Events"].as_array().unwrap();
    let boundary = events
        .iter()
        .position(|e| e["EventType"] == "InvocationCompleted")
        .unwrap();
    let at = |t: &str| {
        events
            .iter()
            .position(|e| e["Name"] == name && e["EventType"] == t)
            .unwrap()
    };
    (
        at("ContextStarted") < boundary,
        at("ContextSucceeded") > boundary,
    )
}

#[test]
fn python_non_determinism_is_pinned_to_position_two() {
    for rel in [
        "python-sdk/nondeterministic.history.json",
        "python-sdk/nondeterministic.store.json",
    ] {
        let (e, a) = load_one(rel);
        assert_eq!(a.diagnoses.len(), 1, "{rel}");
        let d = &a.diagnoses[0];
        assert_eq!(d.mismatch, Mismatch::Name);
        assert_eq!(d.position, Some(2));
        assert!(d.context_path.is_empty());
        assert_eq!(
            d.op.map(|i| e.operations[i].display_name()),
            Some("process-payment")
        );
        assert_eq!(d.invocation, Some(1), "{rel}: the second invocation failed");
        assert_eq!(
            d.plain,
            "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"
        );
        assert!(
            d.sdk_text
                .starts_with("Non-deterministic operation identity at id='c5faca15"),
            "{rel}"
        );
    }
}

#[test]
fn diff_of_the_two_nondeterministic_invocations_states_the_violation() {
    let (e, a) = load_one("python-sdk/nondeterministic.history.json");
    let first = invocation_sequence(&e, &a, 0);
    let second = invocation_sequence(&e, &a, 1);
    let report = diff(
        &first,
        &second,
        DiffOptions {
            allow_progress: true,
        },
    );
    assert_eq!(report.violations.len(), 1);
    assert_eq!(
        report.violations[0].to_string(),
        "Replay consistency violation: Expected operation 'process-payment' of type STEP at position 2, but found operation 'send-email' of type STEP"
    );
    assert_eq!(
        report.rows[report.first_violation_row.unwrap()].kind,
        RowKind::NameMismatch
    );
}

#[test]
fn python_and_js_runs_of_the_same_handler_show_no_difference() {
    let (pe, pa) = load_one("python-sdk/order-flow.history.json");
    let (je, ja) = load_one("js-sdk/order-flow.history.json");
    let report = diff(
        &execution_sequence(&pe, &pa),
        &execution_sequence(&je, &ja),
        DiffOptions::default(),
    );
    assert!(report.is_consistent(), "{:?}", report.violations);
    assert_eq!(report.rows.len(), 4);
    assert!(
        report.rows.iter().all(|r| r.kind == RowKind::Same),
        "{:?}",
        report.rows
    );
}

#[test]
fn two_different_handlers_differ_at_the_first_position_that_changed() {
    let (oe, oa) = load_one("python-sdk/order-flow.history.json");
    let (ne, na) = load_one("python-sdk/nondeterministic.history.json");
    let report = diff(
        &execution_sequence(&oe, &oa),
        &execution_sequence(&ne, &na),
        DiffOptions::default(),
    );
    let v = report.first_violation().expect("a violation");
    assert_eq!(v.position, 3);
    assert_eq!(
        v.to_string(),
        "Replay consistency violation: Expected operation 'cool-off' of type WAIT at position 3, but found operation 'settle' of type WAIT"
    );
}

#[test]
fn python_type_mismatch_in_the_sqlite_store_is_worded_with_both_types() {
    let h = load_path(&fixture("python-sdk/emulator-store.db")).unwrap();
    let e = h
        .executions
        .iter()
        .find(|e| e.name.as_deref() == Some("nondeterministic_type-1"))
        .expect("the type-mismatch execution");
    let a = analyze(e);
    let d = &a.diagnoses[0];
    assert_eq!(d.mismatch, Mismatch::Type);
    assert_eq!(
        d.plain,
        "Replay consistency violation: Expected operation 'check' of type STEP at position 2, but found operation 'check' of type WAIT"
    );
}

/// The JS SDK names the step by its un-hashed id, the chain of counters
/// (`1-2` inside the context at position 1). No fixture has a JS failure,
/// so build one.
#[test]
fn js_error_inside_a_child_context_is_pinned_with_the_context_path() {
    use durable_lens::model::{ErrorInfo, OpType, Operation};
    let op = |id: &str, parent: Option<&str>, name: &str, t: OpType| Operation {
        parent_id: parent.map(Into::into),
        name: Some(name.into()),
        ..Operation::new(id, t, OpStatus::Succeeded)
    };
    let e = Execution {
        arn: None,
        execution_op_id: None,
        name: Some("js".into()),
        function_name: None,
        status: Some(OpStatus::Failed),
        start: None,
        end: None,
        input: None,
        result: None,
        error: Some(ErrorInfo {
            error_type: Some("NonDeterministicExecutionError".into()),
            message: Some("Non-deterministic execution detected: Operation name mismatch for step \"1-2\". Expected name \"validate\", but got \"charge\". This indicates non-deterministic control flow in your workflow code.".into()),
            ..Default::default()
        }),
        operations: vec![
            op("c4ca4238a0b92382", None, "checkout", OpType::Context),
            op("aaaa", Some("c4ca4238a0b92382"), "reserve", OpType::Step),
            op("bbbb", Some("c4ca4238a0b92382"), "validate", OpType::Step),
        ],
        invocations: vec![],
        sdk: durable_lens::model::Sdk::Js,
    };
    let a = analyze(&e);
    let d = &a.diagnoses[0];
    assert_eq!(d.op, Some(2));
    assert_eq!(d.context_path, ["checkout"]);
    assert_eq!(
        d.plain,
        "Replay consistency violation: Expected operation 'validate' of type STEP at position 2 in context 'checkout', but found operation 'charge' of type STEP"
    );
}

/// (operations, per invocation: (replayed, executed, switch positions in
/// operation order)) of each scenario, whatever file format carries it.
fn expected_shape(scenario: &str) -> (usize, Vec<(usize, usize, Vec<u32>)>) {
    match scenario {
        "order-flow" | "order_flow" => (4, vec![(0, 3, vec![1]), (3, 1, vec![4])]),
        // A context still open from invocation 1 is resumed in 2: executed,
        // with the root's switch at it (the recorded inputs, tests/oracle).
        "callback-flow" | "callback_flow" => (5, vec![(0, 4, vec![1, 1]), (3, 2, vec![2])]),
        "fanout" => (13, vec![(0, 12, vec![1; 7]), (11, 2, vec![2, 3])]),
        "nondeterministic" | "nondeterministic_type" => (3, vec![(0, 3, vec![1]), (1, 0, vec![])]),
        "retries" => (1, vec![(0, 1, vec![1]), (0, 1, vec![1]), (0, 1, vec![1])]),
        // Three polls of poll-job, one per invocation (the Python run's
        // recorded inputs: poll-job READY in inputs 2 and 3).
        "wait_for_condition" => (3, vec![(0, 2, vec![1]), (1, 1, vec![2]), (1, 2, vec![2])]),
        other => panic!("no expectation for scenario {other}"),
    }
}

#[test]
fn every_fixture_file_gives_the_same_replay_shape_for_its_scenario() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for sdk in ["js-sdk", "python-sdk"] {
        for entry in std::fs::read_dir(dir.join(sdk)).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            // An invocation list alone holds no operations (the loader says so).
            if file.ends_with(".invocations.json") {
                continue;
            }
            let h = load_path(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
            for e in &h.executions {
                let scenario = match e.name.as_deref() {
                    Some(n) => n.trim_end_matches("-1").to_string(),
                    None => file.split('.').next().unwrap().to_string(),
                };
                let (ops, invs) = expected_shape(&scenario);
                let a = analyze(e);
                let got: Vec<(usize, usize, Vec<u32>)> = a
                    .invocations
                    .iter()
                    .map(|i| {
                        (
                            i.replayed().count(),
                            i.executed().count(),
                            i.switches.iter().map(|s| s.position).collect(),
                        )
                    })
                    .collect();
                assert_eq!(e.operations.len(), ops, "{file} {scenario}");
                assert_eq!(got, invs, "{file} {scenario}");
                let nondeterministic = scenario.starts_with("nondeterministic");
                assert_eq!(
                    a.diagnoses.len(),
                    usize::from(nondeterministic),
                    "{file} {scenario}"
                );
                checked += 1;
            }
        }
    }
    // 19 single-execution files plus the 6 executions of the SQLite store.
    assert_eq!(checked, 25);
}

/// Roles are kept compactly (shared per execution, counts precomputed);
/// every way of reading them must tell the same story, also for an
/// invocation cut short by non-determinism.
#[test]
fn counts_executed_lists_and_roles_agree_for_every_history() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "tests/fixtures/js-sdk",
        "tests/fixtures/python-sdk",
        "sample-histories",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            files.push(entry.path());
        }
    }
    let mut invocations = 0;
    let mut cut_short = 0;
    for f in files {
        let Ok(h) = load_path(&f) else { continue };
        for e in &h.executions {
            let a = analyze(e);
            if !a.diagnoses.is_empty() {
                cut_short += 1;
            }
            for inv in &a.invocations {
                let roles: Vec<Role> = inv.roles().collect();
                assert_eq!(roles.len(), e.operations.len(), "{}", f.display());
                let roles = &roles;
                let with = |r: Role| (0..roles.len()).filter(move |&i| roles[i] == r);
                let executed: Vec<usize> = with(Role::Executed).collect();
                assert_eq!(
                    inv.executed().collect::<Vec<_>>(),
                    executed,
                    "{}",
                    f.display()
                );
                assert_eq!(
                    inv.replayed().collect::<Vec<_>>(),
                    with(Role::Replayed).collect::<Vec<_>>()
                );
                assert_eq!(
                    inv.counts(),
                    (with(Role::Replayed).count(), executed.len()),
                    "{} invocation {}",
                    f.display(),
                    inv.index + 1
                );
                assert_eq!(inv.role(roles.len()), None);
                invocations += 1;
            }
        }
    }
    assert!(invocations > 100, "only {invocations} invocations");
    assert!(
        cut_short >= 2,
        "the non-deterministic fixtures were not among them"
    );
}

/// The root operations of a history file in the order the file first
/// names them, which is their 1-based position in the root.
fn root_order(events: &[serde_json::Value]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for e in events {
        let kind = e["EventType"].as_str().unwrap_or("");
        if kind.starts_with("Execution") || kind.starts_with("Invocation") {
            continue;
        }
        if let Some(id) = e["Id"].as_str().filter(|_| e["ParentId"].is_null()) {
            if !ids.iter().any(|i| i == id) {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

#[test]
fn a_later_page_alone_keeps_the_root_positions_of_the_whole_history() {
    for rel in [
        "js-sdk/order-flow.history.json",
        "python-sdk/order-flow.history.json",
    ] {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap();
        let events = doc["Events"].as_array().unwrap();
        let whole = root_order(events);
        // The page from the second root operation's first event on, as a
        // user who saved only a later page has it.
        let from = events
            .iter()
            .position(|e| e["Id"] == whole[1].as_str())
            .unwrap();
        let page = serde_json::json!({ "Events": events[from..] });
        let h = load_bytes("page.json", page.to_string().as_bytes()).unwrap();
        let e = &h.executions[0];
        let a = analyze(e);
        for (i, op) in e.operations.iter().enumerate() {
            let expected = whole.iter().position(|id| *id == op.id).unwrap() as u32 + 1;
            assert_eq!(a.places[i].position, expected, "{rel}: {}", op.id);
        }
        // The switch of the invocation that ran the last step is where that
        // step sits in the whole history, not 1 or 2.
        let last = a.invocations.last().unwrap();
        assert_eq!(
            last.root_switch().map(|s| s.position),
            Some(whole.len() as u32),
            "{rel}"
        );
    }
}

#[test]
fn a_context_whose_start_is_on_an_earlier_page_states_no_switch() {
    let rel = "python-sdk/callback-flow.history.json";
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture(rel)).unwrap()).unwrap();
    let events = doc["Events"].as_array().unwrap();
    // From the first event inside manager-approval to the end of the first
    // invocation: neither its ContextStarted nor its ContextSucceeded is in
    // the page, so neither its name nor its place is known.
    let ctx = events
        .iter()
        .find(|e| e["Name"] == "manager-approval" && e["EventType"] == "ContextStarted")
        .unwrap();
    let from = events
        .iter()
        .position(|e| e["ParentId"] == ctx["Id"])
        .unwrap();
    let to = events
        .iter()
        .position(|e| e["EventType"] == "InvocationCompleted")
        .unwrap();
    let page = serde_json::json!({ "Events": events[from..=to] });
    let h = load_bytes("page.json", page.to_string().as_bytes()).unwrap();
    let e = &h.executions[0];
    let a = analyze(e);
    let inside: Vec<usize> = (0..e.operations.len())
        .filter(|&i| e.operations[i].parent_id.as_deref() == ctx["Id"].as_str())
        .collect();
    assert!(!inside.is_empty());
    for inv in &a.invocations {
        for s in &inv.switches {
            assert!(!inside.contains(&s.op), "invocation {}", inv.index + 1);
        }
    }
}

/// The SDK's own error text of the execution (what the failed invocation
/// returned).
fn sdk_text(e: &Execution) -> String {
    e.error
        .as_ref()
        .and_then(|x| x.message.clone())
        .expect("the execution failed with the SDK's error")
}

/// `key checkpoint='a' current='b'` of a Python identity error.
fn py_field(text: &str, key: &str) -> (String, String) {
    let at = text.find(&format!("{key} checkpoint='")).unwrap() + key.len() + 13;
    let (a, rest) = text[at..].split_once('\'').unwrap();
    let rest = &rest[rest.find("current='").unwrap() + 9..];
    (a.to_string(), rest.split_once('\'').unwrap().0.to_string())
}

#[test]
fn an_operation_removed_from_the_code_is_one_removal_not_a_mismatch_and_an_extra() {
    for rel in [
        "python-sdk-cases/removed-operation.history.json",
        "python-sdk-cases/removed-operation.store.json",
        "js-sdk-cases/removed-operation.history.json",
    ] {
        let (e, a) = load_one(rel);
        let text = sdk_text(&e);
        // What the SDK said: the removed step and what the code met instead.
        let (removed, goes_on, pos, expected_type, found_type) = if rel.starts_with("python") {
            let (removed, goes_on) = py_field(&text, "name");
            let (et, ft) = py_field(&text, "type");
            (removed, goes_on, 2, et, ft)
        } else {
            // JS: `Operation type mismatch for step "2". Expected type
            // "STEP", but got "WAIT".`; the names are the recording's: the
            // step at that position, and the next operation of that type.
            let q = |after: &str| {
                let r = &text[text.find(after).unwrap() + after.len()..];
                r.split('"').nth(1).unwrap().to_string()
            };
            let pos: u32 = q("for step ").parse().unwrap();
            let (et, ft) = (q("Expected type "), q("but got "));
            let root: Vec<_> = e
                .operations
                .iter()
                .filter(|o| o.parent_id.is_none())
                .collect();
            let removed = root[pos as usize - 1].name.clone().unwrap();
            let goes_on = root[pos as usize..]
                .iter()
                .find(|o| o.op_type.as_str() == ft)
                .and_then(|o| o.name.clone())
                .unwrap();
            (removed, goes_on, pos, et, ft)
        };
        let left = invocation_sequence(&e, &a, 0);
        let right = invocation_sequence(&e, &a, 1);
        let r = diff(
            &left,
            &right,
            DiffOptions {
                allow_progress: true,
            },
        );
        let kinds: Vec<RowKind> = r.rows.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            [RowKind::Same, RowKind::Removed, RowKind::Same],
            "{rel}: {:#?}",
            r.rows
        );
        let row = &r.rows[1];
        assert_eq!(
            left[row.left.unwrap()].sig.name.as_deref(),
            Some(&*removed),
            "{rel}"
        );
        // The operation after the removal pairs up again, one slot earlier.
        let after = &r.rows[2];
        assert_eq!(
            (after.position, after.right_position),
            (pos + 1, Some(pos)),
            "{rel}"
        );
        assert_eq!(
            left[after.left.unwrap()].sig.name.as_deref(),
            Some(&*goes_on)
        );
        assert_eq!(r.violations.len(), 1, "{rel}");
        let v = &r.violations[0];
        // Positional, as replay saw it.
        assert_eq!(v.position, pos, "{rel}");
        assert_eq!(v.expected.as_ref().unwrap().op_type.as_str(), expected_type);
        assert_eq!(v.found.as_ref().unwrap().op_type.as_str(), found_type);
        // Python names what the code called; JS only its type.
        let found = if rel.starts_with("python") {
            format!("operation '{goes_on}' of type {found_type}")
        } else {
            format!("an operation of type {found_type}")
        };
        assert_eq!(
            v.to_string(),
            format!(
                "Replay consistency violation: Expected operation '{removed}' of type {expected_type} at position {pos}, but found {found}"
            ),
            "{rel}"
        );
        assert_eq!(
            v.edit.as_ref().map(|e| e.to_string()),
            Some(format!(
                "'{removed}' was removed; the code goes on with '{goes_on}'"
            )),
            "{rel}"
        );
    }
}

#[test]
fn python_removal_states_what_the_code_called_instead() {
    // The Python SDK names every differing field; the diagnosis keeps them
    // all (the code called the wait 'settle', not a wait named 'audit-log').
    let (e, a) = load_one("python-sdk-cases/removed-operation.history.json");
    let text = sdk_text(&e);
    let (_, current) = py_field(&text, "name");
    let d = &a.diagnoses[0];
    assert_eq!(d.found.as_ref().unwrap().name.as_deref(), Some(&*current));
    assert!(
        d.plain
            .ends_with(&format!("found operation '{current}' of type WAIT")),
        "{}",
        d.plain
    );
}

#[test]
fn a_renamed_step_is_still_a_name_mismatch_in_place() {
    // Replaced in place: the same slot holds another name, as the SDK says.
    let (e, a) = load_one("js-sdk-cases/nondeterministic.history.json");
    let r = diff(
        &invocation_sequence(&e, &a, 0),
        &invocation_sequence(&e, &a, 1),
        DiffOptions {
            allow_progress: true,
        },
    );
    let kinds: Vec<RowKind> = r.rows.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        [RowKind::Same, RowKind::NameMismatch, RowKind::Missing]
    );
    assert_eq!(r.violations.len(), 1);
    assert!(r.violations[0].edit.is_none());
}

#[test]
fn the_same_removal_read_the_other_way_is_an_insertion() {
    for rel in [
        "python-sdk-cases/removed-operation.history.json",
        "js-sdk-cases/removed-operation.history.json",
    ] {
        let (e, a) = load_one(rel);
        let (first, second) = (
            invocation_sequence(&e, &a, 0),
            invocation_sequence(&e, &a, 1),
        );
        let r = diff(
            &second,
            &first,
            DiffOptions {
                allow_progress: true,
            },
        );
        let kinds: Vec<RowKind> = r.rows.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            [RowKind::Same, RowKind::Inserted, RowKind::Same],
            "{rel}"
        );
        // The recording's own names: the step at position 2 and the wait after it.
        let root: Vec<_> = e
            .operations
            .iter()
            .filter(|o| o.parent_id.is_none())
            .collect();
        let (added, next) = (root[1].name.clone().unwrap(), root[2].name.clone().unwrap());
        assert_eq!(
            r.violations[0].edit.as_ref().map(|x| x.to_string()),
            Some(format!("'{added}' was added before '{next}'")),
            "{rel}"
        );
    }
}

#[test]
fn every_operation_is_found_at_its_place_path() {
    // The nested fanout run (map, parallel, child context): the operation
    // at each place path is the one whose place it is; a path past a
    // context's end or through a non-context finds nothing.
    let (e, a) = load_one("python-sdk/fanout.history.json");
    assert!(a.contexts.len() > 3, "nested contexts");
    for (i, p) in a.places.iter().enumerate() {
        let mut path = a.context_key(p.context);
        path.push(p.position);
        assert_eq!(a.op_at_place(&path), Some(i), "{}", e.operations[i].id);
    }
    let past = a.contexts[0].children.len() as u32 + 1;
    assert_eq!(a.op_at_place(&[past]), None);
    // Inside an operation that opens no context (a step): nothing.
    let leaf = (0..a.places.len())
        .find(|&i| a.contexts.iter().all(|c| c.op != Some(i)))
        .expect("a step");
    let mut inside = a.context_key(a.places[leaf].context);
    inside.extend([a.places[leaf].position, 1]);
    assert_eq!(a.op_at_place(&inside), None);
}

#[test]
fn a_js_type_mismatch_is_diagnosed_without_claiming_a_name() {
    // The JS SDK's text names only the type the code asked for
    // (`Operation type mismatch for step "2". Expected type "STEP", but got
    // "WAIT"`): the diagnosis, like the diff, says so and borrows no name
    // (the recorded step's name used to be given to the code's wait).
    let (e, a) = load_one("js-sdk-cases/removed-operation.history.json");
    let text = sdk_text(&e);
    let q = |after: &str| {
        let r = &text[text.find(after).unwrap() + after.len()..];
        r.split('"').nth(1).unwrap().to_string()
    };
    let pos: usize = q("for step ").parse().unwrap();
    let (expected_type, found_type) = (q("Expected type "), q("but got "));
    let root: Vec<_> = e
        .operations
        .iter()
        .filter(|o| o.parent_id.is_none())
        .collect();
    let recorded = root[pos - 1].name.clone().unwrap();
    let d = &a.diagnoses[0];
    assert_eq!(
        d.plain,
        format!(
            "Replay consistency violation: Expected operation '{recorded}' of type {expected_type} at position {pos}, but found an operation of type {found_type}"
        )
    );
    let found = d.found.as_ref().unwrap();
    assert_eq!(found.name, None);
    assert_eq!(found.op_type.as_str(), found_type);
}
