//! One opened execution and everything the views need precomputed from it:
//! the replay analysis, the tree order of the table and the time-view
//! layout. Built once per load on the job thread, never per frame.

use crate::model::{Execution, History, Operation};
use crate::replay::{analyze, Analysis};
use std::path::PathBuf;
use std::sync::Arc;

use super::timeline::TimelineLayout;

/// One row of the operation tree, in display (depth-first) order.
#[derive(Debug, Clone)]
pub struct TreeRow {
    pub op: usize,
    pub depth: u32,
    /// Index of the row's last descendant + 1 (for collapsing).
    pub subtree_end: usize,
    pub has_children: bool,
}

pub struct Doc {
    /// Where it was loaded from (for reload and the title).
    pub path: Option<PathBuf>,
    /// For stores: which execution (ARN) was picked, kept across reloads.
    pub arn: Option<String>,
    /// Shared, so an export can write it on a thread without copying it.
    pub history: Arc<History>,
    pub exec: usize,
    pub analysis: Analysis,
    pub tree: Vec<TreeRow>,
    /// Operation index → row index in `tree`.
    pub row_of_op: Vec<usize>,
    /// Per operation: the dotted position path (`3.2`).
    /// Per operation: duration text, precomputed.
    pub durations: Vec<String>,
    pub timeline: TimelineLayout,
    /// Per invocation: (replayed, executed) counts, so the scrubber does not
    /// count 50,000 roles every frame.
    pub role_counts: Vec<(usize, usize)>,
    /// The history's warnings with the operations each is about.
    pub warnings_hover: String,
}

impl Doc {
    /// What operation `op` is called (`Analysis::label`: its name, an
    /// unnamed callback or submitter after its parent, else its id).
    pub fn label(&self, op: usize) -> std::borrow::Cow<'_, str> {
        match self.execution() {
            Some(e) => self.analysis.label(e, op),
            None => "".into(),
        }
    }

    /// The warnings' tooltip: each warning, with the operations it names
    /// (by id or quoted name), so a reader knows where to look. Built once
    /// per load (`warnings_hover`).
    fn build_warnings_hover(&self) -> String {
        const MAX_LISTED: usize = 8;
        let ops = self.ops();
        let mut out = Vec::new();
        for w in &self.history.warnings {
            let about: Vec<String> = (0..ops.len())
                .filter(|&i| {
                    let o = &ops[i];
                    w.contains(o.id.as_str())
                        || o.name.as_deref().is_some_and(|n| {
                            w.contains(&format!("'{n}'")) || w.contains(&format!("\"{n}\""))
                        })
                })
                .map(|i| self.label(i).into_owned())
                .take(MAX_LISTED + 1)
                .collect();
            let mut line = w.text.clone();
            if !about.is_empty() {
                let more = if about.len() > MAX_LISTED {
                    ", …"
                } else {
                    ""
                };
                let shown = about.iter().take(MAX_LISTED).cloned().collect::<Vec<_>>();
                line.push_str(&format!("\n   about: {}{more}", shown.join(", ")));
            }
            out.push(line);
        }
        out.join("\n")
    }

    /// Operation `op`'s position path, `2.1` (walked on demand: a path per
    /// operation, precomputed, is quadratic in nesting depth).
    pub fn position_label(&self, op: usize) -> String {
        position_label(&self.analysis, op)
    }

    /// Analyse execution `exec` of `history` and precompute the views.
    pub fn build(history: History, exec: usize, path: Option<PathBuf>, arn: Option<String>) -> Doc {
        let exec = exec.min(history.executions.len().saturating_sub(1));
        let empty = Execution::default();
        let e = history.executions.get(exec).unwrap_or(&empty);
        let analysis = analyze(e);
        let (tree, row_of_op) = build_tree(e, &analysis);
        let durations = e.operations.iter().map(duration_text).collect();
        let mut timeline = TimelineLayout::build(e, &analysis);
        // The app may override this with the user's choice (`App::set_doc`).
        timeline.set_axis(timeline.default_axis());
        let role_counts = analysis.invocations.iter().map(|r| r.counts()).collect();
        let mut doc = Doc {
            path,
            arn,
            history: Arc::new(history),
            exec,
            analysis,
            tree,
            row_of_op,
            durations,
            timeline,
            role_counts,
            warnings_hover: String::new(),
        };
        doc.warnings_hover = doc.build_warnings_hover();
        doc
    }

    pub fn execution(&self) -> Option<&Execution> {
        self.history.executions.get(self.exec)
    }

    pub fn ops(&self) -> &[Operation] {
        self.execution()
            .map(|e| e.operations.as_slice())
            .unwrap_or(&[])
    }

    /// Invocation column text: `1`, or `1…2` when it finished in a later one
    /// (the default fonts have no arrow glyph).
    pub fn invocation_text(&self, op: usize) -> String {
        let Some(o) = self.ops().get(op) else {
            return String::new();
        };
        match (o.started_in, o.finished_in) {
            (Some(s), Some(f)) if s != f => format!("{}…{}", s + 1, f + 1),
            (Some(s), _) => format!("{}", s + 1),
            (None, Some(f)) => format!("…{}", f + 1),
            (None, None) => String::new(),
        }
    }

    /// Context path of an operation's context (`root`, `process › item-0`).
    pub fn context_path(&self, op: usize) -> String {
        self.analysis
            .places
            .get(op)
            .filter(|p| p.context < self.analysis.contexts.len())
            .map(|p| self.analysis.context_label(p.context))
            .unwrap_or_else(|| "root".into())
    }

    /// The operation a diagnosis points at: its recorded op, else the one at
    /// its context and position.
    pub fn diagnosis_target(&self, d: &crate::replay::Diagnosis) -> Option<usize> {
        if d.op.is_some() {
            return d.op;
        }
        let ctx = self.analysis.contexts.get(d.context.unwrap_or(0))?;
        let pos = usize::try_from(d.position?).ok()?.checked_sub(1)?;
        ctx.children.get(pos).copied()
    }
}

