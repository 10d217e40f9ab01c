//! The re-run as a history of its own, grown from `SessionEvent`s, so the
//! time view can draw it live: lanes per context, one band per invocation,
//! the replay | execution switch, each operation appearing as the handler
//! produces it and closing when its result is checkpointed.
//!
//! Times are the handler's time on the UI's clock: measured from the run's
//! start with the time spent held at a pause taken out, so stepping slowly
//! does not stretch the picture (waits and backoffs are already skipped by
//! the session's virtual clock). Operations of the starting state, which
//! this run only replays, sit at its origin.

use crate::model::{Attempt, Execution, Format, History, Invocation, OpType, Operation, Ts};
use crate::rerun::{PlacePath, Role, SessionEvent};
use crate::ui::doc::Doc;
use crate::ui::timeline::TimelineView;
use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Rebuild the drawn document at most this often while the run streams
/// events; a pause, a divergence and the end rebuild at once.
const REBUILD_EVERY: Duration = Duration::from_millis(120);

/// The handler's clock: wall time since the run started, minus pauses.
#[derive(Debug, Clone)]
struct HandlerClock {
    started: Instant,
    origin: Ts,
    held: Duration,
    held_since: Option<Instant>,
}

impl HandlerClock {
    fn new(now: Instant) -> HandlerClock {
        let origin = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| Ts(d.as_micros() as i64))
            .unwrap_or(Ts(0));
        HandlerClock {
            started: now,
            origin,
            held: Duration::ZERO,
            held_since: None,
        }
    }

    fn at(&self, now: Instant) -> Ts {
        let held = self.held + self.held_since.map_or(Duration::ZERO, |s| now - s);
        let ran = now
            .saturating_duration_since(self.started)
            .saturating_sub(held);
        Ts(self.origin.0.saturating_add(ran.as_micros() as i64))
    }

    fn hold(&mut self, now: Instant) {
        self.held_since.get_or_insert(now);
    }

    fn release(&mut self, now: Instant) {
        if let Some(s) = self.held_since.take() {
            self.held += now.saturating_duration_since(s);
        }
    }
}

#[derive(Default)]
pub struct Trace {
    run: u32,
    exec: Execution,
    clock: Option<HandlerClock>,
    /// Operation id → index in `exec.operations`.
    index: HashMap<String, usize>,
    /// Position path → operation id, to find the divergent operation.
    by_place: HashMap<PlacePath, String>,
    invocation: usize,
    /// The operation the handler is held at, or the divergent one.
    focus: Option<String>,
    divergent: Option<String>,
    /// The invocation the first divergence stopped.
    diverged_in: Option<usize>,
    dirty: bool,
    built_at: Option<Instant>,
    doc: Option<Doc>,
    /// Counts rebuilds of `doc`, so the time view redoes its lane rows.
    doc_gen: u64,
    /// Pan/zoom of the re-run's time view.
    pub view: TimelineView,
    /// The time axis picked with the view's switch (kept across runs);
    /// `None`: the default of each rebuilt layout.
    axis: Option<crate::timeline::AxisKind>,
    /// Invocation the user picked in the time view (`None` follows the run).
    picked_invocation: Option<usize>,
    /// Operation the user clicked in the time view.
    pub picked: Option<String>,
    /// Refit the view to the whole run as it grows, until the user zooms
    /// or pans (F fits and follows again).
    unfollowed: bool,
    /// When set, the document is built on a thread of its own (`Builder`)
    /// and this side only picks up what it sends.
    builder: Option<Builder>,
}

/// What the UI side tells the builder thread.
enum Job {
    Event(Box<SessionEvent>, Instant),
    Resumed(Instant),
    /// Build now if anything changed, then answer (tests, screenshots).
    Flush(Sender<()>),
}

/// The builder thread's end of the channels: it keeps a `Trace` of its
/// own, fed the same events, so the execution is never copied on the UI
/// thread and the analysis and layout run off it. Builds are throttled
/// there as they were here; events that arrive during a build are taken
/// together by the next. The thread ends when the `Trace` is dropped.
struct Builder {
    jobs: Sender<Job>,
    docs: Receiver<Doc>,
}

