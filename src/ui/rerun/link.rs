//! The "link a handler" form: presets (Node runner, Python runner, any
//! command), working directory, environment and timeout, turned into the
//! core's `HandlerCommand`. The form is what the app stores (it remembers
//! the preset and its fields); the sidecar next to the history holds only
//! the command, so a form is also recognised back from a command.

use crate::model::ErrorInfo;
use crate::rerun::{Answer, HandlerCommand};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Preset {
    #[default]
    Node,
    Python,
    /// `module.function` run by the official runtime interface client
    /// (`python -m awslambdaric`) through the Lambda Runtime API, warm: the
    /// way Lambda runs a Python function (`rerun --preset python`).
    PythonRic,
    Custom,
}

impl Preset {
    /// The presets the form offers, in order. A new preset is one entry
    /// here, its `label`/`hover`, its fields in `LinkForm::ui` and its
    /// command in `LinkForm::command_line` (and `from_command` to read it
    /// back).
    pub const ALL: [Preset; 4] = [
        Preset::Node,
        Preset::Python,
        Preset::PythonRic,
        Preset::Custom,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Preset::Node => "Node",
            Preset::Python => "Python",
            Preset::PythonRic => "Python (Lambda runtime client)",
            Preset::Custom => "Custom command",
        }
    }

    pub fn hover(self) -> &'static str {
        match self {
            Preset::Node => "A JS/TS handler file run with assets/runners/node-runner.mjs",
            Preset::Python => "module:function run with assets/runners/python-runner.py",
            Preset::PythonRic => {
                "module.function run by the official runtime interface client (python -m awslambdaric) through the Lambda Runtime API, one warm process, as Lambda runs it; the interpreter must have awslambdaric installed"
            }
            Preset::Custom => {
                "Reads the invocation event on stdin, writes the output on stdout (the handler contract)"
            }
        }
    }
}

/// The handler contract (event on stdin, output on stdout, environment):
/// assets/runners/README.md, as a link the form shows. The local copy when
/// the runners folder is found, else the file's place in the repository.
pub fn contract_link() -> (String, String) {
    match runners_dir()
        .map(|d| d.join("README.md"))
        .filter(|p| p.is_file())
    {
        Some(p) => (format!("file://{}", p.display()), p.display().to_string()),
        None => (
            "assets/runners/README.md".to_string(),
            "assets/runners/README.md (in the durable-lens repository)".to_string(),
        ),
    }
}

/// Everything the user typed to link a handler to one history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    pub preset: Preset,
    /// Node: the handler file (ESM or CJS) and its export.
    pub node_file: String,
    pub node_export: String,
    /// Python: `module:function` (or `file.py:function`) and the interpreter
    /// (the venv's python that has the SDK).
    pub py_spec: String,
    pub py_interpreter: String,
    /// Any command honouring the runner contract (assets/runners/README.md).
    pub custom: String,
    pub cwd: String,
    /// `KEY=VALUE` lines; blank lines and `#` comments are ignored.
    pub env: String,
    pub timeout_secs: f64,
    /// Answers for callbacks and chained invokes, one per line:
    /// `name-or-place = JSON result | fail: message | timeout`. Unlisted
    /// ones get the recorded answer. Kept in app storage only.
    pub answers: String,
}

impl Default for LinkForm {
    fn default() -> Self {
        LinkForm {
            preset: Preset::Node,
            node_file: String::new(),
            node_export: "handler".into(),
            py_spec: String::new(),
            py_interpreter: "python3".into(),
            custom: String::new(),
            cwd: String::new(),
            env: String::new(),
            timeout_secs: 60.0,
            answers: String::new(),
        }
    }
}

// The shims' folder and the quoting are the presets' (one rule for the
// CLI's `--preset` and this form).
pub use crate::rerun::preset::{runners_dir, sh_quote};

/// Split a command line into words the way `sh` would for simple cases
/// (single and double quotes, backslash escapes); enough to recognise the
/// presets in a saved command. `None` when it uses anything fancier.
pub fn sh_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        x => cur.push(x),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => cur.push(chars.next()?),
                        '$' | '`' => return None,
                        x => cur.push(x),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.push(chars.next()?);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '$' | '`' | ';' | '|' | '&' | '<' | '>' | '(' | ')' => return None,
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

