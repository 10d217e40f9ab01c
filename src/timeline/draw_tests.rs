//! Unit tests of the draw step on hand-made lanes.

use super::*;
use crate::timeline::layout::{Lane, Span};

fn span(op: usize, start: f64, end: f64) -> Span {
    Span {
        op,
        start,
        end,
        open: false,
        attempts: Vec::new(),
    }
}

fn layout_of(spans: Vec<Span>) -> TimelineLayout {
    let t_max = spans.iter().map(|s| s.end).fold(0.0, f64::max);
    let n = spans.iter().map(|s| s.op + 1).max().unwrap_or(0);
    let mut lane = Lane::new(0, "root".into(), 0);
    lane.spans = spans;
    lane.index();
    let mut span_of_op = vec![None; n];
    for (i, s) in lane.spans.iter().enumerate() {
        span_of_op[s.op] = Some((0, i));
    }
    TimelineLayout {
        lanes: vec![lane],
        t_max,
        has_times: true,
        span_of_op,
        lane_of_op: vec![0; n],
        ..Default::default()
    }
}

fn opts(selected: Option<usize>) -> DrawOptions {
    DrawOptions {
        selected,
        invocation: None,
        all_markers: false,
        lanes: vec![0],
    }
}

fn covered(l: &TimelineLayout, d: &DrawList) -> Vec<usize> {
    let mut ops: Vec<usize> = d.spans.iter().flat_map(|s| d.ops(l, s)).collect();
    ops.sort_unstable();
    ops.dedup();
    ops
}

#[test]
fn a_long_span_after_a_short_one_in_the_same_pixel_is_drawn_whole() {
    // A 1 ms step, then a 300 s wait starting 0.5 ms later: the same pixel at
    // fit. Culling by start point drew the step and dropped the wait.
    let l = layout_of(vec![span(0, 0.0, 0.001), span(1, 0.0005, 300.0)]);
    let vp = Viewport::fit(&l, 1000.0);
    let d = shapes(&l, &vp, &opts(None));
    assert_eq!(covered(&l, &d), vec![0, 1]);
    let wait = d
        .spans
        .iter()
        .find(|s| d.ops(&l, s) == vec![1])
        .expect("the wait has its own shape");
    let expected = vp.x_of(300.0) - vp.x_of(0.0005);
    assert!(
        (wait.width - expected).abs() < 0.01,
        "wait drawn {} px wide, spans {expected} px",
        wait.width
    );
}

#[test]
fn a_run_of_sub_pixel_spans_is_one_shape_from_first_start_to_latest_end() {
    // 1,000 spans of 1 ms every 2 ms, on a 100 s axis: all within ~2 pixels.
    let mut spans: Vec<Span> = (0..1000)
        .map(|i| span(i, i as f64 * 0.002, i as f64 * 0.002 + 0.001))
        .collect();
    spans.push(span(1000, 100.0, 100.0));
    let l = layout_of(spans);
    let vp = Viewport::fit(&l, 1000.0);
    let d = shapes(&l, &vp, &opts(None));
    assert_eq!(covered(&l, &d).len(), 1001);
    let run = &d.spans[0];
    assert_eq!(run.kind, SpanKind::Merged(0..1000));
    assert!((run.x - vp.x_of(0.0)).abs() < 1e-3);
    let right = vp.x_of(999.0 * 0.002 + 0.001);
    assert!((run.x + run.width - right).abs() < 1e-3 || run.width == MIN_PX);
    assert!(d.spans.iter().all(|s| s.width >= MIN_PX));
}

#[test]
fn dense_lanes_cost_what_is_visible_not_the_span_count() {
    let spans: Vec<Span> = (0..200_000)
        .map(|i| span(i, i as f64, i as f64 + 0.5))
        .collect();
    let l = layout_of(spans);
    let vp = Viewport::fit(&l, 1000.0);
    let d = shapes(&l, &vp, &opts(None));
    assert!(d.spans.len() <= 1_100, "{} shapes", d.spans.len());
    assert_eq!(covered(&l, &d).len(), 200_000);
}

#[test]
fn spans_outside_the_view_are_culled() {
    let spans: Vec<Span> = (0..1000)
        .map(|i| span(i, i as f64, i as f64 + 0.5))
        .collect();
    let l = layout_of(spans);
    let vp = Viewport {
        t_start: 100.2,
        secs_per_px: 0.01,
        width: 480.0,
    };
    let d = shapes(&l, &vp, &opts(None));
    assert_eq!(covered(&l, &d), vec![100, 101, 102, 103, 104, 105]);
}

#[test]
fn the_selected_operation_is_drawn_on_its_own_even_inside_a_run() {
    let spans: Vec<Span> = (0..100)
        .map(|i| span(i, i as f64 * 0.001, i as f64 * 0.001 + 0.0005))
        .chain([span(100, 1000.0, 1000.0)])
        .collect();
    let l = layout_of(spans);
    let vp = Viewport::fit(&l, 1000.0);
    let d = shapes(&l, &vp, &opts(Some(42)));
    let sel: Vec<&DrawnSpan> = d.spans.iter().filter(|s| s.selected).collect();
    assert_eq!(sel.len(), 1);
    assert_eq!(d.ops(&l, sel[0]), vec![42]);
    assert!(sel[0].width >= MIN_PX);
    assert!(std::ptr::eq(sel[0], d.spans.last().unwrap()), "drawn last");
}

#[test]
fn span_labels_give_way_to_marker_labels() {
    // A marker in the middle of a wide span: the label stops before it.
    let room = label_room(
        0.0,
        600.0,
        &[(300.0 - MARKER_LEFT_W, 300.0 + MARKER_RIGHT_W)],
        1000.0,
    );
    assert_eq!(room, Some((0.0, 300.0 - MARKER_LEFT_W)));
    // A marker at the span's start: the label starts after the marker's.
    let room = label_room(
        100.0,
        600.0,
        &[(100.0 - MARKER_LEFT_W, 100.0 + MARKER_RIGHT_W)],
        1000.0,
    );
    assert_eq!(room, Some((100.0 + MARKER_RIGHT_W - LABEL_INSET, 600.0)));
    // No room left at all.
    assert_eq!(label_room(100.0, 150.0, &[(90.0, 200.0)], 1000.0), None);
}

#[test]
fn a_divergence_in_a_hidden_lane_is_drawn_in_the_lane_standing_for_it() {
    use crate::timeline::layout::Divergence;
    let mut l = layout_of(vec![span(0, 0.0, 10.0)]);
    // A nested context's lane under the root (whose subtree holds it).
    l.lanes[0].end = 2;
    let mut nested = Lane::new(1, "item".into(), 1);
    nested.op = Some(0);
    nested.end = 2;
    l.lanes.push(nested);
    l.divergence = Some(Divergence {
        invocation: 0,
        t: 5.0,
        lane: 1,
        context: 1,
        position: Some(1),
        found: "send-email".into(),
        op: None,
    });
    let vp = Viewport::fit(&l, 1000.0);
    let shown = |lanes: Vec<usize>| {
        shapes(
            &l,
            &vp,
            &DrawOptions {
                lanes,
                ..opts(None)
            },
        )
        .divergence
        .map(|d| d.lane)
    };
    assert_eq!(shown(vec![0, 1]), Some(1), "its own lane when shown");
    assert_eq!(
        shown(vec![0]),
        Some(0),
        "the root's when the context is folded"
    );
}