impl Builder {
    fn start(repaint: egui::Context) -> Option<Builder> {
        let (jobs, job_rx) = channel::<Job>();
        let (doc_tx, docs) = channel();
        std::thread::Builder::new()
            .name("rerun-trace".into())
            .spawn(move || {
                let mut tr = Trace::default();
                let mut flushes = Vec::new();
                loop {
                    let job = if tr.dirty {
                        let wait = tr.built_at.map_or(Duration::ZERO, |b| {
                            REBUILD_EVERY.saturating_sub(b.elapsed())
                        });
                        job_rx.recv_timeout(wait)
                    } else {
                        job_rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
                    };
                    let mut next = match job {
                        Ok(j) => Some(j),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => return,
                    };
                    while let Some(j) = next.take().or_else(|| job_rx.try_recv().ok()) {
                        match j {
                            Job::Event(e, at) => tr.apply(&e, at),
                            Job::Resumed(at) => tr.resumed(at),
                            Job::Flush(reply) => {
                                tr.built_at = None;
                                flushes.push(reply);
                            }
                        }
                    }
                    let was_dirty = tr.dirty;
                    tr.doc(Instant::now());
                    if was_dirty && !tr.dirty {
                        if let Some(d) = tr.doc.take() {
                            if doc_tx.send(d).is_err() {
                                return;
                            }
                            repaint.request_repaint();
                        }
                    }
                    for f in flushes.drain(..) {
                        let _ = f.send(());
                    }
                }
            })
            .ok()?;
        Some(Builder { jobs, docs })
    }
}

impl Trace {
    /// Apply one event (a clone of what the panel's table gets).
    pub fn apply(&mut self, e: &SessionEvent, now: Instant) {
        if let Some(b) = &self.builder {
            let _ = b.jobs.send(Job::Event(Box::new(e.clone()), now));
        }
        match e {
            SessionEvent::RunStarted { run } => {
                if *run < self.run {
                    return;
                }
                let clock = HandlerClock::new(now);
                *self = Trace {
                    builder: self.builder.take(),
                    run: *run,
                    exec: Execution {
                        start: Some(clock.origin),
                        ..Execution::default()
                    },
                    clock: Some(clock),
                    view: std::mem::take(&mut self.view),
                    axis: self.axis,
                    unfollowed: self.unfollowed,
                    dirty: true,
                    ..Trace::default()
                };
                self.view.reset();
                return;
            }
            e if e.run() != self.run => return,
            _ => {}
        }
        let Some(clock) = self.clock.as_mut() else {
            return;
        };
        if !matches!(e, SessionEvent::Paused { .. }) {
            clock.release(now);
        }
        let t = clock.at(now);
        let origin = clock.origin;
        self.dirty = true;
        match e {
            SessionEvent::RunStarted { .. } => {}
            SessionEvent::InvocationStarted {
                index, request_id, ..
            } => {
                self.invocation = *index;
                while self.exec.invocations.len() <= *index {
                    self.exec.invocations.push(Invocation::default());
                }
                let inv = &mut self.exec.invocations[*index];
                inv.start = Some(t);
                inv.request_id = Some(request_id.clone());
            }
            SessionEvent::OperationSeen {
                invocation,
                op,
                place,
                role,
                comparison,
                ..
            } => {
                self.by_place.insert(place.clone(), op.id.clone());
                if self.index.contains_key(&op.id) {
                    // A later invocation replaying what this run executed.
                    return;
                }
                let mut o = (**op).clone();
                // What the SDK found instead of a checkpoint it replays: it
                // met it now, in this invocation, so it sits where it happened.
                let met_now = *role == Role::Executed || comparison.is_divergence();
                if met_now {
                    o.start = Some(t);
                    o.end = o.status.is_terminal().then_some(t);
                    o.started_in = Some(*invocation);
                    o.finished_in = o.status.is_terminal().then_some(*invocation);
                } else {
                    // From the starting state: done before this run began.
                    o.start = Some(origin);
                    o.end = Some(origin);
                    o.started_in = None;
                    o.finished_in = None;
                }
                let at = if met_now { t } else { origin };
                o.attempts = restamp(&[], &op.attempts, at);
                o.scheduled_end = None;
                o.next_attempt_at = None;
                self.index.insert(o.id.clone(), self.exec.operations.len());
                self.exec.operations.push(o);
            }
            SessionEvent::OperationUpdated { op, invocation, .. } => {
                self.update(op, Some(*invocation), t);
            }
            SessionEvent::Paused { op_id, .. } => {
                clock.hold(now);
                self.focus = Some(op_id.clone());
                self.built_at = None;
            }
            SessionEvent::InvocationEnded { record, .. } => {
                if let Some(inv) = self.exec.invocations.get_mut(record.index) {
                    inv.end = Some(t);
                    inv.error = record.error();
                }
            }
            SessionEvent::Divergence { divergence, .. } => {
                self.diverged_in.get_or_insert(divergence.invocation);
                if self.divergent.is_none() {
                    self.divergent = self.by_place.get(&divergence.place).cloned();
                    self.focus = self.divergent.clone().or(self.focus.take());
                }
                self.built_at = None;
            }
            SessionEvent::Error { .. } => self.built_at = None,
            SessionEvent::Finished { report, .. } => {
                // What the run left: final statuses of everything still open.
                if let Some(e) = report.history.executions.first() {
                    for op in &e.operations {
                        self.update(op, None, t);
                    }
                }
                if let Some(o) = &report.outcome {
                    self.exec.status = Some(o.status);
                    self.exec.end = Some(t);
                }
                for inv in &mut self.exec.invocations {
                    inv.end.get_or_insert(t);
                }
                self.built_at = None;
            }
        }
    }

