//! Plays Lambda for one execution: invoke the handler with the current
//! execution state, read its output, and while it answers PENDING advance a
//! virtual clock (waits end at once, retry backoffs are skipped), answer
//! callbacks and chained invokes, and invoke again until the execution ends.

use super::process::{HandlerCommand, HoldMeter, ProcessError, Running, Stopper};
use super::runtime_api::{Invocation, Reply, RuntimeApi};
use super::service::Service;
use super::state::Rejection;
use super::wire::{error_info, parse_ts, ts_millis, InvocationOutput, WireOp};
use crate::model::{ErrorInfo, OpStatus, OpType, Ts};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Whether a Runtime API process serves the next invocation too.
    pub reuse: Reuse,
}

/// How handler processes are reused. A process that speaks the Runtime API
/// stays up between invocations (warm, as in a Lambda execution
/// environment) unless `cold`; `recycle_after` starts a new one after that
/// many invocations. A stdin/stdout handler exits after each answer, so it
/// is cold whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reuse {
    pub cold: bool,
    pub recycle_after: Option<usize>,
}

impl Reuse {
    fn keeps(&self, served: usize) -> bool {
        !self.cold && self.recycle_after.is_none_or(|n| served < n)
    }
}

impl InvokerConfig {
    pub fn new(handler: HandlerCommand) -> InvokerConfig {
        InvokerConfig {
            handler,
            timeout: Duration::from_secs(60),
            page_size: 1000,
            max_invocations: 200,
            reuse: Reuse::default(),
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

/// `invocation` fields are 0-based indices within the run; the messages
/// number invocations from 1, as the CLI and the app do.
#[derive(Debug, thiserror::Error)]
pub enum InvokerError {
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("invocation {}: the handler did not finish within {secs:.1}s and was killed{}", .invocation + 1, tail(.stderr))]
    Timeout {
        invocation: usize,
        secs: f64,
        stderr: String,
    },
    #[error("invocation {}: the handler was killed by signal {signal}{}", .invocation + 1, tail(.stderr))]
    Crashed {
        invocation: usize,
        signal: i32,
        stderr: String,
    },
    #[error("invocation {}: the handler exited with status {code}{}{}", .invocation + 1, .error.as_ref().map(|e| format!(": {e}")).unwrap_or_default(), tail(.stderr))]
    NonZeroExit {
        invocation: usize,
        code: i32,
        error: Option<Box<ErrorInfo>>,
        stderr: String,
    },
    #[error("invocation {}: the handler raised {}{}", .invocation + 1, .error, tail(.stderr))]
    HandlerError {
        invocation: usize,
        error: Box<ErrorInfo>,
        stderr: String,
    },
    #[error("invocation {}: the runtime could not start the handler (Runtime API init error): {}{}", .invocation + 1, .error, tail(.stderr))]
    InitError {
        invocation: usize,
        error: Box<ErrorInfo>,
        stderr: String,
    },
    #[error("invocation {}: the runtime exited ({how}) before answering it through the Runtime API{}", .invocation + 1, tail(.stderr))]
    RuntimeExited {
        invocation: usize,
        how: String,
        stderr: String,
    },
    #[error("invocation {}: the handler's Runtime API response is not an invocation output ({reason}); it began with {excerpt:?}", .invocation + 1)]
    GarbageResponse {
        invocation: usize,
        reason: String,
        excerpt: String,
    },
    #[error("invocation {}: the handler's stdout is not an invocation output ({reason}); stdout began with {excerpt:?}", .invocation + 1)]
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
    #[error("invocation {} answered PENDING but nothing it waits on can advance (no started wait, retry, callback or chained invoke)", .invocation + 1)]
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
    pub stopper: &'a Arc<Stopper>,
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

    /// The function's name, from the execution ARN
    /// (`…:function:NAME/durable-execution/…`).
    fn function_name(&self) -> String {
        let arn = self.service.with_state(|s| s.arn.clone());
        arn.split_once(":function:")
            .map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or(rest))
            .filter(|n| !n.is_empty())
            .unwrap_or("handler")
            .to_string()
    }

    fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{REGION}:000000000000:function:{}",
            self.function_name()
        )
    }

    /// The environment Lambda gives a function (the runtime interface
    /// clients and `lambda_runtime` read it), pointed at the loopback
    /// checkpoint service and, for `runtime_api`, the Runtime API.
    fn env(&self, runtime_api: &str) -> Vec<(String, String)> {
        let c = self.credentials;
        let name = self.function_name();
        let task_root = self
            .config
            .handler
            .cwd
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .and_then(|d| std::fs::canonicalize(&d).ok().or(Some(d)))
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        [
            ("AWS_ENDPOINT_URL_LAMBDA", self.service.endpoint()),
            ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.clone()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_DEFAULT_REGION", REGION.to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            ("AWS_MAX_ATTEMPTS", "1".to_string()),
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_string()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "durable-lens".to_string()),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
            ("LAMBDA_TASK_ROOT", task_root),
            ("TZ", ":UTC".to_string()),
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
        // The process kept warm between invocations; dropped (its tree
        // killed) when the run ends, however it ends.
        let mut warm: Option<Warm> = None;
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
            let p = self.serve(&mut warm, &request_id, input)?;
            let end = self.service.with_state(|s| s.clock.now());
            let parsed = match &p.reply {
                Some(Reply::Response(body)) => parse_output(&String::from_utf8_lossy(body)),
                Some(_) => Err("the handler answered with an error".into()),
                None => parse_output(&p.stdout),
            };
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
            let out = match p.reply {
                Some(Reply::Response(body)) => {
                    parsed.map_err(|reason| InvokerError::GarbageResponse {
                        invocation: index,
                        reason,
                        excerpt: String::from_utf8_lossy(&body).chars().take(200).collect(),
                    })?
                }
                Some(Reply::Error { error_type, body }) => {
                    return Err(InvokerError::HandlerError {
                        invocation: index,
                        error: Box::new(reply_error(error_type, &body)),
                        stderr: p.stderr,
                    })
                }
                Some(Reply::InitError { error_type, body }) => {
                    return Err(InvokerError::InitError {
                        invocation: index,
                        error: Box::new(reply_error(error_type, &body)),
                        stderr: p.stderr,
                    })
                }
                None => {
                    if let Some(signal) = p.signal {
                        return Err(InvokerError::Crashed {
                            invocation: index,
                            signal,
                            stderr: p.stderr,
                        });
                    }
                    if p.runtime {
                        return Err(InvokerError::RuntimeExited {
                            invocation: index,
                            how: match p.exit_code {
                                Some(c) => format!("status {c}"),
                                None => "no status".into(),
                            },
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
                    parsed.map_err(|reason| InvokerError::GarbageOutput {
                        invocation: index,
                        reason,
                        excerpt: p.stdout.chars().take(200).collect(),
                    })?
                }
            };
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

    /// One invocation: handed to the warm process through the Runtime API,
    /// or to a new process (with a Runtime API of its own and the event on
    /// stdin), which then either calls `/next` or answers on stdout and
    /// exits. Waits for the answer, the process's exit, the timeout (not
    /// counting time held at a pause) or a stop, whichever comes first.
    fn serve(
        &self,
        warm: &mut Option<Warm>,
        request_id: &str,
        input: Vec<u8>,
    ) -> Result<Served, InvokerError> {
        // A warm process that exited between invocations is replaced.
        if let Some(w) = warm.as_mut() {
            if w.process.try_exit()?.is_some() {
                *warm = None;
            }
        }
        let mut w = match warm.take() {
            Some(w) => w,
            None => {
                let api = RuntimeApi::start().map_err(|e| {
                    InvokerError::Process(ProcessError::Spawn {
                        command: self.config.handler.command.clone(),
                        source: std::io::Error::other(e.to_string()),
                    })
                })?;
                let mut env = self.env(&api.address());
                env.push(("DURABLE_LENS_REQUEST_ID".into(), request_id.to_string()));
                // Whatever the user's shell says about AWS must not leak into
                // a run against the loopback service.
                let remove = [
                    "AWS_SESSION_TOKEN",
                    "AWS_PROFILE",
                    "AWS_ENDPOINT_URL",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                ];
                let process = Running::spawn(
                    &self.config.handler,
                    input.clone(),
                    &env,
                    &remove,
                    self.stopper,
                )?;
                Warm {
                    process,
                    api,
                    served: 0,
                }
            }
        };
        let timeout_ms = self.config.timeout.as_millis();
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        w.api.offer(Invocation {
            request_id: request_id.to_string(),
            event: input,
            deadline_ms: now_ms + timeout_ms,
            function_arn: self.function_arn(),
            trace_id: trace_id(request_id, now_ms),
        });
        let started = Instant::now();
        let held_at_start = self.hold.total();
        let mut timed_out = false;
        let mut ending: Option<Instant> = None;
        let pid = w.process.pid();
        let exited = loop {
            // An answer after the deadline (or a stop) is not taken: the
            // invocation has ended, as in Lambda.
            if ending.is_none() {
                if let Some(reply) = w.api.wait_reply(Duration::from_millis(5)) {
                    break Err(reply);
                }
            } else {
                std::thread::sleep(Duration::from_millis(5));
            }
            if let Some(st) = w.process.try_exit()? {
                break Ok(st);
            }
            let active = started
                .elapsed()
                .saturating_sub(self.hold.total().saturating_sub(held_at_start));
            match ending {
                None if active > self.config.timeout || self.stopper.is_stopped() => {
                    timed_out = active > self.config.timeout;
                    w.process.terminate();
                    ending = Some(Instant::now());
                }
                Some(t) if t.elapsed() > super::process::STOP_GRACE => w.process.kill_group(),
                _ => {}
            }
        };
        let runtime = w.api.next_calls() > 0;
        match exited {
            // Answered through the Runtime API: keep the process warm, or end it.
            Err(reply) => {
                w.served += 1;
                let keep = matches!(reply, Reply::Response(_) | Reply::Error { .. })
                    && self.config.reuse.keeps(w.served);
                let (mut stdout, mut stderr) = w.process.take_output();
                let (mut exit_code, mut signal) = (None, None);
                if keep {
                    *warm = Some(w);
                } else {
                    let f = w.process.finish()?;
                    stdout.push_str(&f.stdout);
                    stderr.push_str(&f.stderr);
                    (exit_code, signal) = (f.exit_code, f.signal);
                }
                Ok(Served {
                    pid,
                    stdout,
                    stderr,
                    exit_code,
                    signal,
                    timed_out: false,
                    stopped: false,
                    runtime: true,
                    reply: Some(reply),
                })
            }
            Ok(_) => {
                // It may have answered just before it exited.
                let reply = w.api.wait_reply(Duration::ZERO);
                let f = w.process.finish()?;
                Ok(Served {
                    pid,
                    stdout: f.stdout,
                    stderr: f.stderr,
                    exit_code: f.exit_code,
                    signal: f.signal,
                    timed_out,
                    stopped: self.stopper.is_stopped() && !timed_out,
                    runtime,
                    reply: if timed_out { None } else { reply },
                })
            }
        }
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

/// A handler process and the Runtime API it was given.
struct Warm {
    process: Running,
    api: RuntimeApi,
    /// Invocations it answered.
    served: usize,
}

/// How one invocation was served.
struct Served {
    pid: u32,
    /// What the process wrote during the invocation.
    stdout: String,
    stderr: String,
    /// Set when the process ended with the invocation.
    exit_code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    stopped: bool,
    /// The process called `/next`: it speaks the Runtime API.
    runtime: bool,
    /// Its answer through the Runtime API.
    reply: Option<Reply>,
}

/// An error a runtime posted (`{errorMessage, errorType, stackTrace}`).
fn reply_error(error_type: Option<String>, body: &[u8]) -> ErrorInfo {
    let v: Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| json!({"errorMessage": String::from_utf8_lossy(body)}));
    let mut e = error_info(&v);
    if e.error_type.is_none() {
        e.error_type = error_type;
    }
    e
}

/// An X-Ray trace header of the form Lambda hands the runtime.
fn trace_id(request_id: &str, now_ms: u128) -> String {
    let h = request_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!(
        "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
        (now_ms / 1000) as u32,
        u128::from(h),
        h
    )
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
