//! The Python testing SQLite store: table `executions`, one row per
//! execution, `data` holding the store JSON. Opened read-only and never
//! modified, also while the emulator writes it in WAL mode. Listing reads
//! only the indexed columns, never `data`.

use super::error::LoadError;
use super::{check_cancel, report, select_index, ExecutionSummary, LoadOptions};
use crate::model::{Execution, Format, Ts};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

/// How long to wait for a writer's lock before reporting `Locked`: long
/// enough to ride out one emulator checkpoint, short enough not to hang.
const BUSY_MS: u64 = 1000;

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

fn map_err(path: &Path, place: &str, e: rusqlite::Error) -> LoadError {
    use rusqlite::ErrorCode;
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) {
            return LoadError::Locked {
                file: file_of(path),
                place: place.to_string(),
                waited_ms: BUSY_MS,
            };
        }
    }
    LoadError::Sqlite {
        file: file_of(path),
        place: place.to_string(),
        message: e.to_string(),
    }
}

/// `file:` URI of a path: `%`, `?` and `#` would be read as URI syntax.
fn uri_path(path: &Path) -> String {
    let mut s = String::new();
    for c in path.display().to_string().chars() {
        match c {
            '%' => s.push_str("%25"),
            '?' => s.push_str("%3f"),
            '#' => s.push_str("%23"),
            c => s.push(c),
        }
    }
    s
}

/// Open read-only. A WAL-mode database needs a `-shm` file even to read;
/// when no `-wal` file exists no connection has the database open, so it is
/// opened `immutable` and nothing is created next to it (the fixtures folder
/// is read-only, and we never write beside a user's store). When a `-wal`
/// exists a writer may be active: read through the WAL to see its commits.
fn open(path: &Path) -> Result<Connection, LoadError> {
    let header = read_header(path)?;
    let wal_mode = header.get(18..20) == Some(&[2, 2]);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let immutable = wal_mode && !Path::new(&wal).exists();
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_path(path),
        if immutable { "&immutable=1" } else { "" }
    );
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(|e| map_err(path, "opening", e))?;
    conn.busy_timeout(Duration::from_millis(BUSY_MS))
        .map_err(|e| map_err(path, "opening", e))?;
    check_schema(path, &conn)?;
    Ok(conn)
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
pub(crate) fn list(path: &Path) -> Result<Vec<ExecutionSummary>, LoadError> {
    let conn = open(path)?;
    let place = "table executions";
    let mut stmt = conn
        .prepare(
            "SELECT durable_execution_arn, function_name, execution_name, status, start_timestamp, end_timestamp \
             FROM executions ORDER BY start_timestamp, durable_execution_arn",
        )
        .map_err(|e| map_err(path, place, e))?;
    let mut rows = stmt.query([]).map_err(|e| map_err(path, place, e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| map_err(path, place, e))? {
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
            operation_count: None,
        });
    }
    Ok(out)
}

fn load_row(
    path: &Path,
    conn: &Connection,
    arn: &str,
    warnings: &mut Vec<String>,
) -> Result<Execution, LoadError> {
    let place = format!("table executions, row {arn}");
    let mut stmt = conn
        .prepare_cached(
            "SELECT data, function_name FROM executions WHERE durable_execution_arn = ?1",
        )
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
    let source = format!("{}, {place}, column data", file_of(path));
    let data: Vec<u8> = match row.get_ref(0).unwrap_or(ValueRef::Null) {
        ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
        _ => return Err(LoadError::Empty { file: source }),
    };
    let function_name = row.get_ref(1).ok().and_then(text);
    let parsed = super::parse_bytes(&source, &data)?;
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

fn count(path: &Path, conn: &Connection) -> Result<usize, LoadError> {
    conn.query_row("SELECT COUNT(*) FROM executions", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n.max(0) as usize)
    .map_err(|e| map_err(path, "table executions", e))
}

pub(crate) fn load_one(path: &Path, arn: &str) -> Result<(Execution, Vec<String>), LoadError> {
    let conn = open(path)?;
    let mut warnings = Vec::new();
    let exec = load_row(path, &conn, arn, &mut warnings)?;
    Ok((exec, warnings))
}

/// Every execution (or the selected one), with progress per execution.
pub(crate) fn load_all(
    path: &Path,
    opts: &LoadOptions,
) -> Result<(Vec<Execution>, Vec<String>), LoadError> {
    let file = file_of(path);
    let summaries = list(path)?;
    let conn = open(path)?;
    let chosen: Vec<&ExecutionSummary> = match &opts.execution {
        Some(sel) => vec![&summaries[select_index(&file, &summaries, sel)?]],
        None => summaries.iter().collect(),
    };
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(chosen.len());
    for (k, s) in chosen.iter().enumerate() {
        check_cancel(opts, &file)?;
        report(opts, k as u64, chosen.len() as u64, "executions");
        out.push(load_row(path, &conn, &s.arn, &mut warnings)?);
    }
    report(opts, chosen.len() as u64, chosen.len() as u64, "executions");
    Ok((out, warnings))
}