    /// A later checkpoint of a known operation: status, result, error; the
    /// span closes when it becomes terminal.
    fn update(&mut self, op: &Operation, invocation: Option<usize>, t: Ts) {
        let Some(&i) = self.index.get(&op.id) else {
            return;
        };
        let o = &mut self.exec.operations[i];
        let was_terminal = o.status.is_terminal();
        o.status = op.status;
        if op.result.is_some() {
            o.result = op.result.clone();
        }
        if op.error.is_some() {
            o.error = op.error.clone();
        }
        if !op.attempts.is_empty() {
            o.attempts = restamp(&o.attempts, &op.attempts, t);
        }
        if op.status.is_terminal() && !was_terminal {
            o.end = Some(t);
            // The service completes waits, callbacks and chained invokes
            // between invocations; the handler finishes the rest.
            let by_service = matches!(
                o.op_type,
                OpType::Wait | OpType::Callback | OpType::ChainedInvoke
            );
            o.finished_in = if by_service { None } else { invocation };
        }
    }

    /// Release the pause clock: the user let the handler go on.
    pub fn resumed(&mut self, now: Instant) {
        if let Some(b) = &self.builder {
            let _ = b.jobs.send(Job::Resumed(now));
        }
        if let Some(c) = self.clock.as_mut() {
            c.release(now);
        }
        if self.divergent.is_none() {
            self.focus = None;
        }
    }

    /// The document to draw, rebuilt from the live execution when it changed
    /// (throttled while events stream in).
    pub fn doc(&mut self, now: Instant) -> Option<&Doc> {
        if let Some(b) = &self.builder {
            // The latest the builder sent; older ones are dropped unseen.
            if let Some(d) = b.docs.try_iter().last() {
                self.doc = Some(d);
            }
            self.dirty = false;
            return self.doc.as_ref();
        }
        let due = self
            .built_at
            .is_none_or(|b| now.saturating_duration_since(b) >= REBUILD_EVERY);
        if self.dirty && due {
            self.dirty = false;
            self.built_at = Some(now);
            let mut exec = self.exec.clone();
            // Spans still open run to "now" on the handler's clock.
            let mut running = None;
            if let Some(c) = &self.clock {
                if exec.status.is_none() {
                    let t = c.at(now);
                    exec.end = Some(t);
                    // The running invocation's band, too.
                    running = exec.invocations.iter().position(|i| i.end.is_none());
                    for inv in exec.invocations.iter_mut().filter(|i| i.start.is_some()) {
                        inv.end.get_or_insert(t);
                    }
                }
            }
            let history = History {
                source: "live re-run".into(),
                origin: None,
                format: Format::Rerun,
                executions: vec![exec],
                warnings: Vec::new(),
            };
            let mut doc = Doc::build(history, 0, None, None);
            if let Some(k) = self.axis {
                doc.timeline.set_axis(k);
            }
            // The analysis cannot tell "still running", or "killed by
            // durable-lens at a divergence", from the rest.
            let labels = [
                (running, "▶ running"),
                (self.diverged_in, "✖ stopped at the divergence"),
            ];
            for (k, what) in labels {
                let Some(k) = k else { continue };
                if let Some(Some(b)) = doc.timeline.bands.get_mut(k) {
                    // An invocation the SDK failed keeps saying so.
                    if running == Some(k) || !b.label.ends_with("✖ failed") {
                        b.label = format!("invocation {} · {what}", k + 1);
                    }
                }
            }
            self.doc = Some(doc);
            self.doc_gen += 1;
        }
        self.doc.as_ref()
    }

