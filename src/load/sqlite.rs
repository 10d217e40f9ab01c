//! The Python testing SQLite store: table `executions`, one row per
//! execution, `data` holding the store JSON. Opened read-only and never
//! modified, also while the emulator writes it in WAL mode (how: see
//! `sqlite_read`). Listing reads only the indexed columns, never `data`;
//! every listing or load is one query (or two, for a selection) in one read
//! transaction, never one lookup per row (without a primary key each lookup
//! is a full scan).

use super::error::LoadError;
use super::sqlite_read::{map_err, read, Bounds, Clock};
use super::{check_cancel, report, select_index, ExecutionSummary, LoadOptions};
use crate::model::{Execution, Format, Ts, Warning};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::path::Path;

pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

const COLUMNS: [&str; 7] = [
    "durable_execution_arn",
    "function_name",
    "execution_name",
    "status",
    "start_timestamp",
    "end_timestamp",
    "data",
];

fn file_of(path: &Path) -> String {
    path.display().to_string()
}

/// The first 100 bytes (the SQLite header), without reading the whole file.
pub(crate) fn read_header(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(100);
    std::fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut head))
        .map_err(|e| LoadError::io(path, e))?;
    Ok(head)
}

fn check_schema(path: &Path, conn: &Connection) -> Result<(), LoadError> {
    let place = "schema";
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info('executions')")
        .map_err(|e| map_err(path, place, e))?;
    let cols: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| map_err(path, place, e))?;
    let expected = COLUMNS.join(", ");
    if cols.is_empty() {
        let mut t = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .map_err(|e| map_err(path, place, e))?;
        let tables: Vec<String> = t
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| map_err(path, place, e))?;
        return Err(LoadError::Schema {
            file: file_of(path),
            table: "executions".into(),
            expected,
            found: if tables.is_empty() {
                "no tables".into()
            } else {
                format!("no such table (tables: {})", tables.join(", "))
            },
        });
    }
    if COLUMNS.iter().any(|c| !cols.iter().any(|x| x == c)) {
        return Err(LoadError::Schema {
            file: file_of(path),
            table: "executions".into(),
            expected,
            found: cols.join(", "),
        });
    }
    Ok(())
}

fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        _ => None,
    }
}

fn stamp(v: ValueRef<'_>) -> Option<Ts> {
    match v {
        ValueRef::Real(f) => Ts::from_number(f, false),
        ValueRef::Integer(i) => Ts::from_number(i as f64, true),
        ValueRef::Text(t) => std::str::from_utf8(t).ok().and_then(Ts::parse_iso),
        _ => None,
    }
}

/// Every execution, oldest first, from the indexed columns only.
pub(crate) fn list(path: &Path, opts: &LoadOptions) -> Result<Vec<ExecutionSummary>, LoadError> {
    list_within(path, &Bounds::new(opts.cancel))
}

/// [`list`] with each execution's operation count and error type.
pub(crate) fn list_detailed(
    path: &Path,
    opts: &LoadOptions,
) -> Result<Vec<ExecutionSummary>, LoadError> {
    read(path, &Bounds::new(opts.cancel), |conn, clock| {
        check_schema(path, conn)?;
        list_rows(path, conn, clock, true)
    })
}

pub(crate) fn list_within(
    path: &Path,
    bounds: &Bounds,
) -> Result<Vec<ExecutionSummary>, LoadError> {
    read(path, bounds, |conn, clock| {
        check_schema(path, conn)?;
        list_rows(path, conn, clock, false)
    })
}

const ORDER: &str = "ORDER BY start_timestamp, durable_execution_arn";

