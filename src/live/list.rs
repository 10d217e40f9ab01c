//! The executions of one function (ListDurableExecutionsByFunction, every
//! page), as the same [`ExecutionSummary`] rows a store lists, oldest first
//! then by ARN (the order `list` numbers executions in).

use super::client::Service;
use super::error::LiveError;
use crate::load::ExecutionSummary;
use crate::model::Ts;
use aws_sdk_lambda::primitives::DateTime;
use aws_sdk_lambda::types::ExecutionStatus;
use std::sync::atomic::AtomicBool;

/// A function as `list --function` takes it: `NAME[:QUALIFIER]`, or its
/// ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The name or ARN without the qualifier.
    pub name: String,
    pub qualifier: Option<String>,
}

impl FunctionRef {
    pub fn parse(s: &str) -> Result<FunctionRef, String> {
        let bad = || {
            format!("--function '{s}': expected NAME, NAME:QUALIFIER or a function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])")
        };
        if s.is_empty() {
            return Err(bad());
        }
        let parts: Vec<&str> = s.split(':').collect();
        let (name, qualifier) = if s.starts_with("arn:") {
            match parts.as_slice() {
                [_, _, "lambda", _, _, "function", n] if !n.is_empty() => (s.to_string(), None),
                [_, _, "lambda", _, _, "function", n, q] if !n.is_empty() && !q.is_empty() => {
                    (parts[..7].join(":"), Some(q.to_string()))
                }
                _ => return Err(bad()),
            }
        } else {
            match parts.as_slice() {
                [n] => (n.to_string(), None),
                [n, q] if !n.is_empty() && !q.is_empty() => (n.to_string(), Some(q.to_string())),
                _ => return Err(bad()),
            }
        };
        Ok(FunctionRef { name, qualifier })
    }

    /// As the user wrote it.
    pub fn label(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{q}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Which executions to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    /// One of the service's statuses (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED).
    pub status: Option<String>,
    /// Only executions started after this time.
    pub since: Option<Ts>,
}

impl ListFilter {
    /// The status as the service spells it, or an error listing them.
    pub fn parse_status(s: &str) -> Result<String, String> {
        let up = s.to_ascii_uppercase().replace('-', "_");
        let known = ExecutionStatus::values();
        if known.contains(&up.as_str()) {
            return Ok(up);
        }
        Err(format!(
            "--status '{s}': expected one of {}",
            known.join(", ")
        ))
    }
}

impl Service {
    pub fn list(
        &self,
        function: &FunctionRef,
        filter: &ListFilter,
        cancel: Option<&AtomicBool>,
    ) -> Result<Vec<ExecutionSummary>, LiveError> {
        let label = format!("function {}", function.label());
        let call = self.call("ListDurableExecutionsByFunction", &label);
        let mut rows = Vec::new();
        let mut marker: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut req = self
                .client
                .list_durable_executions_by_function()
                .function_name(&function.name)
                .set_qualifier(function.qualifier.clone())
                .set_marker(marker.clone());
            if let Some(s) = &filter.status {
                req = req.statuses(ExecutionStatus::from(s.as_str()));
            }
            if let Some(t) = filter.since {
                let (secs, nanos) = (t.0.div_euclid(1_000_000), t.0.rem_euclid(1_000_000) * 1000);
                req = req.started_after(DateTime::from_secs_and_nanos(secs, nanos as u32));
            }
            let page = self
                .run(req.send(), cancel)
                .ok_or_else(|| LiveError::Cancelled {
                    what: label.clone(),
                })?
                .map_err(|e| call.error(e))?;
            for e in page.durable_executions.unwrap_or_default() {
                rows.push(ExecutionSummary {
                    function_name: Some(function_name(&e.function_arn)),
                    name: Some(e.durable_execution_name),
                    status: Some(e.status.as_str().to_string()),
                    start: ts(&e.start_timestamp),
                    end: e.end_timestamp.as_ref().and_then(ts),
                    operation_count: None,
                    // The listing's summaries carry no error.
                    error_type: None,
                    arn: e.durable_execution_arn,
                });
            }
            match page.next_marker.filter(|m| !m.is_empty()) {
                None => break,
                Some(m) if !seen.insert(m.clone()) => {
                    return Err(LiveError::Incomplete {
                        what: label,
                        detail: format!("the service gave the page token '{m}' twice"),
                    })
                }
                Some(m) => marker = Some(m),
            }
        }
        // The filters are also applied here: the official local service
        // ignores them (it reads other query parameters than the SDK sends).
        rows.retain(|r| {
            filter
                .status
                .as_ref()
                .is_none_or(|s| r.status.as_ref() == Some(s))
                && filter.since.is_none_or(|t| r.start.is_some_and(|s| s >= t))
        });
        rows.sort_by(|a, b| (a.start, &a.arn).cmp(&(b.start, &b.arn)));
        Ok(rows)
    }
}

/// The function's name in its ARN (`...:function:NAME[:QUALIFIER]`), or the
/// text itself when it is no ARN.
fn function_name(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) if i + 1 < parts.len() => parts[i + 1].to_string(),
        _ => arn.to_string(),
    }
}

fn ts(t: &DateTime) -> Option<Ts> {
    let micros = i128::from(t.secs()) * 1_000_000 + i128::from(t.subsec_nanos() / 1000);
    i64::try_from(micros).ok().map(Ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_references_split_their_qualifier() {
        let f = FunctionRef::parse("orders:prod").unwrap();
        assert_eq!(
            (f.name.as_str(), f.qualifier.as_deref()),
            ("orders", Some("prod"))
        );
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:orders:7";
        let f = FunctionRef::parse(arn).unwrap();
        assert_eq!(
            f.name,
            "arn:aws:lambda:us-east-1:123456789012:function:orders"
        );
        assert_eq!(f.qualifier.as_deref(), Some("7"));
        assert_eq!(f.label(), arn);
        assert!(FunctionRef::parse("a:b:c").is_err());
        assert!(FunctionRef::parse("arn:aws:s3:::bucket").is_err());
        assert_eq!(function_name(arn), "orders");
    }

    #[test]
    fn statuses_are_the_services() {
        assert_eq!(ListFilter::parse_status("timed-out").unwrap(), "TIMED_OUT");
        let e = ListFilter::parse_status("done").unwrap_err();
        assert!(e.contains("RUNNING") && e.contains("STOPPED"), "{e}");
    }
}
