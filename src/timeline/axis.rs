//! The time axis: where a time (seconds from the execution start) goes on
//! the view's horizontal axis. Two axes: real time, and compressed time,
//! where every idle gap between invocations (a wait, a callback, a retry
//! backoff, a chained invoke) shrinks to one fixed width with a break mark
//! saying what it was and how long, while time inside an invocation stays
//! linear. This is the one mapping the app's time view, the SVG and the
//! hover card use: the layout holds its spans in axis units (`u`), the
//! viewport turns units into pixels, and `Axis::secs` turns them back.
//!
//! The rule for the default (`TimelineLayout::default_axis`): compressed
//! when the gaps it would shrink take at least half of the execution's
//! time, real otherwise.

use super::draw::Viewport;
use super::layout::TimelineLayout;
use crate::model::{format_duration_micros, Execution, OpType};
use serde::{Deserialize, Serialize};

/// Which time axis a layout is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AxisKind {
    #[default]
    Real,
    Compressed,
}

impl AxisKind {
    pub fn name(self) -> &'static str {
        match self {
            AxisKind::Real => "real",
            AxisKind::Compressed => "compressed",
        }
    }

    pub fn other(self) -> AxisKind {
        match self {
            AxisKind::Real => AxisKind::Compressed,
            AxisKind::Compressed => AxisKind::Real,
        }
    }
}

/// Share of the fitted axis one compressed gap takes…
pub const GAP_SHARE: f64 = 0.1;
/// …and all of them together at most, however many invocations there are.
pub const GAPS_MAX_SHARE: f64 = 0.45;
/// The compressed axis is the default when its gaps hold at least this
/// share of the execution's time ("waits dominate").
pub const DEFAULT_COMPRESSED_SHARE: f64 = 0.5;

/// What an idle gap between invocations was spent on.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The gap in seconds from the execution start…
    pub t0: f64,
    pub t1: f64,
    /// …and on the compressed axis.
    pub u0: f64,
    pub u1: f64,
    /// `wait 'cool-off'`, `retry backoff 'charge'`, `idle`; `+ 2 more` when
    /// several operations waited across it.
    pub what: String,
    /// The operation the gap is named for, if any.
    pub op: Option<usize>,
    /// `wait`, `retry backoff`, `callback`, `invoke` or `idle`.
    pub kind: &'static str,
}

impl Gap {
    pub fn secs(&self) -> f64 {
        self.t1 - self.t0
    }

    /// `… 5m 00s · wait 'cool-off'`: the break mark's text.
    pub fn label(&self) -> String {
        format!("… {} · {}", self.duration(), self.what)
    }

    /// `… 5m 00s · wait`: without the operation's name.
    pub fn kind_label(&self) -> String {
        format!("… {} · {}", self.duration(), self.kind)
    }

    /// `… 5m 00s`: the text for a break too narrow for the others.
    pub fn short_label(&self) -> String {
        format!("… {}", self.duration())
    }

    fn duration(&self) -> String {
        format_duration_micros((self.secs() * 1e6).round() as i64)
    }
}

/// A piecewise-linear, strictly increasing map from seconds to axis units:
/// the identity outside the gaps' effect, each gap `[t0, t1]` squeezed to
/// `[u0, u1]`, everything after a gap shifted by what it saved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Axis {
    pub kind: AxisKind,
    /// Sorted, disjoint; empty for the real axis.
    pub gaps: Vec<Gap>,
}

impl Axis {
    pub fn real() -> Axis {
        Axis::default()
    }

    /// Axis units of `t` seconds.
    pub fn u(&self, t: f64) -> f64 {
        let i = self.gaps.partition_point(|g| g.t0 <= t);
        let Some(g) = i.checked_sub(1).map(|i| &self.gaps[i]) else {
            return t;
        };
        if t <= g.t1 && g.t1 > g.t0 {
            g.u0 + (t - g.t0) * (g.u1 - g.u0) / (g.t1 - g.t0)
        } else {
            g.u1 + (t - g.t1)
        }
    }

