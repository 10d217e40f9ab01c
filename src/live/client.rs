//! The service client: the official AWS SDK for Rust configured the way the
//! AWS CLI is (aws-config's default chain: environment, shared config and
//! credentials files, SSO, credential_process, IMDS; `--profile`,
//! `--region`, `--endpoint-url`, `AWS_ENDPOINT_URL_LAMBDA`), driven from
//! blocking code on its own single-threaded runtime, so callers (the CLI, the
//! app's background jobs) stay synchronous. Credentials stay inside the SDK:
//! nothing here reads, prints or stores them.

use super::error::{Call, LiveError};
use super::source::ENDPOINT_ENV;
use aws_config::BehaviorVersion;
use aws_sdk_lambda::config::Region;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

/// Where and as whom to talk to the service; `None` leaves each to the
/// AWS CLI's own resolution (environment, profile, defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceConfig {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// A connected client and the runtime that drives it.
pub struct Service {
    rt: tokio::runtime::Runtime,
    pub(crate) client: aws_sdk_lambda::Client,
    /// Where requests go, in words, for error messages.
    pub(crate) endpoint: String,
    /// The profile given, for error messages.
    profile: Option<String>,
}

impl Service {
    /// Resolve configuration (no request is sent yet; credentials are
    /// resolved lazily by the SDK on the first call).
    /// `what` (the execution or function asked for) names it in errors.
    pub fn connect(cfg: &ServiceConfig, what: &str) -> Result<Service, LiveError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LiveError::Other {
                what: what.into(),
                detail: format!("cannot start the client's runtime: {e}"),
            })?;
        // rustls with ring: the SDK's default HTTPS client would build
        // aws-lc (C, cmake) for the same TLS.
        use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http.clone());
        if let Some(p) = &cfg.profile {
            // As the AWS CLI does with --profile: that profile's
            // credentials (keys, role, SSO, credential_process), not the
            // environment's.
            let pc = aws_config::provider_config::ProviderConfig::without_region()
                .with_http_client(http.clone())
                .with_region(cfg.region.clone().map(Region::new));
            let creds = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(&pc)
                .profile_name(p)
                .build();
            loader = loader.profile_name(p).credentials_provider(creds);
        }
        if let Some(r) = &cfg.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &cfg.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        // The SDK sets no read timeout by default; the AWS CLI waits 60 s.
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(3100))
                .read_timeout(Duration::from_secs(60))
                .build(),
        );
        let sdk = rt.block_on(loader.load());
        let region = sdk.region().map(|r| r.to_string());
        let Some(region) = region else {
            return Err(LiveError::NoRegion { what: what.into() });
        };
        let endpoint = cfg
            .endpoint_url
            .clone()
            .or_else(|| {
                ENDPOINT_ENV
                    .iter()
                    .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            })
            .or_else(|| sdk.endpoint_url().map(str::to_string))
            .unwrap_or_else(|| format!("AWS Lambda in {region}"));
        let client = aws_sdk_lambda::Client::new(&sdk);
        Ok(Service {
            rt,
            client,
            endpoint,
            profile: cfg.profile.clone(),
        })
    }

    /// A call of `op` about `what`, to read its errors.
    pub(crate) fn call<'a>(&'a self, op: &'static str, what: &'a str) -> Call<'a> {
        Call {
            op,
            what,
            endpoint: &self.endpoint,
            profile: self.profile.as_deref(),
        }
    }

    /// Where requests go, as error messages say it.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Run `f` to completion, or stop early (`None`) once `cancel` is set;
    /// the flag is looked at every 100 ms while a request is in flight.
    pub(crate) fn run<F: Future>(&self, f: F, cancel: Option<&AtomicBool>) -> Option<F::Output> {
        self.rt.block_on(async {
            let mut f = std::pin::pin!(f);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            std::future::poll_fn(|cx| {
                if let Poll::Ready(v) = f.as_mut().poll(cx) {
                    return Poll::Ready(Some(v));
                }
                if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return Poll::Ready(None);
                }
                while tick.poll_tick(cx).is_ready() {}
                Poll::Pending
            })
            .await
        })
    }

    /// Run `f` to completion.
    pub(crate) fn block<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Wait `d` (follow's pause between polls), or less when cancelled.
    pub(crate) fn pause(&self, d: Duration, cancel: Option<&AtomicBool>) {
        // The timer is made inside the runtime it needs.
        let _ = self.run(async { tokio::time::sleep(d).await }, cancel);
    }
}
