//! The `--json` schemas README documents, held stable: every object of
//! every output, on real fixtures, has exactly the documented keys with the
//! documented types. A new field must be added here and to README.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn run_json(args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `s` string, `n` number, `b` bool, `a` array, `o` object; `?` also null.
fn is(v: &Value, ty: &str) -> bool {
    let (ty, nullable) = match ty.strip_suffix('?') {
        Some(t) => (t, true),
        None => (ty, false),
    };
    (nullable && v.is_null())
        || match ty {
            "s" => v.is_string(),
            "n" => v.is_number(),
            "b" => v.is_boolean(),
            "a" => v.is_array(),
            "o" => v.is_object(),
            _ => panic!("unknown type {ty}"),
        }
}

/// `v` is an object with exactly these keys, in this order, of these types.
fn shape(what: &str, v: &Value, keys: &[(&str, &str)]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object: {v}"));
    let found: Vec<&str> = obj.keys().map(String::as_str).collect();
    let expected: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    assert_eq!(found, expected, "{what}: keys");
    for (k, ty) in keys {
        assert!(
            is(&obj[*k], ty),
            "{what}.{k}: expected {ty}, found {}",
            obj[*k]
        );
    }
}

fn each<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map(Vec::as_slice).unwrap_or(&[])
}

const ERROR: &[(&str, &str)] = &[("type", "s?"), ("message", "s?")];

fn inspect_shape(v: &Value) -> Counts {
    let mut seen = Counts::default();
    shape(
        "inspect",
        v,
        &[
            ("file", "s"),
            ("origin", "s?"),
            ("format", "s"),
            ("format_label", "s"),
            ("warnings", "a"),
            ("executions", "a"),
        ],
    );
    for e in each(v, "executions") {
        shape(
            "execution",
            e,
            &[
                ("index", "n"),
                ("arn", "s?"),
                ("id", "s?"),
                ("execution_op_id", "s?"),
                ("name", "s?"),
                ("function", "s?"),
                ("status", "s?"),
                ("sdk", "s"),
                ("start", "s?"),
                ("end", "s?"),
                ("error", "o?"),
                ("operations", "n"),
                ("invocations_inferred", "b"),
                ("invocations", "a"),
                ("steps", "a"),
                ("diagnoses", "a"),
            ],
        );
        if e["error"].is_object() {
            shape("execution.error", &e["error"], ERROR);
        }
        for inv in each(e, "invocations") {
            shape(
                "invocation",
                inv,
                &[
                    ("index", "n"),
                    ("start", "s?"),
                    ("end", "s?"),
                    ("start_inferred", "b"),
                    ("end_inferred", "b"),
                    ("replayed", "n"),
                    ("executed", "n"),
                    ("switches", "a"),
                    ("outcome", "s"),
                    ("waiting_on", "a"),
                ],
            );
            for s in each(inv, "switches") {
                seen.switches += 1;
                shape(
                    "switch",
                    s,
                    &[("context", "a"), ("position", "n"), ("operation", "s")],
                );
            }
        }
        for st in each(e, "steps") {
            shape(
                "step",
                st,
                &[
                    ("id", "s"),
                    ("name", "s?"),
                    ("status", "s"),
                    ("attempts", "a"),
                ],
            );
            for a in each(st, "attempts") {
                seen.attempts += 1;
                shape(
                    "attempt",
                    a,
                    &[
                        ("number", "n"),
                        ("status", "s"),
                        ("start", "s?"),
                        ("end", "s?"),
                        ("error", "o?"),
                        ("next_attempt_at", "s?"),
                        ("invocation", "n?"),
                    ],
                );
                if a["error"].is_object() {
                    seen.attempt_errors += 1;
                    shape("attempt.error", &a["error"], ERROR);
                }
            }
        }
        for d in each(e, "diagnoses") {
            seen.diagnoses += 1;
            shape(
                "diagnosis",
                d,
                &[
                    ("message", "s"),
                    ("sdk_text", "s"),
                    ("sdk", "s"),
                    ("error_type", "s?"),
                    ("context", "a"),
                    ("position", "n?"),
                    ("operation", "s?"),
                    ("invocation", "n?"),
                ],
            );
        }
    }
    seen
}

#[derive(Default, Debug)]
struct Counts {
    switches: usize,
    attempts: usize,
    attempt_errors: usize,
    diagnoses: usize,
}

#[test]
fn inspect_json_has_the_documented_keys_on_every_fixture_shape() {
    let mut total = Counts::default();
    for f in [
        "python-sdk/retries.history.json",
        "python-sdk/retries.store.json",
        "python-sdk/fanout.history-cli.json",
        "python-sdk/nondeterministic.store.json",
        "python-sdk/emulator-store.db",
        "js-sdk/order-flow.operations.json",
        "js-sdk/order-flow.history.json",
        "aws-service/dag-parallel-failed.history-boto3.json",
    ] {
        let c = inspect_shape(&run_json(&["inspect", "--json", &fixture(f)]));
        total.switches += c.switches;
        total.attempts += c.attempts;
        total.attempt_errors += c.attempt_errors;
        total.diagnoses += c.diagnoses;
    }
    // Every nested object kind was really seen, so its shape was checked.
    assert!(total.switches > 0 && total.attempts > 0, "{total:?}");
    assert!(total.attempt_errors > 0 && total.diagnoses > 0, "{total:?}");
}

