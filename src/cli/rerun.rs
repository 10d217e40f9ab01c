//! `durable-lens rerun HISTORY --handler CMD`: re-run a handler against a
//! recorded execution headless, print each invocation, the first divergence
//! and every changed result, and exit 0 (same behaviour), 1 (divergence, or
//! a changed result under `--strict`) or 2 (error) so a CI job can replay a
//! folder of recordings against a new build.

#[path = "rerun_answers.rs"]
mod answers;
#[path = "rerun_json.rs"]
mod json;

use super::output::{load, Style};

/// `println!` that ends quietly when stdout's reader is gone (`rerun … |
/// head`): the run goes on and its exit code is still the verdict.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(anstream::stdout().lock(), $($arg)*) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("cannot write the output: {e}");
            }
        }
    }};
}
use crate::rerun::{place_label, run_headless, Report, SessionConfig, SessionEvent, StartPoint};
use anyhow::{bail, Context, Result};
use json::{RerunJson, Verdict};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct RerunArgs {
    /// The recorded history to re-run against (never modified).
    pub history: PathBuf,
    /// The handler command line, run with `sh -c` in the environment Lambda
    /// gives a function, with the invocation event on stdin: a process that
    /// calls the Runtime API's `/next` (AWS_LAMBDA_RUNTIME_API) is served
    /// through it, one that writes the invocation output on stdout and exits
    /// is served by the stdin/stdout contract. With `--preset`, what the
    /// preset runs (python: module.function; node: file.export; rust: the
    /// bootstrap binary). Default: the link saved by the app beside the history.
    #[arg(long)]
    pub handler: Option<String>,
    /// Fill in the command from the handler as Lambda names it: python
    /// (awslambdaric), node (aws-lambda-ric), node-shim (the Node runner
    /// shim), rust (a bootstrap binary built with lambda_runtime) or stdio
    /// (the command as given).
    #[arg(long, value_name = "NAME", requires = "handler")]
    pub preset: Option<crate::rerun::preset::Preset>,
    /// A fresh handler process for every invocation (default: a Runtime API
    /// handler stays warm and serves every invocation of the run).
    #[arg(long, conflicts_with = "recycle_after")]
    pub cold: bool,
    /// Start a fresh Runtime API process after every N invocations.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub recycle_after: Option<u64>,
    /// Read the handler from this link file (as the app saves it).
    #[arg(long, value_name = "FILE")]
    pub link: Option<PathBuf>,
    /// Working directory of the handler (default: the current one).
    #[arg(long)]
    pub cwd: Option<PathBuf>,
    /// Start from recorded invocation K (1-based, as `inspect` numbers
    /// them) with the state the handler saw then; default: a fresh run with
    /// the recorded input (the same as K = 1).
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
    /// Answer a callback (by name, operation id, callback id or place like
    /// `3.1`) with this JSON result. Repeatable.
    #[arg(long, value_name = "NAME_OR_ID=JSON")]
    pub callback: Vec<String>,
    /// Fail a callback with this error message. Repeatable.
    #[arg(long, value_name = "NAME_OR_ID=ERROR")]
    pub callback_fail: Vec<String>,
    /// Answer a chained invoke with this JSON result. Repeatable.
    #[arg(long, value_name = "NAME=JSON")]
    pub invoke: Vec<String>,
    /// Run a partial recording (missing pages, truncated or absent
    /// payloads), answering what it lacks with null and naming each guess.
    #[arg(long)]
    pub allow_partial: bool,
    /// Exit 1 also when only results, statuses or the invocation count changed.
    #[arg(long)]
    pub strict: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &RerunArgs) -> Result<i32> {
    // Killed by `timeout`, a CI cancel or `docker stop`: take every handler
    // process along and exit 128 + signo.
    #[cfg(unix)]
    crate::rerun::supervisor::exit_on_signals();
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
    // Said as what it is, not as "cannot start handler" (issue 16).
    if let Some(cwd) = &args.cwd {
        if !cwd.is_dir() {
            bail!(
                "--cwd {}: {}",
                cwd.display(),
                if cwd.exists() {
                    "not a folder"
                } else {
                    "no such folder"
                }
            );
        }
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        );
    }
    let start = match args.from_invocation {
        None | Some(1) => StartPoint::Fresh,
        Some(k) if k >= 1 && k <= recorded.invocations.len() => StartPoint::FromInvocation(k - 1),
        Some(k) => bail!(
            "--from-invocation {k}: the recording has {} invocation(s), numbered from 1",
            recorded.invocations.len()
        ),
    };
    let handler = match (args.preset, &args.handler) {
        (Some(preset), Some(target)) => {
            crate::rerun::preset::command(preset, target, args.cwd.as_deref())?
        }
        _ => answers::handler(
            &args.history,
            args.handler.as_deref(),
            args.cwd.as_ref(),
            args.link.as_deref(),
        )?,
    };
    let partial = crate::rerun::partial::problems(&history, recorded);
    if !partial.is_empty() {
        if !args.allow_partial {
            bail!(
                "{} is a partial recording, so a re-run would have to guess what it lacks:\n  {}\nfetch it whole (with execution data), or pass --allow-partial",
                args.history.display(),
                partial.join("\n  ")
            );
        }
        for p in &partial {
            eprintln!("warning: partial recording: {p}");
        }
    }
    let mut config = SessionConfig::new((*recorded).clone(), handler);
    config.answers = answers::answers(&args.callback, &args.callback_fail, &args.invoke)?;
    config.allow_partial = args.allow_partial;
    config.start = start;
    config.timeout = Duration::from_secs_f64(args.timeout);
    config.reuse = crate::rerun::Reuse {
        cold: args.cold,
        recycle_after: args.recycle_after.map(|n| n as usize),
    };
    config.source = format!("re-run of {}", args.history.display());
    let quiet = args.json;
    let mut shown = HashMap::new();
    let report = run_headless(config, &mut |e| {
        if !quiet {
            print_event(e, style, &mut shown);
        }
    })
    .context("the re-run session ended without a report")?;
    #[cfg(unix)]
    if let Some(code) = crate::rerun::supervisor::terminating() {
        return Ok(code);
    }
    if let Some(path) = &args.save {
        crate::write::write_lens(&report.history, path, &[&args.history])?;
        if !quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    let (verdict, code) = verdict(&report, args.strict);
    let warnings: Vec<String> = partial
        .iter()
        .map(|p| format!("partial recording: {p}"))
        .chain(report.history.warnings.iter().map(ToString::to_string))
        .collect();
    if !args.json {
        for w in &report.history.warnings {
            eprintln!("warning: {w}");
        }
    }
    if args.json {
        let doc = RerunJson::new(&report, verdict, code, &warnings);
        say!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_summary(&report, style, args.strict);
    }
    Ok(code)
}

