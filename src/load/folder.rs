//! A folder of Python testing store execution files (the filesystem store,
//! `.durable_executions/` by default): every `*.json` file holding a store
//! document is one execution. Other files are skipped with a warning, so
//! pointing at a folder of mixed files still shows what it can.

use super::error::LoadError;
use super::{check_cancel, report, select_index, summary_of, ExecutionSummary, LoadOptions};
use crate::model::{Execution, Format, Warning};
use crate::select::ExecutionSelector;
use std::path::{Path, PathBuf};

/// Every entry of the folder but sub-folders: a FIFO or device among them
/// is skipped with its reason like any other bad file, not silently.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LoadError::io(dir, e))?;
        let p = entry.path();
        if !p.is_dir() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Executions, warnings, and why other files were skipped.
type Loaded = (Vec<Execution>, Vec<Warning>, Vec<String>);

/// One store file's execution(s) and warnings, or why it is not one.
fn load_file(p: &Path) -> Result<(Vec<Execution>, Vec<Warning>), String> {
    let name = p.display().to_string();
    super::input::check(p).map_err(|e| e.to_string())?;
    // Store files are JSON; a SQLite store or anything else is not ours.
    let head = super::sqlite::read_header(p).map_err(|e| e.to_string())?;
    if head.starts_with(super::sqlite::MAGIC) {
        return Err(format!("{name}: a SQLite file"));
    }
    let bytes =
        super::read_with_progress(p, 0, &LoadOptions::default()).map_err(|e| e.to_string())?;
    match super::parse_bytes(&name, &bytes) {
        Ok(parsed) if parsed.format == Format::PythonStoreJson => {
            let h = super::build_parsed(&name, parsed).map_err(|e| e.to_string())?;
            Ok((h.executions, h.warnings))
        }
        Ok(parsed) => Err(format!("{name}: {}", parsed.format)),
        Err(e) => Err(e.to_string()),
    }
}

/// Load each store file; every bad one (unreadable, not a store file,
/// invalid, or an execution already loaded from another file) is collected
/// as a skipped reason naming it, and the rest loads.
fn load_files(dir: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let file = dir.display().to_string();
    let files = json_files(dir)?;
    let mut execs: Vec<Execution> = Vec::new();
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    // ARN -> the file it was first loaded from.
    let mut seen: std::collections::HashMap<String, PathBuf> = Default::default();
    for (k, p) in files.iter().enumerate() {
        check_cancel(opts, &file)?;
        report(opts, k as u64, files.len() as u64, "files");
        match load_file(p) {
            Ok((mut es, mut w)) => {
                if let Some(first) = es
                    .iter()
                    .filter_map(|e| e.arn.as_ref())
                    .find_map(|arn| seen.get(arn))
                {
                    skipped.push(format!(
                        "{}: the same execution ARN as {} (expected each execution once)",
                        p.display(),
                        first.display()
                    ));
                    continue;
                }
                for arn in es.iter().filter_map(|e| e.arn.clone()) {
                    seen.insert(arn, p.clone());
                }
                warnings.append(&mut w);
                execs.append(&mut es);
            }
            Err(reason) => skipped.push(reason),
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
) -> Result<(Vec<Execution>, Vec<Warning>), LoadError> {
    let (execs, mut warnings, skipped) = load_files(dir, opts)?;
    // One warning per skipped file, each naming it and why.
    warnings.extend(
        (skipped
            .iter()
            .map(|r| format!("skipped a folder entry: {r}")))
        .map(Warning::from),
    );
    Ok((execs, warnings))
}

pub(crate) fn list(dir: &Path) -> Result<Vec<ExecutionSummary>, LoadError> {
    let (execs, _, _) = load_files(dir, &LoadOptions::default())?;
    Ok(execs.iter().map(summary_of).collect())
}

pub(crate) fn load_one(dir: &Path, arn: &str) -> Result<(Execution, Vec<Warning>), LoadError> {
    let (mut execs, warnings, _) = load_files(dir, &LoadOptions::default())?;
    let summaries: Vec<ExecutionSummary> = execs.iter().map(summary_of).collect();
    let sel = ExecutionSelector::exact_id(arn);
    let i = select_index(&dir.display().to_string(), &summaries, &sel)?;
    Ok((execs.swap_remove(i), warnings))
}
