//! The local durable execution service: an HTTP server on 127.0.0.1 (an
//! ephemeral port) answering the calls the official SDKs make through their
//! standard Lambda client (formats.md §3):
//!
//! - `POST /2025-12-01/durable-executions/{arn}/checkpoint`
//! - `GET  /2025-12-01/durable-executions/{arn}/state` (paged with `Marker`)
//! - `POST /2025-12-01/durable-execution-callbacks/{id}/succeed|fail|heartbeat`
//!
//! Errors are answered the way the AWS REST-JSON protocol carries them
//! (status code, `x-amzn-ErrorType` header, `{"Type","message"}` body), so the
//! SDKs classify them as they would in AWS. Every request must carry a valid
//! SigV4 signature made with this run's secret (`sigv4`); anything else gets
//! a 403. A connection that sends nothing parseable within
//! [`IDLE_TIMEOUT`] is closed, so garbage (a TLS hello) cannot hold it open.

use super::acceptor::{Acceptor, Serve};
use super::invoker::{Credentials, REGION};
use super::sigv4::{SignedRequest, Verifier};
use super::state::ExecState;
use super::wire::OperationUpdate;
use crate::model::Operation;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// Largest request body read (a checkpoint batch is bounded by the SDKs
/// well below this; anything larger is refused unread).
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// How long a connection may go without sending a byte before it is closed
/// (the SDKs send a whole request at once, and their pools notice a closed
/// idle connection before reusing it). The 2,000-step loop that once hung
/// at 390-460 steps with 5 s did so because the listener stopped accepting
/// after 5 s without a new connection and tiny_http then stopped answering
/// every open one (`acceptor` keeps the port accepting), not because of the
/// idle close itself.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(String),
}

/// What the service tells the session about an accepted checkpoint, before
/// it answers the handler. The gate may block to hold the handler there.
#[derive(Debug, Clone)]
pub struct CheckpointNotice {
    pub invocation: usize,
    pub updates: Vec<OperationUpdate>,
    /// Every operation the answer reports changed (the batch's, and any a
    /// callback call changed since), as the history will show it after
    /// this batch: a step whose START and SUCCEED came in one batch is
    /// already SUCCEEDED here.
    pub ops: Vec<Operation>,
}

/// What the gate decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateDecision {
    /// Answer the handler normally.
    Proceed,
    /// The run is being stopped: answer with an error so the SDK gives up.
    Abort,
}

pub trait CheckpointGate: Send + Sync {
    /// Called on the request's thread after the updates were applied and
    /// before the answer is sent; blocking here pauses the handler.
    fn on_checkpoint(&self, notice: &CheckpointNotice) -> GateDecision;
}

struct Shared {
    state: Mutex<ExecState>,
    verifier: Verifier,
    gate: Mutex<Option<Arc<dyn CheckpointGate>>>,
}

/// A running service. Dropping it stops the server.
pub struct Service {
    shared: Arc<Shared>,
    /// Dropping it stops accepting and taking requests.
    _acceptor: Acceptor,
    port: u16,
}

