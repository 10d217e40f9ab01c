//! The errors the official local service cannot produce (it authenticates
//! nothing and never throttles): access denied, expired credentials,
//! rejected credentials and throttling, each answered by a loopback server
//! with the error shapes AWS Lambda sends (`x-amzn-ErrorType` and a JSON
//! body), read by the real AWS SDK inside durable-lens. Each message must
//! name the execution, say what to do and, for access denied, name the
//! missing permission; throttling is retried as the SDK does before it is
//! reported.
#![cfg(feature = "aws")]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const ARN: &str =
    "arn:aws:lambda:us-west-2:123456789012:function:orders:$LATEST/durable-execution/order-7/4f1c";

/// Answer every request with `status`, `error_type` and `body`; count them.
fn canned(status: u16, error_type: &'static str, body: &'static str) -> (String, Arc<AtomicUsize>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback server");
    let url = format!("http://{}", server.server_addr());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            seen.fetch_add(1, Ordering::SeqCst);
            let response = tiny_http::Response::from_string(body)
                .with_status_code(status)
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "application/json")
                        .expect("header"),
                )
                .with_header(
                    tiny_http::Header::from_bytes("x-amzn-ErrorType", error_type).expect("header"),
                )
                .with_header(
                    tiny_http::Header::from_bytes(
                        "x-amzn-RequestId",
                        "b0e91dc8-3807-11e2-83c6-5912bf8ad066",
                    )
                    .expect("header"),
                );
            let _ = req.respond(response);
        }
    });
    (url, count)
}

fn inspect(url: &str, dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lens"));
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        )
        .env("AWS_SESSION_TOKEN", "session-token-example")
        .env("AWS_REGION", "us-west-2")
        .args(["inspect", ARN, "--endpoint-url", url])
        .output()
        .expect("run durable-lens")
}

fn failure(status: u16, error_type: &'static str, body: &'static str) -> (String, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, count) = canned(status, error_type, body);
    let out = inspect(&url, dir.path());
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(e.contains(ARN), "names the execution: {e}");
    for secret in ["wJalrXUtnFEMI", "session-token-example"] {
        assert!(!e.contains(secret), "never prints credentials: {e}");
    }
    (e, count.load(Ordering::SeqCst))
}

#[test]
fn access_denied_names_the_missing_permission() {
    let (e, _) = failure(
        403,
        "AccessDeniedException",
        r#"{"Message":"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:GetDurableExecution on resource: arn:aws:lambda:us-west-2:123456789012:function:orders because no identity-based policy allows the lambda:GetDurableExecution action"}"#,
    );
    assert!(
        e.contains("access denied") && e.contains("IAM permission lambda:GetDurableExecution "),
        "{e}"
    );
}

#[test]
fn expired_credentials_say_to_refresh_them() {
    let (e, _) = failure(
        403,
        "ExpiredTokenException",
        r#"{"message":"The security token included in the request is expired"}"#,
    );
    assert!(e.contains("expired") && e.contains("aws sso login"), "{e}");
}

#[test]
fn rejected_credentials_say_which_check_failed() {
    let (e, _) = failure(
        403,
        "UnrecognizedClientException",
        r#"{"message":"The security token included in the request is invalid."}"#,
    );
    assert!(
        e.contains("rejected the AWS credentials") && e.contains("UnrecognizedClientException"),
        "{e}"
    );
}

#[test]
fn throttling_is_retried_by_the_sdk_then_reported() {
    let (e, requests) = failure(
        429,
        "TooManyRequestsException",
        r#"{"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate exceeded"}"#,
    );
    assert!(e.contains("throttled") && e.contains("try again"), "{e}");
    // The SDK's standard retry mode: three attempts.
    assert_eq!(requests, 3, "{e}");
}
