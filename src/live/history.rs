//! One execution's history from the service: GetDurableExecution, then
//! every page of GetDurableExecutionHistory (`IncludeExecutionData`), each
//! page's response document kept as the service sent it and the pages fed,
//! concatenated, to [`crate::load::load_bytes`]: the same loader as a file
//! of pages, so the model is the one that file would give. The SDK retries
//! throttled and failed pages as it does for any call; a page that still
//! fails, a repeated page token or EventIds that do not run 1, 2, 3, ...
//! make the fetch an error, never a partial history.

use super::client::Service;
use super::error::LiveError;
use crate::model::History;
use aws_sdk_lambda::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_lambda::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_lambda::types::ExecutionStatus;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// Progress reports and cancellation of a fetch.
#[derive(Default)]
pub struct FetchOptions<'a> {
    pub progress: Option<&'a (dyn Fn(FetchProgress) + Sync)>,
    pub cancel: Option<&'a AtomicBool>,
}

/// Pages and events fetched so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchProgress {
    pub pages: usize,
    pub events: usize,
}

/// What GetDurableExecution says about an execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionInfo {
    pub arn: String,
    pub status: String,
    pub running: bool,
}

/// The pages of a history as the service sent them.
pub(crate) struct Pages {
    /// Each page's response document, in order.
    pub docs: Vec<Vec<u8>>,
    /// The EventId of the last event read (0 for none).
    pub last_event: i64,
    /// The page token that fetched the last page (`None`: the first page),
    /// where a later poll starts again.
    pub last_marker: Option<String>,
}

/// Keeps the response document of a call's successful attempt, read once
/// the SDK has deserialised it (so retries and errors are the SDK's).
#[derive(Debug, Clone, Default)]
struct RawBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for RawBody {
    fn name(&self) -> &'static str {
        "durable-lens history page"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_lambda::error::BoxError> {
        let body = context.response().body().bytes().map(<[u8]>::to_vec);
        if let Ok(mut slot) = self.0.lock() {
            *slot = body;
        }
        Ok(())
    }
}

impl Service {
    /// GetDurableExecution (without execution data): the execution exists
    /// and these credentials may read it.
    pub fn describe(
        &self,
        arn: &str,
        cancel: Option<&AtomicBool>,
    ) -> Result<ExecutionInfo, LiveError> {
        let call = self.call("GetDurableExecution", arn);
        let req = self
            .client
            .get_durable_execution()
            .durable_execution_arn(arn)
            .include_execution_data(false)
            .send();
        let out = self
            .run(req, cancel)
            .ok_or_else(|| LiveError::Cancelled { what: arn.into() })?
            .map_err(|e| call.error(e))?;
        Ok(ExecutionInfo {
            arn: out.durable_execution_arn,
            running: out.status == ExecutionStatus::Running,
            status: out.status.as_str().to_string(),
        })
    }

    /// The whole history of one execution, loaded as a history-events file
    /// would be; its `source` is the ARN.
    pub fn fetch(&self, arn: &str, opts: &FetchOptions) -> Result<History, LiveError> {
        let info = self.describe(arn, opts.cancel)?;
        let pages = self.pages(arn, None, 0, opts)?;
        let mut h = load_pages(arn, &pages.docs)?;
        if info.running {
            h.warnings.push(format!(
                "the execution was still running ({}) when its history was fetched: later events are not in it",
                info.status
            )
            .into());
        }
        Ok(h)
    }

    /// History pages from `marker` on (`None`: the first page), keeping only
    /// events after EventId `after` (a page fetched again by a poll repeats
    /// the ones already read). Events must continue from `after` + 1.
    pub(crate) fn pages(
        &self,
        arn: &str,
        marker: Option<String>,
        after: i64,
        opts: &FetchOptions,
    ) -> Result<Pages, LiveError> {
        let call = self.call("GetDurableExecutionHistory", arn);
        let incomplete = |detail: String| LiveError::Incomplete {
            what: arn.to_string(),
            detail,
        };
        let mut out = Pages {
            docs: Vec::new(),
            last_event: after,
            last_marker: marker.clone(),
        };
        let mut marker = marker;
        let mut seen_markers = std::collections::HashSet::new();
        let mut events = 0;
        loop {
            let raw = RawBody::default();
            let req = self
                .client
                .get_durable_execution_history()
                .durable_execution_arn(arn)
                .include_execution_data(true)
                .set_marker(marker.clone())
                .customize()
                .interceptor(raw.clone())
                .send();
            let page = self
                .run(req, opts.cancel)
                .ok_or_else(|| LiveError::Cancelled { what: arn.into() })?
                .map_err(|e| call.error(e))?;
            let doc = raw
                .0
                .lock()
                .ok()
                .and_then(|mut b| b.take())
                .ok_or_else(|| {
                    incomplete(format!("page {} came without a body", out.docs.len() + 1))
                })?;
            let mut fresh = 0;
            for e in &page.events {
                let id = i64::from(e.event_id);
                if id <= after {
                    continue;
                }
                if id != out.last_event + 1 {
                    return Err(incomplete(format!(
                        "page {} has EventId {id} after {} (events are missing)",
                        out.docs.len() + 1,
                        out.last_event
                    )));
                }
                out.last_event = id;
                fresh += 1;
            }
            events += fresh;
            // A first fetch keeps every page (an execution may have no
            // events yet); a poll keeps only pages with new events.
            if fresh > 0 || after == 0 {
                out.docs.push(if fresh == page.events.len() {
                    doc
                } else {
                    drop_seen(&doc, after).map_err(incomplete)?
                });
                out.last_marker = marker.clone();
            }
            if let Some(p) = opts.progress {
                p(FetchProgress {
                    pages: out.docs.len(),
                    events,
                });
            }
            match page.next_marker.filter(|m| !m.is_empty()) {
                None => break,
                Some(m) => {
                    if !seen_markers.insert(m.clone()) {
                        return Err(incomplete(format!(
                            "the service gave the page token '{m}' twice"
                        )));
                    }
                    marker = Some(m);
                }
            }
        }
        Ok(out)
    }
}

/// The page document without the events up to EventId `after`.
fn drop_seen(doc: &[u8], after: i64) -> Result<Vec<u8>, String> {
    let mut v: serde_json::Value =
        serde_json::from_slice(doc).map_err(|e| format!("a page is not JSON: {e}"))?;
    if let Some(events) = v.get_mut("Events").and_then(|e| e.as_array_mut()) {
        events.retain(|e| {
            e.get("EventId")
                .and_then(serde_json::Value::as_i64)
                .is_none_or(|id| id > after)
        });
    }
    serde_json::to_vec(&v).map_err(|e| e.to_string())
}

/// The pages loaded as a file of them loads, the execution keyed by the
/// ARN it was fetched by (a history's events do not carry it).
pub(crate) fn load_pages(arn: &str, docs: &[Vec<u8>]) -> Result<History, LiveError> {
    let mut h = crate::load::load_bytes(arn, &join(docs))?;
    for e in &mut h.executions {
        // The events name the execution only by its EXECUTION operation.
        if e.true_arn().is_none() {
            e.arn = Some(arn.to_string());
        }
    }
    Ok(h)
}

/// Page documents one after another, as a file of concatenated pages.
pub(crate) fn join(docs: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(docs.iter().map(|d| d.len() + 1).sum());
    for d in docs {
        bytes.extend_from_slice(d);
        bytes.push(b'\n');
    }
    bytes
}