fn list_rows(
    path: &Path,
    conn: &Connection,
    clock: &Clock,
    with_details: bool,
) -> Result<Vec<ExecutionSummary>, LoadError> {
    let place = "table executions";
    // With details, counted and read by SQLite's own JSON functions (one
    // pass, no JSON parse of ours), which reads every `data` blob: the
    // plain listing (CLI `list`, the benchmark's < 100 ms) does not. A
    // `data` that is not JSON counts as unknown, never an error; the
    // EXECUTION operation is not counted, as loaders do not.
    let details = if with_details {
        ", CASE WHEN json_valid(data) AND json_type(data, '$.Operations') = 'array' THEN \
           (SELECT count(*) FROM json_each(data, '$.Operations') \
            WHERE json_extract(value, '$.Type') IS NOT 'EXECUTION') END, \
         CASE WHEN json_valid(data) THEN json_extract(data, '$.Result.Error.ErrorType') END"
    } else {
        ""
    };
    let mut stmt = conn
        .prepare(&format!(
            "SELECT durable_execution_arn, function_name, execution_name, status, start_timestamp, end_timestamp{details} \
             FROM executions {ORDER}"
        ))
        .map_err(|e| map_err(path, place, e))?;
    let mut rows = stmt.query([]).map_err(|e| map_err(path, place, e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| map_err(path, place, e))? {
        clock.tick();
        let get = |i: usize| row.get_ref(i).unwrap_or(ValueRef::Null);
        let Some(arn) = text(get(0)) else {
            return Err(LoadError::invalid(
                &file_of(path),
                format!(
                    "table executions, row {}, column durable_execution_arn",
                    out.len() + 1
                ),
                "an execution ARN (text)",
                "NULL or a blob",
            ));
        };
        out.push(ExecutionSummary {
            arn,
            function_name: text(get(1)),
            name: text(get(2)),
            status: text(get(3)),
            start: stamp(get(4)),
            end: stamp(get(5)),
            operation_count: match (with_details, get(6)) {
                (true, ValueRef::Integer(n)) => usize::try_from(n).ok(),
                _ => None,
            },
            error_type: if with_details { text(get(7)) } else { None },
        });
    }
    Ok(out)
}

/// The execution of one row's `data` (`function_name` fills in a document
/// that has none).
fn exec_of_row(
    path: &Path,
    arn: &str,
    data: ValueRef<'_>,
    function_name: Option<String>,
    warnings: &mut Vec<Warning>,
) -> Result<Execution, LoadError> {
    let place = format!("table executions, row {arn}");
    let source = format!("{}, {place}, column data", file_of(path));
    let data: &[u8] = match data {
        ValueRef::Text(t) | ValueRef::Blob(t) => t,
        _ => return Err(LoadError::Empty { file: source }),
    };
    let parsed = super::parse_bytes(&source, data)?;
    if parsed.format != Format::PythonStoreJson {
        return Err(super::top::unrecognised(
            &source,
            format!("{} instead of a store execution document", parsed.format),
        ));
    }
    let mut h = super::build_parsed(&source, parsed)?;
    warnings.append(&mut h.warnings);
    let mut exec = h.executions.pop().ok_or_else(|| LoadError::Empty {
        file: source.clone(),
    })?;
    if exec.function_name.is_none() {
        exec.function_name = function_name;
    }
    Ok(exec)
}

fn load_row(
    path: &Path,
    conn: &Connection,
    clock: &Clock,
    arn: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Execution, LoadError> {
    let place = format!("table executions, row {arn}");
    let mut stmt = conn
        .prepare("SELECT data, function_name FROM executions WHERE durable_execution_arn = ?1")
        .map_err(|e| map_err(path, &place, e))?;
    let mut rows = stmt.query([arn]).map_err(|e| map_err(path, &place, e))?;
    let Some(row) = rows.next().map_err(|e| map_err(path, &place, e))? else {
        return Err(LoadError::ExecutionNotFound {
            file: file_of(path),
            error: crate::select::SelectError::NoMatch {
                selector: arn.to_string(),
                count: count(path, conn)?,
                candidates: Vec::new(),
            },
        });
    };
    clock.tick();
    let function_name = row.get_ref(1).ok().and_then(text);
    exec_of_row(
        path,
        arn,
        row.get_ref(0).unwrap_or(ValueRef::Null),
        function_name,
        warnings,
    )
}

fn count(path: &Path, conn: &Connection) -> Result<usize, LoadError> {
    conn.query_row("SELECT COUNT(*) FROM executions", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n.max(0) as usize)
    .map_err(|e| map_err(path, "table executions", e))
}

pub(crate) fn load_one(
    path: &Path,
    arn: &str,
    opts: &LoadOptions,
) -> Result<(Execution, Vec<Warning>), LoadError> {
    read(path, &Bounds::new(opts.cancel), |conn, clock| {
        check_schema(path, conn)?;
        let mut warnings = Vec::new();
        let exec = load_row(path, conn, clock, arn, &mut warnings)?;
        Ok((exec, warnings))
    })
}

/// What [`load_all`] read: the executions, the warnings, and the selected
/// execution's 1-based number.
type Loaded = (Vec<Execution>, Vec<Warning>, Option<usize>);

/// Every execution, or the one `opts.execution` selects with its 1-based
/// number in listing order; with progress per execution. The selection is
/// listed and read in one read transaction, so a writer cannot change the
/// rows between the two.
pub(crate) fn load_all(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let file = file_of(path);
    read(path, &Bounds::new(opts.cancel), |conn, clock| {
        check_schema(path, conn)?;
        let mut warnings = Vec::new();
        if let Some(sel) = &opts.execution {
            let summaries = list_rows(path, conn, clock, false)?;
            let i = select_index(&file, &summaries, sel)?;
            report(opts, 0, 1, "executions");
            let exec = load_row(path, conn, clock, &summaries[i].arn, &mut warnings)?;
            report(opts, 1, 1, "executions");
            return Ok((vec![exec], warnings, Some(i + 1)));
        }
        let total = count(path, conn)? as u64;
        let place = "table executions";
        let mut stmt = conn
            .prepare(&format!(
                "SELECT durable_execution_arn, data, function_name FROM executions {ORDER}"
            ))
            .map_err(|e| map_err(path, place, e))?;
        let mut rows = stmt.query([]).map_err(|e| map_err(path, place, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| map_err(path, place, e))? {
            check_cancel(opts, &file)?;
            report(opts, out.len() as u64, total, "executions");
            let Some(arn) = text(row.get_ref(0).unwrap_or(ValueRef::Null)) else {
                return Err(LoadError::invalid(
                    &file,
                    format!(
                        "table executions, row {}, column durable_execution_arn",
                        out.len() + 1
                    ),
                    "an execution ARN (text)",
                    "NULL or a blob",
                ));
            };
            let function_name = row.get_ref(2).ok().and_then(text);
            let data = row.get_ref(1).unwrap_or(ValueRef::Null);
            out.push(exec_of_row(path, &arn, data, function_name, &mut warnings)?);
            clock.tick();
        }
        report(opts, out.len() as u64, out.len() as u64, "executions");
        Ok((out, warnings, None))
    })
}
