//! `durable-lens diff LEFT RIGHT`, each side `FILE[#EXECUTION][@INVOCATION]`.

use super::output::{load, pad, Out, Style};
use super::schema::DiffDoc;
use crate::diff::{
    diff, execution_sequence, invocation_sequence, DiffOptions, RowKind, SeqOp, SideOutcome,
};
use crate::replay::analyze;
use anyhow::{bail, Result};
use std::collections::HashSet;
use std::io::Write;
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

/// One side loaded: its label, sequence and how it ended.
struct Side {
    label: String,
    seq: Vec<SeqOp>,
    outcome: SideOutcome,
}

fn side(spec: &SideSpec) -> Result<Side> {
    let history = load(&spec.file, spec.execution.as_deref())?;
    let Some(exec) = history.executions.first() else {
        bail!("{}: holds no execution", spec.file.display());
    };
    let a = analyze(exec);
    let label = format!("{}#{}", spec.file.display(), exec.label());
    Ok(match spec.invocation {
        None => Side {
            label,
            seq: execution_sequence(exec, &a),
            outcome: SideOutcome::of_execution(exec),
        },
        Some(n) if n <= a.invocations.len() => Side {
            label: format!("{label}@{n}"),
            seq: invocation_sequence(exec, &a, n - 1),
            outcome: SideOutcome::of_invocation(&a, n - 1),
        },
        Some(n) => bail!(
            "{}: invocation {n} does not exist (the execution has {})",
            spec.file.display(),
            a.invocations.len()
        ),
    })
}

pub fn run(left: &str, right: &str, as_json: bool, style: Style) -> Result<i32> {
    let (ls, rs) = (parse_side(left)?, parse_side(right)?);
    if crate::load::is_stdin(&ls.file) && crate::load::is_stdin(&rs.file) {
        bail!("standard input ('-') can be one side of a diff, not both: it is read once");
    }
    let allow_progress = ls.invocation.is_some() && rs.invocation.is_some();
    let (lside, rside) = (side(&ls)?, side(&rs)?);
    let (l, r) = (&lside.seq, &rside.seq);
    let report = diff(l, r, DiffOptions { allow_progress });
    let mut out = Out::stdout();
    if as_json {
        out.json(&DiffDoc::of(
            (lside.label.clone(), &lside.outcome),
            (rside.label.clone(), &rside.outcome),
            l,
            r,
            &report,
        ))?;
        return Ok(if report.is_consistent() { 0 } else { 1 });
    }
    for (title, s) in [("left: ", &lside), ("right:", &rside)] {
        let outcome = s.outcome.to_string();
        let outcome = if s.outcome.failed() {
            style.red(&outcome)
        } else {
            outcome
        };
        writeln!(out, "{} {}  {outcome}", style.dim(title), s.label)?;
    }
    let cell = |s: Option<&SeqOp>| {
        s.map_or("—".to_string(), |s| {
            let name = if s.only_type_known {
                "(name not in the SDK error)"
            } else {
                s.label.as_str()
            };
            format!("{} {name}", s.sig.op_type)
        })
    };
    let violating: HashSet<usize> = report.violations.iter().map(|v| v.row).collect();
    let width =
        |f: &dyn Fn(&crate::diff::DiffRow) -> usize| report.rows.iter().map(f).max().unwrap_or(0);
    let place = |row: &crate::diff::DiffRow| {
        let indent = "  ".repeat(row.depth as usize);
        match row.right_position {
            Some(rp) if rp != row.position && row.left.is_some() => {
                format!("{indent}{}→{rp}", row.position)
            }
            _ => format!("{indent}{}", row.position),
        }
    };
    let (wp, wl) = (
        width(&|row| place(row).chars().count()).max(1),
        width(&|row| cell(row.left.map(|i| &l[i])).chars().count()).max(4),
    );
    let wr = width(&|row| cell(row.right.map(|i| &r[i])).chars().count()).max(4);
    for (i, row) in report.rows.iter().enumerate() {
        let mark = match row.kind {
            RowKind::Same => String::new(),
            RowKind::StatusChanged => style.yellow("~ status"),
            RowKind::ResultChanged => style.yellow("~ result"),
            k if violating.contains(&i) => style.red(&format!("✗ {}", kind_word(k))),
            k => style.dim(&format!("+ {}", kind_word(k))),
        };
        let line = format!(
            "{} {} {} {mark}",
            pad(&place(row), wp),
            pad(&cell(row.left.map(|i| &l[i])), wl),
            pad(&cell(row.right.map(|i| &r[i])), wr)
        );
        writeln!(out, "{}", line.trim_end())?;
        for c in &row.changes {
            let v = |x: &Option<serde_json::Value>| {
                x.as_ref().map_or("(absent)".to_string(), |v| v.to_string())
            };
            writeln!(
                out,
                "{}   {}: {} → {}",
                " ".repeat(wp),
                c.pointer,
                v(&c.left),
                v(&c.right)
            )?;
        }
    }
    match report.first_violation() {
        Some(v) => {
            writeln!(out, "\n{}", style.red(&v.to_string()))?;
            if let Some(e) = &v.edit {
                writeln!(out, "{e}")?;
            }
            for v in report.violations.iter().skip(1) {
                writeln!(out, "{}", v.summary())?;
            }
        }
        None => writeln!(
            out,
            "\n{}",
            style.green("consistent: same operations in the same order")
        )?,
    }
    if report.is_consistent() && (lside.outcome.failed() || rside.outcome.failed()) {
        // Consistent sequences say nothing about why a side failed.
        let which = match (lside.outcome.failed(), rside.outcome.failed()) {
            (true, true) => "both sides failed",
            (true, false) => "the left side failed",
            _ => "the right side failed",
        };
        writeln!(
            out,
            "{}",
            style.red(&format!("but {which}: see their errors above"))
        )?;
    }
    out.flush()?;
    Ok(if report.is_consistent() { 0 } else { 1 })
}

fn kind_word(k: RowKind) -> &'static str {
    match k {
        RowKind::TypeMismatch => "type",
        RowKind::SubTypeMismatch => "subtype",
        RowKind::NameMismatch => "name",
        RowKind::Missing => "missing",
        RowKind::Extra => "extra",
        RowKind::Removed => "removed",
        RowKind::Inserted => "added",
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
