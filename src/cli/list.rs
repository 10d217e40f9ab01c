//! `durable-lens list` (the executions of a store) and `durable-lens export`.

use super::output::{load, pad, Style};
use crate::load::{list_store, ExecutionSummary};
use crate::model::format_duration_micros;
use anyhow::Result;
use serde_json::json;
use std::path::Path;

pub fn run(path: &Path, as_json: bool, style: Style) -> Result<i32> {
    // Stores list from their index without parsing every execution; a single
    // file is small enough to load.
    let summaries: Vec<ExecutionSummary> = match list_store(path) {
        Ok(summaries) => summaries,
        Err(_) => load(path, None)?
            .executions
            .into_iter()
            .map(|e| ExecutionSummary {
                // No ARN is written as null, as stores never have an empty one.
                arn: e.arn.unwrap_or_default(),
                function_name: e.function_name,
                name: e.name,
                status: e.status.map(|s| s.as_str().to_string()),
                start: e.start,
                end: e.end,
                operation_count: Some(e.operations.len()),
            })
            .collect(),
    };
    let rows: Vec<serde_json::Value> = summaries
        .iter()
        .map(|s| {
            json!({
                "arn": (!s.arn.is_empty()).then_some(&s.arn), "function": s.function_name, "name": s.name, "status": s.status,
                "start": s.start.map(|t| t.to_iso()), "end": s.end.map(|t| t.to_iso()),
                "duration_ms": match (s.start, s.end) { (Some(a), Some(b)) => a.micros_until(b).map(|us| us / 1000), _ => None },
                "operations": s.operation_count,
            })
        })
        .collect();
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"file": path.display().to_string(), "executions": rows})
            )?
        );
        return Ok(0);
    }
    println!(
        "{}",
        style.bold(&format!(
            "{} {} {} {} {} {} {}",
            pad("#", 5),
            pad("function", 18),
            pad("name", 24),
            pad("status", 10),
            pad("start", 27),
            pad("duration", 10),
            "ops"
        ))
    );
    for (i, r) in rows.iter().enumerate() {
        let s = |k: &str| r[k].as_str().unwrap_or("—").to_string();
        let dur = r["duration_ms"]
            .as_i64()
            .map_or("—".into(), |ms| format_duration_micros(ms * 1000));
        let ops = r["operations"]
            .as_u64()
            .map_or("—".into(), |n| n.to_string());
        println!(
            "{} {} {} {} {} {} {}",
            pad(&(i + 1).to_string(), 5),
            pad(&s("function"), 18),
            pad(&s("name"), 24),
            pad(&s("status"), 10),
            pad(&s("start"), 27),
            pad(&dur, 10),
            ops
        );
    }
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
