//! The fast path against serde, the reference: on every real file and on
//! mutated ones, loading with the fast path must give exactly what loading
//! with serde alone gives (the same history, or the same error).

use super::parse;
use crate::load::scan::Scan;
use crate::load::sink::{EventSink, SinkMode};
use crate::load::{load_bytes, load_bytes_serde_only};
use crate::model::Format;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every real and malformed input the project has.
fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "sample-histories", "tests/malformed"] {
        files_under(&root().join(dir), &mut files);
    }
    files.sort();
    files
}

/// Both routes give the same outcome for `bytes`; returns whether the
/// fast path itself accepted them.
fn same_both_ways(name: &str, bytes: &[u8]) -> bool {
    let fast = load_bytes(name, bytes).map_err(|e| e.to_string());
    let serde = load_bytes_serde_only(name, bytes).map_err(|e| e.to_string());
    assert!(
        fast == serde,
        "{name}: the fast path changed the outcome\nfast:  {:?}\nserde: {:?}",
        fast.as_ref().map(|h| &h.executions),
        serde.as_ref().map(|h| &h.executions)
    );
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut sink = EventSink::new(name, SinkMode::Discard);
    parse(text, &mut sink).is_some()
}

#[test]
fn every_real_file_loads_the_same_both_ways() {
    let mut events_files = Vec::new();
    let mut fast = Vec::new();
    for path in corpus() {
        let Ok(bytes) = std::fs::read(&path) else {
            panic!("cannot read {}", path.display());
        };
        let name = path.display().to_string();
        if same_both_ways(&name, &bytes) {
            fast.push(name.clone());
        }
        let loaded = load_bytes_serde_only(&name, &bytes);
        if loaded.is_ok_and(|h| h.format == Format::HistoryEvents) {
            events_files.push(name);
        }
    }
    // Every history-events file that loads takes the fast path: the real
    // files are what it is for, so a silent fall-back would be a
    // regression in speed nobody notices.
    eprintln!(
        "STATS events files {} fast {}",
        events_files.len(),
        fast.len()
    );
    // The AWS SDKs' own dumps (boto3: `ResponseMetadata` beside `Events`,
    // `2026-07-24 22:10:24.645000-07:00` timestamps) are a shape the
    // scanner was not written for; serde reads them, and the comparison
    // above still holds them to the same outcome.
    let slow: Vec<&String> = events_files
        .iter()
        .filter(|f| !fast.contains(f) && !f.ends_with(".history-boto3.json"))
        .collect();
    assert!(
        slow.is_empty(),
        "events files that fell back to serde: {slow:?}"
    );
    assert!(
        events_files.len() >= 20,
        "expected the fixtures' and samples' events files, found {events_files:?}"
    );
}

/// A small deterministic generator (xorshift64*): the same mutations every
/// run, so a failure can be reproduced.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that matter to a JSON scanner.
const BYTES: &[u8] = b"{}[]\":,\\/01234567899-+.eEtrufalsn \n\tuD8A\x01\x7f";

/// Values to put where a scalar value was: every JSON type, numbers at the
/// edges of what u64/i64/f64 hold, and strings with tricky escapes.
const VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "-3",
    "7",
    "1.5",
    "2e3",
    "1e400",
    "-1e400",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "4294967296",
    "01",
    "1.",
    "\"x\"",
    "\"\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\u00e9\\n\\/\"",
    "\"\\q\"",
    "\"2026-11-24T15:00:00Z\"",
    "\"2026-11-24T15:00:00.123456+05:30\"",
    "\"2026-02-30T15:00:00Z\"",
    "1764000000.5",
    "1764000000123.25",
    "1764000000123",
    "{}",
    "[]",
    "[1,2]",
    "{\"Payload\":\"\\\"a\\\"\",\"Truncated\":true}",
    "{\"Truncated\":null}",
    "{\"ErrorType\":\"E\",\"ErrorMessage\":\"m\"}",
    "{\"Payload\":{\"ErrorType\":\"E\"}}",
    "{\"CurrentAttempt\":2,\"NextAttemptDelaySeconds\":1}",
];

