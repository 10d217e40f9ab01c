//! Loaders: read a file, folder or store, detect its format by content
//! (never by extension), parse it with typed serde structs and build the
//! model. One file per format; this module detects and dispatches.
//!
//! Formats: history events (one or several pages), operations (object, bare
//! array, handler invocation input), the Python testing store (one JSON file,
//! a folder of them, SQLite), the camelCase checkpoint list, and
//! durable-lens's own export. Bad input gives a typed [`LoadError`] naming
//! the file and the place; nothing here panics on input.

mod error;
mod event_de;
mod events;
mod fast_events;
mod folder;
mod input;
mod js_runner;
mod lens;
mod normalise;
mod operations;
mod pages;
mod raw;
mod scan;
mod sink;
mod sqlite;
mod sqlite_read;
mod store;
mod top;

pub use error::LoadError;
pub use input::{file_type_name, is_stdin};
pub use lens::{to_lens_json, write_lens_json, LENS_VERSION};
pub use pages::{continues, event_id_span, load_pages};

use crate::model::{Execution, Format, History, Ts, Warning};
use crate::select::{Candidate, ExecutionSelector};
use error::ALL_FORMATS;
use serde::Serialize;
use sink::{EventSink, SinkMode};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use top::Doc;

/// How to load: progress reports, cancellation, and which execution of a
/// store to load.
#[derive(Default)]
pub struct LoadOptions<'a> {
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    pub cancel: Option<&'a AtomicBool>,
    /// Which execution to keep (see [`crate::select`]): a store loads only
    /// that one; any other source is loaded and then selected from, in
    /// [`list_store`] order.
    pub execution: Option<ExecutionSelector>,
}

/// Progress of a load: bytes read, or executions / files loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub what: String,
}

/// One execution of a store, as listed without loading it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecutionSummary {
    pub arn: String,
    pub function_name: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub start: Option<Ts>,
    pub end: Option<Ts>,
    /// `None` when listing did not count the operations (a SQLite store's
    /// plain listing; see [`list_store_detailed_with`]), or could not.
    pub operation_count: Option<usize>,
    /// The execution's error type, when it failed with one (`None` where
    /// the listing did not read it, as `operation_count`).
    pub error_type: Option<String>,
}

impl ExecutionSummary {
    /// Failed with an SDK non-determinism error (`NonDeterministicExecutionError`,
    /// or the Python SDK's dotted path to it).
    pub fn nondeterministic(&self) -> bool {
        self.error_type
            .as_deref()
            .is_some_and(|t| t.ends_with("NonDeterministicExecutionError"))
    }
}

/// Load a file or folder; the format is detected from the content.
pub fn load_path(path: &Path) -> Result<History, LoadError> {
    load_path_with(path, &LoadOptions::default())
}

pub fn load_path_with(path: &Path, opts: &LoadOptions) -> Result<History, LoadError> {
    load_path_selected(path, opts).map(|(h, _)| h)
}

