//! Human output helpers: colour decided and written by `anstream` (a
//! terminal, `NO_COLOR`, `CLICOLOR`/`CLICOLOR_FORCE`, Windows consoles),
//! styles from `anstyle`, and the one way the subcommands load an input.

use crate::live;
use crate::load;
use crate::model::History;
use crate::select::ExecutionSelector;
use anstyle::{AnsiColor, Effects};
use anyhow::Result;
use std::io::{StdoutLock, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour when `anstream` would write it to standard output.
    pub fn detect() -> Style {
        Style {
            color: anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never,
        }
    }

    fn paint(&self, style: anstyle::Style, s: &str) -> String {
        if self.color {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    }

    fn fg(c: AnsiColor) -> anstyle::Style {
        anstyle::Style::new().fg_color(Some(c.into()))
    }

    pub fn red(&self, s: &str) -> String {
        self.paint(Self::fg(AnsiColor::Red), s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint(Self::fg(AnsiColor::Green), s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint(Self::fg(AnsiColor::Yellow), s)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint(anstyle::Style::new().effects(Effects::BOLD), s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint(anstyle::Style::new().effects(Effects::DIMMED), s)
    }
}

/// Load a file, folder or store and keep the execution `sel` picks (the
/// core's [`ExecutionSelector`] rule: 1-based index, exact id or name, id
/// suffix at a boundary). A store is asked for the one execution only, so a
/// 10,000-execution store is not parsed whole. Load errors already name the
/// path and the reason, so no context is added (it would say them twice).
pub fn load(path: &Path, sel: Option<&str>) -> Result<History> {
    Ok(load_numbered(path, sel)?.0)
}

/// [`load`], with the 1-based number (in `list` order) of the execution a
/// selector kept, for output that names it.
pub fn load_numbered(path: &Path, sel: Option<&str>) -> Result<(History, Option<usize>)> {
    let service = super::service_args();
    let arg = path.to_string_lossy();
    if live::source::names_service_execution(
        &arg,
        live::source::endpoint_given(service.endpoint_url.as_deref()),
    ) {
        return load_live(&arg, sel, &service);
    }
    let opts = load::LoadOptions {
        execution: sel.map(ExecutionSelector::new),
        ..Default::default()
    };
    Ok(load::load_path_selected(path, &opts)?)
}

/// An execution in the service, fetched whole (every history page) and
/// loaded as its pages would load from a file; a selector must pick it.
#[cfg(feature = "aws")]
fn load_live(
    arg: &str,
    sel: Option<&str>,
    service: &super::ServiceArgs,
) -> Result<(History, Option<usize>)> {
    let svc = live::Service::connect(&service.config(), arg)?;
    let history = svc.fetch(arg, &live::FetchOptions::default())?;
    if let Some(sel) = sel {
        let candidates: Vec<crate::select::Candidate> =
            history.executions.iter().map(Into::into).collect();
        ExecutionSelector::new(sel)
            .pick(&candidates)
            .map_err(|e| anyhow::anyhow!("{arg}: {e}"))?;
    }
    Ok((history, sel.map(|_| 1)))
}

#[cfg(not(feature = "aws"))]
fn load_live(
    arg: &str,
    _sel: Option<&str>,
    _service: &super::ServiceArgs,
) -> Result<(History, Option<usize>)> {
    anyhow::bail!("{arg}: names an execution in the durable execution service, but this build has no AWS support (built without the `aws` feature)")
}

/// Standard output for a subcommand, locked once. When its reader goes away
/// (`durable-lens ... | head`) the rest of the output is dropped quietly: no
/// panic, no error, and the subcommand's exit code stays the one it found.
pub struct Out {
    /// Through `anstream`: strips styles where colour is off, and turns them
    /// into console calls on old Windows consoles.
    lock: anstream::AutoStream<StdoutLock<'static>>,
    closed: bool,
}

impl Out {
    pub fn stdout() -> Out {
        Out {
            lock: anstream::AutoStream::auto(std::io::stdout().lock()),
            closed: false,
        }
    }

    /// Write `doc` as pretty JSON and a newline.
    pub fn json<T: serde::Serialize>(&mut self, doc: &T) -> Result<()> {
        serde_json::to_writer_pretty(&mut *self, doc)?;
        writeln!(self)?;
        self.flush()?;
        Ok(())
    }

    fn quiet<T>(&mut self, r: std::io::Result<T>, none: T) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(none)
            }
            r => r,
        }
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.lock.write(buf);
        self.quiet(r, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.lock.flush();
        self.quiet(r, ())
    }
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