/// The span of the scalar value starting at `at`, if there is one there.
fn scalar_end(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at)? {
        b'"' => {
            let mut i = at + 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'{' | b'[' => None,
        _ => {
            let n = b[at..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\n'))?;
            Some(at + n)
        }
    }
}

fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut b = src.to_vec();
    for _ in 0..1 + rng.below(2) {
        let at = rng.below(b.len());
        match rng.below(7) {
            0 => b[at] = *rng.pick(BYTES),
            1 => {
                b.remove(at);
            }
            2 => b.insert(at, *rng.pick(BYTES)),
            3 => {
                // Duplicate a stretch (repeats keys, members, elements).
                let len = 1 + rng.below(60);
                let piece = b[at..(at + len).min(b.len())].to_vec();
                let to = rng.below(b.len());
                b.splice(to..to, piece);
            }
            4 => b.truncate(at),
            _ => {
                // Replace the value after a colon with another of any type.
                let colons: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b':').collect();
                let Some(&colon) = colons.get(rng.below(colons.len())) else {
                    continue;
                };
                let start = colon + 1 + b[colon + 1..].iter().take_while(|c| **c == b' ').count();
                if let Some(end) = scalar_end(&b, start) {
                    let v = rng.pick(VALUES).as_bytes().to_vec();
                    b.splice(start..end, v);
                }
            }
        }
    }
    b
}

#[test]
fn mutated_histories_load_the_same_both_ways() {
    let inputs = [
        "tests/fixtures/js-sdk/order-flow.history.json",
        "tests/fixtures/python-sdk/retries.history.json",
        "tests/fixtures/python-sdk/callback-flow.history-cli.json",
        "tests/fixtures/python-sdk/nondeterministic.history.json",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut tried, mut accepted) = (0, 0);
    for input in inputs {
        let Ok(src) = std::fs::read(root().join(input)) else {
            panic!("cannot read {input}");
        };
        for n in 0..600 {
            let bytes = mutate(&mut rng, &src);
            if same_both_ways(&format!("{input} mutation {n}"), &bytes) {
                accepted += 1;
            }
            tried += 1;
        }
    }
    // Both kinds of outcome were exercised: mutations the fast path read
    // (and matched serde on), and ones it left to serde.
    assert!(
        accepted > tried / 10,
        "fast path accepted {accepted} of {tried}"
    );
    assert!(accepted < tried, "fast path accepted all {tried}");
}

#[test]
fn bare_arrays_pages_and_other_documents_are_left_to_serde() {
    let fast = |s: &str| parse(s, &mut EventSink::new("t", SinkMode::Discard)).is_some();
    assert!(fast(
        r#"[{"EventType":"ExecutionStarted","EventId":1,"Id":"e"}]"#
    ));
    assert!(fast(r#"{"Events":[],"NextMarker":null}"#));
    // Not events, or not one document of them.
    assert!(!fast(r#"[{"Id":"a","Type":"STEP"}]"#));
    assert!(!fast("[]"));
    assert!(!fast(r#"{"Operations":[]}"#));
    assert!(!fast(r#"{"Events":[]} {"Events":[]}"#));
    assert!(!fast(r#"[{"Events":[]}]"#));
    assert!(!fast(r#"{"NextMarker":"x"}"#));
    // Duplicates, escaped keys, lone surrogates: serde decides.
    assert!(!fast(r#"{"Events":[{"Id":"a","Id":"b"}]}"#));
    assert!(!fast(r#"{"Events":[{"I\u0064":"a"}]}"#));
    assert!(!fast(r#"{"Events":[{"Id":"\ud800"}]}"#));
}

/// A JSON string body read by the scanner, escapes resolved.
fn unescape(body: &str) -> Option<String> {
    let quoted = format!("\"{body}\"");
    let mut scan = Scan::new(&quoted);
    let text = scan.text().ok()?;
    scan.at_end().then(|| text.into_string())
}

#[test]
fn escapes_are_resolved_like_serde() {
    for s in [
        r#"plain"#,
        r#"a\"b\\c\/d\b\f\n\r\t"#,
        r#"\u00e9\u4e2d\ud83d\ude00"#,
        r#"{\"k\":[1,\"v\"]}"#,
    ] {
        let ours = unescape(s);
        let serde: Option<String> = serde_json::from_str(&format!("\"{s}\"")).ok();
        assert_eq!(ours, serde, "{s}");
        assert!(ours.is_some(), "{s}");
    }
    for bad in [
        r#"\x"#,
        r#"\u12"#,
        r#"\ud800"#,
        r#"\udc00"#,
        r#"\ud800\u0041"#,
        "\\",
    ] {
        assert!(unescape(bad).is_none(), "{bad}");
    }
}

#[test]
fn strings_read_eight_bytes_at_a_time_stop_where_serde_does() {
    // Every length around the word size, with an escape, a raw control
    // character, a multi-byte character or a high byte at every position.
    for len in 0..20 {
        for at in 0..len {
            for special in [
                "\\\"", "\\n", "\\u00e9", "\u{1}", "\u{1f}", "é", "\u{7f}", " ",
            ] {
                let body: String = (0..len)
                    .map(|i| if i == at { special } else { "a" })
                    .collect();
                let serde: Option<String> = serde_json::from_str(&format!("\"{body}\"")).ok();
                assert_eq!(unescape(&body), serde, "{body:?}");
            }
        }
    }
}
