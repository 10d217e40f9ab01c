//! Plays Lambda for one execution: invoke the handler with the current
//! execution state, read its output, and while it answers PENDING advance a
//! virtual clock (waits end at once, retry backoffs are skipped), answer
//! callbacks and chained invokes, and invoke again until the execution ends.

use super::process::{run_once, HandlerCommand, HoldMeter, ProcessError, ProcessOutcome, Stopper};
use super::service::Service;
use super::state::Rejection;
use super::wire::{error_info, parse_ts, ts_millis, InvocationOutput, WireOp};
use crate::model::{ErrorInfo, OpStatus, OpType, Ts};
use serde_json::{json, Value};
use std::time::Duration;

/// The region the handler is given; its requests are signed for it.
pub const REGION: &str = "us-east-1";

/// How a callback or chained invoke is answered between invocations.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Succeed(String),
    Fail(ErrorInfo),
    TimedOut,
}

/// Where answers come from: the recorded history, or the user.
pub trait Answerer: Send + Sync {
    /// `None`: no answer known, the run cannot go on. `parent` is the
    /// enclosing context (waitForCallback names the context, not the callback).
    fn answer(&self, op: &WireOp, parent: Option<&WireOp>) -> Option<Answer>;
}

#[derive(Debug, Clone)]
pub struct InvokerConfig {
    pub handler: HandlerCommand,
    /// Per invocation, not counting time held at a pause.
    pub timeout: Duration,
    /// Operations carried in the invocation event; the rest is paged through
    /// GetDurableExecutionState (`NextMarker`), as Lambda does.
    pub page_size: usize,
    /// Guard against a handler that never finishes.
    pub max_invocations: usize,
}

impl InvokerConfig {
    pub fn new(handler: HandlerCommand) -> InvokerConfig {
        InvokerConfig {
            handler,
            timeout: Duration::from_secs(60),
            page_size: 1000,
            max_invocations: 200,
        }
    }
}

/// Credentials unique to one run, from the operating system's randomness:
/// the service answers only requests SigV4-signed with this secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read the operating system's randomness for the run's credentials: {0}")]
pub struct CredentialsError(String);

impl Credentials {
    pub fn generate() -> Result<Credentials, CredentialsError> {
        // 64 bits name the key (it is sent in clear); 160 bits of secret,
        // the size of an AWS secret access key.
        let mut id = [0u8; 8];
        let mut secret = [0u8; 20];
        getrandom::fill(&mut id)
            .and_then(|()| getrandom::fill(&mut secret))
            .map_err(|e| CredentialsError(e.to_string()))?;
        Ok(Credentials {
            access_key_id: format!("AKIALENS{}", hex::encode_upper(id)),
            secret_access_key: hex::encode(secret),
        })
    }
}

/// One handler invocation as it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct InvocationRecord {
    /// 0-based within this run.
    pub index: usize,
    pub request_id: String,
    pub start: Ts,
    pub end: Ts,
    pub pid: u32,
    pub stdout: String,
    pub stderr: String,
    pub exit_code: Option<i32>,
    /// The parsed output, when stdout held one.
    pub output: Option<InvocationOutput>,
}

impl InvocationRecord {
    pub fn status(&self) -> Option<&str> {
        self.output.as_ref().map(|o| o.status.as_str())
    }

    pub fn error(&self) -> Option<ErrorInfo> {
        self.output.as_ref()?.error.as_ref().map(error_info)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    InvocationStarted { index: usize, request_id: String },
    InvocationEnded(Box<InvocationRecord>),
}

/// How the execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub status: OpStatus,
    pub result: Option<String>,
    pub error: Option<ErrorInfo>,
}

