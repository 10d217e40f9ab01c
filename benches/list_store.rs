//! List a 10,000-execution Python testing SQLite store with
//! `durable_lens::load::list_store` (target < 100 ms). Baselines from the same
//! run: `SELECT count(*)` over the table (the floor for touching every row)
//! and parsing every `data` blob with `IgnoredAny` (what listing must NOT do).
//!
//! `cargo bench --bench list_store` measures; under `cargo test --all-targets`
//! it runs once on a small store as a smoke test.

#[path = "../examples/gen/mod.rs"]
mod gen;

use criterion::Criterion;
use rusqlite::{Connection, OpenFlags};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn open_ro(path: &Path) -> Connection {
    match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Ok(c) => c,
        Err(e) => panic!("cannot open {}: {e}", path.display()),
    }
}

/// Open, count, close: the same connection lifecycle `list_store` has.
fn count_rows(path: &Path) -> i64 {
    let conn = open_ro(path);
    conn.query_row("SELECT count(*) FROM executions", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("count(*): {e}"))
}

/// Open and parse every `data` blob (no model building).
fn parse_all_blobs(path: &Path) -> usize {
    let conn = open_ro(path);
    let mut stmt = conn
        .prepare("SELECT data FROM executions")
        .unwrap_or_else(|e| panic!("prepare: {e}"));
    let mut rows = stmt.query([]).unwrap_or_else(|e| panic!("query: {e}"));
    let mut n = 0;
    while let Ok(Some(row)) = rows.next() {
        let data: String = row.get(0).unwrap_or_default();
        let _ = black_box(serde_json::from_str::<serde::de::IgnoredAny>(&data));
        n += 1;
    }
    n
}

fn mean_time(runs: usize, mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    for _ in 0..runs {
        f();
    }
    t.elapsed() / runs as u32
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let executions = if bench_mode { 10_000 } else { 500 };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let db = dir.path().join("store.db");
    if let Err(e) = gen::write_sqlite_store(&db, executions, 7) {
        panic!("cannot build the store {}: {e}", db.display());
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!(
        "store: {executions} executions, {:.1} MB SQLite",
        size as f64 / 1e6
    );

    let listed = durable_lens::load::list_store(&db)
        .unwrap_or_else(|e| panic!("list_store failed on {}: {e}", db.display()));
    assert_eq!(listed.len(), executions, "every execution is listed");
    assert_eq!(count_rows(&db) as usize, executions);

    let runs = if bench_mode { 20 } else { 2 };
    let list = mean_time(runs, || {
        let _ = black_box(durable_lens::load::list_store(black_box(&db)));
    });
    let count = mean_time(runs, || {
        black_box(count_rows(black_box(&db)));
    });
    let blobs = mean_time(runs.min(5), || {
        black_box(parse_all_blobs(black_box(&db)));
    });

    if bench_mode {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args();
        c.bench_function("select_count/10k_executions", |b| {
            b.iter(|| count_rows(&db))
        });
        c.bench_function("list_store/10k_executions", |b| {
            b.iter(|| durable_lens::load::list_store(black_box(&db)))
        });
        c.final_summary();
    }

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let k = executions as f64 / 1000.0;
    println!(
        "list_store: mean {:.2} ms over {runs} runs (target < 100 ms){}",
        ms(list),
        if bench_mode {
            ""
        } else {
            " (smoke run: debug build, small store)"
        }
    );
    println!(
        "RATIO list_store_{k}k = {:.2}x SELECT count(*) ({:.2} ms)",
        ms(list) / ms(count).max(1e-6),
        ms(count)
    );
    println!(
        "RATIO list_store_{k}k = {:.3}x parsing every data blob with IgnoredAny ({:.1} ms): listing does not parse blobs",
        ms(list) / ms(blobs).max(1e-6),
        ms(blobs)
    );
}
