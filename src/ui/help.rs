//! The keyboard shortcuts, listed once: the help window (F1, or the ⌨
//! button) draws this list, and a test holds README's shortcut table to it,
//! so the two cannot drift apart.

use egui::RichText;

/// (keys, what they do), in the order users meet them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    (
        "Ctrl+O",
        "Open a file or store (a typed-path field where no native dialog can be shown)",
    ),
    (
        "Ctrl+S",
        "Export the open history as one durable-lens document",
    ),
    ("F5", "Reload from disk, keeping the selection"),
    (
        "Ctrl+F",
        "Filter operations by name / id / type / status; Esc clears it",
    ),
    ("Ctrl+D", "Switch between the timeline and diff views"),
    (
        "[ / ]",
        "Previous / next invocation (the time view zooms to its band)",
    ),
    ("↑ / ↓", "Move the selection through the visible operations"),
    (
        "← / →",
        "Close / open the selected context, or go to its parent / first child",
    ),
    (
        "F",
        "Fit the time view to the selected operation (to everything without one)",
    ),
    (
        "Home",
        "Fit the time view to everything (a double click also fits; on a collapsed context's span it opens the context)",
    ),
    (
        "C",
        "Switch the time axis: real / compressed (idle gaps between invocations shrunk to a break mark)",
    ),
    ("+ (or =) / -, Ctrl+wheel", "Zoom the time view"),
    ("Shift+← / Shift+→, drag", "Pan the time view"),
    (
        "Esc",
        "Clear the filter, close the store picker or the shortcut list",
    ),
    (
        "Ctrl+R",
        "Open the re-run panel (link a handler, step through the recording)",
    ),
    (
        "F10 / Shift+F10 / F8",
        "Re-run: step to the next operation / back to the previous stop / continue",
    ),
    ("F1", "Show or hide the shortcut list"),
];

/// The shortcut list as a window over the app while `open`.
pub fn window(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts")
                .striped(true)
                .num_columns(2)
                .spacing([18.0, 6.0])
                .show(ui, |ui| {
                    for (keys, action) in SHORTCUTS {
                        ui.label(RichText::new(*keys).monospace().strong());
                        ui.label(*action);
                        ui.end_row();
                    }
                });
            ui.add_space(4.0);
            ui.weak("Letter and arrow keys are ignored while typing in a text field.");
        });
}

#[cfg(test)]
mod tests {
    use super::SHORTCUTS;

    /// README's shortcut table, rows as (keys, action), code marks removed.
    fn readme_rows() -> Vec<(String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        readme
            .lines()
            .skip_while(|l| !l.starts_with("| Key | Action |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
                let keys = cells.first().copied().unwrap_or("").trim().replace('`', "");
                let action = cells.get(1).copied().unwrap_or("").trim().to_string();
                (keys, action)
            })
            .collect()
    }

    #[test]
    fn the_readme_table_lists_the_shortcuts_the_app_shows() {
        let app: Vec<(String, String)> = SHORTCUTS
            .iter()
            .map(|(k, a)| (k.to_string(), a.to_string()))
            .collect();
        assert_eq!(readme_rows(), app);
    }
}
