//! Alignment of two sequences context by context: within each context the
//! children of both sides are aligned as an edit script over their
//! signatures (type, subtype, name; `similar`'s Myers diff), so an operation
//! removed from the code is one removal, not a chain of mismatches, and a
//! context's children are aligned inside the pair of contexts it matched.
//!
//! Replay itself is positional: the SDK compares the n-th call of a context
//! with the n-th checkpoint. So each violation also keeps what replay saw at
//! that position (`expected`/`found`), which its `Display` states in the
//! SDK's positional wording, while `edit` says what the code change was.

use super::{
    classify, DiffOptions, DiffReport, DiffRow, Edit, EditKind, RowKind, SeqOp, Violation,
};
use crate::model::OpSig;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// An edit script over a context's children stops refining after this long
/// (pathological inputs, e.g. two unrelated 50,000-operation contexts); what
/// is left is paired by position, which is what replay does anyway.
const ALIGN_BUDGET: Duration = Duration::from_millis(500);

/// One side's operations grouped by the context they are in.
struct Side<'a> {
    seq: &'a [SeqOp],
    /// Members of each group, in position order.
    groups: Vec<Vec<usize>>,
    /// Group of the root context.
    root: Option<usize>,
    /// The group a context operation opens: (its context's group, position).
    child: HashMap<(usize, u32), usize>,
    /// Group of each context node (by address: a side's operations of one
    /// context share one path node).
    of_node: HashMap<usize, usize>,
}

fn node_addr(p: &super::CtxPath) -> usize {
    p.0.as_ref()
        .map_or(0, |n| std::sync::Arc::as_ptr(n) as *const () as usize)
}

impl<'a> Side<'a> {
    fn new(seq: &'a [SeqOp]) -> Self {
        let mut of_node: HashMap<usize, usize> = HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, s) in seq.iter().enumerate() {
            let g = *of_node.entry(node_addr(&s.context)).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(i);
        }
        for g in &mut groups {
            g.sort_by_key(|&i| seq[i].position);
        }
        let root = of_node.get(&0).copied();
        // A group's context node names its parent node and position: that is
        // the operation (parent's group, position) that opened it.
        let mut child = HashMap::new();
        for g in &groups {
            let Some(node) = g.first().and_then(|&i| seq[i].context.0.as_ref()) else {
                continue;
            };
            if let Some(&pg) = of_node.get(&node_addr(&node.parent)) {
                if node.name.is_some() {
                    child.insert((pg, node.position), of_node[&node_addr(&seq[g[0]].context)]);
                }
            }
        }
        Side {
            seq,
            groups,
            root,
            child,
            of_node,
        }
    }

    fn group_of(&self, i: usize) -> usize {
        self.of_node[&node_addr(&self.seq[i].context)]
    }

    /// The group opened by operation `i`, if it is a context with children.
    fn opened_by(&self, i: usize) -> Option<usize> {
        self.child
            .get(&(self.group_of(i), self.seq[i].position))
            .copied()
    }

    fn members(&self, g: Option<usize>) -> &[usize] {
        g.and_then(|g| self.groups.get(g))
            .map_or(&[][..], |v| v.as_slice())
    }

    /// The operation at `position` in group `g`.
    fn at(&self, g: &[usize], position: u32) -> Option<&SeqOp> {
        g.binary_search_by_key(&position, |&i| self.seq[i].position)
            .ok()
            .map(|k| &self.seq[g[k]])
    }
}

/// One aligned place before it becomes a row.
struct Pair {
    left: Option<usize>,
    right: Option<usize>,
    kind: RowKind,
    edit: Option<Edit>,
    /// The groups aligned with each other where this pair is.
    groups: (Option<usize>, Option<usize>),
}

