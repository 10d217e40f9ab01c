//! The Lambda Runtime API on loopback, for one handler process: what
//! `awslambdaric`, `aws-lambda-ric` and `lambda_runtime` talk to when
//! `AWS_LAMBDA_RUNTIME_API` points at it (formats.md §9).
//!
//! - `GET  /2018-06-01/runtime/invocation/next` blocks until an invocation
//!   is offered, then answers 200 with the event and Lambda's headers;
//! - `POST /2018-06-01/runtime/invocation/{id}/response` and `…/{id}/error`
//!   answer 202 `{"status":"OK"}`, or 400 `InvalidRequestID` for an id that
//!   is not the invocation in progress, 403 `InvalidStateTransition` when it
//!   was already answered;
//! - `POST /2018-06-01/runtime/init/error` answers 202.
//!
//! Status codes and bodies follow the Lambda runtime interface emulator.
//! One server per process: when the process goes, its server goes with it,
//! so a `/next` left blocked by a killed runtime can never take the next
//! process's invocation. Unsigned, like Lambda's: it is bound to 127.0.0.1
//! and lives only as long as its process.

use std::io::Read;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lambda's own limit for a synchronous response is 6 MB; a bit more is
/// read so the SDK's own error for an oversized result is what shows.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// One invocation as the runtime receives it.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub request_id: String,
    pub event: Vec<u8>,
    /// Wall-clock epoch milliseconds (`Lambda-Runtime-Deadline-Ms`).
    pub deadline_ms: u128,
    pub function_arn: String,
    pub trace_id: String,
}

/// What the runtime sent back.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `…/{id}/response`: the handler's result, as sent.
    Response(Vec<u8>),
    /// `…/{id}/error`: the handler raised; `error_type` is the
    /// `Lambda-Runtime-Function-Error-Type` header.
    Error {
        error_type: Option<String>,
        body: Vec<u8>,
    },
    /// `/init/error`: the runtime could not load the handler.
    InitError {
        error_type: Option<String>,
        body: Vec<u8>,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("cannot listen on 127.0.0.1 for the Lambda Runtime API: {0}")]
pub struct RuntimeApiError(String);

