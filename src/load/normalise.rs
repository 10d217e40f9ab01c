//! Rules every loader's output follows, applied in one place: a ParentId
//! equal to the EXECUTION operation's id means the root context (`None`);
//! the SDK is guessed from id shapes and payload encodings; a ParentId that
//! names no operation is a warning (the operation keeps it). The
//! history-events builder applies the parent rule itself as it creates
//! operations (`Parents::Settled`): it is the loader for large files.
//!
//! Why a warning and not an error for a dangling ParentId: a history with a
//! missing page loses the parent's events but the children are still worth
//! showing, and a gap in EventIds is a warning too. Keeping the id (rather
//! than moving the child to the root) leaves the replay analysis to put the
//! child in its own context, so positions in the root are not disturbed.

use super::sink::Fx;
use crate::model::{Execution, Sdk, Warning};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Who applies the parent rule: this pass, or the loader already did (the
/// history-events builder, while it had the ids at hand).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Parents {
    Check,
    Settled,
}

pub(crate) fn normalise(exec: &mut Execution, parents: Parents, warnings: &mut Vec<Warning>) {
    if parents == Parents::Check {
        check_parents(exec, warnings);
    }
    warnings.extend(parent_cycles(exec).into_iter().map(Warning::from));
    exec.sdk = Sdk::guess(exec);
}

/// Operations that are their own parent, and ParentId chains that come
/// back to where they started: named in a warning (the analysis puts a
/// self-parent under a missing-parent context and breaks a cycle at the
/// root, so the history still shows). Only operations that are some
/// operation's parent can be on a cycle, so only those are hashed; each is
/// followed once (linear, no recursion).
fn parent_cycles(exec: &Execution) -> Vec<String> {
    let ops = &exec.operations;
    let mut parents: HashMap<&str, usize, BuildHasherDefault<Fx>> = HashMap::default();
    let mut last = None;
    for p in ops.iter().filter_map(|o| o.parent_id.as_deref()) {
        if last != Some(p) {
            parents.insert(p, usize::MAX);
            last = Some(p);
        }
    }
    if parents.is_empty() {
        return Vec::new();
    }
    // The operations that are parents, and each one's own parent among them.
    let mut nodes: Vec<usize> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if let Some(slot) = parents.get_mut(op.id.as_str()) {
            if *slot == usize::MAX {
                *slot = nodes.len();
                nodes.push(i);
            }
        }
    }
    let next: Vec<Option<usize>> = nodes
        .iter()
        .map(|&i| {
            let p = ops[i].parent_id.as_deref()?;
            parents.get(p).copied().filter(|&n| n != usize::MAX)
        })
        .collect();
    let mut selfs = Vec::new();
    let mut cycles: Vec<Vec<usize>> = Vec::new();
    let mut state = vec![0u8; nodes.len()]; // 0 = unseen, 1 = on this walk, 2 = done
    let mut walk = Vec::new();
    for start in 0..nodes.len() {
        let mut n = start;
        walk.clear();
        while state[n] == 0 {
            state[n] = 1;
            walk.push(n);
            match next[n] {
                Some(m) => n = m,
                None => break,
            }
        }
        if state[n] == 1 && next[n].is_some() {
            // Came back to a node of this walk: the cycle is the walk from it.
            let from = walk.iter().position(|&w| w == n).unwrap_or(0);
            let cycle: Vec<usize> = walk[from..].iter().map(|&w| nodes[w]).collect();
            if cycle.len() == 1 {
                selfs.push(cycle[0]);
            } else {
                cycles.push(cycle);
            }
        }
        for &w in &walk {
            state[w] = 2;
        }
    }
    let mut out = Vec::new();
    if !selfs.is_empty() {
        let shown: Vec<String> = selfs.iter().take(3).map(|&i| ops[i].id.clone()).collect();
        out.push(format!(
            "{} operation(s) name themselves as their parent (shown under a missing parent): {}{}",
            selfs.len(),
            shown.join(", "),
            if selfs.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    if !cycles.is_empty() {
        let shown: Vec<String> = cycles
            .iter()
            .take(3)
            .map(|c| {
                let ids: Vec<&str> = c.iter().take(4).map(|&i| ops[i].id.as_str()).collect();
                let back = if c.len() > ids.len() {
                    format!(" → ... ({} operations) → {}", c.len(), ids[0])
                } else {
                    format!(" → {}", ids[0])
                };
                format!("{}{back}", ids.join(" → "))
            })
            .collect();
        out.push(format!(
            "{} ParentId cycle(s) (each operation's ParentId is the next), broken at the root context: {}{}",
            cycles.len(),
            shown.join("; "),
            if cycles.len() > shown.len() { "; ..." } else { "" }
        ));
    }
    out
}

fn check_parents(exec: &mut Execution, warnings: &mut Vec<Warning>) {
    let root = exec.execution_op_id.clone();
    for op in &mut exec.operations {
        if op
            .parent_id
            .as_deref()
            .is_some_and(|p| names_root(p, root.as_deref()))
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
                (parents.get(p) == Some(&false)).then(|| dangling_entry(&o.id, p))
            })
            .collect()
    };
    warnings.extend(dangling_warning(&dangling).into_iter().map(Warning::from));
}

