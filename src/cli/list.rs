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
    print(&path.display().to_string(), summaries, as_json, style)
}

/// `list --function`: the service's executions of one function.
#[cfg(feature = "aws")]
pub fn run_function(
    function: &str,
    status: Option<&str>,
    since: Option<&str>,
    as_json: bool,
    style: Style,
) -> Result<i32> {
    use crate::live::{FunctionRef, ListFilter, Service};
    let f = FunctionRef::parse(function).map_err(anyhow::Error::msg)?;
    let filter = ListFilter {
        status: status
            .map(ListFilter::parse_status)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        since: since.map(parse_since).transpose()?,
    };
    let svc = Service::connect(
        &super::service_args().config(),
        &format!("function {}", f.label()),
    )?;
    let summaries = svc.list(&f, &filter, None)?;
    print(&f.label(), summaries, as_json, style)
}

#[cfg(not(feature = "aws"))]
pub fn run_function(
    function: &str,
    _status: Option<&str>,
    _since: Option<&str>,
    _as_json: bool,
    _style: Style,
) -> Result<i32> {
    anyhow::bail!("list --function {function}: this build has no AWS support (built without the `aws` feature)")
}

/// `--since`: an ISO-8601 time, or a span ago (`90s`, `30m`, `6h`, `7d`).
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
fn parse_since(s: &str) -> Result<crate::model::Ts> {
    let bad = || {
        anyhow::anyhow!(
            "--since '{s}': expected an ISO-8601 time (2026-12-01T10:00:00Z) or a span ago (90s, 30m, 6h, 7d)"
        )
    };
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(crate::model::Ts(t.timestamp_micros()));
    }
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let ago = n
        .checked_mul(secs * 1_000_000)
        .filter(|v| *v >= 0)
        .ok_or_else(bad)?;
    Ok(crate::model::Ts(
        chrono::Utc::now().timestamp_micros() - ago,
    ))
}

fn print(
    source: &str,
    summaries: Vec<ExecutionSummary>,
    as_json: bool,
    style: Style,
) -> Result<i32> {
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
            file: source.to_string(),
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
