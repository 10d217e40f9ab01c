//! Recognise the SDKs' non-determinism errors in a failed execution and pin
//! each to its operation, context path and 1-based position, restated in the
//! plain "Replay consistency violation" form. The SDK texts are in
//! `docs/formats.md` §7.

use super::contexts::{self, Context, Place};
use crate::model::{ErrorInfo, Execution, OpSig, OpType, Sdk};
use std::collections::HashSet;

/// Which part of the operation's identity differed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    Name,
    Type,
    SubType,
    Parent,
    /// Recognised as non-determinism, but the detail could not be read.
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// Which SDK's wording was recognised.
    pub sdk: Sdk,
    /// The SDK's own error text, verbatim.
    pub sdk_text: String,
    pub error_type: Option<String>,
    pub mismatch: Mismatch,
    /// The value the checkpoint holds and the value the code produced.
    pub checkpoint_value: Option<String>,
    pub current_value: Option<String>,
    /// The recorded operation at that place (index into operations).
    pub op: Option<usize>,
    /// Index into `Analysis::contexts`.
    pub context: Option<usize>,
    pub context_path: Vec<String>,
    pub position: Option<u32>,
    /// The invocation that failed with this error (0-based), when known.
    pub invocation: Option<usize>,
    /// What the checkpoint recorded and what the code asked for instead.
    pub expected: Option<OpSig>,
    pub found: Option<OpSig>,
    /// The plain form: `Replay consistency violation: Expected operation ...`.
    pub plain: String,
}

/// The fields of a non-determinism error text, before it is pinned to the
/// history. Public so the re-run engine can read a handler's output with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedError {
    pub sdk: Sdk,
    pub mismatch: Mismatch,
    /// Python: the operation id. JS: the step id (`2`, or `<parent id>-2`).
    pub at: Option<String>,
    pub checkpoint_value: Option<String>,
    pub current_value: Option<String>,
}

/// Read an SDK non-determinism error text; `None` when it is not one.
pub fn diagnose_error_text(text: &str) -> Option<ParsedError> {
    if let Some(rest) = after(text, "Non-deterministic operation identity at id='") {
        // Python: ...at id='<id>': name checkpoint='a' current='b'
        let (id, rest) = rest.split_once('\'')?;
        let rest = rest.trim_start_matches(':').trim_start();
        let (field, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        return Some(ParsedError {
            sdk: Sdk::Python,
            mismatch: field_kind(field),
            at: Some(id.to_string()),
            checkpoint_value: quoted_after(rest, "checkpoint="),
            current_value: quoted_after(rest, "current="),
        });
    }
    if let Some(rest) = after(text, "Non-deterministic execution detected") {
        // JS: Operation name mismatch for step "2". Expected name "a", but got "b".
        let field = after(rest, "Operation ")
            .and_then(|r| r.split_once(" mismatch"))
            .map(|(f, _)| f);
        return Some(ParsedError {
            sdk: Sdk::Js,
            mismatch: field.map_or(Mismatch::Unknown, field_kind),
            at: quoted_after(rest, "for step "),
            checkpoint_value: after(rest, "Expected ").and_then(|r| quoted_after(r, "")),
            current_value: quoted_after(rest, "but got "),
        });
    }
    if let Some(rest) = after(text, "operation at wire id ") {
        // Rust (aws-durable-execution-sdk, OperationMismatch): operation at
        // wire id <id> does not match checkpoint: expected STEP/Step named
        // "a", got Step/Step named "b" (the checkpoint's type in the wire's
        // case, the code's in Rust's).
        let (id, rest) = rest.split_once(' ')?;
        let rest = after(rest, "does not match checkpoint: expected ")?;
        let (expected, got) = rest.split_once(", got ")?;
        let (e, g) = (rust_identity(expected), rust_identity(got));
        let (mismatch, checkpoint_value, current_value) = if e.2 != g.2 {
            (Mismatch::Name, e.2, g.2)
        } else if e.0 != g.0 {
            (Mismatch::Type, Some(e.0), Some(g.0))
        } else if e.1 != g.1 {
            (Mismatch::SubType, e.1, g.1)
        } else {
            (Mismatch::Unknown, None, None)
        };
        return Some(ParsedError {
            sdk: Sdk::Rust,
            mismatch,
            at: Some(id.to_string()),
            checkpoint_value,
            current_value,
        });
    }
    None
}

/// `Step/Step named "x"` → (`STEP`, `Step`, `x`): the type in the wire's
/// upper snake case (the Rust SDK prints the code's side as `ChainedInvoke`).
fn rust_identity(s: &str) -> (String, Option<String>, Option<String>) {
    let (kinds, name) = match s.split_once(" named \"") {
        Some((k, n)) => (k, n.split('"').next().map(str::to_string)),
        None => (s.split_whitespace().next().unwrap_or(s), None),
    };
    let (ty, sub) = match kinds.split_once('/') {
        Some((t, st)) => (t, Some(st.to_string())),
        None => (kinds, None),
    };
    let mut wire = String::new();
    let mut prev_lower = false;
    for c in ty.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            wire.push('_');
        }
        prev_lower = c.is_ascii_lowercase();
        wire.push(c.to_ascii_uppercase());
    }
    (wire, sub, name)
}

