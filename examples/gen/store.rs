//! The Python testing SQLite store with many executions, for the listing
//! benchmark and `gen_large_history --sqlite-store N`. Schema, indexes and
//! WAL mode are those of the testing package's `SQLiteExecutionStore`; each
//! `data` blob has the keys of a real execution file (see
//! docs/formats.md §4) with order-flow-like operations, Python
//! typed-envelope results and epoch-millisecond timestamps.
//!
//! Operation ids are 64 hex chars like the Python SDK's, but made from md5
//! (not blake2b): nothing reads them as hashes, only as opaque ids.

use super::{payload_text, Rng, BASE_MS};
use serde_json::{json, Value};
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS executions (
    durable_execution_arn TEXT PRIMARY KEY,
    function_name TEXT NOT NULL,
    execution_name TEXT,
    status TEXT NOT NULL,
    start_timestamp REAL,
    end_timestamp REAL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_function_name ON executions(function_name);
CREATE INDEX IF NOT EXISTS idx_status ON executions(status);
CREATE INDEX IF NOT EXISTS idx_start_timestamp ON executions(start_timestamp);
CREATE INDEX IF NOT EXISTS idx_composite ON executions(function_name, status, start_timestamp);
";

const FUNCTIONS: [&str; 5] = [
    "order_flow",
    "retries",
    "callback_flow",
    "fanout",
    "nightly_report",
];

fn py_op_id(path: &str) -> String {
    let a = md5::compute(path.as_bytes());
    let b = md5::compute(format!("{path}#").as_bytes());
    format!("{a:x}{b:x}")
}

/// A Python typed envelope for `{"item": n, "data": "..."}`-like values.
fn envelope(seq: usize, payload_bytes: usize) -> String {
    let plain = payload_text(seq, payload_bytes.saturating_sub(40).max(32));
    let data = plain
        .split("\"data\":\"")
        .nth(1)
        .unwrap_or("")
        .trim_end_matches("\"}");
    json!({"t": "m", "v": {"item": {"t": "i", "v": seq}, "data": {"t": "s", "v": data}}})
        .to_string()
}

/// One row: (arn, function_name, execution_name, status, start s, end s, data).
pub struct StoreRow {
    pub arn: String,
    pub function_name: String,
    pub execution_name: String,
    pub status: &'static str,
    pub start: f64,
    pub end: Option<f64>,
    pub data: String,
}

/// One execution's row, as the store would hold it.
pub fn store_execution_json(rng: &mut Rng, index: usize) -> StoreRow {
    let function_name = FUNCTIONS[index % FUNCTIONS.len()];
    let execution_name = format!("{function_name}-{}", index + 1);
    let invocation_id = format!("inv-{}", rng.uuid());
    let arn = format!("{}/{invocation_id}", rng.uuid());
    let status: &'static str = match rng.below(20) {
        0 => "FAILED",
        1 => "RUNNING",
        _ => "SUCCEEDED",
    };
    let start_ms = BASE_MS + index as i64 * 7_000 + rng.below(5_000) as i64;
    let mut now = start_ms + 2;
    let steps = 3 + rng.below(8) as usize;

    let mut operations = vec![];
    let mut updates = vec![];
    let mut update_ts = vec![];
    let mut completions = vec![];
    let mut invocation_start = start_ms + 1;
    for i in 0..steps {
        let id = py_op_id(&format!("{index}:{}", i + 1));
        let name = format!("step-{}", i + 1);
        let is_wait = i == steps / 2;
        let started = now;
        if is_wait {
            let secs = 60 + 60 * rng.below(4) as i64;
            let end = started + secs * 1000;
            operations.push(json!({
                "Id": id, "Type": "WAIT", "Status": "SUCCEEDED", "Name": "cool-off",
                "StartTimestamp": started, "EndTimestamp": end, "SubType": "Wait",
                "WaitDetails": {"ScheduledEndTimestamp": end}
            }));
            updates.push(
                json!({"Id": id, "Type": "WAIT", "Action": "START", "Name": "cool-off",
                                "SubType": "Wait", "WaitOptions": {"WaitSeconds": secs}}),
            );
            update_ts.push(super::iso_ms(started).replace('Z', "+00:00"));
            completions.push(json!({"StartTimestamp": invocation_start,
                "EndTimestamp": started + 100, "RequestId": "test-invoke-12345"}));
            invocation_start = end + 2;
            now = end + 5;
            continue;
        }
        let result = envelope(index * 100 + i, 200);
        operations.push(json!({
            "Id": id, "Type": "STEP", "Status": "SUCCEEDED", "Name": name,
            "StartTimestamp": started, "EndTimestamp": started + 1, "SubType": "Step",
            "StepDetails": {"Attempt": 1, "Result": result}
        }));
        updates.push(
            json!({"Id": id, "Type": "STEP", "Action": "START", "Name": name, "SubType": "Step"}),
        );
        updates.push(
            json!({"Id": id, "Type": "STEP", "Action": "SUCCEED", "Name": name,
                            "SubType": "Step", "Payload": result}),
        );
        for _ in 0..2 {
            update_ts.push(super::iso_ms(started).replace('Z', "+00:00"));
        }
        now += 3 + rng.below(10) as i64;
    }
    let end_ms = (status != "RUNNING").then_some(now + 1);
    if let Some(end) = end_ms {
        completions.push(
            json!({"StartTimestamp": invocation_start, "EndTimestamp": end,
                                "RequestId": "test-invoke-12345"}),
        );
    }
    let mut exec_op = json!({
        "Id": invocation_id, "Type": "EXECUTION", "Status": status, "Name": execution_name,
        "StartTimestamp": start_ms,
        "ExecutionDetails": {"InputPayload": "{\"orderId\": \"123\"}"}
    });
    if let Some(end) = end_ms {
        exec_op["EndTimestamp"] = json!(end);
    }
    operations.insert(0, exec_op);
    let result: Value = match status {
        "SUCCEEDED" => json!({"Status": "SUCCEEDED", "Result": "{\"ok\": true}"}),
        "FAILED" => json!({"Status": "FAILED", "Error": {
            "ErrorMessage": "payment declined", "ErrorType": "RuntimeError"}}),
        _ => Value::Null,
    };
    let data = json!({
        "DurableExecutionArn": arn,
        "StartInput": {
            "AccountId": "123456789012", "FunctionName": function_name,
            "FunctionQualifier": "$LATEST", "ExecutionName": execution_name,
            "ExecutionTimeoutSeconds": 900, "ExecutionRetentionPeriodDays": 7,
            "InvocationId": invocation_id,
            "TraceFields": {"trace_id": "abc123", "span_id": "def456"},
            "Input": "{\"orderId\": \"123\"}"
        },
        "Operations": operations,
        "Updates": updates,
        "UpdateTimestamps": update_ts,
        "InvocationCompletions": completions,
        "UpdatedOperationIds": [],
        "TokenSequence": steps + 1,
        "Region": "us-west-2",
        "NeedsReinvoke": false,
        "IsComplete": status != "RUNNING",
        "Result": result,
        "CloseStatus": if status == "RUNNING" { Value::Null } else { json!(status) },
        "PauseState": "NOT_PAUSED"
    });
    StoreRow {
        arn,
        function_name: function_name.to_string(),
        execution_name,
        status,
        start: start_ms as f64 / 1000.0,
        end: end_ms.map(|e| e as f64 / 1000.0),
        data: data.to_string(),
    }
}

/// Create (or replace) a SQLite store at `path` with `executions` rows.
pub fn write_sqlite_store(path: &Path, executions: usize, seed: u64) -> rusqlite::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        // A stale file would mix old rows in; absence is fine.
        let _ = std::fs::remove_file(p);
    }
    let mut conn = rusqlite::Connection::open(path)?;
    // Same pragmas as the testing package's store.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(SCHEMA)?;
    let mut rng = super::Rng::new(seed);
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT OR REPLACE INTO executions (durable_execution_arn, function_name, \
             execution_name, status, start_timestamp, end_timestamp, data) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for i in 0..executions {
            let row = store_execution_json(&mut rng, i);
            insert.execute(rusqlite::params![
                row.arn,
                row.function_name,
                row.execution_name,
                row.status,
                row.start,
                row.end,
                row.data
            ])?;
        }
    }
    tx.commit()?;
    // Fold the WAL into the main file so the .db alone is complete.
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
    Ok(())
}
