//! The executions one side of an execution diff can show, and the operation
//! sequence of the one picked. A side draws from this document or from the
//! other file; either holds its executions in memory (an export of several)
//! or is a store listed without reading it, whose executions load in a
//! background job the first time they are picked and are kept afterwards.

use crate::diff::{execution_sequence, SeqOp, SideOutcome};
use crate::replay::{analyze, Analysis};
use crate::ui::doc::Doc;
use crate::ui::jobs::{Job, JobOutput, StoreRow};
use std::collections::HashMap;
use std::path::PathBuf;

/// Which file a side's executions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    This,
    Other,
}

/// A store's listing: what a picker shows before anything is loaded.
#[derive(Debug, Clone)]
pub struct StoreList {
    pub path: PathBuf,
    pub rows: Vec<StoreRow>,
}

/// What a side resolves to this frame.
pub enum SideSeq {
    /// The sequence and how that execution ended.
    Ready(Vec<SeqOp>, SideOutcome),
    /// A store execution still loading (its label).
    Loading(String),
    /// Nothing to show (no other file yet, or an index out of range).
    Unavailable,
}

/// Picked-execution bookkeeping shared by both sides.
#[derive(Default)]
pub struct Sides {
    /// This document's store, when it was opened from one with several executions.
    pub this_store: Option<StoreList>,
    /// The other file, when it is a store with several executions.
    pub other_store: Option<StoreList>,
    /// Store executions loaded so far, by (store, ARN).
    loaded: HashMap<(PathBuf, String), Box<Doc>>,
    /// Analyses of in-memory executions other than a document's own, by
    /// (origin, index): computed once when first picked, never per frame.
    analyses: HashMap<(Origin, usize), Analysis>,
    jobs: Vec<((PathBuf, String), Job)>,
    /// Bumped whenever a load finishes, so the diff is recomputed.
    pub generation: u64,
    pub error: Option<String>,
}

impl Sides {
    fn store(&self, origin: Origin) -> Option<&StoreList> {
        match origin {
            Origin::This => self.this_store.as_ref(),
            Origin::Other => self.other_store.as_ref(),
        }
    }

    /// How many executions a side can pick from.
    pub fn count(&self, origin: Origin, this: &Doc, other: Option<&Doc>) -> usize {
        if let Some(s) = self.store(origin) {
            return s.rows.len();
        }
        match origin {
            Origin::This => this.history.executions.len(),
            Origin::Other => other.map(|d| d.history.executions.len()).unwrap_or(0),
        }
    }

    /// The label of one execution of a side (combos draw only visible rows).
    pub fn label(&self, origin: Origin, index: usize, this: &Doc, other: Option<&Doc>) -> String {
        if let Some(s) = self.store(origin) {
            return s.rows.get(index).map(row_label).unwrap_or_default();
        }
        let doc = match origin {
            Origin::This => Some(this),
            Origin::Other => other,
        };
        doc.and_then(|d| d.history.executions.get(index))
            .map(|e| e.label())
            .unwrap_or_default()
    }

    /// The labels a side's combo lists, in order.
    pub fn labels(&self, origin: Origin, this: &Doc, other: Option<&Doc>) -> Vec<String> {
        if let Some(s) = self.store(origin) {
            return s.rows.iter().map(row_label).collect();
        }
        let doc = match origin {
            Origin::This => Some(this),
            Origin::Other => other,
        };
        doc.map(|d| d.history.executions.iter().map(|e| e.label()).collect())
            .unwrap_or_default()
    }

    /// The index a side starts on: the execution its document shows.
    pub fn current(&self, origin: Origin, this: &Doc, other: Option<&Doc>) -> usize {
        let doc = match origin {
            Origin::This => Some(this),
            Origin::Other => other,
        };
        match (self.store(origin), doc) {
            (Some(s), Some(d)) => d
                .arn
                .as_ref()
                .and_then(|arn| s.rows.iter().position(|r| &r.arn == arn))
                .unwrap_or(0),
            (None, Some(d)) => d.exec,
            _ => 0,
        }
    }

