//! durable-lens against an independent oracle (tests/oracle/mod.rs): every
//! scenario the official SDKs' local runners play (tests/sdk/regenerate.sh,
//! run here into a temp dir) × every export shape of that same run, through
//! the real binary's `inspect --json`. Expected values come only from what
//! the handler invocations received and returned and from the runner's final
//! operation list, and, for invocation windows, from when the wrapper around
//! the SDK's handler saw each invocation begin and end (`window_lines`).
//! The complete shapes of one run are also compared with each other on
//! everything each can know (`shape_lines`), so a field the oracle does not
//! model cannot differ between shapes silently.
//!
//! durable-lens still gets some answers wrong (issue 10). Those are listed,
//! exactly, in tests/oracle/known-disagreements.txt: the test fails on any
//! disagreement not listed AND on any listed one that no longer happens, so
//! the list shrinks as fixes land.

#[path = "oracle/mod.rs"]
mod oracle;

use durable_lens::load::load_path;
use oracle::{derive, read_final, read_recording, Oracle, Recorded, Sdk, Switch};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

const SCENARIOS: [&str; 15] = [
    "order-flow",
    "retries",
    "callback-flow",
    "fanout",
    "nondeterministic",
    "chained-invoke",
    "retry-exhausted",
    "callback-failed",
    "execution-timeout",
    "chained-invoke-durable",
    "nested",
    "removed-operation",
    "loop-2000",
    "wait-for-condition",
    "callback-timeout",
];

/// Scenarios a runner cannot play (see tests/sdk/README.md).
fn plays(sdk: Sdk, scenario: &str) -> bool {
    !(sdk == Sdk::Js && scenario == "execution-timeout")
}

/// The runners' output, made once per test binary.
fn regenerated() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let started = Instant::now();
        let dir = regenerate();
        eprintln!("regenerate.sh: {:.1?}", started.elapsed());
        dir
    })
}

