//! Rules every loader's output follows, applied in one place: a ParentId
//! equal to the EXECUTION operation's id means the root context (`None`);
//! the SDK is guessed from id shapes and payload encodings; a ParentId that
//! names no operation is a warning (the operation keeps it).
//!
//! Why a warning and not an error for a dangling ParentId: a history with a
//! missing page loses the parent's events but the children are still worth
//! showing, and a gap in EventIds is a warning too. Keeping the id (rather
//! than moving the child to the root) leaves the replay analysis to put the
//! child in its own context, so positions in the root are not disturbed.

use super::sink::Fx;
use crate::model::{Execution, Sdk};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

pub(crate) fn normalise(exec: &mut Execution, warnings: &mut Vec<String>) {
    let root = exec.execution_op_id.clone();
    for op in &mut exec.operations {
        if op
            .parent_id
            .as_deref()
            .is_some_and(|p| p.is_empty() || Some(p) == root.as_deref())
        {
            op.parent_id = None;
        }
    }
    // Look up every operation id in the (small) set of parent ids rather
    // than hash every id into a set as large as the history: histories have
    // far fewer contexts than operations, and most have none.
    let mut parents: HashMap<&str, bool, BuildHasherDefault<Fx>> = HashMap::default();
    let mut last = None;
    for p in exec
        .operations
        .iter()
        .filter_map(|o| o.parent_id.as_deref())
    {
        // Siblings come in runs: skip re-inserting the same parent.
        if last != Some(p) {
            parents.insert(p, false);
            last = Some(p);
        }
    }
    let mut missing = parents.len();
    for op in &exec.operations {
        if missing == 0 {
            break;
        }
        if let Some(found) = parents.get_mut(op.id.as_str()) {
            if !*found {
                *found = true;
                missing -= 1;
            }
        }
    }
    let dangling: Vec<String> = if missing == 0 {
        Vec::new()
    } else {
        exec.operations
            .iter()
            .filter_map(|o| {
                let p = o.parent_id.as_deref()?;
                (parents.get(p) == Some(&false)).then(|| format!("{} has ParentId {p}", o.id))
            })
            .collect()
    };
    if !dangling.is_empty() {
        let shown: Vec<&str> = dangling.iter().take(3).map(String::as_str).collect();
        warnings.push(format!(
            "{} operation(s) name a parent that is not in the history (kept as is): {}{}",
            dangling.len(),
            shown.join("; "),
            if dangling.len() > shown.len() {
                "; ..."
            } else {
                ""
            }
        ));
    }
    exec.sdk = guess_sdk(exec);
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 16-hex ids are the JS SDK's md5 prefixes, 64-hex ids the Python SDK's
/// blake2b; failing that, a Python typed envelope in any payload.
fn guess_sdk(exec: &Execution) -> Sdk {
    for op in exec.operations.iter().take(16) {
        if is_hex(&op.id) {
            match op.id.len() {
                16 => return Sdk::Js,
                64 => return Sdk::Python,
                _ => {}
            }
        }
    }
    let payloads = exec
        .operations
        .iter()
        .take(64)
        .filter_map(|o| o.result.as_ref())
        .chain(exec.result.as_ref())
        .chain(exec.input.as_ref());
    for p in payloads {
        if p.raw.starts_with("{\"t\":") && p.is_python_envelope() {
            return Sdk::Python;
        }
    }
    Sdk::Unknown
}
