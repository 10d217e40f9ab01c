//! What a session knows about one run and the events its changes produce:
//! the operations reported so far (and their last reported state), the
//! starting-state operations each invocation replays, switch points and
//! invocation records. Pure bookkeeping: it returns events for the
//! controller to send and never blocks; pausing and commands stay in
//! `session`.

use super::compare::{Comparison, Divergence};
use super::control::{Role, SessionEvent};
use super::invoker::InvocationRecord;
use super::process::{HoldMeter, Stopper};
use super::recorded::{PlacePath, Places};
use super::wire::WireOp;
use crate::model::Operation;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub(super) struct RunState {
    pub run: u32,
    pub stopper: Arc<Stopper>,
    pub hold: Arc<HoldMeter>,
    /// Shared with the answerer, which finds recorded answers by place.
    pub places: Arc<Mutex<Places>>,
    /// Terminal operations of the current invocation's starting state, by
    /// place: what it replays.
    pub initial: Vec<(PlacePath, Operation)>,
    /// Ids of `initial`, and how many of its leading entries this
    /// invocation has reported replayed: per checkpoint the session looks
    /// at what is new, not at the whole starting state.
    initial_ids: HashSet<String>,
    replayed_prefix: usize,
    seen_ids: HashSet<String>,
    replayed_this_invocation: HashSet<String>,
    pub invocation: usize,
    pub executed_count: usize,
    pub divergence: Option<Divergence>,
    pub records: Vec<InvocationRecord>,
    pub switches: Vec<(usize, PlacePath)>,
    switched_parents: HashSet<(usize, PlacePath)>,
    /// Operations this run's handler checkpointed, as last reported.
    pub live: HashMap<String, Operation>,
    pub done: bool,
}

impl RunState {
    /// A run starting from `start` (the state the first invocation gets).
    pub fn new(
        run: u32,
        start: &[WireOp],
        stopper: Arc<Stopper>,
        hold: Arc<HoldMeter>,
    ) -> RunState {
        let mut places = Places::default();
        let mut initial = Vec::new();
        for (i, w) in start.iter().enumerate() {
            let place = places.add(&w.id, w.parent_id.as_deref(), i);
            if w.status().is_some_and(|s| s.is_terminal()) {
                if let Some(op) = w.to_model(None) {
                    initial.push((place, op));
                }
            }
        }
        initial.sort_by(|a, b| a.0.cmp(&b.0));
        let initial_ids = initial.iter().map(|(_, o)| o.id.clone()).collect();
        RunState {
            run,
            stopper,
            hold,
            places: Arc::new(Mutex::new(places)),
            initial,
            initial_ids,
            replayed_prefix: 0,
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
        }
    }

    pub fn seen_count(&self) -> usize {
        self.seen_ids.len()
    }

    pub fn begin_invocation(&mut self, index: usize) {
        self.invocation = index;
        self.replayed_this_invocation.clear();
        self.replayed_prefix = 0;
    }

    /// Whether the operation is already known (checkpointed or replayed).
    pub fn knows(&self, id: &str) -> bool {
        self.live.contains_key(id) || self.initial_ids.contains(id)
    }

    /// Give a newly checkpointed operation its place (by its wire parent id).
    pub fn place_new(&self, id: &str, parent_id: Option<&str>) -> PlacePath {
        let idx = self.live.len();
        self.places
            .lock()
            .map(|mut p| p.add(id, parent_id, 10_000 + idx))
            .unwrap_or_default()
    }

    /// An executed operation at `place`: a switch point when it is the
    /// first of its context in this invocation.
    pub fn executed(&mut self, place: &PlacePath) {
        self.executed_count += 1;
        let parent = place[..place.len().saturating_sub(1)].to_vec();
        if self.switched_parents.insert((self.invocation, parent)) {
            self.switches.push((self.invocation, place.clone()));
        }
    }

    pub fn see(
        &mut self,
        op: Operation,
        place: PlacePath,
        role: Role,
        comparison: Comparison,
    ) -> SessionEvent {
        self.seen_ids.insert(op.id.clone());
        SessionEvent::OperationSeen {
            run: self.run,
            invocation: self.invocation,
            seen: self.seen_ids.len(),
            op: Box::new(op),
            place,
            role,
            comparison,
        }
    }

    /// An `OperationUpdated` for each already-seen live operation of `ops`
    /// that changed since it was last reported.
    pub fn refresh<'a>(
        &mut self,
        ops: impl IntoIterator<Item = &'a Operation>,
    ) -> Vec<SessionEvent> {
        let mut changed = Vec::new();
        for op in ops {
            match self.live.get_mut(&op.id) {
                Some(known) if known != op => {
                    *known = op.clone();
                    changed.push(op.clone());
                }
                _ => {}
            }
        }
        if changed.is_empty() {
            return Vec::new();
        }
        let places = self.places.lock().unwrap_or_else(|p| p.into_inner());
        changed
            .into_iter()
            .map(|op| SessionEvent::OperationUpdated {
                run: self.run,
                invocation: self.invocation,
                place: places.of(&op.id).cloned().unwrap_or_default(),
                op: Box::new(op),
            })
            .collect()
    }

    /// Report the starting state's operations the handler has replayed
    /// before reaching `upto` (all of them when `None`).
    pub fn replay_upto(&mut self, upto: Option<&[u32]>) -> Vec<SessionEvent> {
        // `initial` is sorted by place, so the ones before `upto` are a
        // prefix; its leading already-reported entries are skipped.
        let end = upto.map_or(self.initial.len(), |u| {
            self.initial.partition_point(|(p, _)| p.as_slice() < u)
        });
        let from = self.replayed_prefix.min(end);
        let pending: Vec<(PlacePath, Operation)> = self.initial[from..end]
            .iter()
            .filter(|(_, op)| !self.replayed_this_invocation.contains(&op.id))
            .cloned()
            .collect();
        let events = pending
            .into_iter()
            .map(|(place, op)| {
                self.replayed_this_invocation.insert(op.id.clone());
                self.see(op, place, Role::Replayed, Comparison::Matches)
            })
            .collect();
        self.replayed_prefix = self.replayed_prefix.max(end);
        events
    }

    /// The operations the coming invocation replays (terminal in its state).
    /// `ops`: the model form of the state's operations, reported as the
    /// history will show them.
    pub fn set_replayable(&mut self, terminal: Vec<WireOp>, ops: Vec<Operation>) {
        if terminal.is_empty() {
            return;
        }
        let Ok(mut places) = self.places.lock() else {
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
        self.initial_ids = initial.iter().map(|(_, o)| o.id.clone()).collect();
        self.replayed_prefix = 0;
        self.initial = initial;
    }
}
