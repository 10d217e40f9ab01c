//! The history model: plain data shared by every loader, the replay analysis,
//! the diff, the re-run engine, the CLI and the UI. Types only, no parsing.
//!
//! One `History` holds one or more `Execution`s (a store holds many). An
//! execution owns its operations in checkpoint order (the order in which they
//! were first recorded) and the invocations that produced them.

mod payload;
mod time;
mod warning;

pub use payload::{decode_python_envelope, Payload};
pub use time::{format_duration_micros, format_span, Ts, INVALID_TIME};
pub use warning::{Warning, WarningKind};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which loader produced a history; shown to users as "format detected".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// GetDurableExecutionHistory `{"Events": [...]}` or a bare event array.
    HistoryEvents,
    /// GetDurableExecutionState `{"Operations": [...]}` or a bare operation array.
    Operations,
    /// A handler invocation input event (`InitialExecutionState`).
    InvocationInput,
    /// One execution JSON file of the Python testing filesystem store.
    PythonStoreJson,
    /// A folder of Python testing store execution files.
    PythonStoreDir,
    /// The Python testing SQLite store.
    PythonStoreSqlite,
    /// The camelCase checkpoint list (`operationId`, `operationType`, ...).
    CheckpointList,
    /// durable-lens's own versioned export document.
    DurableLens,
    /// Produced by a durable-lens re-run of a handler.
    Rerun,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::HistoryEvents => "history events (GetDurableExecutionHistory)",
            Format::Operations => "operations (GetDurableExecutionState)",
            Format::InvocationInput => "handler invocation input",
            Format::PythonStoreJson => "Python testing store (execution JSON)",
            Format::PythonStoreDir => "Python testing store (folder)",
            Format::PythonStoreSqlite => "Python testing store (SQLite)",
            Format::CheckpointList => "checkpoint list (camelCase)",
            Format::DurableLens => "durable-lens export",
            Format::Rerun => "durable-lens re-run",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which SDK wrote a history, guessed from operation id shapes and payload
/// encodings; used to pick wording, never to change the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sdk {
    Python,
    /// Named by the JS SDK's own text (its non-determinism error).
    Js,
    /// The official Rust SDK (`aws-durable-execution-sdk`).
    Rust,
    /// Operation ids in the md5 scheme, which the JS SDK and the Java one
    /// (on the service, tests/fixtures/aws-service) share: the ids cannot
    /// tell the two apart.
    #[serde(rename = "js-or-java")]
    JsOrJava,
    #[default]
    Unknown,
}

impl Sdk {
    /// The id this SDK gives the operation whose id text is `text` (the
    /// counter, or `<parent id>-<counter>`; docs/formats.md §1): the first
    /// 16 hex of md5 (JS), 64 hex of blake2b (Python) or the sha256 hex of
    /// the 1-based positional path (Rust, whose root text is the counter).
    pub fn op_id(self, text: &str) -> Option<String> {
        use blake2::{Blake2b512, Digest};
        use std::fmt::Write;
        match self {
            Sdk::Js | Sdk::JsOrJava => {
                Some(format!("{:x}", md5::compute(text.as_bytes()))[..16].to_string())
            }
            Sdk::Python => {
                let mut hex = String::with_capacity(128);
                for b in Blake2b512::digest(text.as_bytes()) {
                    let _ = write!(hex, "{b:02x}");
                }
                hex.truncate(64);
                Some(hex)
            }
            Sdk::Rust => {
                use sha2::Sha256;
                let mut hex = String::with_capacity(64);
                for b in Sha256::digest(text.as_bytes()) {
                    let _ = write!(hex, "{b:02x}");
                }
                Some(hex)
            }
            Sdk::Unknown => None,
        }
    }

