//! `durable-lens timeline FILE -o OUT.svg` on the real samples and fixtures,
//! held to the documented contract by parsing the SVG: every operation of
//! the execution (as the loader reads the file) appears in a `data-op` or
//! `data-ops`, every invocation window has its `data-invocation-band`, and
//! every `data-switch-invocation` marker lies inside its band.

use durable_lens::model::Execution;
use durable_lens::replay::analyze;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn timeline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_durable-lens"))
        .arg("timeline")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Run `timeline` and parse what it wrote.
fn svg_of(file: &Path, extra: &[&str], out: &Path) -> String {
    let mut args = vec![file.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = timeline(&args);
    assert!(
        o.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).expect("the SVG was written")
}

fn num(n: roxmltree::Node, attr: &str) -> f64 {
    n.attribute(attr)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{attr} on {:?}", n.tag_name()))
}

/// What the SVG claims: op ids drawn, band x ranges, markers.
struct Drawn {
    ids: BTreeSet<String>,
    /// Operations drawn on their own (`data-op`).
    single: BTreeSet<String>,
    bands: BTreeMap<usize, (f64, f64)>,
    markers: Vec<(usize, String, f64, f64)>,
    fresh: Vec<usize>,
    /// Per operation id drawn on its own: its attempt numbers drawn.
    attempts: BTreeMap<String, Vec<u32>>,
    /// `data-axis` on the root.
    axis: String,
    /// Break marks: (x0, x1, real seconds, what).
    breaks: Vec<(f64, f64, f64, String)>,
    /// The image's size.
    size: (f64, f64),
}

fn read(svg: &str) -> Drawn {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let mut d = Drawn {
        ids: BTreeSet::new(),
        single: BTreeSet::new(),
        bands: BTreeMap::new(),
        markers: Vec::new(),
        fresh: Vec::new(),
        attempts: BTreeMap::new(),
        axis: doc
            .root_element()
            .attribute("data-axis")
            .expect("data-axis on the root")
            .to_string(),
        breaks: Vec::new(),
        size: (
            num(doc.root_element(), "width"),
            num(doc.root_element(), "height"),
        ),
    };
    for n in doc.descendants().filter(|n| n.is_element()) {
        if let Some(id) = n.attribute("data-op") {
            assert!(n.attribute("data-invocation").is_some(), "span {id}");
            assert!(num(n, "width") >= 1.0);
            d.ids.insert(id.to_string());
            d.single.insert(id.to_string());
        }
        if let Some(ids) = n.attribute("data-ops") {
            assert!(num(n, "width") >= 1.0);
            d.ids.extend(ids.split(' ').map(str::to_string));
        }
        if let Some(k) = n.attribute("data-invocation-band") {
            let x = num(n, "x");
            d.bands.insert(k.parse().unwrap(), (x, x + num(n, "width")));
        }
        if let Some(k) = n.attribute("data-switch-invocation") {
            let ctx = n
                .attribute("data-context")
                .expect("data-context")
                .to_string();
            d.markers
                .push((k.parse().unwrap(), ctx, num(n, "x"), num(n, "width")));
        }
        if n.attribute("data-break").is_some() {
            let x = num(n, "x");
            let what = n.attribute("data-break-what").expect("data-break-what");
            assert!(
                n.attribute("data-break-label")
                    .is_some_and(|l| l.starts_with('…') && l.ends_with(what)),
                "break label"
            );
            d.breaks.push((
                x,
                x + num(n, "width"),
                num(n, "data-break-secs"),
                what.to_string(),
            ));
        }
        if let Some(k) = n.attribute("data-fresh-start") {
            d.fresh.push(k.parse().unwrap());
        }
        if let Some(k) = n.attribute("data-attempt") {
            let of = n.attribute("data-attempt-of").expect("data-attempt-of");
            d.attempts
                .entry(of.to_string())
                .or_default()
                .push(k.parse().unwrap());
        }
    }
    d
}

/// Every (file, 1-based execution) in sample-histories/ and tests/fixtures/.
fn cases() -> Vec<(PathBuf, usize, Execution)> {
    let mut files = Vec::new();
    let mut dirs = vec![
        root().join("sample-histories"),
        root().join("tests/fixtures"),
    ];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_none_or(|x| x != "md")
                && !p.to_string_lossy().ends_with(".invocations.json")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for p in files {
        let h = durable_lens::load::load_path(&p).unwrap_or_else(|e| panic!("{e}"));
        for (k, e) in h.executions.into_iter().enumerate() {
            out.push((p.clone(), k + 1, e));
        }
    }
    out
}

#[test]
fn every_operation_band_and_switch_of_every_history_is_in_its_svg() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    let mut markers = 0;
    let mut attempts = 0;
    let mut breaks = 0;
    let cases = cases();
    for ((i, (path, k, e)), axis) in cases
        .iter()
        .enumerate()
        .flat_map(|c| [(c, "real"), (c, "compressed")])
    {
        let out = dir.path().join(format!("{i}-{axis}.svg"));
        // Picked by ARN, which names one execution whatever the order a
        // store lists them in.
        let sel = e.arn.clone().unwrap_or_else(|| k.to_string());
        let d = read(&svg_of(path, &["--execution", &sel, "--axis", axis], &out));
        let what = format!("{} execution {k} on the {axis} axis", path.display());
        assert_eq!(d.axis, axis, "{what}");
        let expected: BTreeSet<String> = e
            .operations
            .iter()
            .filter(|o| o.start.is_some() || o.attempts.iter().any(|a| a.start.is_some()))
            .map(|o| o.id.clone())
            .collect();
        let missing: Vec<&String> = expected.difference(&d.ids).collect();
        assert!(missing.is_empty(), "{what}: not in the SVG: {missing:?}");
        let a = analyze(e);
        let windows: BTreeSet<usize> = a
            .invocations
            .iter()
            .filter(|inv| inv.window.start.is_some())
            .map(|inv| inv.index + 1)
            .collect();
        assert_eq!(
            d.bands.keys().copied().collect::<BTreeSet<_>>(),
            windows,
            "{what}: one band per invocation window"
        );
        for (inv, ctx, x, w) in &d.markers {
            let (b0, b1) = d.bands[inv];
            assert!(
                *x >= b0 - 1.5 && x + w <= b1 + 1.5,
                "{what}: invocation {inv} switch in {ctx} at {x}..{} outside its band {b0}..{b1}",
                x + w
            );
        }
        // A retried step drawn on its own shows each attempt, numbered as
        // the file numbers them (in a merged run of sub-pixel spans it is
        // listed in data-ops and its attempts are too small to draw).
        for o in e.operations.iter().filter(|o| o.attempts.len() > 1) {
            if !d.single.contains(&o.id) {
                continue;
            }
            let numbers: Vec<u32> = o
                .attempts
                .iter()
                .filter(|a| a.start.is_some())
                .map(|a| a.number)
                .collect();
            assert_eq!(d.attempts.get(&o.id), Some(&numbers), "{what}: {}", o.id);
            attempts += numbers.len();
        }
        // A break is idle time: it overlaps no invocation band.
        if axis == "real" {
            assert!(d.breaks.is_empty(), "{what}: breaks on the real axis");
        }
        for (x0, x1, secs, gap) in &d.breaks {
            assert!(*secs > 0.0 && x1 > x0, "{what}: break {gap}");
            for (inv, (b0, b1)) in &d.bands {
                assert!(
                    *x1 <= b0 + 1.5 || *x0 >= b1 - 1.5,
                    "{what}: break {gap} at {x0}..{x1} over invocation {inv}'s band {b0}..{b1}"
                );
            }
        }
        breaks += d.breaks.len();
        checked += expected.len();
        markers += d.markers.len();
    }
    assert!(breaks > 20, "{breaks} breaks");
    assert!(checked > 6000, "{checked} operations");
    assert!(markers > 40, "{markers} markers");
    assert!(attempts > 20, "{attempts} attempts");
}

