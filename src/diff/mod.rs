//! Consistency and diff: align two operation sequences context by context
//! (an edit script, see `align`) and report what replay would reject (type,
//! subtype or name mismatches, removed, added, missing and extra
//! operations) apart from what it accepts but a user wants to see (changed
//! status, changed results as a JSON diff).
//!
//! Sequences are keyed by context *position* paths, never by ids, so a Python
//! and a JS run of the same handler compare equal.

mod align;
mod json;

pub use json::{json_diff, JsonChange};

use crate::model::{Execution, OpSig, OpStatus};
use crate::replay::{Analysis, Mismatch, Role};
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// The path of a context (positions and names from the root down), shared:
/// every operation of a context holds the same one, and a context's path
/// extends its parent's, so paths cost one node per context whatever the
/// depth (a copy per operation was quadratic in depth).
#[derive(Debug, Clone, Default)]
pub struct CtxPath(Option<Arc<PathNode>>);

#[derive(Debug)]
struct PathNode {
    parent: CtxPath,
    position: u32,
    /// `None` for the `0` that starts a missing parent's `[0, n]`.
    name: Option<String>,
    /// Number of positions from the root down to here.
    len: usize,
}

impl CtxPath {
    fn child(&self, position: u32, name: Option<String>) -> CtxPath {
        CtxPath(Some(Arc::new(PathNode {
            parent: self.clone(),
            position,
            name,
            len: self.len() + 1,
        })))
    }

    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    fn nodes(&self) -> impl Iterator<Item = &PathNode> {
        std::iter::successors(self.0.as_deref(), |n| n.parent.0.as_deref())
    }

    /// Position path (empty for the root).
    pub fn key(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.nodes().map(|n| n.position).collect();
        v.reverse();
        v
    }

    /// Names of the contexts from the root down, for messages.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.nodes().filter_map(|n| n.name.clone()).collect();
        v.reverse();
        v
    }

    fn up(&self, levels: usize) -> &CtxPath {
        let mut at = self;
        for _ in 0..levels {
            match &at.0 {
                Some(n) => at = &n.parent,
                None => break,
            }
        }
        at
    }

    fn same(a: &CtxPath, b: &CtxPath) -> bool {
        match (&a.0, &b.0) {
            (Some(x), Some(y)) => Arc::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        }
    }

    /// Order of `self ++ [p]` and `other ++ [q]` as position sequences,
    /// without building them: walk both up to the same length, then up
    /// together remembering the highest level that differs (shared nodes
    /// stop the walk early).
    fn cmp_full(&self, p: u32, other: &CtxPath, q: u32) -> Ordering {
        let (la, lb) = (self.len(), other.len());
        let m = la.min(lb);
        // The element right after the common length on each side.
        let next_a = if la > m {
            self.up(la - m - 1).0.as_ref().map(|n| n.position)
        } else {
            Some(p)
        };
        let next_b = if lb > m {
            other.up(lb - m - 1).0.as_ref().map(|n| n.position)
        } else {
            Some(q)
        };
        let (mut a, mut b) = (self.up(la - m), other.up(lb - m));
        let mut first = Ordering::Equal;
        while !CtxPath::same(a, b) {
            let (Some(x), Some(y)) = (&a.0, &b.0) else {
                break;
            };
            let c = x.position.cmp(&y.position);
            if c != Ordering::Equal {
                first = c;
            }
            a = &x.parent;
            b = &y.parent;
        }
        if first != Ordering::Equal {
            return first;
        }
        match next_a.cmp(&next_b) {
            Ordering::Equal => la.cmp(&lb),
            c => c,
        }
    }
}

impl PartialEq for CtxPath {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.cmp_full(0, other, 0) == Ordering::Equal
    }
}

/// One operation as a diff sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeqOp {
    /// The enclosing context's path (shared by its operations).
    pub context: CtxPath,
    /// 1-based position within the context.
    pub position: u32,
    pub depth: u32,
    pub sig: OpSig,
    pub status: Option<OpStatus>,
    /// Decoded result, when the operation succeeded with one.
    pub result: Option<Value>,
    /// Index into the execution's operations; `None` for an operation the
    /// code asked for but that was never checkpointed (taken from an SDK
    /// non-determinism error).
    pub op: Option<usize>,
    /// The SDK's error named only this operation's type (the JS SDK's type
    /// mismatch): its name and subtype here are the recorded operation's.
    pub only_type_known: bool,
    /// What a user calls it (`Analysis::label`).
    pub label: String,
}

