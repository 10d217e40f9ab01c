//! The headless command line: `inspect`, `check`, `diff`, `list`, `export`,
//! `rerun` and `timeline`. Exit codes follow ripgrep's convention: 0 fine, 1 found a
//! violation, 2 could not read an input.

mod check;
mod diff;
mod inspect;
mod list;
mod output;
pub mod rerun;
pub mod schema;
mod timeline;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub use output::Style;

#[derive(Parser, Debug)]
#[command(
    name = "durable-lens",
    version,
    about = "A debugger for durable executions (AWS Lambda Durable Functions)"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand: open this history in the desktop app (none: the bundled sample on a first run, else the start panel with recent files).
    pub file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Format, executions, invocations, replay switch points and diagnoses of a history.
    Inspect {
        file: PathBuf,
        /// Which execution: its 1-based number in `list`, an exact id or name, or the end of an id after ':' or '/'.
        #[arg(long)]
        execution: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Exit 1 when an execution holds a non-determinism error; each execution is checked on its own (pages of one history are merged).
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Align two executions or invocations by context and position. Each side is FILE[#EXECUTION][@INVOCATION]; FILE `-` is standard input.
    Diff {
        /// `-@1` is standard input's first invocation, not an option.
        #[arg(allow_hyphen_values = true)]
        left: String,
        #[arg(allow_hyphen_values = true)]
        right: String,
        #[arg(long)]
        json: bool,
    },
    /// The executions of a store (SQLite, folder) or file.
    List {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Write a history in durable-lens's own lossless format.
    Export {
        file: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        /// Which execution, as for `inspect --execution`.
        #[arg(long)]
        execution: Option<String>,
    },
    /// Re-run a linked handler against a recorded history (exit 1 on divergence).
    Rerun(rerun::RerunArgs),
    /// Render the time view of one execution headless, as SVG.
    Timeline(timeline::TimelineArgs),
}

/// Run a subcommand and return the process exit code.
pub fn run(command: Command) -> i32 {
    let style = Style::detect();
    let result = match &command {
        Command::Inspect {
            file,
            execution,
            json,
        } => inspect::run(file, execution.as_deref(), *json, style),
        Command::Check { files, json } => check::run(files, *json, style),
        Command::Diff { left, right, json } => diff::run(left, right, *json, style),
        Command::List { file, json } => list::run(file, *json, style),
        Command::Export {
            file,
            output,
            execution,
        } => list::export(file, output, execution.as_deref()),
        Command::Rerun(args) => rerun::run(args),
        Command::Timeline(args) => timeline::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}: {e:#}", style.red("error"));
            2
        }
    }
}