#[derive(Default)]
struct Inner {
    /// Offered and not yet taken by a `/next`.
    queued: Option<Invocation>,
    /// Taken by the runtime and not yet answered.
    current: Option<String>,
    /// The answer to the invocation in progress (or an init error).
    reply: Option<Reply>,
    /// How many `/next` calls arrived: a process that made one speaks the
    /// Runtime API.
    next_calls: u64,
    closed: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running Runtime API. Dropping it stops the server and releases any
/// `/next` still waiting.
pub struct RuntimeApi {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl RuntimeApi {
    pub fn start() -> Result<RuntimeApi, RuntimeApiError> {
        let server =
            tiny_http::Server::http("127.0.0.1:0").map_err(|e| RuntimeApiError(e.to_string()))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| RuntimeApiError("no IP address".into()))?;
        let server = Arc::new(server);
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            changed: Condvar::new(),
        });
        let (srv, sh) = (server.clone(), shared.clone());
        let thread = std::thread::Builder::new()
            .name("runtime-api".into())
            .spawn(move || {
                for req in srv.incoming_requests() {
                    let sh = sh.clone();
                    // `/next` blocks until an invocation is offered: its own thread.
                    let _ = std::thread::Builder::new()
                        .name("runtime-api-request".into())
                        .spawn(move || handle(&sh, req));
                }
            })
            .map_err(|e| RuntimeApiError(e.to_string()))?;
        Ok(RuntimeApi {
            shared,
            server,
            thread: Some(thread),
            port,
        })
    }

    /// `host:port`, the form `AWS_LAMBDA_RUNTIME_API` takes.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Make `inv` the next invocation; a waiting `/next` gets it at once.
    pub fn offer(&self, inv: Invocation) {
        let mut g = self.shared.lock();
        g.queued = Some(inv);
        g.current = None;
        g.reply = None;
        self.shared.changed.notify_all();
    }

    /// `/next` calls so far.
    pub fn next_calls(&self) -> u64 {
        self.shared.lock().next_calls
    }

    /// The reply to the offered invocation (or an init error), waiting up
    /// to `max` for it.
    pub fn wait_reply(&self, max: Duration) -> Option<Reply> {
        let until = Instant::now() + max;
        let mut g = self.shared.lock();
        loop {
            if let Some(r) = g.reply.take() {
                g.current = None;
                return Some(r);
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            g = self
                .shared
                .changed
                .wait_timeout(g, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn respond(req: tiny_http::Request, status: u16, body: &[u8], headers: &[(&str, &str)]) {
    let mut resp = tiny_http::Response::from_data(body.to_vec()).with_status_code(status);
    for (k, v) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    // The runtime may have been killed: nothing to do about it.
    let _ = req.respond(resp);
}

fn json(req: tiny_http::Request, status: u16, body: serde_json::Value) {
    respond(
        req,
        status,
        body.to_string().as_bytes(),
        &[("Content-Type", "application/json")],
    );
}

/// The emulator's error body: `{"errorMessage","errorType"}`.
fn refuse(req: tiny_http::Request, status: u16, error_type: &str, message: &str) {
    json(
        req,
        status,
        serde_json::json!({"errorMessage": message, "errorType": error_type}),
    );
}

fn accepted(req: tiny_http::Request) {
    json(req, 202, serde_json::json!({"status": "OK"}));
}

fn handle(sh: &Shared, mut req: tiny_http::Request) {
    let url = req.url().to_string();
    let path = url.split_once('?').map_or(url.as_str(), |(p, _)| p);
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method().clone();
    let mut body = Vec::new();
    if req
        .as_reader()
        .take(MAX_BODY_BYTES)
        .read_to_end(&mut body)
        .is_err()
    {
        return refuse(req, 400, "InvalidRequestFormat", "unreadable request body");
    }
    let error_type = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Lambda-Runtime-Function-Error-Type"))
        .map(|h| h.value.as_str().to_string());
    use tiny_http::Method::{Get, Post};
    match (&method, segs.as_slice()) {
        (Get, ["2018-06-01", "runtime", "invocation", "next"]) => next(sh, req),
        (Post, ["2018-06-01", "runtime", "invocation", id, kind @ ("response" | "error")]) => {
            let id = id.to_string();
            let reply = if *kind == "response" {
                Reply::Response(body)
            } else {
                Reply::Error { error_type, body }
            };
            answer(sh, req, &id, reply)
        }
        (Post, ["2018-06-01", "runtime", "init", "error"]) => {
            let mut g = sh.lock();
            g.reply = Some(Reply::InitError { error_type, body });
            sh.changed.notify_all();
            drop(g);
            accepted(req)
        }
        _ => refuse(
            req,
            404,
            "InvalidRequestFormat",
            &format!("no such Runtime API call: {method} {path}"),
        ),
    }
}

fn next(sh: &Shared, req: tiny_http::Request) {
    let mut g = sh.lock();
    g.next_calls += 1;
    sh.changed.notify_all();
    let inv = loop {
        if g.closed {
            drop(g);
            return refuse(req, 500, "ServiceUnavailable", "the run is over");
        }
        if let Some(inv) = g.queued.take() {
            break inv;
        }
        g = sh.changed.wait(g).unwrap_or_else(|p| p.into_inner());
    };
    g.current = Some(inv.request_id.clone());
    drop(g);
    let deadline = inv.deadline_ms.to_string();
    respond(
        req,
        200,
        &inv.event,
        &[
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", &inv.request_id),
            ("Lambda-Runtime-Deadline-Ms", &deadline),
            ("Lambda-Runtime-Invoked-Function-Arn", &inv.function_arn),
            ("Lambda-Runtime-Trace-Id", &inv.trace_id),
        ],
    );
}

fn answer(sh: &Shared, req: tiny_http::Request, id: &str, reply: Reply) {
    let mut g = sh.lock();
    if g.current.as_deref() != Some(id) {
        drop(g);
        return refuse(req, 400, "InvalidRequestID", "Invalid request ID");
    }
    if g.reply.is_some() {
        drop(g);
        return refuse(
            req,
            403,
            "InvalidStateTransition",
            "the invocation was already answered",
        );
    }
    g.reply = Some(reply);
    sh.changed.notify_all();
    drop(g);
    accepted(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// One HTTP/1.1 request on a new connection: status, headers, body.
    fn call(addr: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head.to_lowercase(), body.to_string())
    }

    #[test]
    fn next_hands_the_event_with_lambdas_headers_and_answers_follow_the_emulator() {
        let api = RuntimeApi::start().unwrap();
        let addr = api.address();
        api.offer(Invocation {
            request_id: "req-1".into(),
            event: br#"{"hello":1}"#.to_vec(),
            deadline_ms: 1_700_000_000_000,
            function_arn: "arn:aws:lambda:us-east-1:000000000000:function:f".into(),
            trace_id: "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
        });
        let (status, head, body) = call(&addr, "GET", "/2018-06-01/runtime/invocation/next", "");
        assert_eq!((status, body.as_str()), (200, r#"{"hello":1}"#));
        for h in [
            "content-type: application/json",
            "lambda-runtime-aws-request-id: req-1",
            "lambda-runtime-deadline-ms: 1700000000000",
            "lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:f",
            "lambda-runtime-trace-id: root=1-",
        ] {
            assert!(head.contains(h), "{h} missing from\n{head}");
        }
        assert_eq!(api.next_calls(), 1);
        let (status, _, body) = call(
            &addr,
            "POST",
            "/2018-06-01/runtime/invocation/other/response",
            "{}",
        );
        assert_eq!(status, 400);
        assert!(body.contains("InvalidRequestID"), "{body}");
        let path = "/2018-06-01/runtime/invocation/req-1/response";
        let (status, _, body) = call(&addr, "POST", path, r#"{"Status":"PENDING"}"#);
        assert_eq!((status, body.as_str()), (202, r#"{"status":"OK"}"#));
        let (status, _, body) = call(&addr, "POST", path, "{}");
        assert_eq!(status, 403, "a second answer: {body}");
        assert_eq!(
            api.wait_reply(Duration::from_secs(5)),
            Some(Reply::Response(br#"{"Status":"PENDING"}"#.to_vec()))
        );
    }
}