/// A ParentId that means the root context: empty, or the EXECUTION
/// operation's id. Loaders store `None` for it.
pub(crate) fn names_root(parent: &str, root: Option<&str>) -> bool {
    parent.is_empty() || Some(parent) == root
}

/// One entry of [`dangling_warning`].
pub(crate) fn dangling_entry(op_id: &str, parent: &str) -> String {
    format!("{op_id} has ParentId {parent}")
}

/// The warning for operations whose ParentId names no operation
/// (`"<id> has ParentId <p>"` each), if there are any.
pub(crate) fn dangling_warning(dangling: &[String]) -> Option<String> {
    if dangling.is_empty() {
        return None;
    }
    let shown: Vec<&str> = dangling.iter().take(3).map(String::as_str).collect();
    Some(format!(
        "{} operation(s) name a parent that is not in the history (kept as is): {}{}",
        dangling.len(),
        shown.join("; "),
        if dangling.len() > shown.len() {
            "; ..."
        } else {
            ""
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_bytes, load_path};
    use crate::model::Format;

    fn events(parents: &[(&str, Option<&str>)]) -> String {
        let mut evs =
            vec![serde_json::json!({"EventType": "ExecutionStarted", "EventId": 1, "Id": "exec"})];
        for (i, (id, parent)) in parents.iter().enumerate() {
            evs.push(serde_json::json!({
                "EventType": "ContextStarted", "EventId": i + 2, "Id": id, "ParentId": parent,
            }));
        }
        serde_json::json!({ "Events": evs }).to_string()
    }

    #[test]
    fn the_events_builder_applies_the_parent_rule() {
        let doc = events(&[
            ("a", Some("exec")),
            ("b", Some("")),
            ("c", Some("a")),
            ("d", Some("later")),
            ("e", Some("nowhere")),
            ("f", Some("nowhere")),
            ("later", None),
        ]);
        let h = load_bytes("t", doc.as_bytes()).unwrap();
        let parent = |id: &str| {
            let e = &h.executions[0];
            e.operations[e.op_index(id).unwrap()].parent_id.clone()
        };
        assert_eq!(parent("a"), None, "the EXECUTION id is the root");
        assert_eq!(parent("b"), None, "an empty ParentId is the root");
        assert_eq!(parent("c").as_deref(), Some("a"));
        assert_eq!(
            parent("d").as_deref(),
            Some("later"),
            "a parent seen later is no warning"
        );
        assert_eq!(
            parent("e").as_deref(),
            Some("nowhere"),
            "a dangling parent is kept"
        );
        let w: Vec<&Warning> = h.warnings.iter().filter(|w| w.contains("parent")).collect();
        assert_eq!(
            w,
            ["2 operation(s) name a parent that is not in the history (kept as is): e has ParentId nowhere; f has ParentId nowhere"]
        );
    }

    #[test]
    fn events_histories_need_nothing_from_the_general_parent_pass() {
        let dirs = [
            "tests/fixtures/js-sdk",
            "tests/fixtures/python-sdk",
            "sample-histories",
        ];
        let mut checked = 0;
        for dir in dirs {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let Ok(h) = load_path(&entry.path()) else {
                    continue;
                };
                if h.format != Format::HistoryEvents {
                    continue;
                }
                let mut exec = h.executions[0].clone();
                let mut warnings = Vec::new();
                check_parents(&mut exec, &mut warnings);
                assert_eq!(exec, h.executions[0], "{}", entry.path().display());
                assert!(
                    warnings.is_empty(),
                    "{}: {warnings:?}",
                    entry.path().display()
                );
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} events histories");
    }
}
