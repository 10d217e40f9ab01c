//! Replay analysis: for every invocation and every context, which operations
//! were replayed from checkpoints, which were executed, and where replay
//! switched to execution; plus the SDKs' non-determinism errors pinned to an
//! operation, context path and position.

mod contexts;
mod diagnose;
mod ids;
mod invocations;

pub(crate) use contexts::tree_order;
pub use contexts::{Context, Place};
pub(crate) use diagnose::js_step_chain;
pub use diagnose::{diagnose_error_text, plain_message, Diagnosis, Mismatch, ParsedError};

use crate::model::{ErrorInfo, Execution, Invocation};
use invocations::Roles;
use std::sync::Arc;

/// What the analysis found for one execution. Indices (`usize`) are indices
/// into `Execution::operations` unless said otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Index 0 is the root context; one more per CONTEXT operation.
    pub contexts: Vec<Context>,
    /// Per operation: its context, 1-based position in it and nesting depth.
    pub places: Vec<Place>,
    /// One per `Execution::invocations` (after inference, see below).
    pub invocations: Vec<InvocationReplay>,
    /// The source recorded no invocation boundaries; they were inferred from
    /// wait/callback/retry boundaries.
    pub invocations_inferred: bool,
    pub diagnoses: Vec<Diagnosis>,
    /// Per operation, the context it opens (see `contexts::opened_by`),
    /// built once: `op_at_place` runs every frame in the re-run view.
    opened: Vec<Option<usize>>,
}

impl Analysis {
    /// The name a user sees for operation `i`: its own name, or, for an
    /// unnamed operation inside a named one (the JS SDK's wait-for-callback
    /// callback and submitter), its parent's name and its role
    /// (`manager-approval › callback`, `… › submitter`); else its id. The one
    /// naming rule for the table, the diff and the CLI.
    pub fn label<'a>(&self, exec: &'a Execution, i: usize) -> std::borrow::Cow<'a, str> {
        let Some(op) = exec.operations.get(i) else {
            return "(unknown)".into();
        };
        if let Some(n) = &op.name {
            return n.as_str().into();
        }
        let parent = self
            .places
            .get(i)
            .and_then(|p| self.contexts.get(p.context))
            .and_then(|c| c.op)
            .and_then(|p| exec.operations.get(p));
        match parent.and_then(|p| p.name.as_deref().map(|n| (n, p))) {
            Some((name, p)) => format!("{name} › {}", crate::model::role_word(op, p)).into(),
            None => op.id.as_str().into(),
        }
    }

    /// Names of the context operations from the root down to context `c`.
    pub fn context_names(&self, c: usize) -> Vec<String> {
        contexts::names(&self.contexts, c)
    }

    /// Positions from the root down to context `c` (see [`Context`]).
    pub fn context_key(&self, c: usize) -> Vec<u32> {
        contexts::key(&self.contexts, c)
    }

    /// The recorded operation at a position path (`[2, 1]`: the first
    /// operation in the context at root position 2).
    pub fn op_at_place(&self, path: &[u32]) -> Option<usize> {
        let (&position, key) = path.split_last()?;
        let c = contexts::find_with(&self.contexts, &self.opened, key)?;
        let at = (position as usize).checked_sub(1)?;
        self.contexts[c].children.get(at).copied()
    }

    /// `process-items › map-item-0`, or `root`.
    pub fn context_label(&self, c: usize) -> String {
        contexts::path_label(&self.contexts, c)
    }
}

/// How one operation took part in one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Returned its checkpointed result.
    Replayed,
    /// Ran (started or finished) in this invocation, or was resumed: it
    /// had no terminal checkpoint when the invocation began (a context
    /// still open, a callback not yet answered).
    Executed,
    /// Not reached in this invocation (created later).
    NotReached,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvocationReplay {
    pub index: usize,
    /// The invocation as recorded, or as inferred (`window.inferred`).
    pub window: Invocation,
    /// Every operation's role, shared by the execution's invocations.
    roles: Arc<Roles>,
    /// The operations executed here, in operation order.
    executed: Vec<usize>,
    /// How many were replayed here.
    replayed_count: usize,
    /// Operations not reached because the invocation failed on
    /// non-determinism before them, sorted.
    cut: Vec<usize>,
    /// Where replay switched to execution, one per context that executed
    /// something in this invocation, in operation order.
    pub switches: Vec<Switch>,
    pub outcome: Outcome,
}