    /// Whether a rebuild is waiting for its throttle (keep frames coming;
    /// a builder thread wakes the UI itself when its document is ready).
    pub fn pending(&self) -> bool {
        self.dirty && self.builder.is_none()
    }

    /// Build the document on a thread of its own from now on, waking
    /// `repaint` when a new one is ready (the panel does this; tests of
    /// the pure trace build in place).
    pub fn build_in_background(&mut self, repaint: &egui::Context) {
        // Only a trace that has seen nothing yet: the builder must get
        // every event from the run's start.
        if self.builder.is_none() && self.run == 0 && self.clock.is_none() {
            self.builder = Builder::start(repaint.clone());
        }
    }

    /// Wait (up to `timeout`) until the builder has drawn every event sent
    /// so far, then the document: what a screenshot or a test looks at.
    pub fn settled_doc(&mut self, timeout: Duration) -> Option<&Doc> {
        if let Some(b) = &self.builder {
            let (tx, rx) = channel();
            if b.jobs.send(Job::Flush(tx)).is_ok() {
                let _ = rx.recv_timeout(timeout);
            }
        }
        self.doc(Instant::now())
    }

    /// Index (in the drawn document) of the operation to highlight: the
    /// one the handler is held at, else the divergent one.
    pub fn focus_op(&self) -> Option<usize> {
        self.focus
            .as_ref()
            .and_then(|id| self.index.get(id).copied())
    }

    /// The invocation the time view emphasises.
    pub fn invocation(&self) -> Option<usize> {
        self.picked_invocation
            .or((!self.exec.invocations.is_empty()).then_some(self.invocation))
    }

    pub fn execution(&self) -> &Execution {
        &self.exec
    }
}

/// The session's operations carry the service's clock (wall time plus the
/// waits it skipped, pauses included): on the handler's clock an attempt
/// starts and ends when the news of it arrives. Times already given keep.
fn restamp(mine: &[Attempt], theirs: &[Attempt], t: Ts) -> Vec<Attempt> {
    theirs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let prev = mine.get(i);
            Attempt {
                start: prev.and_then(|p| p.start).or(a.start.map(|_| t)),
                end: prev.and_then(|p| p.end).or(a.end.map(|_| t)),
                next_attempt_at: None,
                ..a.clone()
            }
        })
        .collect()
}

impl Trace {
    /// Draw the time view of the run so far; the id of an operation the
    /// user clicked in it (an invocation clicked is kept here).
    pub fn ui(&mut self, ui: &mut egui::Ui, now: Instant) -> Option<String> {
        self.doc(now);
        let selected = self.picked.as_ref().or(self.focus.as_ref());
        let selected = selected.and_then(|id| self.index.get(id).copied());
        let invocation = self.invocation();
        let Some(doc) = self.doc.as_ref() else {
            ui.weak("The re-run's time view: operations appear here as the handler produces them.");
            return None;
        };
        if !self.unfollowed {
            self.view.fit(&doc.timeline);
        }
        let before = (self.view.t_start, self.view.secs_per_px);
        let mut intents = Vec::new();
        let none = std::collections::HashSet::new();
        self.view.collapses_contexts = false;
        self.view.ui(
            ui,
            doc,
            selected,
            invocation,
            &none,
            (self.doc_gen, 0),
            &mut intents,
        );
        if (self.view.t_start, self.view.secs_per_px) != before {
            self.unfollowed = true;
        }
        let mut clicked = None;
        for intent in intents {
            match intent {
                crate::ui::Intent::Select { op, .. } => {
                    clicked = self.exec.operations.get(op).map(|o| o.id.clone());
                    self.picked = clicked.clone().or(self.picked.take());
                }
                crate::ui::Intent::Invocation(k) => self.picked_invocation = k,
                crate::ui::Intent::Axis(k) => {
                    self.axis = Some(k);
                    if let Some(d) = self.doc.as_mut() {
                        d.timeline.set_axis(k);
                    }
                    self.view.refit();
                }
                _ => {}
            }
        }
        clicked
    }