/// `ORACLE_SDK_DIR=DIR` reuses a finished `regenerate.sh DIR` run instead
/// (for working on the oracle; CI always regenerates).
fn regenerate() -> PathBuf {
    if let Some(dir) = std::env::var_os("ORACLE_SDK_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = manifest.join("tests/sdk/regenerate.sh");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-sdk");
    if out.exists() {
        std::fs::remove_dir_all(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
    let run = Command::new("bash")
        .arg(&script)
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        run.status.success(),
        "{} failed ({}):\n{}\n(run `bash tests/sdk/install.sh` if the SDKs are missing)",
        script.display(),
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// A history split into pages of `size` events, each with a NextMarker but
/// the last, one document per line, as users who follow NextMarker save them.
fn write_pages(history: &Path, size: usize, dir: &Path, stem: &str) -> PathBuf {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(history).unwrap()).unwrap();
    let events = doc["Events"].as_array().expect("Events").clone();
    let chunks: Vec<&[Value]> = events.chunks(size).collect();
    let mut all = String::new();
    for (i, c) in chunks.iter().enumerate() {
        let mut page = json!({ "Events": c });
        if i + 1 < chunks.len() {
            page["NextMarker"] = json!(format!("page-{}", i + 2));
        }
        all.push_str(&serde_json::to_string(&page).unwrap());
        all.push('\n');
    }
    let pages = dir.join(format!("{stem}.pages.json"));
    std::fs::write(&pages, all).unwrap();
    pages
}

/// Every position a partial shape states (switches, diagnoses) against the
/// run's fixed positions; an operation it places in a context where the
/// oracle does not know it is a disagreement too.
fn position_lines(o: &Oracle, doc: &Value) -> Vec<String> {
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|c| {
                c.iter()
                    .map(|n| n.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut stated = BTreeSet::new();
    for e in doc["executions"].as_array().into_iter().flatten() {
        for inv in e["invocations"].as_array().into_iter().flatten() {
            for sw in inv["switches"].as_array().into_iter().flatten() {
                stated.insert((
                    names(&sw["context"]),
                    sw["operation"].as_str().unwrap_or("").to_string(),
                    sw["position"].to_string(),
                ));
            }
        }
        for g in e["diagnoses"].as_array().into_iter().flatten() {
            stated.insert((
                names(&g["context"]),
                g["operation"].as_str().unwrap_or("").to_string(),
                g["position"].to_string(),
            ));
        }
    }
    stated
        .into_iter()
        .filter_map(|(context, label, pos)| {
            let truth = o
                .positions
                .get(&(context.clone(), label.clone()))
                .map_or("unknown".to_string(), u32::to_string);
            (truth != pos).then(|| {
                format!(
                    "position of {}@{label}: oracle={truth} lens={pos}",
                    context.join("/")
                )
            })
        })
        .collect()
}

struct Shape {
    name: &'static str,
    path: PathBuf,
    /// `--execution` for files holding several executions.
    select: Option<String>,
    partial: Partial,
    /// Per invocation, whether the file itself records its (start, end),
    /// read off the file's own contents (`recorded_times`).
    times: Vec<(bool, bool)>,
}

/// Which invocation times a shape's file records, per invocation in order:
/// (start, end). History events: each `InvocationCompleted` (its
/// `StartTimestamp`; its end is `EndTimestamp` or, as the Python runner
/// writes the bare event, the event's own timestamp, which it sets to the
/// invocation's end). The JS invocations file: `startTimestamp` /
/// `endTimestamp`. The Python store: `InvocationCompletions`. The store
/// folder's file and the SQLite row are the same execution the store saved
/// (tests/sdk/python/run_fixtures.py), read here from `<s>.store.json`.
/// GetDurableExecutionState records no invocation at all.
fn recorded_times(name: &str, path: &Path, dir: &Path, scenario: &str) -> Vec<(bool, bool)> {
    let read = |p: &Path| -> Vec<Value> {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .map(|d| d.unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .collect()
    };
    let has = |v: &Value, k: &str| v.get(k).is_some_and(|t| !t.is_null());
    match name {
        "history" | "history-pages" | "history-cli" => read(path)
            .iter()
            .flat_map(|d| d["Events"].as_array().cloned().unwrap_or_default())
            .filter(|e| e["EventType"] == "InvocationCompleted")
            .map(|e| {
                let d = &e["InvocationCompletedDetails"];
                (
                    has(d, "StartTimestamp"),
                    has(d, "EndTimestamp") || has(&e, "EventTimestamp"),
                )
            })
            .collect(),
        "operations+invocations" => read(&dir.join(format!("{scenario}.invocations.json")))[0]
            .as_array()
            .expect("an invocation list")
            .iter()
            .map(|i| (has(i, "startTimestamp"), has(i, "endTimestamp")))
            .collect(),
        "store-json" | "store-folder" | "sqlite" => {
            store_times(&read(&dir.join(format!("{scenario}.store.json")))[0])
        }
        "state" => Vec::new(),
        other => panic!("recorded_times: no rule for shape {other}"),
    }
}

/// (start, end) recorded per invocation in a Python store's execution file.
fn store_times(execution: &Value) -> Vec<(bool, bool)> {
    let has = |v: &Value, k: &str| v.get(k).is_some_and(|t| !t.is_null());
    execution["InvocationCompletions"]
        .as_array()
        .expect("InvocationCompletions")
        .iter()
        .map(|i| (has(i, "StartTimestamp"), has(i, "EndTimestamp")))
        .collect()
}

/// How far a runner's own invocation stamp may lie outside the wrapper's
/// times. The runners stamp an invocation just before they call the
/// wrapped handler and just after it returns (JS: its checkpoint worker, on
/// the real clock; Python: `Executor`, on its skip clock), so a recorded
/// start is at or before the wrapper's call and a recorded end at or after
/// its return. Measured on these runners: up to 29 ms between the two (the
/// JS runner messages its worker and builds the input in between; 16 ms
/// for Python), on a loaded 2-core machine. 500 ms leaves room for a slower
/// CI host and is still far below every gap the windows can be wrong by
/// (the shortest skipped wait or retry delay in the scenarios is 2 s; the
/// JS runner's invocations are tens of ms apart, which the ordering bound
/// `SLACK_US` catches).
const RUNNER_LAG_US: i64 = 500_000;
/// Rounding of the recorded stamps: both runners keep milliseconds (the
/// Python store truncates to whole ms), the wrappers microseconds.
const SLACK_US: i64 = 1_000;

/// Every way the invocation windows of `doc` (one complete shape) are
/// inconsistent with when the wrapper saw each invocation run, one line
/// each (no times in the lines: they change on every run; the numbers go to
/// stderr). A recorded time must be the runner's stamp (`RUNNER_LAG_US`);
/// an inferred start must lie between the previous invocation's end and
/// this invocation's call, where the previous end is the wrapper's return
/// when the shape records that end and otherwise the previous invocation's
/// last checkpoint (all a shape without invocation records can know: the
/// Python SDK returns ~100 ms after its last checkpoint, and a chained
/// invoke may return inside that); an inferred end must lie between this
/// invocation's call and the next one's (never inside another invocation).
fn window_lines(
    o: &Oracle,
    recorded: &[Recorded],
    doc: &Value,
    times: &[(bool, bool)],
) -> Vec<String> {
    let mut d = Vec::new();
    let invs = doc["executions"][0]["invocations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (k, (li, w)) in invs.iter().zip(recorded).enumerate() {
        let (has_start, has_end) = times.get(k).copied().unwrap_or((false, false));
        let f = |x: &str| format!("invocation[{}].{x}", k + 1);
        let flag = |key: &str| li[key].as_bool().unwrap_or(false);
        for (key, recorded_here) in [("start_inferred", has_start), ("end_inferred", has_end)] {
            if flag(key) == recorded_here {
                d.push(format!(
                    "{}: oracle={} lens={}",
                    f(key),
                    !recorded_here,
                    flag(key)
                ));
            }
        }
        let prev_end = k.checked_sub(1).and_then(|p| {
            if times.get(p).is_some_and(|t| t.1) {
                Some(recorded[p].ended)
            } else {
                o.invocations[p].last_checkpoint
            }
        });
        let next_start = recorded.get(k + 1).map(|n| n.started);
        let at = |key: &str| li[key].as_str().and_then(oracle::micros);
        // (field, lens time, is it recorded, allowed range, what the range is)
        let checks = [
            (
                "start",
                at("start"),
                has_start,
                if has_start {
                    (w.started - RUNNER_LAG_US, w.started + SLACK_US)
                } else {
                    (
                        prev_end.map_or(i64::MIN, |e| e - SLACK_US),
                        w.started + SLACK_US,
                    )
                },
                if has_start {
                    "recorded, just before the handler's call"
                } else {
                    "inferred, between the previous return and this call"
                },
            ),
            (
                "end",
                at("end"),
                has_end,
                if has_end {
                    (w.ended - SLACK_US, w.ended + RUNNER_LAG_US)
                } else {
                    (
                        w.started - SLACK_US,
                        next_start.map_or(i64::MAX, |s| s + SLACK_US),
                    )
                },
                if has_end {
                    "recorded, just after the handler's return"
                } else {
                    "inferred, between this call and the next"
                },
            ),
        ];
        for (field, lens, is_recorded, (lo, hi), what) in checks {
            match lens {
                Some(t) if (lo..=hi).contains(&t) => {}
                Some(t) => {
                    eprintln!(
                        "{}: lens {t} outside [{lo}, {hi}] (wrapper {} .. {})",
                        f(field),
                        w.started,
                        w.ended
                    );
                    d.push(format!("{}: oracle={what} lens=outside", f(field)));
                }
                None if is_recorded => d.push(format!("{}: oracle={what} lens=none", f(field))),
                None => {}
            }
        }
    }
    d
}

/// A shape that cannot know the whole run must say so in a warning, and is
/// held to what it does hold.
#[derive(Clone, Copy, PartialEq)]
enum Partial {
    No,
    /// One page of a paged history: held to the warning and to the
    /// positions it states (a later page must not restart them at 1).
    Page,
    /// Invocation k's input (a state snapshot mid-run, 0-based k): held to
    /// the warning, the positions it states and the statuses it carries.
    Snapshot(usize),
}

fn shapes(sdk: Sdk, scenario: &str, dir: &Path, scratch: &Path, invocations: usize) -> Vec<Shape> {
    let f = |suffix: &str| dir.join(format!("{scenario}.{suffix}"));
    let shape = |name, path: PathBuf, select: Option<String>, partial| Shape {
        times: match partial {
            Partial::No => recorded_times(name, &path, dir, scenario),
            _ => Vec::new(),
        },
        name,
        path,
        select,
        partial,
    };
    let stem = format!("{}-{scenario}", if sdk == Sdk::Js { "js" } else { "py" });
    // The Python runner serves real pages (100 events) when there are
    // several; otherwise pages are cut here (500 events, as the service's
    // largest page, or 4 so that every scenario has several).
    let served = f("history-pages.json");
    let pages = if served.exists() {
        served
    } else {
        let size = if scenario == "loop-2000" { 500 } else { 4 };
        write_pages(&f("history.json"), size, scratch, &stem)
    };
    // Pages 1 and 2 alone, as a user who saved one page has them.
    let text = std::fs::read_to_string(&pages).unwrap();
    let mut lines = text.lines();
    let (page1, page2) = (
        scratch.join(format!("{stem}.page-1.json")),
        scratch.join(format!("{stem}.page-2.json")),
    );
    std::fs::write(&page1, lines.next().unwrap()).unwrap();
    std::fs::write(&page2, lines.next().expect("at least two pages")).unwrap();
    // The last invocation's input: the checkpoint state as it was then.
    let last = invocations - 1;
    let inputs: Value =
        serde_json::from_str(&std::fs::read_to_string(f("inputs.json")).unwrap()).unwrap();
    let snapshot = scratch.join(format!("{stem}.input-{invocations}.json"));
    std::fs::write(&snapshot, inputs[last]["Input"].to_string()).unwrap();
    let mut v = vec![
        shape("history", f("history.json"), None, Partial::No),
        shape("history-pages", pages, None, Partial::No),
        shape("history-page-1", page1, None, Partial::Page),
        shape("history-page-2", page2, None, Partial::Page),
        shape("last-input", snapshot, None, Partial::Snapshot(last)),
    ];
    match sdk {
        Sdk::Js => v.push(shape(
            "operations+invocations",
            f("operations.json"),
            None,
            Partial::No,
        )),
        Sdk::Python => {
            let name = Some(format!("{}-1", scenario.replace('-', "_")));
            v.push(shape(
                "history-cli",
                f("history-cli.json"),
                None,
                Partial::No,
            ));
            v.push(shape("store-json", f("store.json"), None, Partial::No));
            v.push(shape("store-folder", f("store"), name.clone(), Partial::No));
            v.push(shape(
                "sqlite",
                dir.join("emulator-store.db"),
                name,
                Partial::No,
            ));
            v.push(shape("state", f("state.json"), None, Partial::No));
        }
    }
    v
}

fn inspect(shape: &Shape) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    cmd.arg("inspect").arg(&shape.path).arg("--json");
    if let Some(s) = &shape.select {
        cmd.arg("--execution").arg(s);
    }
    let out = cmd.output().expect("run durable-lens");
    if !out.status.success() {
        return json!({ "error": String::from_utf8_lossy(&out.stderr).trim().to_string() });
    }
    serde_json::from_slice(&out.stdout).expect("inspect --json is JSON")
}

/// Every way `lens` (one execution of `inspect --json`) differs from the
/// oracle, one line each: `field: oracle=... lens=...`.
fn compare(
    o: &Oracle,
    recorded: &[Recorded],
    doc: &Value,
    shape: &Shape,
    statuses: &[(String, String)],
) -> Vec<String> {
    let mut d = Vec::new();
    let mut diff = |field: String, oracle: String, lens: String| {
        if oracle != lens {
            d.push(format!("{field}: oracle={oracle} lens={lens}"));
        }
    };
    if let Some(e) = doc.get("error") {
        diff(
            "load".into(),
            "ok".into(),
            e.as_str().unwrap_or("").replace('\n', " "),
        );
        return d;
    }
    let warnings = doc["warnings"].as_array().map_or(0, Vec::len);
    let lens: BTreeMap<&str, &str> = statuses
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let expected_statuses: BTreeMap<String, String> = match shape.partial {
        Partial::No => o.final_status.clone(),
        Partial::Page => {
            diff(
                "warns-partial".into(),
                "true".into(),
                (warnings > 0).to_string(),
            );
            d.extend(position_lines(o, doc));
            return d;
        }
        Partial::Snapshot(k) => {
            diff(
                "warns-partial".into(),
                "true".into(),
                (warnings > 0).to_string(),
            );
            d.extend(position_lines(o, doc));
            let own = recorded[k]
                .ops
                .iter()
                .filter(|op| op.op_type != "EXECUTION")
                .map(|op| (op.id.clone(), op.status.clone()))
                .collect();
            d.extend(status_lines(&own, &lens));
            return d;
        }
    };
    let e = &doc["executions"][0];
    let s = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    diff("status".into(), o.status.clone(), s(&e["status"]));
    let invs = e["invocations"].as_array().cloned().unwrap_or_default();
    diff(
        "invocations".into(),
        o.invocations.len().to_string(),
        invs.len().to_string(),
    );
    for (k, oi) in o.invocations.iter().enumerate() {
        let Some(li) = invs.get(k) else { break };
        let f = |x: &str| format!("invocation[{}].{x}", k + 1);
        diff(
            f("replayed"),
            oi.replayed.to_string(),
            li["replayed"].to_string(),
        );
        diff(
            f("executed"),
            oi.executed.to_string(),
            li["executed"].to_string(),
        );
        let lens_sw: BTreeSet<Switch> = li["switches"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|sw| Switch {
                        context: sw["context"]
                            .as_array()
                            .map(|c| c.iter().map(&s).collect())
                            .unwrap_or_default(),
                        position: sw["position"].as_u64().unwrap_or(0) as u32,
                        operation: s(&sw["operation"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let show = |set: &BTreeSet<Switch>| {
            set.iter()
                .map(|w| format!("{}@{} {}", w.context.join("/"), w.position, w.operation))
                .collect::<Vec<_>>()
                .join(", ")
        };
        diff(f("switches"), show(&oi.switches), show(&lens_sw));
        diff(f("outcome"), oi.outcome.clone(), s(&li["outcome"]));
        let waits: BTreeSet<String> = li["waiting_on"]
            .as_array()
            .map(|a| a.iter().map(&s).collect())
            .unwrap_or_default();
        let join = |w: &BTreeSet<String>| w.iter().cloned().collect::<Vec<_>>().join(", ");
        diff(f("waiting_on"), join(&oi.waiting_on), join(&waits));
    }
    let diags = e["diagnoses"].as_array().cloned().unwrap_or_default();
    let oracle_diag = o.diagnosis.as_ref().map_or("none".to_string(), |g| {
        format!("{}@{} {}", g.context.join("/"), g.position, g.operation)
    });
    let lens_diag = diags.first().map_or("none".to_string(), |g| {
        let ctx: Vec<String> = g["context"]
            .as_array()
            .map(|c| c.iter().map(&s).collect())
            .unwrap_or_default();
        format!("{}@{} {}", ctx.join("/"), g["position"], s(&g["operation"]))
    });
    diff("diagnosis".into(), oracle_diag, lens_diag);
    d.extend(attempt_lines(o, e, shape.name));
    d.extend(window_lines(o, recorded, doc, &shape.times));
    // Final operation statuses: `inspect --json` has no operation list yet,
    // so they are read from the same file through the library's loader.
    d.extend(status_lines(&expected_statuses, &lens));
    d
}

/// Every step's attempts: which invocation ran each (a shape that keeps
/// only the latest attempt, GetDurableExecutionState, is held to that
/// attempt's number).
fn attempt_lines(o: &Oracle, e: &Value, shape: &str) -> Vec<String> {
    let latest_only = shape == "state";
    let mut d = Vec::new();
    let steps = e["steps"].as_array().cloned().unwrap_or_default();
    for (id, ran_in) in &o.attempts {
        let short = &id[..id.len().min(16)];
        let Some(step) = steps.iter().find(|s| s["id"] == id.as_str()) else {
            d.push(format!("step[{short}]: oracle=listed lens=absent"));
            continue;
        };
        let attempts = step["attempts"].as_array().cloned().unwrap_or_default();
        // The JS operations file keeps only a step's latest attempt: where
        // the step ran fewer invocations than attempts, the earlier ones
        // cannot be placed and are listed with no invocation.
        let unplaced_ok = shape == "operations+invocations";
        let (oracle, lens) = if latest_only {
            (
                ran_in.len().to_string(),
                attempts
                    .last()
                    .map_or("none".into(), |a| a["number"].to_string()),
            )
        } else {
            let show = |v: Vec<String>| v.join(",");
            (
                show(
                    ran_in
                        .iter()
                        .enumerate()
                        .map(|(j, k)| {
                            let unplaced =
                                attempts.get(j).is_some_and(|a| a["invocation"].is_null());
                            if unplaced_ok && unplaced {
                                "null".to_string()
                            } else {
                                k.to_string()
                            }
                        })
                        .collect(),
                ),
                show(
                    attempts
                        .iter()
                        .map(|a| a["invocation"].to_string())
                        .collect(),
                ),
            )
        };
        if oracle != lens {
            let what = if latest_only {
                "last attempt"
            } else {
                "attempts ran in"
            };
            d.push(format!("step[{short}] {what}: oracle={oracle} lens={lens}"));
        }
    }
    if d.len() > 5 {
        vec![format!(
            "{} steps' attempts differ, first {}",
            d.len(),
            d[0]
        )]
    } else {
        d
    }
}

/// One line per operation whose status differs; more than five differing
/// (loop-2000) make one line with the count and the first.
fn status_lines(expected: &BTreeMap<String, String>, lens: &BTreeMap<&str, &str>) -> Vec<String> {
    let lines: Vec<String> = expected
        .iter()
        .filter_map(|(id, st)| {
            let got = lens.get(id.as_str()).copied().unwrap_or("absent");
            (got != st).then(|| {
                format!(
                    "operation[{}].status: oracle={st} lens={got}",
                    &id[..id.len().min(16)]
                )
            })
        })
        .collect();
    if lines.len() > 5 {
        vec![format!(
            "{} operation statuses differ, first {}",
            lines.len(),
            lines[0]
        )]
    } else {
        lines
    }
}

/// (operation id, status) as the library's loader gives them, for the
/// execution the shape selects.
fn loaded_statuses(shape: &Shape) -> Vec<(String, String)> {
    let Ok(h) = load_path(&shape.path) else {
        return Vec::new();
    };
    let exec = match &shape.select {
        Some(sel) => h.executions.iter().find(|e| {
            e.name.as_deref() == Some(sel.as_str()) || e.arn.as_deref() == Some(sel.as_str())
        }),
        None => h.executions.first(),
    };
    exec.map(|e| {
        e.operations
            .iter()
            .filter(|o| o.op_type != durable_lens::model::OpType::Execution)
            .map(|o| (o.id.clone(), o.status.to_string()))
            .collect()
    })
    .unwrap_or_default()
}

/// The durable child of a chained invoke is an execution of its own in the
/// Python store (folder and SQLite): its oracle comes from what the child's
/// invocations received (`<s>.child.inputs.json`) and the store's own final
/// operation list for it. (The JS runner exports the parent only.)
fn child_execution(dir: &Path, scenario: &str) -> Vec<String> {
    let recorded = read_recording(&dir.join(format!("{scenario}.child.inputs.json")));
    let inputs: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{scenario}.child.inputs.json"))).unwrap(),
    )
    .unwrap();
    let arn = inputs[0]["Input"]["DurableExecutionArn"]
        .as_str()
        .expect("child ARN")
        .to_string();
    let folder = dir.join(format!("{scenario}.store"));
    let file = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p, doc)
        })
        .find(|(_, doc)| doc["DurableExecutionArn"] == arn.as_str())
        .expect("the child's file in the store folder");
    let (file, child_doc) = file;
    let o = derive(Sdk::Python, &recorded, &read_final(&file));
    let mut lines = Vec::new();
    for (name, path) in [
        ("child store-folder", folder.clone()),
        ("child sqlite", dir.join("emulator-store.db")),
    ] {
        let shape = Shape {
            name,
            path,
            select: Some(arn.clone()),
            partial: Partial::No,
            // The folder's file and the SQLite row are the same execution.
            times: store_times(&child_doc),
        };
        let doc = inspect(&shape);
        let statuses = loaded_statuses(&shape);
        for line in compare(&o, &recorded, &doc, &shape, &statuses) {
            lines.push(format!("{name}: {line}"));
        }
    }
    lines
}

/// What every complete shape of one run can know of it, from `inspect
/// --json`: everything but the file's own description (path, format,
/// warnings), the execution's ids and labels (each shape keys it its own
/// way), and times (each shape records different ones, and every window is
/// held to the wrapper's clock in `window_lines` instead). Less for the
/// shapes that keep only each operation's latest attempt:
/// GetDurableExecutionState (`state`) also holds no error and no invocation
/// records, so it is compared on that attempt's number and status and not
/// on the execution's error, diagnoses or `invocations_inferred`; the JS
/// operations file (`operations+invocations`) is the same list, and its
/// invocations file names no attempt's error, so earlier attempts are
/// compared without theirs.
fn knowable(doc: &Value, shape: &str) -> Value {
    let Some(e) = doc["executions"].get(0) else {
        return doc.clone();
    };
    let state = shape == "state";
    let latest_only = state || shape == "operations+invocations";
    let mut e = e.clone();
    let obj = e.as_object_mut().expect("an execution object");
    for k in [
        "index",
        "arn",
        "id",
        "execution_op_id",
        "name",
        "function",
        "start",
        "end",
    ] {
        obj.remove(k);
    }
    if state {
        for k in ["error", "diagnoses", "invocations_inferred"] {
            obj.remove(k);
        }
    }
    for inv in obj["invocations"].as_array_mut().into_iter().flatten() {
        let inv = inv.as_object_mut().unwrap();
        for k in ["start", "end", "start_inferred", "end_inferred"] {
            inv.remove(k);
        }
    }
    for step in obj["steps"].as_array_mut().into_iter().flatten() {
        let attempts = step["attempts"].as_array_mut().unwrap();
        if state {
            let last = attempts.pop();
            attempts.clear();
            attempts.extend(last);
        }
        let n = attempts.len();
        for (i, a) in attempts.iter_mut().enumerate() {
            let a = a.as_object_mut().unwrap();
            for k in ["start", "end", "next_attempt_at"] {
                a.remove(k);
            }
            if state {
                a.remove("invocation");
            }
            if latest_only && (state || i + 1 < n) {
                a.remove("error");
                a.remove("invocation");
            }
        }
    }
    e
}

/// The JSON paths at which two values differ, with both sides.
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                let p = format!("{path}.{k}");
                json_diff(
                    &p,
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{path}[{}]", i + 1), p, q, out);
            }
        }
        _ if a != b => {
            let short = |v: &Value| {
                let t = v.to_string();
                if t.len() > 80 {
                    format!("{}…", &t[..t.floor_char_boundary(80)])
                } else {
                    t
                }
            };
            out.push(format!("{path}: {} vs {}", short(a), short(b)));
        }
        _ => {}
    }
}

/// Every complete shape of one run against its first (the history as
/// served) on what both can know, so that a field the oracle does not
/// model still cannot differ between shapes. More than five differences
/// between two shapes make one line with the count and the first.
fn shape_lines(docs: &[(&Shape, Value)]) -> Vec<String> {
    let Some(((first, base), rest)) = docs.split_first() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for (shape, doc) in rest {
        let mut d = Vec::new();
        json_diff(
            "",
            &knowable(base, shape.name),
            &knowable(doc, shape.name),
            &mut d,
        );
        let d: Vec<String> = d
            .into_iter()
            .map(|l| format!("{} vs {}: {l}", shape.name, first.name))
            .collect();
        if d.len() > 5 {
            lines.push(format!("{} fields differ, first {}", d.len(), d[0]));
        } else {
            lines.extend(d);
        }
    }
    lines
}

/// What the parent's shapes say of a chained invoke of a durable function
/// against what the child's own invocations returned
/// (`<s>.child.inputs.json`): the invoke's final status and result are the
/// child's last output. This is all the JS runner lets be compared: it
/// exports the parent only (its history, operations and invocation lists
/// hold no child operation or invocation), so the child's own analysis
/// cannot be checked there; the Python store holds the child as an
/// execution of its own (`child_execution`).
fn invoke_lines(dir: &Path, scenario: &str, shapes: &[Shape]) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(format!("{scenario}.child.inputs.json"))).unwrap();
    let inputs: Value = serde_json::from_str(&text).unwrap();
    let out = &inputs
        .as_array()
        .unwrap()
        .last()
        .expect("a child invocation")["Output"];
    let status = out["Status"]
        .as_str()
        .expect("the child's Status")
        .to_string();
    let result: Option<Value> = out["Result"]
        .as_str()
        .map(|r| serde_json::from_str(r).expect("the child's Result is JSON"));
    let mut lines = Vec::new();
    for shape in shapes.iter().filter(|s| s.partial == Partial::No) {
        let Ok(h) = load_path(&shape.path) else {
            continue;
        };
        let exec = match &shape.select {
            Some(sel) => h
                .executions
                .iter()
                .find(|e| e.name.as_deref() == Some(sel.as_str())),
            None => h.executions.first(),
        };
        let invoke = exec.and_then(|e| {
            e.operations
                .iter()
                .find(|o| o.op_type == durable_lens::model::OpType::ChainedInvoke)
        });
        let Some(op) = invoke else {
            lines.push(format!(
                "{}: invoke: oracle=present lens=absent",
                shape.name
            ));
            continue;
        };
        let got = op.status.to_string();
        if got != status {
            lines.push(format!(
                "{}: invoke status: child={status} lens={got}",
                shape.name
            ));
        }
        let lens_result = op.result.as_ref().and_then(|p| p.value()).cloned();
        if lens_result != result {
            lines.push(format!(
                "{}: invoke result: child={} lens={}",
                shape.name,
                result.as_ref().map_or("none".into(), Value::to_string),
                lens_result.as_ref().map_or("none".into(), Value::to_string)
            ));
        }
    }
    lines
}