pub(super) fn diff(left: &[SeqOp], right: &[SeqOp], opts: DiffOptions) -> DiffReport {
    let (l, r) = (Side::new(left), Side::new(right));
    let deadline = Instant::now() + ALIGN_BUDGET;
    let mut report = DiffReport::default();

    // Groups no operation of the sequence opens (a context whose own
    // operation is missing, `[0, n]`): matched across sides by path, first,
    // as tree order puts them.
    let opened_set = |s: &Side| {
        let mut v = vec![false; s.groups.len()];
        for &g in s.child.values().chain(s.root.iter()) {
            v[g] = true;
        }
        v
    };
    let (opened_l, opened_r) = (opened_set(&l), opened_set(&r));
    let mut loose: Vec<(Vec<u32>, Option<usize>, Option<usize>)> = Vec::new();
    for g in 0..l.groups.len() {
        if !opened_l[g] {
            loose.push((left[l.groups[g][0]].context.key(), Some(g), None));
        }
    }
    for g in 0..r.groups.len() {
        if !opened_r[g] {
            let key = right[r.groups[g][0]].context.key();
            match loose.iter_mut().find(|x| x.0 == key && x.2.is_none()) {
                Some(x) => x.2 = Some(g),
                None => loose.push((key, None, Some(g))),
            }
        }
    }
    loose.sort_by(|a, b| a.0.cmp(&b.0));
    let mut top: Vec<(Option<usize>, Option<usize>)> =
        loose.into_iter().map(|(_, a, b)| (a, b)).collect();
    top.push((l.root, r.root));

    for (lg, rg) in top {
        // Pre-order walk with an explicit stack: contexts may nest
        // thousands deep.
        let mut stack: Vec<(std::vec::IntoIter<Pair>, bool)> = Vec::new();
        stack.push((align(&l, lg, &r, rg, deadline).into_iter(), false));
        while let Some((pairs, quiet)) = stack.last_mut() {
            let quiet = *quiet;
            let Some(p) = pairs.next() else {
                stack.pop();
                continue;
            };
            let any = p.left.map(|i| &left[i]).or(p.right.map(|i| &right[i]));
            let Some(any) = any else { continue };
            let violates = !quiet
                && (p.kind.is_mismatch()
                    || matches!(p.kind, RowKind::Removed | RowKind::Inserted)
                    || (matches!(p.kind, RowKind::Missing | RowKind::Extra)
                        && !opts.allow_progress));
            let row_index = report.rows.len();
            let changes = match (p.kind, p.left, p.right) {
                (RowKind::ResultChanged, Some(a), Some(b)) => classify(&left[a], &right[b]).1,
                _ => Vec::new(),
            };
            if violates {
                report.violations.push(positional(&l, &r, &p, row_index));
            }
            report.rows.push(DiffRow {
                context: any.context.clone(),
                position: any.position,
                right_position: p.right.map(|i| right[i].position),
                depth: any.depth,
                left: p.left,
                right: p.right,
                kind: p.kind,
                changes,
            });
            let (lc, rc) = (
                p.left.and_then(|i| l.opened_by(i)),
                p.right.and_then(|i| r.opened_by(i)),
            );
            if lc.is_some() || rc.is_some() {
                // Inside a removed or inserted operation everything is on one
                // side: that is the one edit, not one violation per child.
                let quiet_children =
                    quiet || matches!(p.kind, RowKind::Removed | RowKind::Inserted);
                stack.push((align(&l, lc, &r, rc, deadline).into_iter(), quiet_children));
            }
        }
    }
    report.first_violation_row = report.violations.first().map(|v| v.row);
    report
}

/// The violation at a pair, stated as replay saw it: the operation each side
/// has at that position of that context.
fn positional(l: &Side, r: &Side, p: &Pair, row: usize) -> Violation {
    let (context, position, expected, found) = match (p.left, p.right) {
        (Some(a), Some(b)) => (
            &l.seq[a].context,
            l.seq[a].position,
            Some(l.seq[a].sig.clone()),
            Some(r.seq[b].sig.clone()),
        ),
        (Some(a), None) => {
            let s = &l.seq[a];
            // The right group aligned with this one holds what the code
            // met at this position instead.
            let found = r
                .at(r.members(p.groups.1), s.position)
                .map(|x| x.sig.clone());
            (&s.context, s.position, Some(s.sig.clone()), found)
        }
        (None, Some(b)) => {
            let s = &r.seq[b];
            let expected = l
                .at(l.members(p.groups.0), s.position)
                .map(|x| x.sig.clone());
            (&s.context, s.position, expected, Some(s.sig.clone()))
        }
        (None, None) => unreachable!("a pair has a side"),
    };
    // An operation the SDK named only by type: say only that.
    let unnamed = |s: Option<OpSig>, known: bool| {
        s.map(|mut s| {
            if !known {
                s.name = None;
                s.sub_type = None;
            }
            s
        })
    };
    let found_known = p.right.is_none_or(|b| !r.seq[b].only_type_known)
        && !matches!((p.left, p.right), (Some(_), None) if found_guessed(r, p, position));
    let expected_known = p.left.is_none_or(|a| !l.seq[a].only_type_known);
    let (expected, found) = (
        unnamed(expected, expected_known),
        unnamed(found, found_known),
    );
    Violation {
        kind: p.kind,
        row,
        context_names: context.names(),
        position,
        expected,
        found,
        edit: p.edit.clone(),
    }
}

