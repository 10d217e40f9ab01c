//! Nesting depth and ParentId cycles: a chain of contexts thousands deep
//! loads and analyses in time and memory linear in its length, and cycles
//! or self-parents are reported naming the ids, never a hang or an abort.
//! A test binary of its own so its counting allocator sees only these tests.

use durable_lens::load::load_bytes;
use durable_lens::replay::analyze;
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Counts the bytes allocated by the current thread (live and peak), so
/// tests running in parallel do not see each other's allocations.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn note(delta: isize) {
    // `try_with`: the allocator may run while the thread's locals are torn down.
    let _ = LIVE.try_with(|l| {
        let now = l.get() + delta;
        l.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is forwarded to `System` unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Run `f`, returning its result, wall time and the peak bytes it had live
/// beyond what was live before.
fn measure<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    let peak = PEAK.with(Cell::get) - base;
    (out, took, peak.max(0) as usize)
}

/// A history-events document: the execution, then `depth` contexts each
/// inside the previous one, a step in the innermost, and everything closed.
fn chain(depth: usize) -> String {
    let mut evs = vec![json!({
        "EventType": "ExecutionStarted", "EventTimestamp": 1795534421.0, "EventId": 1,
        "Id": "exec", "Name": "deep",
        "ExecutionStartedDetails": {"Input": {"Payload": "{}"}}
    })];
    let id = |i: usize| format!("ctx-{i}");
    for i in 0..depth {
        let mut e = json!({
            "EventType": "ContextStarted", "EventTimestamp": 1795534421.5,
            "EventId": evs.len() + 1, "SubType": "RunInChildContext",
            "Id": id(i), "Name": format!("level-{i}"), "ContextStartedDetails": {}
        });
        if i > 0 {
            e["ParentId"] = json!(id(i - 1));
        }
        evs.push(e);
    }
    let inner = depth.checked_sub(1).map(id);
    for (t, d) in [
        ("StepStarted", "StepStartedDetails"),
        ("StepSucceeded", "StepSucceededDetails"),
    ] {
        evs.push(json!({
            "EventType": t, "EventTimestamp": 1795534422.0, "EventId": evs.len() + 1,
            "SubType": "Step", "Id": "leaf", "Name": "leaf", "ParentId": inner, d: {}
        }));
    }
    for i in (0..depth).rev() {
        let mut e = json!({
            "EventType": "ContextSucceeded", "EventTimestamp": 1795534423.0,
            "EventId": evs.len() + 1, "SubType": "RunInChildContext",
            "Id": id(i), "Name": format!("level-{i}"), "ContextSucceededDetails": {}
        });
        if i > 0 {
            e["ParentId"] = json!(id(i - 1));
        }
        evs.push(e);
    }
    evs.push(json!({"EventType": "InvocationCompleted", "EventTimestamp": 1795534423.5, "EventId": evs.len() + 1}));
    evs.push(json!({
        "EventType": "ExecutionSucceeded", "EventTimestamp": 1795534424.0, "EventId": evs.len() + 1,
        "Id": "exec", "Name": "deep", "ExecutionSucceededDetails": {"Result": {"Payload": "{}"}}
    }));
    json!({ "Events": evs }).to_string()
}

#[test]
fn a_ten_thousand_deep_chain_loads_and_analyses_in_linear_time_and_memory() {
    let doc = chain(10_000);
    let ((ops, contexts, depth), took, peak) = measure(|| {
        let h = load_bytes("deep.json", doc.as_bytes()).expect("loads");
        let e = &h.executions[0];
        let a = analyze(e);
        let leaf = e.op_index("leaf").expect("leaf");
        (e.operations.len(), a.contexts.len(), a.places[leaf].depth)
    });
    println!(
        "10,000-deep chain ({} bytes): {took:?}, peak {} MB allocated",
        doc.len(),
        peak >> 20
    );
    // Independent of our output: the document has 10,000 contexts and a step.
    assert_eq!(ops, 10_001);
    assert_eq!(contexts, 10_001, "the root plus one per context");
    assert_eq!(depth, 10_000, "the leaf sits 10,000 contexts down");
    // Before: 57 s and 13 GB (quadratic path copies). Unoptimised builds are
    // slower: a looser time bound there, the same memory bound.
    let bound = if cfg!(debug_assertions) { 5 } else { 1 };
    assert!(took < Duration::from_secs(bound), "took {took:?}");
    assert!(peak < 200 << 20, "peak {} MB", peak >> 20);
}

#[test]
fn a_hundred_thousand_deep_chain_loads_and_analyses_without_recursion() {
    // A thread with a small stack: recursion on depth would overflow it.
    let doc = chain(100_000);
    let t = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            measure(|| {
                let h = load_bytes("deeper.json", doc.as_bytes()).expect("loads");
                let e = &h.executions[0];
                let a = analyze(e);
                let leaf = e.op_index("leaf").expect("leaf");
                // Walk the parents up: every level is there.
                let mut levels = 0;
                let mut c = a.places[leaf].context;
                while let Some(p) = a.contexts[c].parent {
                    levels += 1;
                    c = p;
                }
                (a.places[leaf].depth, levels)
            })
        })
        .unwrap();
    let ((depth, key_len), took, peak) = t.join().expect("no stack overflow");
    println!("100,000-deep chain: {took:?}, peak {} MB", peak >> 20);
    assert_eq!(depth, 100_000);
    assert_eq!(key_len, 100_000, "every level is in the tree");
    assert!(peak < 1 << 30, "peak {} MB", peak >> 20);
}

