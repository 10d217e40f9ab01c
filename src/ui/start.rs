//! The start panel: open a file (dialog or typed path), recent files, the
//! bundled samples, and a drag-and-drop hint.

use super::app::App;
use egui::RichText;

pub fn ui(ui: &mut egui::Ui, app: &mut App) {
    ui.add_space(12.0);
    ui.heading("durable-lens");
    ui.label("A debugger for AWS Lambda Durable Functions executions: see what each invocation replayed, where it switched to execution, and where it diverged.");
    ui.add_space(8.0);
    if let Some(e) = &app.error {
        ui.label(
            RichText::new(format!("✖ {e}")).color(super::style::status_color(
                crate::model::OpStatus::Failed,
                ui.visuals().dark_mode,
            )),
        );
        ui.add_space(6.0);
    }
    ui.horizontal(|ui| {
        if ui.button("📂 Open… (Ctrl+O)").clicked() {
            app.open_dialog(ui.ctx());
        }
        #[cfg(feature = "aws")]
        if ui.button("☁ Open from AWS…").clicked() {
            app.aws_open.open = true;
        }
        ui.weak("or drop a history file / store folder on the window");
    });
    path_field(ui, app);
    ui.add_space(10.0);
    ui.columns(2, |cols| {
        cols[0].strong("Recent");
        if app.persisted.recent.is_empty() {
            cols[0].weak("Nothing opened yet.");
        }
        for p in app.persisted.recent.clone() {
            if cols[0].link(p.display().to_string()).clicked() {
                app.open(p);
            }
        }
        cols[1].strong("Samples");
        let samples = super::samples();
        if samples.is_empty() {
            cols[1].weak("No sample-histories folder found next to the program.");
        }
        for p in samples {
            let name = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            if cols[1]
                .link(name)
                .on_hover_text(p.display().to_string())
                .clicked()
            {
                app.open(p);
            }
        }
    });
}

/// The typed-path fallback for when no native dialog can be shown.
pub fn path_field(ui: &mut egui::Ui, app: &mut App) {
    if let Some(note) = &app.dialog_note {
        ui.add_space(2.0);
        ui.label(
            RichText::new(format!("⚠ {note}")).color(super::style::status_color(
                crate::model::OpStatus::Pending,
                ui.visuals().dark_mode,
            )),
        );
    }
    ui.horizontal(|ui| {
        ui.label("path");
        let r = ui.add(
            egui::TextEdit::singleline(&mut app.path_field)
                .hint_text("/path/to/history.json, store.db or a store folder")
                .desired_width(420.0),
        );
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Open").clicked() || enter) && !app.path_field.trim().is_empty() {
            let p = std::path::PathBuf::from(app.path_field.trim());
            app.open(p);
        }
    });
}