/// The verdict and the exit code: 2 when the run could not finish, 1 on a
/// divergence (or, under `strict`, a change), 0 otherwise.
fn verdict(report: &Report, strict: bool) -> (Verdict, i32) {
    report.verdict(strict)
}

/// One line per event worth a line; `shown` counts the attempt rows
/// already printed per operation, so a retried step's attempts each get a
/// row when they end, in the invocation that ran them.
fn print_event(e: &SessionEvent, style: Style, shown: &mut HashMap<String, usize>) {
    print_line(e, style);
    if let SessionEvent::OperationSeen { op, place, .. }
    | SessionEvent::OperationUpdated { op, place, .. } = e
    {
        let done = shown.entry(op.id.clone()).or_default();
        for a in crate::rerun::attempts::newly_ended(op, *done) {
            print_attempt(op, place, a, style);
            *done += 1;
        }
    }
}

fn print_line(e: &SessionEvent, style: Style) {
    match e {
        SessionEvent::InvocationStarted { index, .. } => {
            say!("{}", style.bold(&format!("invocation {}", index + 1)))
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
            say!(
                "  {:>6}  {role}  {} {}{mark}",
                crate::rerun::place_label(place),
                op.op_type,
                op.display_name()
            );
        }
        SessionEvent::InvocationEnded { record, .. } => {
            let status = record.status().unwrap_or("(no output)");
            say!("  → {status}");
        }
        _ => {}
    }
}