    /// Seconds at `u` axis units (the inverse of `u`).
    pub fn secs(&self, u: f64) -> f64 {
        let i = self.gaps.partition_point(|g| g.u0 <= u);
        let Some(g) = i.checked_sub(1).map(|i| &self.gaps[i]) else {
            return u;
        };
        if u <= g.u1 && g.u1 > g.u0 {
            g.t0 + (u - g.u0) * (g.t1 - g.t0) / (g.u1 - g.u0)
        } else {
            g.t1 + (u - g.u1)
        }
    }

    /// The compressed axis of a layout on the real axis: the gaps are the
    /// stretches of `[t_min, t_max]` outside every invocation band, each
    /// squeezed to one width `g` (`GAP_SHARE` of the fitted axis, all gaps
    /// together at most `GAPS_MAX_SHARE`); a gap no longer than `2g` is
    /// left linear, as it would barely shrink.
    pub fn compressed(l: &TimelineLayout, e: &Execution) -> Axis {
        let mut bands: Vec<(f64, f64)> = l
            .bands
            .iter()
            .flatten()
            .map(|b| (b.start, b.end.max(b.start)))
            .collect();
        bands.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut active: Vec<(f64, f64)> = Vec::new();
        for (s, t) in bands {
            match active.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(t),
                _ => active.push((s, t)),
            }
        }
        let mut candidates = Vec::new();
        if let (Some(first), Some(last)) = (active.first(), active.last()) {
            candidates.push((l.t_min, first.0));
            candidates.extend(active.windows(2).map(|w| (w[0].1, w[1].0)));
            candidates.push((last.1, l.t_max));
        }
        candidates.retain(|&(a, b)| b > a);
        let total = (l.t_max - l.t_min).max(1e-9);
        // Fewer gaps leave more linear time and a wider gap: shrink the set
        // until every gap left saves more than it keeps.
        let mut width = 0.0;
        loop {
            let n = candidates.len();
            if n == 0 {
                break;
            }
            let squeezed: f64 = candidates.iter().map(|(a, b)| b - a).sum();
            let linear = (total - squeezed).max(1e-3);
            let share = (n as f64 * GAP_SHARE).min(GAPS_MAX_SHARE);
            width = linear * share / (1.0 - share) / n as f64;
            let before = candidates.len();
            candidates.retain(|&(a, b)| b - a > 2.0 * width);
            if candidates.len() == before {
                break;
            }
        }
        let names = gap_names(l, e, &candidates);
        let mut gaps = Vec::with_capacity(candidates.len());
        let mut shift = 0.0;
        for ((t0, t1), (what, op, kind)) in candidates.into_iter().zip(names) {
            let u0 = t0 - shift;
            gaps.push(Gap {
                t0,
                t1,
                u0,
                u1: u0 + width,
                what,
                op,
                kind,
            });
            shift += (t1 - t0) - width;
        }
        Axis {
            kind: AxisKind::Compressed,
            gaps,
        }
    }
}

