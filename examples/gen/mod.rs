//! Synthetic durable execution histories shaped exactly like the official
//! tools' output, for the large sample and the benchmarks. Shared by
//! `examples/gen_large_history.rs` and `benches/*.rs` (`#[path]`-included),
//! so the checked-in sample and the benchmarked input come from one place.
//!
//! * `events_history`: a GetDurableExecutionHistory document as the JS test
//!   runner writes it (ISO timestamps, JS operation ids = first 16 hex of the
//!   md5 of the dash-joined counter path: "1", "1-1", "1-1-2", ...), with top
//!   level steps, retried steps, waits that end invocations, map contexts with
//!   nested iterations, and `InvocationCompleted` events.
//! * `write_sqlite_store`: a Python testing SQLite store (same schema, WAL,
//!   indexes) with N executions whose `data` blobs look like real ones.
//!
//! Everything is deterministic for a given spec (own small PRNG), so two runs
//! give byte-identical files.
#![allow(dead_code, unused_imports)] // each includer uses a different part

use serde_json::{json, Map, Value};
use std::path::Path;

/// What to generate for an events history.
#[derive(Debug, Clone)]
pub struct EventsSpec {
    /// Operations to produce (exactly), not counting the EXECUTION one.
    pub operations: usize,
    /// Raw length of each step result payload text.
    pub payload_bytes: usize,
    /// Roughly how many operations one invocation executes before it
    /// suspends on a wait.
    pub ops_per_invocation: usize,
    pub seed: u64,
}

impl Default for EventsSpec {
    fn default() -> Self {
        EventsSpec {
            operations: 3000,
            payload_bytes: 200,
            ops_per_invocation: 60,
            seed: 0x5eed,
        }
    }
}

/// Tiny xorshift PRNG: deterministic and dependency-free; quality does not
/// matter here, only that the mix of operation kinds varies.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A version-4-shaped UUID (request ids, execution ids).
    pub fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// The JS SDK's operation id for a counter path such as "3-1-2".
pub fn js_op_id(path: &str) -> String {
    let digest = md5::compute(path.as_bytes());
    format!("{digest:x}")[..16].to_string()
}

