//! Step control over a re-run, for the UI and the CLI: start fresh or from
//! invocation k, step (pause at each operation the handler checkpoints),
//! continue, run to the Nth operation, breakpoints on operation names,
//! restart, and back (re-run from the top to the previous stop). Pausing
//! holds the handler's checkpoint request unanswered until told to go on.
//!
//! Everything goes through channels: commands in, `SessionEvent`s out. Each
//! run has a number; events carry it so a UI can drop a stale run's events.
//!
//! Replayed operations make no request (the SDK answers them from the state
//! it was given), so they are reported when the handler moves past them, and
//! pauses happen only at executed operations.

use super::compare::{self, Comparison, Divergence};
use super::detected;
use super::invoker::{InvokerError, RunEvent, RunOutcome};
use super::outcome;
use super::process::{HoldMeter, Stopper};
use super::recorded::{PlacePath, Recorded, RecordedAnswers};
use super::run::{runner, Msg};
use super::run_state::RunState;
use super::service::{CheckpointNotice, GateDecision};
use super::wire::{error_info, WireOp};
use crate::model::{History, OpType, Operation};
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

pub use super::control::{Command, Mode, Report, Role, SessionConfig, SessionEvent, StartPoint};

pub use super::run::run_headless;

/// A running session. Dropping it stops the handler and the service.
pub struct Session {
    tx: Sender<Msg>,
    pub events: Receiver<SessionEvent>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Session {
    pub fn start(config: SessionConfig) -> Session {
        let (tx, rx) = channel();
        let (etx, events) = channel();
        let tx2 = tx.clone();
        let thread = std::thread::Builder::new()
            .name("rerun-session".into())
            .spawn(move || Controller::new(config, tx2, etx).run(rx))
            .ok();
        Session { tx, events, thread }
    }

    pub fn send(&self, c: Command) {
        let _ = self.tx.send(Msg::Command(c));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Command(Command::Stop));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Controller {
    config: SessionConfig,
    recorded: Arc<Recorded>,
    tx: Sender<Msg>,
    events: Sender<SessionEvent>,
    mode: Mode,
    breakpoints: Vec<String>,
    /// Executed-operation counts at which this session paused, in order.
    stops: Vec<usize>,
    /// Back: pause as soon as this many operations have executed.
    back_target: Option<usize>,
    run: Option<RunState>,
    next_run: u32,
    /// Messages that arrived while paused and wait their turn.
    deferred: VecDeque<Msg>,
}

impl Controller {
    fn new(config: SessionConfig, tx: Sender<Msg>, events: Sender<SessionEvent>) -> Controller {
        let recorded = Arc::new(Recorded::new(config.recorded.clone()));
        Controller {
            mode: config.mode,
            breakpoints: config.breakpoints.clone(),
            config,
            recorded,
            tx,
            events,
            stops: Vec::new(),
            back_target: None,
            run: None,
            next_run: 1,
            deferred: VecDeque::new(),
        }
    }

    fn emit(&self, e: SessionEvent) {
        let _ = self.events.send(e);
    }

    fn run(mut self, rx: Receiver<Msg>) {
        self.start_run();
        loop {
            let msg = match self.deferred.pop_front() {
                Some(m) => m,
                None => match rx.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            if !self.handle(msg, &rx) {
                break;
            }
        }
        self.stop_run();
    }

    fn stop_run(&mut self) {
        if let Some(r) = &self.run {
            r.stopper.stop();
        }
    }

    /// Returns false when the session is over.
    fn handle(&mut self, msg: Msg, rx: &Receiver<Msg>) -> bool {
        let current = self.run.as_ref().map(|r| r.run);
        match msg {
            Msg::Command(c) => return self.command(c),
            Msg::Gate { run, notice, reply } => {
                if Some(run) != current || self.run.as_ref().is_some_and(|r| r.done) {
                    let _ = reply.send(GateDecision::Abort);
                } else {
                    let d = self.gate(notice, rx);
                    let _ = reply.send(d);
                }
            }
            Msg::Run {
                run,
                event,
                terminal,
                ops,
            } if Some(run) == current => {
                self.refresh(&ops);
                if let Some(r) = self.run.as_mut() {
                    r.set_replayable(terminal, ops);
                }
                self.run_event(event)
            }
            Msg::Done { run, result } if Some(run) == current => self.done(*result),
            Msg::Run { .. } | Msg::Done { .. } => {}
        }
        true
    }

    fn command(&mut self, c: Command) -> bool {
        match c {
            Command::Step => self.mode = Mode::Step,
            Command::Continue => self.mode = Mode::Continue,
            Command::RunTo(n) => self.mode = Mode::RunTo(n),
            Command::SetBreakpoints(b) => self.breakpoints = b,
            Command::Stop => {
                self.stop_run();
                return false;
            }
            Command::Restart => {
                self.stops.clear();
                self.back_target = None;
                self.start_run();
            }
            Command::Back => {
                self.stops.pop();
                // With no earlier stop, back goes to the first executed operation.
                self.back_target = Some(self.stops.pop().unwrap_or(1));
                self.start_run();
            }
        }
        true
    }

    fn start_run(&mut self) {
        self.stop_run();
        let run = self.next_run;
        self.next_run += 1;
        let start_k = match self.config.start {
            StartPoint::Fresh => 0,
            StartPoint::FromInvocation(k) => k,
        };
        let initial_wire = self.recorded.state_at(start_k);
        let stopper = Stopper::new();
        let hold = HoldMeter::new();
        let state = RunState::new(run, &initial_wire, stopper.clone(), hold.clone());
        let places = state.places.clone();
        self.run = Some(state);
        self.emit(SessionEvent::RunStarted { run });
        let answerer = RecordedAnswers {
            recorded: (*self.recorded).clone(),
            live_places: places,
            overrides: self.config.answers.clone(),
            allow_partial: self.config.allow_partial,
            guesses: Default::default(),
        };
        let config = self.config.clone();
        let recorded = self.recorded.clone();
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("rerun-run-{run}"))
            .spawn(move || {
                runner(
                    run,
                    config,
                    recorded,
                    initial_wire,
                    answerer,
                    stopper,
                    hold,
                    tx,
                )
            });
        if let Err(e) = spawned {
            self.emit(SessionEvent::Error {
                run,
                message: format!("cannot start the run thread: {e}"),
            });
        }
    }

    fn emit_all(&self, events: Vec<SessionEvent>) {
        for e in events {
            self.emit(e);
        }
    }

    fn see(&mut self, op: Operation, place: PlacePath, role: Role, comparison: Comparison) {
        if let Some(r) = self.run.as_mut() {
            let e = r.see(op, place, role, comparison);
            self.emit(e);
        }
    }

    /// Report live operations that changed (see `RunState::refresh`).
    fn refresh<'a>(&mut self, ops: impl IntoIterator<Item = &'a Operation>) {
        if let Some(r) = self.run.as_mut() {
            let events = r.refresh(ops);
            self.emit_all(events);
        }
    }

    fn replay_upto(&mut self, upto: Option<&[u32]>) {
        if let Some(r) = self.run.as_mut() {
            let events = r.replay_upto(upto);
            self.emit_all(events);
        }
    }

    fn gate(&mut self, notice: CheckpointNotice, rx: &Receiver<Msg>) -> GateDecision {
        let CheckpointNotice {
            invocation,
            updates,
            ops,
        } = notice;
        let mut now: HashMap<String, Operation> =
            ops.into_iter().map(|o| (o.id.clone(), o)).collect();
        // Operations seen before whose checkpoint changed them.
        self.refresh(now.values());
        let Some(r) = self.run.as_mut() else {
            return GateDecision::Abort;
        };
        let mut new_ops = Vec::new();
        for u in &updates {
            if r.knows(&u.id) {
                continue;
            }
            let Some(op_type) = u.op_type() else { continue };
            if op_type == OpType::Execution {
                continue;
            }
            let place = r.place_new(&u.id, u.parent_id.as_deref());
            // The service's view after the whole batch; without one (no
            // gate-side view), what the update itself says.
            let op = now.remove(&u.id).unwrap_or_else(|| Operation {
                parent_id: u.parent_id.clone(),
                name: u.name.clone(),
                sub_type: u.sub_type.clone(),
                result: u.payload.clone().map(crate::model::Payload::new),
                error: u.error.as_ref().map(error_info),
                started_in: Some(invocation),
                ..Operation::new(u.id.clone(), op_type, crate::model::OpStatus::Started)
            });
            r.live.insert(u.id.clone(), op.clone());
            new_ops.push((place, op));
        }
        if new_ops.is_empty() {
            return GateDecision::Proceed;
        }
        let mut pause_at = None;
        for (place, op) in new_ops {
            self.replay_upto(Some(&place));
            let cmp = compare::compare(&self.recorded, &place, op.op_type, op.name.as_deref());
            let Some(r) = self.run.as_mut() else {
                return GateDecision::Abort;
            };
            r.executed(&place);
            let divergent = cmp.is_divergence().then(|| Divergence {
                invocation: r.invocation,
                place: place.clone(),
                message: compare::message(
                    &self.recorded,
                    &place,
                    op.op_type,
                    op.name.as_deref(),
                    &cmp,
                ),
                sdk_error: None,
                kind: compare::DivergenceKind::Shape,
            });
            let executed = r.executed_count;
            let id = op.id.clone();
            let hits_breakpoint = op
                .name
                .as_ref()
                .is_some_and(|n| self.breakpoints.contains(n));
            self.see(op, place, Role::Executed, cmp);
            if let Some(d) = divergent {
                return self.diverged(d);
            }
            let seen = self.run.as_ref().map(RunState::seen_count).unwrap_or(0);
            let pause = match (self.back_target, self.mode) {
                (Some(t), _) => executed >= t,
                (None, Mode::Step) => true,
                (None, Mode::RunTo(n)) => seen >= n || hits_breakpoint,
                (None, Mode::Continue) => hits_breakpoint,
            };
            if pause && pause_at.is_none() {
                pause_at = Some((executed, seen, id));
            }
        }
        match pause_at {
            Some((executed, seen, id)) => self.pause(executed, seen, id, rx),
            None => GateDecision::Proceed,
        }
    }

    fn diverged(&mut self, d: Divergence) -> GateDecision {
        let Some(r) = self.run.as_mut() else {
            return GateDecision::Abort;
        };
        if r.divergence.is_none() {
            r.divergence = Some(d.clone());
            let run = r.run;
            r.stopper.stop();
            self.emit(SessionEvent::Divergence { run, divergence: d });
        }
        GateDecision::Abort
    }

    /// Hold the handler until a command lets it go on.
    fn pause(
        &mut self,
        executed: usize,
        seen: usize,
        op_id: String,
        rx: &Receiver<Msg>,
    ) -> GateDecision {
        let Some(r) = self.run.as_ref() else {
            return GateDecision::Abort;
        };
        let (run, hold) = (r.run, r.hold.clone());
        self.back_target = None;
        self.stops.push(executed);
        hold.begin();
        self.emit(SessionEvent::Paused { run, seen, op_id });
        let decision = loop {
            match rx.recv() {
                Ok(Msg::Command(c)) => match c {
                    Command::Step | Command::Continue | Command::RunTo(_) => {
                        self.command(c);
                        break GateDecision::Proceed;
                    }
                    Command::SetBreakpoints(b) => self.breakpoints = b,
                    Command::Stop => {
                        self.deferred.push_back(Msg::Command(Command::Stop));
                        break GateDecision::Abort;
                    }
                    Command::Restart | Command::Back => {
                        self.deferred.push_back(Msg::Command(c));
                        break GateDecision::Abort;
                    }
                },
                Ok(Msg::Gate { reply, .. }) => {
                    // Another request of a held handler (a retry): it waits too.
                    let _ = reply.send(GateDecision::Abort);
                }
                Ok(other) => self.deferred.push_back(other),
                Err(_) => break GateDecision::Abort,
            }
        };
        hold.end();
        if decision == GateDecision::Abort {
            if let Some(r) = &self.run {
                r.stopper.stop();
            }
        }
        decision
    }

    fn run_event(&mut self, event: RunEvent) {
        let Some(r) = self.run.as_mut() else { return };
        let run = r.run;
        match event {
            RunEvent::InvocationStarted { index, request_id } => {
                r.begin_invocation(index);
                self.emit(SessionEvent::InvocationStarted {
                    run,
                    index,
                    request_id,
                });
            }
            RunEvent::InvocationEnded(record) => {
                let failed_err = record.error();
                let sdk = failed_err
                    .as_ref()
                    .and_then(|e| e.message.as_deref())
                    .and_then(compare::parse_sdk_error);
                match (&sdk, record.status()) {
                    (Some(m), _) => self.sdk_detected(record.index, m, failed_err.as_ref()),
                    (None, Some("SUCCEEDED" | "PENDING")) => self.replay_upto(None),
                    _ => {}
                }
                if let Some(r) = self.run.as_mut() {
                    r.records.push((*record).clone());
                }
                self.emit(SessionEvent::InvocationEnded { run, record });
            }
        }
    }

    /// The SDK stopped the invocation with a non-determinism error: report
    /// what it replayed before that place, then a row for the operation the
    /// handler produced there (role replayed: the SDK was replaying), then
    /// the divergence.
    fn sdk_detected(
        &mut self,
        invocation: usize,
        m: &compare::SdkMismatch,
        err: Option<&crate::model::ErrorInfo>,
    ) {
        let Some(r) = self.run.as_ref() else { return };
        if r.divergence.is_some() {
            return;
        }
        let place = r.places.lock().ok().and_then(|p| detected::place(m, &p));
        let checkpoint = place.as_ref().and_then(|p| {
            r.initial
                .iter()
                .find(|(at, _)| at == p)
                .map(|(_, op)| op.clone())
        });
        self.replay_upto(place.as_deref());
        let d = detected::detected(
            &self.recorded,
            invocation,
            place,
            m,
            err,
            checkpoint.as_ref(),
        );
        self.see(d.op, d.place, Role::Replayed, d.comparison);
        self.diverged(d.divergence);
    }

    fn done(&mut self, result: (Result<RunOutcome, InvokerError>, History, Vec<WireOp>)) {
        let (outcome, history, _) = result;
        let Some(r) = self.run.as_mut() else { return };
        r.done = true;
        let run = r.run;
        let mut divergence = r.divergence.clone();
        let (outcome, error) = match outcome {
            Ok(o) => (Some(o), None),
            Err(InvokerError::Stopped) => (None, None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut changes = Vec::new();
        if let (None, None, Some(o)) = (&divergence, &error, &outcome) {
            let start_k = match self.config.start {
                StartPoint::Fresh => 0,
                StartPoint::FromInvocation(k) => k,
            };
            let check = outcome::check(&self.recorded, start_k, &history, o);
            changes = check.changes;
            divergence = check.divergence;
            if let Some(d) = &divergence {
                self.emit(SessionEvent::Divergence {
                    run,
                    divergence: d.clone(),
                });
            }
        }
        if let Some(e) = &error {
            self.emit(SessionEvent::Error {
                run,
                message: e.clone(),
            });
        }
        let Some(r) = self.run.as_mut() else { return };
        let report = Report {
            history,
            outcome,
            invocations: std::mem::take(&mut r.records),
            divergence,
            error,
            switches: r.switches.clone(),
            changes,
        };
        self.emit(SessionEvent::Finished {
            run,
            report: Box::new(report),
        });
    }
}