    /// Which SDK wrote an execution: the one place this is guessed (every
    /// loader and the re-run history call it). 16-hex operation ids are the
    /// md5 prefixes the JS and Java SDKs both write (`JsOrJava`: nothing in
    /// a history tells which); a 64-hex id is the Python SDK's only when it is
    /// its blake2b of a small counter under its parent (other SDKs, Java on
    /// the service among them, also write 64-hex ids); failing that, a
    /// Python typed envelope (`{"t":...}`) in any payload. Only the first
    /// operations and payloads are looked at: one is enough.
    pub fn guess(exec: &Execution) -> Sdk {
        let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
        // A later page alone starts at any counter: a root id is tried up
        // to the service's 3,000 operations (about a millisecond), once.
        let python_id = |op: &Operation| {
            let most = if op.parent_id.is_some() { 64 } else { 3_000u32 };
            (1..=most).any(|n| {
                let text = match &op.parent_id {
                    Some(p) => format!("{p}-{n}"),
                    None => n.to_string(),
                };
                Sdk::Python.op_id(&text).as_deref() == Some(op.id.as_str())
            })
        };
        let mut tried_64 = false;
        for op in exec.operations.iter().take(16) {
            if is_hex(&op.id) {
                match op.id.len() {
                    16 => return Sdk::JsOrJava,
                    64 if !tried_64 => {
                        tried_64 = true;
                        if python_id(op) {
                            return Sdk::Python;
                        }
                        // The Rust SDK's root ids: sha256 of the counter.
                        let rust_root = op.parent_id.is_none()
                            && (1..=3_000u32).any(|n| {
                                Sdk::Rust.op_id(&n.to_string()).as_deref() == Some(op.id.as_str())
                            });
                        if rust_root {
                            return Sdk::Rust;
                        }
                    }
                    _ => {}
                }
            }
        }
        let payloads = exec
            .operations
            .iter()
            .take(64)
            .filter_map(|o| o.result.as_ref())
            .chain(exec.result.as_ref())
            .chain(exec.input.as_ref());
        for p in payloads {
            if p.raw.starts_with("{\"t\":") && p.is_python_envelope() {
                return Sdk::Python;
            }
        }
        Sdk::Unknown
    }
}

/// Everything loaded from one file, folder or store.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct History {
    /// Where it came from (a path, or a description such as "re-run of X").
    pub source: String,
    /// Where the data was first loaded from, when `source` is a durable-lens
    /// export of it (the export names itself in `source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    pub format: Format,
    pub executions: Vec<Execution>,
    /// Problems that did not stop the load but that a user must see
    /// (a gap in event ids, truncated payloads, ...).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpType {
    Execution,
    Step,
    Wait,
    Callback,
    ChainedInvoke,
    Context,
}

impl OpType {
    pub fn as_str(self) -> &'static str {
        match self {
            OpType::Execution => "EXECUTION",
            OpType::Step => "STEP",
            OpType::Wait => "WAIT",
            OpType::Callback => "CALLBACK",
            OpType::ChainedInvoke => "CHAINED_INVOKE",
            OpType::Context => "CONTEXT",
        }
    }

    pub fn parse(s: &str) -> Option<OpType> {
        Some(match s {
            "EXECUTION" => OpType::Execution,
            "STEP" => OpType::Step,
            "WAIT" => OpType::Wait,
            "CALLBACK" => OpType::Callback,
            "CHAINED_INVOKE" => OpType::ChainedInvoke,
            "CONTEXT" => OpType::Context,
            _ => return None,
        })
    }
}

impl fmt::Display for OpType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpStatus {
    Started,
    Pending,
    Ready,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Stopped,
}

impl OpStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OpStatus::Started => "STARTED",
            OpStatus::Pending => "PENDING",
            OpStatus::Ready => "READY",
            OpStatus::Succeeded => "SUCCEEDED",
            OpStatus::Failed => "FAILED",
            OpStatus::Cancelled => "CANCELLED",
            OpStatus::TimedOut => "TIMED_OUT",
            OpStatus::Stopped => "STOPPED",
        }
    }

    pub fn parse(s: &str) -> Option<OpStatus> {
        Some(match s {
            "STARTED" => OpStatus::Started,
            "PENDING" => OpStatus::Pending,
            "READY" => OpStatus::Ready,
            "SUCCEEDED" => OpStatus::Succeeded,
            "FAILED" => OpStatus::Failed,
            "CANCELLED" => OpStatus::Cancelled,
            "TIMED_OUT" => OpStatus::TimedOut,
            "STOPPED" => OpStatus::Stopped,
            _ => return None,
        })
    }

    /// A terminal checkpoint is replayed instead of re-run.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OpStatus::Succeeded
                | OpStatus::Failed
                | OpStatus::Cancelled
                | OpStatus::TimedOut
                | OpStatus::Stopped
        )
    }
}

impl fmt::Display for OpStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the SDKs and the service record it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub error_type: Option<String>,
    pub message: Option<String>,
    pub data: Option<String>,
    #[serde(default)]
    pub stack_trace: Vec<String>,
    /// The service marked the error payload as truncated.
    #[serde(default)]
    pub truncated: bool,
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.error_type, &self.message) {
            (Some(t), Some(m)) => write!(f, "{t}: {m}"),
            (Some(t), None) => f.write_str(t),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str("(no error details)"),
        }
    }
}

