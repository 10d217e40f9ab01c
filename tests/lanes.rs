//! The time view's lane tree without a window: lanes follow the context
//! tree, concurrent children are stacked in rows that never overlap, a
//! context with many child contexts is one summary lane (so the lane count
//! stays small) that still holds every operation, collapsing a context hides
//! its lanes, and a non-deterministic run's divergence sits inside the
//! failing invocation's band. Expected values come from the files (their
//! operations, parents and the SDK's error text), not from the layout.

#[path = "../examples/gen/mod.rs"]
mod gen;

use durable_lens::model::{Execution, History};
use durable_lens::replay::analyze;
use durable_lens::timeline::lanes::{pinned, visible, Folds};
use durable_lens::timeline::layout::{MAX_ROWS, SUMMARY_MIN};
use durable_lens::timeline::svg::{render, SvgOptions};
use durable_lens::timeline::TimelineLayout;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

fn load(rel: &str) -> History {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    durable_lens::load::load_path(&p).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn generated(operations: usize) -> History {
    let spec = gen::EventsSpec {
        operations,
        payload_bytes: 16,
        ..gen::EventsSpec::default()
    };
    durable_lens::load::load_bytes("generated", &gen::events_history_bytes(&spec))
        .expect("generated history loads")
}

fn shown(l: &TimelineLayout, collapsed: &HashSet<usize>) -> Vec<usize> {
    let none = HashSet::new();
    visible(
        l,
        Folds {
            collapsed,
            expanded: &none,
        },
    )
}

/// Every operation the file gives a time.
fn timed(e: &Execution) -> BTreeSet<usize> {
    e.operations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.start.is_some() || o.attempts.iter().any(|a| a.start.is_some()))
        .map(|(i, _)| i)
        .collect()
}

/// The operation ids under each operation, from the file's parent ids.
fn children_by_parent(e: &Execution) -> HashMap<String, Vec<usize>> {
    let mut m: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, o) in e.operations.iter().enumerate() {
        if let Some(p) = &o.parent_id {
            m.entry(p.clone()).or_default().push(i);
        }
    }
    m
}

#[test]
fn a_large_history_opens_on_a_few_lanes_that_hold_every_operation() {
    let h = generated(20_000);
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let rows = shown(&l, &HashSet::new());
    // The file: how many contexts sit directly under the root (maps).
    let top_contexts = e
        .operations
        .iter()
        .filter(|o| o.parent_id.is_none() && o.op_type == durable_lens::model::OpType::Context)
        .count();
    assert!(
        top_contexts > SUMMARY_MIN,
        "{top_contexts} maps at the root"
    );
    assert!(
        rows.len() <= MAX_ROWS + 1,
        "{} lanes shown for {} operations",
        rows.len(),
        e.operations.len()
    );
    assert_eq!(l.lanes[rows[0]].label, "root", "the root first");
    assert!(pinned(&l) >= 1);
    let summary = rows
        .iter()
        .find_map(|&r| l.lanes[r].summary.as_ref())
        .expect("a summary lane");
    assert_eq!(summary.contexts, top_contexts);
    // Every timed operation has a span in a lane that is shown.
    let mut covered = BTreeSet::new();
    for &r in &rows {
        covered.extend(l.lanes[r].spans.iter().map(|s| s.op));
    }
    let missing: Vec<usize> = timed(e).difference(&covered).copied().collect();
    assert!(
        missing.is_empty(),
        "{} operations in no lane",
        missing.len()
    );
    // The summary counts what the file holds under the maps: all but the
    // root's own operations.
    let root_ops = e
        .operations
        .iter()
        .filter(|o| o.parent_id.is_none())
        .count();
    assert_eq!(summary.ops, e.operations.len() - root_ops);
    // Its status mix, counted from the file's operations under the maps.
    let under: Vec<_> = e
        .operations
        .iter()
        .filter(|o| o.parent_id.is_some())
        .collect();
    let ok = under
        .iter()
        .filter(|o| o.status == durable_lens::model::OpStatus::Succeeded)
        .count();
    assert_eq!(ok, under.len(), "the generator's operations all succeed");
    let thousands = |n: usize| {
        let s = n.to_string();
        let (head, tail) = s.split_at(s.len() % 3);
        let mut parts: Vec<&str> = if head.is_empty() { vec![] } else { vec![head] };
        parts.extend(
            tail.as_bytes()
                .chunks(3)
                .map(|c| std::str::from_utf8(c).unwrap()),
        );
        parts.join(",")
    };
    assert_eq!(
        summary.mix_text(),
        format!(
            "{} ops: {} succeeded",
            thousands(under.len()),
            thousands(ok)
        )
    );
}

