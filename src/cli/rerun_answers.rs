//! Where `durable-lens rerun` gets its handler and its answers from the
//! command line: `--handler` or the saved link (`--link FILE`, or the
//! sidecar beside the history), and `--callback`, `--callback-fail`,
//! `--invoke` answers keyed by operation name, id, callback id or place.

use crate::model::ErrorInfo;
use crate::rerun::link::{load_link, read_link, sidecar_path};
use crate::rerun::{Answer, HandlerCommand};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `--handler` wins; otherwise the link file, or the history's sidecar.
/// `--cwd` overrides the link's working directory.
pub fn handler(
    history: &Path,
    handler: Option<&str>,
    cwd: Option<&PathBuf>,
    link: Option<&Path>,
) -> Result<HandlerCommand> {
    let linked = match link {
        Some(path) => Some(read_link(path)?),
        None if handler.is_none() => load_link(history)?,
        None => None,
    };
    let mut cmd = match (handler, linked) {
        (Some(h), _) => HandlerCommand {
            command: h.to_string(),
            cwd: None,
            env: Vec::new(),
        },
        (None, Some(l)) => l,
        (None, None) => bail!(
            "no handler to run: pass --handler CMD or --link FILE, or link one in the app (it saves {})",
            sidecar_path(history).display()
        ),
    };
    if let Some(c) = cwd {
        cmd.cwd = Some(c.clone());
    }
    Ok(cmd)
}

fn split<'a>(flag: &str, arg: &'a str) -> Result<(&'a str, &'a str)> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v)),
        _ => bail!("{flag} {arg:?}: expected NAME_OR_ID=VALUE"),
    }
}

fn json_text(flag: &str, key: &str, value: &str) -> Result<String> {
    // The SDKs deserialise the answer as JSON: refuse what they would choke on.
    serde_json::from_str::<serde_json::Value>(value).with_context(|| {
        format!("{flag} {key}={value}: not JSON (quote strings: {key}='\"approved\"')")
    })?;
    Ok(value.to_string())
}

/// The answers the flags give, by key.
pub fn answers(
    callbacks: &[String],
    callback_fails: &[String],
    invokes: &[String],
) -> Result<HashMap<String, Answer>> {
    let mut out = HashMap::new();
    for a in callbacks {
        let (k, v) = split("--callback", a)?;
        out.insert(
            k.to_string(),
            Answer::Succeed(json_text("--callback", k, v)?),
        );
    }
    for a in invokes {
        let (k, v) = split("--invoke", a)?;
        out.insert(k.to_string(), Answer::Succeed(json_text("--invoke", k, v)?));
    }
    for a in callback_fails {
        let (k, v) = split("--callback-fail", a)?;
        out.insert(
            k.to_string(),
            Answer::Fail(ErrorInfo {
                error_type: Some("Error".into()),
                message: Some(v.to_string()),
                ..ErrorInfo::default()
            }),
        );
    }
    Ok(out)
}
