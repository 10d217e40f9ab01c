//! Which lanes the time view shows, in the table's order, for one fold
//! state: the one rule the app and the SVG renderer share. A context the
//! table has collapsed hides its rows and everything under them (its own
//! span stays in its parent's lane); a summary lane stands for a context's
//! many child contexts until it is expanded, then their lanes follow it.

use super::layout::TimelineLayout;
use std::collections::HashSet;

/// The fold state: `collapsed` holds context-opening operations (the
/// table's collapse state, by operation index), `expanded` the contexts
/// (index into `Analysis::contexts`) whose summary lane is opened up.
#[derive(Debug, Clone, Copy)]
pub struct Folds<'a> {
    pub collapsed: &'a HashSet<usize>,
    pub expanded: &'a HashSet<usize>,
}

/// The lanes shown, top to bottom (indices into `TimelineLayout::lanes`).
/// The root's rows always come first. Linear in the lanes shown plus the
/// collapsed or summarised subtrees skipped (each skipped in one step).
pub fn visible(l: &TimelineLayout, f: Folds<'_>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < l.lanes.len() {
        let lane = &l.lanes[i];
        if lane.summary.is_some() {
            // Opened, it stays as the header of its contexts' lanes (a
            // click there folds them again); its spans are then not drawn.
            out.push(i);
            i = if f.expanded.contains(&lane.context) {
                i + 1
            } else {
                lane.end.max(i + 1)
            };
            continue;
        }
        if lane.sub == 0 && lane.op.is_some_and(|op| f.collapsed.contains(&op)) {
            i = lane.end.max(i + 1);
            continue;
        }
        out.push(i);
        i += 1;
    }
    out
}

/// How many of the first lanes are pinned at the top (the root's rows).
pub fn pinned(l: &TimelineLayout) -> usize {
    l.lanes
        .first()
        .filter(|r| r.op.is_none() && r.summary.is_none())
        .map_or(0, |r| r.rows as usize)
}

/// The lane that shows operation `op` in `rows` (the visible lanes): its
/// own, else the summary lane or the collapsed context's parent lane that
/// stands for it. `row_of_lane` maps a lane to its row (`usize::MAX` when
/// hidden).
pub fn shown_lane(l: &TimelineLayout, row_of_lane: &[usize], op: usize) -> Option<usize> {
    let own = *l.lane_of_op.get(op)?;
    if row_of_lane.get(own).is_some_and(|&r| r != usize::MAX) {
        return Some(own);
    }
    // The nearest lane before it that is shown and whose subtree holds it.
    (0..own)
        .rev()
        .find(|&i| row_of_lane.get(i).is_some_and(|&r| r != usize::MAX) && l.lanes[i].end > own)
}

/// Lane index → its row in `rows` (`usize::MAX` when hidden).
pub fn rows_of(l: &TimelineLayout, rows: &[usize]) -> Vec<usize> {
    let mut r = vec![usize::MAX; l.lanes.len()];
    for (row, &lane) in rows.iter().enumerate() {
        if let Some(x) = r.get_mut(lane) {
            *x = row;
        }
    }
    r
}
