//! `durable-lens check FILE...`: exit 1 when any execution failed with an
//! SDK non-determinism error, or when several files (runs of one handler)
//! disagree on the shape of their operations.

use super::output::{load, Style};
use crate::diff::{diff, execution_sequence, DiffOptions};
use crate::replay::analyze;
use anyhow::Result;
use serde_json::json;
use std::path::PathBuf;

pub fn run(files: &[PathBuf], as_json: bool, style: Style) -> Result<i32> {
    let mut findings = Vec::new();
    let mut first: Option<(String, Vec<crate::diff::SeqOp>)> = None;
    // Read every input before judging, so an unreadable one is exit 2 even
    // when an earlier one already has a violation.
    let histories = files
        .iter()
        .map(|f| load(f, None))
        .collect::<Result<Vec<_>>>()?;
    for h in &histories {
        for e in &h.executions {
            let a = analyze(e);
            for d in &a.diagnoses {
                findings.push(json!({
                    "file": h.source, "execution": e.label(), "message": d.plain,
                    "sdk_text": d.sdk_text, "position": d.position, "context": d.context_path,
                }));
            }
            let seq = execution_sequence(e, &a);
            match &first {
                None => first = Some((format!("{} ({})", h.source, e.label()), seq)),
                Some((name, base)) => {
                    // Runs that stopped at different points are progress, not violations.
                    let report = diff(
                        base,
                        &seq,
                        DiffOptions {
                            allow_progress: true,
                        },
                    );
                    if let Some(v) = report.first_violation() {
                        findings.push(json!({
                            "file": h.source, "execution": e.label(), "message": v.to_string(),
                            "compared_with": name, "position": v.position, "context": v.context_names,
                        }));
                    }
                }
            }
        }
    }
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"consistent": findings.is_empty(), "violations": findings})
            )?
        );
    } else if findings.is_empty() {
        println!(
            "{} {} file(s), no violation",
            style.green("consistent:"),
            files.len()
        );
    } else {
        for f in &findings {
            println!("{}", f["message"].as_str().unwrap_or_default());
            if let Some(t) = f["sdk_text"].as_str() {
                println!("  {} {t}", style.dim("SDK said:"));
            }
            println!(
                "  {} {} ({})",
                style.dim("in:"),
                f["file"].as_str().unwrap_or_default(),
                f["execution"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(if findings.is_empty() { 0 } else { 1 })
}