/// The operation a non-deterministic run's code asked for instead of the
/// recorded one: never checkpointed, so the table shows it as a ghost row
/// where the recorded one sits.
#[derive(Debug, Clone, PartialEq)]
pub struct Ghost {
    pub found: crate::model::OpSig,
    /// The row it goes before (`tree.len()` when it goes last).
    pub before_row: usize,
    pub depth: u32,
    /// The failing invocation (0-based), when known.
    pub invocation: Option<usize>,
}

impl Doc {
    /// The ghost row of the first diagnosis, when it names what the code
    /// asked for.
    pub fn ghost(&self) -> Option<Ghost> {
        let d = self.analysis.diagnoses.first()?;
        let found = d.found.clone()?;
        let (before_row, depth) = match self.diagnosis_target(d) {
            Some(op) => {
                let row = *self.row_of_op.get(op)?;
                (row, self.tree.get(row).map_or(0, |t| t.depth))
            }
            // Past the context's recorded operations: after its last row.
            None => {
                let ctx = self.analysis.contexts.get(d.context.unwrap_or(0))?;
                match ctx.op.and_then(|op| self.row_of_op.get(op)) {
                    Some(&r) => (
                        self.tree.get(r).map_or(self.tree.len(), |t| t.subtree_end),
                        ctx.depth,
                    ),
                    None => (self.tree.len(), 0),
                }
            }
        };
        Some(Ghost {
            found,
            before_row,
            depth,
            invocation: d.invocation,
        })
    }
}

/// Depth-first order of the context tree: each context operation is followed
/// by its children. Iterative so deep nesting cannot overflow the stack.
fn build_tree(e: &Execution, a: &Analysis) -> (Vec<TreeRow>, Vec<usize>) {
    let n = e.operations.len();
    let mut ctx_of_op: Vec<Option<usize>> = vec![None; n];
    for (ci, c) in a.contexts.iter().enumerate() {
        if let Some(op) = c.op {
            if op < n {
                ctx_of_op[op] = Some(ci);
            }
        }
    }
    let mut rows: Vec<TreeRow> = Vec::with_capacity(n);
    let mut row_of_op = vec![usize::MAX; n];
    // Stack of (context, next child index, row that opened it).
    let mut stack: Vec<(usize, usize, Option<usize>)> = vec![(0, 0, None)];
    while let Some(top) = stack.last_mut() {
        let (ci, next, opener) = *top;
        let children = a
            .contexts
            .get(ci)
            .map(|c| c.children.as_slice())
            .unwrap_or(&[]);
        if next >= children.len() {
            if let Some(r) = opener {
                rows[r].subtree_end = rows.len();
            }
            stack.pop();
            continue;
        }
        top.1 += 1;
        let op = children[next];
        if op >= n || row_of_op[op] != usize::MAX {
            continue;
        }
        let depth = a.places.get(op).map(|p| p.depth).unwrap_or(0);
        let row = rows.len();
        row_of_op[op] = row;
        let child_ctx = ctx_of_op[op];
        let has_children = child_ctx
            .and_then(|c| a.contexts.get(c))
            .map(|c| !c.children.is_empty())
            .unwrap_or(false);
        rows.push(TreeRow {
            op,
            depth,
            subtree_end: row + 1,
            has_children,
        });
        if let Some(c) = child_ctx {
            stack.push((c, 0, Some(row)));
        }
    }
    // Operations the analysis left out of every context still get a row.
    for (op, r) in row_of_op.iter_mut().enumerate() {
        if *r == usize::MAX {
            *r = rows.len();
            rows.push(TreeRow {
                op,
                depth: 0,
                subtree_end: rows.len() + 1,
                has_children: false,
            });
        }
    }
    (rows, row_of_op)
}

fn position_label(a: &Analysis, op: usize) -> String {
    let Some(p) = a.places.get(op) else {
        return String::new();
    };
    let mut parts: Vec<String> = a
        .context_key(p.context)
        .iter()
        .map(|k| k.to_string())
        .collect();
    parts.push(p.position.to_string());
    parts.join(".")
}

fn duration_text(o: &Operation) -> String {
    match (o.start, o.end) {
        (Some(s), Some(e)) => crate::model::format_span(s, e),
        _ => String::new(),
    }
}