impl LinkForm {
    /// The per-invocation timeout, if the field holds a usable one.
    pub fn timeout(&self) -> Result<Duration, String> {
        if self.timeout_secs.is_finite() && self.timeout_secs > 0.0 && self.timeout_secs < 86_400.0
        {
            Ok(Duration::from_secs_f64(self.timeout_secs))
        } else {
            Err(format!(
                "the timeout must be between 0 and 86400 seconds, not {}",
                self.timeout_secs
            ))
        }
    }

    /// Parse the environment lines.
    pub fn env_pairs(&self) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for (i, line) in self.env.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            match t.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() && !k.trim().contains(char::is_whitespace) => {
                    out.push((k.trim().to_string(), v.to_string()))
                }
                _ => {
                    return Err(format!(
                        "environment line {}: expected KEY=VALUE, found `{t}`",
                        i + 1
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Parse the callback answers.
    pub fn answer_map(&self) -> Result<HashMap<String, Answer>, String> {
        let mut out = HashMap::new();
        for (i, line) in self.answers.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some((key, value)) = t.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
                return Err(format!(
                    "answer line {}: expected `name = JSON result`, `name = fail: message` or `name = timeout`, found `{t}`",
                    i + 1
                ));
            };
            if key.is_empty() {
                return Err(format!(
                    "answer line {}: no operation name or place before `=`",
                    i + 1
                ));
            }
            let answer = if value == "timeout" {
                Answer::TimedOut
            } else if let Some(msg) = value.strip_prefix("fail:") {
                Answer::Fail(ErrorInfo {
                    error_type: Some("Error".into()),
                    message: Some(msg.trim().to_string()),
                    data: None,
                    stack_trace: Vec::new(),
                    truncated: false,
                })
            } else {
                // The SDKs deserialise the result as JSON: refuse what they would choke on.
                serde_json::from_str::<serde_json::Value>(value).map_err(|e| {
                    format!(
                        "answer line {}: `{value}` is not JSON ({e}); quote strings: \"approved\"",
                        i + 1
                    )
                })?;
                Answer::Succeed(value.to_string())
            };
            out.insert(key.to_string(), answer);
        }
        Ok(out)
    }

    /// The command line for the chosen preset.
    pub fn command_line(&self) -> Result<String, String> {
        let runner = |file: &str| -> Result<String, String> {
            let dir = runners_dir().ok_or_else(|| {
                "the runner shims (assets/runners) were not found next to the app: use a custom command"
                    .to_string()
            })?;
            Ok(sh_quote(&dir.join(file).display().to_string()))
        };
        match self.preset {
            Preset::Node => {
                let file = self.node_file.trim();
                if file.is_empty() {
                    return Err("Node: give the handler file (e.g. src/app.mjs)".into());
                }
                let export = match self.node_export.trim() {
                    "" => "handler",
                    e => e,
                };
                Ok(format!(
                    "node {} {} {}",
                    runner("node-runner.mjs")?,
                    sh_quote(file),
                    sh_quote(export)
                ))
            }
            Preset::Python => {
                let spec = self.py_spec.trim();
                if !spec.contains(':') {
                    return Err("Python: give module:function (e.g. app:handler)".into());
                }
                let py = match self.py_interpreter.trim() {
                    "" => "python3",
                    p => p,
                };
                Ok(format!(
                    "{} {} {}",
                    sh_quote(py),
                    runner("python-runner.py")?,
                    sh_quote(spec)
                ))
            }
            Preset::PythonRic => {
                let spec = self.py_spec.trim();
                // As Lambda names a Python handler: module.function.
                let ok = spec
                    .rsplit_once('.')
                    .is_some_and(|(m, f)| !m.is_empty() && !f.is_empty() && !f.contains('/'));
                if !ok || spec.contains(':') {
                    return Err(
                        "Python (Lambda runtime client): give module.function (e.g. app.handler)"
                            .into(),
                    );
                }
                let py = match self.py_interpreter.trim() {
                    "" => "python3",
                    p => p,
                };
                Ok(format!(
                    "{} -m awslambdaric {}",
                    sh_quote(py),
                    sh_quote(spec)
                ))
            }
            Preset::Custom => match self.custom.trim() {
                "" => Err("give the command that runs the handler".into()),
                c => Ok(c.to_string()),
            },
        }
    }

    /// A short description for the collapsed link header (no absolute
    /// runner paths: the same on every machine).
    pub fn summary(&self) -> Option<String> {
        self.command_line().ok()?;
        Some(match self.preset {
            Preset::Node => format!(
                "Node · {} · export {}",
                self.node_file.trim(),
                match self.node_export.trim() {
                    "" => "handler",
                    e => e,
                }
            ),
            Preset::Python => format!(
                "Python · {} · {}",
                self.py_spec.trim(),
                self.py_interpreter.trim()
            ),
            Preset::PythonRic => format!(
                "Python · awslambdaric · {} · {}",
                self.py_spec.trim(),
                self.py_interpreter.trim()
            ),
            Preset::Custom => self.custom.trim().to_string(),
        })
    }

    /// The core's handler description, or what is missing or wrong.
    pub fn to_command(&self) -> Result<HandlerCommand, String> {
        let command = self.command_line()?;
        let env = self.env_pairs()?;
        self.answer_map()?;
        let cwd = match self.cwd.trim() {
            "" => None,
            c => {
                let p = PathBuf::from(c);
                if !p.is_dir() {
                    return Err(format!("working directory {c} does not exist"));
                }
                Some(p)
            }
        };
        Ok(HandlerCommand { command, cwd, env })
    }

    /// A form for a saved command: a preset when the command is one of the
    /// runner shims, else a custom command. The timeout is kept from `self`
    /// (the sidecar does not hold it).
    pub fn from_command(cmd: &HandlerCommand, timeout_secs: f64) -> LinkForm {
        let mut f = LinkForm {
            custom: cmd.command.clone(),
            preset: Preset::Custom,
            cwd: cmd
                .cwd
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            env: cmd.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect(),
            timeout_secs,
            ..LinkForm::default()
        };
        let words = sh_words(&cmd.command).unwrap_or_default();
        match words.as_slice() {
            [node, runner, file, rest @ ..]
                if node == "node" && runner.ends_with("node-runner.mjs") && rest.len() <= 1 =>
            {
                f.preset = Preset::Node;
                f.node_file = file.clone();
                f.node_export = rest.first().cloned().unwrap_or_else(|| "handler".into());
            }
            [py, runner, spec] if runner.ends_with("python-runner.py") => {
                f.preset = Preset::Python;
                f.py_interpreter = py.clone();
                f.py_spec = spec.clone();
            }
            [py, m, ric, spec] if m == "-m" && ric == "awslambdaric" => {
                f.preset = Preset::PythonRic;
                f.py_interpreter = py.clone();
                f.py_spec = spec.clone();
            }
            _ => {}
        }
        f
    }

    pub fn ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Handler");
            for p in Preset::ALL {
                ui.selectable_value(&mut self.preset, p, p.label())
                    .on_hover_text(p.hover());
            }
            ui.separator();
            let (url, shown) = contract_link();
            ui.hyperlink_to("Handler contract", url)
                .on_hover_text(format!(
                    "What a handler command gets and must answer (event on stdin, output on stdout, environment): {shown}"
                ));
        });
        egui::Grid::new("rerun-link-form")
            .num_columns(2)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                match self.preset {
                    Preset::Node => {
                        ui.label("Handler file");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.node_file)
                                .hint_text("src/app.mjs (relative to the working directory)")
                                .desired_width(360.0),
                        );
                        ui.end_row();
                        ui.label("Export name");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.node_export).desired_width(160.0),
                        );
                        ui.end_row();
                    }
                    Preset::Python | Preset::PythonRic => {
                        let (what, hint) = if self.preset == Preset::Python {
                            ("module:function", "app:handler")
                        } else {
                            ("module.function", "app.handler")
                        };
                        ui.label(what);
                        ui.add(
                            egui::TextEdit::singleline(&mut self.py_spec)
                                .hint_text(hint)
                                .desired_width(360.0),
                        );
                        ui.end_row();
                        ui.label("Interpreter");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.py_interpreter)
                                .hint_text(".venv/bin/python")
                                .desired_width(360.0),
                        );
                        ui.end_row();
                    }
                    Preset::Custom => {
                        ui.label("Command");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.custom)
                                .hint_text("run with sh -c; event on stdin, output on stdout")
                                .desired_width(480.0),
                        );
                        ui.end_row();
                    }
                }
                ui.label("Working directory");
                ui.add(
                    egui::TextEdit::singleline(&mut self.cwd)
                        .hint_text("default: the app's current directory")
                        .desired_width(360.0),
                );
                ui.end_row();
                ui.label("Environment");
                ui.add(
                    egui::TextEdit::multiline(&mut self.env)
                        .hint_text("KEY=VALUE, one per line")
                        .desired_rows(2)
                        .desired_width(360.0),
                );
                ui.end_row();
                ui.label("Callback answers")
                    .on_hover_text("name or place = JSON result, fail: message, or timeout; unlisted ones get the recorded answer");
                ui.add(
                    egui::TextEdit::multiline(&mut self.answers)
                        .hint_text("approval = \"ok\" · fail: reason · timeout")
                        .desired_rows(1)
                        .desired_width(360.0),
                );
                ui.end_row();
                ui.label("Timeout per invocation");
                ui.add(
                    egui::DragValue::new(&mut self.timeout_secs)
                        .range(0.1..=3600.0)
                        .speed(1.0)
                        .suffix(" s"),
                );
                ui.end_row();
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_round_trips_through_the_word_splitter() {
        for s in ["plain", "with space", "it's", "a\"b", "", "x$y"] {
            let q = sh_quote(s);
            assert_eq!(
                sh_words(&q),
                Some(vec![s.to_string()]),
                "{s:?} quoted as {q}"
            );
        }
        assert_eq!(sh_words("a | b"), None, "pipelines are not a preset");
    }

    #[test]
    fn a_node_preset_is_recognised_back_from_its_command() {
        let form = LinkForm {
            node_file: "my app/handler.mjs".into(),
            node_export: "main".into(),
            env: "STAGE=dev\n# comment\n\nA=b=c\n".into(),
            timeout_secs: 12.0,
            ..LinkForm::default()
        };
        let cmd = form.to_command().unwrap();
        assert!(
            cmd.command
                .contains("node-runner.mjs 'my app/handler.mjs' main"),
            "{}",
            cmd.command
        );
        assert_eq!(
            cmd.env,
            [("STAGE".into(), "dev".into()), ("A".into(), "b=c".into())]
        );
        let back = LinkForm::from_command(&cmd, 12.0);
        assert_eq!(back.preset, Preset::Node);
        assert_eq!(back.node_file, "my app/handler.mjs");
        assert_eq!(back.node_export, "main");
        assert_eq!(back.to_command().unwrap(), cmd);
    }

    #[test]
    fn python_and_custom_commands_are_recognised() {
        let py = LinkForm {
            preset: Preset::Python,
            py_spec: "app:handler".into(),
            py_interpreter: ".venv/bin/python".into(),
            ..LinkForm::default()
        };
        let cmd = py.to_command().unwrap();
        let back = LinkForm::from_command(&cmd, 60.0);
        assert_eq!(
            (back.preset, back.py_spec.as_str()),
            (Preset::Python, "app:handler")
        );
        let custom = HandlerCommand {
            command: "cat > /dev/null; echo hi".into(),
            ..HandlerCommand::default()
        };
        assert_eq!(LinkForm::from_command(&custom, 60.0).preset, Preset::Custom);
    }

    #[test]
    fn callback_answers_are_parsed_and_bad_ones_explained() {
        let f = LinkForm {
            answers: "approval = \"approved\"\n3.1=fail: no\n# note\npay = timeout\n".into(),
            ..LinkForm::default()
        };
        let m = f.answer_map().unwrap();
        assert_eq!(
            m.get("approval"),
            Some(&Answer::Succeed("\"approved\"".into()))
        );
        assert!(
            matches!(m.get("3.1"), Some(Answer::Fail(e)) if e.message.as_deref() == Some("no"))
        );
        assert_eq!(m.get("pay"), Some(&Answer::TimedOut));
        let bad = LinkForm {
            answers: "approval = approved".into(),
            ..LinkForm::default()
        };
        assert!(bad.answer_map().unwrap_err().contains("is not JSON"));
    }

    #[test]
    fn bad_fields_are_explained() {
        let f = LinkForm {
            env: "NOVALUE".into(),
            node_file: "a.mjs".into(),
            ..LinkForm::default()
        };
        assert!(f
            .to_command()
            .unwrap_err()
            .contains("line 1: expected KEY=VALUE"));
        assert!(LinkForm::default()
            .to_command()
            .unwrap_err()
            .contains("handler file"));
        let t = LinkForm {
            timeout_secs: f64::NAN,
            ..LinkForm::default()
        };
        assert!(t.timeout().is_err());
    }
}
