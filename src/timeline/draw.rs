//! The draw list: a layout and a view in, shapes in pixels out. Pure (no
//! painter), so the app, the SVG renderer and the tests share one answer to
//! "what is drawn where". Culling never loses coverage: a run of sub-pixel
//! spans becomes one shape from its first start to its latest end (as puffin
//! and Perfetto do), every shape is at least `MIN_PX` wide, a span of a
//! pixel or more is always drawn on its own, and the selected operation is
//! always drawn (last, on top). The cost per lane is bounded by the visible
//! pixels and the long spans, not by the number of spans: dense stretches
//! are skipped by binary search and per-block maxima.

use super::axis::{breaks, ticks, DrawnBreak, Tick};
use super::layout::{Lane, Span, TimelineLayout, BLOCK};
use std::ops::Range;

/// Width of the lane-label column left of the plot.
pub const LABEL_W: f32 = 150.0;
/// Height of the time ruler above the invocation bands.
pub const RULER_H: f32 = 16.0;
/// Height of the invocation-band header row.
pub const BAND_H: f32 = 20.0;
pub const LANE_H: f32 = 22.0;
/// The narrowest shape: nothing is drawn thinner, so nothing vanishes.
pub const MIN_PX: f32 = 2.0;
/// Room a labelled switch marker takes: "replay" left of it, "execution"
/// right of it. Span labels give way to it.
pub const MARKER_LEFT_W: f32 = 42.0;
pub const MARKER_RIGHT_W: f32 = 58.0;
/// A span label is drawn only with at least this much room.
pub const LABEL_MIN_W: f32 = 40.0;
/// Where a span's label starts, after its status icon.
pub const LABEL_INSET: f32 = 14.0;

/// The visible time range on `width` pixels. x = 0 is the plot's left edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Seconds (relative to the execution start) at x = 0.
    pub t_start: f64,
    pub secs_per_px: f64,
    pub width: f32,
}

impl Viewport {
    /// The whole layout with a 2% margin either side.
    pub fn fit(l: &TimelineLayout, width: f32) -> Viewport {
        Viewport::fit_range(l.t_min, l.t_max, width)
    }

    /// `[t0, t1]` with a 2% margin either side.
    pub fn fit_range(t0: f64, t1: f64, width: f32) -> Viewport {
        let span = (t1 - t0).max(1e-6);
        let width = width.max(50.0);
        Viewport {
            t_start: t0 - span * 0.02,
            secs_per_px: span * 1.04 / width as f64,
            width,
        }
    }

    pub fn x_of(&self, t: f64) -> f32 {
        ((t - self.t_start) / self.secs_per_px) as f32
    }

    pub fn t_of(&self, x: f32) -> f64 {
        self.t_start + x as f64 * self.secs_per_px
    }

    pub fn t_end(&self) -> f64 {
        self.t_of(self.width)
    }
}