impl InvocationReplay {
    fn new(
        index: usize,
        window: Invocation,
        roles: Arc<Roles>,
        executed: Vec<usize>,
        replayed_count: usize,
        switches: Vec<Switch>,
        outcome: Outcome,
    ) -> Self {
        InvocationReplay {
            index,
            window,
            roles,
            executed,
            replayed_count,
            cut: Vec::new(),
            switches,
            outcome,
        }
    }

    /// Operation `op`'s role in this invocation (`None` past the last one).
    pub fn role(&self, op: usize) -> Option<Role> {
        if op >= self.roles.len() {
            return None;
        }
        if self.cut.binary_search(&op).is_ok() {
            return Some(Role::NotReached);
        }
        Some(self.roles.role(op, self.index))
    }

    /// Every operation's role, in operation order.
    pub fn roles(&self) -> impl Iterator<Item = Role> + '_ {
        (0..self.roles.len()).filter_map(|i| self.role(i))
    }

    pub fn replayed(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.roles.len()).filter(|&i| self.role(i) == Some(Role::Replayed))
    }

    pub fn executed(&self) -> impl Iterator<Item = usize> + '_ {
        self.executed.iter().copied()
    }

    /// How many operations were (replayed, executed) here, without
    /// visiting them.
    pub fn counts(&self) -> (usize, usize) {
        (self.replayed_count, self.executed.len())
    }

    /// Mark `ops` (sorted) not reached: the invocation stopped before them.
    fn cut_off(&mut self, ops: Vec<usize>) {
        for &i in &ops {
            if self.role(i) == Some(Role::Replayed) {
                self.replayed_count -= 1;
            }
        }
        self.executed.retain(|i| ops.binary_search(i).is_err());
        self.cut.extend(ops);
        self.cut.sort_unstable();
        self.cut.dedup();
    }

    /// The switch of the root context, if this invocation executed anything there.
    pub fn root_switch(&self) -> Option<&Switch> {
        self.switches.iter().find(|s| s.context == 0)
    }
}

/// The first executed operation of a context in an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    /// Index into `Analysis::contexts`.
    pub context: usize,
    /// 1-based position of the first executed operation in that context.
    pub position: u32,
    /// That operation.
    pub op: usize,
}

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Succeeded,
    Failed(Option<ErrorInfo>),
    /// Suspended, waiting on these operations (waits, callbacks, retries,
    /// chained invokes).
    Pending(Vec<usize>),
    Unknown,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed(_) => "failed",
            Outcome::Pending(_) => "pending",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Analyse one execution. Pure and deterministic; cost is linear in the
/// number of operations plus invocations (plus what each invocation
/// reports: its executed operations, switches and what it waits on).
pub fn analyze(exec: &Execution) -> Analysis {
    let (contexts, places) = contexts::build(exec);
    let (invocations, invocations_inferred) = invocations::replay(exec, &contexts, &places);
    let diagnoses = diagnose::diagnose(exec, &contexts, &places);
    let mut invocations = invocations;
    for d in &diagnoses {
        cut_after_failure(d, &contexts, &places, &mut invocations);
    }
    Analysis {
        opened: contexts::opened_by(&contexts, exec.operations.len()),
        contexts,
        places,
        invocations,
        invocations_inferred,
        diagnoses,
    }
}

/// An invocation that failed on non-determinism stopped at the offending
/// place: nothing after it in code order was reached there. Code order is
/// the tree's pre-order, so "at or after the place" is a comparison of
/// pre-order ranks (no position path is built per operation).
fn cut_after_failure(
    d: &Diagnosis,
    contexts: &[Context],
    places: &[Place],
    invocations: &mut [InvocationReplay],
) {
    let (Some(k), Some(position)) = (
        d.invocation.or(invocations.len().checked_sub(1)),
        d.position,
    ) else {
        return;
    };
    let Some(inv) = invocations.get_mut(k) else {
        return;
    };
    let order = contexts::tree_order(contexts, places.len());
    let context = d.context.unwrap_or(0);
    let Some(ctx) = contexts.get(context) else {
        return;
    };
    // The operation at the place, if recorded; otherwise the place is past
    // the context's last child and the cut starts after its whole subtree.
    let at = ctx
        .children
        .get((position as usize).wrapping_sub(1))
        .copied();
    let threshold = match at {
        Some(op) => order.rank[op],
        None => order.end_of(context),
    };
    let cut: Vec<usize> = (0..places.len())
        .filter(|&i| order.rank[i] >= threshold && inv.role(i) != Some(Role::NotReached))
        .collect();
    inv.cut_off(cut);
    inv.switches
        .retain(|s| order.rank.get(s.op).is_some_and(|&r| r < threshold) || Some(s.op) == at);
}
