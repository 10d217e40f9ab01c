//! `follow`, `answer` and `stop`: a running execution in the durable
//! execution service, followed as it runs or acted on (never a file).

use super::output::{Out, Style};
use super::schema::ExecutionReport;
use crate::live::{pending_callback, CallbackAnswer, FetchOptions, Follower, Service};
use crate::model::History;
use crate::replay::analyze;
use anyhow::{bail, Result};
use clap::Args;
use std::io::Write;

#[derive(Args, Debug)]
pub struct AnswerArgs {
    /// The execution's ARN (or the local service's id, with an endpoint).
    pub execution: String,
    /// The callback: its operation name, operation id or callback id.
    pub callback: String,
    /// Succeed the callback with this result (JSON: '{"approved": true}', '"yes"').
    #[arg(long, value_name = "JSON", group = "answer")]
    pub result: Option<String>,
    /// Fail the callback with this error message.
    #[arg(long, value_name = "MESSAGE", group = "answer")]
    pub fail: Option<String>,
    /// The error type of --fail.
    #[arg(long, requires = "fail")]
    pub error_type: Option<String>,
    /// Send a heartbeat (the callback keeps waiting).
    #[arg(long, group = "answer")]
    pub heartbeat: bool,
}

fn service(what: &str) -> Result<Service> {
    Ok(Service::connect(&super::service_args().config(), what)?)
}

/// A service execution, refused when the argument names a file.
fn service_execution(arg: &str) -> Result<()> {
    let endpoint = super::service_args().endpoint_url;
    let given = crate::live::source::endpoint_given(endpoint.as_deref());
    if !crate::live::source::names_service_execution(arg, given) {
        bail!("{arg}: not an execution in the service (an ARN, or with --endpoint-url the local service's id); a file cannot be followed or acted on");
    }
    Ok(())
}

pub fn follow(execution: &str, as_json: bool, style: Style) -> Result<i32> {
    service_execution(execution)?;
    let svc = service(execution)?;
    let opts = FetchOptions::default();
    let (mut follower, history) = Follower::start(&svc, execution, &opts)?;
    let mut out = Out::stdout();
    let mut shown = 0;
    shown = show_new(&mut out, &history, shown, follower.ended(), as_json, style)?;
    while !follower.ended() {
        let polled = follower.wait_and_poll(&opts)?;
        if let Some(h) = &polled.history {
            shown = show_new(&mut out, h, shown, polled.ended, as_json, style)?;
        }
    }
    if as_json {
        writeln!(out, "{}", serde_json::json!({ "ended": follower.status() }))?;
    } else {
        writeln!(out, "{} {}", style.bold("ended:"), follower.status())?;
    }
    out.flush()?;
    Ok(0)
}

/// Print the invocations after the first `shown` that have ended (all of
/// them once the execution has); the new count.
fn show_new(
    out: &mut Out,
    h: &History,
    shown: usize,
    ended: bool,
    as_json: bool,
    style: Style,
) -> Result<usize> {
    let Some(e) = h.executions.first() else {
        return Ok(shown);
    };
    let a = analyze(e);
    let report = ExecutionReport::of(1, e, &a);
    let mut n = shown;
    for inv in report.invocations.iter().skip(shown) {
        if inv.end.is_none() && !ended {
            break;
        }
        n += 1;
        if as_json {
            writeln!(out, "{}", serde_json::json!({ "invocation": inv }))?;
            continue;
        }
        let switches = inv
            .switches
            .iter()
            .map(|s| {
                let ctx = if s.context.is_empty() {
                    "root".to_string()
                } else {
                    s.context.join(" › ")
                };
                format!("{ctx} position {} ({})", s.position, s.operation)
            })
            .collect::<Vec<_>>()
            .join("; ");
        let waiting = if inv.waiting_on.is_empty() {
            String::new()
        } else {
            format!(", waiting on {}", inv.waiting_on.join(", "))
        };
        writeln!(
            out,
            "{} replayed {}, executed {}, switch at {}, {}{waiting}",
            style.bold(&format!("invocation {}:", inv.index)),
            inv.replayed,
            inv.executed,
            if switches.is_empty() {
                "—".into()
            } else {
                switches
            },
            inv.outcome,
        )?;
    }
    out.flush()?;
    Ok(n)
}

pub fn answer(args: &AnswerArgs) -> Result<i32> {
    service_execution(&args.execution)?;
    let answer = match (&args.result, &args.fail, args.heartbeat) {
        (Some(json), None, false) => {
            CallbackAnswer::succeed(json).map_err(|e| anyhow::anyhow!("--result: {e}"))?
        }
        (None, Some(message), false) => CallbackAnswer::Fail {
            error_type: args.error_type.clone(),
            message: message.clone(),
        },
        (None, None, true) => CallbackAnswer::Heartbeat,
        _ => bail!("answer: give one of --result JSON, --fail MESSAGE or --heartbeat"),
    };
    let svc = service(&args.execution)?;
    let h = svc.fetch(&args.execution, &FetchOptions::default())?;
    let Some(exec) = h.executions.first() else {
        bail!("{}: holds no execution", args.execution);
    };
    let op = pending_callback(exec, &args.callback)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.execution))?;
    let callback_id = op.callback_id.as_deref().unwrap_or_default();
    let what = format!(
        "callback '{}' of {}",
        op.name.as_deref().unwrap_or(&op.id),
        args.execution
    );
    svc.answer_callback(callback_id, &what, &answer)?;
    eprintln!(
        "sent {} to {what}",
        match answer {
            CallbackAnswer::Succeed(_) => "the result",
            CallbackAnswer::Fail { .. } => "the failure",
            CallbackAnswer::Heartbeat => "a heartbeat",
        }
    );
    Ok(0)
}

pub fn stop(execution: &str, error_type: Option<&str>, message: Option<&str>) -> Result<i32> {
    service_execution(execution)?;
    let svc = service(execution)?;
    let error = match (error_type, message) {
        (None, None) => None,
        (t, m) => Some((
            t.map(str::to_string),
            m.unwrap_or("stopped by durable-lens").to_string(),
        )),
    };
    svc.stop(execution, error)?;
    eprintln!("stopped {execution}");
    Ok(0)
}