#[test]
fn an_opened_summary_shows_its_contexts_lanes_in_tree_order() {
    let h = generated(2_000);
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let none = HashSet::new();
    let mut open = HashSet::new();
    open.insert(0usize); // the root's summary
    let rows = visible(
        &l,
        Folds {
            collapsed: &none,
            expanded: &open,
        },
    );
    let labels: Vec<&str> = rows
        .iter()
        .map(|&r| l.lanes[r].label.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    // The file's contexts in the order they appear, each map followed by
    // its items (their ids are the file's, their order the file's events).
    let by_parent = children_by_parent(e);
    let mut expected = vec!["root".to_string()];
    let mut stack: Vec<usize> = e
        .operations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.parent_id.is_none() && o.op_type == durable_lens::model::OpType::Context)
        .map(|(i, _)| i)
        .rev()
        .collect();
    while let Some(i) = stack.pop() {
        let o = &e.operations[i];
        expected.push(o.display_name().to_string());
        if let Some(kids) = by_parent.get(&o.id) {
            for &k in kids.iter().rev() {
                if e.operations[k].op_type == durable_lens::model::OpType::Context {
                    stack.push(k);
                }
            }
        }
    }
    // The summary lane's own label stays as the header of what it opened.
    let got: Vec<&str> = labels
        .iter()
        .copied()
        .filter(|s| !s.contains("contexts"))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn concurrent_map_items_are_stacked_in_rows_that_do_not_overlap() {
    for rel in [
        "sample-histories/fanout.history.json",
        "tests/fixtures/python-sdk/fanout.history.json",
    ] {
        let h = load(rel);
        let e = &h.executions[0];
        let a = analyze(e);
        let l = TimelineLayout::build(e, &a);
        let map = e
            .operations
            .iter()
            .position(|o| o.display_name() == "process-items")
            .expect("the map");
        let items: BTreeSet<usize> = children_by_parent(e)[&e.operations[map].id]
            .iter()
            .copied()
            .collect();
        assert!(items.len() >= 4, "{rel}: the map's items");
        let rows: Vec<_> = l.lanes.iter().filter(|ln| ln.op == Some(map)).collect();
        // The file's items overlap in time (they run concurrently).
        let overlapping = items.iter().any(|&i| {
            items.iter().any(|&j| {
                let (x, y) = (&e.operations[i], &e.operations[j]);
                i != j && x.start < y.end && y.start < x.end
            })
        });
        assert!(overlapping, "{rel}: the items run concurrently");
        assert!(rows.len() >= 2, "{rel}: stacked in {} rows", rows.len());
        let mut placed = BTreeSet::new();
        for r in &rows {
            assert_eq!(r.rows as usize, rows.len());
            for w in r.spans.windows(2) {
                assert!(
                    w[0].end <= w[1].start,
                    "{rel}: spans of one row overlap: {} and {}",
                    e.operations[w[0].op].display_name(),
                    e.operations[w[1].op].display_name()
                );
            }
            placed.extend(r.spans.iter().map(|s| s.op));
        }
        assert_eq!(placed, items, "{rel}: every item in the map's rows");
    }
}

#[test]
fn collapsing_a_context_hides_its_lanes_and_keeps_its_span_in_its_parents_lane() {
    let h = load("tests/fixtures/python-sdk/fanout.history.json");
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let map = e
        .operations
        .iter()
        .position(|o| o.display_name() == "process-items")
        .unwrap();
    let all = shown(&l, &HashSet::new());
    let mut c = HashSet::new();
    c.insert(map);
    let folded = shown(&l, &c);
    // The file: the map and its items are contexts, each a lane.
    let under_map: HashSet<String> = children_by_parent(e)[&e.operations[map].id]
        .iter()
        .map(|&i| e.operations[i].id.clone())
        .collect();
    let hidden: Vec<usize> = all
        .iter()
        .filter(|r| !folded.contains(r))
        .copied()
        .collect();
    for &r in &hidden {
        let op = l.lanes[r].op.expect("a context lane");
        let o = &e.operations[op];
        assert!(
            op == map || under_map.contains(&o.id),
            "{} hidden",
            o.display_name()
        );
    }
    assert_eq!(
        hidden.len(),
        all.len() - folded.len(),
        "only the map's lanes go"
    );
    assert!(
        hidden.len() > under_map.len(),
        "the map's rows and its items'"
    );
    // The map's own span is still drawn, in the root's lane.
    let (lane, _) = l.span_of_op[map].expect("the map has a span");
    assert!(folded.contains(&lane));
    assert_eq!(l.lanes[lane].label, "root");
}

#[test]
fn the_divergence_is_the_operation_the_sdk_named_inside_the_failing_band() {
    for rel in [
        "tests/fixtures/js-sdk-cases/nondeterministic.history.json",
        "tests/fixtures/python-sdk/nondeterministic.history.json",
    ] {
        let h = load(rel);
        let e = &h.executions[0];
        let a = analyze(e);
        let l = TimelineLayout::build(e, &a);
        // The SDK's own error text, read from the file (the failed
        // invocation's, else the execution's: the last invocation failed).
        let (k, text) = e
            .invocations
            .iter()
            .enumerate()
            .find_map(|(k, inv)| inv.error.as_ref().map(|er| (k, format!("{er:?}"))))
            .or_else(|| {
                let er = e.error.as_ref()?;
                Some((e.invocations.len().checked_sub(1)?, format!("{er:?}")))
            })
            .expect("a failed invocation");
        assert!(text.contains("send-email"), "{rel}: {text}");
        let dv = l.divergence.as_ref().expect("a divergence");
        assert_eq!(dv.found, "send-email", "{rel}");
        assert_eq!(dv.invocation, k, "{rel}");
        let b = l.bands[k].as_ref().expect("the failing band");
        assert!(dv.t >= b.start && dv.t <= b.end, "{rel}: {} in {b:?}", dv.t);

        // The SVG: the marker's x lies inside the band header's x range.
        let svg = render(
            e,
            &a,
            &l,
            &SvgOptions {
                width: 1200.0,
                invocation: Some(k),
                selected: None,
            },
        );
        let attr = |el: &str, name: &str| -> f32 {
            let i = el.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
            el[i..i + el[i..].find('"').unwrap()].parse().unwrap()
        };
        let el_of = |marker: &str| -> String {
            let i = svg
                .find(marker)
                .unwrap_or_else(|| panic!("{rel}: {marker}"));
            let start = svg[..i].rfind('<').unwrap();
            svg[start..start + svg[start..].find('>').unwrap()].to_string()
        };
        let marker = el_of("data-divergence=\"send-email\"");
        assert!(marker.contains(&format!("data-invocation=\"{}\"", k + 1)));
        let band = el_of(&format!("data-invocation-band=\"{}\"", k + 1));
        let (bx, bw) = (attr(&band, "x"), attr(&band, "width"));
        let mx = attr(&marker, "x") + attr(&marker, "width") / 2.0;
        assert!(
            mx >= bx - 0.01 && mx <= bx + bw + 0.01,
            "{rel}: marker at {mx}, band {bx}..{}",
            bx + bw
        );
    }
}

#[test]
fn an_operation_selected_inside_a_folded_summary_is_drawn_there_outlined() {
    use durable_lens::timeline::draw::{shapes, DrawOptions, Viewport};
    let h = generated(2_000);
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let rows = shown(&l, &HashSet::new());
    let summary = *rows
        .iter()
        .find(|&&r| l.lanes[r].summary.is_some())
        .expect("a summary lane");
    // A step inside a map item (the file: its parent is not at the root).
    let by_id: HashMap<&str, usize> = e
        .operations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    let op = e
        .operations
        .iter()
        .position(|o| {
            o.parent_id
                .as_deref()
                .and_then(|p| by_id.get(p))
                .is_some_and(|&p| e.operations[p].parent_id.is_some())
        })
        .expect("an operation two levels down");
    let d = shapes(
        &l,
        &Viewport::fit(&l, 1000.0),
        &DrawOptions {
            selected: Some(op),
            invocation: None,
            all_markers: false,
            lanes: rows.clone(),
        },
    );
    let sel: Vec<_> = d.spans.iter().filter(|s| s.selected).collect();
    assert_eq!(sel.len(), 1, "drawn once, selected");
    assert_eq!(sel[0].lane, summary);
    assert_eq!(d.ops(&l, sel[0]), vec![op]);
}

#[test]
fn the_svg_of_a_large_history_draws_few_lanes_and_names_every_operation() {
    let h = generated(20_000);
    let e = &h.executions[0];
    let a = analyze(e);
    let l = TimelineLayout::build(e, &a);
    let svg = render(
        e,
        &a,
        &l,
        &SvgOptions {
            width: 1200.0,
            invocation: None,
            selected: None,
        },
    );
    let labels = svg.matches(" data-lane=\"").count();
    assert!(labels <= 3, "{labels} lane labels");
    assert_eq!(svg.matches(" data-summary-contexts=\"").count(), 1);
    // Every timed operation's id is on a drawn element (alone or in a run).
    let mut ids: HashSet<&str> = HashSet::new();
    for attr in [" data-op=\"", " data-ops=\""] {
        for part in svg.split(attr).skip(1) {
            let v = &part[..part.find('"').unwrap()];
            ids.extend(v.split(' '));
        }
    }
    let missing = timed(e)
        .into_iter()
        .filter(|&i| !ids.contains(e.operations[i].id.as_str()))
        .count();
    assert_eq!(missing, 0, "operations on no element of the SVG");
}
