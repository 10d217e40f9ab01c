//! Load a 50,000-operation history-events file (200-byte payloads) and
//! compare with the cheapest possible read of the same bytes,
//! `serde_json::from_slice::<IgnoredAny>`; also the peak heap while loading,
//! as a ratio to the file size. Targets: load <= 3x the raw parse, peak
//! memory <= 3x the file.
//!
//! `cargo bench --bench load` measures (criterion + the printed ratios).
//! Under `cargo test --all-targets` (no `--bench` argument) it runs once on a
//! small history as a smoke test, so CI stays quick.
//!
//! Last measured (2-core VM, otherwise idle; 41.1 MB file, raw parse 32-55
//! ms run to run): load 2.3x-2.4x the raw parse (`RATIO load_events_50k`;
//! 2.0x-2.6x over alternating A/B runs, where the previous serde-only load
//! measured 3.1x-3.5x), 2.7x-2.9x with freeing the history, peak memory
//! 2.10x the file, history kept 0.91x. The file is read by the
//! history-events fast path (`load/fast_events.rs`); what is left is that
//! scan itself (~1.2x: keys, strings, numbers, timestamps), checking the
//! file is UTF-8, and building operations (allocations and writing ~20 MB
//! of operation records). The replay analysis of the loaded history
//! (`RATIO analyze_50k`) takes 0.3x-0.4x the load, down from 4x-8x when it
//! kept a role per operation per invocation.

#[path = "../examples/gen/mod.rs"]
mod gen;

use criterion::Criterion;
use std::hint::black_box;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{COUNTING, LIVE, PEAK};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Median wall times of the raw parse, of the load, and of dropping the
/// loaded history, over `runs` rounds that run each once in turn: a change
/// in the machine's load (2 cores shared with other builds) then hits both
/// sides of the ratio instead of only one.
fn interleaved(runs: usize, bytes: &[u8]) -> (Duration, Duration, Duration) {
    let (mut raw, mut load, mut drop) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let _ = black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(
            bytes,
        )));
        raw.push(t.elapsed());
        let t = Instant::now();
        let h = black_box(durable_lens::load::load_bytes(
            "generated",
            black_box(bytes),
        ));
        load.push(t.elapsed());
        let t = Instant::now();
        std::mem::drop(h);
        drop.push(t.elapsed());
    }
    (median(raw), median(load), median(drop))
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let operations = if bench_mode { 50_000 } else { 2_000 };
    let spec = gen::EventsSpec {
        operations,
        payload_bytes: 200,
        ..Default::default()
    };
    let bytes = gen::events_history_bytes(&spec);
    let mb = bytes.len() as f64 / 1e6;
    println!("history: {operations} operations, {mb:.1} MB of history-events JSON");
    // For `perf record`: only the timed rounds, N times, with no criterion
    // and no allocation counting (LOAD_BENCH_ROUNDS=30 .../load-* --bench).
    if let Some(n) = std::env::var("LOAD_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        COUNTING.store(false, Relaxed);
        let (raw, load, drop_time) = interleaved(n.max(1), &bytes);
        println!(
            "medians of {n} rounds: raw {raw:?}, load {load:?}, drop {drop_time:?}: {:.2}x",
            load.as_secs_f64() / raw.as_secs_f64().max(1e-9)
        );
        return;
    }

    // Correctness first: the generated file loads with every operation.
    let history = match durable_lens::load::load_bytes("generated", &bytes) {
        Ok(h) => h,
        Err(e) => panic!("generated history did not load: {e}"),
    };
    let loaded_ops: usize = history.executions.iter().map(|e| e.operations.len()).sum();
    assert_eq!(loaded_ops, operations, "every generated operation loads");
    drop(history);

    // Peak memory: load from a real file (the read buffer counts, as it does
    // for a user opening the file).
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    };
    let path = dir.path().join("large.history.json");
    if let Err(e) = std::fs::write(&path, &bytes) {
        panic!("cannot write {}: {e}", path.display());
    }
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let loaded = durable_lens::load::load_path(&path);
    let peak = PEAK.load(Relaxed) - base;
    let retained = LIVE.load(Relaxed).saturating_sub(base);
    COUNTING.store(false, Relaxed);
    drop(loaded);
    let peak_ratio = peak as f64 / bytes.len() as f64;
    let kept_ratio = retained as f64 / bytes.len() as f64;

    let runs = if bench_mode { 11 } else { 1 };
    let (baseline, load, drop_time) = interleaved(runs, &bytes);
    let ratio = load.as_secs_f64() / baseline.as_secs_f64().max(1e-9);
    let with_drop = (load + drop_time).as_secs_f64() / baseline.as_secs_f64().max(1e-9);

    if bench_mode {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .configure_from_args();
        let name = format!("{}k_ops", operations / 1000);
        c.bench_function(&format!("raw_parse_ignored_any/{name}"), |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&bytes)))
        });
        c.bench_function(&format!("load_bytes_events/{name}"), |b| {
            b.iter(|| durable_lens::load::load_bytes("generated", black_box(&bytes)))
        });
        c.final_summary();
    }

    // The replay analysis the app and `inspect` run on every load: it used
    // to keep a role per operation per invocation (n x m) and took several
    // times the load; it is now linear, and shown against the load.
    let history = match durable_lens::load::load_bytes("generated", &bytes) {
        Ok(h) => h,
        Err(e) => panic!("generated history did not load: {e}"),
    };
    let mut analysis_times = Vec::new();
    let mut invocations = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let a = black_box(durable_lens::replay::analyze(&history.executions[0]));
        analysis_times.push(t.elapsed());
        invocations = a.invocations.len();
    }
    let analysis = median(analysis_times);

    let k = operations / 1000;
    println!(
        "load_bytes: {:.1} ms (+ {:.1} ms to drop the history), raw parse (IgnoredAny): {:.1} ms{}",
        load.as_secs_f64() * 1e3,
        drop_time.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        if bench_mode {
            ""
        } else {
            " (smoke run: debug build, small input)"
        }
    );
    if !bench_mode {
        println!("(smoke run: a debug build on a small input; the ratios below are not the benchmark, `cargo bench --bench load` is)");
    }
    println!("RATIO load_events_{k}k = {ratio:.2}x raw parse (target <= 3x)");
    println!("RATIO load_and_drop_{k}k = {with_drop:.2}x raw parse (load, then free the history)");
    println!(
        "RATIO analyze_{k}k = {:.2}x the load ({:.1} ms for {operations} operations in {invocations} invocations)",
        analysis.as_secs_f64() / load.as_secs_f64().max(1e-9),
        analysis.as_secs_f64() * 1e3
    );
    println!(
        "RATIO peak_memory_{k}k = {peak_ratio:.2}x file size (target <= 3x); \
         peak {:.1} MB, history kept {:.1} MB ({kept_ratio:.2}x)",
        peak as f64 / 1e6,
        retained as f64 / 1e6
    );
}
