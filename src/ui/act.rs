//! Acting on an execution opened from the service, from the inspector:
//! answer the selected pending callback (result typed as JSON and checked,
//! failure, heartbeat) or stop the execution, each only after a
//! confirmation that says exactly what will be sent where. Never offered
//! for a file. The call runs as a background job; the history is fetched
//! again when it is done.

use super::doc::Doc;
use super::Intent;
use crate::live::CallbackAnswer;
use crate::model::{OpType, Operation};

/// What to send, and to which execution.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Answer {
        execution: String,
        callback_id: String,
        /// The callback as the user sees it (its name).
        label: String,
        answer: CallbackAnswer,
    },
    Stop {
        execution: String,
    },
}

impl Action {
    /// The confirmation question.
    pub fn question(&self) -> String {
        match self {
            Action::Answer {
                execution,
                label,
                answer,
                ..
            } => {
                let what = match answer {
                    CallbackAnswer::Succeed(json) => format!("succeed it with {json}"),
                    CallbackAnswer::Fail { message, .. } => format!("fail it with \"{message}\""),
                    CallbackAnswer::Heartbeat => "send a heartbeat".to_string(),
                };
                format!("Answer callback '{label}' of {execution}: {what}?")
            }
            Action::Stop { execution } => format!("Stop {execution}? It ends STOPPED."),
        }
    }
}

#[derive(Default)]
pub struct ActView {
    result: String,
    fail: String,
    error: Option<String>,
    confirm: Option<Action>,
}

/// The execution `doc` was fetched from, when it came from the service.
fn service_execution(doc: &Doc) -> Option<String> {
    let path = doc.path.as_ref()?.to_string_lossy().into_owned();
    let service = crate::cli::service_args();
    let given = crate::live::source::endpoint_given(service.endpoint_url.as_deref());
    crate::live::source::names_service_execution(&path, given).then_some(path)
}

impl ActView {
    /// The answer form for the selected operation `op` (a pending callback)
    /// and the Stop button; an intent once the user has confirmed.
    pub fn ui(&mut self, ui: &mut egui::Ui, doc: &Doc, op: Option<&Operation>) -> Option<Intent> {
        let execution = service_execution(doc)?;
        let running = doc
            .execution()
            .is_some_and(|e| e.status.is_none_or(|s| !s.is_terminal()));
        if !running {
            return None;
        }
        ui.separator();
        if let Some(action) = self.confirm.clone() {
            ui.label(action.question());
            let mut out = None;
            ui.horizontal(|ui| {
                if ui.button("Send").clicked() {
                    out = Some(Intent::Act(Box::new(action)));
                    self.confirm = None;
                }
                if ui.button("Cancel").clicked() {
                    self.confirm = None;
                }
            });
            return out;
        }
        let pending = op.filter(|o| o.op_type == OpType::Callback && !o.status.is_terminal());
        if let Some((o, callback_id)) = pending.and_then(|o| o.callback_id.clone().map(|c| (o, c)))
        {
            let label = o.display_name().to_string();
            ui.strong("Answer this callback");
            ui.horizontal(|ui| {
                let l = ui.label("result (JSON)");
                ui.add(
                    egui::TextEdit::singleline(&mut self.result).hint_text("{\"approved\": true}"),
                )
                .labelled_by(l.id);
            });
            ui.horizontal(|ui| {
                let l = ui.label("failure message");
                ui.text_edit_singleline(&mut self.fail).labelled_by(l.id);
            });
            let mut answer = None;
            ui.horizontal(|ui| {
                if ui.button("Succeed…").clicked() {
                    match CallbackAnswer::succeed(&self.result) {
                        Ok(a) => answer = Some(a),
                        Err(e) => self.error = Some(e),
                    }
                }
                if ui.button("Fail…").clicked() {
                    answer = Some(CallbackAnswer::Fail {
                        error_type: None,
                        message: self.fail.clone(),
                    });
                }
                if ui.button("Heartbeat…").clicked() {
                    answer = Some(CallbackAnswer::Heartbeat);
                }
            });
            if let Some(answer) = answer {
                self.error = None;
                self.confirm = Some(Action::Answer {
                    execution: execution.clone(),
                    callback_id,
                    label,
                    answer,
                });
            }
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        }
        if ui.button("Stop execution…").clicked() {
            self.confirm = Some(Action::Stop { execution });
        }
        None
    }
}

/// Run `action` against the service (on a job thread); what was done.
pub fn run(action: &Action) -> Result<String, String> {
    let execution = match action {
        Action::Answer { execution, .. } | Action::Stop { execution } => execution,
    };
    let svc = crate::live::Service::connect(&crate::cli::service_args().config(), execution)
        .map_err(|e| e.to_string())?;
    match action {
        Action::Answer {
            callback_id,
            label,
            answer,
            ..
        } => {
            let what = format!("callback '{label}' of {execution}");
            svc.answer_callback(callback_id, &what, answer)
                .map_err(|e| e.to_string())?;
            Ok(format!("answered {what}"))
        }
        Action::Stop { .. } => {
            svc.stop(execution, None).map_err(|e| e.to_string())?;
            Ok(format!("stopped {execution}"))
        }
    }
}
