//! The test oracle: what really happened in a run, derived only from what
//! each handler invocation received and returned (`<s>.inputs.json`, written
//! by tests/sdk's runners) and the runner's own final operation list, never
//! from durable-lens's loaders or replay code.
//!
//! Rules (docs/formats.md §1, §3, §7):
//! - one recorded input = one invocation;
//! - invocation k *replayed* the completed checkpoints of its input (all but
//!   the EXECUTION record), except, when it failed on the SDK's
//!   non-determinism error, those at or after the mismatch (the SDK stopped
//!   there);
//! - it *executed or resumed* every operation that is new or unfinished in
//!   its input and appears in the next input (or the final state);
//! - its switch in each context is the lowest position it executed there;
//!   positions are the SDK's own per-context counters, recovered by
//!   inverting the SDK's id hash (JS: md5 of the dash-joined counter path,
//!   Python: blake2b of `<parent id>-<counter>`);
//! - its outcome is the recorded output `Status`; a PENDING invocation waits
//!   on the waits, callbacks and chained invokes it reached last in their
//!   context (for a callback, its wait-for-callback context) and on the steps
//!   it left PENDING/READY for a retry;
//! - the execution's status is the final EXECUTION record's when there is
//!   one, else the last output's;
//! - the non-determinism position comes from the SDK's error text.

use blake2::{Blake2b512, Digest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    Js,
    Python,
}

/// One operation record as the runner passed it to the handler.
#[derive(Debug, Clone)]
pub struct RawOp {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: Option<String>,
    pub op_type: String,
    pub sub_type: Option<String>,
    pub status: String,
    /// `StartTimestamp` / `EndTimestamp` in microseconds since the epoch
    /// (JS: RFC 3339 text, Python: epoch milliseconds).
    pub start_us: Option<i64>,
    pub end_us: Option<i64>,
    /// `StepDetails.Attempt`: how many attempts of a step have run.
    pub attempt: Option<u64>,
}

/// A timestamp as either runner writes it, in microseconds since the epoch.
fn stamp_us(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::String(t) => micros(t),
        Value::Number(n) => n.as_i64().map(|ms| ms * 1000),
        _ => None,
    }
}

impl RawOp {
    fn from_json(v: &Value) -> RawOp {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        RawOp {
            id: s("Id").expect("operation without Id"),
            parent_id: s("ParentId"),
            name: s("Name"),
            op_type: s("Type").expect("operation without Type"),
            sub_type: s("SubType"),
            status: s("Status").expect("operation without Status"),
            start_us: stamp_us(v.get("StartTimestamp")),
            end_us: stamp_us(v.get("EndTimestamp")),
            attempt: v
                .get("StepDetails")
                .and_then(|d| d.get("Attempt"))
                .and_then(Value::as_u64),
        }
    }
    /// The name people see; the SDK leaves some operations unnamed.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.clone())
    }
}

pub fn terminal(status: &str) -> bool {
    matches!(
        status,
        "SUCCEEDED" | "FAILED" | "CANCELLED" | "TIMED_OUT" | "STOPPED"
    )
}

/// One recorded handler invocation.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub ops: Vec<RawOp>,
    pub status: String,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// When the wrapper around the SDK's handler called it and when the
    /// handler returned, in microseconds since the epoch, on the clock the
    /// runner stamps its own timestamps with (tests/sdk/README.md).
    pub started: i64,
    pub ended: i64,
}

