//! The time view's draw list on every sample and fixture, without a
//! window: at fit zoom every operation with a time is covered by a drawn
//! shape (the expected set comes from the file's operations, not from the
//! layout), and every switch marker lies inside its invocation's band.

use durable_lens::model::{Execution, History};
use durable_lens::replay::analyze;
use durable_lens::timeline::draw::{shapes, DrawList, DrawOptions, Viewport, FRESH_START};
use durable_lens::timeline::{AxisKind, TimelineLayout};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every history in sample-histories/ and tests/fixtures/ (recursively).
/// The only files that may fail to load are the companions that are not
/// histories on their own (`*.invocations.json`, READMEs).
fn histories() -> Vec<(PathBuf, History)> {
    let mut files = Vec::new();
    let mut dirs = vec![
        root().join("sample-histories"),
        root().join("tests/fixtures"),
    ];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("readable folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_none_or(|x| x != "md") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for p in files {
        match durable_lens::load::load_path(&p) {
            Ok(h) => out.push((p, h)),
            Err(e) => assert!(
                p.to_string_lossy().ends_with(".invocations.json"),
                "{} does not load: {e}",
                p.display()
            ),
        }
    }
    assert!(out.len() >= 25, "only {} histories found", out.len());
    out
}

/// The operations a view of the whole execution must show: every one the
/// file gives a time (its own start, or an attempt's).
fn timed_ops(e: &Execution) -> BTreeSet<usize> {
    e.operations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.start.is_some() || o.attempts.iter().any(|a| a.start.is_some()))
        .map(|(i, _)| i)
        .collect()
}

fn covered(l: &TimelineLayout, d: &DrawList) -> BTreeSet<usize> {
    d.spans.iter().flat_map(|s| d.ops(l, s)).collect()
}

fn draw(l: &TimelineLayout, invocation: Option<usize>, selected: Option<usize>) -> DrawList {
    shapes(
        l,
        &Viewport::fit(l, 1000.0),
        &DrawOptions {
            selected,
            invocation,
            all_markers: false,
            lanes: (0..l.lanes.len()).collect(),
        },
    )
}

#[test]
fn at_fit_zoom_every_timed_operation_of_every_history_is_drawn() {
    let mut checked = 0;
    for (path, h) in histories() {
        for (k, e) in h.executions.iter().enumerate() {
            let a = analyze(e);
            let mut l = TimelineLayout::build(e, &a);
            for axis in [AxisKind::Real, AxisKind::Compressed] {
                l.set_axis(axis);
                let d = draw(&l, Some(0), None);
                let expected = timed_ops(e);
                let got = covered(&l, &d);
                let missing: Vec<&str> = expected
                    .difference(&got)
                    .map(|&i| e.operations[i].display_name())
                    .collect();
                assert!(
                    missing.is_empty(),
                    "{} execution {} on the {axis:?} axis: not drawn at fit: {missing:?}",
                    path.display(),
                    k + 1
                );
                assert!(d.spans.iter().all(|s| s.width >= 1.0));
                checked += expected.len();
            }
        }
    }
    assert!(checked > 3000, "{checked} operations checked");
}

#[test]
fn the_default_samples_wait_is_drawn_from_its_start_to_its_end() {
    let h = durable_lens::load::load_path(&root().join("sample-histories/order-flow.history.json"))
        .unwrap();
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let vp = Viewport::fit(&l, 1000.0);
    let d = draw(&l, Some(0), None);
    let wait = e
        .operations
        .iter()
        .position(|o| o.op_type == durable_lens::model::OpType::Wait)
        .expect("a wait");
    let shape = d
        .spans
        .iter()
        .find(|s| d.ops(&l, s) == vec![wait])
        .expect("the wait has a shape of its own");
    // Its place from the file's own timestamps (WaitStarted, WaitSucceeded).
    let o = &e.operations[wait];
    let rel = |t: durable_lens::model::Ts| (t.micros() - l.t0) as f64 / 1e6;
    let x0 = vp.x_of(rel(o.start.unwrap()));
    let x1 = vp.x_of(rel(o.end.unwrap()));
    assert!((shape.x - x0).abs() < 0.01, "{} vs {x0}", shape.x);
    assert!((shape.width - (x1 - x0).max(2.0)).abs() < 0.01);
}

#[test]
fn every_switch_marker_lies_inside_its_invocation_band() {
    let mut markers = 0;
    for (path, h) in histories() {
        for e in &h.executions {
            let a = analyze(e);
            let l = TimelineLayout::build(e, &a);
            for inv in 0..a.invocations.len() {
                let d = draw(&l, Some(inv), None);
                for m in &d.markers {
                    assert_eq!(m.invocation, inv, "only the selected invocation's markers");
                    let b = d
                        .bands
                        .iter()
                        .find(|b| b.invocation == m.invocation)
                        .expect("the marker's band is drawn");
                    assert!(
                        m.x >= b.x - 0.01 && m.x <= b.x + b.width + 0.01,
                        "{}: invocation {} marker at x={} outside its band {}..{}",
                        path.display(),
                        inv + 1,
                        m.x,
                        b.x,
                        b.x + b.width
                    );
                    markers += 1;
                }
                // A fresh start says so once, and has no markers.
                let replayed = a.invocations[inv].counts().0;
                let notes = d.notes.iter().filter(|n| n.invocation == inv).count();
                if l.bands[inv].is_some() {
                    assert_eq!(notes, usize::from(replayed == 0), "{}", path.display());
                }
                if replayed == 0 {
                    assert!(d.markers.is_empty());
                }
            }
        }
    }
    assert!(markers > 20, "{markers} markers checked");
}

