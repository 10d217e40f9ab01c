//! The context tree: the root context plus one context per operation that
//! has children (child contexts, map/parallel and their branches,
//! wait-for-callback). Positions are 1-based within a context, in checkpoint
//! order, which is the order the handler's code called the operations.

use crate::model::{Execution, OpType};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The operation that opened this context; `None` for the root.
    pub op: Option<usize>,
    /// The enclosing context; `None` for the root.
    pub parent: Option<usize>,
    /// 0 for the root.
    pub depth: u32,
    /// Names of the context operations from the root down (empty for the root).
    pub names: Vec<String>,
    /// Positions of the context operations from the root down: the identity of
    /// a context that survives different id schemes (Python vs JS SDK).
    pub key: Vec<u32>,
    /// The operations directly inside, in position order.
    pub children: Vec<usize>,
}

impl Context {
    /// The synthetic context of a parent the history does not hold, or one
    /// inside it: where it sits, and what it is, is unknown (its key starts
    /// with 0, see `orphan_context`).
    pub fn under_missing_parent(&self) -> bool {
        self.key.first() == Some(&0)
    }

    /// `process-items › map-item-0`, or `root`.
    pub fn path_label(&self) -> String {
        if self.names.is_empty() {
            "root".to_string()
        } else {
            self.names.join(" › ")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Index into `Analysis::contexts`.
    pub context: usize,
    /// 1-based position within that context.
    pub position: u32,
    /// Depth of the operation itself (root-context operations are 0).
    pub depth: u32,
}

/// Build the context tree and every operation's place in it. Parents are
/// resolved through a map, so this is linear. Operations whose parent is not
/// in the history (a missing page; loaders warn) share a synthetic context per
/// missing parent, so positions in the root are not disturbed.
pub fn build(exec: &Execution) -> (Vec<Context>, Vec<Place>) {
    let ops = &exec.operations;
    let index: HashMap<&str, usize> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    let parent_of: Vec<Option<usize>> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| {
            o.parent_id
                .as_deref()
                .and_then(|p| index.get(p).copied())
                .filter(|&p| p != i)
        })
        .collect();
    let has_children = {
        let mut v = vec![false; ops.len()];
        for p in parent_of.iter().flatten() {
            v[*p] = true;
        }
        v
    };

    let mut contexts = vec![Context {
        op: None,
        parent: None,
        depth: 0,
        names: Vec::new(),
        key: Vec::new(),
        children: Vec::new(),
    }];
    let mut context_of_op: Vec<Option<usize>> = vec![None; ops.len()];
    let mut places = vec![
        Place {
            context: 0,
            position: 0,
            depth: 0
        };
        ops.len()
    ];

    // A history that starts after the execution's start (a later page on
    // its own) holds root operations from some counter on: their positions
    // come from their ids, not from counting what is here.
    let roots: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].parent_id.is_none())
        .collect();
    let root_positions = super::ids::root_positions(exec.sdk, ops, &roots);

    let mut orphans: HashMap<String, usize> = HashMap::new();
    // Checkpoint order puts a parent before its children, but a malformed or
    // reordered source may not: resolve each op's context lazily with an
    // explicit stack and a cycle guard instead of assuming the order.
    let mut state = vec![0u8; ops.len()]; // 0 = todo, 1 = in progress, 2 = done
    for start in 0..ops.len() {
        let mut stack = vec![start];
        while let Some(&i) = stack.last() {
            if state[i] == 2 {
                stack.pop();
                continue;
            }
            let parent_ctx = match parent_of[i] {
                None if ops[i].parent_id.is_some() => orphan_context(
                    &mut contexts,
                    &mut orphans,
                    ops[i].parent_id.as_deref().unwrap_or_default(),
                ),
                Some(p) if state[p] == 2 => context_of_op[p].unwrap_or(0),
                Some(p) if state[p] == 0 => {
                    state[i] = 1;
                    stack.push(p);
                    continue;
                }
                // A cycle in ParentIds: break it at the root.
                Some(_) => 0,
                None => 0,
            };
            let ctx = &mut contexts[parent_ctx];
            ctx.children.push(i);
            let position = match (&root_positions, parent_ctx) {
                (Some(known), 0) => known.get(&i).copied(),
                _ => None,
            }
            .unwrap_or(ctx.children.len() as u32);
            let depth = ctx.depth;
            places[i] = Place {
                context: parent_ctx,
                position,
                depth,
            };
            if has_children[i] || ops[i].op_type == OpType::Context {
                let mut names = contexts[parent_ctx].names.clone();
                names.push(ops[i].display_name().to_string());
                let mut key = contexts[parent_ctx].key.clone();
                key.push(position);
                contexts.push(Context {
                    op: Some(i),
                    parent: Some(parent_ctx),
                    depth: depth + 1,
                    names,
                    key,
                    children: Vec::new(),
                });
                context_of_op[i] = Some(contexts.len() - 1);
            }
            state[i] = 2;
            stack.pop();
        }
    }
    if root_positions.is_some() {
        contexts[0].children.sort_by_key(|&c| places[c].position);
    }
    (contexts, places)
}

/// The synthetic context standing for a parent the history does not hold.
/// Its key starts with 0, a position no real root operation has.
fn orphan_context(
    contexts: &mut Vec<Context>,
    orphans: &mut HashMap<String, usize>,
    parent_id: &str,
) -> usize {
    if let Some(&c) = orphans.get(parent_id) {
        return c;
    }
    let short: String = parent_id.chars().take(12).collect();
    contexts.push(Context {
        op: None,
        parent: Some(0),
        depth: 1,
        names: vec![format!("(missing parent {short})")],
        key: vec![0, orphans.len() as u32 + 1],
        children: Vec::new(),
    });
    orphans.insert(parent_id.to_string(), contexts.len() - 1);
    contexts.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OpStatus, Operation};

    fn op(id: &str, parent: Option<&str>) -> Operation {
        Operation {
            parent_id: parent.map(Into::into),
            name: Some(id.into()),
            ..Operation::new(id, OpType::Step, OpStatus::Succeeded)
        }
    }

    #[test]
    fn children_of_a_missing_parent_do_not_shift_root_positions() {
        let exec = Execution {
            operations: vec![
                op("a", None),
                op("x", Some("gone")),
                op("b", None),
                op("y", Some("gone")),
            ],
            ..Default::default()
        };
        let (contexts, places) = build(&exec);
        assert_eq!(places[2].position, 2, "b stays second in the root");
        assert_eq!(places[1].context, places[3].context);
        assert_eq!(places[3].position, 2);
        assert_eq!(contexts[places[1].context].names, ["(missing parent gone)"]);
    }
}