/// [`load_path_with`], also telling which execution `opts.execution` kept:
/// its 1-based number in [`list_store`] order (`None` with no selector), so
/// output can call it by the number the user would see in `list`.
pub fn load_path_selected(
    path: &Path,
    opts: &LoadOptions,
) -> Result<(History, Option<usize>), LoadError> {
    if input::is_stdin(path) {
        let file = input::STDIN_NAME;
        let bytes = input::read_stdin()?;
        if bytes.starts_with(sqlite::MAGIC) {
            return Err(LoadError::NeedsPath {
                file: file.to_string(),
                format: Format::PythonStoreSqlite,
            });
        }
        check_cancel(opts, file)?;
        let mut h = build_parsed(file, parse_bytes(file, &bytes)?)?;
        let mut number = None;
        if let Some(sel) = &opts.execution {
            let i = pick_execution(file, sel, &h.executions)?;
            h.executions = vec![h.executions.swap_remove(i)];
            number = Some(i + 1);
        }
        return Ok((h, number));
    }
    let file = path.display().to_string();
    let meta = input::check(path)?;
    if meta.is_dir() {
        let (mut executions, warnings) = folder::load(path, opts)?;
        let mut number = None;
        if let Some(sel) = &opts.execution {
            // Selected from the listing, so `list`'s numbers and ids are
            // the ones that select (as in a SQLite store).
            let summaries: Vec<ExecutionSummary> = executions.iter().map(summary_of).collect();
            let i = select_index(&file, &summaries, sel)?;
            executions = vec![executions.swap_remove(i)];
            number = Some(i + 1);
        }
        let h = History {
            source: file,
            origin: None,
            format: Format::PythonStoreDir,
            executions,
            warnings,
        };
        return Ok((h, number));
    }
    if sqlite::read_header(path)?.starts_with(sqlite::MAGIC) {
        // With a selector only the selected row's data is read.
        let (executions, warnings, number) = sqlite::load_all(path, opts)?;
        let h = History {
            source: file,
            origin: None,
            format: Format::PythonStoreSqlite,
            executions,
            warnings,
        };
        return Ok((h, number));
    }
    let bytes = read_with_progress(path, meta.len(), opts)?;
    check_cancel(opts, &file)?;
    let parsed = parse_bytes(&file, &bytes)?;
    check_cancel(opts, &file)?;
    let mut h = build_parsed(&file, parsed)?;
    if h.format == Format::Operations {
        if let Some(exec) = h.executions.first_mut() {
            js_runner::attach_invocations(path, exec, &mut h.warnings);
        }
    }
    let mut number = None;
    if let Some(sel) = &opts.execution {
        let i = pick_execution(&file, sel, &h.executions)?;
        h.executions = vec![h.executions.swap_remove(i)];
        number = Some(i + 1);
    }
    Ok((h, number))
}

/// Load a document held in memory; `source` names it in errors.
pub fn load_bytes(source: &str, bytes: &[u8]) -> Result<History, LoadError> {
    let parsed = parse_bytes(source, bytes)?;
    build_parsed(source, parsed)
}

/// The format of a document (for `inspect`); parses it fully.
pub fn detect(bytes: &[u8]) -> Result<Format, LoadError> {
    if bytes.starts_with(sqlite::MAGIC) {
        return Ok(Format::PythonStoreSqlite);
    }
    parse_bytes("(input)", bytes).map(|p| p.format)
}

/// The executions of a store (SQLite: indexed columns only, `data` is not
/// read). Any other loadable file lists the executions it holds.
pub fn list_store(path: &Path) -> Result<Vec<ExecutionSummary>, LoadError> {
    list_store_with(path, &LoadOptions::default())
}

/// [`list_store`] that `opts.cancel` can stop (SQLite stores).
pub fn list_store_with(
    path: &Path,
    opts: &LoadOptions,
) -> Result<Vec<ExecutionSummary>, LoadError> {
    if input::is_stdin(path) {
        return Ok(load_path_with(path, opts)?
            .executions
            .iter()
            .map(summary_of)
            .collect());
    }
    let meta = input::check(path)?;
    if meta.is_dir() {
        return folder::list(path);
    }
    if sqlite::read_header(path)?.starts_with(sqlite::MAGIC) {
        return sqlite::list(path, opts);
    }
    Ok(load_path(path)?.executions.iter().map(summary_of).collect())
}

/// [`list_store_with`], also with every execution's operation count and
/// error type (what the app's picker shows). A SQLite store then reads
/// every row's `data` (with SQLite's JSON functions), which the plain
/// listing avoids; folder stores and files already have them.
pub fn list_store_detailed_with(
    path: &Path,
    opts: &LoadOptions,
) -> Result<Vec<ExecutionSummary>, LoadError> {
    if !input::is_stdin(path)
        && input::check(path)?.is_file()
        && sqlite::read_header(path)?.starts_with(sqlite::MAGIC)
    {
        return sqlite::list_detailed(path, opts);
    }
    list_store_with(path, opts)
}

/// One execution of a store by ARN.
pub fn load_store_execution(path: &Path, arn: &str) -> Result<History, LoadError> {
    load_store_execution_with(path, arn, &LoadOptions::default())
}

