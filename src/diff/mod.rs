//! Consistency and diff: align two operation sequences per context by
//! position and report what replay would reject (type, subtype or name
//! mismatches, missing and extra operations) apart from what it accepts but a
//! user wants to see (changed status, changed results as a JSON diff).
//!
//! Sequences are keyed by context *position* paths, never by ids, so a Python
//! and a JS run of the same handler compare equal.

mod json;

pub use json::{json_diff, JsonChange};

use crate::model::{Execution, OpSig, OpStatus};
use crate::replay::{Analysis, Role};
use serde_json::Value;
use std::fmt;

/// One operation as a diff sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeqOp {
    /// Position path of the enclosing context (empty for the root).
    pub key: Vec<u32>,
    /// Names of the enclosing contexts, for messages.
    pub context_names: Vec<String>,
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
}

impl SeqOp {
    fn full_path(&self) -> impl Iterator<Item = u32> + '_ {
        self.key
            .iter()
            .copied()
            .chain(std::iter::once(self.position))
    }
}

/// Every operation of an execution, in tree order.
pub fn execution_sequence(exec: &Execution, analysis: &Analysis) -> Vec<SeqOp> {
    let mut paths = Paths::new(analysis);
    let mut v: Vec<SeqOp> = (0..exec.operations.len())
        .map(|i| seq_op(exec, analysis, &mut paths, i))
        .collect();
    sort_tree(&mut v);
    v
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
    let last = analysis.invocations.len().checked_sub(1);
    for d in &analysis.diagnoses {
        let here = d.invocation == Some(inv) || (d.invocation.is_none() && Some(inv) == last);
        let (Some(found), Some(position), true) = (&d.found, d.position, here) else {
            continue;
        };
        let context = d.context.unwrap_or(0);
        let key = analysis.context_key(context);
        // The invocation stopped there: the recorded op at that place and
        // everything after it in code order were not reached.
        let mut stop = key.clone();
        stop.push(position);
        v.retain(|s| s.full_path().lt(stop.iter().copied()));
        v.push(SeqOp {
            key,
            context_names: analysis.context_names(context),
            position,
            depth: analysis.contexts[context].depth,
            sig: found.clone(),
            status: None,
            result: None,
            op: None,
        });
    }
    sort_tree(&mut v);
    v
}

/// Each context's position and name paths, walked once per context rather
/// than once per operation (the analysis keeps no per-context paths).
struct Paths<'a> {
    analysis: &'a Analysis,
    cache: Vec<Option<(Vec<u32>, Vec<String>)>>,
}

impl<'a> Paths<'a> {
    fn new(analysis: &'a Analysis) -> Self {
        Paths {
            analysis,
            cache: vec![None; analysis.contexts.len()],
        }
    }

    fn of(&mut self, c: usize) -> &(Vec<u32>, Vec<String>) {
        let a = self.analysis;
        self.cache[c].get_or_insert_with(|| (a.context_key(c), a.context_names(c)))
    }
}

fn seq_op(exec: &Execution, analysis: &Analysis, paths: &mut Paths, i: usize) -> SeqOp {
    let op = &exec.operations[i];
    let place = analysis.places[i];
    let (key, names) = paths.of(place.context);
    SeqOp {
        key: key.clone(),
        context_names: names.clone(),
        position: place.position,
        depth: place.depth,
        sig: OpSig::of(op),
        status: Some(op.status),
        result: op.result.as_ref().map(|p| p.decoded()),
        op: Some(i),
    }
}

fn sort_tree(v: &mut [SeqOp]) {
    v.sort_by(|a, b| a.full_path().cmp(b.full_path()));
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
    /// On the left only.
    Missing,
    /// On the right only.
    Extra,
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
    pub key: Vec<u32>,
    pub context_names: Vec<String>,
    pub position: u32,
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
    pub expected: Option<OpSig>,
    pub found: Option<OpSig>,
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
        match (&self.expected, &self.found) {
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
/// later invocation or a re-run) per context by position. Both must be in
/// tree order, as the sequence builders return them.
pub fn diff(left: &[SeqOp], right: &[SeqOp], opts: DiffOptions) -> DiffReport {
    let mut report = DiffReport::default();
    let (mut i, mut j) = (0, 0);
    while i < left.len() || j < right.len() {
        let ord = match (left.get(i), right.get(j)) {
            (Some(l), Some(r)) => l.full_path().cmp(r.full_path()),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (li, ri) = match ord {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (Some(i - 1), Some(j - 1))
            }
            std::cmp::Ordering::Less => {
                i += 1;
                (Some(i - 1), None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, Some(j - 1))
            }
        };
        let any = li
            .map(|x| &left[x])
            .or(ri.map(|x| &right[x]))
            .expect("one side is set");
        let (kind, changes) = classify(li.map(|x| &left[x]), ri.map(|x| &right[x]));
        let row = DiffRow {
            key: any.key.clone(),
            context_names: any.context_names.clone(),
            position: any.position,
            depth: any.depth,
            left: li,
            right: ri,
            kind,
            changes,
        };
        let violates = kind.is_mismatch()
            || (matches!(kind, RowKind::Missing | RowKind::Extra) && !opts.allow_progress);
        if violates {
            report.violations.push(Violation {
                kind,
                row: report.rows.len(),
                context_names: row.context_names.clone(),
                position: row.position,
                expected: li.map(|x| left[x].sig.clone()),
                found: ri.map(|x| right[x].sig.clone()),
            });
        }
        report.rows.push(row);
    }
    report.first_violation_row = report.violations.first().map(|v| v.row);
    report
}

fn classify(l: Option<&SeqOp>, r: Option<&SeqOp>) -> (RowKind, Vec<JsonChange>) {
    let (l, r) = match (l, r) {
        (Some(l), Some(r)) => (l, r),
        (Some(_), None) => return (RowKind::Missing, Vec::new()),
        _ => return (RowKind::Extra, Vec::new()),
    };
    if l.sig.op_type != r.sig.op_type {
        return (RowKind::TypeMismatch, Vec::new());
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
