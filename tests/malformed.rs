//! Bad input never panics or hangs: each malformed input under
//! `tests/malformed/` (and a few generated here: SQLite stores, a 20 MB
//! payload, a locked database) gives a typed error whose message names the
//! file and the place, or loads with a warning where the data is still
//! usable (gaps, disorder, dangling parents, truncated or absent payloads).

use durable_lens::load::{list_store, load_bytes, load_path, load_store_execution, LoadError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/malformed")
        .join(name)
}

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Load a corpus file, expect an error of the given kind whose message
/// names the file and contains every `place` fragment.
fn expect_err(name: &str, kind: fn(&LoadError) -> bool, places: &[&str]) -> Result<(), String> {
    let err = match load_path(&corpus(name)) {
        Ok(h) => {
            return Err(format!(
                "{name}: loaded ({} executions), expected an error",
                h.executions.len()
            ))
        }
        Err(e) => e,
    };
    let msg = err.to_string();
    if !kind(&err) {
        return Err(format!("{name}: wrong kind: {err:?}"));
    }
    if !msg.contains(name) || !err.file().contains(name) {
        return Err(format!("{name}: message does not name the file: {msg}"));
    }
    for p in places {
        if !msg.contains(p) {
            return Err(format!("{name}: message lacks {p:?}: {msg}"));
        }
    }
    Ok(())
}

/// File, expected kind, fragments the message must contain.
type Case = (
    &'static str,
    fn(&LoadError) -> bool,
    &'static [&'static str],
);

#[test]
fn corpus_errors_name_the_file_the_place_and_what_was_expected() {
    use LoadError as E;
    let cases: &[Case] = &[
        ("empty.json", |e| matches!(e, E::Empty { .. }), &["empty"]),
        (
            "whitespace-only.json",
            |e| matches!(e, E::Empty { .. }),
            &["empty"],
        ),
        (
            "truncated-events.json",
            |e| matches!(e, E::Syntax { .. }),
            &["line 18, column 9", "truncated"],
        ),
        (
            "truncated-store.json",
            |e| matches!(e, E::Syntax { .. }),
            &["line ", "column ", "truncated"],
        ),
        (
            "binary-junk.bin",
            |e| matches!(e, E::Unrecognised { .. }),
            &["89 50 4E 47", "formats tried", "SQLite"],
        ),
        (
            "not-utf8.json",
            |e| matches!(e, E::NotUtf8 { .. }),
            &["line 21, column 13", "byte 385", "UTF-8"],
        ),
        (
            "latin1-name.json",
            |e| matches!(e, E::NotUtf8 { .. }),
            &["line 3, column 15"],
        ),
        (
            "wrong-type-timestamp.json",
            |e| matches!(e, E::Shape { .. }),
            &[
                "/Events/3/EventTimestamp",
                "invalid type: boolean `true`",
                "expected a timestamp",
            ],
        ),
        (
            "wrong-type-event-id.json",
            |e| matches!(e, E::Shape { .. }),
            &[
                "/Events/1/EventId",
                "invalid type: string \"two\"",
                "expected u64",
            ],
        ),
        (
            "events-not-an-array.json",
            |e| matches!(e, E::Shape { .. }),
            &["/Events", "expected a sequence"],
        ),
        (
            "bad-iso-timestamp.json",
            |e| matches!(e, E::Shape { .. }),
            &["/Events/0/EventTimestamp", "\"yesterday\"", "ISO-8601"],
        ),
        (
            "duplicate-event-id.json",
            |e| matches!(e, E::DuplicateEventId { event_id: 2, .. }),
            &["EventId 2", "/Events/1", "/Events/2"],
        ),
        (
            "duplicate-operation-id.json",
            |e| matches!(e, E::DuplicateOperation { .. }),
            &["c4ca4238a0b92382", "/Operations/0", "/Operations/2"],
        ),
        (
            "unknown-operation-type.json",
            |e| matches!(e, E::Invalid { .. }),
            &[
                "/Operations/1/Type",
                "expected one of EXECUTION",
                "found \"TIMER\"",
            ],
        ),
        (
            "unknown-status.json",
            |e| matches!(e, E::Invalid { .. }),
            &["/1/Status", "found \"DONE\""],
        ),
        (
            "missing-event-id.json",
            |e| matches!(e, E::Invalid { .. }),
            &["/Events/2/EventId", "expected an EventId", "found none"],
        ),
        (
            "unrecognised-object.json",
            |e| matches!(e, E::Unrecognised { .. }),
            &["keys foo, bar", "formats tried", "history events"],
        ),
        (
            "array-of-numbers.json",
            |e| matches!(e, E::Unrecognised { .. }),
            &["an array of numbers", "formats tried"],
        ),
        (
            "empty-array.json",
            |e| matches!(e, E::Unrecognised { .. }),
            &["an empty array", "formats tried"],
        ),
        (
            "scalar.json",
            |e| matches!(e, E::Unrecognised { .. }),
            &["34 32", "not a JSON object or array"],
        ),
        (
            "mixed-documents.json",
            |e| matches!(e, E::Unrecognised { .. }),
            &["2 concatenated JSON documents", "document 2", "operations"],
        ),
        (
            "trailing-garbage.json",
            |e| matches!(e, E::Syntax { .. }),
            &["line 2, column 1"],
        ),
        (
            "lens-wrong-version.json",
            |e| matches!(e, E::UnsupportedVersion { .. }),
            &["/version", "version 7", "expected 1"],
        ),
        (
            "lens-missing-history.json",
            |e| matches!(e, E::Invalid { .. }),
            &["/history", "expected a history object"],
        ),
        (
            "checkpoint-bad-type.json",
            |e| matches!(e, E::Invalid { .. }),
            &["/0/operationType", "\"SLEEP\""],
        ),
        (
            "store-updates-wrong-type.json",
            |e| matches!(e, E::Shape { .. }),
            &["/Updates", "expected a sequence"],
        ),
        (
            "store-bad-operation-timestamp.json",
            |e| matches!(e, E::Shape { .. }),
            &["/Operations/1/StartTimestamp", "invalid type: sequence"],
        ),
        (
            "invocation-input-bad-operations.json",
            |e| matches!(e, E::Shape { .. }),
            &[
                "/InitialExecutionState/Operations",
                "invalid type: string \"none\"",
            ],
        ),
        (
            "page-without-events.json",
            |e| matches!(e, E::Invalid { .. }),
            &["/1/Events", "an Events array in every page"],
        ),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, kind, places)| expect_err(name, *kind, places).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases.len() >= 25);
}

