//! Generate the large sample history (and big stores for benchmarks).
//!
//! ```text
//! cargo run --example gen_large_history -- --operations 3000 --out sample-histories/large-3000.history.json
//! cargo run --example gen_large_history -- --sqlite-store 10000 --out /tmp/store.db
//! ```
//! The output is deterministic for given arguments (see `gen/mod.rs`).
#![forbid(unsafe_code)]

#[path = "gen/mod.rs"]
mod gen;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Generate a realistic large durable execution history or SQLite store")]
struct Args {
    /// Operations in the generated history-events file.
    #[arg(long, default_value_t = 3000)]
    operations: usize,
    /// Write a Python testing SQLite store with this many executions instead.
    #[arg(long, value_name = "N")]
    sqlite_store: Option<usize>,
    /// Raw length of each step result payload.
    #[arg(long, default_value_t = 200)]
    payload_bytes: usize,
    /// About how many operations one invocation runs before it suspends.
    #[arg(long, default_value_t = 60)]
    ops_per_invocation: usize,
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(n) = args.sqlite_store {
        gen::write_sqlite_store(&args.out, n, args.seed)
            .with_context(|| format!("writing SQLite store {}", args.out.display()))?;
        println!("wrote {} executions to {}", n, args.out.display());
        return Ok(());
    }
    let spec = gen::EventsSpec {
        operations: args.operations,
        payload_bytes: args.payload_bytes,
        ops_per_invocation: args.ops_per_invocation.max(1),
        seed: args.seed,
    };
    let history = gen::events_history(&spec);
    let invocations = gen::count_invocations(&history);
    let mut bytes = serde_json::to_vec_pretty(&history).context("serialising the history")?;
    bytes.push(b'\n');
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {} operations, {} invocations, {} bytes to {}",
        spec.operations,
        invocations,
        bytes.len(),
        args.out.display()
    );
    Ok(())
}