/// Whether what the right side has at `position` (beside a left-only
/// operation) is one the SDK named only by type.
fn found_guessed(r: &Side, p: &Pair, position: u32) -> bool {
    r.members(p.groups.1)
        .binary_search_by_key(&position, |&i| r.seq[i].position)
        .ok()
        .is_some_and(|k| r.seq[r.members(p.groups.1)[k]].only_type_known)
}

/// Align the members of two groups (either may be absent).
fn align(l: &Side, lg: Option<usize>, r: &Side, rg: Option<usize>, deadline: Instant) -> Vec<Pair> {
    let (lm, rm) = (l.members(lg), r.members(rg));
    let (lk, rk) = keys(l, lm, r, rm);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &lk, &rk, Some(deadline));
    // For each op, the next Equal at or after it: what the code goes on with.
    let mut next_equal: Vec<Option<(usize, usize)>> = vec![None; ops.len()];
    let mut nxt = None;
    for (k, op) in ops.iter().enumerate().rev() {
        if let DiffOp::Equal {
            old_index,
            new_index,
            ..
        } = *op
        {
            nxt = Some((old_index, new_index));
        }
        next_equal[k] = nxt;
    }
    let mut out = Vec::with_capacity(lm.len().max(rm.len()));
    let sig_l = |k: usize| l.seq[lm[k]].label.clone();
    // The label of an aligned pair: the side that knows the name (an
    // operation the SDK named only by type carries the recorded name).
    let pair_label = |(o, n): (usize, usize)| {
        if l.seq[lm[o]].only_type_known {
            r.seq[rm[n]].label.clone()
        } else {
            l.seq[lm[o]].label.clone()
        }
    };
    for (k, op) in ops.iter().enumerate() {
        let goes_on = next_equal[k];
        let one_left = |out: &mut Vec<Pair>, a: usize| {
            let kind = if goes_on.is_some() {
                RowKind::Removed
            } else {
                RowKind::Missing
            };
            out.push(Pair {
                left: Some(lm[a]),
                right: None,
                kind,
                edit: Some(Edit {
                    kind: EditKind::Removed,
                    op: sig_l(a),
                    next: goes_on.map(pair_label),
                }),
                groups: (lg, rg),
            });
        };
        let one_right = |out: &mut Vec<Pair>, b: usize| {
            let kind = if goes_on.is_some() {
                RowKind::Inserted
            } else {
                RowKind::Extra
            };
            out.push(Pair {
                left: None,
                right: Some(rm[b]),
                kind,
                edit: Some(Edit {
                    kind: EditKind::Inserted,
                    op: r.seq[rm[b]].label.clone(),
                    next: goes_on.map(pair_label),
                }),
                groups: (lg, rg),
            });
        };
        let both = |out: &mut Vec<Pair>, a: usize, b: usize| {
            let kind = classify(&l.seq[lm[a]], &r.seq[rm[b]]).0;
            out.push(Pair {
                left: Some(lm[a]),
                right: Some(rm[b]),
                kind,
                edit: None,
                groups: (lg, rg),
            });
        };
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => (0..len).for_each(|d| both(&mut out, old_index + d, new_index + d)),
            DiffOp::Delete {
                old_index, old_len, ..
            } => (old_index..old_index + old_len).for_each(|a| one_left(&mut out, a)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => (new_index..new_index + new_len).for_each(|b| one_right(&mut out, b)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // Replaced in place: the same slots with other operations,
                // which replay reports as mismatches.
                let paired = old_len.min(new_len);
                (0..paired).for_each(|d| both(&mut out, old_index + d, new_index + d));
                (old_index + paired..old_index + old_len).for_each(|a| one_left(&mut out, a));
                (new_index + paired..new_index + new_len).for_each(|b| one_right(&mut out, b));
            }
        }
    }
    // Edits are reported once their kind is known: a trailing one-sided run
    // (`Missing`/`Extra`) is progress or truncation, not a code change.
    for p in &mut out {
        if matches!(p.kind, RowKind::Missing | RowKind::Extra) {
            p.edit = None;
        }
    }
    out
}