    /// Highlight an operation picked in the table and bring it into view.
    pub fn pick(&mut self, id: &str) {
        self.picked = Some(id.to_string());
        let (Some(d), Some(&i)) = (&self.doc, self.index.get(id)) else {
            return;
        };
        let before = (self.view.t_start, self.view.secs_per_px);
        self.view.reveal(&d.timeline, i);
        if (self.view.t_start, self.view.secs_per_px) != before {
            self.unfollowed = true;
        }
    }

    /// Fit the whole run into the view and follow it as it grows (F /
    /// Home in the re-run panel).
    pub fn fit(&mut self) {
        self.unfollowed = false;
        if let Some(d) = &self.doc {
            self.view.fit(&d.timeline);
        }
    }

    /// Zoom by `factor` around `at` (0..1 of the width); stops following.
    pub fn zoom(&mut self, factor: f64, at: f64) {
        self.unfollowed = true;
        self.view.zoom(factor, at);
    }

    /// Pan by a fraction of the width; stops following.
    pub fn pan(&mut self, frac: f64) {
        self.unfollowed = true;
        self.view.pan(frac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OpStatus;
    use crate::replay::Role as Seen;
    use crate::rerun::{Comparison, Divergence, InvocationRecord};
    use OpStatus::{Started, Succeeded};
    use OpType::{Step, Wait};

    fn op(id: &str, t: OpType, s: OpStatus) -> Box<Operation> {
        Box::new(Operation {
            name: Some(id.into()),
            ..Operation::new(id, t, s)
        })
    }

    /// `id` seen in invocation `inv` at root position `place`.
    fn seen(inv: usize, id: &str, t: OpType, s: OpStatus, place: u32, role: Role) -> SessionEvent {
        SessionEvent::OperationSeen {
            run: 1,
            invocation: inv,
            seen: 0,
            op: op(id, t, s),
            place: vec![place],
            role,
            comparison: Comparison::Matches,
        }
    }

    fn updated(inv: usize, id: &str, t: OpType, s: OpStatus, place: u32) -> SessionEvent {
        SessionEvent::OperationUpdated {
            run: 1,
            invocation: inv,
            op: op(id, t, s),
            place: vec![place],
        }
    }

    fn started(index: usize) -> SessionEvent {
        SessionEvent::InvocationStarted {
            run: 1,
            index,
            request_id: format!("r{index}"),
        }
    }

    fn ended(index: usize) -> SessionEvent {
        SessionEvent::InvocationEnded {
            run: 1,
            record: Box::new(InvocationRecord {
                index,
                request_id: format!("r{index}"),
                start: Ts(0),
                end: Ts(0),
                pid: 1,
                stdout: String::new(),
                stderr: String::new(),
                exit_code: Some(0),
                output: None,
            }),
        }
    }

    /// A trace of run 1 whose first invocation started at `t0`.
    fn begun(t0: Instant) -> Trace {
        let mut tr = Trace::default();
        play(
            &mut tr,
            t0,
            vec![(0, SessionEvent::RunStarted { run: 1 }), (0, started(0))],
        );
        tr
    }

    /// The first invocation's band in the time view drawn at `now`.
    fn first_band(tr: &mut Trace, now: Instant) -> Option<crate::ui::timeline::Band> {
        tr.doc(now).unwrap().timeline.bands[0].clone()
    }

    /// Apply `(milliseconds after t0, event)` in order.
    fn play(tr: &mut Trace, t0: Instant, script: Vec<(u64, SessionEvent)>) {
        for (ms, e) in script {
            tr.apply(&e, t0 + Duration::from_millis(ms));
        }
    }

    /// The document built on the builder thread is the one built in place
    /// from the same events, and the UI side never builds one itself.
    #[test]
    fn the_builder_thread_draws_what_an_in_place_build_draws() {
        let t0 = Instant::now();
        let script = || {
            vec![
                (0, SessionEvent::RunStarted { run: 1 }),
                (0, started(0)),
                (10, seen(0, "pay", Step, Started, 1, Role::Executed)),
                (30, updated(0, "pay", Step, Succeeded, 1)),
                (40, seen(0, "cool", Wait, Started, 2, Role::Executed)),
                (50, ended(0)),
                (55, updated(0, "cool", Wait, Succeeded, 2)),
                (60, started(1)),
                (61, seen(1, "pay", Step, Succeeded, 1, Role::Replayed)),
                (70, seen(1, "notify", Step, Succeeded, 3, Role::Executed)),
                (80, ended(1)),
            ]
        };
        let mut here = Trace::default();
        play(&mut here, t0, script());
        let mut away = Trace::default();
        away.build_in_background(&egui::Context::default());
        play(&mut away, t0, script());
        assert!(!away.pending(), "the UI side waits for nothing");
        let later = t0 + Duration::from_secs(1);
        let want = here.doc(later).expect("built in place");
        let (ops, bands) = (
            want.execution().unwrap().operations.clone(),
            want.timeline.bands.iter().flatten().count(),
        );
        let got = away
            .settled_doc(Duration::from_secs(10))
            .expect("the builder sent a document");
        assert_eq!(
            got.execution().unwrap().operations.len(),
            ops.len(),
            "every operation"
        );
        let names = |o: &[Operation]| o.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got.execution().unwrap().operations), names(&ops));
        assert_eq!(got.timeline.bands.iter().flatten().count(), bands);
    }

