//! Time-view layout: lanes (one per context, so every map/parallel branch
//! has its own), spans per operation, invocation bands and switch markers,
//! all in seconds relative to the execution start. Built once per load; the
//! draw step (`draw`) turns it into pixels for a view, the app and the SVG
//! renderer paint that.

use super::axis::Axis;
use crate::model::{Execution, OpStatus, OpType, Operation, Ts};
use crate::replay::{Analysis, Outcome};

/// One operation on the time axis.
#[derive(Debug, Clone)]
pub struct Span {
    pub op: usize,
    pub start: f64,
    pub end: f64,
    /// The source gives no end: still running, pending, or waiting.
    pub open: bool,
    /// Retried steps: each attempt with a start time; empty otherwise.
    pub attempts: Vec<SpanAttempt>,
}

/// One attempt of a retried step on the time axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpanAttempt {
    /// 1-based, as recorded.
    pub number: u32,
    pub start: f64,
    pub end: f64,
    pub failed: bool,
}

/// A replay | execution switch in one lane for one invocation: the
/// boundary between the last operation the invocation replayed and the
/// first it executed in that context, placed inside the invocation's band.
#[derive(Debug, Clone)]
pub struct Marker {
    pub invocation: usize,
    pub t: f64,
    /// The first executed operation.
    pub op: usize,
    pub position: u32,
    /// Index into `Analysis::contexts`.
    pub context: usize,
}

/// Maxima per block of `BLOCK` spans (by start order), so the draw step can
/// skip a dense stretch of short spans without visiting each of them.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    /// Per block: the latest end.
    pub end: Vec<f64>,
    /// Per block: the longest duration.
    pub dur: Vec<f64>,
}

pub const BLOCK: usize = 64;

impl Blocks {
    pub fn of(spans: &[Span]) -> Blocks {
        let mut b = Blocks::default();
        for chunk in spans.chunks(BLOCK) {
            b.end.push(
                chunk
                    .iter()
                    .map(|s| s.end)
                    .fold(f64::NEG_INFINITY, f64::max),
            );
            b.dur.push(
                chunk
                    .iter()
                    .map(|s| s.end - s.start)
                    .fold(f64::NEG_INFINITY, f64::max),
            );
        }
        b
    }
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
    pub blocks: Blocks,
    pub markers: Vec<Marker>,
}

impl Lane {
    pub fn new(context: usize, label: String, depth: u32) -> Lane {
        Lane {
            context,
            label,
            depth,
            spans: Vec::new(),
            max_end: Vec::new(),
            blocks: Blocks::default(),
            markers: Vec::new(),
        }
    }

    /// Sort the spans and compute the search aids (`max_end`, `blocks`).
    pub fn index(&mut self) {
        self.spans.sort_by(|x, y| x.start.total_cmp(&y.start));
        let mut m = f64::NEG_INFINITY;
        self.max_end = self
            .spans
            .iter()
            .map(|s| {
                m = m.max(s.end);
                m
            })
            .collect();
        self.blocks = Blocks::of(&self.spans);
    }
}

#[derive(Debug, Clone)]
pub struct Band {
    pub start: f64,
    pub end: f64,
    pub label: String,
    /// How many operations the invocation replayed: none means a fresh
    /// start, drawn as one note instead of a marker per context.
    pub replayed: usize,
    /// The window was inferred, not recorded by the source.
    pub inferred: bool,
    /// The part of the band the source recorded (`bands::recorded_parts`);
    /// the rest is inferred and drawn hatched. `None`: all of it inferred.
    pub recorded: Option<(f64, f64)>,
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
    /// The axis the spans, bands and markers are in (`set_axis`); built on
    /// the real one.
    pub axis: Axis,
    /// The compressed axis, worked out once from the real layout.
    pub compressed: Axis,
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

        let mut bands: Vec<Option<Band>> = a
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
                    replayed: inv.counts().0,
                    inferred: inv.window.inferred,
                    recorded: None,
                })
            })
            .collect();
        let recorded = super::bands::recorded_parts(e, a, &bands, rel);
        for (b, r) in bands.iter_mut().zip(recorded) {
            if let Some(b) = b {
                b.recorded = r;
            }
        }

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
                let label = if c.parent.is_none() {
                    "root".into()
                } else {
                    c.name.clone()
                };
                Lane::new(ci, label, c.depth)
            })
            .collect();
        if lanes.is_empty() {
            lanes.push(Lane::new(0, "root".into(), 0));
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
                        Some(SpanAttempt {
                            number: at.number,
                            start: s,
                            end: e.max(s),
                            failed: at.status == OpStatus::Failed || at.error.is_some(),
                        })
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
            lane.index();
            for (si, s) in lane.spans.iter().enumerate() {
                span_of_op[s.op] = Some((li, si));
            }
        }

        for inv in &a.invocations {
            // Without a band there is no time to place the switch at; an
            // invocation that replayed nothing has no switch to show (the
            // draw step gives it one "fresh start" note instead).
            let Some(band) = bands.get(inv.index).cloned().flatten() else {
                continue;
            };
            if band.replayed == 0 {
                continue;
            }
            for sw in &inv.switches {
                let lane = lane_of_ctx
                    .get(sw.context)
                    .copied()
                    .filter(|&l| l != usize::MAX)
                    .unwrap_or(0);
                let t = ops
                    .get(sw.op)
                    .and_then(|o| executed_at(o, inv.index, &band, rel))
                    .unwrap_or(band.start)
                    .clamp(band.start, band.end.max(band.start));
                lanes[lane].markers.push(Marker {
                    invocation: inv.index,
                    t,
                    op: sw.op,
                    position: sw.position,
                    context: sw.context,
                });
            }
        }

        let mut l = TimelineLayout {
            t0,
            lanes,
            bands,
            t_min,
            t_max: if t_max > t_min { t_max } else { t_min + 0.001 },
            span_of_op,
            lane_of_op,
            has_times,
            axis: Axis::real(),
            compressed: Axis::default(),
        };
        l.compressed = Axis::compressed(&l, e);
        l
    }

    /// Seconds from the axis origin to `t` (saturating, as every span is
    /// placed: an absurd timestamp lands far off the axis, never wraps).
    pub fn secs(&self, t: Ts) -> f64 {
        t.micros().saturating_sub(self.t0) as f64 / 1e6
    }

    /// The invocation (0-based) whose band holds time `t`.
    pub fn band_at(&self, t: Ts) -> Option<usize> {
        let t = self.u(self.secs(t));
        self.bands
            .iter()
            .position(|b| b.as_ref().is_some_and(|b| t >= b.start && t <= b.end))
    }
}

/// When operation `o` began to execute in invocation `k`: the start of its
/// attempt in `k`, else its own start if that lies in `k`'s band (an
/// operation that started in an earlier invocation and finished in this one
/// is executed here too, but its start is in the earlier band).
fn executed_at(o: &Operation, k: usize, band: &Band, rel: impl Fn(i64) -> f64) -> Option<f64> {
    let in_band = |t: f64| t >= band.start && t <= band.end;
    o.attempts
        .iter()
        .filter(|at| at.invocation == Some(k))
        .find_map(|at| at.start.map(|t| rel(t.micros())))
        .filter(|&t| in_band(t))
        .or_else(|| o.start.map(|t| rel(t.micros())).filter(|&t| in_band(t)))
}
