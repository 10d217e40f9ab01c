//! `durable-lens diff LEFT RIGHT`, each side `FILE[#EXECUTION][@INVOCATION]`.

use super::output::{load, pad, Style};
use crate::diff::{diff, execution_sequence, invocation_sequence, DiffOptions, RowKind, SeqOp};
use crate::replay::analyze;
use anyhow::{bail, Result};
use serde_json::json;
use std::path::PathBuf;

/// One side of a diff as the user wrote it.
#[derive(Debug, PartialEq, Eq)]
pub struct SideSpec {
    pub file: PathBuf,
    pub execution: Option<String>,
    /// 1-based.
    pub invocation: Option<usize>,
}

/// `FILE[#EXECUTION][@INVOCATION]`. A `#` or `@` that is part of an existing
/// file name is kept in the name.
pub fn parse_side(s: &str) -> Result<SideSpec> {
    if std::path::Path::new(s).exists() {
        return Ok(SideSpec {
            file: s.into(),
            execution: None,
            invocation: None,
        });
    }
    let (rest, invocation) = match s.rsplit_once('@') {
        Some((r, inv)) if !inv.contains('/') => match inv.parse::<usize>() {
            Ok(n) if n >= 1 => (r, Some(n)),
            _ => bail!("'{s}': expected a 1-based invocation number after '@', found '{inv}'"),
        },
        _ => (s, None),
    };
    let (file, execution) = match rest.split_once('#') {
        Some((f, e)) => (f, Some(e.to_string())),
        None => (rest, None),
    };
    Ok(SideSpec {
        file: file.into(),
        execution,
        invocation,
    })
}

fn sequence(spec: &SideSpec) -> Result<(String, Vec<SeqOp>)> {
    let history = load(&spec.file, spec.execution.as_deref())?;
    let Some(exec) = history.executions.first() else {
        bail!("{}: holds no execution", spec.file.display());
    };
    let a = analyze(exec);
    let label = format!("{}#{}", spec.file.display(), exec.label());
    Ok(match spec.invocation {
        None => (label, execution_sequence(exec, &a)),
        Some(n) if n <= a.invocations.len() => {
            (format!("{label}@{n}"), invocation_sequence(exec, &a, n - 1))
        }
        Some(n) => bail!(
            "{}: invocation {n} does not exist (the execution has {})",
            spec.file.display(),
            a.invocations.len()
        ),
    })
}

pub fn run(left: &str, right: &str, as_json: bool, style: Style) -> Result<i32> {
    let (ls, rs) = (parse_side(left)?, parse_side(right)?);
    let allow_progress = ls.invocation.is_some() && rs.invocation.is_some();
    let ((lname, l), (rname, r)) = (sequence(&ls)?, sequence(&rs)?);
    let report = diff(&l, &r, DiffOptions { allow_progress });
    let sig = |s: Option<&SeqOp>| {
        s.map(|s| json!({"name": s.sig.name, "type": s.sig.op_type, "subtype": s.sig.sub_type, "status": s.status}))
    };
    if as_json {
        let doc = json!({
            "left": lname, "right": rname,
            "consistent": report.is_consistent(),
            "first_violation": report.first_violation().map(|v| v.to_string()),
            "violations": report.violations.iter().map(|v| json!({"message": v.to_string(), "position": v.position, "context": v.context_names})).collect::<Vec<_>>(),
            "rows": report.rows.iter().map(|row| json!({
                "context": row.context.names(), "position": row.position, "kind": format!("{:?}", row.kind),
                "left": sig(row.left.map(|i| &l[i])), "right": sig(row.right.map(|i| &r[i])),
                "result_changes": row.changes.iter().map(|c| json!({"pointer": c.pointer, "left": c.left, "right": c.right})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{} {lname}", style.dim("left: "));
        println!("{} {rname}", style.dim("right:"));
        let cell = |s: Option<&SeqOp>| {
            s.map_or("—".to_string(), |s| {
                format!(
                    "{} {}",
                    s.sig.op_type,
                    s.sig.name.as_deref().unwrap_or("(unnamed)")
                )
            })
        };
        for row in &report.rows {
            let mark = match row.kind {
                RowKind::Same => " ".to_string(),
                RowKind::StatusChanged => style.yellow("~ status"),
                RowKind::ResultChanged => style.yellow("~ result"),
                k if row_violates(k, allow_progress) => style.red(&format!("✗ {}", kind_word(k))),
                k => style.dim(&format!("+ {}", kind_word(k))),
            };
            let indent = "  ".repeat(row.depth as usize);
            println!(
                "{} {} {} {mark}",
                pad(&format!("{indent}{}", row.position), 6),
                pad(&cell(row.left.map(|i| &l[i])), 36),
                pad(&cell(row.right.map(|i| &r[i])), 36)
            );
            for c in &row.changes {
                let v = |x: &Option<serde_json::Value>| {
                    x.as_ref().map_or("(absent)".to_string(), |v| v.to_string())
                };
                println!(
                    "{}   {}: {} → {}",
                    " ".repeat(6),
                    c.pointer,
                    v(&c.left),
                    v(&c.right)
                );
            }
        }
        match report.first_violation() {
            Some(v) => println!("\n{}", style.red(&v.to_string())),
            None => println!(
                "\n{}",
                style.green("consistent: same operations in the same order")
            ),
        }
    }
    Ok(if report.is_consistent() { 0 } else { 1 })
}

fn row_violates(k: RowKind, allow_progress: bool) -> bool {
    k.is_mismatch() || (!allow_progress && matches!(k, RowKind::Missing | RowKind::Extra))
}

fn kind_word(k: RowKind) -> &'static str {
    match k {
        RowKind::TypeMismatch => "type",
        RowKind::SubTypeMismatch => "subtype",
        RowKind::NameMismatch => "name",
        RowKind::Missing => "missing",
        RowKind::Extra => "extra",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_spec_parses_execution_and_invocation() {
        let s = parse_side("h.json#order-1@2").unwrap();
        assert_eq!(
            s,
            SideSpec {
                file: "h.json".into(),
                execution: Some("order-1".into()),
                invocation: Some(2)
            }
        );
        assert!(parse_side("h.json@zero").is_err());
        assert_eq!(parse_side("dir/h.json").unwrap().invocation, None);
    }
}
