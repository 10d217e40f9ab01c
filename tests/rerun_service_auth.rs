//! The re-run service answers only requests SigV4-signed with the run's
//! secret, as botocore (an independent SigV4 implementation) signs them, and
//! closes connections that send garbage or nothing.

#[path = "handlers/support.rs"]
mod support;

use durable_lens::rerun::service::IDLE_TIMEOUT;
use durable_lens::rerun::{wire::WireOp, Credentials, ExecState, Service};
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:test/durable-execution/t/1";

fn service() -> (Service, Credentials) {
    let exec = WireOp {
        id: "inv".into(),
        op_type: "EXECUTION".into(),
        status: "STARTED".into(),
        ..WireOp::default()
    };
    let creds = Credentials::generate().unwrap();
    let service = Service::start(ExecState::new(ARN.into(), exec, Vec::new()), &creds).unwrap();
    (service, creds)
}

/// Signs `method path` with `signed_body` using botocore's SigV4Auth for
/// lambda/us-east-1, sends it with `sent_body`, prints the status and body.
const BOTOCORE_CLIENT: &str = r#"
import sys, http.client
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
port, key, secret, method, path, signed_body, sent_body = sys.argv[1:8]
host = "127.0.0.1:" + port
req = AWSRequest(method=method, url="http://" + host + path, data=signed_body.encode(),
                 headers={"Host": host, "Content-Type": "application/json"})
SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(req)
headers = dict(req.headers.items())
conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=20)
conn.request(method, path, body=sent_body.encode(), headers=headers)
resp = conn.getresponse()
print(resp.status)
print(resp.read().decode())
"#;

struct Signed<'a> {
    key: &'a str,
    secret: &'a str,
    method: &'a str,
    path: String,
    signed_body: &'a str,
    sent_body: &'a str,
}

fn send_signed(port: u16, s: &Signed) -> (u16, String) {
    support::require_python();
    let out = Command::new(support::python())
        .args(["-c", BOTOCORE_CLIENT, &port.to_string()])
        .args([
            s.key,
            s.secret,
            s.method,
            &s.path,
            s.signed_body,
            s.sent_body,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, body) = stdout.split_once('\n').unwrap();
    (status.trim().parse().unwrap(), body.to_string())
}

/// The ARN as the SDKs put it in the path: one percent-encoded segment.
fn arn_segment() -> String {
    ARN.replace(':', "%3A").replace('/', "%2F")
}

fn state_path() -> String {
    format!(
        "/2025-12-01/durable-executions/{}/state?MaxItems=10",
        arn_segment()
    )
}

fn raw(port: u16, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn a_botocore_signed_request_is_answered() {
    let (service, creds) = service();
    let ok = Signed {
        key: &creds.access_key_id,
        secret: &creds.secret_access_key,
        method: "GET",
        path: state_path(),
        signed_body: "",
        sent_body: "",
    };
    let (status, body) = send_signed(service.port(), &ok);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Operations\""), "{body}");
    // A signed body: the callback is unknown (404), so the signature passed.
    let post = Signed {
        method: "POST",
        path: "/2025-12-01/durable-execution-callbacks/cb-1/succeed".into(),
        signed_body: "\"done\"",
        sent_body: "\"done\"",
        ..ok
    };
    let (status, body) = send_signed(service.port(), &post);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("Unknown callback id"), "{body}");
}

#[test]
fn wrongly_signed_requests_are_refused() {
    let (service, creds) = service();
    let wrong_secret = format!("{}x", creds.secret_access_key);
    let base = Signed {
        key: &creds.access_key_id,
        secret: &wrong_secret,
        method: "GET",
        path: state_path(),
        signed_body: "",
        sent_body: "",
    };
    let (status, body) = send_signed(service.port(), &base);
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains(r#""__type":"InvalidSignatureException""#),
        "{body}"
    );
    let other_key = Signed {
        key: "AKIAOTHERKEY00000000",
        secret: &creds.secret_access_key,
        ..base
    };
    let (status, body) = send_signed(service.port(), &other_key);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("UnrecognizedClientException"), "{body}");
    // Right key, but the body is not the one signed.
    let swapped = Signed {
        secret: &creds.secret_access_key,
        key: &creds.access_key_id,
        method: "POST",
        path: "/2025-12-01/durable-execution-callbacks/cb-1/succeed".into(),
        signed_body: "\"done\"",
        sent_body: "\"evil\"",
    };
    let (status, body) = send_signed(service.port(), &swapped);
    assert_eq!(status, 403, "{body}");
}