impl SeqOp {
    /// Position path of the enclosing context (empty for the root).
    pub fn key(&self) -> Vec<u32> {
        self.context.key()
    }

    /// Names of the enclosing contexts, for messages.
    pub fn context_names(&self) -> Vec<String> {
        self.context.names()
    }

    fn cmp_place(&self, other: &SeqOp) -> Ordering {
        self.context
            .cmp_full(self.position, &other.context, other.position)
    }
}

/// Every operation of an execution, in tree order.
pub fn execution_sequence(exec: &Execution, analysis: &Analysis) -> Vec<SeqOp> {
    let mut paths = Paths::new(analysis);
    let mut v: Vec<SeqOp> = (0..exec.operations.len())
        .map(|i| seq_op(exec, analysis, &mut paths, i))
        .collect();
    sort_by_rank(analysis, &mut v);
    v
}

/// Tree order from the analysis's pre-order ranks: no path is compared.
fn sort_by_rank(analysis: &Analysis, v: &mut [SeqOp]) {
    let order = crate::replay::tree_order(&analysis.contexts, analysis.places.len());
    v.sort_by_key(|s| s.op.and_then(|i| order.rank.get(i).copied()));
}

/// What the handler saw in invocation `inv`: the operations it replayed or
/// executed, plus, when it failed on non-determinism, the operation the code
/// asked for instead of the recorded one.
pub fn invocation_sequence(exec: &Execution, analysis: &Analysis, inv: usize) -> Vec<SeqOp> {
    let Some(ir) = analysis.invocations.get(inv) else {
        return Vec::new();
    };
    let mut paths = Paths::new(analysis);
    let mut v: Vec<SeqOp> = ir
        .roles()
        .enumerate()
        .filter(|(_, r)| *r != Role::NotReached)
        .map(|(i, _)| seq_op(exec, analysis, &mut paths, i))
        .collect();
    sort_by_rank(analysis, &mut v);
    let mut inserted = false;
    let last = analysis.invocations.len().checked_sub(1);
    for d in &analysis.diagnoses {
        let here = d.invocation == Some(inv) || (d.invocation.is_none() && Some(inv) == last);
        let (Some(found), Some(position), true) = (&d.found, d.position, here) else {
            continue;
        };
        let context = d.context.unwrap_or(0);
        let path = paths.of(context);
        // The invocation stopped there: the recorded op at that place and
        // everything after it in code order were not reached.
        v.retain(|s| s.context.cmp_full(s.position, &path, position) == Ordering::Less);
        inserted = true;
        v.push(SeqOp {
            context: path,
            position,
            depth: analysis.contexts[context].depth,
            sig: found.clone(),
            status: None,
            result: None,
            op: None,
            only_type_known: d.sdk == crate::model::Sdk::Js
                && matches!(d.mismatch, Mismatch::Type | Mismatch::Unknown),
            label: found.name.clone().unwrap_or_else(|| "(unnamed)".into()),
        });
    }
    if inserted {
        // Nearly sorted already: the stable sort compares neighbours.
        sort_tree(&mut v);
    }
    v
}

/// How one side of a diff ended: an execution's status and error, or an
/// invocation's outcome. Two failed sides can be consistent with each other;
/// the diff says so with both failures in view.
#[derive(Debug, Clone, PartialEq)]
pub struct SideOutcome {
    /// `SUCCEEDED`, `FAILED`, … for an execution (`RUNNING` when it has no
    /// status yet); `succeeded`, `failed`, `pending`, `unknown` for an
    /// invocation.
    pub status: String,
    pub error: Option<crate::model::ErrorInfo>,
}

impl SideOutcome {
    pub fn of_execution(exec: &Execution) -> SideOutcome {
        SideOutcome {
            status: exec.status.map_or("RUNNING", |s| s.as_str()).to_string(),
            error: exec.error.clone(),
        }
    }

    pub fn of_invocation(analysis: &Analysis, inv: usize) -> SideOutcome {
        let outcome = analysis.invocations.get(inv).map(|i| &i.outcome);
        SideOutcome {
            status: outcome.map_or("unknown", |o| o.label()).to_string(),
            error: match outcome {
                Some(crate::replay::Outcome::Failed(e)) => e.clone(),
                _ => None,
            },
        }
    }

