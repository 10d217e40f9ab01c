//! The time view's lane tree: the context tree in the table's order (a
//! preorder with subtree sizes, so a subtree's lanes are contiguous), which
//! contexts fold their child contexts into a summary lane, and the stacking
//! of a context's concurrent spans into rows that never overlap.

use super::layout::Span;
use crate::replay::Analysis;

/// A context with more child contexts than this shows them as one summary
/// lane until expanded (a map over thousands of items, a root holding
/// thousands of maps): the lane count stays readable, and the summary lane
/// holds every operation under them, so nothing is lost.
pub const SUMMARY_MIN: usize = 16;
/// Concurrent children are stacked in at most this many rows of their
/// context's lane; beyond it, the least busy row is shared.
pub const MAX_ROWS: usize = 8;

/// The context tree in the table's order (depth first, children in position
/// order): the preorder, each context's place in it and its subtree size
/// (a subtree is contiguous in the preorder), and which contexts summarise
/// their child contexts.
pub(super) struct ContextOrder {
    pub order: Vec<usize>,
    /// Per context: its preorder position, `usize::MAX` when unreached.
    pub pos: Vec<usize>,
    /// Per context: the number of contexts in its subtree, itself included.
    pub size: Vec<usize>,
    pub child_contexts: Vec<usize>,
    pub summarized: Vec<bool>,
}

impl ContextOrder {
    pub fn of(a: &Analysis, n: usize) -> ContextOrder {
        let nctx = a.contexts.len().max(1);
        let mut ctx_of_op = vec![None; n];
        for (ci, c) in a.contexts.iter().enumerate() {
            if let Some(op) = c.op.filter(|&op| op < n) {
                ctx_of_op[op] = Some(ci);
            }
        }
        let kids = |ci: usize| {
            a.contexts
                .get(ci)
                .map_or(&[][..], |c| &c.children)
                .iter()
                .filter_map(|&op| ctx_of_op.get(op).copied().flatten())
        };
        let mut pos = vec![usize::MAX; nctx];
        let mut parent = vec![usize::MAX; nctx];
        let mut order = Vec::with_capacity(nctx);
        let mut child_contexts = vec![0usize; nctx];
        // Iterative, so deep nesting cannot overflow the stack.
        let mut stack = vec![(0usize, usize::MAX)];
        while let Some((ci, par)) = stack.pop() {
            if ci >= nctx || pos[ci] != usize::MAX {
                continue;
            }
            pos[ci] = order.len();
            parent[ci] = par;
            order.push(ci);
            let children: Vec<usize> = kids(ci).collect();
            child_contexts[ci] = children.len();
            // Reversed, so the first child is visited first.
            for &c in children.iter().rev() {
                stack.push((c, ci));
            }
        }
        let mut size = vec![1usize; nctx];
        for &ci in order.iter().rev() {
            if let Some(&p) = parent.get(ci).filter(|&&p| p != usize::MAX) {
                size[p] += size[ci];
            }
        }
        let summarized = child_contexts.iter().map(|&k| k > SUMMARY_MIN).collect();
        ContextOrder {
            order,
            pos,
            size,
            child_contexts,
            summarized,
        }
    }
}

/// Stack spans sorted by start into rows where none overlaps another
/// (greedy: the first row free at the span's start), at most `MAX_ROWS`;
/// past that, a span goes to the row that frees up first.
pub(super) fn stack_rows(spans: Vec<Span>) -> Vec<Vec<Span>> {
    let mut rows: Vec<Vec<Span>> = vec![Vec::new()];
    let mut ends: Vec<f64> = vec![f64::NEG_INFINITY];
    for s in spans {
        let r = match ends.iter().position(|&e| e <= s.start) {
            Some(r) => r,
            None if rows.len() < MAX_ROWS => {
                rows.push(Vec::new());
                ends.push(f64::NEG_INFINITY);
                rows.len() - 1
            }
            None => ends
                .iter()
                .enumerate()
                .min_by(|x, y| x.1.total_cmp(y.1))
                .map_or(0, |(i, _)| i),
        };
        ends[r] = ends[r].max(s.end);
        rows[r].push(s);
    }
    rows
}

/// `12345` → `12,345`.
pub(super) fn group_digits(n: usize) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(op: usize, start: f64, end: f64) -> Span {
        Span {
            op,
            start,
            end,
            open: false,
            attempts: Vec::new(),
        }
    }

    #[test]
    fn overlapping_spans_get_rows_of_their_own_and_sequential_ones_share() {
        // 0 and 1 overlap; 2 starts when 0 ends; 3 overlaps 1 and 2.
        let rows = stack_rows(vec![
            span(0, 0.0, 1.0),
            span(1, 0.5, 2.0),
            span(2, 1.0, 3.0),
            span(3, 1.5, 2.5),
        ]);
        let ops: Vec<Vec<usize>> = rows
            .iter()
            .map(|r| r.iter().map(|s| s.op).collect())
            .collect();
        assert_eq!(ops, vec![vec![0, 2], vec![1], vec![3]]);
    }

    #[test]
    fn rows_stop_at_the_cap_and_every_span_is_kept() {
        let spans: Vec<Span> = (0..50).map(|i| span(i, i as f64 * 0.01, 10.0)).collect();
        let rows = stack_rows(spans);
        assert_eq!(rows.len(), MAX_ROWS);
        assert_eq!(rows.iter().map(Vec::len).sum::<usize>(), 50);
    }

    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(group_digits(7), "7");
        assert_eq!(group_digits(1234), "1,234");
        assert_eq!(group_digits(1_000_000), "1,000,000");
    }
}
