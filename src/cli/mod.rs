//! The headless command line: `inspect`, `check`, `diff`, `list`, `export`,
//! `rerun` and `timeline`. Exit codes follow ripgrep's convention: 0 fine, 1 found a
//! violation, 2 could not read an input.

mod check;
mod diff;
mod inspect;
mod list;
#[cfg(feature = "aws")]
mod live;
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
    #[command(flatten)]
    pub service: ServiceArgs,
}

/// How to reach the durable execution service when an argument is an
/// execution ARN (or, with an endpoint, the local service's execution id):
/// each as the AWS CLI reads it when not given.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServiceArgs {
    /// AWS profile of the shared config and credentials files (default: AWS_PROFILE, else `default`).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, else the profile's).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// The service's endpoint, e.g. the local service's http://127.0.0.1:PORT (default: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, else the region's).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl ServiceArgs {
    #[cfg(feature = "aws")]
    pub fn config(&self) -> crate::live::ServiceConfig {
        crate::live::ServiceConfig {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
}

/// The service settings of this run: the command line's, or what the app's
/// Open from AWS… last used.
static SERVICE: std::sync::RwLock<Option<ServiceArgs>> = std::sync::RwLock::new(None);

/// Use these service settings from now on.
pub fn set_service_args(service: ServiceArgs) {
    if let Ok(mut s) = SERVICE.write() {
        *s = Some(service);
    }
}

pub fn service_args() -> ServiceArgs {
    SERVICE
        .read()
        .ok()
        .and_then(|s| s.clone())
        .unwrap_or_default()
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
    /// The executions of a store (SQLite, folder) or file, or of a function in the service (--function).
    List {
        #[arg(required_unless_present = "function", conflicts_with = "function")]
        file: Option<PathBuf>,
        /// List the service's executions of this function: NAME[:QUALIFIER] or its ARN.
        #[arg(long, value_name = "NAME[:QUALIFIER]")]
        function: Option<String>,
        /// Only executions in this status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED); with --function.
        #[arg(long, requires = "function")]
        status: Option<String>,
        /// Only executions started after this time: ISO-8601 (2026-12-01T10:00:00Z) or ago (30m, 6h, 7d); with --function.
        #[arg(long, requires = "function", value_name = "TIME")]
        since: Option<String>,
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
    /// Follow a running execution in the service: print each invocation as it ends, until the execution does.
    #[cfg(feature = "aws")]
    Follow {
        /// The execution's ARN (or the local service's id, with an endpoint).
        execution: String,
        /// One JSON object a line: {"invocation": ...} as in `inspect --json`, then {"ended": STATUS}.
        #[arg(long)]
        json: bool,
    },
    /// Answer a pending callback of a running execution in the service.
    #[cfg(feature = "aws")]
    Answer(live::AnswerArgs),
    /// Stop a running execution in the service.
    #[cfg(feature = "aws")]
    Stop {
        execution: String,
        /// The error type the execution ends with.
        #[arg(long)]
        error_type: Option<String>,
        /// The error message the execution ends with.
        #[arg(long)]
        message: Option<String>,
    },
}

/// Run a subcommand and return the process exit code (service settings
/// from [`set_service_args`]).
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
        Command::List {
            file,
            function,
            status,
            since,
            json,
        } => match (file, function) {
            (Some(file), _) => list::run(file, *json, style),
            (None, Some(f)) => {
                list::run_function(f, status.as_deref(), since.as_deref(), *json, style)
            }
            (None, None) => Err(anyhow::anyhow!("list: give a FILE or --function NAME")),
        },
        Command::Export {
            file,
            output,
            execution,
        } => list::export(file, output, execution.as_deref()),
        Command::Rerun(args) => rerun::run(args),
        Command::Timeline(args) => timeline::run(args),
        #[cfg(feature = "aws")]
        Command::Follow { execution, json } => live::follow(execution, *json, style),
        #[cfg(feature = "aws")]
        Command::Answer(args) => live::answer(args),
        #[cfg(feature = "aws")]
        Command::Stop {
            execution,
            error_type,
            message,
        } => live::stop(execution, error_type.as_deref(), message.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}: {e:#}", style.red("error"));
            2
        }
    }
}