fn known() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/known-disagreements.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split("  # ").next().unwrap().trim_end().to_string())
        .collect()
}

#[test]
fn durable_lens_agrees_with_the_oracle_on_every_scenario_and_shape() {
    let started = Instant::now();
    let out = regenerated();
    let scratch = out.join("shapes");
    std::fs::create_dir_all(&scratch).unwrap();
    let mut found = BTreeSet::new();
    for (sdk, dir) in [(Sdk::Js, "js-sdk"), (Sdk::Python, "python-sdk")] {
        let dir = out.join(dir);
        for scenario in SCENARIOS.iter().copied().filter(|s| plays(sdk, s)) {
            let recorded = read_recording(&dir.join(format!("{scenario}.inputs.json")));
            let final_ops = read_final(&dir.join(match sdk {
                Sdk::Js => format!("{scenario}.operations.json"),
                Sdk::Python => format!("{scenario}.state.json"),
            }));
            let o = derive(sdk, &recorded, &final_ops);
            let tag = if sdk == Sdk::Js { "js" } else { "python" };
            if sdk == Sdk::Python && scenario == "chained-invoke-durable" {
                for line in child_execution(&dir, scenario) {
                    found.insert(format!("{tag} {scenario} {line}"));
                }
            }
            let all = shapes(sdk, scenario, &dir, &scratch, recorded.len());
            let mut complete = Vec::new();
            for shape in &all {
                let doc = inspect(shape);
                let statuses = loaded_statuses(shape);
                for line in compare(&o, &recorded, &doc, shape, &statuses) {
                    found.insert(format!("{tag} {scenario} {}: {line}", shape.name));
                }
                if shape.partial == Partial::No {
                    complete.push((shape, doc));
                }
            }
            if scenario == "chained-invoke-durable" {
                for line in invoke_lines(&dir, scenario, &all) {
                    found.insert(format!("{tag} {scenario} {line}"));
                }
            }
            for line in shape_lines(&complete) {
                found.insert(format!("{tag} {scenario} shapes: {line}"));
            }
        }
    }
    eprintln!("oracle test: {:.1?}", started.elapsed());
    let known = known();
    let new: Vec<&String> = found.difference(&known).collect();
    let gone: Vec<&String> = known.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "durable-lens vs the oracle changed.\nNEW disagreements ({}):\n{}\nFIXED (remove from tests/oracle/known-disagreements.txt) ({}):\n{}",
        new.len(),
        new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
        gone.len(),
        gone.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
    );
}