#[test]
fn one_invocation_shows_its_switches_only_and_a_fresh_start_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("tests/fixtures/js-sdk/order-flow.history.json");
    let one = read(&svg_of(
        &file,
        &["--invocation", "1"],
        &dir.path().join("1.svg"),
    ));
    assert!(one.markers.is_empty(), "invocation 1 replayed nothing");
    assert_eq!(one.fresh, vec![1]);
    let two = read(&svg_of(
        &file,
        &["--invocation", "2", "--width", "800"],
        &dir.path().join("2.svg"),
    ));
    assert!(two.fresh.is_empty());
    assert!(!two.markers.is_empty());
    assert!(two.markers.iter().all(|m| m.0 == 2));
    assert!(two.markers.iter().any(|m| m.1 == "root"));
}

#[test]
fn bad_arguments_are_refused_with_the_file_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("tests/fixtures/js-sdk/order-flow.history.json");
    let f = file.to_str().unwrap();
    let out = dir.path().join("x.svg");
    let o = timeline(&[f, "--invocation", "9", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("order-flow.history.json") && err.contains("expected 1 to 2"),
        "{err}"
    );
    assert!(!out.exists());
    let png = dir.path().join("x.pdf");
    let o = timeline(&[f, "-o", png.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("expected an output file ending in .svg or .png"));
    let store = root().join("sample-histories/python-store.db");
    let o = timeline(&[store.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pick one with --execution"));
}

#[test]
fn the_python_cool_off_is_one_break_and_the_png_is_the_same_picture() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("sample-histories/order-flow.python.history.json");
    let h = durable_lens::load::load_path(&file).unwrap();
    let a = analyze(&h.executions[0]);
    let w = &a.invocations;
    // The file's own numbers: the time between invocation 1's end and 2's start.
    let idle =
        (w[1].window.start.unwrap().micros() - w[0].window.end.unwrap().micros()) as f64 / 1e6;
    let svg = svg_of(&file, &[], &dir.path().join("c.svg"));
    let d = read(&svg);
    assert_eq!(d.axis, "compressed", "the default when waits dominate");
    assert_eq!(d.breaks.len(), 1);
    let (x0, x1, secs, what) = &d.breaks[0];
    assert!((secs - idle).abs() < 1e-3, "{secs} vs {idle}");
    assert_eq!(what, "wait 'cool-off'");
    // Between invocation 1's band and 2's.
    assert!((x0 - d.bands[&1].1).abs() < 1.5 && (x1 - d.bands[&2].0).abs() < 1.5);
    let real = read(&svg_of(
        &file,
        &["--axis", "real"],
        &dir.path().join("r.svg"),
    ));
    assert!(real.breaks.is_empty());
    let w2 = |d: &Drawn| d.bands[&2].1 - d.bands[&2].0;
    assert!(
        w2(&real) < 3.0 && w2(&d) > 100.0,
        "{} → {}",
        w2(&real),
        w2(&d)
    );

    let png = dir.path().join("c.png");
    let o = timeline(&[file.to_str().unwrap(), "-o", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&png).unwrap();
    let img = resvg::tiny_skia::Pixmap::decode_png(&bytes).expect("a PNG");
    assert_eq!((img.width() as f64, img.height() as f64), d.size);
    // The pixels are the SVG's: invocation 2's band header is blue, the
    // break between the bands grey, the background white.
    let px = |x: f64, y: f64| img.pixel(x as u32, y as u32).unwrap();
    let band_y = 22.0 + 16.0 + 10.0;
    let b = px((d.bands[&2].0 + d.bands[&2].1) / 2.0, band_y);
    assert!(b.blue() > b.red() + 30, "band {b:?}");
    let g = px((x0 + x1) / 2.0, d.size.1 - 3.0);
    assert!(
        g.red() < 250 && (g.red() as i32 - g.blue() as i32).abs() < 12,
        "break {g:?}"
    );
    let white = px(d.size.0 - 2.0, 2.0);
    assert_eq!((white.red(), white.green(), white.blue()), (255, 255, 255));
}

#[test]
fn unnamed_operations_are_named_after_their_parent_as_in_the_table() {
    // The JS SDK's wait-for-callback writes its callback and submitter
    // without names, under the named 'manager-approval' (the file's own
    // ParentId and Name): the SVG names them after it, never by a bare id.
    let file = root().join("sample-histories/callback-flow.history.json");
    let dir = tempfile::tempdir().unwrap();
    let svg = svg_of(&file, &[], &dir.path().join("t.svg"));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let h = durable_lens::load::load_path(&file).unwrap();
    let e = &h.executions[0];
    let mut checked = 0;
    for o in e.operations.iter().filter(|o| o.name.is_none()) {
        let Some(parent) = o
            .parent_id
            .as_deref()
            .and_then(|p| e.operations.iter().find(|x| x.id == p))
            .and_then(|p| p.name.clone())
        else {
            continue;
        };
        let el = doc
            .descendants()
            .find(|n| n.attribute("data-op") == Some(o.id.as_str()))
            .unwrap_or_else(|| panic!("{} has an element", o.id));
        let title = el
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or_default();
        assert!(
            title.starts_with(&format!("{parent} › ")),
            "{}: {title}",
            o.id
        );
        checked += 1;
    }
    assert_eq!(checked, 2, "the callback and the submitter");
}