/// Lock that survives a panicked holder: the state is plain data and every
/// mutation is all-or-nothing, so it is still consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Service {
    /// Listen on 127.0.0.1:0 and serve `state` to requests signed with
    /// `credentials` for the `lambda` service in [`REGION`].
    pub fn start(state: ExecState, credentials: &Credentials) -> Result<Service, ServiceError> {
        let bind = |e: &dyn std::fmt::Display| ServiceError::Bind(e.to_string());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| bind(&e))?;
        // tiny_http has no read timeout of its own; on Linux an accepted
        // socket inherits SO_RCVTIMEO from the listener, so every read on a
        // connection gives up after IDLE_TIMEOUT and tiny_http closes it.
        // It bounds `accept` too: `Acceptor` keeps the port accepting.
        rustix::net::sockopt::set_socket_timeout(
            &listener,
            rustix::net::sockopt::Timeout::Recv,
            Some(IDLE_TIMEOUT),
        )
        .map_err(|e| bind(&e))?;
        let port = listener.local_addr().map_err(|e| bind(&e))?.port();
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            verifier: Verifier {
                access_key_id: credentials.access_key_id.clone(),
                secret_access_key: credentials.secret_access_key.clone(),
                region: REGION.to_string(),
                service: "lambda".to_string(),
            },
            gate: Mutex::new(None),
        });
        let sh = shared.clone();
        let serve: Serve = Arc::new(move |req| handle(&sh, req));
        let acceptor = Acceptor::start(listener, IDLE_TIMEOUT, serve).map_err(|e| bind(&e))?;
        Ok(Service {
            shared,
            _acceptor: acceptor,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set_gate(&self, gate: Option<Arc<dyn CheckpointGate>>) {
        *lock(&self.shared.gate) = gate;
    }

    /// Run `f` with the state locked.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut ExecState) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }
}

fn respond(req: tiny_http::Request, status: u16, body: &Value, error_type: Option<&str>) {
    let mut resp = tiny_http::Response::from_string(body.to_string()).with_status_code(status);
    let headers = [
        Some(("Content-Type", "application/json")),
        error_type.map(|t| ("x-amzn-ErrorType", t)),
    ];
    for (k, v) in headers.into_iter().flatten() {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    // The client may have gone (killed handler): nothing to do about it.
    let _ = req.respond(resp);
}

fn error(req: tiny_http::Request, status: u16, error_type: &str, message: &str) {
    let body = json!({"Type": "User", "message": message, "Message": message});
    respond(req, status, &body, Some(error_type));
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Refuse `req` the way AWS refuses a bad signature.
fn refuse(req: tiny_http::Request, error_type: &str, message: &str) {
    let body = json!({"__type": error_type, "message": message});
    respond(req, 403, &body, Some(error_type));
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_decode(v))
}

fn handle(sh: &Shared, mut req: tiny_http::Request) {
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let method = req.method().clone();
    let mut body = Vec::new();
    let too_big = req.body_length().is_some_and(|n| n as u64 > MAX_BODY_BYTES);
    if too_big
        || req
            .as_reader()
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .is_err()
    {
        return error(
            req,
            413,
            "RequestTooLargeException",
            "Request body too large or unreadable.",
        );
    }
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
        .collect();
    let signed = SignedRequest {
        method: req.method().as_str(),
        target: &url,
        headers: &headers,
        body: &body,
    };
    if let Err(e) = sh.verifier.verify(&signed, SystemTime::now()) {
        let message =
            format!("{e}: this endpoint only serves the durable-lens run it was started for.");
        return refuse(req, e.aws_type(), &message);
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (&method, seg.as_slice()) {
        (tiny_http::Method::Post, ["2025-12-01", "durable-executions", arn, "checkpoint"]) => {
            checkpoint(sh, req, arn, &body)
        }
        (tiny_http::Method::Get, ["2025-12-01", "durable-executions", arn, "state"]) => {
            state(sh, req, arn, query)
        }
        (tiny_http::Method::Post, ["2025-12-01", "durable-execution-callbacks", id, action]) => {
            callback(sh, req, id, action, &body)
        }
        _ => error(
            req,
            404,
            "ResourceNotFoundException",
            &format!("No such operation: {method} {path}"),
        ),
    }
}

fn check_arn(sh: &Shared, arn: &str) -> Result<(), String> {
    let st = lock(&sh.state);
    if st.arn == arn {
        Ok(())
    } else {
        Err(format!(
            "Durable execution {arn:?} not found (this run serves {:?}).",
            st.arn
        ))
    }
}

fn checkpoint(sh: &Shared, req: tiny_http::Request, arn: &str, body: &[u8]) {
    if let Err(m) = check_arn(sh, arn) {
        return error(req, 404, "ResourceNotFoundException", &m);
    }
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return error(
                req,
                400,
                "InvalidParameterValueException",
                &format!("Malformed JSON body: {e}"),
            )
        }
    };
    let token = parsed
        .get("CheckpointToken")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let updates: Vec<OperationUpdate> =
        match parsed.get("Updates").cloned().map(serde_json::from_value) {
            Some(Ok(u)) => u,
            None => Vec::new(),
            Some(Err(e)) => {
                return error(
                    req,
                    400,
                    "InvalidParameterValueException",
                    &format!("Malformed Updates: {e}"),
                )
            }
        };
    let gate = lock(&sh.gate).clone();
    let (answer, invocation, ops) = {
        let mut st = lock(&sh.state);
        let inv = st.invocation;
        let answer = st.checkpoint(&token, &updates);
        let ops = match (&answer, &gate) {
            (Ok(a), Some(_)) => changed_ops(&st, a),
            _ => Vec::new(),
        };
        (answer, inv, ops)
    };
    match answer {
        Ok(answer) => {
            let decision = match gate {
                Some(g) if !updates.is_empty() => g.on_checkpoint(&CheckpointNotice {
                    invocation,
                    updates,
                    ops,
                }),
                _ => GateDecision::Proceed,
            };
            match decision {
                GateDecision::Proceed => respond(req, 200, &answer, None),
                GateDecision::Abort => error(
                    req,
                    409,
                    "ExecutionStoppedException",
                    "The re-run was stopped.",
                ),
            }
        }
        Err(rej) => error(req, 400, "InvalidParameterValueException", &rej.message),
    }
}

/// The operations a checkpoint answer reports changed, in model form.
fn changed_ops(st: &ExecState, answer: &Value) -> Vec<Operation> {
    let ids: HashSet<&str> = answer
        .pointer("/NewExecutionState/Operations")
        .and_then(Value::as_array)
        .map(|ops| {
            ops.iter()
                .filter_map(|o| o.get("Id").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    super::history::operations(st, Some(&ids))
}

fn state(sh: &Shared, req: tiny_http::Request, arn: &str, query: &str) {
    if let Err(m) = check_arn(sh, arn) {
        return error(req, 404, "ResourceNotFoundException", &m);
    }
    let start: usize = query_param(query, "Marker")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let max: usize = query_param(query, "MaxItems")
        .and_then(|m| m.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1000);
    let all = lock(&sh.state).all_with_execution();
    let end = (start + max).min(all.len());
    let page = all.get(start.min(all.len())..end).unwrap_or(&[]);
    let mut body = json!({"Operations": page});
    if end < all.len() {
        body["NextMarker"] = Value::from(end.to_string());
    }
    respond(req, 200, &body, None)
}

fn callback(sh: &Shared, req: tiny_http::Request, callback_id: &str, action: &str, body: &[u8]) {
    let mut st = lock(&sh.state);
    let Some(op_id) = st.op_for_callback(callback_id).map(str::to_string) else {
        drop(st);
        return error(
            req,
            404,
            "ResourceNotFoundException",
            &format!("Unknown callback id {callback_id:?}."),
        );
    };
    let started = st
        .get(&op_id)
        .map(|o| o.status == "STARTED")
        .unwrap_or(false);
    if !started && action != "heartbeat" {
        drop(st);
        return error(
            req,
            400,
            "InvalidParameterValueException",
            "The callback is already completed.",
        );
    }
    match action {
        "succeed" => {
            let result = String::from_utf8_lossy(body).into_owned();
            st.complete(
                &op_id,
                crate::model::OpStatus::Succeeded,
                Some(result),
                None,
            );
        }
        "fail" => {
            let err = serde_json::from_slice::<Value>(body).unwrap_or_else(|_| json!({}));
            st.complete(&op_id, crate::model::OpStatus::Failed, None, Some(err));
        }
        "heartbeat" => {}
        _ => {
            drop(st);
            return error(
                req,
                404,
                "ResourceNotFoundException",
                &format!("No callback action {action:?}."),
            );
        }
    }
    drop(st);
    respond(req, 200, &json!({}), None)
}
