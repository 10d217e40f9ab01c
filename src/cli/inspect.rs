//! `durable-lens inspect`: what a history holds and what replay did on each
//! invocation, as aligned text or a stable JSON document (schema in README).

use super::output::{load, pad, Style};
use crate::model::{format_duration_micros, Execution, History};
use crate::replay::{analyze, Analysis, Outcome};
use anyhow::Result;
use serde_json::{json, Value};
use std::path::Path;

pub fn run(path: &Path, execution: Option<&str>, as_json: bool, style: Style) -> Result<i32> {
    let history = load(path, execution)?;
    let reports: Vec<(usize, &Execution, Analysis)> = history
        .executions
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e, analyze(e)))
        .collect();
    if as_json {
        let doc = json!({
            "file": history.source,
            "format": history.format,
            "format_label": history.format.label(),
            "warnings": history.warnings,
            "executions": reports.iter().map(|(i, e, a)| execution_json(*i, e, a)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_text(&history, &reports, style);
    }
    Ok(0)
}

pub fn execution_json(index: usize, e: &Execution, a: &Analysis) -> Value {
    json!({
        "index": index + 1,
        "arn": e.arn,
        "name": e.name,
        "function": e.function_name,
        "status": e.status,
        "sdk": e.sdk,
        "start": e.start.map(|t| t.to_iso()),
        "end": e.end.map(|t| t.to_iso()),
        "operations": e.operations.len(),
        "invocations_inferred": a.invocations_inferred,
        "invocations": a.invocations.iter().map(|inv| json!({
            "index": inv.index + 1,
            "start": inv.window.start.map(|t| t.to_iso()),
            "end": inv.window.end.map(|t| t.to_iso()),
            "replayed": inv.counts().0,
            "executed": inv.counts().1,
            "switches": inv.switches.iter().map(|s| json!({
                "context": a.context_names(s.context),
                "position": s.position,
                "operation": e.operations[s.op].display_name(),
            })).collect::<Vec<_>>(),
            "outcome": inv.outcome.label(),
            "waiting_on": match &inv.outcome {
                Outcome::Pending(ops) => ops.iter().map(|&i| e.operations[i].display_name().to_string()).collect(),
                _ => Vec::<String>::new(),
            },
        })).collect::<Vec<_>>(),
        "diagnoses": a.diagnoses.iter().map(|d| json!({
            "message": d.plain,
            "sdk_text": d.sdk_text,
            "sdk": d.sdk,
            "error_type": d.error_type,
            "context": d.context_path,
            "position": d.position,
            "operation": d.op.map(|i| e.operations[i].display_name().to_string()),
            "invocation": d.invocation.map(|k| k + 1),
        })).collect::<Vec<_>>(),
    })
}

fn print_text(history: &History, reports: &[(usize, &Execution, Analysis)], style: Style) {
    println!("{} {}", style.bold(&pad("File:", 12)), history.source);
    println!(
        "{} {}",
        style.bold(&pad("Format:", 12)),
        history.format.label()
    );
    println!(
        "{} {}",
        style.bold(&pad("Executions:", 12)),
        history.executions.len()
    );
    for w in &history.warnings {
        println!("{} {w}", style.yellow(&pad("Warning:", 12)));
    }
    for (i, e, a) in reports {
        println!();
        println!(
            "{} {}",
            style.bold(&format!("Execution {}:", i + 1)),
            e.label()
        );
        if let Some(arn) = &e.arn {
            println!("  {} {arn}", pad("ARN:", 14));
        }
        let status = e
            .status
            .map_or("RUNNING/UNKNOWN".to_string(), |s| s.to_string());
        let duration = match (e.start, e.end) {
            (Some(s), Some(t)) => format!("  ({})", format_duration_micros(t.0 - s.0)),
            _ => String::new(),
        };
        println!(
            "  {} {}{duration}",
            pad("Status:", 14),
            color_status(&status, style)
        );
        println!("  {} {}", pad("Operations:", 14), e.operations.len());
        println!(
            "  {} {}{}",
            pad("Invocations:", 14),
            a.invocations.len(),
            if a.invocations_inferred {
                " (inferred from wait/callback/retry boundaries)"
            } else {
                ""
            }
        );
        println!(
            "  {}",
            style.dim(&format!(
                "{} {} {} {} {}",
                pad("#", 4),
                pad("replayed", 9),
                pad("executed", 9),
                pad("switch", 28),
                "outcome"
            ))
        );
        for inv in &a.invocations {
            let switch = match inv.root_switch().or(inv.switches.first()) {
                Some(s) => format!(
                    "{}@{} {}",
                    a.context_label(s.context),
                    s.position,
                    e.operations[s.op].display_name()
                ),
                None => "— (all replayed)".to_string(),
            };
            let outcome = match &inv.outcome {
                Outcome::Pending(ops) => format!(
                    "pending on {}",
                    ops.iter()
                        .map(|&i| format!("'{}'", e.operations[i].display_name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Outcome::Failed(Some(err)) => format!("failed: {}", first_line(&err.to_string())),
                other => other.label().to_string(),
            };
            println!(
                "  {} {} {} {} {}",
                pad(&(inv.index + 1).to_string(), 4),
                pad(&inv.counts().0.to_string(), 9),
                pad(&inv.counts().1.to_string(), 9),
                pad(&switch, 28),
                outcome
            );
        }
        for d in &a.diagnoses {
            println!("  {} {}", style.red(&pad("Diagnosis:", 14)), d.plain);
            println!("  {} {}", pad("SDK said:", 14), first_line(&d.sdk_text));
        }
    }
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
