//! Time-view layout: lanes (one per context, so every map/parallel branch
//! has its own), spans per operation, invocation bands and switch markers,
//! all in seconds relative to the execution start. Built once per load; the
//! view only culls and paints it.

use crate::model::{Execution, OpStatus, OpType};
use crate::replay::{Analysis, Outcome};

/// One operation on the time axis.
#[derive(Debug, Clone)]
pub struct Span {
    pub op: usize,
    pub start: f64,
    pub end: f64,
    /// The source gives no end: still running, pending, or waiting.
    pub open: bool,
    /// Retried steps: each attempt `(start, end, failed)`; empty otherwise.
    pub attempts: Vec<(f64, f64, bool)>,
}

/// A replay | execution switch in one lane for one invocation.
#[derive(Debug, Clone)]
pub struct Marker {
    pub invocation: usize,
    pub t: f64,
    pub op: usize,
    pub position: u32,
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub context: usize,
    pub label: String,
    pub depth: u32,
    /// Sorted by start.
    pub spans: Vec<Span>,
    /// Running maximum of `spans[..=i].end`: monotonic, so the first span
    /// that can reach into the view is found by binary search.
    pub max_end: Vec<f64>,
    pub markers: Vec<Marker>,
}

#[derive(Debug, Clone)]
pub struct Band {
    pub start: f64,
    pub end: f64,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct TimelineLayout {
    /// Execution start in epoch microseconds (the axis origin).
    pub t0: i64,
    pub lanes: Vec<Lane>,
    /// Per invocation (index = invocation index); `None` without timestamps.
    pub bands: Vec<Option<Band>>,
    pub t_min: f64,
    pub t_max: f64,
    /// Per operation: (lane, span index), when it has timestamps.
    pub span_of_op: Vec<Option<(usize, usize)>>,
    /// Per operation: its lane.
    pub lane_of_op: Vec<usize>,
    pub has_times: bool,
}

impl TimelineLayout {
    pub fn build(e: &Execution, a: &Analysis) -> TimelineLayout {
        let ops = &e.operations;
        let n = ops.len();
        // Axis origin: the execution start, else the earliest time we know.
        // Only valid times set the origin: one absurd timestamp must not
        // push every real span off the axis.
        let mut t0 = e.start.filter(|t| t.is_valid()).map(|t| t.micros());
        for o in ops {
            if let Some(s) = o.start.filter(|t| t.is_valid()) {
                t0 = Some(t0.map_or(s.micros(), |t: i64| t.min(s.micros())));
            }
        }
        for inv in &a.invocations {
            if let Some(s) = inv.window.start.filter(|t| t.is_valid()) {
                t0 = Some(t0.map_or(s.micros(), |t: i64| t.min(s.micros())));
            }
        }
        let has_times = t0.is_some();
        let t0 = t0.unwrap_or(0);
        // Saturating: an absurd timestamp lands far off the axis, never wraps.
        let rel = |us: i64| us.saturating_sub(t0) as f64 / 1e6;

        let bands: Vec<Option<Band>> = a
            .invocations
            .iter()
            .map(|inv| {
                let s = inv.window.start?;
                let end = inv.window.end.unwrap_or(s);
                let outcome = match &inv.outcome {
                    Outcome::Pending(_) => "⏸ pending",
                    Outcome::Succeeded => "✔ succeeded",
                    Outcome::Failed(_) => "✖ failed",
                    Outcome::Unknown => "? unknown",
                };
                Some(Band {
                    start: rel(s.micros()),
                    end: rel(end.micros()),
                    label: format!("invocation {} · {}", inv.index + 1, outcome),
                })
            })
            .collect();

        // The axis end: the latest known time; open spans run to it.
        let mut t_max = e.end.map(|t| rel(t.micros())).unwrap_or(0.0);
        for o in ops {
            for t in [o.start, o.end].into_iter().flatten() {
                t_max = t_max.max(rel(t.micros()));
            }
            for at in &o.attempts {
                for t in [at.start, at.end].into_iter().flatten() {
                    t_max = t_max.max(rel(t.micros()));
                }
            }
        }
        for b in bands.iter().flatten() {
            t_max = t_max.max(b.end);
        }
        let t_min = 0.0f64.min(t_max);

        // Lanes in depth-first context order, so a branch sits under its parent.
        let mut lane_of_ctx = vec![usize::MAX; a.contexts.len()];
        let mut order = Vec::with_capacity(a.contexts.len());
        let mut ctx_of_op = vec![None; n];
        for (ci, c) in a.contexts.iter().enumerate() {
            if let Some(op) = c.op {
                if op < n {
                    ctx_of_op[op] = Some(ci);
                }
            }
        }
        let mut stack = vec![0usize];
        while let Some(ci) = stack.pop() {
            if ci >= a.contexts.len() || lane_of_ctx[ci] != usize::MAX {
                continue;
            }
            lane_of_ctx[ci] = order.len();
            order.push(ci);
            // Push children contexts in reverse so the first is visited first.
            for &op in a.contexts[ci].children.iter().rev() {
                if let Some(c) = ctx_of_op.get(op).copied().flatten() {
                    stack.push(c);
                }
            }
        }
        let mut lanes: Vec<Lane> = order
            .iter()
            .map(|&ci| {
                let c = &a.contexts[ci];
                Lane {
                    context: ci,
                    label: if c.parent.is_none() {
                        "root".into()
                    } else {
                        c.name.clone()
                    },
                    depth: c.depth,
                    spans: Vec::new(),
                    max_end: Vec::new(),
                    markers: Vec::new(),
                }
            })
            .collect();
        if lanes.is_empty() {
            lanes.push(Lane {
                context: 0,
                label: "root".into(),
                depth: 0,
                spans: Vec::new(),
                max_end: Vec::new(),
                markers: Vec::new(),
            });
        }

        let band_starts: Vec<f64> = bands.iter().flatten().map(|b| b.start).collect();
        let mut lane_of_op = vec![0usize; n];
        for (i, o) in ops.iter().enumerate() {
            let ctx = a.places.get(i).map(|p| p.context).unwrap_or(0);
            let lane = lane_of_ctx
                .get(ctx)
                .copied()
                .filter(|&l| l != usize::MAX)
                .unwrap_or(0);
            lane_of_op[i] = lane;
            let first_attempt = o.attempts.iter().find_map(|at| at.start);
            let last_attempt = o.attempts.iter().rev().find_map(|at| at.end);
            let Some(start) = o.start.or(first_attempt).map(|t| rel(t.micros())) else {
                continue;
            };
            let mut open = false;
            let end = match o.end.or(last_attempt) {
                Some(t) => rel(t.micros()),
                None => {
                    if o.op_type == OpType::Wait && o.status.is_terminal() {
                        // A timer fired between invocations: it waited until
                        // the next invocation began (time skipping in tests
                        // makes that earlier than the scheduled end).
                        let resumed = band_starts.iter().copied().find(|&b| b > start);
                        let scheduled = o.scheduled_end.map(|t| rel(t.micros()));
                        match (resumed, scheduled) {
                            (Some(r), Some(s)) => r.min(s),
                            (Some(r), None) => r,
                            (None, Some(s)) => s.min(t_max.max(start)),
                            (None, None) => t_max,
                        }
                    } else if o.status.is_terminal() && o.op_type == OpType::Step {
                        start
                    } else {
                        open = true;
                        t_max
                    }
                }
            };
            let attempts = if o.attempts.len() > 1 {
                o.attempts
                    .iter()
                    .filter_map(|at| {
                        let s = rel(at.start?.micros());
                        let e = at.end.map(|t| rel(t.micros())).unwrap_or(s);
                        Some((s, e, at.status == OpStatus::Failed || at.error.is_some()))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            lanes[lane].spans.push(Span {
                op: i,
                start,
                end: end.max(start),
                open,
                attempts,
            });
        }

        let mut span_of_op = vec![None; n];
        for (li, lane) in lanes.iter_mut().enumerate() {
            lane.spans.sort_by(|x, y| x.start.total_cmp(&y.start));
            let mut m = f64::NEG_INFINITY;
            lane.max_end = lane
                .spans
                .iter()
                .map(|s| {
                    m = m.max(s.end);
                    m
                })
                .collect();
            for (si, s) in lane.spans.iter().enumerate() {
                span_of_op[s.op] = Some((li, si));
            }
        }

        for inv in &a.invocations {
            for sw in &inv.switches {
                let lane = lane_of_ctx
                    .get(sw.context)
                    .copied()
                    .filter(|&l| l != usize::MAX)
                    .unwrap_or(0);
                let t = span_of_op
                    .get(sw.op)
                    .copied()
                    .flatten()
                    .map(|(l, s)| lanes[l].spans[s].start)
                    .or_else(|| bands.get(inv.index).cloned().flatten().map(|b| b.start));
                if let Some(t) = t {
                    lanes[lane].markers.push(Marker {
                        invocation: inv.index,
                        t,
                        op: sw.op,
                        position: sw.position,
                    });
                }
            }
        }

        TimelineLayout {
            t0,
            lanes,
            bands,
            t_min,
            t_max: if t_max > t_min { t_max } else { t_min + 0.001 },
            span_of_op,
            lane_of_op,
            has_times,
        }
    }

    /// Spans of `lane` overlapping `[t0, t1]`, skipping spans that start in
    /// the same pixel column as the previous one drawn (`min_dt` seconds):
    /// the cost is bounded by the visible pixels, not the span count.
    pub fn visible_spans(&self, lane: usize, t0: f64, t1: f64, min_dt: f64) -> Vec<usize> {
        let Some(l) = self.lanes.get(lane) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut i = l.max_end.partition_point(|&e| e < t0);
        while i < l.spans.len() {
            let s = &l.spans[i];
            if s.start > t1 {
                break;
            }
            if s.end >= t0 {
                out.push(i);
            }
            let next = i + 1;
            i = if next < l.spans.len() && l.spans[next].start < s.start + min_dt {
                let limit = s.start + min_dt;
                next + l.spans[next..].partition_point(|x| x.start < limit)
            } else {
                next
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane_of(n: usize) -> TimelineLayout {
        let spans: Vec<Span> = (0..n)
            .map(|i| Span {
                op: i,
                start: i as f64,
                end: i as f64 + 0.5,
                open: false,
                attempts: Vec::new(),
            })
            .collect();
        let max_end = spans.iter().map(|s| s.end).collect();
        TimelineLayout {
            lanes: vec![Lane {
                context: 0,
                label: "root".into(),
                depth: 0,
                spans,
                max_end,
                markers: Vec::new(),
            }],
            t_max: n as f64,
            has_times: true,
            ..Default::default()
        }
    }

    #[test]
    fn visible_spans_are_bounded_by_pixels_not_by_span_count() {
        let l = lane_of(50_000);
        // The whole range on 1,000 pixels: at most about one span per pixel.
        let v = l.visible_spans(0, 0.0, 50_000.0, 50.0);
        assert!(v.len() <= 1_001, "{} spans drawn", v.len());
        assert!(v.len() >= 900);
    }

    #[test]
    fn visible_spans_cull_outside_the_view() {
        let l = lane_of(1_000);
        let v = l.visible_spans(0, 100.2, 105.0, 0.01);
        assert_eq!(v, vec![100, 101, 102, 103, 104, 105]);
    }
}
