//! Keyboard shortcuts of the main window: the command keys (open, export,
//! reload, find, diff, re-run, help) work everywhere; letter and arrow keys
//! only while no text field has focus, and drive the time view of whichever
//! view is shown. The list users see is `ui::help::SHORTCUTS`.

use super::{App, View};
use egui::{Key, Modifiers};

impl App {
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let typing = ctx.wants_keyboard_input();
        let mut open = false;
        let mut reload = false;
        let mut find = false;
        let mut diff = false;
        let mut rerun = false;
        let mut export = false;
        let mut help = false;
        ctx.input_mut(|i| {
            rerun = i.consume_key(Modifiers::COMMAND, Key::R);
            export = i.consume_key(Modifiers::COMMAND, Key::S);
            help = i.consume_key(Modifiers::NONE, Key::F1);
            open = i.consume_key(Modifiers::COMMAND, Key::O);
            reload = i.consume_key(Modifiers::NONE, Key::F5);
            find = i.consume_key(Modifiers::COMMAND, Key::F);
            diff = i.consume_key(Modifiers::COMMAND, Key::D);
        });
        if open {
            self.open_dialog(ctx);
        }
        if export {
            self.export_dialog(ctx);
        }
        if help {
            self.show_help = !self.show_help;
        }
        if reload {
            self.reload();
        }
        if find {
            self.focus_filter = true;
        }
        if diff && self.doc.is_some() {
            self.view = if self.view == View::Diff {
                View::Timeline
            } else {
                View::Diff
            };
        }
        if rerun && self.doc.is_some() {
            self.view = if self.view == View::Rerun {
                View::Timeline
            } else {
                View::Rerun
            };
        }
        if typing {
            return;
        }
        let mut keys = Vec::new();
        let (mut out, mut into) = (false, false);
        ctx.input_mut(|i| {
            for (m, k) in [
                (Modifiers::NONE, Key::OpenBracket),
                (Modifiers::NONE, Key::CloseBracket),
                (Modifiers::NONE, Key::ArrowUp),
                (Modifiers::NONE, Key::ArrowDown),
                (Modifiers::NONE, Key::F),
                (Modifiers::NONE, Key::Home),
                (Modifiers::NONE, Key::C),
                (Modifiers::NONE, Key::Plus),
                (Modifiers::NONE, Key::Equals),
                (Modifiers::NONE, Key::Minus),
                (Modifiers::SHIFT, Key::ArrowLeft),
                (Modifiers::SHIFT, Key::ArrowRight),
                (Modifiers::NONE, Key::Escape),
            ] {
                if i.consume_key(m, k) {
                    keys.push(k);
                }
            }
            // After the Shift variants (a pattern without Shift also
            // matches a key pressed with it): plain arrows walk the tree.
            for (k, tree) in [(Key::ArrowLeft, &mut out), (Key::ArrowRight, &mut into)] {
                *tree = i.consume_key(Modifiers::NONE, k);
            }
        });
        // In the re-run panel the time keys drive the re-run's time view.
        if keys.contains(&Key::Escape) {
            self.show_help = false;
        }
        if self.view == View::Rerun {
            if keys.contains(&Key::Escape) {
                self.show_picker = false;
            }
            let t = &mut self.rerun.trace;
            for k in keys {
                match k {
                    Key::F | Key::Home => t.fit(),
                    Key::Plus | Key::Equals => t.zoom(1.5, 0.5),
                    Key::Minus => t.zoom(1.0 / 1.5, 0.5),
                    Key::ArrowLeft => t.pan(-0.2),
                    Key::ArrowRight => t.pan(0.2),
                    _ => {}
                }
            }
            return;
        }
        if out || into {
            self.walk_tree(into);
        }
        for k in keys {
            match k {
                Key::OpenBracket => self.step_invocation(-1),
                Key::CloseBracket => self.step_invocation(1),
                Key::ArrowUp | Key::ArrowDown => {
                    if let Some(d) = &self.doc {
                        let delta = if k == Key::ArrowUp { -1 } else { 1 };
                        if let Some(op) = self.table.step(d, self.selected, delta) {
                            self.selected = Some(op);
                            self.table.scroll_to_op = Some(op);
                            self.timeline.reveal(&d.timeline, op);
                        }
                    }
                }
                Key::F | Key::Home => {
                    if let Some(d) = &self.doc {
                        // F fits the selection when there is one; Home fits everything.
                        match self.selected.filter(|_| k == Key::F) {
                            Some(op) => self.timeline.fit_op(&d.timeline, op),
                            None => self.timeline.fit(&d.timeline),
                        }
                    }
                }
                Key::C => {
                    if let Some(d) = &self.doc {
                        let k = d.timeline.axis.kind.other();
                        self.set_axis(k);
                    }
                }
                Key::Plus | Key::Equals => self.timeline.zoom(1.5, 0.5),
                Key::Minus => self.timeline.zoom(1.0 / 1.5, 0.5),
                Key::ArrowLeft => self.timeline.pan(-0.2),
                Key::ArrowRight => self.timeline.pan(0.2),
                Key::Escape => {
                    self.filter.clear();
                    self.show_picker = false;
                }
                _ => {}
            }
        }
    }

    /// → on a collapsed context expands it, on an open one selects its
    /// first child; ← on an open context collapses it, on anything else
    /// selects the enclosing context (as tree views do).
    fn walk_tree(&mut self, into: bool) {
        let (Some(d), Some(op)) = (&self.doc, self.selected) else {
            return;
        };
        let Some(row) = d.row_of_op.get(op).copied().filter(|&r| r < d.tree.len()) else {
            return;
        };
        let has_children = d.tree[row].has_children;
        let open = !self.table.collapsed.contains(&op);
        let next = if into {
            if has_children && !open {
                self.table.toggle(op);
                None
            } else if has_children {
                d.tree.get(row + 1).map(|t| t.op)
            } else {
                None
            }
        } else if has_children && open {
            self.table.toggle(op);
            None
        } else {
            let context = d.analysis.places.get(op).map(|p| p.context);
            context.and_then(|c| d.analysis.contexts[c].op)
        };
        if let Some(next) = next {
            self.select(next);
        }
    }
}