#[test]
fn usable_but_suspicious_input_loads_with_warnings() {
    let warn = |name: &str, needle: &str| {
        let h = load_path(&corpus(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            h.warnings.iter().any(|w| w.contains(needle)),
            "{name}: {:?}",
            h.warnings
        );
        h
    };
    let h = warn(
        "gap-in-event-ids.json",
        "events 3–4 are missing (a page was not fetched?)",
    );
    assert_eq!(h.executions[0].operations.len(), 2);

    let h = warn("events-out-of-order.json", "out of order");
    let names: Vec<_> = h.executions[0]
        .operations
        .iter()
        .map(|o| o.display_name())
        .collect();
    assert_eq!(names, ["a", "b"], "sorted by EventId");

    // Decision: a dangling ParentId is a warning, and the operation keeps it.
    let h = warn("dangling-parent.json", "ParentId ffffffffffffffff");
    assert_eq!(
        h.executions[0].operations[1].parent_id.as_deref(),
        Some("ffffffffffffffff")
    );

    let h = warn(
        "truncated-payload.json",
        "1 payload(s) are truncated: STEP \"a\"",
    );
    let p = h.executions[0].operations[0].result.as_ref().unwrap();
    assert!(p.truncated);
    assert_eq!(p.raw, "{\"big\": \"aaaa");

    let h = warn(
        "absent-payloads.json",
        "3 payload(s) are absent (history fetched without execution data?)",
    );
    assert_eq!(h.warnings.len(), 1, "one warning, not one per payload");
    assert!(h.executions[0].operations[0].result.is_none());
}

#[test]
fn twenty_megabyte_payload_loads_and_its_truncation_is_an_error() {
    let big = "y".repeat(20 << 20);
    let doc = format!(
        r#"{{"Events":[{{"EventType":"ExecutionStarted","EventId":1,"Id":"e","EventTimestamp":1,"ExecutionStartedDetails":{{"Input":{{"Payload":"\"{big}\""}}}}}}]}}"#
    );
    let t = Instant::now();
    let h = load_bytes("big-payload.json", doc.as_bytes()).unwrap();
    assert_eq!(
        h.executions[0].input.as_ref().unwrap().raw.len(),
        big.len() + 2
    );
    let cut = &doc.as_bytes()[..doc.len() / 2];
    let err = load_bytes("big-payload.json", cut).unwrap_err();
    assert!(matches!(err, LoadError::Syntax { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("big-payload.json")
            && msg.contains("line 1, column")
            && msg.contains("truncated"),
        "{msg}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t.elapsed()
    );
}

fn sqlite(dir: &std::path::Path, name: &str, sql: &str) -> PathBuf {
    let p = dir.join(name);
    let c = rusqlite::Connection::open(&p).unwrap();
    c.execute_batch(sql).unwrap();
    p
}

const SCHEMA: &str = "CREATE TABLE executions (durable_execution_arn TEXT PRIMARY KEY, function_name TEXT NOT NULL,
    execution_name TEXT, status TEXT NOT NULL, start_timestamp REAL, end_timestamp REAL, data TEXT NOT NULL);";

#[test]
fn sqlite_with_another_schema_or_bad_rows_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = sqlite(
        dir.path(),
        "other.db",
        "CREATE TABLE executions (id INTEGER, payload BLOB);",
    );
    let err = list_store(&other).unwrap_err();
    assert!(matches!(err, LoadError::Schema { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("other.db")
            && msg.contains("table executions")
            && msg.contains("found id, payload"),
        "{msg}"
    );

    let none = sqlite(
        dir.path(),
        "unrelated.db",
        "CREATE TABLE users (name TEXT);",
    );
    let err = load_path(&none).unwrap_err();
    assert!(
        err.to_string().contains("no such table (tables: users)"),
        "{err}"
    );

    let rows = sqlite(
        dir.path(),
        "rows.db",
        &format!(
            "{SCHEMA} INSERT INTO executions VALUES ('arn-broken', 'f', 'n', 'SUCCEEDED', 1.0, 2.0, '{{\"DurableExecutionArn\": ');
             INSERT INTO executions VALUES ('arn-events', 'f', 'n', 'SUCCEEDED', 3.0, 4.0, '{{\"Events\": []}}');"
        ),
    );
    assert_eq!(
        list_store(&rows).unwrap().len(),
        2,
        "listing does not read data"
    );
    let err = load_store_execution(&rows, "arn-broken").unwrap_err();
    assert!(matches!(err, LoadError::Syntax { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("rows.db, table executions, row arn-broken, column data: line 1, column"),
        "{err}"
    );
    let err = load_store_execution(&rows, "arn-events").unwrap_err();
    assert!(matches!(err, LoadError::Unrecognised { .. }), "{err}");
    assert!(err.to_string().contains("row arn-events"), "{err}");
    let err = load_path(&rows).unwrap_err();
    assert!(err.to_string().contains("row arn-broken"), "{err}");

    let corrupt = dir.path().join("corrupt.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xAB, 4096));
    std::fs::write(&corrupt, bytes).unwrap();
    let err = list_store(&corrupt).unwrap_err();
    assert!(matches!(err, LoadError::Sqlite { .. }), "{err}");
    assert!(err.to_string().contains("corrupt.db"), "{err}");

    let err = load_bytes(
        "mem.db",
        &std::fs::read(fixture("python-sdk/emulator-store.db")).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::NeedsPath { .. }), "{err}");
}

#[test]
fn locked_database_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite(
        dir.path(),
        "locked.db",
        &format!("{SCHEMA} INSERT INTO executions VALUES ('a', 'f', 'n', 'SUCCEEDED', 1.0, 2.0, '{{}}');"),
    );
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; UPDATE executions SET status = 'FAILED';")
        .unwrap();
    let t = Instant::now();
    let err = list_store(&db).unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "waited {:?}",
        t.elapsed()
    );
    assert!(matches!(err, LoadError::Locked { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("locked.db") && msg.contains("locked by another connection"),
        "{msg}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(
        list_store(&db).unwrap().len(),
        1,
        "readable once the lock is gone"
    );
}

#[test]
fn folders_and_paths_without_stores() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "hello").unwrap();
    std::fs::copy(
        fixture("js-sdk/order-flow.history.json"),
        dir.path().join("history.json"),
    )
    .unwrap();
    let err = load_path(dir.path()).unwrap_err();
    assert!(
        matches!(err, LoadError::NoStoreFiles { skipped: 2, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&dir.path().display().to_string()) && msg.contains("no Python testing store"),
        "{msg}"
    );

    let empty = tempfile::tempdir().unwrap();
    let err = list_store(empty.path()).unwrap_err();
    assert!(
        matches!(err, LoadError::NoStoreFiles { skipped: 0, .. }),
        "{err}"
    );

    let missing = dir.path().join("nope.json");
    let err = load_path(&missing).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }), "{err}");
    assert!(err.to_string().contains("nope.json"), "{err}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for doc in [
        "[".repeat(100_000),
        format!("{{\"Events\": {}", "[".repeat(100_000)),
        format!(
            "[{{\"EventType\": \"StepStarted\", \"x\": {}}}]",
            "[".repeat(50_000)
        ),
    ] {
        let err = load_bytes("deep.json", doc.as_bytes()).unwrap_err();
        assert!(
            matches!(err, LoadError::Syntax { .. } | LoadError::Shape { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("deep.json"), "{err}");
    }
}

/// Every prefix of real files, and bytes flipped all over them, give a
/// result or a typed error: never a panic.
#[test]
fn truncations_and_flipped_bytes_never_panic() {
    for rel in [
        "python-sdk/retries.store.json",
        "python-sdk/callback-flow.history.json",
        "js-sdk/order-flow.history.json",
        "js-sdk/order-flow.operations.json",
    ] {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        for cut in 0..bytes.len() {
            if let Err(e) = load_bytes("cut.json", &bytes[..cut]) {
                assert!(
                    e.to_string().contains("cut.json"),
                    "{rel} cut at {cut}: {e}"
                );
            }
        }
        for (i, flip) in (0..bytes.len())
            .step_by(7)
            .zip([b'}', b'"', 0xff, b'1', b'[', b'\\', b'x'].iter().cycle())
        {
            let mut b = bytes.clone();
            b[i] = *flip;
            if let Err(e) = load_bytes("flip.json", &b) {
                assert!(
                    e.to_string().contains("flip.json"),
                    "{rel} flip at {i}: {e}"
                );
            }
        }
    }
}