/// [`load_store_execution`] that `opts.cancel` can stop (SQLite stores).
pub fn load_store_execution_with(
    path: &Path,
    arn: &str,
    opts: &LoadOptions,
) -> Result<History, LoadError> {
    let file = path.display().to_string();
    let meta = input::check(path)?;
    let (format, exec, warnings) = if meta.is_dir() {
        let (e, w) = folder::load_one(path, arn)?;
        (Format::PythonStoreDir, e, w)
    } else if sqlite::read_header(path)?.starts_with(sqlite::MAGIC) {
        let (e, w) = sqlite::load_one(path, arn, opts)?;
        (Format::PythonStoreSqlite, e, w)
    } else {
        let mut h = load_path(path)?;
        let i = pick_execution(&file, &ExecutionSelector::exact_id(arn), &h.executions)?;
        let e = h.executions.swap_remove(i);
        (h.format, e, h.warnings)
    };
    Ok(History {
        source: file,
        origin: None,
        format,
        executions: vec![exec],
        warnings,
    })
}

pub(crate) fn summary_of(e: &Execution) -> ExecutionSummary {
    ExecutionSummary {
        arn: e
            .arn
            .clone()
            .or_else(|| e.execution_op_id.clone())
            .unwrap_or_default(),
        function_name: e.function_name.clone(),
        name: e.name.clone(),
        status: e.status.map(|s| s.as_str().to_string()),
        start: e.start,
        end: e.end,
        operation_count: Some(e.operations.len()),
        error_type: e.error.as_ref().and_then(|x| x.error_type.clone()),
    }
}

/// The store listing entry the selector picks (index into `list`).
pub(crate) fn select_index(
    file: &str,
    list: &[ExecutionSummary],
    sel: &ExecutionSelector,
) -> Result<usize, LoadError> {
    let candidates: Vec<Candidate> = list
        .iter()
        .map(|s| Candidate {
            id: Some(s.arn.as_str()),
            name: s.name.as_deref(),
            op_id: None,
        })
        .collect();
    sel.pick(&candidates)
        .map_err(|error| LoadError::ExecutionNotFound {
            file: file.to_string(),
            error,
        })
}

/// The loaded execution the selector picks (index into `executions`).
pub(crate) fn pick_execution(
    file: &str,
    sel: &ExecutionSelector,
    executions: &[Execution],
) -> Result<usize, LoadError> {
    let candidates: Vec<Candidate> = executions.iter().map(Candidate::from).collect();
    sel.pick(&candidates)
        .map_err(|error| LoadError::ExecutionNotFound {
            file: file.to_string(),
            error,
        })
}

pub(crate) fn check_cancel(opts: &LoadOptions, file: &str) -> Result<(), LoadError> {
    match opts.cancel {
        Some(c) if c.load(Ordering::Relaxed) => Err(LoadError::Cancelled {
            file: file.to_string(),
        }),
        _ => Ok(()),
    }
}

pub(crate) fn report(opts: &LoadOptions, done: u64, total: u64, what: &str) {
    if let Some(p) = opts.progress {
        p(Progress {
            done,
            total,
            what: what.to_string(),
        });
    }
}

/// Read a file in chunks so a large one reports progress and can be
/// cancelled between chunks.
pub(crate) fn read_with_progress(
    path: &Path,
    len: u64,
    opts: &LoadOptions,
) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let (mut f, meta) = input::open_regular(path)?;
    let len = len.max(meta.len());
    if opts.progress.is_none() && opts.cancel.is_none() {
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
        f.read_to_end(&mut buf)
            .map_err(|e| LoadError::io(path, e))?;
        return Ok(buf);
    }
    const CHUNK: u64 = 8 << 20;
    let file = path.display().to_string();
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    loop {
        check_cancel(opts, &file)?;
        let n = (&mut f)
            .take(CHUNK)
            .read_to_end(&mut buf)
            .map_err(|e| LoadError::io(path, e))?;
        report(opts, buf.len() as u64, len.max(buf.len() as u64), "bytes");
        if n == 0 {
            break;
        }
    }
    Ok(buf)
}

/// A parsed JSON input whose format is known.
pub(crate) struct Parsed<'a> {
    pub format: Format,
    docs: Vec<Doc>,
    /// The history events, already streamed into operations.
    events: EventSink<'a>,
    text: &'a str,
}

/// Check the bytes are a JSON document (not empty, UTF-8, starting with an
/// object or array), parse every top-level document and detect the format.
pub(crate) fn parse_bytes<'a>(file: &str, bytes: &'a [u8]) -> Result<Parsed<'a>, LoadError> {
    parse_bytes_via(file, bytes, Route::Fast)
}

/// Whether to try [`fast_events`] before serde (tests compare the two).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    Fast,
    /// Only the tests and the fuzz targets take it, as the reference.
    #[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
    Serde,
}

