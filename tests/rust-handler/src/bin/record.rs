//! Record the handler with the official SDK's own in-process `LocalRunner`
//! (feature `test-util`) the way the JS testing tool writes a run: the
//! operations (`OUT.operations.json`, a bare array) and the invocation list
//! (`OUT.invocations.json`).
//!
//!     record OUT        (writes OUT.operations.json and OUT.invocations.json)
//!
//! Which invocation started and finished each operation is the runner's
//! own answer: the handler is run again with `max_invocations(k)` for each
//! k and each operation's first appearance (and first terminal status) is
//! noted. The runner keeps no timestamps, so the invocation windows are
//! laid one second apart and each operation's times are placed inside the
//! window of the invocation that started or finished it (a wait's end in
//! the gap after it, when its timer fired).

use aws_durable_execution_sdk::test_util::LocalRunner;
use serde_json::{Value, json};
use std::collections::HashMap;

const T0: f64 = 1_780_000_000.0;

fn window(k: usize) -> (f64, f64) {
    let start = T0 + k as f64;
    (start, start + 0.5)
}

#[tokio::main]
async fn main() {
    let out = std::env::args().nth(1).expect("usage: record OUT");
    let input = json!({"orderId": "R1"});
    let run = |max: Option<usize>| {
        let input = input.clone();
        async move {
            let mut runner = LocalRunner::new();
            if let Some(m) = max {
                runner = runner.max_invocations(m);
            }
            runner.run(durable_lens_test_handler::handler, input).await
        }
    };
    let full = run(None).await;
    assert!(
        full.is_success(),
        "the handler did not succeed: {:?}",
        full.error_message()
    );
    let n = full.invocation_count();
    let mut started: HashMap<String, usize> = HashMap::new();
    let mut ended: HashMap<String, usize> = HashMap::new();
    for k in 1..=n {
        for op in run(Some(k)).await.operations() {
            started.entry(op.id().to_owned()).or_insert(k);
            if !matches!(wire(op.status()).as_str(), "STARTED" | "PENDING" | "READY") {
                ended.entry(op.id().to_owned()).or_insert(k);
            }
        }
    }
    let mut ops = vec![json!({
        "Id": "rust-recording",
        "Type": "EXECUTION",
        "Status": "SUCCEEDED",
        "StartTimestamp": window(1).0,
        "EndTimestamp": window(n).1,
        "ExecutionDetails": {"InputPayload": input.to_string()},
    })];
    for (i, op) in full.operations().iter().enumerate() {
        let ty = wire(op.op_type());
        let k = started[op.id()];
        let mut o = json!({
            "Id": op.id(),
            "Name": op.name(),
            "Type": ty,
            "SubType": op.sub_type(),
            "Status": wire(op.status()),
            "StartTimestamp": window(k).0 + 0.01 * (i + 1) as f64,
        });
        if let Some(&e) = ended.get(op.id()) {
            o["EndTimestamp"] = json!(if ty == "WAIT" {
                window(e).1 + 0.1
            } else {
                window(e).1 - 0.1 + 0.001 * i as f64
            });
        }
        if ty == "STEP" {
            o["StepDetails"] = json!({"Attempt": op.attempt(), "Result": op.result()});
        }
        ops.push(o);
    }
    let invocations: Vec<Value> = (1..=n)
        .map(|k| {
            json!({
                "startTimestamp": window(k).0,
                "endTimestamp": window(k).1,
                "requestId": format!("rust-local-{k}"),
            })
        })
        .collect();
    let write = |suffix: &str, v: &Value| {
        let path = format!("{out}.{suffix}.json");
        std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).expect("write");
    };
    write("operations", &Value::Array(ops));
    write("invocations", &Value::Array(invocations));
    eprintln!(
        "recorded {} operations in {n} invocations",
        full.operations().len()
    );
}

/// The runner names types and statuses in Rust's case (`Step`,
/// `TimedOut`); the wire's are upper snake case (`STEP`, `TIMED_OUT`).
fn wire(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}
