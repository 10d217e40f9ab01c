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
    /// The name of the operation that opened this context (empty for the
    /// root). The path of names is [`names`], walked on demand.
    pub name: String,
    /// This context's 1-based position in its parent (0 for the root); the
    /// path of positions is [`key`].
    pub position: u32,
    /// The operations directly inside, in position order.
    pub children: Vec<usize>,
    /// The synthetic context of a parent the history does not hold, or one
    /// inside it: where it sits, and what it is, is unknown. Kept here so
    /// asking costs nothing whatever the depth.
    pub missing_parent: bool,
}

impl Context {
    /// See [`Context::missing_parent`].
    pub fn under_missing_parent(&self) -> bool {
        self.missing_parent
    }
}

// Paths are not stored per context: a chain of N nested contexts would hold
// N²/2 names and positions (a 10,000-deep chain took 13 GB). Each context
// keeps its own name and position and a path is walked up when asked for.

/// Names of the context operations from the root down to `c` (empty for the
/// root).
pub fn names(contexts: &[Context], c: usize) -> Vec<String> {
    let mut v: Vec<String> = up(contexts, c).map(|x| x.name.clone()).collect();
    v.reverse();
    v
}

/// Positions of the context operations from the root down to `c`: the
/// identity of a context that survives different id schemes (Python vs JS
/// SDK). A synthetic context for a missing parent is `[0, n]` (n-th missing
/// parent), a place no real root operation has.
pub fn key(contexts: &[Context], c: usize) -> Vec<u32> {
    let mut v = Vec::new();
    for x in up(contexts, c) {
        v.push(x.position);
        if x.op.is_none() {
            v.push(0);
        }
    }
    v.reverse();
    v
}

/// `process-items › map-item-0`, or `root`.
pub fn path_label(contexts: &[Context], c: usize) -> String {
    let names = names(contexts, c);
    if names.is_empty() {
        "root".to_string()
    } else {
        names.join(" › ")
    }
}

/// `c` and its ancestors, innermost first, without the root. Parents have
/// smaller indices than their children (as `build` makes them); the walk is
/// bounded by the number of contexts whatever a hand-made tree holds.
fn up(contexts: &[Context], c: usize) -> impl Iterator<Item = &Context> {
    std::iter::successors(contexts.get(c), move |x| {
        x.parent.filter(|&p| p != 0).and_then(|p| contexts.get(p))
    })
    .take(contexts.len())
    .filter(|x| x.parent.is_some())
}

/// For each operation, the context it opens (`None` for the others): the
/// reverse of [`Context::op`], built once per analysis (`Analysis` keeps
/// it) so that finding a context by its key is a walk of lookups.
pub(crate) fn opened_by(contexts: &[Context], n_ops: usize) -> Vec<Option<usize>> {
    let mut opened = vec![None; n_ops];
    for (i, c) in contexts.iter().enumerate() {
        if let Some(slot) = c.op.and_then(|op| opened.get_mut(op)) {
            *slot = Some(i);
        }
    }
    opened
}

/// The context whose [`key`] is `key`, found from the root down by position.
/// Builds the reverse index first: for one look-up; repeated look-ups use
/// [`find_with`] on an index built once.
pub fn find(contexts: &[Context], key: &[u32]) -> Option<usize> {
    let n_ops = contexts
        .iter()
        .filter_map(|c| c.op)
        .max()
        .map_or(0, |m| m + 1);
    find_with(contexts, &opened_by(contexts, n_ops), key)
}

/// [`find`] with the index from [`opened_by`].
pub(crate) fn find_with(
    contexts: &[Context],
    opened: &[Option<usize>],
    key: &[u32],
) -> Option<usize> {
    let mut at = 0usize;
    let mut rest = key;
    if let [0, n, tail @ ..] = key {
        at = contexts
            .iter()
            .position(|c| c.op.is_none() && c.parent == Some(0) && c.position == *n)?;
        rest = tail;
    }
    for &k in rest {
        let op = *contexts
            .get(at)?
            .children
            .get((k as usize).checked_sub(1)?)?;
        at = (*opened.get(op)?)?;
    }
    Some(at)
}

/// Every operation's rank in code order (the order of position paths: the
/// tree's pre-order, contexts of missing parents first), and for each context
/// the rank just past its subtree. Linear, and no recursion on depth.
pub(crate) struct TreeOrder {
    pub rank: Vec<usize>,
    end: Vec<usize>,
}

impl TreeOrder {
    pub fn end_of(&self, context: usize) -> usize {
        self.end.get(context).copied().unwrap_or(usize::MAX)
    }
}

pub(crate) fn tree_order(contexts: &[Context], n_ops: usize) -> TreeOrder {
    let mut opened = vec![None; n_ops];
    for (i, c) in contexts.iter().enumerate() {
        if let Some(op) = c.op.filter(|&op| op < n_ops) {
            opened[op] = Some(i);
        }
    }
    let mut rank = vec![usize::MAX; n_ops];
    let mut end = vec![usize::MAX; contexts.len()];
    let mut next = 0;
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    // Missing-parent contexts (`[0, n]`) come before the root's operations.
    stack.extend(
        contexts
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, c)| c.op.is_none() && c.parent.is_some())
            .map(|(i, _)| (i, 0)),
    );
    while let Some((c, k)) = stack.last_mut() {
        match contexts.get(*c).and_then(|x| x.children.get(*k)) {
            Some(&op) => {
                *k += 1;
                if op < n_ops && rank[op] == usize::MAX {
                    rank[op] = next;
                    next += 1;
                    if let Some(inner) = opened[op] {
                        stack.push((inner, 0));
                    }
                }
            }
            None => {
                if let Some(e) = end.get_mut(*c) {
                    *e = next;
                }
                stack.pop();
            }
        }
    }
    TreeOrder { rank, end }
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
        name: String::new(),
        position: 0,
        children: Vec::new(),
        missing_parent: false,
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
            let missing_parent = ctx.missing_parent;
            places[i] = Place {
                context: parent_ctx,
                position,
                depth,
            };
            if has_children[i] || ops[i].op_type == OpType::Context {
                contexts.push(Context {
                    op: Some(i),
                    parent: Some(parent_ctx),
                    depth: depth + 1,
                    name: ops[i].display_name().to_string(),
                    position,
                    children: Vec::new(),
                    missing_parent,
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
        name: format!("(missing parent {short})"),
        // With `op: None`, [`key`] makes it `[0, n]`.
        position: orphans.len() as u32 + 1,
        children: Vec::new(),
        missing_parent: true,
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
        assert_eq!(
            names(&contexts, places[1].context),
            ["(missing parent gone)"]
        );
        assert_eq!(key(&contexts, places[1].context), [0, 1]);
        assert_eq!(find(&contexts, &[0, 1]), Some(places[1].context));
    }
}
