//! Open from AWS…: profile, region, endpoint and function, then the
//! function's executions (ListDurableExecutionsByFunction, on a job) in the
//! store picker; picking one fetches it like `durable-lens ARN`. Empty
//! fields are left to the AWS CLI's own resolution (environment, profile).

use super::Intent;
use crate::cli::ServiceArgs;

/// What the picker's rows are keyed under: the function, said as such (no
/// file is ever named like it).
pub const LISTING_PREFIX: &str = "⟨durable execution service⟩ function ";

/// Whether a picker path is a service listing (its rows are ARNs to fetch).
pub fn is_listing(path: &std::path::Path) -> bool {
    path.to_string_lossy().starts_with(LISTING_PREFIX)
}

#[derive(Default)]
pub struct OpenAwsView {
    pub open: bool,
    profile: String,
    region: String,
    endpoint: String,
    function: String,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl OpenAwsView {
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Intent> {
        if !self.open {
            return None;
        }
        let mut out = None;
        let mut open = self.open;
        egui::Window::new("Open from AWS")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("aws-open").num_columns(2).show(ui, |ui| {
                    for (label, value, hint) in [
                        ("profile", &mut self.profile, "AWS_PROFILE or default"),
                        ("region", &mut self.region, "AWS_REGION or the profile's"),
                        (
                            "endpoint URL",
                            &mut self.endpoint,
                            "AWS_ENDPOINT_URL_LAMBDA or AWS",
                        ),
                        ("function", &mut self.function, "NAME[:QUALIFIER] or ARN"),
                    ] {
                        let l = ui.label(label);
                        ui.add(egui::TextEdit::singleline(value).hint_text(hint))
                            .labelled_by(l.id);
                        ui.end_row();
                    }
                });
                let ready = some(&self.function).is_some();
                if ui
                    .add_enabled(ready, egui::Button::new("List executions"))
                    .clicked()
                {
                    out = Some(Intent::ListAws {
                        service: ServiceArgs {
                            profile: some(&self.profile),
                            region: some(&self.region),
                            endpoint_url: some(&self.endpoint),
                        },
                        function: self.function.trim().to_string(),
                    });
                }
            });
        self.open = open && out.is_none();
        out
    }
}