/// An RFC 3339 time as microseconds since the epoch.
pub fn micros(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

pub fn read_recording(inputs: &Path) -> Vec<Recorded> {
    let text =
        std::fs::read_to_string(inputs).unwrap_or_else(|e| panic!("{}: {e}", inputs.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", inputs.display()));
    let entries = doc.as_array().expect("inputs file is a list");
    entries
        .iter()
        .map(|e| {
            let ops = e["Input"]["InitialExecutionState"]["Operations"]
                .as_array()
                .expect("input without InitialExecutionState.Operations")
                .iter()
                .map(RawOp::from_json)
                .collect();
            let out = &e["Output"];
            let err = |k: &str| {
                out["Error"]
                    .get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let time = |k: &str| {
                e[k].as_str().and_then(micros).unwrap_or_else(|| {
                    panic!("{}: an invocation without a {k} time", inputs.display())
                })
            };
            Recorded {
                started: time("Started"),
                ended: time("Ended"),
                ops,
                status: out["Status"]
                    .as_str()
                    .unwrap_or_else(|| {
                        panic!("{}: an invocation without Output.Status", inputs.display())
                    })
                    .to_string(),
                error_type: err("ErrorType"),
                error_message: err("ErrorMessage"),
            }
        })
        .collect()
}

/// The runner's final operation list: a bare array (JS `getOperations`) or
/// `{"Operations": [...]}` (GetDurableExecutionState).
pub fn read_final(path: &Path) -> Vec<RawOp> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let list = doc.get("Operations").unwrap_or(&doc);
    list.as_array()
        .expect("an operation list")
        .iter()
        .map(RawOp::from_json)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Switch {
    /// Names of the enclosing contexts from the root (root: empty).
    pub context: Vec<String>,
    pub position: u32,
    pub operation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleInvocation {
    pub replayed: usize,
    pub executed: usize,
    pub switches: BTreeSet<Switch>,
    /// `succeeded`, `failed` or `pending` (the output's Status).
    pub outcome: String,
    pub waiting_on: BTreeSet<String>,
    /// The latest time the handler checkpointed in this invocation (the
    /// starts of what it executed, the ends of its steps and contexts).
    pub last_checkpoint: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleDiagnosis {
    pub context: Vec<String>,
    pub position: u32,
    /// The checkpointed operation at that position.
    pub operation: String,
    pub invocation: usize,
}

#[derive(Debug, Clone)]
pub struct Oracle {
    pub invocations: Vec<OracleInvocation>,
    pub status: String,
    /// Operation id -> final status (the EXECUTION record excluded).
    pub final_status: BTreeMap<String, String>,
    pub diagnosis: Option<OracleDiagnosis>,
    /// (context names, operation label) -> its 1-based position: fixed for
    /// the whole run, so any shape that states one must state this one.
    pub positions: BTreeMap<(Vec<String>, String), u32>,
    /// Step id -> the 1-based invocation that ran each of its attempts, in
    /// order: invocation k ran the attempts after those its input counts
    /// (`StepDetails.Attempt`) up to those the next input (or the final
    /// state) counts. Usually one, but the JS SDK may wait a short retry or
    /// poll delay out in-process and run two in one invocation.
    pub attempts: BTreeMap<String, Vec<usize>>,
}

/// Where every operation sits: its context path (names) and its 1-based
/// position in its parent context, recovered from the SDK's id scheme.
struct Places {
    position: HashMap<String, u32>,
    context: HashMap<String, Vec<String>>,
    /// JS: the unhashed counter path of each operation ("1", "1-2").
    js_path: HashMap<String, String>,
}

fn md5_16(s: &str) -> String {
    format!("{:x}", md5::compute(s.as_bytes()))[..16].to_string()
}

fn blake_64(s: &str) -> String {
    let mut h = Blake2b512::new();
    h.update(s.as_bytes());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex[..64].to_string()
}

fn places(sdk: Sdk, all: &[RawOp]) -> Places {
    let exec_id = all
        .iter()
        .find(|o| o.op_type == "EXECUTION")
        .map(|o| o.id.clone());
    let parent_of = |o: &RawOp| o.parent_id.clone().filter(|p| Some(p) != exec_id.as_ref());
    let mut children: HashMap<Option<String>, Vec<&RawOp>> = HashMap::new();
    for o in all.iter().filter(|o| o.op_type != "EXECUTION") {
        children.entry(parent_of(o)).or_default().push(o);
    }
    let by_id: HashMap<&str, &RawOp> = all.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut p = Places {
        position: HashMap::new(),
        context: HashMap::new(),
        js_path: HashMap::new(),
    };
    // Walk contexts from the root so a parent's path is known first.
    let mut todo: Vec<Option<String>> = vec![None];
    while let Some(parent) = todo.pop() {
        let kids = children.get(&parent).cloned().unwrap_or_default();
        let context: Vec<String> = match &parent {
            None => Vec::new(),
            Some(id) => {
                let mut c = p.context[id].clone();
                c.push(by_id[id.as_str()].label());
                c
            }
        };
        let limit = kids.len() as u32 * 2 + 16;
        // Python numbers map iterations and parallel branches by their
        // 0-based index (concurrency/executor.py); positions are 1-based.
        let zero_based = sdk == Sdk::Python
            && parent.as_ref().is_some_and(|id| {
                matches!(
                    by_id[id.as_str()].sub_type.as_deref(),
                    Some("Map" | "Parallel")
                )
            });
        let mut table: HashMap<String, u32> = HashMap::new();
        for counter in u32::from(!zero_based)..=limit {
            let id = match (sdk, &parent) {
                (Sdk::Js, None) => md5_16(&counter.to_string()),
                (Sdk::Js, Some(pid)) => md5_16(&format!("{}-{counter}", p.js_path[pid])),
                (Sdk::Python, None) => blake_64(&counter.to_string()),
                (Sdk::Python, Some(pid)) => blake_64(&format!("{pid}-{counter}")),
            };
            table.insert(id, counter + u32::from(zero_based));
        }
        for k in kids {
            let n = *table.get(&k.id).unwrap_or_else(|| {
                panic!(
                    "oracle: id {} is not the SDK's hash of any counter in its context",
                    k.id
                )
            });
            p.position.insert(k.id.clone(), n);
            p.context.insert(k.id.clone(), context.clone());
            if sdk == Sdk::Js {
                let path = match &parent {
                    None => n.to_string(),
                    Some(pid) => format!("{}-{n}", p.js_path[pid]),
                };
                p.js_path.insert(k.id.clone(), path);
            }
            todo.push(Some(k.id.clone()));
        }
    }
    p
}

/// Position path from the root, to order operations as the SDK meets them.
fn path_of(id: &str, ops: &HashMap<&str, &RawOp>, pl: &Places, exec_id: Option<&str>) -> Vec<u32> {
    let mut path = Vec::new();
    let mut cur = Some(id.to_string());
    while let Some(c) = cur {
        if Some(c.as_str()) == exec_id {
            break;
        }
        path.push(pl.position[&c]);
        cur = ops.get(c.as_str()).and_then(|o| o.parent_id.clone());
    }
    path.reverse();
    path
}

/// The mismatch from the SDK's own non-determinism text: the checkpointed
/// operation's id (Python) or its counter path (JS).
fn mismatch_id(sdk: Sdk, message: &str, pl: &Places) -> Option<String> {
    match sdk {
        Sdk::Python => {
            let rest = message.split("at id='").nth(1)?;
            Some(rest.split('\'').next()?.to_string())
        }
        Sdk::Js => {
            let rest = message.split("mismatch for step \"").nth(1)?;
            let path = rest.split('"').next()?;
            pl.js_path
                .iter()
                .find(|(_, p)| p.as_str() == path)
                .map(|(id, _)| id.clone())
        }
    }
}

pub fn derive(sdk: Sdk, recorded: &[Recorded], final_ops: &[RawOp]) -> Oracle {
    // Every operation ever seen (a later record wins), for names and places.
    let mut all: Vec<RawOp> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for o in recorded.iter().flat_map(|r| r.ops.iter()).chain(final_ops) {
        match seen.get(&o.id) {
            Some(&i) => all[i] = o.clone(),
            None => {
                seen.insert(o.id.clone(), all.len());
                all.push(o.clone());
            }
        }
    }
    let exec_id = all
        .iter()
        .find(|o| o.op_type == "EXECUTION")
        .map(|o| o.id.clone());
    let pl = places(sdk, &all);
    let by_id: HashMap<&str, &RawOp> = all.iter().map(|o| (o.id.as_str(), o)).collect();

    let last = recorded.last().expect("at least one invocation");
    let nondet = last
        .error_type
        .as_deref()
        .is_some_and(|t| t.ends_with("NonDeterministicExecutionError"));
    let diagnosis = if nondet {
        let id = mismatch_id(sdk, last.error_message.as_deref().unwrap_or(""), &pl)
            .expect("oracle: no operation in the SDK's non-determinism text");
        Some(OracleDiagnosis {
            context: pl.context[&id].clone(),
            position: pl.position[&id],
            operation: by_id[id.as_str()].label(),
            invocation: recorded.len(),
        })
    } else {
        None
    };

    let mut invocations = Vec::new();
    let mut attempts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (k, rec) in recorded.iter().enumerate() {
        let input: HashMap<&str, &RawOp> = rec.ops.iter().map(|o| (o.id.as_str(), o)).collect();
        let after: &[RawOp] = recorded.get(k + 1).map_or(final_ops, |r| &r.ops);
        let after_by: HashMap<&str, &RawOp> = after.iter().map(|o| (o.id.as_str(), o)).collect();
        let is_exec = |o: &RawOp| o.op_type == "EXECUTION";
        // Non-determinism: the SDK stopped at the mismatch.
        let stop = diagnosis
            .as_ref()
            .filter(|d| d.invocation == k + 1)
            .and_then(|_| mismatch_id(sdk, rec.error_message.as_deref().unwrap_or(""), &pl))
            .map(|id| path_of(&id, &by_id, &pl, exec_id.as_deref()));
        let replayed = rec
            .ops
            .iter()
            .filter(|o| !is_exec(o) && terminal(&o.status))
            .filter(|o| match &stop {
                Some(s) => path_of(&o.id, &by_id, &pl, exec_id.as_deref()) < *s,
                None => true,
            })
            .count();
        let executed: Vec<&RawOp> = after
            .iter()
            .filter(|o| !is_exec(o))
            .filter(|o| {
                input
                    .get(o.id.as_str())
                    .is_none_or(|i| !terminal(&i.status))
            })
            .collect();
        for o in executed.iter().filter(|o| o.op_type == "STEP") {
            let before = input
                .get(o.id.as_str())
                .and_then(|i| i.attempt)
                .unwrap_or(0);
            let upto = o.attempt.unwrap_or(before + 1).max(before + 1);
            let ran = attempts.entry(o.id.clone()).or_default();
            ran.extend(std::iter::repeat_n(k + 1, (upto - before) as usize));
        }
        // Switch per context: the lowest position executed there.
        let mut first: BTreeMap<Vec<String>, (u32, String)> = BTreeMap::new();
        for o in &executed {
            let c = pl.context[&o.id].clone();
            let pos = pl.position[&o.id];
            let e = first.entry(c).or_insert((pos, o.label()));
            if pos < e.0 {
                *e = (pos, o.label());
            }
        }
        let switches = first
            .into_iter()
            .map(|(context, (position, operation))| Switch {
                context,
                position,
                operation,
            })
            .collect();
        let outcome = match rec.status.as_str() {
            "SUCCEEDED" => "succeeded",
            "FAILED" => "failed",
            "PENDING" => "pending",
            other => panic!("oracle: unknown invocation status {other}"),
        }
        .to_string();
        let mut waiting_on = BTreeSet::new();
        if outcome == "pending" {
            let executed_ids: BTreeSet<&str> = executed.iter().map(|o| o.id.as_str()).collect();
            // Has the handler moved past `id` in its context in this invocation?
            let passed = |id: &str| {
                let parent = by_id[id].parent_id.clone();
                let pos = pl.position[id];
                executed
                    .iter()
                    .any(|o| o.parent_id == parent && pl.position[&o.id] > pos)
            };
            for o in &executed {
                let blocked = match o.op_type.as_str() {
                    "WAIT" | "CHAINED_INVOKE" => !passed(&o.id),
                    "CALLBACK" => {
                        let scope = o.parent_id.as_deref().filter(|p| {
                            by_id.get(p).and_then(|c| c.sub_type.as_deref())
                                == Some("WaitForCallback")
                        });
                        match scope {
                            Some(ctx) if executed_ids.contains(ctx) => !passed(ctx),
                            _ => !passed(&o.id),
                        }
                    }
                    "STEP" => matches!(
                        after_by.get(o.id.as_str()).map(|a| a.status.as_str()),
                        Some("PENDING" | "READY")
                    ),
                    _ => false,
                };
                if blocked {
                    waiting_on.insert(o.label());
                }
            }
        }
        let last_checkpoint = executed
            .iter()
            .flat_map(|o| {
                let own_end = matches!(o.op_type.as_str(), "STEP" | "CONTEXT");
                [o.start_us, o.end_us.filter(|_| own_end)]
            })
            .flatten()
            .max();
        invocations.push(OracleInvocation {
            last_checkpoint,
            replayed,
            executed: executed.len(),
            switches,
            outcome,
            waiting_on,
        });
    }

    let status = final_ops
        .iter()
        .find(|o| o.op_type == "EXECUTION" && terminal(&o.status))
        .map(|o| o.status.clone())
        .unwrap_or_else(|| last.status.clone());
    let final_status = final_ops
        .iter()
        .filter(|o| o.op_type != "EXECUTION")
        .map(|o| (o.id.clone(), o.status.clone()))
        .collect();
    let positions = all
        .iter()
        .filter(|o| o.op_type != "EXECUTION")
        .map(|o| ((pl.context[&o.id].clone(), o.label()), pl.position[&o.id]))
        .collect();
    Oracle {
        attempts,
        invocations,
        status,
        final_status,
        diagnosis,
        positions,
    }
}
