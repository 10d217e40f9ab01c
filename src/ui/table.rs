//! The operation table/tree: virtualised rows (only visible rows are laid
//! out), nested by context and collapsible, with the selected invocation's
//! replay roles and a labelled "replay | execution" marker row where each
//! context switched to execution. The visible row list is rebuilt only when
//! the document, collapse state, filter or invocation changes.

use super::doc::Doc;
use super::style;
use super::Intent;
use crate::replay::Role;
use egui::{Align, Layout, RichText, Sense};
use egui_extras::{Column, TableBuilder};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// A row of `Doc::tree`.
    Op(usize),
    /// A switch marker before operation `op` (index into the invocation's switches).
    Switch { switch: usize, op: usize },
    /// What the code of a non-deterministic run asked for instead of the
    /// recorded operation (`Doc::ghost`), never checkpointed.
    Ghost,
}

/// The table's narrowest width: every column at its minimum.
const MIN_TABLE_W: f32 = 54.0 + 150.0 + 104.0 + 110.0 + 92.0 + 110.0 + 52.0 + 70.0 + 70.0;

/// The ghost row's mark, word for word in the UI and its tests.
pub const GHOST_NOTE: &str = "asked for by the code, never checkpointed";

#[derive(Default)]
pub struct TableView {
    pub collapsed: HashSet<usize>,
    items: Vec<Item>,
    key: Option<(u64, String, Option<usize>, u64)>,
    collapse_gen: u64,
    /// Scroll this operation into view on the next frame.
    pub scroll_to_op: Option<usize>,
    /// Per operation, whether it matches the filter; `None` with no filter.
    /// Shared with the time view, which dims the others.
    matched: Option<std::sync::Arc<Vec<bool>>>,
    match_count: usize,
}

impl TableView {
    pub fn reset(&mut self) {
        self.collapsed.clear();
        self.key = None;
        self.items.clear();
        self.collapse_gen += 1;
    }