    /// Two invocations: a step and a wait executed, the wait completes
    /// between invocations, the second replays both and executes `notify`.
    #[test]
    fn the_live_run_becomes_a_history_with_its_invocations_roles_and_switches() {
        let t0 = Instant::now();
        let mut tr = begun(t0);
        play(
            &mut tr,
            t0,
            vec![
                (10, seen(0, "pay", Step, Started, 1, Role::Executed)),
                (30, updated(0, "pay", Step, Succeeded, 1)),
                (40, seen(0, "cool", Wait, Started, 2, Role::Executed)),
                (50, ended(0)),
                (55, updated(0, "cool", Wait, Succeeded, 2)),
                (60, started(1)),
                (61, seen(1, "pay", Step, Succeeded, 1, Role::Replayed)),
                (62, seen(1, "cool", Wait, Succeeded, 2, Role::Replayed)),
                (70, seen(1, "notify", Step, Succeeded, 3, Role::Executed)),
                (80, ended(1)),
            ],
        );
        let doc = tr.doc(t0 + Duration::from_millis(80)).expect("a document");
        let e = doc.execution().unwrap();
        assert_eq!(e.operations.len(), 3, "a replay is not a new operation");
        assert_eq!(e.invocations.len(), 2);
        let pay = &e.operations[0];
        assert_eq!(pay.status, Succeeded, "the update closed it");
        assert_eq!(pay.end.unwrap().0 - pay.start.unwrap().0, 20_000);
        assert_eq!(
            e.operations[1].finished_in, None,
            "the service ended the wait"
        );
        let a = &doc.analysis;
        assert_eq!(
            a.invocations[0].roles().collect::<Vec<_>>(),
            [Seen::Executed, Seen::Executed, Seen::NotReached]
        );
        assert_eq!(
            a.invocations[1].roles().collect::<Vec<_>>(),
            [Seen::Replayed, Seen::Replayed, Seen::Executed]
        );
        // The time view has a band per invocation; the first replayed
        // nothing (a fresh start, no marker), the second switches.
        let l = &doc.timeline;
        assert_eq!(l.bands.iter().flatten().count(), 2);
        assert_eq!(l.bands[0].as_ref().map(|b| b.replayed), Some(0));
        let markers: Vec<usize> = l
            .lanes
            .iter()
            .flat_map(|l| &l.markers)
            .map(|m| m.invocation)
            .collect();
        assert_eq!(markers, [1]);
    }

    /// The session's operations carry the service's clock, which runs ahead
    /// of the handler's (skipped waits, pauses): none of it reaches the axis.
    #[test]
    fn service_clock_times_are_replaced_by_the_handlers() {
        let t0 = Instant::now();
        let mut tr = begun(t0);
        let later = Some(Ts(tr.clock.as_ref().unwrap().origin.0 + 3_600_000_000));
        let mut wait = seen(0, "w", Wait, Started, 1, Role::Executed);
        let mut step = updated(0, "s", Step, Succeeded, 2);
        if let SessionEvent::OperationSeen { op, .. } = &mut wait {
            op.start = later;
            op.scheduled_end = later;
        }
        let attempt = |status| Attempt {
            number: 1,
            start: later,
            end: later,
            status,
            error: None,
            next_attempt_at: later,
            invocation: Some(0),
        };
        let mut first = seen(0, "s", Step, Started, 2, Role::Executed);
        if let SessionEvent::OperationSeen { op, .. } = &mut first {
            op.attempts = vec![attempt(OpStatus::Failed)];
        }
        if let SessionEvent::OperationUpdated { op, .. } = &mut step {
            op.attempts = vec![attempt(OpStatus::Failed), attempt(Succeeded)];
        }
        play(&mut tr, t0, vec![(10, wait), (20, first), (30, step)]);
        let doc = tr.doc(t0 + Duration::from_millis(40)).unwrap();
        assert!(doc.timeline.t_max < 0.1, "t_max {}", doc.timeline.t_max);
        let s = &doc.execution().unwrap().operations[1];
        let times: Vec<_> = s.attempts.iter().map(|a| (a.start, a.end)).collect();
        let at = |ms: i64| Some(Ts(tr.clock.as_ref().unwrap().origin.0 + ms * 1000));
        assert_eq!(times, [(at(20), at(20)), (at(30), at(30))]);
    }

