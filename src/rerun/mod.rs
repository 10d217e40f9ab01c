//! Re-run a linked handler against a recorded history. durable-lens plays the
//! durable execution service (`service`, rules in `state`) and Lambda
//! (`invoker`, processes in `process`) on loopback, drives the official SDKs
//! unmodified, compares every operation with the recording (`recorded`), and
//! builds the run into a `History` like a loader would (`history`). `session`
//! adds step control for the UI and the CLI, over the per-run bookkeeping in
//! `run_state`; `detected` handles divergences the SDK itself reports; `sigv4`
//! checks that every request to the service is signed with the run's secret.

mod acceptor;
pub mod attempts;
pub mod compare;
pub mod control;
mod detected;
pub mod history;
pub mod invoker;
pub mod link;
pub mod outcome;
pub mod partial;
pub mod preset;
pub mod process;
pub mod recorded;
mod run;
mod run_state;
pub mod runtime_api;
pub mod service;
pub mod session;
pub mod sigv4;
pub mod state;
#[cfg(unix)]
pub mod supervisor;
#[cfg(unix)]
pub mod tree;
pub mod wire;

pub use compare::{Comparison, Divergence, DivergenceKind};
pub use control::Verdict;
pub use invoker::{
    Answer, Answerer, Credentials, InvocationRecord, Invoker, InvokerConfig, InvokerError, Reuse,
    RunEvent, RunOutcome,
};
pub use outcome::{Change, ChangeKind, ValueChange};
pub use process::{HandlerCommand, HoldMeter, ProcessError, Running, Stopper};
pub use recorded::{place_label, PlacePath, Places, Recorded, RecordedAnswers};
pub use service::{CheckpointGate, CheckpointNotice, GateDecision, Service, ServiceError};
pub use session::{
    run_headless, Command, Mode, Report, Role, Session, SessionConfig, SessionEvent, StartPoint,
};
pub use state::{ExecState, Rejection};