#[test]
fn unsigned_requests_are_refused() {
    let (service, creds) = service();
    let request = |auth: &str| {
        raw(
            service.port(),
            &format!(
                "GET {} HTTP/1.1\r\nHost: x\r\nX-Amz-Date: 20260101T000000Z\r\n{auth}Connection: close\r\n\r\n",
                state_path()
            ),
        )
    };
    let refused = request("");
    assert!(
        refused.starts_with("HTTP/1.1 403") && refused.contains("InvalidSignatureException"),
        "{refused}"
    );
    // The key id alone was enough before.
    let key_only = request(&format!(
        "Authorization: AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/lambda/aws4_request\r\n",
        creds.access_key_id
    ));
    assert!(key_only.starts_with("HTTP/1.1 403"), "{key_only}");
    let no_signature = request(&format!(
        "Authorization: AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=\r\n",
        creds.access_key_id
    ));
    assert!(no_signature.starts_with("HTTP/1.1 403"), "{no_signature}");
}

/// Waits for the server to close `s`; returns how long it took.
fn closed_within(mut s: std::net::TcpStream, deadline: Duration) -> Duration {
    let start = Instant::now();
    s.set_read_timeout(Some(deadline)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            // An answer (tiny_http's 408) may come before the close.
            Ok(_) => continue,
            Err(e) => {
                assert!(
                    !matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ),
                    "the connection was still open after {deadline:?}"
                );
                return start.elapsed();
            }
        }
    }
}

#[test]
fn garbage_and_idle_connections_are_closed() {
    let (service, _) = service();
    let deadline = IDLE_TIMEOUT + Duration::from_secs(10);
    // The start of a TLS ClientHello: no CRLF ever comes.
    let mut tls = std::net::TcpStream::connect(("127.0.0.1", service.port())).unwrap();
    tls.write_all(&[
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5a, 0x1b, 0x9c, 0x00,
        0xff, 0x13, 0x01, 0x13, 0x02,
    ])
    .unwrap();
    let idle = std::net::TcpStream::connect(("127.0.0.1", service.port())).unwrap();
    let t = closed_within(tls, deadline);
    assert!(t < deadline, "{t:?}");
    let t = closed_within(idle, deadline);
    assert!(t < deadline, "{t:?}");
}

/// Sends an unsigned state read on the open connection `s` and returns the
/// answer's status line, reading exactly the answer (by Content-Length) so
/// the connection can be used again.
fn status_on(s: &mut std::net::TcpStream) -> String {
    let request = format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", state_path());
    s.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "closed mid-answer");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).unwrap();
    head.lines().next().unwrap_or_default().to_string()
}

/// The listener's idle timeout once also bounded its `accept`: after
/// IDLE_TIMEOUT with no new connection tiny_http's accept thread ended, the
/// port was closed and the requests of connections already open were no
/// longer taken, so a handler connecting after a pause (a slow start under
/// load, the next invocation) got "connection refused" (botocore: "Could not
/// connect to the endpoint URL").
#[test]
fn connections_after_the_listener_was_idle_are_answered() {
    let (service, _) = service();
    let mut kept = std::net::TcpStream::connect(("127.0.0.1", service.port())).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // This test is about elapsed time: no new connection for longer than
    // the idle timeout, while the one open connection is used more often
    // than that (so the service keeps it).
    let quiet = Instant::now();
    while quiet.elapsed() < IDLE_TIMEOUT + IDLE_TIMEOUT / 2 {
        assert!(status_on(&mut kept).starts_with("HTTP/1.1 403"));
        std::thread::sleep(IDLE_TIMEOUT / 5);
    }
    assert!(status_on(&mut kept).starts_with("HTTP/1.1 403"));
    for _ in 0..2 {
        let answer = raw(
            service.port(),
            &format!(
                "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                state_path()
            ),
        );
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    }
}