    pub fn failed(&self) -> bool {
        self.status.eq_ignore_ascii_case("failed") || self.error.is_some()
    }
}

impl fmt::Display for SideOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(e) => write!(f, "{}: {e}", self.status),
            None => f.write_str(&self.status),
        }
    }
}

/// One shared path per context, each extending its parent's.
struct Paths {
    of: Vec<CtxPath>,
}

impl Paths {
    fn new(analysis: &Analysis) -> Self {
        let mut of: Vec<CtxPath> = Vec::with_capacity(analysis.contexts.len());
        for c in &analysis.contexts {
            // Parents come before their children in `contexts`.
            let path = match c.parent.and_then(|p| of.get(p)) {
                None => CtxPath::default(),
                Some(parent) if c.op.is_none() => {
                    // A missing parent's context: `[0, n]`.
                    parent
                        .child(0, None)
                        .child(c.position, Some(c.name.clone()))
                }
                Some(parent) => parent.child(c.position, Some(c.name.clone())),
            };
            of.push(path);
        }
        Paths { of }
    }

    fn of(&self, c: usize) -> CtxPath {
        self.of.get(c).cloned().unwrap_or_default()
    }
}

fn seq_op(exec: &Execution, analysis: &Analysis, paths: &mut Paths, i: usize) -> SeqOp {
    let op = &exec.operations[i];
    let place = analysis.places[i];
    SeqOp {
        context: paths.of(place.context),
        position: place.position,
        depth: place.depth,
        sig: OpSig::of(op),
        status: Some(op.status),
        result: op.result.as_ref().map(|p| p.decoded()),
        op: Some(i),
        only_type_known: false,
        label: analysis.label(exec, i).into_owned(),
    }
}

fn sort_tree(v: &mut [SeqOp]) {
    v.sort_by(SeqOp::cmp_place);
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    /// The two sides are invocations of one execution (or a recording and a
    /// re-run that stopped early): one side going further than the other is
    /// progress, not a violation.
    pub allow_progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Same,
    /// Same operation, different status (e.g. STARTED → SUCCEEDED).
    StatusChanged,
    /// Same operation and status, different decoded result.
    ResultChanged,
    TypeMismatch,
    SubTypeMismatch,
    NameMismatch,
    /// On the left only, at the end of its context (the right side stopped
    /// earlier, or the code no longer goes that far).
    Missing,
    /// On the right only, at the end of its context.
    Extra,
    /// On the left only, and the right side goes on with the left's later
    /// operations: removed from the code.
    Removed,
    /// On the right only, before operations both sides have: added to the
    /// code.
    Inserted,
}

impl RowKind {
    pub fn is_mismatch(self) -> bool {
        matches!(
            self,
            RowKind::TypeMismatch | RowKind::SubTypeMismatch | RowKind::NameMismatch
        )
    }
}

/// One aligned place: the same context position on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffRow {
    /// The enclosing context's path (`key()`, `names()`).
    pub context: CtxPath,
    /// The left side's position (the right's when only the right has one).
    pub position: u32,
    /// The right side's position, when it has the operation (differs from
    /// `position` after an operation was removed or inserted before it).
    pub right_position: Option<u32>,
    pub depth: u32,
    /// Indices into the left and right sequences.
    pub left: Option<usize>,
    pub right: Option<usize>,
    pub kind: RowKind,
    /// For `ResultChanged`: the JSON diff of the two results.
    pub changes: Vec<JsonChange>,
}

/// A difference replay would reject.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub kind: RowKind,
    /// Index into `DiffReport::rows`.
    pub row: usize,
    pub context_names: Vec<String>,
    pub position: u32,
    /// What replay met at that position: the left's and the right's
    /// operation there (the SDK's positional view).
    pub expected: Option<OpSig>,
    pub found: Option<OpSig>,
    /// For a removal or an insertion: what the code change was.
    pub edit: Option<Edit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    Removed,
    Inserted,
}

