//! Time-view layout: lanes in the table's tree order (one per context, so
//! every map/parallel branch has its own; a context's concurrent children
//! stacked in rows of its lane; a summary lane for a context with many
//! child contexts), spans per operation, invocation bands, switch markers
//! and the divergence point, all in seconds relative to the execution
//! start. Built once per load; the draw step (`draw`) turns it into pixels
//! for a view, the app and the SVG renderer paint that.

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

use super::tree::{group_digits, stack_rows, ContextOrder};
pub use super::tree::{MAX_ROWS, SUMMARY_MIN};

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

/// A summary lane: the lanes of a context's child contexts folded into one
/// (a map or parallel with many branches, or a root with thousands of
/// nested contexts), holding every operation under them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Child contexts folded into this lane.
    pub contexts: usize,
    /// Operations under them (each one a span of this lane when timed).
    pub ops: usize,
    /// Operations by status, most frequent first.
    pub by_status: Vec<(OpStatus, usize)>,
    /// The covering span: the first start and the latest end under it.
    pub start: f64,
    pub end: f64,
}

impl Summary {
    /// `23,764 ops: 23,760 succeeded, 4 failed` (most frequent first).
    pub fn mix_text(&self) -> String {
        let mix: Vec<String> = self
            .by_status
            .iter()
            .map(|(st, k)| format!("{} {}", group_digits(*k), st.as_str().to_lowercase()))
            .collect();
        format!("{} ops: {}", group_digits(self.ops), mix.join(", "))
    }
}

#[derive(Debug, Clone)]
pub struct Lane {
    pub context: usize,
    pub label: String,
    pub depth: u32,
    /// The operation that opened the lane's context (`None` for the root):
    /// the table's collapse state is kept by this operation.
    pub op: Option<usize>,
    /// Concurrent children are stacked: this lane is row `sub` of its
    /// context's `rows` rows (0 holds the label and the switch markers).
    pub sub: u32,
    pub rows: u32,
    /// The first lane after this context's subtree (its rows, its summary
    /// and every nested context's lanes): a collapsed context skips to it.
    pub end: usize,
    /// Set on the summary lane of a context with many child contexts.
    pub summary: Option<Summary>,
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
            op: None,
            sub: 0,
            rows: 1,
            end: 0,
            summary: None,
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

