//! The vocabulary between a re-run session and whoever drives it (the UI,
//! the CLI): where to start, when to pause, commands in, events out, and the
//! report a finished run leaves.

use super::compare::{Comparison, Divergence};
use super::invoker::{Answer, InvocationRecord, Reuse, RunOutcome};
use super::process::HandlerCommand;
use super::recorded::PlacePath;
use crate::model::{Execution, History, Operation};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPoint {
    /// A new execution with the recorded input.
    Fresh,
    /// The state the handler saw at recorded invocation k (0-based).
    FromInvocation(usize),
}

/// When to pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At every executed operation.
    Step,
    /// Only at breakpoints (and the first divergence, which ends the run).
    Continue,
    /// Once this many distinct operations have been seen (1-based), or at a breakpoint.
    RunTo(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Step,
    Continue,
    RunTo(usize),
    SetBreakpoints(Vec<String>),
    Restart,
    Back,
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Replayed,
    Executed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    RunStarted {
        run: u32,
    },
    InvocationStarted {
        run: u32,
        index: usize,
        request_id: String,
    },
    /// An operation the handler produced, the first time it is seen: `op`
    /// as it stood after the checkpoint that first carried it (a step whose
    /// START and SUCCEED came in one batch is already SUCCEEDED here);
    /// later changes come as `OperationUpdated`.
    OperationSeen {
        run: u32,
        invocation: usize,
        /// Distinct operations seen in this run so far, this one included.
        seen: usize,
        op: Box<Operation>,
        place: PlacePath,
        role: Role,
        comparison: Comparison,
    },
    /// An operation already reported by `OperationSeen` changed: a later
    /// checkpoint (SUCCEED, FAIL, RETRY, a context closing) or a completion
    /// the invoker applied between invocations (a wait's timer, a retry's
    /// backoff, a callback's or chained invoke's answer). `op` is the whole
    /// operation as it is now, as the saved re-run will show it.
    /// `invocation` is the one whose checkpoint changed it, or for a
    /// completion between invocations, the one that ended before it.
    OperationUpdated {
        run: u32,
        invocation: usize,
        op: Box<Operation>,
        place: PlacePath,
    },
    Paused {
        run: u32,
        seen: usize,
        op_id: String,
    },
    InvocationEnded {
        run: u32,
        record: Box<InvocationRecord>,
    },
    Divergence {
        run: u32,
        divergence: Divergence,
    },
    Finished {
        run: u32,
        report: Box<Report>,
    },
    Error {
        run: u32,
        message: String,
    },
}

impl SessionEvent {
    /// The run the event belongs to (a UI drops a stale run's events).
    pub fn run(&self) -> u32 {
        match self {
            SessionEvent::RunStarted { run }
            | SessionEvent::InvocationStarted { run, .. }
            | SessionEvent::OperationSeen { run, .. }
            | SessionEvent::OperationUpdated { run, .. }
            | SessionEvent::Paused { run, .. }
            | SessionEvent::InvocationEnded { run, .. }
            | SessionEvent::Divergence { run, .. }
            | SessionEvent::Finished { run, .. }
            | SessionEvent::Error { run, .. } => *run,
        }
    }
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub history: History,
    pub outcome: Option<RunOutcome>,
    pub invocations: Vec<InvocationRecord>,
    pub divergence: Option<Divergence>,
    pub error: Option<String>,
    /// Per invocation, the place of the first executed operation of each
    /// context that executed something (replay → execution switch points).
    pub switches: Vec<(usize, PlacePath)>,
    /// What changed without changing the execution's shape (results,
    /// statuses, invocation count), for a run that ended; see `outcome`.
    pub changes: Vec<super::outcome::Change>,
}

/// `same`: matches the recording; `changed`: same shape and outcome, some
/// results or statuses differ (`Report::changes`); `diverged`: see
/// `Report::divergence`; `error`: the run could not finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Same,
    Changed,
    Diverged,
    Error,
}

impl Report {
    /// The verdict and the exit code `durable-lens rerun` ends with: 2 when
    /// the run could not finish, 1 on a divergence (or, under `strict`, a
    /// change), 0 otherwise. The app's panel says the same.
    pub fn verdict(&self, strict: bool) -> (Verdict, i32) {
        match (&self.error, &self.divergence, self.changes.is_empty()) {
            (Some(_), _, _) => (Verdict::Error, 2),
            (None, Some(_), _) => (Verdict::Diverged, 1),
            // Ended with neither outcome nor reason (the service could not
            // start): nothing was judged.
            (None, None, _) if self.outcome.is_none() => (Verdict::Error, 2),
            (None, None, false) => (Verdict::Changed, i32::from(strict)),
            (None, None, true) => (Verdict::Same, 0),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub recorded: Execution,
    pub handler: HandlerCommand,
    pub start: StartPoint,
    pub timeout: Duration,
    pub page_size: usize,
    /// Warm (the default) or cold Runtime API processes.
    pub reuse: Reuse,
    pub mode: Mode,
    pub breakpoints: Vec<String>,
    /// User answers for callbacks/chained invokes, by operation name,
    /// operation id, callback id or place label.
    pub answers: HashMap<String, Answer>,
    /// Run a partial recording (see `partial`), answering what it lacks
    /// with `null`; each guess becomes a warning of the produced history.
    pub allow_partial: bool,
    /// `History::source` of the produced history.
    pub source: String,
}

impl SessionConfig {
    pub fn new(recorded: Execution, handler: HandlerCommand) -> SessionConfig {
        SessionConfig {
            recorded,
            handler,
            start: StartPoint::Fresh,
            timeout: Duration::from_secs(60),
            page_size: 1000,
            reuse: Reuse::default(),
            mode: Mode::Continue,
            breakpoints: Vec::new(),
            answers: HashMap::new(),
            allow_partial: false,
            source: "durable-lens re-run".into(),
        }
    }
}