fn print_attempt(
    op: &crate::model::Operation,
    place: &[u32],
    a: &crate::model::Attempt,
    style: Style,
) {
    let inv = a
        .invocation
        .map_or_else(|| "?".to_string(), |k| (k + 1).to_string());
    let how = match a.status {
        crate::model::OpStatus::Failed => style.red("failed"),
        crate::model::OpStatus::Succeeded => style.green("succeeded"),
        other => other.as_str().to_lowercase(),
    };
    let error = a.error.as_ref().map_or_else(String::new, |e| {
        format!(
            ": {}{}",
            e.error_type
                .as_deref()
                .map_or(String::new(), |t| format!("{t}: ")),
            e.message.as_deref().unwrap_or("")
        )
    });
    // The re-run's clock skips the backoff: say how long it was.
    let next = a.next_attempt_at.map_or_else(String::new, |t| {
        let after = a
            .end
            .and_then(|end| end.micros_until(t))
            .map_or_else(String::new, |us| {
                format!(
                    " (+{}, not waited)",
                    crate::model::format_duration_micros(us)
                )
            });
        format!(" · next attempt at {}{after}", t.to_iso())
    });
    say!(
        "  {:>6}  attempt {} of {} (invocation {inv}) {how}{error}{next}",
        crate::rerun::place_label(place),
        a.number,
        op.display_name()
    );
}

fn print_summary(report: &Report, style: Style, strict: bool) {
    if let Some(d) = &report.divergence {
        say!("{} {}", style.red("divergence:"), d.message);
        if let Some(sdk) = &d.sdk_error {
            say!("  SDK: {sdk}");
        }
    }
    if let Some(e) = &report.error {
        say!("{} {e}", style.red("error:"));
    }
    for c in &report.changes {
        let what = c.kind.label();
        let at = if c.place.is_empty() {
            String::new()
        } else {
            format!(
                " of '{}' at position {}",
                c.name.as_deref().unwrap_or("(unnamed)"),
                place_label(&c.place)
            )
        };
        say!(
            "{} {what}{at}: recorded {}, re-run {}",
            style.bold("changed:"),
            c.recorded.as_deref().unwrap_or("(none)"),
            c.rerun.as_deref().unwrap_or("(none)")
        );
        for v in &c.diff {
            let side = |x: &Option<serde_json::Value>| {
                x.as_ref()
                    .map_or_else(|| "(absent)".to_string(), |v| v.to_string())
            };
            say!(
                "  {}: {} → {}",
                if v.pointer.is_empty() {
                    "/"
                } else {
                    &v.pointer
                },
                side(&v.recorded),
                side(&v.rerun)
            );
        }
    }
    if let Some(o) = &report.outcome {
        say!(
            "execution {} after {} invocation(s)",
            o.status,
            report.invocations.len()
        );
    }
    if report.divergence.is_none() && report.error.is_none() && report.outcome.is_none() {
        say!("{} the run ended without an outcome", style.red("error:"));
    } else if report.divergence.is_none() && report.error.is_none() {
        if report.changes.is_empty() {
            say!("{}", style.green("no divergence from the recording"));
        } else if strict {
            say!(
                "{}",
                style.red("same shape as the recording, but results changed (--strict)")
            );
        } else {
            say!(
                "{}",
                style.green(
                    "no divergence from the recording (results changed: --strict fails on them)"
                )
            );
        }
    }
}