/// What to draw besides the spans.
#[derive(Debug, Clone)]
pub struct DrawOptions {
    pub selected: Option<usize>,
    /// The invocation whose switch markers are drawn (labelled).
    pub invocation: Option<usize>,
    /// Also draw every other invocation's markers, faint and unlabelled.
    pub all_markers: bool,
    /// The lanes to compute (the visible ones, `lanes::visible`), in any
    /// order; indices past the layout's lanes are ignored.
    pub lanes: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SpanKind {
    /// One span (index into its lane's `spans`).
    Single(usize),
    /// A run of sub-pixel spans (indices into the lane's `spans`); the spans
    /// of a pixel or more inside the range are drawn on their own and are
    /// not part of the run.
    Merged(Range<usize>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnAttempt {
    pub number: u32,
    pub x: f32,
    pub width: f32,
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnSpan {
    pub lane: usize,
    pub x: f32,
    pub width: f32,
    pub kind: SpanKind,
    pub selected: bool,
    /// Retried steps (single spans only): each attempt's pixels.
    pub attempts: Vec<DrawnAttempt>,
    /// Where the span's label may go (`x0..x1`), after giving way to the
    /// lane's labelled switch markers; `None` when there is not room.
    pub label: Option<(f32, f32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnBand {
    pub invocation: usize,
    pub x: f32,
    pub width: f32,
    pub selected: bool,
    pub inferred: bool,
    /// The band's inferred parts (pixels, `x0..x1`), drawn hatched: where
    /// the source recorded no window edge and the invocation ran nothing.
    pub hatched: Vec<(f32, f32)>,
    /// Room left for the band's own label (after a fresh-start note).
    pub label_w: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrawnMarker {
    pub lane: usize,
    pub x: f32,
    pub invocation: usize,
    /// Index into `Analysis::contexts`.
    pub context: usize,
    /// The first executed operation.
    pub op: usize,
    pub position: u32,
    /// Another invocation's marker, shown by the "all switches" toggle.
    pub faint: bool,
    /// Drawn with its "replay | execution" labels.
    pub labelled: bool,
}

/// "Fresh start — nothing to replay": an invocation that replayed nothing
/// gets this one note in its band's header instead of a marker per
/// context, right-aligned at `x` so it never covers a span.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnNote {
    pub invocation: usize,
    /// Where the text ends when `right_aligned`, else where it starts.
    pub x: f32,
    /// In a band too narrow for the note, it starts at the band and runs
    /// over the headers to its right (drawn on a backing of its own).
    pub right_aligned: bool,
    pub text: &'static str,
    pub faint: bool,
}

pub const FRESH_START: &str = "fresh start — nothing to replay";
/// The note in a band too narrow for the whole sentence.
pub const FRESH_START_SHORT: &str = "fresh start";
/// Room the notes take in a band header (11 px text).
const FRESH_START_W: f32 = 190.0;
const FRESH_START_SHORT_W: f32 = 70.0;

/// The divergence point of a non-deterministic run: a red marker in its
/// context's lane, inside the failing invocation's band.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnDivergence {
    pub lane: usize,
    pub x: f32,
    pub invocation: usize,
    /// What the code asked for instead (never checkpointed).
    pub found: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrawList {
    pub spans: Vec<DrawnSpan>,
    pub bands: Vec<DrawnBand>,
    pub markers: Vec<DrawnMarker>,
    pub notes: Vec<DrawnNote>,
    pub divergence: Option<DrawnDivergence>,
    /// The ruler's ticks, on the layout's axis.
    pub ticks: Vec<Tick>,
    /// The compressed axis's break marks in view.
    pub breaks: Vec<DrawnBreak>,
    /// The view's seconds per pixel (decides which spans a run holds).
    pub secs_per_px: f64,
}

impl DrawList {
    /// The operations a drawn span stands for: one, or a merged run's.
    pub fn ops(&self, l: &TimelineLayout, s: &DrawnSpan) -> Vec<usize> {
        self.ops_iter(l, s).collect()
    }

    /// The same, without collecting them (a hover card needs a count and
    /// the first few of a run that may hold a million).
    pub fn ops_iter<'a>(
        &self,
        l: &'a TimelineLayout,
        s: &DrawnSpan,
    ) -> impl Iterator<Item = usize> + 'a {
        let dt = self.secs_per_px;
        let spans: &'a [Span] = match (l.lanes.get(s.lane), &s.kind) {
            (Some(lane), SpanKind::Single(i)) => lane.spans.get(*i..*i + 1).unwrap_or(&[]),
            (Some(lane), SpanKind::Merged(r)) => lane.spans.get(r.clone()).unwrap_or(&[]),
            (None, _) => &[],
        };
        let merged = matches!(s.kind, SpanKind::Merged(_));
        spans
            .iter()
            .filter(move |x| !merged || !wide(x, dt))
            .map(|x| x.op)
    }
}

/// A span of at least a pixel is drawn on its own, never merged.
fn wide(s: &Span, dt: f64) -> bool {
    s.end - s.start >= dt
}

/// The draw list of `l` in view `vp`.
pub fn shapes(l: &TimelineLayout, vp: &Viewport, opt: &DrawOptions) -> DrawList {
    let mut out = DrawList {
        secs_per_px: vp.secs_per_px,
        ..Default::default()
    };
    if !l.has_times {
        return out;
    }
    out.ticks = ticks(l, vp);
    out.breaks = breaks(l, vp);
    let (t0, t1) = (vp.t_start, vp.t_end());
    for (i, b) in l.bands.iter().enumerate() {
        let Some(b) = b else { continue };
        if b.end < t0 || b.start > t1 {
            continue;
        }
        let x = vp.x_of(b.start);
        let width = (vp.x_of(b.end) - x).max(MIN_PX);
        let shown = opt.invocation == Some(i) || opt.all_markers;
        let mut label_w = width;
        if b.replayed == 0 && shown {
            let (text, w) = if width >= FRESH_START_W + 20.0 {
                (FRESH_START, FRESH_START_W)
            } else {
                (FRESH_START_SHORT, FRESH_START_SHORT_W)
            };
            let fits = width >= w + 6.0;
            label_w = if fits { width - w } else { 0.0 };
            out.notes.push(DrawnNote {
                invocation: i,
                x: if fits {
                    (x + width).min(vp.width) - 3.0
                } else {
                    x.max(0.0) + 2.0
                },
                right_aligned: fits,
                text,
                faint: opt.invocation != Some(i),
            });
        }
        let hatched = match b.recorded {
            None => vec![(x, x + width)],
            Some((r0, r1)) => [(b.start, r0), (r1, b.end)]
                .into_iter()
                .filter(|(a, z)| z > a)
                .map(|(a, z)| (vp.x_of(a), vp.x_of(z)))
                .filter(|(a, z)| z - a >= 1.0)
                .collect(),
        };
        out.bands.push(DrawnBand {
            invocation: i,
            x,
            width,
            selected: opt.invocation == Some(i),
            inferred: b.inferred,
            hatched,
            label_w,
        });
    }
    if let Some(dv) = &l.divergence {
        // In its context's lane, else in the shown lane standing for it (a
        // collapsed context's parent, a folded summary).
        let lane = if opt.lanes.contains(&dv.lane) {
            Some(dv.lane)
        } else {
            opt.lanes
                .iter()
                .copied()
                .filter(|&li| li < dv.lane && l.lanes.get(li).is_some_and(|x| x.end > dv.lane))
                .max()
        };
        if let Some(lane) = lane.filter(|_| dv.t >= t0 && dv.t <= t1) {
            out.divergence = Some(DrawnDivergence {
                lane,
                x: vp.x_of(dv.t),
                invocation: dv.invocation,
                found: dv.found.clone(),
            });
        }
    }
    for &li in &opt.lanes {
        let Some(lane) = l.lanes.get(li) else {
            continue;
        };
        let first_marker = out.markers.len();
        for m in &lane.markers {
            let sel = opt.invocation == Some(m.invocation);
            if !(sel || opt.all_markers) || m.t < t0 || m.t > t1 {
                continue;
            }
            out.markers.push(DrawnMarker {
                lane: li,
                x: vp.x_of(m.t),
                invocation: m.invocation,
                context: m.context,
                op: m.op,
                position: m.position,
                faint: !sel,
                labelled: sel,
            });
        }
        let first_span = out.spans.len();
        let own = opt
            .selected
            .and_then(|op| Some((op, l.span_of_op.get(op).copied().flatten()?)));
        let sel_span = own.and_then(|(op, (sl, si))| {
            if sl == li {
                Some(si)
            } else if lane.summary.is_some() {
                // A summary lane holds a copy of the selected span.
                lane.find(op, l.lanes.get(sl)?.spans.get(si)?.start)
            } else {
                None
            }
        });
        lane_spans(lane, li, vp, sel_span, &mut out.spans);
        // Labels give way to the markers' labels in the same lane.
        let regions: Vec<(f32, f32)> = out.markers[first_marker..]
            .iter()
            .filter(|m| m.labelled)
            .map(|m| (m.x - MARKER_LEFT_W, m.x + MARKER_RIGHT_W))
            .collect();
        for s in &mut out.spans[first_span..] {
            if let SpanKind::Single(_) = s.kind {
                s.label = label_room(s.x, s.x + s.width, &regions, vp.width);
            }
        }
    }
    out
}

/// The room for a label in a span `x0..x1` (clipped to the plot), outside
/// every marker label region: the label starts after the region it would
/// start in, and stops before the next one.
fn label_room(x0: f32, x1: f32, regions: &[(f32, f32)], width: f32) -> Option<(f32, f32)> {
    let mut a = x0.max(0.0);
    let b = x1.min(width);
    let mut sorted = regions.to_vec();
    sorted.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut end = b;
    for &(r0, r1) in &sorted {
        if r1 <= a + LABEL_INSET || r0 >= end {
            continue;
        }
        if r0 <= a + LABEL_INSET + LABEL_MIN_W {
            // The region covers where the label would start: start after it.
            a = a.max(r1 - LABEL_INSET);
        } else {
            end = end.min(r0);
        }
    }
    (end - a >= LABEL_MIN_W + LABEL_INSET).then_some((a, end))
}

fn single(lane: &Lane, li: usize, i: usize, vp: &Viewport, selected: bool) -> DrawnSpan {
    let s = &lane.spans[i];
    let x = vp.x_of(s.start);
    let attempts = s
        .attempts
        .iter()
        .map(|a| {
            let ax = vp.x_of(a.start);
            DrawnAttempt {
                number: a.number,
                x: ax,
                width: (vp.x_of(a.end) - ax).max(MIN_PX),
                failed: a.failed,
            }
        })
        .collect();
    DrawnSpan {
        lane: li,
        x,
        width: (vp.x_of(s.end) - x).max(MIN_PX),
        kind: SpanKind::Single(i),
        selected,
        attempts,
        label: None,
    }
}

/// The shapes of one lane, in start order (the selected span last).
fn lane_spans(
    lane: &Lane,
    li: usize,
    vp: &Viewport,
    selected: Option<usize>,
    out: &mut Vec<DrawnSpan>,
) {
    // `selected`: the selected operation's span index in this lane.
    let spans = &lane.spans;
    let n = spans.len();
    let dt = vp.secs_per_px;
    let (t0, t1) = (vp.t_start, vp.t_end());
    let mut selected_at = None;
    let mut push_single = |i: usize, out: &mut Vec<DrawnSpan>| {
        if Some(i) == selected {
            selected_at = Some(i);
        } else {
            out.push(single(lane, li, i, vp, false));
        }
    };
    let mut i = next_reaching(lane, lane.max_end.partition_point(|&e| e < t0), t0, t1);
    while i < n && spans[i].start <= t1 {
        if wide(&spans[i], dt) {
            push_single(i, out);
            i = next_reaching(lane, i + 1, t0, t1);
            continue;
        }
        // A run of sub-pixel spans: everything starting within a pixel of
        // the run's end joins it; the wide ones among them stand alone.
        let a = i;
        let mut run_end = spans[i].end;
        let mut j = i + 1;
        while j < n && spans[j].start <= t1 {
            let limit = run_end + dt;
            let b = j + spans[j..].partition_point(|s| s.start < limit);
            if b == j {
                break;
            }
            let mut k = j;
            while let Some(w) = next_wide(lane, k, b, dt) {
                if spans[w].end >= t0 {
                    push_single(w, out);
                }
                k = w + 1;
            }
            // Sub-pixel spans starting before `limit` end before `limit + dt`;
            // the cap keeps a wide span's end out of the run.
            run_end = run_end.max(range_max_end(lane, j, b).min(limit + dt));
            j = b;
        }
        if j == a + 1 {
            push_single(a, out);
        } else {
            let x = vp.x_of(spans[a].start);
            out.push(DrawnSpan {
                lane: li,
                x,
                width: (vp.x_of(run_end) - x).max(MIN_PX),
                kind: SpanKind::Merged(a..j),
                selected: false,
                attempts: Vec::new(),
                label: None,
            });
        }
        i = next_reaching(lane, j, t0, t1);
    }
    // The selected operation is always drawn, on top, even when it lies in
    // a merged run or outside the visible range's culling.
    let selected_at = selected_at
        .or(selected.filter(|&k| spans.get(k).is_some_and(|s| s.end >= t0 && s.start <= t1)));
    if let Some(k) = selected_at {
        out.push(single(lane, li, k, vp, true));
    }
}

/// The first span at or after `i` that reaches `t0`, or the first that
/// starts after `t1`, or `n`. Whole blocks that end before `t0` are skipped.
fn next_reaching(lane: &Lane, mut i: usize, t0: f64, t1: f64) -> usize {
    let spans = &lane.spans;
    while i < spans.len() {
        if i.is_multiple_of(BLOCK) && lane.blocks.end.get(i / BLOCK).is_some_and(|&e| e < t0) {
            i += BLOCK;
            continue;
        }
        let s = &spans[i];
        if s.end >= t0 || s.start > t1 {
            return i;
        }
        i += 1;
    }
    spans.len()
}

/// The first span in `k..b` at least `dt` long. Whole blocks shorter than
/// that are skipped.
fn next_wide(lane: &Lane, mut k: usize, b: usize, dt: f64) -> Option<usize> {
    while k < b {
        if k.is_multiple_of(BLOCK)
            && k + BLOCK <= b
            && lane.blocks.dur.get(k / BLOCK).is_some_and(|&d| d < dt)
        {
            k += BLOCK;
            continue;
        }
        if wide(&lane.spans[k], dt) {
            return Some(k);
        }
        k += 1;
    }
    None
}

/// The latest end among spans `j..b`.
fn range_max_end(lane: &Lane, mut j: usize, b: usize) -> f64 {
    let mut m = f64::NEG_INFINITY;
    while j < b {
        if j.is_multiple_of(BLOCK) && j + BLOCK <= b {
            if let Some(&e) = lane.blocks.end.get(j / BLOCK) {
                m = m.max(e);
                j += BLOCK;
                continue;
            }
        }
        m = m.max(lane.spans[j].end);
        j += 1;
    }
    m
}

#[cfg(test)]
#[path = "draw_tests.rs"]
mod tests;