/// Comparable keys: equal signatures get equal keys. An operation of which
/// the SDK named only the type (the JS SDK's type mismatch) takes the key of
/// the first operation of that type at or after its slot on the other side,
/// the one replay would have met next.
fn keys<'a>(l: &Side<'a>, lm: &[usize], r: &Side<'a>, rm: &[usize]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'a OpSig, u32> = HashMap::new();
    let mut intern = |s: &'a SeqOp| {
        let n = ids.len() as u32;
        *ids.entry(&s.sig).or_insert(n)
    };
    let mut lk: Vec<u32> = lm.iter().map(|&i| intern(&l.seq[i])).collect();
    let mut rk: Vec<u32> = rm.iter().map(|&i| intern(&r.seq[i])).collect();
    // Unresolved: a key of its own (odd on the right, even on the left).
    let unique = |k: usize, odd: u32| u32::MAX - 2 * (k as u32) - odd;
    let resolve = |k: usize, me: &SeqOp, other: &Side, om: &[usize], ok: &[u32], odd| {
        (k..om.len())
            .find(|&j| other.seq[om[j]].sig.op_type == me.sig.op_type)
            .map_or(unique(k, odd), |j| ok[j])
    };
    for (k, &i) in rm.iter().enumerate() {
        if r.seq[i].only_type_known {
            rk[k] = resolve(k, &r.seq[i], l, lm, &lk, 1);
        }
    }
    for (k, &i) in lm.iter().enumerate() {
        if l.seq[i].only_type_known {
            lk[k] = resolve(k, &l.seq[i], r, rm, &rk, 0);
        }
    }
    (lk, rk)
}

#[cfg(test)]
mod tests {
    use super::super::{diff, CtxPath, DiffOptions, RowKind, SeqOp};
    use crate::model::{OpSig, OpType};

    fn root_seq(names: &[String]) -> Vec<SeqOp> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| SeqOp {
                context: CtxPath::default(),
                position: i as u32 + 1,
                depth: 0,
                sig: OpSig {
                    name: Some(n.clone()),
                    op_type: OpType::Step,
                    sub_type: Some("Step".into()),
                },
                status: None,
                result: None,
                op: Some(i),
                only_type_known: false,
                label: n.clone(),
            })
            .collect()
    }

    #[test]
    fn a_removal_and_an_insertion_in_one_context_are_each_one_edit() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let left = root_seq(&names(&["a", "b", "c", "d"]));
        let right = root_seq(&names(&["a", "c", "x", "d"]));
        let r = diff(&left, &right, DiffOptions::default());
        let kinds: Vec<RowKind> = r.rows.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            [
                RowKind::Same,
                RowKind::Removed,
                RowKind::Same,
                RowKind::Inserted,
                RowKind::Same
            ]
        );
        let edits: Vec<String> = r
            .violations
            .iter()
            .filter_map(|v| v.edit.as_ref().map(|e| e.to_string()))
            .collect();
        assert_eq!(
            edits,
            [
                "'b' was removed; the code goes on with 'c'",
                "'x' was added before 'd'"
            ]
        );
        // Positional, as replay met it: position 2 holds 'c' in the code.
        assert_eq!(
            r.violations[0].to_string(),
            "Replay consistency violation: Expected operation 'b' of type STEP at position 2, but found operation 'c' of type STEP"
        );
    }

    #[test]
    fn two_unrelated_long_contexts_are_aligned_within_the_budget() {
        // Nothing in common: the edit script is as long as it gets; the
        // deadline stops refining and the rest is paired by position.
        let n = 20_000;
        let left = root_seq(&(0..n).map(|i| format!("l{i}")).collect::<Vec<_>>());
        let right = root_seq(&(0..n).map(|i| format!("r{i}")).collect::<Vec<_>>());
        let t = std::time::Instant::now();
        let r = diff(&left, &right, DiffOptions::default());
        let took = t.elapsed();
        eprintln!("20,000 vs 20,000 unrelated: {took:?}");
        assert!(took < std::time::Duration::from_secs(20), "{took:?}");
        assert_eq!(r.rows.len(), n);
        assert!(r.rows.iter().all(|x| x.kind == RowKind::NameMismatch));
    }
}