    /// The sequence of execution `index` of `origin`, starting its load when
    /// it is a store execution not read yet.
    pub fn sequence(
        &mut self,
        origin: Origin,
        index: usize,
        this: &Doc,
        other: Option<&Doc>,
        repaint: Option<&egui::Context>,
    ) -> SideSeq {
        let doc = match origin {
            Origin::This => Some(this),
            Origin::Other => other,
        };
        if let Some(store) = self.store(origin) {
            let Some(row) = store.rows.get(index) else {
                return SideSeq::Unavailable;
            };
            // The execution the document already holds needs no load.
            if let Some(d) = doc.filter(|d| d.arn.as_deref() == Some(row.arn.as_str())) {
                return ready(d, &d.analysis);
            }
            let key = (store.path.clone(), row.arn.clone());
            let label = row_label(row);
            if let Some(d) = self.loaded.get(&key) {
                return ready(d, &d.analysis);
            }
            if !self.jobs.iter().any(|(k, _)| k == &key) {
                let (path, arn) = key.clone();
                let job = Job::spawn(
                    format!("loading {label} for the diff"),
                    repaint.cloned(),
                    move |jc| crate::ui::loader::open(jc, path, Some(arn)),
                );
                self.jobs.push((key, job));
            }
            return SideSeq::Loading(label);
        }
        let Some(d) = doc else {
            return SideSeq::Unavailable;
        };
        let Some(exec) = d.history.executions.get(index) else {
            return SideSeq::Unavailable;
        };
        if index == d.exec {
            return SideSeq::Ready(
                execution_sequence(exec, &d.analysis),
                SideOutcome::of_execution(exec),
            );
        }
        let a = self
            .analyses
            .entry((origin, index))
            .or_insert_with(|| analyze(exec));
        SideSeq::Ready(execution_sequence(exec, a), SideOutcome::of_execution(exec))
    }

    /// Collect finished loads; true when one arrived (the diff is stale).
    pub fn poll(&mut self) -> bool {
        let mut arrived = false;
        let mut i = 0;
        while i < self.jobs.len() {
            let Some(out) = self.jobs[i].1.poll() else {
                i += 1;
                continue;
            };
            let (key, _) = self.jobs.swap_remove(i);
            arrived = true;
            match out {
                JobOutput::Doc(d) => {
                    self.loaded.insert(key, d);
                }
                JobOutput::Failed(e) => self.error = Some(e),
                // `open` with an ARN never lists; anything else is a bug worth showing.
                JobOutput::Store { .. }
                | JobOutput::DiffSide(_)
                | JobOutput::DiffStore { .. }
                | JobOutput::Acted(_) => {
                    self.error = Some(format!("{}: expected one execution", key.1));
                }
            }
        }
        if arrived {
            self.generation += 1;
        }
        arrived
    }

    pub fn loading(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// Block until every load finished (tests only; never on the UI thread).
    #[cfg(any(test, feature = "test-support"))]
    pub fn wait_blocking(&mut self, timeout: std::time::Duration) {
        let deadline = std::time::Instant::now() + timeout;
        for (_, job) in &mut self.jobs {
            job.block_until_done(deadline);
        }
        self.poll();
    }

    /// Forget the other file's executions (a new other file was loaded).
    pub fn clear_other(&mut self) {
        self.other_store = None;
        self.analyses.retain(|(o, _), _| *o == Origin::This);
        self.generation += 1;
    }
}

impl Drop for Sides {
    /// A diff view replaced by a new document stops its loads early.
    fn drop(&mut self) {
        for (_, j) in &self.jobs {
            j.cancel();
        }
    }
}

fn ready(d: &Doc, a: &Analysis) -> SideSeq {
    match d.execution() {
        Some(e) => SideSeq::Ready(execution_sequence(e, a), SideOutcome::of_execution(e)),
        None => SideSeq::Unavailable,
    }
}

/// A store execution's name, or its ARN when it has none.
pub fn row_label(r: &StoreRow) -> String {
    if r.name.is_empty() {
        r.arn.clone()
    } else {
        r.name.clone()
    }
}