/// The oracle itself, on facts read off the handlers' code (tests/sdk), not
/// off any tool's output: if it drifts, the comparison above means nothing.
#[test]
fn the_oracle_sees_what_the_handlers_do() {
    let out = regenerated();
    for (sdk, dir) in [(Sdk::Js, "js-sdk"), (Sdk::Python, "python-sdk")] {
        let oracle_of = |scenario: &str| {
            let d = out.join(dir);
            let recorded = read_recording(&d.join(format!("{scenario}.inputs.json")));
            let final_ops = read_final(&d.join(match sdk {
                Sdk::Js => format!("{scenario}.operations.json"),
                Sdk::Python => format!("{scenario}.state.json"),
            }));
            derive(sdk, &recorded, &final_ops)
        };
        let root = |o: &Oracle, k: usize| {
            o.invocations[k]
                .switches
                .iter()
                .find(|s| s.context.is_empty())
                .map(|s| (s.position, s.operation.clone()))
        };
        // order-flow: 3 operations then the wait suspends; invocation 2
        // replays them and runs send-notification at position 4.
        let o = oracle_of("order-flow");
        assert_eq!(o.invocations.len(), 2, "{dir}");
        assert_eq!(root(&o, 0), Some((1, "create-order".into())));
        assert_eq!(o.invocations[0].waiting_on, ["cool-off".to_string()].into());
        assert_eq!(
            (o.invocations[1].replayed, o.invocations[1].executed),
            (3, 1)
        );
        assert_eq!(root(&o, 1), Some((4, "send-notification".into())));
        assert_eq!(o.status, "SUCCEEDED");
        // nested: the outer context is open across the wait; invocation 2
        // re-enters it and switches inside it at outer-map (position 4).
        let o = oracle_of("nested");
        let inner: Vec<_> = o.invocations[1]
            .switches
            .iter()
            .filter(|s| s.context == ["outer"])
            .map(|s| (s.position, s.operation.as_str()))
            .collect();
        assert_eq!(inner, [(4, "outer-map")], "{dir}");
        assert_eq!(root(&o, 1), Some((1, "outer".into())));
        if sdk == Sdk::Python {
            // Python suspends at the second wait too (the JS SDK waits it
            // out in-process, as its recorded outputs show): a third
            // invocation re-enters outer once more and runs after-outer.
            assert_eq!(o.invocations.len(), 3);
            assert_eq!(
                o.invocations[1].waiting_on,
                ["outer-wait-2".to_string()].into()
            );
            assert_eq!(root(&o, 2), Some((1, "outer".into())));
        }
        // loop-2000: 500 steps and a wait per invocation; the wait after
        // step 500 is position 501, so invocation 2 switches at 502.
        let o = oracle_of("loop-2000");
        let switches: Vec<_> = (0..4).map(|k| root(&o, k).map(|s| s.0)).collect();
        assert_eq!(
            switches,
            [Some(1), Some(502), Some(1003), Some(1504)],
            "{dir}"
        );
        assert_eq!(o.final_status.len(), 2003);
        // removed-operation: the SDK stops at position 2 (audit-log's slot).
        let o = oracle_of("removed-operation");
        let d = o.diagnosis.expect("non-determinism diagnosed");
        assert_eq!(
            (d.position, d.operation.as_str()),
            (2, "audit-log"),
            "{dir}"
        );
        assert_eq!(o.status, "FAILED");
        // wait-for-condition: poll-job polls three times (the condition is
        // met on the third), and the invocation that ran the first poll
        // waits for the next.
        let o = oracle_of("wait-for-condition");
        let mut polls: Vec<usize> = o.attempts.values().map(Vec::len).collect();
        polls.sort_unstable();
        assert_eq!(polls, [1, 1, 3], "{dir}: submit-job, report, poll-job");
        assert_eq!(o.invocations[0].waiting_on, ["poll-job".to_string()].into());
        assert_eq!(o.status, "SUCCEEDED");
        // callback-timeout: nobody answers; the callback times out and the
        // handler, which catches that, succeeds.
        let o = oracle_of("callback-timeout");
        assert_eq!(o.invocations.len(), 2, "{dir}");
        assert_eq!(o.invocations[0].outcome, "pending");
        assert!(
            o.final_status.values().any(|s| s == "TIMED_OUT"),
            "{dir}: {:?}",
            o.final_status
        );
        assert_eq!(o.status, "SUCCEEDED");
        // retry-exhausted: charge-card fails for good.
        let o = oracle_of("retry-exhausted");
        assert!(o.final_status.values().any(|s| s == "FAILED"), "{dir}");
        assert_eq!(o.status, "FAILED");
    }
    // execution-timeout (Python): one invocation, pending on the callback,
    // then the execution times out.
    let d = out.join("python-sdk");
    let o = derive(
        Sdk::Python,
        &read_recording(&d.join("execution-timeout.inputs.json")),
        &read_final(&d.join("execution-timeout.state.json")),
    );
    assert_eq!(o.invocations.len(), 1);
    assert_eq!(o.invocations[0].outcome, "pending");
    assert_eq!(
        o.invocations[0].waiting_on,
        ["manager-approval create callback id".to_string()].into()
    );
    assert_eq!(o.status, "TIMED_OUT");
}
