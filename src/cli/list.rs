//! `durable-lens list` (the executions of a store) and `durable-lens export`.

use super::output::{load, pad, Out, Style};
use super::schema::{ListDoc, ListedExecution};
use crate::load::{list_store, ExecutionSummary};
use crate::model::{format_duration_micros, is_arn};
use anyhow::Result;
use std::io::Write;
use std::path::Path;

pub fn run(path: &Path, as_json: bool, style: Style) -> Result<i32> {
    // Stores list from their index without parsing every execution; any
    // other file lists the executions it holds. Load errors name the path.
    let summaries: Vec<ExecutionSummary> = list_store(path)?;
    let rows: Vec<ListedExecution> = summaries
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let id = (!s.arn.is_empty()).then_some(s.arn);
            ListedExecution {
                index: i + 1,
                arn: id.clone().filter(|id| is_arn(id)),
                id,
                function: s.function_name,
                name: s.name,
                status: s.status,
                start: s.start.map(|t| t.to_iso()),
                end: s.end.map(|t| t.to_iso()),
                duration_ms: match (s.start, s.end) {
                    (Some(a), Some(b)) => a.micros_until(b).map(|us| us / 1000),
                    _ => None,
                },
                operations: s.operation_count,
            }
        })
        .collect();
    let mut out = Out::stdout();
    if as_json {
        out.json(&ListDoc {
            file: path.display().to_string(),
            executions: rows,
        })?;
        return Ok(0);
    }
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let header = [
        "#", "function", "name", "status", "start", "duration", "ops", "id",
    ];
    // The id column is labelled "id": it holds an ARN only when one is known.
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.index.to_string(),
                dash(&r.function),
                dash(&r.name),
                dash(&r.status),
                dash(&r.start),
                r.duration_ms
                    .map_or("—".into(), |ms| format_duration_micros(ms * 1000)),
                r.operations.map_or("—".into(), |n| n.to_string()),
                dash(&r.id),
            ]
        })
        .collect();
    // Each column as wide as its widest cell, so long function names and
    // ids never push the next column out of line.
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: [&str; 8]| {
        let mut s = String::new();
        for (k, (c, w)) in cols.iter().zip(widths).enumerate() {
            if k + 1 == cols.len() {
                s.push_str(c);
            } else {
                s.push_str(&pad(c, w));
                s.push_str("  ");
            }
        }
        s
    };
    writeln!(out, "{}", style.bold(&line(header)))?;
    for row in &cells {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    out.flush()?;
    Ok(0)
}

pub fn export(path: &Path, out: &Path, execution: Option<&str>) -> Result<i32> {
    // Refuse a destination that is the input (or another kind of file)
    // before the load, so a mistake costs nothing.
    // Standard input is no file: nothing on disk can be the same as it
    // (and a file named `-` in the folder is not what was read).
    let inputs: &[&Path] = if crate::load::is_stdin(path) {
        &[]
    } else {
        &[path]
    };
    crate::write::check_destination(out, crate::write::DocKind::LensExport, inputs)?;
    let h = load(path, execution)?;
    crate::write::write_lens(&h, out, inputs)?;
    eprintln!(
        "wrote {} ({} execution(s))",
        out.display(),
        h.executions.len()
    );
    Ok(0)
}
