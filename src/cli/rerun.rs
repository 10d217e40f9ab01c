//! `durable-lens rerun HISTORY --handler CMD`: re-run a handler against a
//! recorded execution headless, print each invocation and the first
//! divergence, and exit 0 (same behaviour), 1 (divergence) or 2 (error) so a
//! CI job can replay a folder of recordings against a new build.

use super::output::{load, Style};
use crate::rerun::{run_headless, HandlerCommand, Report, SessionConfig, SessionEvent, StartPoint};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct RerunArgs {
    /// The recorded history to re-run against (never modified).
    pub history: PathBuf,
    /// The handler command line, run with `sh -c`: reads the invocation event
    /// on stdin, writes the invocation output on stdout (see assets/runners).
    #[arg(long)]
    pub handler: String,
    /// Working directory of the handler (default: the current one).
    #[arg(long)]
    pub cwd: Option<PathBuf>,
    /// Start from this recorded invocation (0-based) with the state the
    /// handler saw then; default: a fresh run with the recorded input.
    #[arg(long, value_name = "K")]
    pub from_invocation: Option<usize>,
    /// Per-invocation timeout in seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    pub timeout: f64,
    /// Which execution of a store: 1-based index, ARN (or its suffix) or name.
    #[arg(long, value_name = "SEL")]
    pub execution: Option<String>,
    /// Write the re-run as a durable-lens history to this file.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &RerunArgs) -> Result<i32> {
    let style = Style::detect();
    // `--save` onto the recording (or any other kind of file) is refused
    // before the handler runs, whatever its outcome would be.
    if let Some(path) = &args.save {
        let lens = crate::write::DocKind::LensExport;
        crate::write::check_destination(path, lens, &[&args.history])?;
    }
    let history = load(&args.history, args.execution.as_deref())?;
    let [recorded] = history.executions.as_slice() else {
        bail!(
            "{} holds {} executions: pick one with --execution (1-based index, ARN or name)",
            args.history.display(),
            history.executions.len()
        );
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        );
    }
    let start = match args.from_invocation {
        None => StartPoint::Fresh,
        Some(k) if k == 0 || k < recorded.invocations.len() => StartPoint::FromInvocation(k),
        Some(k) => bail!(
            "--from-invocation {k}: the recording has {} invocation(s) (0-based)",
            recorded.invocations.len()
        ),
    };
    let mut config = SessionConfig::new(
        (*recorded).clone(),
        HandlerCommand {
            command: args.handler.clone(),
            cwd: args.cwd.clone(),
            env: Vec::new(),
        },
    );
    config.start = start;
    config.timeout = Duration::from_secs_f64(args.timeout);
    config.source = format!("re-run of {}", args.history.display());
    let quiet = args.json;
    let report = run_headless(config, &mut |e| {
        if !quiet {
            print_event(e, style);
        }
    })
    .context("the re-run session ended without a report")?;
    if let Some(path) = &args.save {
        crate::write::write_lens(&report.history, path, &[&args.history])?;
        if !quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        print_summary(&report, style);
    }
    Ok(match (&report.error, &report.divergence) {
        (Some(_), _) => 2,
        (None, Some(_)) => 1,
        (None, None) => 0,
    })
}

fn print_event(e: &SessionEvent, style: Style) {
    match e {
        SessionEvent::InvocationStarted { index, .. } => {
            println!("{}", style.bold(&format!("invocation {index}")))
        }
        SessionEvent::OperationSeen {
            op,
            place,
            role,
            comparison,
            ..
        } => {
            let role = match role {
                crate::rerun::Role::Replayed => style.dim("replayed"),
                crate::rerun::Role::Executed => style.green("executed"),
            };
            let mark = if comparison.is_divergence() {
                style.red(" ≠ recorded")
            } else {
                String::new()
            };
            println!(
                "  {:>6}  {role}  {} {}{mark}",
                crate::rerun::place_label(place),
                op.op_type,
                op.display_name()
            );
        }
        SessionEvent::InvocationEnded { record, .. } => {
            let status = record.status().unwrap_or("(no output)");
            println!("  → {status}");
        }
        _ => {}
    }
}

fn print_summary(report: &Report, style: Style) {
    if let Some(d) = &report.divergence {
        println!("{} {}", style.red("divergence:"), d.message);
        if let Some(sdk) = &d.sdk_error {
            println!("  SDK: {sdk}");
        }
    }
    if let Some(e) = &report.error {
        println!("{} {e}", style.red("error:"));
    }
    if let Some(o) = &report.outcome {
        println!(
            "execution {} after {} invocation(s)",
            o.status,
            report.invocations.len()
        );
    }
    if report.divergence.is_none() && report.error.is_none() {
        println!("{}", style.green("no divergence from the recording"));
    }
}

fn report_json(report: &Report) -> Value {
    let invocations: Vec<Value> = report
        .invocations
        .iter()
        .map(|r| {
            json!({
                "index": r.index,
                "request_id": r.request_id,
                "status": r.status(),
                "exit_code": r.exit_code,
                "output": r.output,
                "stdout": r.stdout,
                "stderr": r.stderr,
            })
        })
        .collect();
    let switches: Vec<Value> = report
        .switches
        .iter()
        .map(|(i, p)| json!({"invocation": i, "position": crate::rerun::place_label(p)}))
        .collect();
    json!({
        "status": report.outcome.as_ref().map(|o| o.status.as_str()),
        "result": report.outcome.as_ref().and_then(|o| o.result.clone()),
        "error": report.error,
        "divergence": report.divergence,
        "invocations": invocations,
        "switches": switches,
        "operations": report.history.executions.first().map(|e| e.operations.len()).unwrap_or(0),
    })
}
