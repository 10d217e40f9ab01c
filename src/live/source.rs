//! The one rule for whether an argument names an execution in the service
//! rather than a file: it starts with `arn:`, or it names no existing path
//! while an endpoint is given (the official local service's execution ids
//! are UUIDs, not ARNs). Built without the `aws` feature too, so such a
//! build can say it cannot open one instead of "no such file".

use std::path::Path;

/// The environment variables that give the Lambda endpoint, as the AWS CLI
/// and SDKs read them (the service-specific one first).
pub const ENDPOINT_ENV: [&str; 2] = ["AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"];

/// Whether an endpoint is given: `--endpoint-url`, or one of [`ENDPOINT_ENV`].
pub fn endpoint_given(endpoint_url: Option<&str>) -> bool {
    endpoint_url.is_some_and(|u| !u.is_empty())
        || ENDPOINT_ENV
            .iter()
            .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

/// Whether `arg` names an execution in the service (see the module doc).
/// An existing path always wins over an id: a file named like an id is
/// still the file.
pub fn names_service_execution(arg: &str, endpoint_given: bool) -> bool {
    if arg.starts_with("arn:") {
        return true;
    }
    endpoint_given && !arg.is_empty() && !Path::new(arg).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_or_an_id_with_an_endpoint_names_a_service_execution() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/1";
        assert!(names_service_execution(arn, false));
        let id = "5d1b2f6e-0c1a-4c55-9a57-3a8e2b1c9d10";
        assert!(!names_service_execution(id, false), "no endpoint: a path");
        assert!(names_service_execution(id, true));
        let existing = env!("CARGO_MANIFEST_DIR");
        assert!(
            !names_service_execution(existing, true),
            "an existing path is a path"
        );
    }
}
