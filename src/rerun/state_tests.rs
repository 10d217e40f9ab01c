//! Unit tests of the checkpoint rules.
use super::*;

fn upd(id: &str, ty: &str, action: &str, name: &str) -> OperationUpdate {
    OperationUpdate {
        id: id.into(),
        op_type: ty.into(),
        action: action.into(),
        name: Some(name.into()),
        ..OperationUpdate::default()
    }
}

fn state() -> ExecState {
    let exec = WireOp {
        id: "inv-1".into(),
        op_type: "EXECUTION".into(),
        status: "STARTED".into(),
        ..WireOp::default()
    };
    ExecState::new("arn:test".into(), exec, Vec::new())
}

#[test]
fn step_start_then_succeed_in_one_batch_is_accepted() {
    let mut s = state();
    let t = s.begin_invocation(0);
    let mut ok = upd("a", "STEP", "SUCCEED", "one");
    ok.payload = Some("1".into());
    let answer = s
        .checkpoint(&t, &[upd("a", "STEP", "START", "one"), ok])
        .unwrap();
    assert_eq!(
        answer["NewExecutionState"]["Operations"][0]["Status"],
        "SUCCEEDED"
    );
    assert_eq!(
        answer["NewExecutionState"]["Operations"][0]["StepDetails"]["Attempt"],
        1
    );
    assert_ne!(answer["CheckpointToken"], Value::from(t));
}

#[test]
fn renamed_operation_and_stale_token_are_refused_and_nothing_changes() {
    let mut s = state();
    let t = s.begin_invocation(0);
    s.checkpoint(&t, &[upd("a", "STEP", "START", "one")])
        .unwrap();
    let t2 = s.token.clone();
    let err = s
        .checkpoint(&t2, &[upd("a", "STEP", "SUCCEED", "two")])
        .unwrap_err();
    assert!(
        err.message.starts_with("Inconsistent operation name"),
        "{err}"
    );
    assert_eq!(s.get("a").unwrap().status, "STARTED");
    let err = s
        .checkpoint("nope", &[upd("b", "STEP", "START", "x")])
        .unwrap_err();
    assert!(err.message.starts_with("Invalid Checkpoint Token"));
    assert_eq!(s.rejections.len(), 2);
}

#[test]
fn illegal_transitions_unknown_ids_and_oversized_payloads_are_refused() {
    let mut s = state();
    let t = s.begin_invocation(0);
    assert!(s
        .checkpoint(&t, &[upd("w", "WAIT", "CANCEL", "w")])
        .is_err());
    let mut big = upd("a", "STEP", "SUCCEED", "big");
    big.payload = Some("x".repeat(MAX_PAYLOAD_BYTES + 1));
    assert!(s
        .checkpoint(&t, &[big])
        .unwrap_err()
        .message
        .contains("exceeds"));
    s.checkpoint(&t, &[upd("w", "WAIT", "START", "w")]).unwrap();
    let t = s.token.clone();
    assert!(s.checkpoint(&t, &[upd("w", "WAIT", "START", "w")]).is_err());
    assert!(s
        .checkpoint(&t, &[upd("c", "CALLBACK", "SUCCEED", "c")])
        .is_err());
}

#[test]
fn a_retried_batch_gets_the_same_answer() {
    let mut s = state();
    let t = s.begin_invocation(0);
    let batch = [upd("a", "STEP", "START", "one")];
    let first = s.checkpoint(&t, &batch).unwrap();
    assert_eq!(s.checkpoint(&t, &batch).unwrap(), first);
}

#[test]
fn an_absurd_wait_saturates_instead_of_wrapping() {
    let mut s = state();
    let t = s.begin_invocation(0);
    let mut wait = upd("w", "WAIT", "START", "forever");
    wait.wait_options = Some(serde_json::json!({"WaitSeconds": 1e300}));
    // Computed plainly, now + i64::MAX µs overflows (a panic here, a time
    // in the past in release).
    let answer = s.checkpoint(&t, &[wait]).unwrap();
    let end = &answer["NewExecutionState"]["Operations"][0]["WaitDetails"]["ScheduledEndTimestamp"];
    assert!(
        end.as_f64().is_some_and(|t| t > 1e12),
        "far in the future: {end}"
    );
    let mut clock = VirtualClock::default();
    clock.advance_to(Ts(i64::MAX));
    assert_eq!(clock.now(), Ts(i64::MAX));
}

fn child(id: &str, ty: &str, action: &str, name: &str, parent: &str) -> OperationUpdate {
    OperationUpdate {
        parent_id: Some(parent.into()),
        ..upd(id, ty, action, name)
    }
}

#[test]
fn a_batch_sees_what_it_started_and_a_refused_one_leaves_no_trace() {
    let mut s = state();
    let t = s.begin_invocation(0);
    // A context and its children in one batch: the children's parent
    // exists only in the batch itself.
    s.checkpoint(
        &t,
        &[
            upd("ctx", "CONTEXT", "START", "branch"),
            child("cb", "CALLBACK", "START", "approve", "ctx"),
            child("st", "STEP", "START", "work", "ctx"),
        ],
    )
    .unwrap();
    assert_eq!(s.get("st").unwrap().parent_id.as_deref(), Some("ctx"));
    let cb = s.get("cb").unwrap().callback_details.clone().unwrap();
    let cb_id = cb["CallbackId"].as_str().unwrap().to_string();
    assert_eq!(s.op_for_callback(&cb_id), Some("cb"));
    let (ops, log) = (s.operations().len(), s.log_of("st").len());
    // Refused at its last update: the callback and step before it must
    // not be there, nor their log entries, nor a callback id.
    let t = s.token.clone();
    let err = s
        .checkpoint(
            &t,
            &[
                child("cb2", "CALLBACK", "START", "second", "ctx"),
                child("st", "STEP", "SUCCEED", "work", "ctx"),
                child("st", "STEP", "SUCCEED", "work", "ctx"),
            ],
        )
        .unwrap_err();
    assert!(err.message.contains("same ID"), "{err}");
    assert_eq!(s.operations().len(), ops);
    assert_eq!(s.log_of("st").len(), log);
    assert!(s.get("cb2").is_none());
    assert_eq!(s.get("st").unwrap().status, "STARTED");
    // The next callback gets the next number, as if the refused one never was.
    let t = s.token.clone();
    let answer = s
        .checkpoint(&t, &[child("cb3", "CALLBACK", "START", "third", "ctx")])
        .unwrap();
    let next = answer["NewExecutionState"]["Operations"][0]["CallbackDetails"]["CallbackId"]
        .as_str()
        .unwrap();
    assert_ne!(next, cb_id);
    assert_eq!(s.op_for_callback(next), Some("cb3"));
    assert_eq!(s.callbacks.len(), 2);
}