/// What each gap was spent on: the operations whose span holds the gap's
/// middle, by kind (a retry's backoff, a wait, a callback, a chained
/// invoke); `idle` when none does.
fn gap_names(
    l: &TimelineLayout,
    e: &Execution,
    gaps: &[(f64, f64)],
) -> Vec<(String, Option<usize>, &'static str)> {
    let mids: Vec<f64> = gaps.iter().map(|(a, b)| (a + b) / 2.0).collect();
    // Per gap: (rank, start, op) of the best candidate, and how many.
    let mut best: Vec<Option<(u8, f64, usize)>> = vec![None; gaps.len()];
    let mut count = vec![0usize; gaps.len()];
    for lane in &l.lanes {
        for s in &lane.spans {
            let first = mids.partition_point(|&m| m < s.start);
            let Some(o) = e.operations.get(s.op) else {
                continue;
            };
            let rank = match o.op_type {
                OpType::Step if s.attempts.len() > 1 => 0,
                OpType::Wait => 1,
                OpType::Callback => 2,
                OpType::ChainedInvoke => 3,
                _ => continue,
            };
            for g in first..mids.len() {
                if mids[g] > s.end {
                    break;
                }
                count[g] += 1;
                let cand = (rank, s.start, s.op);
                if best[g].is_none_or(|b| (cand.0, cand.1) < (b.0, b.1)) {
                    best[g] = Some(cand);
                }
            }
        }
    }
    best.into_iter()
        .zip(count)
        .map(|(b, n)| match b {
            None => ("idle".to_string(), None, "idle"),
            Some((rank, _, op)) => {
                let name = e.operations.get(op).map(|o| o.display_name()).unwrap_or("");
                let kind = ["retry backoff", "wait", "callback", "invoke"][rank as usize];
                let more = if n > 1 {
                    format!(" + {} more", n - 1)
                } else {
                    String::new()
                };
                (format!("{kind} '{name}'{more}"), Some(op), kind)
            }
        })
        .collect()
}

impl TimelineLayout {
    /// The axis the layout was built for by default: compressed when its
    /// gaps hold at least `DEFAULT_COMPRESSED_SHARE` of the execution's time.
    pub fn default_axis(&self) -> AxisKind {
        let total = self.axis.secs(self.t_max) - self.axis.secs(self.t_min);
        let gaps: f64 = self.compressed.gaps.iter().map(Gap::secs).sum();
        if !self.compressed.gaps.is_empty() && gaps >= DEFAULT_COMPRESSED_SHARE * total {
            AxisKind::Compressed
        } else {
            AxisKind::Real
        }
    }

    /// Axis units of `t` seconds on the current axis.
    pub fn u(&self, t: f64) -> f64 {
        self.axis.u(t)
    }

    /// Put every span, attempt, band and marker on axis `kind` (in place:
    /// each value goes back to seconds on the current axis and out on the
    /// new one; both maps are strictly increasing, so no order changes).
    pub fn set_axis(&mut self, kind: AxisKind) {
        if kind == self.axis.kind {
            return;
        }
        let to = match kind {
            AxisKind::Real => Axis::real(),
            AxisKind::Compressed => self.compressed.clone(),
        };
        let from = std::mem::replace(&mut self.axis, to);
        let to = &self.axis;
        let map = |u: f64| to.u(from.secs(u));
        for lane in &mut self.lanes {
            for s in &mut lane.spans {
                s.start = map(s.start);
                s.end = map(s.end);
                for a in &mut s.attempts {
                    a.start = map(a.start);
                    a.end = map(a.end);
                }
            }
            for m in &mut lane.markers {
                m.t = map(m.t);
            }
            if let Some(sum) = &mut lane.summary {
                sum.start = map(sum.start);
                sum.end = map(sum.end);
            }
            lane.index();
        }
        for b in self.bands.iter_mut().flatten() {
            b.start = map(b.start);
            b.end = map(b.end);
            b.recorded = b.recorded.map(|(s, t)| (map(s), map(t)));
        }
        if let Some(d) = &mut self.divergence {
            d.t = map(d.t);
        }
        self.t_min = map(self.t_min);
        self.t_max = map(self.t_max);
    }
}

/// One ruler tick: its pixel and its time after the execution start.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub x: f32,
    pub label: String,
}

/// A break mark: a compressed gap as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnBreak {
    /// Index into the axis's `gaps`.
    pub gap: usize,
    pub x: f32,
    pub width: f32,
    /// The label that fits the break's width (whole, short, or `…`).
    pub text: String,
}

/// Width of a character of the 11 px label font, a little generous.
pub const CHAR_W: f32 = 6.0;

