//! The execution picker for stores holding many executions (SQLite, folder):
//! a sortable, filterable table of function, name, status, start, duration
//! and operation count. Picking a row opens that execution.

use super::jobs::StoreRow;
use super::Intent;
use crate::model::format_duration_micros;
use egui::{Align, Layout, RichText, Sense};
use egui_extras::{Column, TableBuilder};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Function,
    Name,
    Status,
    Start,
    Duration,
    Ops,
}

pub struct PickerView {
    pub path: PathBuf,
    pub rows: Vec<StoreRow>,
    pub filter: String,
    /// Empty = every status.
    pub status: String,
    pub sort: SortBy,
    pub ascending: bool,
    order: Vec<usize>,
    key: Option<(String, String, SortBy, bool)>,
}

impl PickerView {
    pub fn new(path: PathBuf, rows: Vec<StoreRow>) -> PickerView {
        PickerView {
            path,
            rows,
            filter: String::new(),
            status: String::new(),
            sort: SortBy::Start,
            ascending: false,
            order: Vec::new(),
            key: None,
        }
    }

    /// Row indices after filtering and sorting (recomputed only on change).
    pub fn visible(&mut self) -> &[usize] {
        let key = (
            self.filter.to_lowercase(),
            self.status.clone(),
            self.sort,
            self.ascending,
        );
        if self.key.as_ref() != Some(&key) {
            let (needle, status, sort, asc) = key.clone();
            let mut order: Vec<usize> = (0..self.rows.len())
                .filter(|&i| {
                    let r = &self.rows[i];
                    (status.is_empty() || r.status == status)
                        && (needle.is_empty()
                            || r.name.to_lowercase().contains(&needle)
                            || r.function_name.to_lowercase().contains(&needle)
                            || r.arn.to_lowercase().contains(&needle))
                })
                .collect();
            let rows = &self.rows;
            order.sort_by(|&a, &b| {
                let (x, y) = (&rows[a], &rows[b]);
                let o = match sort {
                    SortBy::Function => x.function_name.cmp(&y.function_name),
                    SortBy::Name => x.name.cmp(&y.name),
                    SortBy::Status => x.status.cmp(&y.status),
                    SortBy::Start => x
                        .start
                        .map(|t| t.micros())
                        .cmp(&y.start.map(|t| t.micros())),
                    SortBy::Duration => duration(x).cmp(&duration(y)),
                    SortBy::Ops => x.operation_count.cmp(&y.operation_count),
                };
                if asc {
                    o
                } else {
                    o.reverse()
                }
            });
            self.order = order;
            self.key = Some(key);
        }
        &self.order
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        ui.horizontal(|ui| {
            ui.heading("Executions");
            let name = self
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            ui.weak(format!("{} in {name}", self.rows.len()))
                .on_hover_text(self.path.display().to_string());
        });
        let mut statuses: Vec<String> = self.rows.iter().map(|r| r.status.clone()).collect();
        statuses.sort();
        statuses.dedup();
        ui.horizontal(|ui| {
            ui.label("filter");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text(filter_hint(&self.rows))
                    .desired_width(220.0),
            );
            ui.label("status");
            egui::ComboBox::from_id_salt("picker-status")
                .selected_text(if self.status.is_empty() {
                    "all"
                } else {
                    self.status.as_str()
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.status, String::new(), "all");
                    for s in &statuses {
                        ui.selectable_value(&mut self.status, s.clone(), s);
                    }
                });
        });
        ui.separator();
        let order = self.visible().to_vec();
        let mut clicked_sort = None;
        let path = self.path.clone();
        // Labels must not swallow clicks meant for the row.
        ui.style_mut().interaction.selectable_labels = false;
        TableBuilder::new(ui)
            .id_salt("picker-table")
            .striped(true)
            .resizable(true)
            .sense(Sense::click())
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(Column::initial(160.0).clip(true))
            .column(Column::initial(220.0).clip(true))
            .column(Column::initial(230.0).clip(true))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(80.0).clip(true))
            .column(Column::remainder().at_least(60.0))
            .header(20.0, |mut h| {
                for (label, s) in [
                    ("function", SortBy::Function),
                    ("name", SortBy::Name),
                    ("status", SortBy::Status),
                    ("start", SortBy::Start),
                    ("duration", SortBy::Duration),
                    ("operations", SortBy::Ops),
                ] {
                    h.col(|ui| {
                        let arrow = if self.sort == s {
                            if self.ascending {
                                " ⏶"
                            } else {
                                " ⏷"
                            }
                        } else {
                            ""
                        };
                        if ui.button(format!("{label}{arrow}")).clicked() {
                            clicked_sort = Some(s);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(18.0, order.len(), |mut row| {
                    let Some(r) = order.get(row.index()).and_then(|&i| self.rows.get(i)) else {
                        return;
                    };
                    row.col(|ui| {
                        ui.label(&r.function_name);
                    });
                    row.col(|ui| {
                        ui.label(&r.name);
                    });
                    row.col(|ui| {
                        let icon = crate::model::OpStatus::parse(&r.status)
                            .map(super::style::status_icon)
                            .unwrap_or("…");
                        ui.label(format!("{icon} {}", r.status));
                        if r.nondeterministic {
                            let c = super::style::status_color(
                                crate::model::OpStatus::Failed,
                                ui.visuals().dark_mode,
                            );
                            ui.label(RichText::new("non-deterministic").color(c))
                                .on_hover_text(
                                    "Failed with the SDK's NonDeterministicExecutionError: the code no longer replays this history",
                                );
                        }
                    });
                    row.col(|ui| {
                        ui.label(r.start.map(|t| t.to_iso()).unwrap_or_default());
                    });
                    row.col(|ui| {
                        ui.label(duration(r).map(format_duration_micros).unwrap_or_default());
                    });
                    row.col(|ui| {
                        ui.label(
                            r.operation_count
                                .map(|n| n.to_string())
                                .unwrap_or_else(|| "—".into()),
                        );
                    });
                    if row.response().clicked() {
                        intents.push(Intent::OpenExecution {
                            path: path.clone(),
                            arn: r.arn.clone(),
                        });
                    }
                });
            });
        if let Some(s) = clicked_sort {
            if self.sort == s {
                self.ascending = !self.ascending;
            } else {
                self.sort = s;
                self.ascending = true;
            }
        }
    }
}

fn duration(r: &StoreRow) -> Option<i64> {
    r.start?.micros_until(r.end?)
}

/// The filter's hint names the ids as what they are: "ARN" only when every
/// id is one (a Python store keys executions by `<uuid>/<execution id>`).
fn filter_hint(rows: &[StoreRow]) -> &'static str {
    if !rows.is_empty() && rows.iter().all(|r| r.arn.starts_with("arn:")) {
        "name, function or ARN"
    } else {
        "name, function or id"
    }
}

#[cfg(test)]
mod hint_tests {
    use super::*;

    fn row(id: &str) -> StoreRow {
        StoreRow {
            arn: id.into(),
            function_name: String::new(),
            name: String::new(),
            status: String::new(),
            start: None,
            end: None,
            operation_count: None,
            nondeterministic: false,
        }
    }

    #[test]
    fn the_filter_hint_says_arn_only_for_arns() {
        // Ids as the Python store keys them (tests/fixtures/python-sdk).
        let store_id =
            "45fecb37-9df4-4476-b8b4-402cf0ee206f/inv-12345678-1234-1234-1234-123456789012";
        assert_eq!(filter_hint(&[row(store_id)]), "name, function or id");
        let arn = "arn:aws:lambda:us-west-2:123456789012:function:f:$LATEST/durable-execution/a/b";
        assert_eq!(filter_hint(&[row(arn)]), "name, function or ARN");
        assert_eq!(
            filter_hint(&[row(arn), row(store_id)]),
            "name, function or id"
        );
    }
}
