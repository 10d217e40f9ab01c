//! Human output helpers: colour only on a terminal and never with NO_COLOR,
//! and execution selection shared by the subcommands.

use crate::load;
use crate::model::{Execution, History};
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

/// Load a file, folder or store, naming the path in any error.
pub fn load(path: &Path, execution: Option<&str>) -> Result<History> {
    let opts = load::LoadOptions {
        execution: execution.map(str::to_string),
        ..Default::default()
    };
    load::load_path_with(path, &opts).with_context(|| format!("cannot read {}", path.display()))
}

/// Pick executions by a selector: 1-based index, ARN, ARN suffix or name.
pub fn select<'a>(history: &'a History, sel: Option<&str>) -> Result<Vec<(usize, &'a Execution)>> {
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
            e.arn
                .as_deref()
                .is_some_and(|a| a == sel || a.ends_with(sel))
                || e.name.as_deref() == Some(sel)
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