/// [`load_bytes`] with serde only, never the fast path: the reference the
/// fast path is tested against. Public only for the fuzz targets (feature
/// `fuzzing`, see fuzz/); not part of the API.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub fn load_bytes_serde_only(source: &str, bytes: &[u8]) -> Result<History, LoadError> {
    let parsed = parse_bytes_via(source, bytes, Route::Serde)?;
    build_parsed(source, parsed)
}

fn parse_bytes_via<'a>(file: &str, bytes: &'a [u8], route: Route) -> Result<Parsed<'a>, LoadError> {
    if bytes.starts_with(sqlite::MAGIC) {
        return Err(LoadError::NeedsPath {
            file: file.to_string(),
            format: Format::PythonStoreSqlite,
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(LoadError::Empty {
            file: file.to_string(),
        });
    };
    if !matches!(body[first], b'{' | b'[') {
        return Err(LoadError::Unrecognised {
            file: file.to_string(),
            found: top::describe_start(&body[first..]),
            tried: ALL_FORMATS.to_vec(),
        });
    }
    // One check of the whole file is cheaper than serde_json checking each
    // string it reads (and it also catches bad bytes in skipped values).
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = error::line_col(body, e.valid_up_to());
            return Err(LoadError::NotUtf8 {
                file: file.to_string(),
                line,
                column,
                offset: e.valid_up_to(),
            });
        }
    };
    let mut events = EventSink::new(file, SinkMode::Stream);
    events.expect_bytes(text.len());
    let fast_docs = match route {
        Route::Fast => fast_events::parse(text, &mut events),
        Route::Serde => None,
    };
    let docs = match fast_docs {
        Some(docs) => docs,
        None => {
            if route == Route::Fast {
                // What the fast path streamed before it gave up is dropped.
                events = EventSink::new(file, SinkMode::Stream);
                events.expect_bytes(text.len());
            }
            top::parse_docs(file, text, &mut events)?
        }
    };
    let format = classify(file, &docs)?;
    Ok(Parsed {
        format,
        docs,
        events,
        text,
    })
}

fn classify(file: &str, docs: &[Doc]) -> Result<Format, LoadError> {
    let one = |d: &Doc| -> Result<Format, String> {
        match d {
            Doc::Object(t) => t.format(),
            Doc::Events | Doc::Pages { .. } => Ok(Format::HistoryEvents),
            Doc::Ops(_) => Ok(Format::Operations),
            Doc::Checkpoints(_) => Ok(Format::CheckpointList),
            Doc::EmptyArray => Err("an empty array (no events or operations)".to_string()),
            Doc::OtherArray(what) => Err(what.clone()),
        }
    };
    match docs {
        [] => Err(LoadError::Empty {
            file: file.to_string(),
        }),
        [d] => one(d).map_err(|found| top::unrecognised(file, found)),
        many => {
            // Several documents: only history pages may be concatenated.
            for (i, d) in many.iter().enumerate() {
                match one(d) {
                    Ok(Format::HistoryEvents) => {}
                    Ok(f) => {
                        return Err(top::unrecognised(
                            file,
                            format!(
                                "{} concatenated JSON documents, document {} being {f} (only history event pages can be concatenated)",
                                many.len(),
                                i + 1
                            ),
                        ))
                    }
                    Err(found) => {
                        return Err(top::unrecognised(
                            file,
                            format!("{} concatenated JSON documents, document {} being {found}", many.len(), i + 1),
                        ))
                    }
                }
            }
            Ok(Format::HistoryEvents)
        }
    }
}

/// What a handler invocation input (`InitialExecutionState`) cannot know.
const SNAPSHOT_WARNING: &str = "partial state: a handler invocation input is the checkpoint state as one invocation received it, mid-run; what that invocation and later ones did (their operations, outcomes, the execution's end) and earlier invocation boundaries are not in it";