#[test]
fn every_attempt_of_a_retried_step_is_listed() {
    // The Python store records each attempt as a checkpoint update.
    let src = fixture("python-sdk/retries.store.json");
    let store: Value = serde_json::from_slice(&std::fs::read(&src).unwrap()).unwrap();
    let v = run_json(&["inspect", "--json", &src]);
    let mut retried = 0;
    for step in each(&v["executions"][0], "steps") {
        let id = step["id"].as_str().unwrap();
        let starts = each(&store, "Updates")
            .iter()
            .filter(|u| u["Id"] == id && u["Action"] == "START")
            .count();
        let attempts = each(step, "attempts");
        assert_eq!(attempts.len(), starts, "{id}");
        retried += usize::from(starts > 1);
        let numbers: Vec<u64> = attempts
            .iter()
            .map(|a| a["number"].as_u64().unwrap())
            .collect();
        assert_eq!(numbers, (1..=starts as u64).collect::<Vec<_>>());
        // Every attempt but the last was retried: it says when the next was due.
        for a in &attempts[..attempts.len().saturating_sub(1)] {
            assert!(a["next_attempt_at"].is_string(), "{a}");
            assert!(a["error"]["message"].is_string(), "{a}");
        }
    }
    assert!(retried > 0, "the fixture has a retried step");
}

#[test]
fn check_diff_and_list_json_have_the_documented_keys() {
    let nd = fixture("python-sdk/nondeterministic.history.json");
    let v = run_json(&[
        "check",
        "--json",
        &nd,
        &fixture("python-sdk/emulator-store.db"),
    ]);
    shape(
        "check",
        &v,
        &[
            ("consistent", "b"),
            ("executions", "n"),
            ("violations", "a"),
        ],
    );
    assert!(!each(&v, "violations").is_empty());
    for x in each(&v, "violations") {
        shape(
            "check.violation",
            x,
            &[
                ("file", "s"),
                ("execution", "s"),
                ("message", "s"),
                ("sdk_text", "s?"),
                ("context", "a"),
                ("position", "n?"),
                ("invocation", "n?"),
            ],
        );
    }

    let py = fixture("python-sdk/order-flow.store.json");
    for v in [
        run_json(&["diff", "--json", &format!("{nd}@1"), &format!("{nd}@2")]),
        run_json(&[
            "diff",
            "--json",
            &py,
            &fixture("js-sdk/order-flow.history.json"),
        ]),
        run_json(&[
            "diff",
            "--json",
            &fixture("python-sdk/retries.history.json"),
            &py,
        ]),
    ] {
        shape(
            "diff",
            &v,
            &[
                ("left", "s"),
                ("right", "s"),
                ("left_outcome", "o"),
                ("right_outcome", "o"),
                ("consistent", "b"),
                ("first_violation", "s?"),
                ("violations", "a"),
                ("rows", "a"),
            ],
        );
        for side in ["left_outcome", "right_outcome"] {
            shape(
                "diff.outcome",
                &v[side],
                &[("status", "s"), ("error", "o?")],
            );
            if v[side]["error"].is_object() {
                shape(
                    "diff.outcome.error",
                    &v[side]["error"],
                    &[("type", "s?"), ("message", "s?")],
                );
            }
        }
        for x in each(&v, "violations") {
            shape(
                "diff.violation",
                x,
                &[
                    ("message", "s"),
                    ("edit", "s?"),
                    ("position", "n"),
                    ("context", "a"),
                ],
            );
        }
        for r in each(&v, "rows") {
            shape(
                "diff.row",
                r,
                &[
                    ("context", "a"),
                    ("position", "n"),
                    ("right_position", "n?"),
                    ("kind", "s"),
                    ("left", "o?"),
                    ("right", "o?"),
                    ("result_changes", "a"),
                ],
            );
            for side in ["left", "right"] {
                if r[side].is_object() {
                    shape(
                        "diff.row.side",
                        &r[side],
                        &[
                            ("name", "s?"),
                            ("label", "s"),
                            ("type", "s"),
                            ("subtype", "s?"),
                            ("status", "s?"),
                        ],
                    );
                }
            }
            for c in each(r, "result_changes") {
                let keys = c.as_object().unwrap().keys().collect::<Vec<_>>();
                assert_eq!(keys, ["pointer", "left", "right"], "result change");
                assert!(c["pointer"].is_string());
            }
        }
    }

    for f in [
        "python-sdk/emulator-store.db",
        "js-sdk/order-flow.history.json",
    ] {
        let v = run_json(&["list", "--json", &fixture(f)]);
        shape("list", &v, &[("file", "s"), ("executions", "a")]);
        for e in each(&v, "executions") {
            shape(
                "list.execution",
                e,
                &[
                    ("index", "n"),
                    ("id", "s?"),
                    ("arn", "s?"),
                    ("function", "s?"),
                    ("name", "s?"),
                    ("status", "s?"),
                    ("start", "s?"),
                    ("end", "s?"),
                    ("duration_ms", "n?"),
                    ("operations", "n?"),
                ],
            );
        }
    }
}
