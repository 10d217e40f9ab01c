//! The thread behind one run of a session: starts the local service with
//! the starting state, plugs the session's gate into it, drives the invoker,
//! and hands back the outcome and the run as a `History`. Also the headless
//! driver the CLI uses.

use super::history::{self, HistoryParts};
use super::invoker::{Credentials, Invoker, InvokerConfig, InvokerError, RunEvent, RunOutcome};
use super::process::{HoldMeter, Stopper};
use super::recorded::{Recorded, RecordedAnswers};
use super::service::{CheckpointGate, CheckpointNotice, GateDecision, Service};
use super::session::{Command, Mode, Report, Session, SessionConfig, SessionEvent};
use super::state::ExecState;
use super::wire::WireOp;
use crate::model::{History, Operation};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

pub(super) enum Msg {
    Command(Command),
    Gate {
        run: u32,
        notice: CheckpointNotice,
        reply: Sender<GateDecision>,
    },
    /// At an invocation's start, `terminal`: the operations it will replay;
    /// `ops`: every operation as the history shows it, so the session
    /// learns what the invoker completed between invocations (waits,
    /// retries, callbacks, chained invokes). Both empty otherwise.
    Run {
        run: u32,
        event: RunEvent,
        terminal: Vec<WireOp>,
        ops: Vec<Operation>,
    },
    Done {
        run: u32,
        result: Box<(Result<RunOutcome, InvokerError>, History, Vec<WireOp>)>,
    },
}

pub(super) struct Gate {
    pub(super) run: u32,
    pub(super) tx: Mutex<Sender<Msg>>,
}

impl CheckpointGate for Gate {
    fn on_checkpoint(&self, notice: &CheckpointNotice) -> GateDecision {
        let (reply, answer) = channel();
        let msg = Msg::Gate {
            run: self.run,
            notice: notice.clone(),
            reply,
        };
        let sent = self
            .tx
            .lock()
            .map(|tx| tx.send(msg).is_ok())
            .unwrap_or(false);
        if sent {
            // The session answers when it lets the handler go on.
            answer.recv().unwrap_or(GateDecision::Abort)
        } else {
            GateDecision::Abort
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn runner(
    run: u32,
    config: SessionConfig,
    recorded: Arc<Recorded>,
    initial: Vec<WireOp>,
    answerer: RecordedAnswers,
    stopper: Arc<Stopper>,
    hold: Arc<HoldMeter>,
    tx: Sender<Msg>,
) {
    let now = super::state::VirtualClock::default().now();
    let exec_op = recorded.execution_op(&format!("durable-lens-rerun-{run}"), now);
    let arn = format!(
        "arn:aws:lambda:{}:000000000000:function:{}/durable-execution/durable-lens/{}",
        super::invoker::REGION,
        recorded
            .execution
            .function_name
            .as_deref()
            .unwrap_or("handler"),
        exec_op.id
    );
    let state = ExecState::new(arn, exec_op, initial.clone());
    let started = Credentials::generate()
        .map_err(|e| e.to_string())
        .and_then(|c| Ok((Service::start(state, &c).map_err(|e| e.to_string())?, c)));
    let (service, creds) = match started {
        Ok(s) => s,
        Err(e) => {
            let history = History {
                source: config.source.clone(),
                origin: None,
                format: crate::model::Format::Rerun,
                executions: Vec::new(),
                warnings: vec![e.into()],
            };
            let _ = tx.send(Msg::Done {
                run,
                result: Box::new((Err(InvokerError::Stopped), history, initial)),
            });
            return;
        }
    };
    service.set_gate(Some(Arc::new(Gate {
        run,
        tx: Mutex::new(tx.clone()),
    })));
    let mut icfg = InvokerConfig::new(config.handler.clone());
    icfg.timeout = config.timeout;
    icfg.page_size = config.page_size;
    icfg.reuse = config.reuse;
    let invoker = Invoker {
        config: &icfg,
        service: &service,
        credentials: &creds,
        answerer: &answerer,
        stopper: &stopper,
        hold: &hold,
        run_label: format!("rerun-{run}"),
    };
    let mut records = Vec::new();
    let result = invoker.run(&mut |event| {
        if let RunEvent::InvocationEnded(r) = &event {
            records.push((**r).clone());
        }
        let (terminal, ops) = match &event {
            RunEvent::InvocationStarted { .. } => service.with_state(|s| {
                let terminal = s
                    .operations()
                    .iter()
                    .filter(|o| o.status().is_some_and(|st| st.is_terminal()))
                    .cloned()
                    .collect();
                (terminal, history::operations(s, None))
            }),
            RunEvent::InvocationEnded(_) => (Vec::new(), Vec::new()),
        };
        let _ = tx.send(Msg::Run {
            run,
            event,
            terminal,
            ops,
        });
    });
    service.set_gate(None);
    let history = service.with_state(|s| {
        history::build(HistoryParts {
            source: config.source.clone(),
            state: s,
            invocations: &records,
            outcome: result.as_ref().ok(),
            function_name: recorded.execution.function_name.clone(),
            warnings: answerer
                .guesses
                .lock()
                .map(|g| g.clone())
                .unwrap_or_default(),
        })
    });
    let _ = tx.send(Msg::Done {
        run,
        result: Box::new((result, history, initial)),
    });
}

/// Run to the end (stopping at the first divergence) without a UI: what
/// `durable-lens rerun` and CI use.
pub fn run_headless(
    mut config: SessionConfig,
    on_event: &mut dyn FnMut(&SessionEvent),
) -> Option<Report> {
    config.mode = Mode::Continue;
    config.breakpoints.clear();
    let session = Session::start(config);
    while let Ok(e) = session.events.recv() {
        on_event(&e);
        if let SessionEvent::Finished { report, .. } = e {
            return Some(*report);
        }
    }
    None
}