    #[test]
    fn time_held_at_a_pause_is_left_out_and_the_pause_is_in_focus() {
        let t0 = Instant::now();
        let mut tr = begun(t0);
        let paused = SessionEvent::Paused {
            run: 1,
            seen: 1,
            op_id: "a".into(),
        };
        let a = seen(0, "a", Step, Started, 1, Role::Executed);
        play(&mut tr, t0, vec![(10, a), (10, paused)]);
        assert_eq!(tr.focus_op(), Some(0));
        // The running invocation's band reaches to now.
        let band = first_band(&mut tr, t0 + Duration::from_millis(10));
        let band = band.expect("a band for the running invocation");
        assert!((band.end - band.start - 0.010).abs() < 1e-6, "{band:?}");
        assert_eq!(band.label, "invocation 1 · ▶ running");
        // Held for 5 s, then let go.
        tr.resumed(t0 + Duration::from_millis(5_010));
        assert_eq!(tr.focus_op(), None);
        let b = seen(0, "b", Step, Succeeded, 2, Role::Executed);
        play(&mut tr, t0, vec![(5_020, b)]);
        let e = tr
            .doc(t0 + Duration::from_millis(5_020))
            .unwrap()
            .execution()
            .unwrap();
        let (a, b) = (&e.operations[0], &e.operations[1]);
        assert_eq!(
            b.start.unwrap().0 - a.start.unwrap().0,
            10_000,
            "the pause is not on the axis"
        );
    }

    #[test]
    fn a_divergence_focuses_its_operation_and_stale_runs_are_ignored() {
        let t0 = Instant::now();
        let mut tr = Trace::default();
        let mut odd = seen(0, "x", Wait, Started, 1, Role::Executed);
        if let SessionEvent::OperationSeen {
            run, comparison, ..
        } = &mut odd
        {
            *run = 2;
            *comparison = Comparison::NotRecorded;
        }
        let divergence = SessionEvent::Divergence {
            run: 2,
            divergence: Divergence {
                invocation: 0,
                place: vec![1],
                message: "m".into(),
                sdk_error: None,
                kind: Default::default(),
            },
        };
        let mut inv = started(0);
        if let SessionEvent::InvocationStarted { run, .. } = &mut inv {
            *run = 2;
        }
        play(
            &mut tr,
            t0,
            vec![
                (0, SessionEvent::RunStarted { run: 2 }),
                (0, SessionEvent::RunStarted { run: 1 }),
                (0, inv),
                (0, odd),
                (0, seen(0, "stale", Step, Started, 2, Role::Executed)),
                (0, divergence),
            ],
        );
        assert_eq!(tr.run, 2, "an older run's start is dropped");
        assert_eq!(
            tr.execution().operations.len(),
            1,
            "run 1's event is dropped"
        );
        assert_eq!(tr.divergent.as_deref(), Some("x"));
        assert_eq!(tr.focus_op(), Some(0));
        let finished = SessionEvent::Finished {
            run: 2,
            report: Box::new(crate::rerun::Report {
                history: History {
                    source: String::new(),
                    origin: None,
                    format: Format::Rerun,
                    executions: Vec::new(),
                    warnings: Vec::new(),
                },
                outcome: None,
                invocations: Vec::new(),
                divergence: None,
                error: None,
                switches: Vec::new(),
                changes: Vec::new(),
            }),
        };
        play(&mut tr, t0, vec![(5, finished)]);
        let band = first_band(&mut tr, t0 + Duration::from_millis(5));
        assert_eq!(
            band.map(|b| b.label).as_deref(),
            Some("invocation 1 · ✖ stopped at the divergence")
        );
        tr.resumed(t0);
        assert_eq!(tr.focus_op(), Some(0), "a divergence stays in focus");
    }
}