/// Spacing the ruler aims for between ticks.
const TICK_PX: f64 = 110.0;
/// Nearer than this to the previous tick, a tick is left out.
const TICK_MIN_PX: f32 = 60.0;

/// The ruler's ticks in view `vp`: a "nice" step (1, 2, 5 × 10^k seconds)
/// about every `TICK_PX` pixels of linear time. On the compressed axis the
/// ticks run per stretch between breaks, each stretch starting with a tick
/// at its own start, so the time after a break is read off the ruler.
pub fn ticks(l: &TimelineLayout, vp: &Viewport) -> Vec<Tick> {
    let target = vp.secs_per_px * TICK_PX;
    let mut step = 10f64.powf(target.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if step * m >= target {
            step *= m;
            break;
        }
    }
    let axis = &l.axis;
    let (s0, s1) = (axis.secs(vp.t_start), axis.secs(vp.t_end()));
    // Linear stretches in seconds, between the gaps; each one after a
    // break gets a tick at its start.
    let mut stretches = Vec::with_capacity(axis.gaps.len() + 1);
    let mut from = f64::NEG_INFINITY;
    for g in &axis.gaps {
        stretches.push((from, g.t0));
        from = g.t1;
    }
    stretches.push((from, f64::INFINITY));
    let mut out: Vec<Tick> = Vec::new();
    let push = |t: f64, out: &mut Vec<Tick>| {
        let x = vp.x_of(axis.u(t));
        if x < 0.0 || x > vp.width || out.len() > 400 {
            return;
        }
        if out.last().is_some_and(|p| x - p.x < TICK_MIN_PX) {
            return;
        }
        out.push(Tick {
            x,
            label: tick_label(t, step),
        });
    };
    for (i, (a, b)) in stretches.into_iter().enumerate() {
        let (a, b) = (a.max(s0), b.min(s1));
        if a > b {
            continue;
        }
        if i > 0 {
            push(a, &mut out);
        }
        let mut t = (a / step).ceil() * step;
        while t <= b && out.len() <= 400 {
            push(t, &mut out);
            t += step;
        }
    }
    out
}

/// `+1.50s`, `+5m 00s`; past a minute with a sub-second step, the seconds
/// get the step's decimals (`+5m 00.25s`), so neighbouring ticks differ.
fn tick_label(t: f64, step: f64) -> String {
    let us = (t * 1e6).round() as i64;
    if t.abs() < 60.0 || step >= 1.0 {
        return format!("+{}", format_duration_micros(us));
    }
    let decimals = (-step.log10()).ceil().clamp(0.0, 6.0) as usize;
    let sign = if t < 0.0 { "-" } else { "" };
    let a = t.abs();
    let mins = (a / 60.0).floor();
    let secs = a - mins * 60.0;
    let w = if decimals > 0 { decimals + 3 } else { 2 };
    if mins >= 60.0 {
        let h = (mins / 60.0).floor();
        return format!(
            "+{sign}{h}h {:02}m {secs:0w$.decimals$}s",
            (mins - h * 60.0) as i64
        );
    }
    format!("+{sign}{mins}m {secs:0w$.decimals$}s")
}

/// The break marks in view `vp`.
pub fn breaks(l: &TimelineLayout, vp: &Viewport) -> Vec<DrawnBreak> {
    let (u0, u1) = (vp.t_start, vp.t_end());
    l.axis
        .gaps
        .iter()
        .enumerate()
        .filter(|(_, g)| g.u1 >= u0 && g.u0 <= u1)
        .map(|(i, g)| {
            let x = vp.x_of(g.u0);
            let width = vp.x_of(g.u1) - x;
            let room = (width - 6.0) / CHAR_W;
            let text = [g.label(), g.kind_label(), g.short_label()]
                .into_iter()
                .find(|t| t.chars().count() as f32 <= room)
                .unwrap_or_else(|| "…".into());
            DrawnBreak {
                gap: i,
                x,
                width,
                text,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "axis_tests.rs"]
mod tests;
