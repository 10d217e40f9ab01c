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
use super::invoker::{InvocationRecord, InvokerError, RunEvent, RunOutcome};
use super::process::{HoldMeter, Stopper};
use super::recorded::{PlacePath, Places, Recorded, RecordedAnswers};
use super::run::{runner, Msg};
use super::service::{CheckpointNotice, GateDecision};
use super::wire::{error_info, WireOp};
use crate::model::{History, OpType, Operation};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

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

/// Per-run bookkeeping of the controller.
struct RunState {
    run: u32,
    stopper: Arc<Stopper>,
    hold: Arc<HoldMeter>,
    places: Arc<Mutex<Places>>,
    /// Terminal operations of the starting state: replayed on every invocation.
    initial: Vec<(PlacePath, Operation)>,
    seen_ids: HashSet<String>,
    replayed_this_invocation: HashSet<String>,
    invocation: usize,
    executed_count: usize,
    divergence: Option<Divergence>,
    records: Vec<InvocationRecord>,
    switches: Vec<(usize, PlacePath)>,
    switched_parents: HashSet<(usize, PlacePath)>,
    live: HashMap<String, Operation>,
    done: bool,
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
                self.set_replayable(terminal, ops);
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
        let mut places = Places::default();
        let mut initial = Vec::new();
        for (i, w) in initial_wire.iter().enumerate() {
            let place = places.add(&w.id, w.parent_id.as_deref(), i);
            if w.status().is_some_and(|s| s.is_terminal()) {
                if let Some(op) = w.to_model(None) {
                    initial.push((place, op));
                }
            }
        }
        initial.sort_by(|a, b| a.0.cmp(&b.0));
        let places = Arc::new(Mutex::new(places));
        let stopper = Stopper::new();
        let hold = HoldMeter::new();
        self.run = Some(RunState {
            run,
            stopper: stopper.clone(),
            hold: hold.clone(),
            places: places.clone(),
            initial,
            seen_ids: HashSet::new(),
            replayed_this_invocation: HashSet::new(),
            invocation: 0,
            executed_count: 0,
            divergence: None,
            records: Vec::new(),
            switches: Vec::new(),
            switched_parents: HashSet::new(),
            live: HashMap::new(),
            done: false,
        });
        self.emit(SessionEvent::RunStarted { run });
        let answerer = RecordedAnswers {
            recorded: (*self.recorded).clone(),
            live_places: places,
            overrides: self.config.answers.clone(),
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

    fn see(&mut self, op: Operation, place: PlacePath, role: Role, comparison: Comparison) {
        let Some(r) = self.run.as_mut() else { return };
        r.seen_ids.insert(op.id.clone());
        let seen = r.seen_ids.len();
        let (run, invocation) = (r.run, r.invocation);
        self.emit(SessionEvent::OperationSeen {
            run,
            invocation,
            seen,
            op: Box::new(op),
            place,
            role,
            comparison,
        });
    }

    /// Report each already-seen live operation of `ops` that changed since
    /// it was last reported.
    fn refresh<'a>(&mut self, ops: impl IntoIterator<Item = &'a Operation>) {
        let Some(r) = self.run.as_mut() else { return };
        let mut changed = Vec::new();
        for op in ops {
            match r.live.get_mut(&op.id) {
                Some(known) if known != op => {
                    *known = op.clone();
                    changed.push(op.clone());
                }
                _ => {}
            }
        }
        let (run, invocation) = (r.run, r.invocation);
        let places = r.places.lock().map(|p| p.clone()).unwrap_or_default();
        for op in changed {
            let place = places.of(&op.id).cloned().unwrap_or_default();
            self.emit(SessionEvent::OperationUpdated {
                run,
                invocation,
                op: Box::new(op),
                place,
            });
        }
    }

    /// Report the starting state's operations the handler has replayed
    /// before reaching `upto` (all of them when `None`).
    fn replay_upto(&mut self, upto: Option<&[u32]>) {
        let Some(r) = self.run.as_mut() else { return };
        let pending: Vec<(PlacePath, Operation)> = r
            .initial
            .iter()
            .filter(|(p, op)| {
                upto.is_none_or(|u| p.as_slice() < u)
                    && !r.replayed_this_invocation.contains(&op.id)
            })
            .cloned()
            .collect();
        for (_, op) in &pending {
            r.replayed_this_invocation.insert(op.id.clone());
        }
        for (place, op) in pending {
            self.see(op, place, Role::Replayed, Comparison::Matches);
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
            if r.live.contains_key(&u.id) || r.initial.iter().any(|(_, o)| o.id == u.id) {
                continue;
            }
            let Some(op_type) = u.op_type() else { continue };
            if op_type == OpType::Execution {
                continue;
            }
            let idx = r.live.len();
            let place = r
                .places
                .lock()
                .map(|mut p| p.add(&u.id, u.parent_id.as_deref(), 10_000 + idx))
                .unwrap_or_default();
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
            r.executed_count += 1;
            let parent = place[..place.len().saturating_sub(1)].to_vec();
            if r.switched_parents.insert((r.invocation, parent)) {
                r.switches.push((r.invocation, place.clone()));
            }
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
            let seen = self.run.as_ref().map(|r| r.seen_ids.len()).unwrap_or(0);
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

    /// The operations the coming invocation replays (terminal in its state).
    /// `ops`: the model form of the state's operations, reported as the
    /// history will show them.
    fn set_replayable(&mut self, terminal: Vec<WireOp>, ops: Vec<Operation>) {
        let Some(r) = self.run.as_mut() else { return };
        if terminal.is_empty() {
            return;
        }
        let Ok(mut places) = r.places.lock() else {
            return;
        };
        let mut by_id: HashMap<String, Operation> =
            ops.into_iter().map(|o| (o.id.clone(), o)).collect();
        let mut initial: Vec<(PlacePath, Operation)> = terminal
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                // Places follow the wire's parent ids, as the gate assigns them.
                let place = places.add(&w.id, w.parent_id.as_deref(), 20_000 + i);
                by_id
                    .remove(&w.id)
                    .or_else(|| w.to_model(None))
                    .map(|op| (place, op))
            })
            .collect();
        initial.sort_by(|a, b| a.0.cmp(&b.0));
        drop(places);
        r.initial = initial;
    }

    fn run_event(&mut self, event: RunEvent) {
        let Some(r) = self.run.as_mut() else { return };
        let run = r.run;
        match event {
            RunEvent::InvocationStarted { index, request_id } => {
                r.invocation = index;
                r.replayed_this_invocation.clear();
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
        if divergence.is_none() && error.is_none() && outcome.is_some() {
            divergence = self.missing_operation(&history);
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
        };
        self.emit(SessionEvent::Finished {
            run,
            report: Box::new(report),
        });
    }

    /// A recorded operation that an ended re-run never produced.
    fn missing_operation(&self, history: &History) -> Option<Divergence> {
        if !self
            .recorded
            .execution
            .status
            .is_some_and(|s| s.is_terminal())
        {
            return None;
        }
        let exec = history.executions.first()?;
        let live = Places::from_operations(&exec.operations);
        let last_inv = exec.invocations.len().saturating_sub(1);
        self.recorded.execution.operations.iter().find_map(|op| {
            let place = self.recorded.places.of(&op.id)?;
            live.at(place).is_none().then(|| Divergence {
                invocation: last_inv,
                place: place.clone(),
                message: compare::missing_message(&self.recorded, place, op),
                sdk_error: None,
            })
        })
    }
}
