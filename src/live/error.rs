//! What can go wrong talking to the service, each said so a person can act
//! on it: it names the execution or function, the API call (so the missing
//! IAM permission is `lambda:<call>`) and what to do. SDK errors are read
//! by their AWS error code and by the SDK's own credential error types,
//! never by position in a message.

use crate::load::LoadError;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;

#[derive(thiserror::Error, Debug)]
pub enum LiveError {
    #[error("{what}: no AWS credentials found ({detail}); give --profile or AWS_PROFILE for a configured profile, run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    NoCredentials { what: String, detail: String },

    #[error("{what}: the AWS credentials have expired ({message}); refresh them (`aws sso login`, or new temporary credentials) and try again")]
    ExpiredToken { what: String, message: String },

    #[error("{what}: the service rejected the AWS credentials ({code}: {message}); check the access key, secret and session token of the profile or environment in use")]
    BadCredentials {
        what: String,
        code: String,
        message: String,
    },

    #[error("{what}: access denied: the credentials in use need the IAM permission {permission} ({message})")]
    AccessDenied {
        what: String,
        permission: String,
        message: String,
    },

    #[error("{what}: throttled by the service after the AWS SDK's retries ({message}); try again in a moment")]
    Throttled { what: String, message: String },

    #[error("{what}: not found at {endpoint} ({message}); check the ARN or name, the region (--region) and the account of the credentials")]
    NotFound {
        what: String,
        endpoint: String,
        message: String,
    },

    #[error("{what}: cannot reach {endpoint} ({detail}); check --endpoint-url / AWS_ENDPOINT_URL_LAMBDA, the network, or that the local service is running")]
    Unreachable {
        what: String,
        endpoint: String,
        detail: String,
    },

    #[error(
        "{what}: no AWS region; give --region, set AWS_REGION, or set a region in the profile"
    )]
    NoRegion { what: String },

    #[error("{what}: the history could not be fetched completely: {detail}; nothing is shown rather than a partial history, fetch it again")]
    Incomplete { what: String, detail: String },

    #[error("{what}: the service refused: {code}: {message}")]
    Service {
        what: String,
        code: String,
        message: String,
    },

    #[error("{what}: {detail}")]
    Other { what: String, detail: String },

    #[error("{what}: cancelled")]
    Cancelled { what: String },

    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Where a call was sent, for messages.
pub(crate) struct Call<'a> {
    /// The API operation, e.g. `GetDurableExecutionHistory`.
    pub op: &'static str,
    /// What it was about, e.g. the execution ARN.
    pub what: &'a str,
    pub endpoint: &'a str,
    /// The profile given (`--profile`), if any.
    pub profile: Option<&'a str>,
}

impl Call<'_> {
    fn what(&self) -> String {
        format!("{} ({})", self.what, self.op)
    }

    /// The SDK error of this call, as one of the variants above.
    pub fn error<E>(&self, e: SdkError<E, HttpResponse>) -> LiveError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let what = self.what();
        if let Some(mut detail) = credentials_problem(&e) {
            if let Some(p) = self.profile {
                detail = format!("profile '{p}': {detail}");
            }
            return LiveError::NoCredentials { what, detail };
        }
        match &e {
            SdkError::ServiceError(_) => {}
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                return LiveError::Unreachable {
                    what,
                    endpoint: self.endpoint.to_string(),
                    detail: chain(&e),
                }
            }
            _ => {
                return LiveError::Other {
                    what,
                    detail: chain(&e),
                }
            }
        }
        let (status, body) = match &e {
            SdkError::ServiceError(se) => {
                let raw = se.raw();
                (
                    raw.status().as_u16(),
                    raw.body().bytes().map(<[u8]>::to_vec),
                )
            }
            _ => (0, None),
        };
        // The official local service names the error in the body's `Type`
        // (where AWS says "User") and sends no `x-amzn-ErrorType`, so the
        // SDK finds no code or message there; the body and the HTTP status
        // still say what happened.
        let body: Option<serde_json::Value> = body.and_then(|b| serde_json::from_slice(&b).ok());
        let field = |k: &str| {
            body.as_ref()
                .and_then(|b| b.get(k))
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        };
        let message = e
            .message()
            .map(str::to_string)
            .or_else(|| field("Message"))
            .or_else(|| field("message"))
            .unwrap_or_else(|| "no message".into());
        let code = e
            .code()
            .map(str::to_string)
            .or_else(|| field("Type").filter(|t| t.ends_with("Exception")))
            .unwrap_or_else(|| {
                match status {
                    403 => "AccessDeniedException",
                    404 => "ResourceNotFoundException",
                    429 => "TooManyRequestsException",
                    _ => "unknown error",
                }
                .to_string()
            });
        match code.as_str() {
            "ExpiredTokenException" | "ExpiredToken" | "RequestExpired" => {
                LiveError::ExpiredToken { what, message }
            }
            "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "IncompleteSignature"
            | "InvalidClientTokenId"
            | "MissingAuthenticationToken" => LiveError::BadCredentials {
                what,
                code,
                message,
            },
            "AccessDeniedException" | "AccessDenied" => LiveError::AccessDenied {
                what,
                permission: format!("lambda:{}", self.op),
                message,
            },
            "TooManyRequestsException" | "ThrottlingException" | "Throttling" => {
                LiveError::Throttled { what, message }
            }
            "ResourceNotFoundException" => LiveError::NotFound {
                what,
                endpoint: self.endpoint.to_string(),
                message,
            },
            _ => LiveError::Service {
                what,
                code,
                message,
            },
        }
    }
}

/// The SDK's own "no credentials" errors, wherever they sit in the chain
/// (the credential chain fails before a request is sent).
fn credentials_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use aws_credential_types::provider::error::CredentialsError;
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = at {
        if let Some(c) = err.downcast_ref::<CredentialsError>() {
            return Some(chain(c));
        }
        at = err.source();
    }
    None
}

/// An error and its sources in words, each said once (the SDK's wrappers
/// often repeat their source's text, or say only "dispatch failure").
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = at {
        let text = err.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.retain(|p| !text.contains(p.as_str()));
            parts.push(text);
        }
        at = err.source();
    }
    parts.join(": ")
}
