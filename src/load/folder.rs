//! A folder of Python testing store execution files (the filesystem store,
//! `.durable_executions/` by default): every `*.json` file holding a store
//! document is one execution. Other files are skipped with a warning, so
//! pointing at a folder of mixed files still shows what it can.

use super::error::LoadError;
use super::{check_cancel, report, select_index, summary_of, ExecutionSummary, LoadOptions};
use crate::model::{Execution, Format};
use crate::select::ExecutionSelector;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LoadError::io(dir, e))?;
        let p = entry.path();
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Executions, warnings, and why other files were skipped.
type Loaded = (Vec<Execution>, Vec<String>, Vec<String>);

/// Load each store file; others are collected as skipped reasons.
fn load_files(dir: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let file = dir.display().to_string();
    let files = json_files(dir)?;
    let mut execs = Vec::new();
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    for (k, p) in files.iter().enumerate() {
        check_cancel(opts, &file)?;
        report(opts, k as u64, files.len() as u64, "files");
        let name = p.display().to_string();
        // Store files are JSON; a SQLite store or anything else is not ours.
        let head = super::sqlite::read_header(p)?;
        if head.starts_with(super::sqlite::MAGIC) {
            skipped.push(format!("{name}: a SQLite file"));
            continue;
        }
        let bytes = std::fs::read(p).map_err(|e| LoadError::io(p, e))?;
        match super::parse_bytes(&name, &bytes) {
            Ok(parsed) if parsed.format == Format::PythonStoreJson => {
                let mut h = super::build_parsed(&name, parsed)?;
                warnings.append(&mut h.warnings);
                execs.append(&mut h.executions);
            }
            Ok(parsed) => skipped.push(format!("{name}: {}", parsed.format)),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    report(opts, files.len() as u64, files.len() as u64, "files");
    // The same order as `list`, so a number selects the execution `list` shows with it.
    execs.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.arn.cmp(&b.arn)));
    if execs.is_empty() {
        return Err(LoadError::NoStoreFiles {
            file,
            skipped: skipped.len(),
            reasons: skipped,
        });
    }
    Ok((execs, warnings, skipped))
}

pub(crate) fn load(
    dir: &Path,
    opts: &LoadOptions,
) -> Result<(Vec<Execution>, Vec<String>), LoadError> {
    let (execs, mut warnings, skipped) = load_files(dir, opts)?;
    if !skipped.is_empty() {
        warnings.push(format!(
            "{} file(s) in the folder are not store execution files and were skipped: {}",
            skipped.len(),
            skipped
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    Ok((execs, warnings))
}

pub(crate) fn list(dir: &Path) -> Result<Vec<ExecutionSummary>, LoadError> {
    let (execs, _, _) = load_files(dir, &LoadOptions::default())?;
    Ok(execs.iter().map(summary_of).collect())
}

pub(crate) fn load_one(dir: &Path, arn: &str) -> Result<(Execution, Vec<String>), LoadError> {
    let (mut execs, warnings, _) = load_files(dir, &LoadOptions::default())?;
    let summaries: Vec<ExecutionSummary> = execs.iter().map(summary_of).collect();
    let sel = ExecutionSelector::exact_id(arn);
    let i = select_index(&dir.display().to_string(), &summaries, &sel)?;
    Ok((execs.swap_remove(i), warnings))
}