#[derive(Debug, thiserror::Error)]
pub enum InvokerError {
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("invocation {invocation}: the handler did not finish within {secs:.1}s and was killed{}", tail(.stderr))]
    Timeout {
        invocation: usize,
        secs: f64,
        stderr: String,
    },
    #[error("invocation {invocation}: the handler was killed by signal {signal}{}", tail(.stderr))]
    Crashed {
        invocation: usize,
        signal: i32,
        stderr: String,
    },
    #[error("invocation {invocation}: the handler exited with status {code}{}{}", .error.as_ref().map(|e| format!(": {e}")).unwrap_or_default(), tail(.stderr))]
    NonZeroExit {
        invocation: usize,
        code: i32,
        error: Option<Box<ErrorInfo>>,
        stderr: String,
    },
    #[error("invocation {invocation}: the handler's stdout is not an invocation output ({reason}); stdout began with {excerpt:?}")]
    GarbageOutput {
        invocation: usize,
        reason: String,
        excerpt: String,
    },
    #[error(
        "invocation {invocation}: the handler sent a checkpoint the service refuses: {rejection}"
    )]
    BogusCheckpoint {
        invocation: usize,
        rejection: Rejection,
    },
    #[error("invocation {invocation} answered PENDING but nothing it waits on can advance (no started wait, retry, callback or chained invoke)")]
    Stuck { invocation: usize },
    #[error("no answer for {kind} {} (id {id}): the recorded history has none; supply one (command line: --callback NAME_OR_ID=JSON, --callback-fail NAME_OR_ID=ERROR or --invoke NAME=JSON; app: the link's answers)", .name.as_deref().map(|n| format!("'{n}'")).unwrap_or_else(|| "(unnamed)".into()))]
    NoAnswer {
        kind: String,
        name: Option<String>,
        id: String,
    },
    #[error("the execution did not end after {0} invocations")]
    TooManyInvocations(usize),
    #[error("stopped")]
    Stopped,
}

fn tail(stderr: &str) -> String {
    let t = stderr.trim_end();
    if t.is_empty() {
        return String::new();
    }
    let start = t
        .char_indices()
        .rev()
        .nth(1500)
        .map(|(i, _)| i)
        .unwrap_or(0);
    format!("; stderr ends with:\n{}", &t[start..])
}

/// Parse the invocation output: the whole stdout, or failing that its last
/// non-empty line (handlers that print to stdout before answering).
pub fn parse_output(stdout: &str) -> Result<InvocationOutput, String> {
    let whole = stdout.trim();
    if whole.is_empty() {
        return Err("stdout is empty".into());
    }
    let parse = |s: &str| -> Result<InvocationOutput, String> {
        let v: Value = serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))?;
        let out: InvocationOutput =
            serde_json::from_value(v).map_err(|e| format!("no Status: {e}"))?;
        match out.status.as_str() {
            "SUCCEEDED" | "FAILED" | "PENDING" => Ok(out),
            other => Err(format!("unknown Status {other:?}")),
        }
    };
    parse(whole).or_else(|first| {
        let last = whole
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if last.len() < whole.len() {
            parse(last.trim()).map_err(|_| first)
        } else {
            Err(first)
        }
    })
}

/// The Lambda-style error object a runner prints when the handler throws.
fn thrown_error(stdout: &str) -> Option<ErrorInfo> {
    let line = stdout.trim().lines().rev().find(|l| !l.trim().is_empty())?;
    let v: Value = serde_json::from_str(line.trim()).ok()?;
    v.get("errorType").or_else(|| v.get("errorMessage"))?;
    Some(error_info(&v))
}

/// Drives one execution against `service`.
pub struct Invoker<'a> {
    pub config: &'a InvokerConfig,
    pub service: &'a Service,
    pub credentials: &'a Credentials,
    pub answerer: &'a dyn Answerer,
    pub stopper: &'a Stopper,
    pub hold: &'a HoldMeter,
    /// Distinguishes request ids across runs of one session.
    pub run_label: String,
}

