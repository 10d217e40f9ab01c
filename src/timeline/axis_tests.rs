//! Unit tests of the time axes on hand-made layouts.

use super::*;
use crate::timeline::draw::{shapes, DrawOptions};
use crate::timeline::layout::{Band, Lane, Span};

fn band(start: f64, end: f64) -> Option<Band> {
    Some(Band {
        start,
        end,
        label: String::new(),
        replayed: 1,
        inferred: false,
        recorded: Some((start, end)),
    })
}

fn span(op: usize, start: f64, end: f64) -> Span {
    Span {
        op,
        start,
        end,
        open: false,
        attempts: Vec::new(),
    }
}

/// Three 1 s invocations with 5-minute waits between them, one span per
/// invocation and one per wait.
fn waits_dominate() -> TimelineLayout {
    let mut lane = Lane::new(0, "root".into(), 0);
    lane.spans = vec![
        span(0, 0.0, 1.0),
        span(1, 1.0, 301.0),
        span(2, 301.0, 302.0),
        span(3, 302.0, 602.0),
        span(4, 602.5, 603.0),
    ];
    lane.index();
    let mut l = TimelineLayout {
        lanes: vec![lane],
        bands: vec![band(0.0, 1.0), band(301.0, 302.0), band(602.0, 603.0)],
        t_max: 603.0,
        has_times: true,
        span_of_op: (0..5).map(|i| Some((0, i))).collect(),
        lane_of_op: vec![0; 5],
        ..Default::default()
    };
    l.compressed = Axis::compressed(&l, &Execution::default());
    l
}

#[test]
fn the_map_is_strictly_increasing_and_its_inverse_returns_the_time() {
    let l = waits_dominate();
    let a = &l.compressed;
    assert_eq!(a.gaps.len(), 2);
    let mut prev = f64::NEG_INFINITY;
    for i in -100..=7000 {
        let t = i as f64 * 0.1;
        let u = a.u(t);
        assert!(u > prev, "u({t}) = {u} after {prev}");
        prev = u;
        assert!((a.secs(u) - t).abs() < 1e-9, "secs(u({t})) = {}", a.secs(u));
    }
}

#[test]
fn time_inside_an_invocation_keeps_its_scale_and_every_gap_one_width() {
    let l = waits_dominate();
    let a = &l.compressed;
    for b in l.bands.iter().flatten() {
        let (u0, u1) = (a.u(b.start), a.u(b.end));
        assert!(((u1 - u0) - (b.end - b.start)).abs() < 1e-9);
        // Linear inside: the middle maps to the middle.
        let mid = a.u((b.start + b.end) / 2.0);
        assert!((mid - (u0 + u1) / 2.0).abs() < 1e-9);
    }
    let w: Vec<f64> = a.gaps.iter().map(|g| g.u1 - g.u0).collect();
    assert!((w[0] - w[1]).abs() < 1e-12, "{w:?}");
    // At fit, each gap takes GAP_SHARE of the axis: 3 s of invocations
    // and two gaps.
    let total = a.u(l.t_max) - a.u(l.t_min);
    assert!((w[0] / total - GAP_SHARE).abs() < 1e-9, "{}", w[0] / total);
    assert_eq!(a.gaps[0].t0, 1.0);
    assert_eq!(a.gaps[0].t1, 301.0);
    assert_eq!(a.gaps[0].label(), "… 5m 00s · idle");
}

#[test]
fn a_gap_shorter_than_twice_the_break_width_stays_linear() {
    let mut l = waits_dominate();
    // 10 s invocations 0.5 s apart: nothing to squeeze.
    l.bands = vec![band(0.0, 10.0), band(10.5, 20.0)];
    l.t_max = 20.0;
    let a = Axis::compressed(&l, &Execution::default());
    assert!(a.gaps.is_empty(), "{:?}", a.gaps);
    assert_eq!(a.u(15.0), 15.0);
}

#[test]
fn waits_dominating_make_the_compressed_axis_the_default() {
    let l = waits_dominate();
    assert_eq!(l.default_axis(), AxisKind::Compressed);
    let mut busy = waits_dominate();
    busy.bands = vec![band(0.0, 300.0), band(450.0, 603.0)];
    busy.compressed = Axis::compressed(&busy, &Execution::default());
    assert_eq!(busy.compressed.gaps.len(), 1);
    assert_eq!(busy.default_axis(), AxisKind::Real);
}

#[test]
fn switching_axes_moves_every_span_and_back() {
    let mut l = waits_dominate();
    let before: Vec<(f64, f64)> = l.lanes[0].spans.iter().map(|s| (s.start, s.end)).collect();
    l.set_axis(AxisKind::Compressed);
    let a = l.compressed.clone();
    for (s, (t0, t1)) in l.lanes[0].spans.iter().zip(&before) {
        assert!((s.start - a.u(*t0)).abs() < 1e-9);
        assert!((s.end - a.u(*t1)).abs() < 1e-9);
    }
    // The 5-minute wait is now one break wide.
    let wait = &l.lanes[0].spans[1];
    assert!((wait.end - wait.start - (a.gaps[0].u1 - a.gaps[0].u0)).abs() < 1e-9);
    l.set_axis(AxisKind::Real);
    for (s, (t0, t1)) in l.lanes[0].spans.iter().zip(&before) {
        assert!((s.start - t0).abs() < 1e-9 && (s.end - t1).abs() < 1e-9);
    }
}

#[test]
fn at_fit_every_span_is_covered_on_both_axes_and_breaks_are_drawn() {
    for kind in [AxisKind::Real, AxisKind::Compressed] {
        let mut l = waits_dominate();
        l.set_axis(kind);
        let vp = Viewport::fit(&l, 800.0);
        let d = shapes(
            &l,
            &vp,
            &DrawOptions {
                selected: None,
                invocation: None,
                all_markers: false,
                lanes: vec![0],
            },
        );
        let mut ops: Vec<usize> = d.spans.iter().flat_map(|s| d.ops(&l, s)).collect();
        ops.sort_unstable();
        assert_eq!(ops, vec![0, 1, 2, 3, 4], "{kind:?}");
        let narrowest = d.spans.iter().map(|s| s.width).fold(f32::MAX, f32::min);
        match kind {
            AxisKind::Real => {
                assert!(d.breaks.is_empty());
                // A 1 s invocation in 10 minutes: a sliver.
                assert!(narrowest <= 2.0, "{narrowest}");
            }
            AxisKind::Compressed => {
                assert_eq!(d.breaks.len(), 2);
                // Each invocation gets readable width.
                assert!(narrowest > 40.0, "{narrowest}");
            }
        }
        assert!(!d.ticks.is_empty());
        assert!(d.ticks.windows(2).all(|w| w[1].x > w[0].x));
    }
}

#[test]
fn ticks_after_a_break_start_at_the_invocation_and_keep_sub_second_digits() {
    let mut l = waits_dominate();
    l.set_axis(AxisKind::Compressed);
    let vp = Viewport::fit(&l, 1200.0);
    let t = ticks(&l, &vp);
    let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
    assert!(labels.contains(&"+5m 01.0s"), "{labels:?}");
    assert!(labels.contains(&"+10m 02.0s"), "{labels:?}");
    assert_eq!(tick_label(301.2, 0.2), "+5m 01.2s");
    assert_eq!(tick_label(3601.05, 0.05), "+1h 00m 01.05s");
    assert_eq!(tick_label(1.5, 0.5), "+1.50s");
}