/// Contexts whose ParentIds are given: `(id, parent)`, in event order.
fn contexts_with_parents(parents: &[(String, Option<String>)]) -> String {
    let mut evs = vec![json!({
        "EventType": "ExecutionStarted", "EventTimestamp": 1795534421.0, "EventId": 1,
        "Id": "exec", "Name": "cyclic", "ExecutionStartedDetails": {}
    })];
    for (id, parent) in parents {
        evs.push(json!({
            "EventType": "ContextStarted", "EventTimestamp": 1795534421.5,
            "EventId": evs.len() + 1, "SubType": "RunInChildContext",
            "Id": id, "Name": id, "ParentId": parent, "ContextStartedDetails": {}
        }));
    }
    json!({ "Events": evs }).to_string()
}

#[test]
fn parent_id_cycles_and_self_parents_are_reported_by_id() {
    let s = |x: &str| x.to_string();
    let doc = contexts_with_parents(&[
        (s("a"), Some(s("b"))),
        (s("b"), Some(s("a"))),
        (s("me"), Some(s("me"))),
        (s("fine"), None),
        (s("child"), Some(s("fine"))),
    ]);
    let h = load_bytes("cycle.json", doc.as_bytes()).expect("loads");
    let cycle: Vec<_> = h.warnings.iter().filter(|w| w.contains("cycle")).collect();
    assert_eq!(cycle.len(), 1, "{:?}", h.warnings);
    assert!(cycle[0].contains("a → b → a"), "{}", cycle[0]);
    let selfs: Vec<_> = h
        .warnings
        .iter()
        .filter(|w| w.contains("themselves"))
        .collect();
    assert_eq!(selfs.len(), 1, "{:?}", h.warnings);
    assert!(selfs[0].ends_with(": me"), "{}", selfs[0]);
    assert!(
        !h.warnings.iter().any(|w| w.contains("fine")),
        "a plain parent is no warning: {:?}",
        h.warnings
    );
    // Every operation is still placed.
    let e = &h.executions[0];
    let a = analyze(e);
    assert_eq!(a.places.len(), 5);
    let child = e.op_index("child").unwrap();
    assert_eq!(a.places[child].depth, 1);
}

#[test]
fn a_hundred_thousand_long_parent_id_cycle_is_reported_not_an_abort() {
    let n = 100_000;
    let id = |i: usize| format!("c-{i}");
    let parents: Vec<(String, Option<String>)> =
        (0..n).map(|i| (id(i), Some(id((i + 1) % n)))).collect();
    let doc = contexts_with_parents(&parents);
    let t = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            measure(|| {
                let h = load_bytes("long-cycle.json", doc.as_bytes()).expect("loads");
                let a = analyze(&h.executions[0]);
                (h.warnings, a.places.len())
            })
        })
        .unwrap();
    let ((warnings, placed), took, peak) = t.join().expect("no stack overflow");
    println!("100,000-long cycle: {took:?}, peak {} MB", peak >> 20);
    assert_eq!(placed, n);
    let w: Vec<_> = warnings.iter().filter(|w| w.contains("cycle")).collect();
    assert_eq!(w.len(), 1, "{warnings:?}");
    assert!(
        w[0].contains("c-0 → c-1 → c-2 → c-3 → ... (100000 operations) → c-0"),
        "{}",
        w[0]
    );
    assert!(peak < 1 << 30, "peak {} MB", peak >> 20);
}

#[cfg(feature = "gui")]
#[test]
fn the_app_prepares_a_ten_thousand_deep_chain_in_linear_time_and_memory() {
    use durable_lens::ui::doc::Doc;
    let doc = chain(10_000);
    let h = load_bytes("deep.json", doc.as_bytes()).expect("loads");
    let (label, took, peak) = measure(|| {
        let d = Doc::build(h, 0, None, None);
        let leaf = d.history.executions[0].op_index("leaf").unwrap();
        d.position_label(leaf)
    });
    println!(
        "app view of the 10,000-deep chain: {took:?}, peak {} MB",
        peak >> 20
    );
    // `1.1.1…` : the leaf is first at every level.
    assert_eq!(label.split('.').count(), 10_001);
    assert!(label.split('.').all(|p| p == "1"), "{}", &label[..40]);
    let bound = if cfg!(debug_assertions) { 5 } else { 1 };
    assert!(took < Duration::from_secs(bound), "took {took:?}");
    assert!(peak < 200 << 20, "peak {} MB", peak >> 20);
}

#[test]
fn a_ten_thousand_deep_chain_diffs_against_itself_in_linear_memory() {
    use durable_lens::diff::{diff, execution_sequence, DiffOptions};
    let doc = chain(10_000);
    let h = load_bytes("deep.json", doc.as_bytes()).expect("loads");
    let e = &h.executions[0];
    let a = analyze(e);
    let ((rows, consistent, leaf_key), took, peak) = measure(|| {
        let left = execution_sequence(e, &a);
        let right = execution_sequence(e, &a);
        let report = diff(&left, &right, DiffOptions::default());
        let leaf = left
            .iter()
            .find(|s| s.sig.name.as_deref() == Some("leaf"))
            .unwrap();
        (report.rows.len(), report.is_consistent(), leaf.key().len())
    });
    println!(
        "diff of the 10,000-deep chain: {took:?}, peak {} MB",
        peak >> 20
    );
    assert_eq!(rows, 10_001);
    assert!(consistent);
    assert_eq!(leaf_key, 10_000, "the leaf's path, asked for, is whole");
    let bound = if cfg!(debug_assertions) { 10 } else { 2 };
    assert!(took < Duration::from_secs(bound), "took {took:?}");
    assert!(peak < 200 << 20, "peak {} MB", peak >> 20);
}