/// Epoch milliseconds as `2026-11-24T15:34:20.004Z` (the JS runner's form).
pub fn iso_ms(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(d) => d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// A JSON object text of exactly `len` bytes (for `len` >= 32), so payload
/// sizes in benchmarks mean what they say.
pub fn payload_text(seq: usize, len: usize) -> String {
    let head = format!("{{\"item\":{seq},\"status\":\"ok\",\"data\":\"");
    let tail = "\"}";
    let fill = len.saturating_sub(head.len() + tail.len());
    let mut s = String::with_capacity(len);
    s.push_str(&head);
    for i in 0..fill {
        s.push((b'a' + ((seq + i) % 26) as u8) as char);
    }
    s.push_str(tail);
    s
}

/// 2026-11-24T15:00:00Z: the same day as the official fixtures.
const BASE_MS: i64 = 1_795_532_400_000;

struct OpRef {
    id: String,
    name: String,
    sub_type: &'static str,
    parent: Option<String>,
}

struct Builder {
    spec: EventsSpec,
    rng: Rng,
    events: Vec<Value>,
    now: i64,
    ops: usize,
    /// Root context counter (JS ids are per-context counters).
    root_counter: usize,
    invocation_start: i64,
    ops_this_invocation: usize,
    exec_id: String,
}

impl Builder {
    fn tick(&mut self, max_ms: u64) -> i64 {
        self.now += 1 + self.rng.below(max_ms) as i64;
        self.now
    }

    fn push(&mut self, event_type: &str, op: Option<&OpRef>, details: Value) {
        let mut e = Map::new();
        e.insert("EventType".into(), json!(event_type));
        if let Some(op) = op {
            e.insert("SubType".into(), json!(op.sub_type));
        }
        e.insert("EventId".into(), json!(self.events.len() + 1));
        if let Some(op) = op {
            e.insert("Id".into(), json!(op.id));
            e.insert("Name".into(), json!(op.name));
        }
        e.insert("EventTimestamp".into(), json!(iso_ms(self.now)));
        if let Some(parent) = op.and_then(|o| o.parent.as_ref()) {
            e.insert("ParentId".into(), json!(parent));
        }
        e.insert(format!("{event_type}Details"), details);
        self.events.push(Value::Object(e));
    }

    fn left(&self) -> usize {
        self.spec.operations - self.ops
    }

    fn new_root_op(&mut self, name: String, sub_type: &'static str) -> (OpRef, String) {
        self.root_counter += 1;
        let path = self.root_counter.to_string();
        self.ops += 1;
        self.ops_this_invocation += 1;
        (
            OpRef {
                id: js_op_id(&path),
                name,
                sub_type,
                parent: None,
            },
            path,
        )
    }

    fn step_result(&mut self) -> Value {
        let text = payload_text(self.ops, self.spec.payload_bytes);
        json!({"Result": {"Payload": text}, "RetryDetails": {}})
    }

    fn step(&mut self, op: &OpRef) {
        self.tick(15);
        self.push("StepStarted", Some(op), json!({}));
        self.tick(40);
        let details = self.step_result();
        self.push("StepSucceeded", Some(op), details);
    }

    /// A step that fails `failures` times before it succeeds; short backoffs
    /// are waited in-process, as the JS SDK does.
    fn retried_step(&mut self, op: &OpRef, failures: u32) {
        for attempt in 1..=failures {
            self.tick(15);
            self.push("StepStarted", Some(op), json!({}));
            self.tick(40);
            let delay = 2 * attempt;
            self.push(
                "StepFailed",
                Some(op),
                json!({
                    "Error": {"Payload": {
                        "ErrorMessage": format!("upstream timeout (attempt {attempt})"),
                        "ErrorType": "Error"}},
                    "RetryDetails": {"NextAttemptDelaySeconds": delay, "CurrentAttempt": attempt}
                }),
            );
            self.now += i64::from(delay) * 1000;
        }
        self.tick(15);
        self.push("StepStarted", Some(op), json!({}));
        self.tick(40);
        let mut details = self.step_result();
        details["RetryDetails"] = json!({"CurrentAttempt": failures});
        self.push("StepSucceeded", Some(op), details);
    }

    /// A wait long enough that the handler suspends: ends the invocation.
    fn wait_and_reinvoke(&mut self, op: &OpRef) {
        let seconds = 60 + 60 * self.rng.below(5) as i64;
        self.tick(10);
        let start = self.now;
        self.push(
            "WaitStarted",
            Some(op),
            json!({"Duration": seconds, "ScheduledEndTimestamp": iso_ms(start + seconds * 1000)}),
        );
        self.end_invocation();
        self.now = start + seconds * 1000;
        self.push("WaitSucceeded", Some(op), json!({"Duration": seconds}));
        self.start_invocation();
    }

    fn end_invocation(&mut self) {
        self.tick(20);
        let request_id = self.rng.uuid();
        let start = iso_ms(self.invocation_start);
        self.push(
            "InvocationCompleted",
            None,
            json!({"StartTimestamp": start, "EndTimestamp": iso_ms(self.now),
                   "Error": {}, "RequestId": request_id}),
        );
    }

    fn start_invocation(&mut self) {
        self.tick(20);
        self.invocation_start = self.now;
        self.ops_this_invocation = 0;
    }

    /// A map over `items` inputs: the Map context, one MapIteration context
    /// per item, one step inside each (`1 + 2 * items` operations).
    fn map(&mut self, items: usize) {
        let (map_op, path) = self.new_root_op(format!("map-{}", self.root_counter + 1), "Map");
        self.tick(10);
        self.push("ContextStarted", Some(&map_op), json!({}));
        let mut iterations = Vec::with_capacity(items);
        for i in 0..items {
            let iter_path = format!("{path}-{}", i + 1);
            let it = OpRef {
                id: js_op_id(&iter_path),
                name: format!("map-item-{i}"),
                sub_type: "MapIteration",
                parent: Some(map_op.id.clone()),
            };
            self.tick(3);
            self.push("ContextStarted", Some(&it), json!({}));
            iterations.push((it, iter_path));
        }
        // Branches run concurrently: every step starts before any finishes.
        let steps: Vec<OpRef> = iterations
            .iter()
            .enumerate()
            .map(|(i, (it, p))| OpRef {
                id: js_op_id(&format!("{p}-1")),
                name: format!("process-item-{i}"),
                sub_type: "Step",
                parent: Some(it.id.clone()),
            })
            .collect();
        for s in &steps {
            self.tick(3);
            self.push("StepStarted", Some(s), json!({}));
        }
        let mut summary = Vec::with_capacity(items);
        for (i, s) in steps.iter().enumerate() {
            self.tick(20);
            let details = self.step_result();
            self.push("StepSucceeded", Some(s), details);
            summary.push(json!({"index": i, "status": "SUCCEEDED"}));
        }
        for (i, (it, _)) in iterations.iter().enumerate() {
            self.tick(3);
            self.push(
                "ContextSucceeded",
                Some(it),
                json!({"Result": {"Payload": format!("{{\"item\":{i}}}")}}),
            );
        }
        self.ops += 2 * items;
        self.ops_this_invocation += 2 * items;
        self.tick(5);
        let result = json!({"all": summary, "completionReason": "ALL_COMPLETED"}).to_string();
        self.push(
            "ContextSucceeded",
            Some(&map_op),
            json!({"Result": {"Payload": result}}),
        );
    }

    fn build(mut self) -> Value {
        self.push_execution_started();
        self.start_invocation();
        while self.left() > 0 {
            let left = self.left();
            let roll = self.rng.below(100);
            if self.ops_this_invocation >= self.spec.ops_per_invocation || left == 1 && roll < 5 {
                let (op, _) = self.new_root_op(format!("wait-{}", self.root_counter + 1), "Wait");
                self.wait_and_reinvoke(&op);
            } else if roll < 12 && left >= 9 {
                // Map sizes vary; keep the exact operation count reachable.
                let items = (2 + self.rng.below(5) as usize).min((left - 1) / 2);
                self.map(items);
            } else if roll < 20 {
                let (op, _) =
                    self.new_root_op(format!("call-api-{}", self.root_counter + 1), "Step");
                let failures = 1 + self.rng.below(2) as u32;
                self.retried_step(&op, failures);
            } else {
                let (op, _) = self.new_root_op(format!("step-{}", self.root_counter + 1), "Step");
                self.step(&op);
            }
        }
        self.end_invocation();
        let exec_id = self.exec_id.clone();
        self.push_execution_event(
            "ExecutionSucceeded",
            &exec_id,
            json!({
                "Result": {"Payload": format!("{{\"operations\":{}}}", self.spec.operations)}
            }),
        );
        json!({ "Events": self.events })
    }

    fn push_execution_started(&mut self) {
        let exec_id = self.exec_id.clone();
        self.push_execution_event(
            "ExecutionStarted",
            &exec_id,
            json!({"Input": {"Payload": "{\"orderId\":\"123\"}"}}),
        );
    }

    fn push_execution_event(&mut self, event_type: &str, exec_id: &str, details: Value) {
        let mut e = Map::new();
        e.insert("EventType".into(), json!(event_type));
        e.insert("EventId".into(), json!(self.events.len() + 1));
        e.insert("Id".into(), json!(exec_id));
        e.insert("EventTimestamp".into(), json!(iso_ms(self.now)));
        e.insert(format!("{event_type}Details"), details);
        self.events.push(Value::Object(e));
    }
}

/// A history events document (as a JSON value) with exactly
/// `spec.operations` operations.
pub fn events_history(spec: &EventsSpec) -> Value {
    let mut rng = Rng::new(spec.seed);
    let exec_id = rng.uuid();
    Builder {
        spec: spec.clone(),
        rng,
        events: Vec::new(),
        now: BASE_MS,
        ops: 0,
        root_counter: 0,
        invocation_start: BASE_MS,
        ops_this_invocation: 0,
        exec_id,
    }
    .build()
}

/// The same, serialised as the JS runner's file is (pretty, 2 spaces).
pub fn events_history_bytes(spec: &EventsSpec) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&events_history(spec)).unwrap_or_default();
    out.push(b'\n');
    out
}

/// How many invocations (InvocationCompleted events) a generated history has.
pub fn count_invocations(history: &Value) -> usize {
    history["Events"]
        .as_array()
        .map(|evs| {
            evs.iter()
                .filter(|e| e["EventType"] == "InvocationCompleted")
                .count()
        })
        .unwrap_or(0)
}

mod store;
pub use store::{store_execution_json, write_sqlite_store};

/// Convenience for callers: write the events history to `path`.
pub fn write_events_history(spec: &EventsSpec, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, events_history_bytes(spec))
}