/// One attempt of a step. Retried steps keep every attempt, not only the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based attempt number.
    pub number: u32,
    pub start: Option<Ts>,
    pub end: Option<Ts>,
    pub status: OpStatus,
    pub error: Option<ErrorInfo>,
    /// When the service scheduled the next attempt (backoff end), if retried.
    pub next_attempt_at: Option<Ts>,
    /// Invocation (0-based index into `Execution::invocations`) this attempt ran in.
    pub invocation: Option<usize>,
}

/// One durable operation, as its final checkpoint describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    /// `None` for operations of the root context (the EXECUTION operation's
    /// id as parent is normalised to `None` by loaders).
    pub parent_id: Option<String>,
    pub name: Option<String>,
    pub op_type: OpType,
    pub sub_type: Option<String>,
    pub status: OpStatus,
    pub start: Option<Ts>,
    pub end: Option<Ts>,
    pub result: Option<Payload>,
    pub error: Option<ErrorInfo>,
    /// Steps: every attempt in order. Empty for other types.
    #[serde(default)]
    pub attempts: Vec<Attempt>,
    /// Waits: when the wait is scheduled to end.
    pub scheduled_end: Option<Ts>,
    /// Waits: the requested duration in seconds.
    pub wait_seconds: Option<f64>,
    /// Callbacks: the callback id given to external systems.
    pub callback_id: Option<String>,
    /// Steps pending a retry: when the next attempt is due.
    pub next_attempt_at: Option<Ts>,
    /// Invocation (0-based) in which the operation was first checkpointed,
    /// when the source tells it.
    pub started_in: Option<usize>,
    /// Invocation (0-based) in which the operation reached its terminal status,
    /// when the source tells it; `None` for service-side completions between
    /// invocations (a wait timer, a callback answered from outside) or unknown.
    pub finished_in: Option<usize>,
}

impl Operation {
    /// An operation with only its identity and status set; loaders and tests
    /// fill in the rest with struct-update syntax.
    pub fn new(id: impl Into<String>, op_type: OpType, status: OpStatus) -> Operation {
        Operation {
            id: id.into(),
            parent_id: None,
            name: None,
            op_type,
            sub_type: None,
            status,
            start: None,
            end: None,
            result: None,
            error: None,
            attempts: Vec::new(),
            scheduled_end: None,
            wait_seconds: None,
            callback_id: None,
            next_attempt_at: None,
            started_in: None,
            finished_in: None,
        }
    }

    /// Record the start of the next attempt of a step (loaders call this at
    /// every START). Sized exactly: a first push would reserve room for
    /// four attempts, and most steps run once.
    pub fn start_attempt(&mut self, at: Option<Ts>, invocation: Option<usize>) {
        self.attempts.reserve_exact(1);
        self.attempts.push(Attempt {
            number: self.attempts.len() as u32 + 1,
            start: at,
            end: None,
            status: OpStatus::Started,
            error: None,
            next_attempt_at: None,
            invocation,
        });
    }

    /// `'name'`-style label used in messages; falls back to the id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

impl Attempt {
    /// When the `next` attempt started before this one's retry was due:
    /// the recorded backoff did not really elapse (a local runner that skips
    /// time). Returns (recorded backoff, real gap) in µs, from this
    /// attempt's end (else start).
    pub fn skipped_backoff(&self, next: &Attempt) -> Option<(i64, i64)> {
        let from = self.end.or(self.start)?;
        let due = self.next_attempt_at?;
        let started = next.start?;
        let backoff = from.micros_until(due)?;
        let gap = from.micros_until(started)?;
        // A millisecond of slack: timestamps are rounded to it.
        (started.micros_until(due)? > 1_000).then_some((backoff, gap))
    }
}

/// What an unnamed operation is to its parent, for its label: the callback
/// and the submitter of a wait-for-callback, else its type.
pub fn role_word(op: &Operation, parent: &Operation) -> String {
    let in_wait_for_callback = parent.sub_type.as_deref() == Some("WaitForCallback");
    match op.op_type {
        OpType::Callback => "callback".into(),
        OpType::Step if in_wait_for_callback => "submitter".into(),
        t => t.as_str().to_ascii_lowercase(),
    }
}

/// One run of the handler (one Lambda invocation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    pub start: Option<Ts>,
    pub end: Option<Ts>,
    pub request_id: Option<String>,
    pub error: Option<ErrorInfo>,
    /// Not recorded by the source: reconstructed from wait/callback/retry
    /// boundaries by the replay analysis.
    #[serde(default)]
    pub inferred: bool,
    /// `start` was not recorded but inferred (from the event that woke the
    /// handler: execution started, a wait or retry timer ended, a callback
    /// answered, a chained invoke returned). `start: None` is unknown.
    #[serde(default)]
    pub start_inferred: bool,
    /// `end` was not recorded but inferred (the next invocation's start, the
    /// execution's end). `end: None` is unknown.
    #[serde(default)]
    pub end_inferred: bool,
}

