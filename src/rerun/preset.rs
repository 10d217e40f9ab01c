//! Handler presets: the command line that runs a handler the way Lambda
//! runs it, from what a Lambda function configuration names (`--preset
//! python --handler orders.handler`). Each is an official runtime client
//! speaking the Runtime API, so it is served warm; `stdio` is the plain
//! stdin/stdout contract.

use super::process::HandlerCommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// `module.function` run by the official runtime interface client
    /// `awslambdaric` (`python3 -m awslambdaric`, from `PATH`: activate
    /// the venv that has it and the handler's dependencies).
    Python,
    /// `file.export` run by the official runtime interface client
    /// `aws-lambda-ric` (npm), found in `node_modules` from the working
    /// directory up.
    Node,
    /// `file.export` (or `file.mjs:export`) run by the Node runner shim
    /// (assets/runners/node-runner.mjs, the stdin/stdout contract): for
    /// machines where `aws-lambda-ric`'s native build cannot run.
    NodeShim,
    /// A `bootstrap` executable built with `lambda_runtime` (the official
    /// Rust SDK's `durable::run`), run as it is.
    Rust,
    /// The command itself, on the stdin/stdout contract or the Runtime API.
    Stdio,
}

impl Preset {
    pub const ALL: [(&'static str, Preset); 5] = [
        ("python", Preset::Python),
        ("node", Preset::Node),
        ("node-shim", Preset::NodeShim),
        ("rust", Preset::Rust),
        ("stdio", Preset::Stdio),
    ];
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Preset, String> {
        Preset::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, p)| *p)
            .ok_or_else(|| format!("no preset {s:?}: python, node, node-shim, rust or stdio"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("--preset python: expected the handler as Lambda names it, module.function (e.g. orders.handler), got {0:?}")]
    PythonSpec(String),
    #[error("--preset node-shim: no {0}.mjs, .js or .cjs in {1}")]
    NodeFile(String, String),
    #[error("--preset node: expected the handler as Lambda names it, file.export (e.g. index.handler), got {0:?}")]
    NodeSpec(String),
    #[error("--preset node: aws-lambda-ric is not installed in {0} or above it (npm install aws-lambda-ric; its native build needs cmake, autoconf, automake, libtool and a C++ compiler), or use --preset node-shim")]
    NoNodeRic(String),
    #[error("--preset node: the Node runner shim (assets/runners/node-runner.mjs) is not beside the executable nor in the source tree")]
    NoRunner,
}

/// Quote one word for `sh -c` only when it needs it, so commands stay readable.
pub fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The command `preset` runs for `target` (what `--handler` says), in
/// `cwd`. `_HANDLER` is set as Lambda sets it.
pub fn command(
    preset: Preset,
    target: &str,
    cwd: Option<&Path>,
) -> Result<HandlerCommand, PresetError> {
    let (command, handler) = match preset {
        Preset::Stdio => (target.to_string(), None),
        Preset::Python => {
            let ok = target
                .rsplit_once('.')
                .is_some_and(|(m, f)| !m.is_empty() && !f.is_empty() && !f.contains('/'));
            if !ok {
                return Err(PresetError::PythonSpec(target.to_string()));
            }
            (
                format!("python3 -m awslambdaric {}", sh_quote(target)),
                Some(target.to_string()),
            )
        }
        Preset::Node => {
            let ok = target
                .rsplit_once('.')
                .is_some_and(|(m, f)| !m.is_empty() && !f.is_empty() && !f.contains('/'));
            if !ok {
                return Err(PresetError::NodeSpec(target.to_string()));
            }
            let base = absolute(cwd);
            let ric = base
                .ancestors()
                .map(|d| d.join("node_modules/aws-lambda-ric/index.mjs"))
                .find(|p| p.is_file())
                .ok_or_else(|| PresetError::NoNodeRic(base.display().to_string()))?;
            // It reads the handler from _HANDLER and LAMBDA_TASK_ROOT.
            (
                format!("node {}", sh_quote(&ric.display().to_string())),
                Some(target.to_string()),
            )
        }
        Preset::NodeShim => {
            let (file, export) = node_target(target, cwd)?;
            let runner = runners_dir()
                .ok_or(PresetError::NoRunner)?
                .join("node-runner.mjs");
            (
                format!(
                    "node {} {} {}",
                    sh_quote(&runner.display().to_string()),
                    sh_quote(&file),
                    sh_quote(&export)
                ),
                Some(target.to_string()),
            )
        }
        Preset::Rust => {
            let name = Path::new(target)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| target.to_string());
            // A bare name would be looked up on PATH by the shell.
            let path = if target.contains('/') {
                target.to_string()
            } else {
                format!("./{target}")
            };
            (sh_quote(&path), Some(name))
        }
    };
    Ok(HandlerCommand {
        command,
        cwd: cwd.map(Path::to_path_buf),
        env: handler
            .map(|h| vec![("_HANDLER".to_string(), h)])
            .unwrap_or_default(),
    })
}

/// The working directory the handler gets, as an absolute path.
fn absolute(cwd: Option<&Path>) -> PathBuf {
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    match cwd {
        Some(c) => here.join(c),
        None => here,
    }
}

/// `dir/file.export` (Lambda's form) or `dir/file.mjs:export`: the file
/// the shim imports and the export it calls.
fn node_target(target: &str, cwd: Option<&Path>) -> Result<(String, String), PresetError> {
    if let Some((file, export)) = target.rsplit_once(':') {
        return Ok((file.to_string(), export.to_string()));
    }
    let (stem, export) = target.rsplit_once('.').unwrap_or((target, "handler"));
    let base = cwd
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    ["mjs", "js", "cjs"]
        .iter()
        .map(|ext| format!("{stem}.{ext}"))
        .find(|f| base.join(f).is_file())
        .map(|f| (f, export.to_string()))
        .ok_or_else(|| PresetError::NodeFile(stem.to_string(), base.display().to_string()))
}

/// Where the runner shims are: next to the executable (installed), at the
/// crate root (cargo run, tests), or in the working directory. Looked up
/// once.
pub fn runners_dir() -> Option<PathBuf> {
    static DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(find_runners_dir).clone()
}

fn find_runners_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        for anc in exe.ancestors().skip(1).take(4) {
            candidates.push(anc.join("assets/runners"));
        }
    }
    candidates.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/runners"));
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join("assets/runners"));
    }
    candidates
        .into_iter()
        .find(|p| p.join("node-runner.mjs").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_names_the_module_function_and_sets_handler() {
        let c = command(Preset::Python, "orders.handler", None).unwrap();
        assert_eq!(c.command, "python3 -m awslambdaric orders.handler");
        assert_eq!(c.env, vec![("_HANDLER".into(), "orders.handler".into())]);
        assert!(command(Preset::Python, "orders", None).is_err());
        assert!(command(Preset::Python, "orders.", None).is_err());
        assert!(command(Preset::Python, ".handler", None).is_err());
    }

    #[test]
    fn rust_runs_a_bare_name_from_the_working_directory() {
        let c = command(Preset::Rust, "bootstrap", None).unwrap();
        assert_eq!(c.command, "./bootstrap");
        let c = command(Preset::Rust, "/opt/my fn/bootstrap", None).unwrap();
        assert_eq!(c.command, "'/opt/my fn/bootstrap'");
    }
}