#[test]
fn order_flow_invocation_one_is_a_fresh_start_and_two_switches_at_send_notification() {
    for rel in [
        "tests/fixtures/js-sdk/order-flow.history.json",
        "tests/fixtures/python-sdk/order-flow.history.json",
    ] {
        let h = durable_lens::load::load_path(Path::new(&root().join(rel))).unwrap();
        let e = &h.executions[0];
        let a = analyze(e);
        let l = TimelineLayout::build(e, &a);
        let one = draw(&l, Some(0), None);
        assert!(
            one.markers.is_empty(),
            "{rel}: invocation 1 replayed nothing"
        );
        assert_eq!(one.notes.len(), 1, "{rel}");
        assert_eq!(one.notes[0].invocation, 0);
        assert!(!FRESH_START.is_empty());
        let two = draw(&l, Some(1), None);
        assert!(two.notes.is_empty(), "{rel}");
        let root_marker = two
            .markers
            .iter()
            .find(|m| m.context == 0)
            .expect("a root marker in invocation 2");
        assert_eq!(
            e.operations[root_marker.op].display_name(),
            "send-notification"
        );
        assert_eq!(root_marker.position, 4);
    }
}

#[test]
fn the_compressed_axis_shrinks_the_python_samples_cool_off_to_a_break_named_for_it() {
    let h = durable_lens::load::load_path(
        &root().join("sample-histories/order-flow.python.history.json"),
    )
    .unwrap();
    let e = &h.executions[0];
    let a = analyze(e);
    let mut l = TimelineLayout::build(e, &a);
    // The file's own numbers: the wait's name and the idle time between
    // invocation 1's end and invocation 2's start.
    let wait = e
        .operations
        .iter()
        .find(|o| o.op_type == durable_lens::model::OpType::Wait)
        .unwrap();
    let w = &a.invocations;
    let idle =
        (w[1].window.start.unwrap().micros() - w[0].window.end.unwrap().micros()) as f64 / 1e6;
    assert!(idle > 200.0, "{idle}");
    assert_eq!(l.default_axis(), AxisKind::Compressed);
    let real_fit = Viewport::fit(&l, 1000.0);
    let inv2_real = (l.bands[1].as_ref().unwrap().end - l.bands[1].as_ref().unwrap().start)
        / real_fit.secs_per_px;
    l.set_axis(AxisKind::Compressed);
    let gaps = &l.axis.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(
        (gaps[0].secs() - idle).abs() < 1e-3,
        "{} vs {idle}",
        gaps[0].secs()
    );
    assert_eq!(gaps[0].what, format!("wait '{}'", wait.display_name()));
    assert!(
        gaps[0].label().starts_with("… 4m 59s · wait"),
        "{}",
        gaps[0].label()
    );
    let d = draw(&l, Some(1), None);
    assert_eq!(d.breaks.len(), 1);
    // Invocation 2 went from a sliver to readable width.
    let inv2 = d.bands.iter().find(|b| b.invocation == 1).unwrap();
    assert!(
        inv2_real < 2.0 && inv2.width > 100.0,
        "{inv2_real} → {}",
        inv2.width
    );
    // Both bands keep their own length in seconds (time inside stays linear).
    for (b, inv) in l.bands.iter().flatten().zip(w) {
        let secs =
            (inv.window.end.unwrap().micros() - inv.window.start.unwrap().micros()) as f64 / 1e6;
        assert!(((b.end - b.start) - secs).abs() < 1e-6);
    }
}

#[test]
fn the_inferred_part_of_a_python_window_is_hatched_up_to_what_it_ran() {
    let h = durable_lens::load::load_path(
        &root().join("sample-histories/retries.python.history-cli.json"),
    )
    .unwrap();
    let e = &h.executions[0];
    let a = analyze(e);
    let mut l = TimelineLayout::build(e, &a);
    let step = e
        .operations
        .iter()
        .find(|o| o.attempts.len() > 1)
        .expect("the retried step");
    for axis in [AxisKind::Real, AxisKind::Compressed] {
        l.set_axis(axis);
        let d = draw(&l, None, None);
        let vp = Viewport::fit(&l, 1000.0);
        for inv in &a.invocations {
            let b = d.bands.iter().find(|b| b.invocation == inv.index).unwrap();
            assert!(
                inv.window.start_inferred,
                "the Python runner records no windows"
            );
            // Hatched from the band's (inferred) start to the attempt the
            // invocation ran, as the file times it.
            let at = step
                .attempts
                .iter()
                .find(|at| at.invocation == Some(inv.index))
                .and_then(|at| at.start)
                .expect("one attempt per invocation");
            let x = vp.x_of(l.u(l.secs(at)));
            let first = b.hatched.first().expect("an inferred part");
            assert!(
                (first.0 - b.x).abs() < 0.5,
                "{axis:?} {first:?} band at {}",
                b.x
            );
            assert!(
                (first.1 - x).abs() < 0.5,
                "{axis:?} hatched to {} not {x}",
                first.1
            );
        }
    }
    // A recorded window (the JS runner's) is not hatched at all.
    let h = durable_lens::load::load_path(&root().join("sample-histories/retries.history.json"))
        .unwrap();
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let d = draw(&l, None, None);
    assert!(!d.bands.is_empty());
    assert!(d.bands.iter().all(|b| b.hatched.is_empty()));
}