fn field_kind(f: &str) -> Mismatch {
    match f.to_ascii_lowercase().as_str() {
        "name" => Mismatch::Name,
        "type" => Mismatch::Type,
        "subtype" | "sub_type" => Mismatch::SubType,
        "parent_id" | "parent" => Mismatch::Parent,
        _ => Mismatch::Unknown,
    }
}

fn after<'a>(s: &'a str, pat: &str) -> Option<&'a str> {
    s.find(pat).map(|i| &s[i + pat.len()..])
}

/// The first quoted ('…' or "…") value after `pat`.
fn quoted_after(s: &str, pat: &str) -> Option<String> {
    let rest = after(s, pat)?;
    let start = rest.find(['\'', '"'])?;
    let q = rest[start..].chars().next()?;
    let body = &rest[start + 1..];
    body.find(q).map(|end| body[..end].to_string())
}

/// Every `field checkpoint='a' current='b'` of a Python identity error, in
/// order, as (field, current value).
fn python_fields(text: &str) -> Vec<(Mismatch, Option<String>)> {
    let Some(rest) = after(text, "Non-deterministic operation identity at id='") else {
        return Vec::new();
    };
    let Some((_, mut rest)) = rest.split_once("':") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        let Some((field, tail)) = rest.split_once(" checkpoint=") else {
            break;
        };
        // Skip the checkpoint value (quoted), then read the current one.
        let Some(q) = tail.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            break;
        };
        let Some(end) = tail[1..].find(q) else { break };
        let tail = &tail[1 + end + 1..];
        let Some(cur) = after(tail, "current=") else {
            break;
        };
        let Some(q) = cur.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            break;
        };
        let Some(end) = cur[1..].find(q) else { break };
        out.push((field_kind(field.trim()), Some(cur[1..1 + end].to_string())));
        rest = &cur[1 + end + 1..];
    }
    out
}

pub fn diagnose(exec: &Execution, contexts: &[Context], places: &[Place]) -> Vec<Diagnosis> {
    // Every place an error can be recorded, with the invocation it belongs to.
    let mut texts: Vec<(Option<usize>, &ErrorInfo)> = Vec::new();
    for (k, inv) in exec.invocations.iter().enumerate() {
        if let Some(e) = &inv.error {
            texts.push((Some(k), e));
        }
    }
    if let Some(e) = &exec.error {
        let last = exec.invocations.len().checked_sub(1);
        texts.push((last, e));
    }
    for op in &exec.operations {
        if let Some(e) = &op.error {
            texts.push((None, e));
        }
    }

    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (invocation, err) in texts {
        let Some(msg) = err.message.as_deref() else {
            continue;
        };
        let Some(parsed) = diagnose_error_text(msg) else {
            continue;
        };
        if !seen.insert(msg.to_string()) {
            continue;
        }
        out.push(pin(
            exec,
            contexts,
            places,
            parsed,
            msg,
            err.error_type.clone(),
            invocation,
        ));
    }
    out
}

