//! Human output helpers: colour only on a terminal and never with NO_COLOR,
//! and execution selection shared by the subcommands.

use crate::load;
use crate::model::{Execution, Format, History};
use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::path::Path;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}

/// Load a file, folder or store, naming the path in any error, and keep the
/// executions `sel` picks (a 1-based index, ARN, ARN suffix or name). A store
/// is asked for the one execution only, so a 10,000-execution store is not
/// parsed whole; other files are loaded and then selected from.
pub fn load(path: &Path, sel: Option<&str>) -> Result<History> {
    // The loader counts store executions from 0; users count from 1.
    let for_loader = sel.map(|s| match s.parse::<usize>() {
        Ok(n) if n >= 1 => (n - 1).to_string(),
        _ => s.to_string(),
    });
    let opts = load::LoadOptions {
        execution: for_loader,
        ..Default::default()
    };
    let history = load::load_path_with(path, &opts)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let store = matches!(
        history.format,
        Format::PythonStoreSqlite | Format::PythonStoreDir
    );
    if sel.is_none() || store {
        return Ok(history);
    }
    let executions = select(&history, sel)?
        .into_iter()
        .map(|(_, e)| e.clone())
        .collect();
    Ok(History {
        executions,
        ..history
    })
}

/// Pick executions by a selector: 1-based index, ARN, ARN suffix or name.
fn select<'a>(history: &'a History, sel: Option<&str>) -> Result<Vec<(usize, &'a Execution)>> {
    let all = history.executions.iter().enumerate();
    let Some(sel) = sel else {
        return Ok(all.collect());
    };
    if let Ok(n) = sel.parse::<usize>() {
        if n >= 1 && n <= history.executions.len() {
            return Ok(vec![(n - 1, &history.executions[n - 1])]);
        }
    }
    let found: Vec<_> = all
        .filter(|(_, e)| {
            // A suffix must start at an ARN separator: a bare "2" must not
            // match every ARN that happens to end in 2.
            e.arn.as_deref().is_some_and(|a| {
                a == sel || a.ends_with(&format!("/{sel}")) || a.ends_with(&format!(":{sel}"))
            }) || e.name.as_deref() == Some(sel)
                || e.execution_op_id.as_deref() == Some(sel)
        })
        .collect();
    if found.is_empty() {
        bail!(
            "{}: no execution matches '{sel}' (expected a 1-based index up to {}, an ARN or a name)",
            history.source,
            history.executions.len()
        );
    }
    Ok(found)
}

/// Pad to a display width (counts chars, good enough for our labels).
pub fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}
