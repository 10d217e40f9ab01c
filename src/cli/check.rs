//! `durable-lens check FILE...`: exit 1 when an execution holds a replay
//! consistency violation. Each execution is checked on its own, against the
//! SDK's own errors recorded in it: executions of a store, or of separate
//! files, are never compared with each other (a store holds unrelated runs,
//! and a parent with its chained-invoke child); comparing two executions is
//! `diff`'s job. Files that are pages of one history are merged first.

use super::output::{load, Out, Style};
use super::schema::{CheckDoc, CheckViolation};
use crate::load;
use crate::model::History;
use crate::replay::analyze;
use anyhow::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(files: &[PathBuf], as_json: bool, style: Style) -> Result<i32> {
    // Read every input before judging, so an unreadable one is exit 2 even
    // when an earlier one already has a violation.
    let histories = group_pages(files)
        .iter()
        .map(|g| match g.as_slice() {
            [one] => load(one, None),
            pages => Ok(load::load_pages(pages)?),
        })
        .collect::<Result<Vec<History>>>()?;
    let mut violations = Vec::new();
    let mut executions = 0;
    for h in &histories {
        for e in &h.executions {
            executions += 1;
            // All invocations of one execution replay the same checkpoints,
            // so where one diverged from the others is what the SDK said
            // when it stopped it: its non-determinism error, pinned here to
            // the context, position and invocation.
            for d in analyze(e).diagnoses {
                violations.push(CheckViolation {
                    file: h.source.clone(),
                    execution: e.label(),
                    message: d.plain,
                    sdk_text: Some(d.sdk_text),
                    context: d.context_path,
                    position: d.position,
                    invocation: d.invocation.map(|k| k + 1),
                });
            }
        }
    }
    let code = if violations.is_empty() { 0 } else { 1 };
    let mut out = Out::stdout();
    if as_json {
        out.json(&CheckDoc {
            consistent: violations.is_empty(),
            executions,
            violations,
        })?;
        return Ok(code);
    }
    if violations.is_empty() {
        writeln!(
            out,
            "{} {executions} execution(s) in {} file(s), no violation",
            style.green("consistent:"),
            files.len()
        )?;
    }
    for v in &violations {
        writeln!(out, "{}", v.message)?;
        if let Some(t) = &v.sdk_text {
            writeln!(out, "  {} {t}", style.dim("SDK said:"))?;
        }
        writeln!(out, "  {} {} ({})", style.dim("in:"), v.file, v.execution)?;
    }
    out.flush()?;
    Ok(code)
}

/// Files that hold one history, and the EventIds they span together.
struct Group<'a> {
    files: Vec<&'a Path>,
    span: Option<(u64, u64)>,
}

/// The inputs in argument order, a file that continues the EventIds of an
/// earlier history file (a later page of it) joined to that one's group.
fn group_pages(files: &[PathBuf]) -> Vec<Vec<&Path>> {
    let mut groups: Vec<Group> = Vec::new();
    for f in files {
        // Only regular files can be pages; anything unreadable is left to
        // the loader, which names the path and the reason.
        let span = std::fs::metadata(f)
            .ok()
            .filter(|m| m.is_file())
            .and_then(|_| std::fs::read(f).ok())
            .and_then(|b| load::event_id_span(&b));
        let joined = span.and_then(|s| {
            groups
                .iter_mut()
                .find(|g| g.span.is_some_and(|l| load::continues(l, s)))
                .map(|g| (g, s))
        });
        match joined {
            Some((g, s)) => {
                g.files.push(f.as_path());
                g.span = Some((g.span.map_or(s.0, |l| l.0), s.1));
            }
            None => groups.push(Group {
                files: vec![f.as_path()],
                span,
            }),
        }
    }
    groups.into_iter().map(|g| g.files).collect()
}