/// Build the history of a parsed input.
pub(crate) fn build_parsed(file: &str, parsed: Parsed<'_>) -> Result<History, LoadError> {
    let mut warnings = Vec::new();
    let format = parsed.format;
    let mut docs = parsed.docs;
    let exec = match format {
        Format::HistoryEvents => {
            check_pages(file, &docs, &mut warnings)?;
            match parsed.events.finish(&mut warnings)? {
                Some(exec) => exec,
                None => {
                    // Out of order or repeated EventIds: read again keeping
                    // every event, to sort and check them.
                    let mut collector = EventSink::new(file, SinkMode::Collect);
                    top::parse_docs(file, parsed.text, &mut collector)?;
                    sink::build(file, collector.into_collected(), &mut warnings)?
                }
            }
        }
        Format::Operations => match docs.pop() {
            Some(Doc::Ops(v)) => operations::build(file, "", v)?,
            Some(Doc::Object(t)) => {
                let exec =
                    operations::build(file, "/Operations", t.operations.unwrap_or_default())?;
                warnings.extend(
                    operations::missing_failure(&exec)
                        .into_iter()
                        .map(Warning::from),
                );
                exec
            }
            _ => return Err(top::unrecognised(file, "no operations".into())),
        },
        Format::InvocationInput => {
            let Some(Doc::Object(t)) = docs.pop() else {
                return Err(top::unrecognised(file, "no invocation input".into()));
            };
            let t = *t;
            let ops = t
                .initial_state
                .and_then(|s| s.operations)
                .unwrap_or_default();
            let mut exec = operations::build(file, "/InitialExecutionState/Operations", ops)?;
            if t.arn.is_some() {
                exec.arn = t.arn;
            }
            // The service hands this to a handler while the execution runs:
            // it is the state before one invocation, partial by construction.
            warnings.push(SNAPSHOT_WARNING.into());
            exec
        }
        Format::PythonStoreJson => {
            let Some(Doc::Object(t)) = docs.pop() else {
                return Err(top::unrecognised(file, "no store document".into()));
            };
            store::build(file, *t, &mut warnings)?
        }
        Format::CheckpointList => match docs.pop() {
            Some(Doc::Checkpoints(v)) => operations::build_checkpoints(file, v)?,
            _ => return Err(top::unrecognised(file, "no checkpoints".into())),
        },
        Format::DurableLens => {
            let Some(Doc::Object(t)) = docs.pop() else {
                return Err(top::unrecognised(file, "no durable-lens document".into()));
            };
            return lens::from_top(file, *t);
        }
        Format::PythonStoreDir | Format::PythonStoreSqlite | Format::Rerun => {
            return Err(top::unrecognised(
                file,
                format!("{format} in a JSON document"),
            ));
        }
    };
    let mut exec = exec;
    let parents = match format {
        Format::HistoryEvents => normalise::Parents::Settled,
        _ => normalise::Parents::Check,
    };
    normalise::normalise(&mut exec, parents, &mut warnings);
    Ok(History {
        source: file.to_string(),
        origin: None,
        format,
        executions: vec![exec],
        warnings,
    })
}

/// Every page has events, and the last page has no NextMarker left.
fn check_pages(file: &str, docs: &[Doc], warnings: &mut Vec<Warning>) -> Result<(), LoadError> {
    let mut last_marker = None;
    for (i, d) in docs.iter().enumerate() {
        match d {
            Doc::Object(t) => last_marker = t.next_marker.as_ref(),
            Doc::Pages {
                missing_events,
                last_marker: m,
            } => {
                if let Some(p) = missing_events {
                    let at = format!("{}/{p}/Events", top::doc_prefix(i));
                    return Err(LoadError::invalid(
                        file,
                        at,
                        "an Events array in every page",
                        "none",
                    ));
                }
                last_marker = m.as_ref();
            }
            _ => last_marker = None,
        }
    }
    if let Some(serde_json::Value::String(m)) = last_marker {
        if !m.is_empty() {
            warnings.push("the last page has a NextMarker: later events were not fetched".into());
        }
    }
    Ok(())
}

/// An `ErrorObject`, PascalCase or camelCase (`{ErrorType, ErrorMessage, ErrorData, StackTrace}`) as the model keeps it.
pub fn error_info(v: &serde_json::Value) -> crate::model::ErrorInfo {
    let s = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    crate::model::ErrorInfo {
        error_type: s("ErrorType").or_else(|| s("errorType")),
        message: s("ErrorMessage").or_else(|| s("errorMessage")),
        data: s("ErrorData"),
        stack_trace: v
            .get("StackTrace")
            .or_else(|| v.get("stackTrace"))
            .and_then(serde_json::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        truncated: false,
    }
}