/// One durable execution.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// The execution ARN where known, else the EXECUTION operation id.
    pub arn: Option<String>,
    /// The EXECUTION operation's id (the invocation id the SDKs see).
    pub execution_op_id: Option<String>,
    pub name: Option<String>,
    pub function_name: Option<String>,
    /// `None` while running or unknown.
    pub status: Option<OpStatus>,
    pub start: Option<Ts>,
    pub end: Option<Ts>,
    pub input: Option<Payload>,
    pub result: Option<Payload>,
    pub error: Option<ErrorInfo>,
    /// Every operation except the EXECUTION one, in checkpoint order.
    pub operations: Vec<Operation>,
    pub invocations: Vec<Invocation>,
    #[serde(default)]
    pub sdk: Sdk,
}

impl Execution {
    /// A short label for pickers and messages.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.arn.clone())
            .or_else(|| self.execution_op_id.clone())
            .unwrap_or_else(|| "(unnamed execution)".to_string())
    }

    /// The execution's ARN, only when `arn` holds one: sources without an
    /// ARN keep a store key or the EXECUTION operation id there, and those
    /// must not be shown as ARNs.
    pub fn true_arn(&self) -> Option<&str> {
        self.arn.as_deref().filter(|a| is_arn(a))
    }

    /// Index of an operation by id. Linear: callers that need many lookups
    /// build a map once.
    pub fn op_index(&self, id: &str) -> Option<usize> {
        self.operations.iter().position(|o| o.id == id)
    }
}

/// An Amazon Resource Name (`arn:partition:service:...`), as opposed to
/// the other ids a source may key an execution by.
pub fn is_arn(s: &str) -> bool {
    s.starts_with("arn:")
}

/// What replay checks about an operation: its type, subtype and name. Two
/// operations with equal signatures at the same context and position are the
/// same operation, whatever their ids (the SDKs hash ids differently).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OpSig {
    pub name: Option<String>,
    pub op_type: OpType,
    pub sub_type: Option<String>,
}

impl OpSig {
    pub fn of(op: &Operation) -> OpSig {
        OpSig {
            name: op.name.clone(),
            op_type: op.op_type,
            sub_type: op.sub_type.clone(),
        }
    }

    /// `'process-payment' of type STEP`
    pub fn describe(&self) -> String {
        format!(
            "'{}' of type {}",
            self.name.as_deref().unwrap_or("(unnamed)"),
            self.op_type
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_ids(ids: &[&str]) -> Execution {
        Execution {
            operations: ids
                .iter()
                .map(|id| Operation::new(*id, OpType::Step, OpStatus::Succeeded))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_sdk_is_guessed_from_id_shapes_then_payloads() {
        // md5 ids: the JS SDK's and the Java SDK's scheme alike, never
        // claimed to be JS's alone (the service's Java histories).
        assert_eq!(Sdk::guess(&with_ids(&["c4ca4238a0b92382"])), Sdk::JsOrJava);
        let py = "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97";
        assert_eq!(Sdk::guess(&with_ids(&["step-1", py])), Sdk::Python);
        // A 64-hex id that is no Python counter hash (the Java SDK on the
        // service, tests/fixtures/aws-service) is not Python's.
        let java = "8a669877193c357c92b2c13ac020c1b48a669877193c357c92b2c13ac020c1b4";
        assert_eq!(Sdk::guess(&with_ids(&[java])), Sdk::Unknown);
        // No telling id: a Python typed envelope in a payload (the re-run
        // history used to look at ids only and said "unknown" here).
        let mut e = with_ids(&["step-1"]);
        assert_eq!(Sdk::guess(&e), Sdk::Unknown);
        e.result = Some(Payload::new(r#"{"t":"m","v":{}}"#));
        assert_eq!(Sdk::guess(&e), Sdk::Python);
    }

    #[test]
    fn only_arn_strings_are_arns() {
        let mut e = Execution {
            arn: Some("3379/inv-123".into()),
            ..Default::default()
        };
        assert_eq!(e.true_arn(), None);
        e.arn = Some("arn:aws:lambda:us-east-1:1:function:f/durable-execution/x/y".into());
        assert!(e.true_arn().is_some());
    }
}
