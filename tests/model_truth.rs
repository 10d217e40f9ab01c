//! The model agrees with what the SDKs and the service recorded, on the
//! shapes where it used to be wrong (issue 10, "What the oracle will find").
//! Every expected value is read from the fixture files themselves.

use durable_lens::load::{load_bytes, load_path};
use durable_lens::model::{Execution, OpStatus, Ts};
use durable_lens::replay::{analyze, Outcome, Role};
use serde_json::Value;
use std::path::PathBuf;

fn fx(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn one(rel: &str) -> Execution {
    let mut h = load_path(&fx(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(h.executions.len(), 1, "{rel}");
    h.executions.remove(0)
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fx(rel)).unwrap()).unwrap()
}

fn events(rel: &str) -> Vec<Value> {
    json(rel)["Events"].as_array().unwrap().clone()
}

/// An event timestamp as the file writes it: epoch seconds or ISO text.
fn ts(v: &Value) -> Ts {
    match v {
        Value::Number(n) => Ts::from_epoch_seconds(n.as_f64().unwrap()).unwrap(),
        Value::String(s) => Ts::parse_iso(s).unwrap(),
        other => panic!("not a timestamp: {other}"),
    }
}

fn op_index(e: &Execution, name: &str) -> usize {
    e.operations
        .iter()
        .position(|o| o.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no operation {name}"))
}

#[test]
fn a_step_whose_retries_ran_out_is_failed_on_every_python_shape() {
    // The store's final state says what became of the step.
    let store = json("python-sdk-cases/exhausted.store.json");
    let recorded = store["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["Name"] == "charge-card")
        .unwrap();
    assert_eq!(recorded["Status"], "FAILED");
    let evs = events("python-sdk-cases/exhausted.history.json");
    let failed: Vec<&Value> = evs
        .iter()
        .filter(|e| e["EventType"] == "StepFailed" && e["Name"] == "charge-card")
        .collect();
    let last = failed.last().unwrap();
    let message = last["StepFailedDetails"]["Error"]["Payload"]["ErrorMessage"]
        .as_str()
        .unwrap();
    for rel in [
        "python-sdk-cases/exhausted.history.json",
        "python-sdk-cases/exhausted.history-cli.json",
        "python-sdk-cases/exhausted.store.json",
    ] {
        let e = one(rel);
        let op = &e.operations[op_index(&e, "charge-card")];
        assert_eq!(op.status, OpStatus::Failed, "{rel}");
        assert_eq!(op.attempts.len(), failed.len(), "{rel}");
        assert!(op.attempts.iter().all(|a| a.status == OpStatus::Failed));
        assert_eq!(op.attempts.last().unwrap().next_attempt_at, None, "{rel}");
        assert_eq!(op.next_attempt_at, None, "{rel}");
        assert_eq!(op.error.as_ref().unwrap().message.as_deref(), Some(message));
        if rel.ends_with("history.json") {
            assert_eq!(op.end, Some(ts(&last["EventTimestamp"])), "{rel}");
        }
    }
}

#[test]
fn an_execution_that_timed_out_while_suspended_ended_pending_in_its_last_invocation() {
    let evs = events("python-sdk-cases/suspended-timeout.history.json");
    assert!(evs.iter().any(|e| e["EventType"] == "ExecutionTimedOut"));
    // The callback the handler suspended on: started, never finished.
    let cb = evs
        .iter()
        .find(|e| e["EventType"] == "CallbackStarted")
        .unwrap();
    assert!(!evs
        .iter()
        .any(|e| e["Id"] == cb["Id"] && e["EventType"] != "CallbackStarted"));
    for rel in [
        "python-sdk-cases/suspended-timeout.history.json",
        "python-sdk-cases/suspended-timeout.history-cli.json",
        "python-sdk-cases/suspended-timeout.store.json",
    ] {
        let e = one(rel);
        assert_eq!(e.status, Some(OpStatus::TimedOut), "{rel}");
        let a = analyze(&e);
        let i = e
            .op_index(cb["Id"].as_str().unwrap())
            .unwrap_or_else(|| panic!("{rel}: no callback"));
        let last = a.invocations.last().unwrap();
        assert_eq!(last.outcome, Outcome::Pending(vec![i]), "{rel}");
    }
}

#[test]
fn completed_waits_are_not_waited_on_later() {
    let rel = "python-sdk-cases/two-waits.history.json";
    let evs = events(rel);
    let first_end = evs
        .iter()
        .find(|e| e["EventType"] == "WaitSucceeded" && e["Name"] == "first-wait")
        .unwrap();
    for rel in [
        rel,
        "python-sdk-cases/two-waits.history-cli.json",
        "python-sdk-cases/two-waits.store.json",
    ] {
        let e = one(rel);
        let a = analyze(&e);
        let w1 = op_index(&e, "first-wait");
        let w2 = op_index(&e, "second-wait");
        assert_eq!(a.invocations.len(), 3, "{rel}");
        assert_eq!(
            a.invocations[0].outcome,
            Outcome::Pending(vec![w1]),
            "{rel}"
        );
        assert_eq!(
            a.invocations[1].outcome,
            Outcome::Pending(vec![w2]),
            "{rel}"
        );
        assert_eq!(a.invocations[2].outcome, Outcome::Succeeded, "{rel}");
    }
    // Invocation 2 was woken by the first wait's end, not started at the
    // end of invocation 1 (which would span the whole wait).
    let e = one(rel);
    assert_eq!(
        e.invocations[1].start,
        Some(ts(&first_end["EventTimestamp"]))
    );
    assert!(e.invocations[1].start_inferred);
}

#[test]
fn a_bare_invocation_completed_starts_at_what_woke_the_handler() {
    let rel = "python-sdk/retries.history.json";
    let evs = events(rel);
    let e = one(rel);
    let started = ts(&evs[0]["EventTimestamp"]);
    let first_fail = evs.iter().find(|e| e["EventType"] == "StepFailed").unwrap();
    let delay = first_fail["StepFailedDetails"]["RetryDetails"]["NextAttemptDelaySeconds"]
        .as_f64()
        .unwrap();
    let retry_due = Ts(ts(&first_fail["EventTimestamp"]).0 + (delay * 1e6) as i64);
    let invs = &e.invocations;
    assert_eq!(invs[0].start, Some(started));
    assert_eq!(invs[1].start, Some(retry_due));
    assert!(invs[1].start > invs[0].end, "not the previous end");
    assert!(invs.iter().all(|i| i.start_inferred && !i.end_inferred));

    let rel = "python-sdk/order-flow.history.json";
    let evs = events(rel);
    let wait_end = evs
        .iter()
        .find(|e| e["EventType"] == "WaitSucceeded")
        .unwrap();
    let e = one(rel);
    assert_eq!(
        e.invocations[1].start,
        Some(ts(&wait_end["EventTimestamp"]))
    );

    // The JS tool records both times.
    let e = one("js-sdk/order-flow.history.json");
    assert!(e
        .invocations
        .iter()
        .all(|i| !i.start_inferred && !i.end_inferred));
}

#[test]
fn the_js_operations_file_takes_status_errors_and_retries_from_its_invocation_list() {
    let list = json("js-sdk-cases/nondeterministic.invocations.json");
    let sdk_error = list.as_array().unwrap().last().unwrap()["error"].clone();
    let e = one("js-sdk-cases/nondeterministic.operations.json");
    assert_eq!(e.status, Some(OpStatus::Failed));
    let err = e.invocations.last().unwrap().error.as_ref().unwrap();
    assert_eq!(err.message.as_deref(), sdk_error["errorMessage"].as_str());
    assert_eq!(err.error_type.as_deref(), sdk_error["errorType"].as_str());
    let a = analyze(&e);
    assert_eq!(a.diagnoses.len(), 1);
    // `... for step "2"` in the SDK's own text.
    assert_eq!(a.diagnoses[0].position, Some(2));

    // Attempts: the operations file says `Attempt: 3`; the history of the
    // same run has each attempt's StepStarted.
    let ops = json("js-sdk-cases/retries.operations.json");
    let n = ops[0]["StepDetails"]["Attempt"].as_u64().unwrap() as usize;
    let from_ops = one("js-sdk-cases/retries.operations.json");
    let from_history = one("js-sdk-cases/retries.history.json");
    let name = ops[0]["Name"].as_str().unwrap();
    let a = &from_ops.operations[op_index(&from_ops, name)].attempts;
    let b = &from_history.operations[op_index(&from_history, name)].attempts;
    assert_eq!(a.len(), n);
    assert_eq!(b.len(), n);
    let inv = |x: &[durable_lens::model::Attempt]| -> Vec<(u32, Option<usize>, OpStatus)> {
        x.iter()
            .map(|t| (t.number, t.invocation, t.status))
            .collect()
    };
    assert_eq!(inv(a), inv(b));
    assert_eq!(from_ops.status, Some(OpStatus::Succeeded));
    // The two shapes of one run give the same per-invocation picture.
    for (x, y) in [
        (
            "js-sdk-cases/retries.operations.json",
            "js-sdk-cases/retries.history.json",
        ),
        (
            "js-sdk-cases/nondeterministic.operations.json",
            "js-sdk-cases/nondeterministic.history.json",
        ),
    ] {
        let (ex, ey) = (one(x), one(y));
        let (ax, ay) = (analyze(&ex), analyze(&ey));
        let table = |a: &durable_lens::replay::Analysis| -> Vec<((usize, usize), &'static str)> {
            a.invocations
                .iter()
                .map(|i| (i.counts(), i.outcome.label()))
                .collect()
        };
        assert_eq!(table(&ax), table(&ay), "{x} vs {y}");
    }
}

#[test]
fn a_context_open_across_invocations_is_resumed_in_each_until_it_closes() {
    let rel = "aws-service/dag-parallel-failed.history-boto3.json";
    let evs = events(rel);
    let dag = evs.iter().find(|e| e["SubType"] == "Dag").unwrap();
    // The Dag context's direct children in order, from the file.
    let mut children: Vec<&str> = Vec::new();
    for ev in &evs {
        if ev["ParentId"] == dag["Id"] {
            let id = ev["Id"].as_str().unwrap();
            if !children.contains(&id) {
                children.push(id);
            }
        }
    }
    let join_id = evs.iter().find(|e| e["Name"] == "join").unwrap()["Id"]
        .as_str()
        .unwrap();
    let join_position = children.iter().position(|&c| c == join_id).unwrap() as u32 + 1;
    // The Dag's position in the root, and the invocations that begin while
    // it is open (after an InvocationCompleted that precedes its end), both
    // from the file.
    let mut roots: Vec<&str> = Vec::new();
    for ev in &evs {
        let kind = ev["EventType"].as_str().unwrap();
        if ev["ParentId"].is_null() && !kind.starts_with("Execution") {
            if let Some(id) = ev["Id"].as_str().filter(|id| !roots.contains(id)) {
                roots.push(id);
            }
        }
    }
    let dag_position = roots.iter().position(|&r| r == dag["Id"]).unwrap() as u32 + 1;
    let closed_at = evs
        .iter()
        .position(|e| e["Id"] == dag["Id"] && e["EventType"] == "ContextSucceeded")
        .unwrap();
    let open_starts = evs[..closed_at]
        .iter()
        .filter(|e| e["EventType"] == "InvocationCompleted")
        .count();
    let e = one(rel);
    let a = analyze(&e);
    assert_eq!(a.invocations.len(), open_starts + 1);
    let d = e.op_index(dag["Id"].as_str().unwrap()).unwrap();
    let ctx = a.contexts.iter().position(|c| c.op == Some(d)).unwrap();
    assert_eq!(a.invocations[0].role(d), Some(Role::Executed));
    // Each later invocation finds the Dag with no terminal checkpoint: the
    // SDK switches to execution there (docs/formats.md §7) and resumes it,
    // the one that closes it included, and inside it switches at `join`,
    // its first child still unfinished (its attempts keep failing).
    for inv in &a.invocations[1..] {
        let k = inv.index + 1;
        assert_eq!(inv.role(d), Some(Role::Executed), "invocation {k}");
        assert_eq!(
            inv.root_switch().map(|s| (s.position, s.op)),
            Some((dag_position, d)),
            "invocation {k}"
        );
        let inner: Vec<u32> = inv
            .switches
            .iter()
            .filter(|s| s.context == ctx)
            .map(|s| s.position)
            .collect();
        assert_eq!(inner, [join_position], "invocation {k}");
    }
    let counts: Vec<(usize, usize)> = a.invocations[1..].iter().map(|i| i.counts()).collect();
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
}

#[test]
fn boto3_dumps_of_the_service_load_with_exact_values() {
    let rel = "aws-service/dag-diamond.history-boto3.json";
    let doc = json(rel);
    assert!(doc.get("ResponseMetadata").is_some());
    let evs = events(rel);
    // 2026-07-24 22:10:24.645000-07:00 is 2026-07-25 05:10:24.645 UTC.
    assert_eq!(evs[0]["EventTimestamp"], "2026-07-24 22:10:24.645000-07:00");
    let h = load_path(&fx(rel)).unwrap();
    assert!(h.warnings.is_empty(), "{:?}", h.warnings);
    let e = &h.executions[0];
    assert_eq!(e.start, Some(Ts(1_784_956_224_645_000)));
    let mut ids: Vec<&str> = Vec::new();
    for ev in &evs {
        if let Some(id) = ev["Id"].as_str() {
            if !ev["EventType"].as_str().unwrap().starts_with("Execution") && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    assert_eq!(e.operations.len(), ids.len());
    let dag = evs.iter().find(|e| e["SubType"] == "Dag").unwrap();
    let d = e.op_index(dag["Id"].as_str().unwrap()).unwrap();
    assert_eq!(e.operations[d].sub_type.as_deref(), Some("Dag"));
    // Finished with `Result: {"Truncated": false}`: an empty result.
    assert_eq!(e.operations[d].status, OpStatus::Succeeded);
    let a = analyze(e);
    let ctx = a.contexts.iter().find(|c| c.op == Some(d)).unwrap();
    let names: Vec<&str> = ctx
        .children
        .iter()
        .map(|&i| e.operations[i].name.as_deref().unwrap())
        .collect();
    let mut expected: Vec<&str> = Vec::new();
    for ev in evs.iter().filter(|ev| ev["ParentId"] == dag["Id"]) {
        let n = ev["Name"].as_str().unwrap();
        if !expected.contains(&n) {
            expected.push(n);
        }
    }
    assert_eq!(names, expected);

    let rel = "aws-service/dag-parallel-failed.history-boto3.json";
    let evs = events(rel);
    let e = one(rel);
    let join = &e.operations[op_index(&e, "join")];
    let starts = evs
        .iter()
        .filter(|ev| ev["EventType"] == "StepStarted" && ev["Name"] == "join")
        .count();
    assert_eq!(join.attempts.len(), starts);
    let completions = evs
        .iter()
        .filter(|ev| ev["EventType"] == "InvocationCompleted")
        .count();
    assert_eq!(e.invocations.len(), completions);
    assert_eq!(completions, 6);
    let failed = evs.last().unwrap();
    assert_eq!(failed["EventType"], "ExecutionFailed");
    assert_eq!(e.status, Some(OpStatus::Failed));
    assert_eq!(
        e.error.as_ref().unwrap().error_type.as_deref(),
        failed["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorType"].as_str()
    );
}

#[test]
fn unknown_subtypes_and_event_types_are_kept_not_refused() {
    let rel = "aws-service/dag-diamond.history-boto3.json";
    let mut doc = json(rel);
    let evs = doc["Events"].as_array_mut().unwrap();
    evs[1]["SubType"] = "Frobnicate".into();
    evs[10]["SubType"] = "Frobnicate".into();
    let mut extra = evs[2].clone();
    extra["EventType"] = "DagCheckpointed".into();
    extra["EventId"] = 14.into();
    evs.push(extra);
    let h = load_bytes("mutated.json", doc.to_string().as_bytes()).unwrap();
    let e = &h.executions[0];
    let ctx = evs_id(&json(rel), 1);
    assert_eq!(
        e.operations[e.op_index(&ctx).unwrap()].sub_type.as_deref(),
        Some("Frobnicate")
    );
    assert!(
        h.warnings.iter().any(|w| w.contains("DagCheckpointed")),
        "{:?}",
        h.warnings
    );
}

fn evs_id(doc: &Value, i: usize) -> String {
    doc["Events"][i]["Id"].as_str().unwrap().to_string()
}

#[test]
fn payloads_marked_truncated_are_truncated_only_when_cut() {
    let rel = "python-sdk/order-flow.history.json";
    let mut doc = json(rel);
    let evs = doc["Events"].as_array_mut().unwrap();
    let i = evs
        .iter()
        .position(|e| e["EventType"] == "StepSucceeded")
        .unwrap();
    let result = &mut evs[i]["StepSucceededDetails"]["Result"];
    let text = result["Payload"].as_str().unwrap().to_string();
    result["Truncated"] = true.into();
    // Complete JSON text, flagged as the Python tool does: not truncated.
    let h = load_bytes("flagged.json", doc.to_string().as_bytes()).unwrap();
    assert!(
        !h.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        h.warnings
    );
    let e = &h.executions[0];
    assert!(e
        .operations
        .iter()
        .all(|o| o.result.as_ref().is_none_or(|p| !p.truncated)));
    // Really cut: truncated.
    let evs = doc["Events"].as_array_mut().unwrap();
    evs[i]["StepSucceededDetails"]["Result"]["Payload"] = text[..text.len() / 2].into();
    let h = load_bytes("cut.json", doc.to_string().as_bytes()).unwrap();
    assert!(
        h.warnings
            .iter()
            .any(|w| w.contains("1 payload(s) are truncated")),
        "{:?}",
        h.warnings
    );
}

#[test]
fn absent_payloads_are_reported_only_for_histories_without_data() {
    // Without execution data the service leaves every Payload out, the
    // input's included.
    let rel = "python-sdk/order-flow.history.json";
    let mut doc = json(rel);
    for ev in doc["Events"].as_array_mut().unwrap() {
        if let Some(obj) = ev.as_object_mut() {
            for (k, v) in obj.iter_mut() {
                if k.ends_with("Details") {
                    for key in ["Input", "Result"] {
                        if let Some(p) = v.get_mut(key).and_then(Value::as_object_mut) {
                            p.remove("Payload");
                        }
                    }
                }
            }
        }
    }
    let h = load_bytes("no-data.json", doc.to_string().as_bytes()).unwrap();
    assert!(
        h.warnings.iter().any(|w| w.contains("absent")),
        "{:?}",
        h.warnings
    );
}

/// The JS runner's operation records of order-flow, as a bare array
/// without the sibling invocation list (GetDurableExecutionState's shape).
fn js_ops() -> Vec<Value> {
    json("js-sdk/order-flow.operations.json")
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_callback_answered_while_a_step_ran_is_no_invocation_boundary() {
    let base = js_ops();
    let t = |ms: i64| Ts(1_795_534_460_000_000 + ms * 1000).to_iso();
    let step = |id: &str, name: &str, parent: Option<&str>, s: i64, e: i64| {
        let mut o = base[0].clone();
        o["Id"] = id.into();
        o["Name"] = name.into();
        if let Some(p) = parent {
            o["ParentId"] = p.into();
        }
        o["StartTimestamp"] = t(s).into();
        o["EndTimestamp"] = t(e).into();
        o
    };
    let ctx = serde_json::json!({"Id": "c81e728d9d4c2f63", "Name": "manager-approval", "Type": "CONTEXT",
        "SubType": "WaitForCallback", "Status": "SUCCEEDED", "StartTimestamp": t(10), "EndTimestamp": t(60),
        "ContextDetails": {"Result": "\"yes\""}});
    // Answered at +20 ms while the submitter step ran from +11 to +30 ms.
    let cb = serde_json::json!({"Id": "8fbdbf5573b18fae", "ParentId": "c81e728d9d4c2f63", "Type": "CALLBACK",
        "SubType": "Callback", "Status": "SUCCEEDED", "StartTimestamp": t(10), "EndTimestamp": t(20),
        "CallbackDetails": {"CallbackId": "abc", "Result": "\"yes\""}});
    let ops = vec![
        step("c4ca4238a0b92382", "request-approval", None, 0, 1),
        ctx,
        cb,
        step(
            "3c46a0407be60a1f",
            "submitter",
            Some("c81e728d9d4c2f63"),
            11,
            30,
        ),
        step("eccbc87e4b5ce2fe", "finalize", None, 61, 62),
    ];
    let h = load_bytes("ops.json", Value::Array(ops).to_string().as_bytes()).unwrap();
    let a = analyze(&h.executions[0]);
    assert!(a.invocations_inferred);
    assert_eq!(a.invocations.len(), 1, "the handler never suspended");

    // The real JS run: the callback answered after the submitter step
    // ended; the inferred boundaries give the runner's two invocations.
    let list = json("js-sdk-cases/callback-flow.invocations.json");
    let bytes = std::fs::read(fx("js-sdk-cases/callback-flow.operations.json")).unwrap();
    let h = load_bytes("alone.json", &bytes).unwrap();
    let a = analyze(&h.executions[0]);
    assert_eq!(a.invocations.len(), list.as_array().unwrap().len());
}

#[test]
fn a_step_ready_for_its_retry_leaves_the_last_invocation_pending_on_it() {
    let mut ops = js_ops();
    ops.truncate(2);
    let mut failing = ops[1].clone();
    failing["Status"] = "READY".into();
    failing.as_object_mut().unwrap().remove("EndTimestamp");
    failing["StepDetails"] = serde_json::json!({"Attempt": 1,
        "NextAttemptTimestamp": ops[1]["StartTimestamp"],
        "Error": {"ErrorType": "Error", "ErrorMessage": "gateway timeout"}});
    ops[1] = failing;
    let h = load_bytes("ready.json", Value::Array(ops).to_string().as_bytes()).unwrap();
    let e = &h.executions[0];
    let a = analyze(e);
    let i = op_index(e, "process-payment");
    assert_eq!(
        a.invocations.last().unwrap().outcome,
        Outcome::Pending(vec![i])
    );
}

#[test]
fn a_later_page_alone_says_it_is_partial() {
    let rel = "aws-service/dag-parallel-failed.history-boto3.json";
    let mut doc = json(rel);
    // The page that starts after the first InvocationCompleted.
    let evs: Vec<Value> = doc["Events"].as_array().unwrap().clone();
    let cut = evs
        .iter()
        .position(|e| e["EventType"] == "InvocationCompleted")
        .unwrap()
        + 1;
    let first_id = evs[cut]["EventId"].as_u64().unwrap();
    doc["Events"] = Value::Array(evs[cut..].to_vec());
    let h = load_bytes("page-2.json", doc.to_string().as_bytes()).unwrap();
    let partial = format!("partial history: it starts at event {first_id}");
    assert!(
        h.warnings.iter().any(|w| w.starts_with(&partial)),
        "{:?}",
        h.warnings
    );
    assert!(!h
        .warnings
        .iter()
        .any(|w| w.contains("is missing") || w.contains("are missing")));
}

#[test]
fn a_source_without_execution_events_is_not_missing_event_one() {
    // Operation events only, numbered as the service numbers them (the
    // ExecutionStarted it leaves out was 1).
    let rel = "aws-service/dag-diamond.history-boto3.json";
    let mut doc = json(rel);
    let evs: Vec<Value> = doc["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["EventType"].as_str().unwrap().starts_with("Execution"))
        .cloned()
        .collect();
    assert_eq!(evs[0]["EventId"], 2);
    doc["Events"] = Value::Array(evs);
    let h = load_bytes("ops-only.json", doc.to_string().as_bytes()).unwrap();
    assert!(
        !h.warnings.iter().any(|w| w.contains("event 1")),
        "{:?}",
        h.warnings
    );
}

#[test]
fn an_error_flagged_truncated_but_whole_is_not_truncated() {
    let rel = "python-sdk/retries.history.json";
    let mut doc = json(rel);
    let evs = doc["Events"].as_array_mut().unwrap();
    let i = evs
        .iter()
        .position(|e| e["EventType"] == "StepFailed")
        .unwrap();
    evs[i]["StepFailedDetails"]["Error"]["Truncated"] = true.into();
    let message = evs[i]["StepFailedDetails"]["Error"]["Payload"]["ErrorMessage"].clone();
    let h = load_bytes("flagged-error.json", doc.to_string().as_bytes()).unwrap();
    assert!(
        !h.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        h.warnings
    );
    let a = &h.executions[0].operations[0].attempts[0];
    let err = a.error.as_ref().unwrap();
    assert!(!err.truncated);
    assert_eq!(err.message.as_deref(), message.as_str());
}

#[test]
fn a_final_state_counts_one_invocation_per_attempt_of_a_retried_step() {
    // The store's final operations alone, as GetDurableExecutionState gives
    // them: the step keeps only its last attempt (`Attempt: 3`).
    for rel in [
        "python-sdk/retries.store.json",
        "python-sdk-cases/exhausted.store.json",
    ] {
        let store = json(rel);
        let state = serde_json::json!({ "Operations": store["Operations"] });
        let h = load_bytes("state.json", state.to_string().as_bytes()).unwrap();
        let a = analyze(&h.executions[0]);
        assert!(a.invocations_inferred, "{rel}");
        // The same run's invocations as the store recorded them.
        let recorded = store["InvocationCompletions"].as_array().unwrap().len();
        let attempts = store["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["StepDetails"]["Attempt"].as_u64())
            .max()
            .unwrap() as usize;
        assert_eq!(attempts, recorded, "{rel}: one invocation per attempt");
        assert_eq!(a.invocations.len(), recorded, "{rel}");
        let step = h.executions[0]
            .operations
            .iter()
            .position(|o| o.name.as_deref() == Some("charge-card"))
            .unwrap();
        // Every invocation ran the step; all but the last waited for its retry.
        for inv in &a.invocations {
            assert_eq!(inv.role(step), Some(Role::Executed), "{rel}");
        }
        for inv in &a.invocations[..recorded - 1] {
            assert_eq!(inv.outcome, Outcome::Pending(vec![step]), "{rel}");
        }
    }
}

#[test]
fn a_failed_state_without_any_error_says_why_it_failed_is_not_in_it() {
    // The store's final operations alone, as GetDurableExecutionState gives
    // them: the execution FAILED on the SDK's non-determinism error, which
    // only the store's invocation records hold.
    let rel = "python-sdk/nondeterministic.store.json";
    let store = json(rel);
    let ops = store["Operations"].as_array().unwrap();
    assert!(ops
        .iter()
        .any(|o| o["Type"] == "EXECUTION" && o["Status"] == "FAILED"));
    assert!(!serde_json::to_string(ops).unwrap().contains("Error"));
    let state = serde_json::json!({ "Operations": ops });
    let h = load_bytes("state.json", state.to_string().as_bytes()).unwrap();
    assert!(
        h.warnings
            .iter()
            .any(|w| w.starts_with("the execution FAILED but this state holds no error")),
        "{:?}",
        h.warnings
    );
    // A state that succeeded, or whose failure is in it, has nothing to say.
    for rel in [
        "python-sdk/retries.store.json",
        "python-sdk-cases/exhausted.store.json",
    ] {
        let state = serde_json::json!({ "Operations": json(rel)["Operations"] });
        let h = load_bytes("state.json", state.to_string().as_bytes()).unwrap();
        assert!(h.warnings.is_empty(), "{rel}: {:?}", h.warnings);
    }
}

#[test]
fn a_java_handler_on_the_service_is_not_taken_for_python() {
    // tests/fixtures/aws-service/README.md: recorded with the official Java
    // SDK. Its 64-hex ids are no Python blake2b counter hash, and its
    // payloads are plain JSON, so nothing says Python.
    let h = load_path(&fx("aws-service/dag-parallel-failed.history-boto3.json")).unwrap();
    let e = &h.executions[0];
    assert!(e.operations.iter().any(|o| o.id.len() == 64));
    assert_ne!(e.sdk, durable_lens::model::Sdk::Python);
}

#[test]
fn a_java_history_with_md5_ids_is_not_claimed_to_be_js() {
    // tests/fixtures/aws-service/README.md: the Java SDK. Its ids are the
    // md5 scheme the JS SDK uses too, so the guess names the scheme, not JS.
    let h = load_path(&fx("aws-service/dag-diamond.history-boto3.json")).unwrap();
    let e = &h.executions[0];
    let first = &e.operations[0].id;
    assert_eq!(
        first,
        &format!("{:x}", md5::compute(b"1"))[..16],
        "the md5 scheme"
    );
    assert_eq!(e.sdk, durable_lens::model::Sdk::JsOrJava);
}

/// The invocations (0-based) that ended after a poll asked for another,
/// read off a history: each InvocationCompleted that follows a poll's
/// StepSucceeded carrying a NextAttemptDelaySeconds, before the next poll.
fn polls_pending(evs: &[Value], name: &str) -> Vec<usize> {
    let (mut k, mut asked, mut out) = (0, false, Vec::new());
    for e in evs {
        match e["EventType"].as_str() {
            Some("StepSucceeded") if e["Name"] == name => {
                asked =
                    !e["StepSucceededDetails"]["RetryDetails"]["NextAttemptDelaySeconds"].is_null();
            }
            Some("InvocationCompleted") => {
                if asked {
                    out.push(k);
                }
                asked = false;
                k += 1;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn a_wait_for_condition_polls_in_succeeded_attempts_and_the_invocations_between_wait_for_it() {
    // What the SDK recorded: every poll is a StepSucceeded of poll-job; the
    // first two ask for another poll (a next attempt delay).
    let evs = events("python-sdk/wait-for-condition.history.json");
    let polls = evs
        .iter()
        .filter(|e| e["EventType"] == "StepSucceeded" && e["Name"] == "poll-job")
        .count();
    let pending = polls_pending(&evs, "poll-job");
    assert_eq!((polls, pending.len()), (3, 2), "the recorded run");
    for rel in [
        "python-sdk/wait-for-condition.history.json",
        "python-sdk/wait-for-condition.store.json",
    ] {
        let e = one(rel);
        let i = op_index(&e, "poll-job");
        let op = &e.operations[i];
        assert_eq!(op.sub_type.as_deref(), Some("WaitForCondition"), "{rel}");
        let statuses: Vec<OpStatus> = op.attempts.iter().map(|a| a.status).collect();
        assert_eq!(statuses, vec![OpStatus::Succeeded; polls], "{rel}");
        let a = analyze(&e);
        for &k in &pending {
            assert_eq!(
                a.invocations[k].outcome,
                Outcome::Pending(vec![i]),
                "{rel}: invocation {}",
                k + 1
            );
        }
    }
}

#[test]
fn the_js_operations_file_keeps_a_polls_attempt_count_without_placing_what_it_cannot() {
    // The operations file keeps poll-job's last attempt number; its history
    // (same run) has one StepSucceeded per poll, and here the SDK waited
    // one poll delay out in-process: fewer invocations than polls.
    let ops = json("js-sdk-cases/wait-for-condition.operations.json");
    let recorded = ops
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["Name"] == "poll-job")
        .unwrap();
    let n = recorded["StepDetails"]["Attempt"].as_u64().unwrap() as usize;
    let evs = events("js-sdk-cases/wait-for-condition.history.json");
    let invocations = evs
        .iter()
        .filter(|e| e["EventType"] == "InvocationCompleted")
        .count();
    assert!(
        invocations < n,
        "the recorded run waited a poll out in-process"
    );
    let pending = polls_pending(&evs, "poll-job");
    let e = one("js-sdk-cases/wait-for-condition.operations.json");
    let i = op_index(&e, "poll-job");
    let op = &e.operations[i];
    assert_eq!(op.attempts.len(), n);
    for a in &op.attempts[..n - 1] {
        assert_eq!(a.status, OpStatus::Succeeded, "a poll is no failure");
        assert_eq!(a.invocation, None, "which invocation ran it is unknown");
    }
    let a = analyze(&e);
    assert!(!pending.is_empty());
    for &k in &pending {
        assert_eq!(a.invocations[k].outcome, Outcome::Pending(vec![i]));
    }
}
