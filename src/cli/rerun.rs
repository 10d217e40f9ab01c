//! `durable-lens rerun`: placeholder wiring until the re-run engine lands.

use anyhow::{bail, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct RerunArgs {
    /// The recorded history to re-run against.
    pub history: PathBuf,
    /// The handler command line (reads the invocation event on stdin, writes the output on stdout).
    #[arg(long)]
    pub handler: String,
}

pub fn run(_args: &RerunArgs) -> Result<i32> {
    bail!("rerun is not available in this build")
}
