//! Export the open history as one durable-lens document (Ctrl+S): an
//! execution picked from a store, an API history or a handler input
//! becomes one file holding everything durable-lens knows of it, which
//! opens anywhere and diffs against anything. The document is written on a
//! thread (a large history takes a moment to serialise) by the core's one
//! writer (`crate::write`), so the window never waits, a failed write leaves
//! no half-written file behind and the open history is never replaced.

use super::App;
use crate::ui::jobs::{beside, run_dialog, DialogResult};
use egui::RichText;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

#[derive(Default)]
pub struct Export {
    dialog: Option<Receiver<DialogResult>>,
    /// The typed path, shown where no native save dialog can be.
    pub field: Option<String>,
    writing: Option<Receiver<Result<PathBuf, String>>>,
    /// What became of the last export: where it went, or why it did not.
    pub outcome: Option<Result<PathBuf, String>>,
}

impl Export {
    pub fn is_writing(&self) -> bool {
        self.writing.is_some()
    }
}

/// `order-flow.history.json` → `order-flow.lens.json` next to it; a store's
/// execution adds its name, so exports of several do not overwrite each
/// other.
pub fn suggested_path(source: Option<&Path>, execution: Option<&str>) -> PathBuf {
    let source = source.unwrap_or(Path::new("history.json"));
    let suffix = match execution {
        Some(e) => {
            let safe: String = e
                .rsplit(['/', ':'])
                .next()
                .unwrap_or(e)
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{safe}.lens.json")
        }
        None => "lens.json".to_string(),
    };
    beside(source, &suffix)
}

impl App {
    fn export_suggestion(&self) -> PathBuf {
        let d = self.doc.as_ref();
        let exec = d
            .filter(|d| d.arn.is_some())
            .and_then(|d| d.execution())
            .map(|e| e.label());
        suggested_path(d.and_then(|d| d.path.as_deref()), exec.as_deref())
    }

    /// Ctrl+S: ask where to export the open history.
    pub fn export_dialog(&mut self, ctx: &egui::Context) {
        if self.doc.is_none() || self.export.dialog.is_some() {
            return;
        }
        let suggested = self.export_suggestion();
        let dialogs = self.dialogs;
        self.export.dialog = Some(run_dialog(
            ctx.clone(),
            dialogs,
            "durable-lens-export",
            move || {
                let mut d = rfd::FileDialog::new()
                    .set_title("Export as a durable-lens document")
                    .add_filter("durable-lens document", &["json"]);
                if let Some(dir) = suggested.parent() {
                    d = d.set_directory(dir);
                }
                if let Some(name) = suggested.file_name() {
                    d = d.set_file_name(name.to_string_lossy());
                }
                d.save_file()
            },
        ));
    }

    /// Start writing the open history to `to` (refused at once when `to` is
    /// the file the history came from, or holds another kind of document).
    pub fn export_to(&mut self, to: PathBuf) {
        let Some(d) = &self.doc else { return };
        let source = d.path.clone();
        let inputs: Vec<&Path> = source.as_deref().into_iter().collect();
        let lens = crate::write::DocKind::LensExport;
        if let Err(e) = crate::write::check_destination(&to, lens, &inputs) {
            self.export.outcome = Some(Err(e.to_string()));
            return;
        }
        let history = Arc::clone(&d.history);
        let (tx, rx) = channel();
        let repaint = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("durable-lens-export".into())
            .spawn(move || {
                let inputs: Vec<&Path> = source.as_deref().into_iter().collect();
                let written = crate::write::write_lens(&history, &to, &inputs);
                let _ = tx.send(written.map(|()| to).map_err(|e| e.to_string()));
                if let Some(c) = repaint {
                    c.request_repaint();
                }
            });
        match spawned {
            Ok(_) => {
                self.export.writing = Some(rx);
                self.export.outcome = None;
                self.export.field = None;
            }
            Err(e) => self.export.outcome = Some(Err(format!("cannot start the export: {e}"))),
        }
    }

    pub(super) fn poll_export(&mut self) {
        if let Some(rx) = &self.export.dialog {
            if let Ok(r) = rx.try_recv() {
                self.export.dialog = None;
                match r {
                    DialogResult::Picked(p) => self.export_to(p),
                    DialogResult::Cancelled => {}
                    DialogResult::Unavailable => {
                        self.export.field = Some(self.export_suggestion().display().to_string());
                    }
                }
            }
        }
        if let Some(rx) = &self.export.writing {
            if let Ok(r) = rx.try_recv() {
                self.export.writing = None;
                self.export.outcome = Some(r);
            }
        }
    }

    /// The typed-path row under the toolbar, while it is open.
    pub(super) fn export_field(&mut self, ui: &mut egui::Ui) {
        let Some(field) = &mut self.export.field else {
            return;
        };
        let mut go = false;
        let mut close = false;
        ui.horizontal(|ui| {
            ui.label("Export to");
            let r = ui.add(egui::TextEdit::singleline(field).desired_width(420.0));
            go = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            go |= ui.button("Export").clicked();
            close = ui
                .small_button("✖")
                .on_hover_text("cancel the export")
                .clicked();
            ui.weak("(no native save dialog here)");
        });
        if close {
            self.export.field = None;
        } else if go && !field.trim().is_empty() {
            let to = PathBuf::from(field.trim());
            self.export_to(to);
        }
    }

    /// The export's state for the status bar: writing, done, or failed.
    pub(super) fn export_status(&mut self, ui: &mut egui::Ui) {
        if self.export.is_writing() {
            ui.spinner();
            ui.label("exporting…");
            return;
        }
        let dark = self.persisted.dark;
        let Some(outcome) = &self.export.outcome else {
            return;
        };
        let text = match outcome {
            Ok(p) => RichText::new(format!("✔ exported to {}", p.display())).color(
                crate::ui::style::status_color(crate::model::OpStatus::Succeeded, dark),
            ),
            Err(e) => RichText::new(format!("✖ {e}")).color(crate::ui::style::status_color(
                crate::model::OpStatus::Failed,
                dark,
            )),
        };
        ui.label(text);
        if ui.small_button("dismiss").clicked() {
            self.export.outcome = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_names_sit_next_to_the_source() {
        assert_eq!(
            suggested_path(Some(Path::new("/h/order-flow.history.json")), None),
            PathBuf::from("/h/order-flow.lens.json")
        );
        assert_eq!(
            suggested_path(
                Some(Path::new("/s/store.db")),
                Some("arn:aws:lambda:us-east-1:1:function:f/durable-execution/run 1/abc")
            ),
            PathBuf::from("/s/store.abc.lens.json")
        );
        assert_eq!(
            suggested_path(None, None),
            PathBuf::from("history.lens.json")
        );
    }
}