fn pin(
    exec: &Execution,
    contexts: &[Context],
    places: &[Place],
    p: ParsedError,
    text: &str,
    error_type: Option<String>,
    invocation: Option<usize>,
) -> Diagnosis {
    let (op, context, position) = locate(exec, contexts, places, &p);
    let recorded = op.map(|i| OpSig::of(&exec.operations[i]));
    let (expected, found) = match &recorded {
        Some(r) => {
            let mut e = r.clone();
            let mut f = r.clone();
            match p.mismatch {
                Mismatch::Name => {
                    e.name = p.checkpoint_value.clone().or(e.name);
                    f.name = p.current_value.clone();
                }
                Mismatch::Type => {
                    if let Some(t) = p.checkpoint_value.as_deref().and_then(OpType::parse) {
                        e.op_type = t;
                    }
                    match p.current_value.as_deref().and_then(OpType::parse) {
                        Some(t) => f.op_type = t,
                        None => f.name = None,
                    }
                    if p.sdk == Sdk::Js {
                        // The JS SDK's type mismatch names only the type the
                        // code asked for (`Expected type "STEP", but got
                        // "WAIT"`): its name is unknown, not the recorded one.
                        f.name = None;
                        f.sub_type = None;
                    }
                }
                Mismatch::SubType => {
                    e.sub_type = p.checkpoint_value.clone().or(e.sub_type);
                    f.sub_type = p.current_value.clone();
                }
                Mismatch::Parent | Mismatch::Unknown => {}
            }
            if p.sdk == Sdk::Python {
                // Python lists every field that differs (`type checkpoint=
                // 'STEP' current='WAIT', subtype …, name checkpoint=
                // 'audit-log' current='settle'`): the code's operation is
                // all of them, not the recorded one with its type changed.
                for (m, current) in python_fields(text) {
                    match m {
                        Mismatch::Name => f.name = current,
                        Mismatch::SubType => f.sub_type = current,
                        Mismatch::Type => {
                            if let Some(t) = current.as_deref().and_then(OpType::parse) {
                                f.op_type = t;
                            }
                        }
                        Mismatch::Parent | Mismatch::Unknown => {}
                    }
                }
            }
            (Some(e), Some(f))
        }
        None => (None, None),
    };
    let context_path = context
        .map(|c| contexts::names(contexts, c))
        .unwrap_or_default();
    let plain = plain_message(
        &p,
        expected.as_ref(),
        found.as_ref(),
        position,
        &context_path,
    );
    Diagnosis {
        sdk: p.sdk,
        sdk_text: text.to_string(),
        error_type,
        mismatch: p.mismatch,
        checkpoint_value: p.checkpoint_value,
        current_value: p.current_value,
        op,
        context,
        context_path,
        position,
        invocation,
        expected,
        found,
        plain,
    }
}

/// Find the recorded operation the error is about: by id for Python; for JS
/// by the step id, the un-hashed chain of 1-based counters from the root
/// (`2`, or `2-1` for the first operation inside the context at position 2).
fn locate(
    exec: &Execution,
    contexts: &[Context],
    places: &[Place],
    p: &ParsedError,
) -> (Option<usize>, Option<usize>, Option<u32>) {
    let Some(at) = p.at.as_deref() else {
        return (None, None, None);
    };
    if let Some(i) = exec.op_index(at) {
        return (Some(i), Some(places[i].context), Some(places[i].position));
    }
    let Some(chain) = js_step_chain(at) else {
        return (None, None, None);
    };
    let Some((&position, key)) = chain.split_last() else {
        return (None, None, None);
    };
    let context = contexts::find(contexts, key);
    let op = context.and_then(|c| contexts[c].children.get(position as usize - 1).copied());
    (op, context, Some(position))
}

/// A JS step id as the chain of 1-based per-context counters it is made
/// of: `2` → [2], `2-1` → [2, 1]. `None` for anything else (a hashed id).
/// The re-run places SDK-detected divergences with it too.
pub(crate) fn js_step_chain(at: &str) -> Option<Vec<u32>> {
    at.split('-')
        .map(|c| c.parse::<u32>().ok().filter(|&n| n > 0))
        .collect()
}

/// The plain wording of the replay model write-ups, with the context path
/// appended for nested contexts.
pub fn plain_message(
    p: &ParsedError,
    expected: Option<&OpSig>,
    found: Option<&OpSig>,
    position: Option<u32>,
    context_path: &[String],
) -> String {
    let pos = position.map_or("an unknown position".to_string(), |n| {
        format!("position {n}")
    });
    let ctx = if context_path.is_empty() {
        String::new()
    } else {
        format!(" in context '{}'", context_path.join(" › "))
    };
    match (expected, found) {
        (Some(e), Some(f)) if f.name.is_none() && f.sub_type.is_none() => format!(
            "Replay consistency violation: Expected operation {} at {pos}{ctx}, but found an operation of type {}",
            e.describe(),
            f.op_type
        ),
        (Some(e), Some(f)) => {
            let sub = |s: &OpSig| match (p.mismatch, &s.sub_type) {
                (Mismatch::SubType, Some(st)) => format!(" (subtype {st})"),
                _ => String::new(),
            };
            format!(
                "Replay consistency violation: Expected operation {}{} at {pos}{ctx}, but found operation {}{}",
                e.describe(),
                sub(e),
                f.describe(),
                sub(f)
            )
        }
        _ => format!(
            "Replay consistency violation at {pos}{ctx}: checkpoint {} '{}', code {} '{}'",
            mismatch_word(p.mismatch),
            p.checkpoint_value.as_deref().unwrap_or("?"),
            mismatch_word(p.mismatch),
            p.current_value.as_deref().unwrap_or("?")
        ),
    }
}