    /// The index of operation `op`'s span starting at `start` (spans are
    /// sorted by start: a binary search, then the few equal starts).
    pub fn find(&self, op: usize, start: f64) -> Option<usize> {
        let i = self.spans.partition_point(|s| s.start < start);
        self.spans[i..]
            .iter()
            .take_while(|s| s.start <= start)
            .position(|s| s.op == op)
            .map(|k| i + k)
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

/// Where a non-deterministic run diverged: the operation the code asked
/// for instead of the recorded one (the SDK's error text names it), placed
/// inside the failing invocation's band, in the lane of its context.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    pub invocation: usize,
    pub t: f64,
    /// The lane of the context (its first row).
    pub lane: usize,
    /// Index into `Analysis::contexts`.
    pub context: usize,
    pub position: Option<u32>,
    /// What the code asked for (`send-email`), never checkpointed.
    pub found: String,
    /// The recorded operation at that place, when there is one.
    pub op: Option<usize>,
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
    /// The first diagnosis's divergence point, when it has a band to sit in.
    pub divergence: Option<Divergence>,
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

        // Every timed operation's span, by the context it sits in.
        let nctx = a.contexts.len().max(1);
        let band_starts: Vec<f64> = bands.iter().flatten().map(|b| b.start).collect();
        let mut ctx_spans: Vec<Vec<Span>> = vec![Vec::new(); nctx];
        for (i, o) in ops.iter().enumerate() {
            let ctx = a
                .places
                .get(i)
                .map(|p| p.context)
                .filter(|&c| c < nctx)
                .unwrap_or(0);
            if let Some(span) = span_of(o, i, &band_starts, t_max, rel) {
                ctx_spans[ctx].push(span);
            }
        }
        let tree = ContextOrder::of(a, n);
        // Operations of a context the tree walk does not reach go to the root.
        for ci in 1..nctx {
            if tree.pos[ci] == usize::MAX {
                let moved = std::mem::take(&mut ctx_spans[ci]);
                ctx_spans[0].extend(moved);
            }
        }
        for v in &mut ctx_spans {
            v.sort_by(|x, y| x.start.total_cmp(&y.start));
        }

        // Lanes in the table's order: each context's rows, then (for a
        // context with many child contexts) its summary lane, then its
        // child contexts' lanes, depth first.
        let mut lanes: Vec<Lane> = Vec::new();
        let mut first_lane = vec![usize::MAX; nctx];
        // Per preorder position: the first lane of that context.
        let mut lane_at_pos = Vec::with_capacity(tree.order.len() + 1);
        for (p, &ci) in tree.order.iter().enumerate() {
            lane_at_pos.push(lanes.len());
            let c = a.contexts.get(ci);
            let label = match c {
                Some(c) if c.parent.is_some() => c.name.clone(),
                _ => "root".to_string(),
            };
            let depth = c.map_or(0, |c| c.depth);
            let opener = c.and_then(|c| c.op);
            first_lane[ci] = lanes.len();
            let rows = stack_rows(
                ctx_spans
                    .get_mut(ci)
                    .map(std::mem::take)
                    .unwrap_or_default(),
            );
            let k = rows.len().max(1) as u32;
            for (r, spans) in rows.into_iter().enumerate() {
                let mut lane = Lane::new(
                    ci,
                    if r == 0 { label.clone() } else { String::new() },
                    depth,
                );
                lane.op = opener;
                lane.sub = r as u32;
                lane.rows = k;
                lane.spans = spans;
                lanes.push(lane);
            }
            if tree.summarized[ci] {
                let mut lane = Lane::new(ci, String::new(), depth + 1);
                lane.op = opener;
                // Every span under the child contexts: the preorder holds a
                // subtree contiguously, and the rows above took only this
                // context's own spans, so the descendants' are still here.
                let desc = &tree.order[p + 1..p + tree.size[ci]];
                let mut sum = Summary {
                    contexts: tree.child_contexts[ci],
                    start: f64::INFINITY,
                    end: f64::NEG_INFINITY,
                    ..Summary::default()
                };
                let mut by_status: Vec<(OpStatus, usize)> = Vec::new();
                for &d in desc {
                    for &op in a.contexts.get(d).map_or(&[][..], |c| &c.children) {
                        let Some(o) = ops.get(op) else { continue };
                        sum.ops += 1;
                        match by_status.iter_mut().find(|(s, _)| *s == o.status) {
                            Some(e) => e.1 += 1,
                            None => by_status.push((o.status, 1)),
                        }
                    }
                    for sp in &ctx_spans[d] {
                        sum.start = sum.start.min(sp.start);
                        sum.end = sum.end.max(sp.end);
                        lane.spans.push(sp.clone());
                    }
                }
                by_status.sort_by_key(|e| std::cmp::Reverse(e.1));
                sum.by_status = by_status;
                if sum.start > sum.end {
                    (sum.start, sum.end) = (0.0, 0.0);
                }
                // Short enough for the label column; the operation count and
                // the status mix are in the summary (hover card, SVG).
                lane.label = format!("{} contexts", group_digits(sum.contexts));
                lane.summary = Some(sum);
                lanes.push(lane);
            }
        }
        lane_at_pos.push(lanes.len());
        if lanes.is_empty() {
            lanes.push(Lane::new(0, "root".into(), 0));
            first_lane[0] = 0;
        }
        let total = lanes.len();
        for lane in &mut lanes {
            let ci = lane.context;
            lane.end = tree
                .pos
                .get(ci)
                .filter(|&&p| p != usize::MAX)
                .and_then(|&p| lane_at_pos.get(p + tree.size[ci]))
                .copied()
                .unwrap_or(total);
        }

        let mut span_of_op = vec![None; n];
        let mut lane_of_op = vec![0usize; n];
        for (i, lo) in lane_of_op.iter_mut().enumerate() {
            let ctx = a.places.get(i).map(|p| p.context).unwrap_or(0);
            *lo = first_lane
                .get(ctx)
                .copied()
                .filter(|&l| l != usize::MAX)
                .unwrap_or(0);
        }
        for (li, lane) in lanes.iter_mut().enumerate() {
            lane.index();
            if lane.summary.is_some() {
                continue;
            }
            for (si, s) in lane.spans.iter().enumerate() {
                span_of_op[s.op] = Some((li, si));
                lane_of_op[s.op] = li;
            }
        }
        let lane_of_ctx = first_lane;

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

        let divergence = a.diagnoses.first().and_then(|d| {
            let k = d.invocation?;
            let band = bands.get(k).cloned().flatten()?;
            let context = d.context.unwrap_or(0);
            let ctx = a.contexts.get(context);
            // Just after the operation before the divergence position, if
            // this invocation ran it; else where the invocation began (it
            // failed while replaying, which leaves no time of its own).
            let before = d
                .position
                .and_then(|p| usize::try_from(p).ok()?.checked_sub(2))
                .and_then(|i| ctx?.children.get(i).copied())
                .and_then(|op| ops.get(op)?.end)
                .map(|t| rel(t.micros()))
                .filter(|&t| t >= band.start && t <= band.end);
            let found = d
                .found
                .as_ref()
                .and_then(|s| s.name.clone())
                .or_else(|| d.current_value.clone())?;
            Some(Divergence {
                invocation: k,
                t: before
                    .unwrap_or(band.start)
                    .clamp(band.start, band.end.max(band.start)),
                lane: lane_of_ctx
                    .get(context)
                    .copied()
                    .filter(|&l| l != usize::MAX)
                    .unwrap_or(0),
                context,
                position: d.position,
                found,
                op: d.op,
            })
        });

        let mut l = TimelineLayout {
            divergence,
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

/// Operation `o`'s span, when it has a time: its start (or first attempt's)
/// to its end (or last attempt's); a fired timer ends where the next
/// invocation began; a span without an end is open and runs to the axis end.
fn span_of(
    o: &Operation,
    i: usize,
    band_starts: &[f64],
    t_max: f64,
    rel: impl Fn(i64) -> f64,
) -> Option<Span> {
    let first_attempt = o.attempts.iter().find_map(|at| at.start);
    let last_attempt = o.attempts.iter().rev().find_map(|at| at.end);
    let start = o.start.or(first_attempt).map(|t| rel(t.micros()))?;
    let mut open = false;
    let end = match o.end.or(last_attempt) {
        Some(t) => rel(t.micros()),
        None => {
            if o.op_type == OpType::Wait && o.status.is_terminal() {
                // A timer fired between invocations: it waited until the
                // next invocation began (time skipping in tests makes that
                // earlier than the scheduled end).
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
    Some(Span {
        op: i,
        start,
        end: end.max(start),
        open,
        attempts,
    })
}