impl Invoker<'_> {
    fn event(&self, token: &str) -> Value {
        let (arn, all) = self
            .service
            .with_state(|s| (s.arn.clone(), s.all_with_execution()));
        let page = self.config.page_size.max(1);
        let ops: Vec<Value> = all.iter().take(page).map(event_form).collect();
        let mut state = json!({"Operations": ops});
        if all.len() > page {
            state["NextMarker"] = Value::from(page.to_string());
        }
        json!({"DurableExecutionArn": arn, "CheckpointToken": token, "InitialExecutionState": state})
    }

    fn env(&self) -> Vec<(String, String)> {
        let c = self.credentials;
        [
            ("AWS_ENDPOINT_URL_LAMBDA", self.service.endpoint()),
            ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.clone()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_DEFAULT_REGION", REGION.to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            ("AWS_MAX_ATTEMPTS", "1".to_string()),
            // Runner shims answer getRemainingTimeInMillis from this.
            (
                "DURABLE_LENS_TIMEOUT_MS",
                self.config.timeout.as_millis().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Invoke until the execution ends. `first_index` numbers invocations.
    pub fn run(&self, on_event: &mut dyn FnMut(RunEvent)) -> Result<RunOutcome, InvokerError> {
        let env = self.env();
        // Whatever the user's shell says about AWS must not leak into a run
        // against the loopback service.
        let remove = [
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ];
        for index in 0..self.config.max_invocations {
            if self.stopper.is_stopped() {
                return Err(InvokerError::Stopped);
            }
            let (token, rejections_before) = self
                .service
                .with_state(|s| (s.begin_invocation(index), s.rejections.len()));
            let request_id = format!("{}-{index}", self.run_label);
            let input = self.event(&token).to_string().into_bytes();
            on_event(RunEvent::InvocationStarted {
                index,
                request_id: request_id.clone(),
            });
            let start = self.service.with_state(|s| s.clock.now());
            let mut env = env.clone();
            env.push(("DURABLE_LENS_REQUEST_ID".into(), request_id.clone()));
            let p: ProcessOutcome = run_once(
                &self.config.handler,
                input,
                &env,
                &remove,
                self.config.timeout,
                self.stopper,
                self.hold,
            )?;
            let end = self.service.with_state(|s| s.clock.now());
            let parsed = parse_output(&p.stdout);
            let record = InvocationRecord {
                index,
                request_id,
                start,
                end,
                pid: p.pid,
                stdout: p.stdout.clone(),
                stderr: p.stderr.clone(),
                exit_code: p.exit_code,
                output: parsed.as_ref().ok().cloned(),
            };
            on_event(RunEvent::InvocationEnded(Box::new(record)));
            if p.stopped || self.stopper.is_stopped() {
                return Err(InvokerError::Stopped);
            }
            if p.timed_out {
                return Err(InvokerError::Timeout {
                    invocation: index,
                    secs: self.config.timeout.as_secs_f64(),
                    stderr: p.stderr,
                });
            }
            let rejection = self
                .service
                .with_state(|s| s.rejections.get(rejections_before).cloned());
            if let Some(rejection) = rejection {
                return Err(InvokerError::BogusCheckpoint {
                    invocation: index,
                    rejection,
                });
            }
            if let Some(signal) = p.signal {
                return Err(InvokerError::Crashed {
                    invocation: index,
                    signal,
                    stderr: p.stderr,
                });
            }
            match p.exit_code {
                Some(0) | None => {}
                Some(code) => {
                    return Err(InvokerError::NonZeroExit {
                        invocation: index,
                        code,
                        error: thrown_error(&p.stdout).map(Box::new),
                        stderr: p.stderr,
                    })
                }
            }
            let out = parsed.map_err(|reason| InvokerError::GarbageOutput {
                invocation: index,
                reason,
                excerpt: p.stdout.chars().take(200).collect(),
            })?;
            match out.status.as_str() {
                "SUCCEEDED" => {
                    let closed = self.service.with_state(|s| s.execution_close.clone());
                    let result = match &out.result {
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(Value::Null) | None => closed.and_then(|c| c.payload),
                        Some(other) => Some(other.to_string()),
                    };
                    return Ok(RunOutcome {
                        status: OpStatus::Succeeded,
                        result,
                        error: None,
                    });
                }
                "FAILED" => {
                    let closed = self.service.with_state(|s| s.execution_close.clone());
                    let error = out
                        .error
                        .as_ref()
                        .map(error_info)
                        .or_else(|| closed.and_then(|c| c.error).map(|e| error_info(&e)));
                    return Ok(RunOutcome {
                        status: OpStatus::Failed,
                        result: None,
                        error,
                    });
                }
                _ => self.advance(index)?,
            }
        }
        Err(InvokerError::TooManyInvocations(
            self.config.max_invocations,
        ))
    }

    /// Between invocations: fire the earliest timers (jumping the virtual
    /// clock there) and answer every waiting callback and chained invoke.
    fn advance(&self, invocation: usize) -> Result<(), InvokerError> {
        let (timers, waiting) = self.service.with_state(|s| {
            let waiting: Vec<(WireOp, Option<WireOp>)> = s
                .awaiting_answer()
                .into_iter()
                .map(|o| {
                    let parent = o.parent_id.as_deref().and_then(|p| s.get(p)).cloned();
                    (o, parent)
                })
                .collect();
            (s.timers(), waiting)
        });
        let mut answers = Vec::new();
        for (op, parent) in &waiting {
            match self.answerer.answer(op, parent.as_ref()) {
                Some(a) => answers.push((op.id.clone(), a)),
                None => {
                    return Err(InvokerError::NoAnswer {
                        kind: op.op_type.to_lowercase().replace('_', " "),
                        name: op
                            .name
                            .clone()
                            .or_else(|| parent.as_ref().and_then(|p| p.name.clone())),
                        id: op.id.clone(),
                    })
                }
            }
        }
        if timers.is_empty() && answers.is_empty() {
            return Err(InvokerError::Stuck { invocation });
        }
        self.service.with_state(|s| {
            let earliest = timers.iter().filter_map(|(_, t)| *t).min();
            if let Some(t) = earliest {
                s.clock.advance_to(t);
            }
            for (id, due) in &timers {
                if due.is_none() || due <= &earliest {
                    let is_wait = s.get(id).and_then(WireOp::op_type) == Some(OpType::Wait);
                    let status = if is_wait {
                        OpStatus::Succeeded
                    } else {
                        OpStatus::Ready
                    };
                    s.complete(id, status, None, None);
                }
            }
            for (id, a) in answers {
                match a {
                    Answer::Succeed(r) => s.complete(&id, OpStatus::Succeeded, Some(r), None),
                    Answer::Fail(e) => s.complete(
                        &id,
                        OpStatus::Failed,
                        None,
                        Some(super::wire::error_object(&e)),
                    ),
                    Answer::TimedOut => s.complete(&id, OpStatus::TimedOut, None, None),
                };
            }
        });
        Ok(())
    }
}

/// An operation as it goes into an invocation event: timestamps in epoch
/// milliseconds, as the official emulator writes them.
fn event_form(op: &WireOp) -> Value {
    let mut op = op.clone();
    let conv = |v: &mut Option<Value>| {
        if let Some(t) = v.as_ref().and_then(parse_ts_secs) {
            *v = Some(ts_millis(t));
        }
    };
    conv(&mut op.start_timestamp);
    conv(&mut op.end_timestamp);
    for (details, key) in [
        (&mut op.step_details, "NextAttemptTimestamp"),
        (&mut op.wait_details, "ScheduledEndTimestamp"),
    ] {
        if let Some(d) = details.as_mut().and_then(Value::as_object_mut) {
            if let Some(t) = d.get(key).and_then(parse_ts_secs) {
                d.insert(key.into(), ts_millis(t));
            }
        }
    }
    serde_json::to_value(op).unwrap_or(Value::Null)
}

/// The service keeps epoch seconds; recorded operations may carry millis.
fn parse_ts_secs(v: &Value) -> Option<Ts> {
    parse_ts(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_read_from_the_last_line_when_the_handler_printed_before_it() {
        let out = parse_output("hello\n{\"Status\":\"PENDING\"}\n").unwrap();
        assert_eq!(out.status, "PENDING");
        assert!(parse_output("garbage").unwrap_err().contains("not JSON"));
        assert!(parse_output("{\"Status\":\"MAYBE\"}")
            .unwrap_err()
            .contains("MAYBE"));
        assert!(parse_output("").is_err());
    }

    #[test]
    fn credentials_differ_per_run() {
        let (a, b) = (
            Credentials::generate().unwrap(),
            Credentials::generate().unwrap(),
        );
        assert_ne!(a.access_key_id, b.access_key_id);
        assert_ne!(a.secret_access_key, b.secret_access_key);
        assert_eq!(a.secret_access_key.len(), 40);
    }
}