fn mismatch_word(m: Mismatch) -> &'static str {
    match m {
        Mismatch::Name => "name",
        Mismatch::Type => "type",
        Mismatch::SubType => "subtype",
        Mismatch::Parent => "parent",
        Mismatch::Unknown => "identity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_text_is_parsed() {
        let p = diagnose_error_text("Non-deterministic operation identity at id='abc': name checkpoint='process-payment' current='send-email'").unwrap();
        assert_eq!(p.sdk, Sdk::Python);
        assert_eq!(p.mismatch, Mismatch::Name);
        assert_eq!(p.at.as_deref(), Some("abc"));
        assert_eq!(p.checkpoint_value.as_deref(), Some("process-payment"));
        assert_eq!(p.current_value.as_deref(), Some("send-email"));
    }

    #[test]
    fn js_text_is_parsed() {
        let p = diagnose_error_text("[Unrecoverable Execution] Non-deterministic execution detected: Operation name mismatch for step \"2\". Expected name \"process-payment\", but got \"send-email\". This indicates non-deterministic control flow in your workflow code.").unwrap();
        assert_eq!(p.sdk, Sdk::Js);
        assert_eq!(p.mismatch, Mismatch::Name);
        assert_eq!(p.at.as_deref(), Some("2"));
        assert_eq!(p.checkpoint_value.as_deref(), Some("process-payment"));
        assert_eq!(p.current_value.as_deref(), Some("send-email"));
        let t = diagnose_error_text("Non-deterministic execution detected: Operation type mismatch for step \"3\". Expected type \"STEP\", but got \"WAIT\".").unwrap();
        assert_eq!(t.mismatch, Mismatch::Type);
        assert_eq!(t.current_value.as_deref(), Some("WAIT"));
    }

    #[test]
    fn python_text_with_several_fields_gives_each() {
        // The SDK's own text for a step removed before a wait.
        let t = "Non-deterministic operation identity at id='c5fa': type checkpoint='STEP' current='WAIT', subtype checkpoint='Step' current='Wait', name checkpoint='audit-log' current='settle'";
        assert_eq!(
            python_fields(t),
            vec![
                (Mismatch::Type, Some("WAIT".into())),
                (Mismatch::SubType, Some("Wait".into())),
                (Mismatch::Name, Some("settle".into())),
            ]
        );
    }

    #[test]
    fn rust_text_is_parsed() {
        // aws-durable-execution-sdk 0.1.0's OperationMismatch, as a
        // renamed first step made it say (tests/rust-handler).
        let text = "operation error: non_deterministic_execution: operation at wire id 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b does not match checkpoint: expected STEP/Step named \"validate-order\", got Step/Step named \"check-order\"";
        let p = diagnose_error_text(text).unwrap();
        assert_eq!(p.sdk, Sdk::Rust);
        assert_eq!(p.mismatch, Mismatch::Name);
        assert_eq!(
            p.at.as_deref(),
            Some("6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b")
        );
        assert_eq!(p.checkpoint_value.as_deref(), Some("validate-order"));
        assert_eq!(p.current_value.as_deref(), Some("check-order"));
        let t = diagnose_error_text("operation at wire id abc does not match checkpoint: expected STEP/Step named \"a\", got ChainedInvoke/ChainedInvoke named \"a\"").unwrap();
        assert_eq!(t.mismatch, Mismatch::Type);
        assert_eq!(t.current_value.as_deref(), Some("CHAINED_INVOKE"));
        // sha256("1"), as the SDK's own engine test computes it.
        assert_eq!(
            Sdk::Rust.op_id("1").unwrap(),
            "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
        );
    }

    #[test]
    fn other_errors_are_not_diagnosed() {
        assert!(diagnose_error_text("ValueError: card declined").is_none());
    }
}