/// An operation the code no longer calls, or newly calls, with the one both
/// sides go on with after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub kind: EditKind,
    /// The operation's label (`SeqOp::label`).
    pub op: String,
    /// The next operation both sides have in this context, by label.
    pub next: Option<String>,
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |s: &String| format!("'{s}'");
        match (self.kind, &self.next) {
            (EditKind::Removed, Some(n)) => write!(
                f,
                "{} was removed; the code goes on with {}",
                name(&self.op),
                name(n)
            ),
            (EditKind::Removed, None) => write!(f, "{} was removed", name(&self.op)),
            (EditKind::Inserted, Some(n)) => {
                write!(f, "{} was added before {}", name(&self.op), name(n))
            }
            (EditKind::Inserted, None) => write!(f, "{} was added", name(&self.op)),
        }
    }
}

impl Violation {
    /// The violation as a user reads it: the edit when there is one, else
    /// the positional wording.
    pub fn summary(&self) -> String {
        match &self.edit {
            Some(e) => e.to_string(),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = if self.context_names.is_empty() {
            String::new()
        } else {
            format!(" in context '{}'", self.context_names.join(" › "))
        };
        let sub = |s: &OpSig| match (self.kind, &s.sub_type) {
            (RowKind::SubTypeMismatch, Some(st)) => format!(" (subtype {st})"),
            _ => String::new(),
        };
        let pos = self.position;
        // Named only by its type (the JS SDK's type mismatch says no more).
        let only_type = |s: &OpSig| s.name.is_none() && s.sub_type.is_none();
        match (&self.expected, &self.found) {
            (Some(e), Some(x)) if only_type(x) => write!(
                f,
                "Replay consistency violation: Expected operation {}{} at position {pos}{ctx}, but found an operation of type {}",
                e.describe(),
                sub(e),
                x.op_type
            ),
            (Some(e), Some(x)) => write!(
                f,
                "Replay consistency violation: Expected operation {}{} at position {pos}{ctx}, but found operation {}{}",
                e.describe(),
                sub(e),
                x.describe(),
                sub(x)
            ),
            (Some(e), None) => write!(
                f,
                "Replay consistency violation: Expected operation {} at position {pos}{ctx}, but found no operation",
                e.describe()
            ),
            (None, Some(x)) => write!(
                f,
                "Replay consistency violation: Found unexpected operation {} at position {pos}{ctx}",
                x.describe()
            ),
            (None, None) => write!(f, "Replay consistency violation at position {pos}{ctx}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiffReport {
    pub rows: Vec<DiffRow>,
    pub violations: Vec<Violation>,
    /// Index into `rows` of the first violation, in tree order.
    pub first_violation_row: Option<usize>,
}

impl DiffReport {
    pub fn is_consistent(&self) -> bool {
        self.violations.is_empty()
    }

    pub fn first_violation(&self) -> Option<&Violation> {
        self.violations.first()
    }

    pub fn changed_results(&self) -> impl Iterator<Item = &DiffRow> {
        self.rows
            .iter()
            .filter(|r| r.kind == RowKind::ResultChanged)
    }
}

/// Align `left` (expected, e.g. the recording) and `right` (found, e.g. a
/// later invocation or a re-run) context by context as an edit script (see
/// `align`). Both must be in tree order, as the sequence builders return
/// them.
pub fn diff(left: &[SeqOp], right: &[SeqOp], opts: DiffOptions) -> DiffReport {
    align::diff(left, right, opts)
}

/// What differs between two operations at one aligned place.
fn classify(l: &SeqOp, r: &SeqOp) -> (RowKind, Vec<JsonChange>) {
    if l.sig.op_type != r.sig.op_type {
        return (RowKind::TypeMismatch, Vec::new());
    }
    if l.only_type_known || r.only_type_known {
        // The SDK said only the type the code asked for.
        return (RowKind::Same, Vec::new());
    }
    if l.sig.sub_type.is_some() && r.sig.sub_type.is_some() && l.sig.sub_type != r.sig.sub_type {
        return (RowKind::SubTypeMismatch, Vec::new());
    }
    if l.sig.name != r.sig.name {
        return (RowKind::NameMismatch, Vec::new());
    }
    if l.status.is_some() && r.status.is_some() && l.status != r.status {
        return (RowKind::StatusChanged, Vec::new());
    }
    match (&l.result, &r.result) {
        (Some(a), Some(b)) if a != b => (RowKind::ResultChanged, json_diff(a, b)),
        _ => (RowKind::Same, Vec::new()),
    }
}
