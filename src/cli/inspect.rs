//! `durable-lens inspect`: what a history holds and what replay did on each
//! invocation, as aligned text or a stable JSON document (schema in README).

use super::output::{load_numbered, pad, Out, Style};
use super::schema::{ExecutionReport, Ids, InspectDoc};
use crate::model::{format_span, Execution, History};
use crate::replay::{analyze, Analysis, Outcome};
use anyhow::Result;
use std::io::Write;
use std::path::Path;

pub fn run(path: &Path, execution: Option<&str>, as_json: bool, style: Style) -> Result<i32> {
    let (history, number) = load_numbered(path, execution)?;
    // Each execution is called by its number in `list` order, also when a
    // selector kept only one.
    let reports: Vec<(usize, &Execution, Analysis)> = history
        .executions
        .iter()
        .enumerate()
        .map(|(i, e)| (number.unwrap_or(i + 1), e, analyze(e)))
        .collect();
    let mut out = Out::stdout();
    if as_json {
        out.json(&InspectDoc {
            file: history.source.clone(),
            origin: history.origin.clone(),
            format: history.format,
            format_label: history.format.label(),
            warnings: history.warnings.iter().map(ToString::to_string).collect(),
            executions: reports
                .iter()
                .map(|(n, e, a)| ExecutionReport::of(*n, e, a))
                .collect(),
        })?;
    } else {
        print_text(&mut out, &history, &reports, style)?;
        out.flush()?;
    }
    Ok(0)
}

fn print_text(
    out: &mut Out,
    history: &History,
    reports: &[(usize, &Execution, Analysis)],
    style: Style,
) -> std::io::Result<()> {
    writeln!(out, "{} {}", style.bold(&pad("File:", 12)), history.source)?;
    if let Some(origin) = &history.origin {
        writeln!(out, "{} {origin}", style.bold(&pad("Origin:", 12)))?;
    }
    writeln!(
        out,
        "{} {}",
        style.bold(&pad("Format:", 12)),
        history.format.label()
    )?;
    writeln!(
        out,
        "{} {}",
        style.bold(&pad("Executions:", 12)),
        history.executions.len()
    )?;
    for w in &history.warnings {
        writeln!(out, "{} {w}", style.yellow(&pad("Warning:", 12)))?;
    }
    for (n, e, a) in reports {
        writeln!(out)?;
        writeln!(
            out,
            "{} {}",
            style.bold(&format!("Execution {n}:")),
            e.label()
        )?;
        // Each id under its true name: "ARN" only for an ARN.
        let ids = Ids::of(e);
        if let Some(arn) = &ids.arn {
            writeln!(out, "  {} {arn}", pad("ARN:", 14))?;
        } else if let Some(id) = ids
            .id
            .as_ref()
            .filter(|id| ids.execution_op_id.as_ref() != Some(id))
        {
            writeln!(out, "  {} {id}", pad("Id:", 14))?;
        }
        if let Some(op_id) = &ids.execution_op_id {
            writeln!(out, "  {} {op_id}", pad("EXECUTION op:", 14))?;
        }
        let status = e
            .status
            .map_or("RUNNING/UNKNOWN".to_string(), |s| s.to_string());
        let duration = match (e.start, e.end) {
            (Some(s), Some(t)) => format!("  ({})", format_span(s, t)),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {} {}{duration}",
            pad("Status:", 14),
            color_status(&status, style)
        )?;
        writeln!(out, "  {} {}", pad("Operations:", 14), e.operations.len())?;
        writeln!(
            out,
            "  {} {}{}",
            pad("Invocations:", 14),
            a.invocations.len(),
            if a.invocations_inferred {
                " (inferred from wait/callback/retry boundaries)"
            } else {
                ""
            }
        )?;
        writeln!(
            out,
            "  {}",
            style.dim(&format!(
                "{} {} {} {} {}",
                pad("#", 4),
                pad("replayed", 9),
                pad("executed", 9),
                pad("switch", 28),
                "outcome"
            ))
        )?;
        for inv in &a.invocations {
            let switch = match inv.root_switch().or(inv.switches.first()) {
                Some(s) => format!(
                    "{}@{} {}",
                    a.context_label(s.context),
                    s.position,
                    a.label(e, s.op)
                ),
                None => "— (all replayed)".to_string(),
            };
            let outcome = match &inv.outcome {
                Outcome::Pending(ops) => format!(
                    "pending on {}",
                    ops.iter()
                        .map(|&i| format!("'{}'", a.label(e, i)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Outcome::Failed(Some(err)) => format!("failed: {}", first_line(&err.to_string())),
                other => other.label().to_string(),
            };
            writeln!(
                out,
                "  {} {} {} {} {}",
                pad(&(inv.index + 1).to_string(), 4),
                pad(&inv.counts().0.to_string(), 9),
                pad(&inv.counts().1.to_string(), 9),
                pad(&switch, 28),
                outcome
            )?;
        }
        for d in &a.diagnoses {
            writeln!(out, "  {} {}", style.red(&pad("Diagnosis:", 14)), d.plain)?;
            writeln!(
                out,
                "  {} {}",
                pad("SDK said:", 14),
                first_line(&d.sdk_text)
            )?;
        }
    }
    Ok(())
}

fn color_status(s: &str, style: Style) -> String {
    match s {
        "SUCCEEDED" => style.green(s),
        "FAILED" | "TIMED_OUT" | "STOPPED" | "CANCELLED" => style.red(s),
        _ => style.yellow(s),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