    /// Changes whenever the collapse state does (the time view's lanes
    /// follow it).
    pub fn collapse_gen(&self) -> u64 {
        self.collapse_gen
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// How many operations the filter finds (`None` with no filter).
    pub fn match_count(&self) -> Option<usize> {
        self.matched.as_ref().map(|_| self.match_count)
    }

    /// Per operation, whether the filter finds it (`None` with no filter).
    pub fn matched(&self) -> Option<std::sync::Arc<Vec<bool>>> {
        self.matched.clone()
    }

    /// Rebuild the visible rows if anything they depend on changed.
    pub fn refresh(&mut self, doc: &Doc, doc_gen: u64, filter: &str, inv: Option<usize>) {
        let key = (self.collapse_gen, filter.to_string(), inv, doc_gen);
        if self.key.as_ref() == Some(&key) {
            return;
        }
        self.key = Some(key);
        self.items.clear();
        let ops = doc.ops();
        let switches = inv.and_then(|i| doc.analysis.invocations.get(i));
        let mut switch_at = std::collections::HashMap::new();
        // An invocation that replayed nothing has no replay to switch from:
        // no "replay | execution" row in every context (the header says
        // "fresh start").
        if let Some(r) = switches.filter(|r| r.counts().0 > 0) {
            for (si, s) in r.switches.iter().enumerate() {
                switch_at.insert(s.op, si);
            }
        }
        let needle = filter.trim().to_lowercase();
        let ghost = doc.ghost().filter(|g| {
            needle.is_empty()
                || g.found
                    .name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        });
        let mut ghost_at = ghost.as_ref().map(|g| g.before_row);
        // With a filter: the matches and, so each is seen where it is, the
        // contexts that hold them (walked up once each: linear).
        let keep = (!needle.is_empty()).then(|| {
            let matched: Vec<bool> = (0..ops.len()).map(|i| matches(doc, i, &needle)).collect();
            let mut keep = matched.clone();
            let mut walked = vec![false; ops.len()];
            for i in (0..ops.len()).filter(|&i| matched[i]) {
                let mut ctx = doc.analysis.places.get(i).map(|p| p.context);
                while let Some(opener) = ctx
                    .and_then(|c| doc.analysis.contexts.get(c))
                    .and_then(|c| c.op)
                    .filter(|&o| o < ops.len())
                {
                    if walked[opener] {
                        break;
                    }
                    walked[opener] = true;
                    keep[opener] = true;
                    ctx = doc.analysis.places.get(opener).map(|p| p.context);
                }
            }
            self.match_count = matched.iter().filter(|m| **m).count();
            self.matched = Some(std::sync::Arc::new(matched));
            keep
        });
        if keep.is_none() {
            self.matched = None;
            self.match_count = 0;
        }
        let mut row = 0;
        while row < doc.tree.len() {
            // The ghost goes where the recorded operation is (or would be,
            // inside a collapsed context: then it stays hidden too).
            if ghost_at.is_some_and(|g| g <= row) {
                if ghost_at == Some(row) {
                    self.items.push(Item::Ghost);
                }
                ghost_at = None;
            }
            let tr = &doc.tree[row];
            let op = tr.op;
            let visible = keep
                .as_ref()
                .is_none_or(|k| k.get(op).copied().unwrap_or(false));
            if visible {
                if let Some(&si) = switch_at.get(&op) {
                    self.items.push(Item::Switch { switch: si, op });
                }
                self.items.push(Item::Op(row));
            }
            row = if needle.is_empty() && self.collapsed.contains(&op) {
                tr.subtree_end.max(row + 1)
            } else {
                row + 1
            };
        }
        if ghost_at.is_some_and(|g| g >= doc.tree.len()) {
            self.items.push(Item::Ghost);
        }
    }

    pub fn toggle(&mut self, op: usize) {
        if !self.collapsed.remove(&op) {
            self.collapsed.insert(op);
        }
        self.collapse_gen += 1;
    }

    /// Expand every ancestor of `op` so its row is visible.
    pub fn expand_to(&mut self, doc: &Doc, op: usize) {
        let mut ctx = doc.analysis.places.get(op).map(|p| p.context);
        let mut changed = false;
        let mut guard = 0;
        while let Some(c) = ctx {
            guard += 1;
            let Some(context) = doc.analysis.contexts.get(c) else {
                break;
            };
            if guard > 10_000 {
                break;
            }
            if let Some(opener) = context.op {
                changed |= self.collapsed.remove(&opener);
            }
            ctx = context.parent;
        }
        if changed {
            self.collapse_gen += 1;
        }
    }

    /// The operation `delta` rows away from `from` among visible rows.
    pub fn step(&self, doc: &Doc, from: Option<usize>, delta: i32) -> Option<usize> {
        let ops: Vec<usize> = self
            .items
            .iter()
            .filter_map(|it| match it {
                Item::Op(r) => doc.tree.get(*r).map(|t| t.op),
                Item::Switch { .. } | Item::Ghost => None,
            })
            .collect();
        if ops.is_empty() {
            return None;
        }
        let cur = from.and_then(|f| ops.iter().position(|&o| o == f));
        let next = match cur {
            None => 0,
            Some(c) => (c as i64 + delta as i64).clamp(0, ops.len() as i64 - 1) as usize,
        };
        ops.get(next).copied()
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Doc,
        selected: Option<usize>,
        inv: Option<usize>,
        intents: &mut Vec<Intent>,
    ) {
        let ops = doc.ops();
        let replay = inv.and_then(|i| doc.analysis.invocations.get(i));
        let dark = ui.visuals().dark_mode;
        let muted = style::muted(ui.visuals());
        let switch_c = style::switch_color(dark);
        let scroll_row = self.scroll_to_op.take().and_then(|op| {
            self.items.iter().position(
                |it| matches!(it, Item::Op(r) if doc.tree.get(*r).map(|t| t.op) == Some(op)),
            )
        });
        // Labels must not swallow clicks meant for the row.
        ui.style_mut().interaction.selectable_labels = false;
        // Narrower than its columns' minimum, the table scrolls sideways
        // (name, status and this invocation come first, so they stay in
        // view); wider, the name column takes the room.
        let width = ui.available_width().max(MIN_TABLE_W);
        let mut toggles = Vec::new();
        egui::ScrollArea::horizontal()
            .id_salt("ops-table-h")
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.set_min_width(width);
            let mut tb = TableBuilder::new(ui)
                .id_salt("ops-table")
                .striped(true)
                .resizable(true)
                .sense(Sense::click())
                .cell_layout(Layout::left_to_right(Align::Center))
                // The core answer first: name, status and this invocation's
                // role stay in view in a narrow window (the rest scrolls
                // sideways); the name column takes what a wide window adds.
                .column(Column::initial(54.0).at_least(30.0).clip(true))
                .column(Column::remainder().at_least(150.0).resizable(false).clip(true))
                .column(Column::initial(104.0).at_least(40.0).clip(true))
                .column(Column::initial(110.0).at_least(40.0).clip(true))
                .column(Column::initial(92.0).at_least(40.0).clip(true))
                .column(Column::initial(110.0).at_least(40.0).clip(true))
                .column(Column::initial(52.0).at_least(30.0).clip(true))
                .column(Column::initial(70.0).at_least(30.0).clip(true))
                .column(Column::initial(70.0).at_least(30.0).clip(true))
                .min_scrolled_height(0.0);
            if let Some(r) = scroll_row {
                tb = tb.scroll_to_row(r, Some(Align::Center));
            }
            tb.header(20.0, |mut h| {
                for t in [
                    "#",
                    "name",
                    "status",
                    "this invocation",
                    "type",
                    "subtype",
                    "tries",
                    "duration",
                    "inv",
                ] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, self.items.len(), |mut row| {
                    let Some(item) = self.items.get(row.index()).copied() else {
                        return;
                    };
                    match item {
                        Item::Ghost => {
                            let Some(g) = doc.ghost() else { return };
                            let red = style::status_color(crate::model::OpStatus::Failed, dark);
                            // The JS SDK's type mismatch names only the type.
                                let name = g.found.name.clone().unwrap_or_else(|| {
                                    format!("a {} (unnamed in the SDK's error)", g.found.op_type)
                                });
                            row.col(|ui| {
                                ui.label(RichText::new("✖").strong().color(red));
                            });
                            row.col(|ui| {
                                ui.add_space(g.depth as f32 * 14.0 + 16.0);
                                let hover = format!(
                                    "'{name}': {GHOST_NOTE}. The recorded operation at this \
                                     place is the row below."
                                );
                                ui.label(RichText::new(&name).italics().strong().color(red))
                                    .on_hover_text(&hover);
                                // The mark beside the name, where the column has room.
                                ui.label(
                                    RichText::new(GHOST_NOTE)
                                        .italics()
                                        .color(red.gamma_multiply(0.8)),
                                )
                                .on_hover_text(hover);
                            });
                            row.col(|ui| {
                                ui.label(RichText::new("never checkpointed").italics().color(red))
                                    .on_hover_text(GHOST_NOTE);
                            });
                            row.col(|ui| {
                                if let Some(k) = g.invocation {
                                    ui.label(RichText::new(format!("failed {}", k + 1)).color(red));
                                }
                            });
                            row.col(|ui| {
                                ui.label(RichText::new(g.found.op_type.as_str()).italics().color(red));
                            });
                            row.col(|ui| {
                                ui.label(
                                    RichText::new(g.found.sub_type.clone().unwrap_or_default())
                                        .italics()
                                        .color(red),
                                );
                            });
                            row.col(|_| {});
                            row.col(|_| {});
                            row.col(|ui| {
                                if let Some(k) = g.invocation.filter(|&k| k > 0) {
                                    if ui
                                        .small_button(format!("diff {} ↔ {}", k, k + 1))
                                        .on_hover_text(format!(
                                            "Compare invocation {} with invocation {k}, the one before",
                                            k + 1
                                        ))
                                        .clicked()
                                    {
                                        intents.push(Intent::DiffInvocations {
                                            left: k - 1,
                                            right: k,
                                        });
                                    }
                                }
                            });
                        }
                        Item::Switch { switch, op } => {
                            let sw = replay.and_then(|r| r.switches.get(switch));
                            let ctx = sw
                                .filter(|s| s.context < doc.analysis.contexts.len())
                                .map(|s| doc.analysis.context_label(s.context))
                                .unwrap_or_default();
                            let pos = sw.map(|s| s.position).unwrap_or(0);
                            row.col(|ui| {
                                ui.label(RichText::new("»»").strong().color(switch_c));
                            });
                            row.col(|ui| {
                                let indent = doc
                                    .row_of_op
                                    .get(op)
                                    .and_then(|&r| doc.tree.get(r))
                                    .map(|t| t.depth)
                                    .unwrap_or(0);
                                ui.add_space(indent as f32 * 14.0);
                                ui.label(RichText::new("replay | execution").strong().color(switch_c));
                            });
                            row.col(|ui| {
                                ui.label(RichText::new(format!("position {pos}")).color(switch_c));
                            });
                            row.col(|ui| {
                                ui.label(RichText::new(ctx).color(switch_c));
                            });
                            row.col(|ui| {
                                ui.label(RichText::new("switch").color(switch_c));
                            });
                            for _ in 0..4 {
                                row.col(|_| {});
                            }
                        }
                        Item::Op(r) => {
                            let Some(tr) = doc.tree.get(r) else { return };
                            let Some(o) = ops.get(tr.op) else { return };
                            let role = replay.and_then(|rp| rp.role(tr.op));
                            // A context shown only because it holds a match is muted too.
                            let context_only = self
                                .matched
                                .as_ref()
                                .is_some_and(|m| !m.get(tr.op).copied().unwrap_or(true));
                            let weak = context_only
                                || matches!(role, Some(Role::Replayed) | Some(Role::NotReached));
                            let txt = |s: String| {
                                let t = RichText::new(s);
                                if weak {
                                    t.color(muted)
                                } else {
                                    t
                                }
                            };
                            row.set_selected(selected == Some(tr.op));
                            row.col(|ui| {
                                ui.label(txt(doc.position_label(tr.op)));
                            });
                            row.col(|ui| {
                                ui.add_space(tr.depth as f32 * 14.0);
                                if tr.has_children {
                                    let open = !self.collapsed.contains(&tr.op);
                                    let icon = if open { "⏷" } else { "⏵" };
                                    if ui
                                        .small_button(icon)
                                        .on_hover_text("collapse / expand")
                                        .clicked()
                                    {
                                        toggles.push(tr.op);
                                    }
                                } else {
                                    ui.add_space(16.0);
                                }
                                ui.label(txt(doc.label(tr.op).to_string()));
                            });
                            row.col(|ui| {
                                let c = style::status_color(o.status, dark);
                                let c = if weak {
                                    style::muted_status(c, dark)
                                } else {
                                    c
                                };
                                ui.label(RichText::new(style::status_label(o.status)).color(c));
                            });
                            row.col(|ui| {
                                if let Some(r) = role {
                                    ui.label(txt(style::role_label(r).to_string()));
                                }
                            });
                            row.col(|ui| {
                                ui.label(txt(o.op_type.as_str().to_string()));
                            });
                            row.col(|ui| {
                                ui.label(txt(o.sub_type.clone().unwrap_or_default()));
                            });
                            row.col(|ui| {
                                if !o.attempts.is_empty() {
                                    ui.label(txt(o.attempts.len().to_string()));
                                }
                            });
                            row.col(|ui| {
                                ui.label(txt(doc.durations[tr.op].clone()));
                            });
                            row.col(|ui| {
                                ui.label(txt(doc.invocation_text(tr.op)));
                            });
                            if row.response().clicked() {
                                intents.push(Intent::Select {
                                    op: tr.op,
                                    from_timeline: false,
                                });
                            }
                        }
                    }
                });
            });
            });
        for t in toggles {
            self.toggle(t);
        }
    }
}

/// Whether the filter text finds the operation; ids count, since SDK
/// errors name operations by id (`at id='c5faca15…'`), and so does the name
/// it is shown by.
fn matches(doc: &Doc, i: usize, needle: &str) -> bool {
    let Some(o) = doc.ops().get(i) else {
        return false;
    };
    doc.label(i).to_lowercase().contains(needle)
        || o.id.to_lowercase().contains(needle)
        || o.op_type.as_str().to_lowercase().contains(needle)
        || o.sub_type
            .as_deref()
            .map(|s| s.to_lowercase().contains(needle))
            .unwrap_or(false)
        || o.status.as_str().to_lowercase().contains(needle)
}
