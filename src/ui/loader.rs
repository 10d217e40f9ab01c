//! The UI's only door to `crate::load`: opening a path (file, folder or
//! SQLite store) into either a ready `Doc` or a store's execution list.
//! Runs on a job thread.

use super::doc::Doc;
use super::jobs::{JobCtx, JobOutput, StoreRow};
use crate::load;
use anyhow::Context as _;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A folder, or a file whose content starts like an SQLite database.
pub fn is_store(path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|_| &head == b"SQLite format 3\0")
        .unwrap_or(false)
}

/// Open `path`: a store with several executions yields the picker rows
/// (unless `arn` names the one to open); anything else a `Doc`.
pub fn open(jc: &JobCtx, path: PathBuf, arn: Option<String>) -> JobOutput {
    match open_inner(jc, &path, arn) {
        Ok(o) => o,
        Err(e) => JobOutput::Failed(format!("{e:#}")),
    }
}

fn open_inner(jc: &JobCtx, path: &Path, arn: Option<String>) -> anyhow::Result<JobOutput> {
    let cancel = jc.cancel_flag();
    let service = crate::cli::service_args();
    // An execution picked from Open from AWS…'s listing: fetched by its ARN,
    // which becomes the document's path (F5 fetches it again).
    #[cfg(feature = "aws")]
    if let (Some(arn), true) = (&arn, super::aws_open::is_listing(path)) {
        let h = fetch_live(jc, arn, &service, &cancel)?;
        return Ok(finish(jc, h, Path::new(arn), None));
    }
    let arg = path.to_string_lossy();
    let endpoint = crate::live::source::endpoint_given(service.endpoint_url.as_deref());
    if crate::live::source::names_service_execution(&arg, endpoint) {
        let h = fetch_live(jc, &arg, &service, &cancel)?;
        return Ok(finish(jc, h, path, None));
    }
    // Store reads honour Cancel too (an endless view, a huge store). The
    // load errors name the path themselves: contexts here do not repeat it.
    let store_opts = load::LoadOptions {
        cancel: Some(&cancel),
        ..Default::default()
    };
    if is_store(path) {
        if let Some(arn) = arn {
            jc.progress(-1.0, "reading the execution from the store");
            let h = load::load_store_execution_with(path, &arn, &store_opts)
                .with_context(|| format!("opening execution {arn}"))?;
            return Ok(finish(jc, h, path, Some(arn)));
        }
        jc.progress(-1.0, "listing the store's executions");
        // With counts and error types: the picker shows and flags them.
        let list = load::list_store_detailed_with(path, &store_opts)
            .context("listing the store's executions")?;
        if list.len() != 1 {
            let rows = list
                .into_iter()
                .map(|s| StoreRow {
                    nondeterministic: s.nondeterministic(),
                    arn: s.arn,
                    function_name: s.function_name.unwrap_or_default(),
                    name: s.name.unwrap_or_default(),
                    status: s.status.unwrap_or_else(|| "RUNNING".into()),
                    start: s.start,
                    end: s.end,
                    operation_count: s.operation_count,
                })
                .collect();
            return Ok(JobOutput::Store {
                path: path.to_path_buf(),
                rows,
            });
        }
        let arn = list.into_iter().next().map(|s| s.arn);
        if let Some(arn) = arn {
            let h = load::load_store_execution_with(path, &arn, &store_opts)
                .with_context(|| format!("opening execution {arn}"))?;
            return Ok(finish(jc, h, path, Some(arn)));
        }
    }
    jc.progress(-1.0, format!("reading {}", path.display()));
    let report = |p: load::Progress| {
        let f = if p.total > 0 {
            p.done as f32 / p.total as f32 * 0.6
        } else {
            -1.0
        };
        jc.progress(f, p.what);
    };
    let opts = load::LoadOptions {
        progress: Some(&report),
        cancel: Some(&cancel),
        execution: None,
    };
    // Every load error starts with the file's path: adding it here again
    // said it twice ("opening X: X: cannot read: ...").
    let h = load::load_path_with(path, &opts)?;
    if jc.cancelled() {
        anyhow::bail!("cancelled");
    }
    Ok(finish(jc, h, path, None))
}

/// An execution in the service: every history page, with progress and
/// Cancel between and during requests (this runs on the job thread).
#[cfg(feature = "aws")]
fn fetch_live(
    jc: &JobCtx,
    arg: &str,
    service: &crate::cli::ServiceArgs,
    cancel: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<crate::model::History> {
    jc.progress(-1.0, format!("connecting to {arg}"));
    let svc = crate::live::Service::connect(&service.config(), arg)?;
    let report = |p: crate::live::FetchProgress| {
        jc.progress(
            -1.0,
            format!(
                "fetching the history: page {}, {} events",
                p.pages, p.events
            ),
        );
    };
    let opts = crate::live::FetchOptions {
        progress: Some(&report),
        cancel: Some(cancel),
    };
    Ok(svc.fetch(arg, &opts)?)
}

#[cfg(not(feature = "aws"))]
fn fetch_live(
    _jc: &JobCtx,
    arg: &str,
    _service: &crate::cli::ServiceArgs,
    _cancel: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<crate::model::History> {
    anyhow::bail!("{arg}: names an execution in the durable execution service, but this build has no AWS support (built without the `aws` feature)")
}

fn finish(jc: &JobCtx, h: crate::model::History, path: &Path, arn: Option<String>) -> JobOutput {
    jc.progress(0.7, "analysing replay");
    JobOutput::Doc(Box::new(Doc::build(h, 0, Some(path.to_path_buf()), arn)))
}
