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
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{} {} {} {} {} {} {} {}",
            pad("#", 5),
            pad("function", 18),
            pad("name", 24),
            pad("status", 10),
            pad("start", 27),
            pad("duration", 10),
            pad("ops", 5),
            "id"
        ))
    )?;
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    for r in &rows {
        let dur = r
            .duration_ms
            .map_or("—".into(), |ms| format_duration_micros(ms * 1000));
        let ops = r.operations.map_or("—".into(), |n| n.to_string());
        // The id column is labelled "id": it holds an ARN only when one is known.
        writeln!(
            out,
            "{} {} {} {} {} {} {} {}",
            pad(&r.index.to_string(), 5),
            pad(&dash(&r.function), 18),
            pad(&dash(&r.name), 24),
            pad(&dash(&r.status), 10),
            pad(&dash(&r.start), 27),
            pad(&dur, 10),
            pad(&ops, 5),
            dash(&r.id)
        )?;
    }
    out.flush()?;
    Ok(0)
}

pub fn export(path: &Path, out: &Path, execution: Option<&str>) -> Result<i32> {
    // Refuse a destination that is the input (or another kind of file)
    // before the load, so a mistake costs nothing.
    crate::write::check_destination(out, crate::write::DocKind::LensExport, &[path])?;
    let h = load(path, execution)?;
    crate::write::write_lens(&h, out, &[path])?;
    eprintln!(
        "wrote {} ({} execution(s))",
        out.display(),
        h.executions.len()
    );
    Ok(0)
}
