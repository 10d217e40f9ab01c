//! Typed serde mirrors of the PascalCase AWS shapes shared by several
//! formats (operations, payload wrappers, errors, timestamps). They are
//! deserialised straight from the bytes, never through `serde_json::Value`,
//! so a 50,000-operation file parses in one pass; conversion to the model
//! happens afterwards with the position known for error messages.

use crate::model::{ErrorInfo, Payload, Ts};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A string borrowed from the input when it has no escapes. serde borrows
/// a `Cow<str>` field only when it is not wrapped (`Option<Cow<str>>`
/// always allocates), hence this newtype; it saves most allocations of ids,
/// names and event types in large histories.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl<'a> Text<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A timestamp in any of the three forms real files use: epoch seconds as a
/// float, epoch milliseconds as an integer, or an ISO-8601 string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RawTs(pub Ts);

impl<'de> Deserialize<'de> for RawTs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TsVisitor)
    }
}

struct TsVisitor;

impl<'de> Visitor<'de> for TsVisitor {
    type Value = RawTs;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a timestamp (epoch seconds, epoch milliseconds or an ISO-8601 string)")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawTs, E> {
        Ts::from_number(v, false)
            .map(RawTs)
            .ok_or_else(|| E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTs, E> {
        Ts::from_number(v as f64, true)
            .map(RawTs)
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTs, E> {
        Ts::from_number(v as f64, true)
            .map(RawTs)
            .ok_or_else(|| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTs, E> {
        Ts::parse_iso(v)
            .map(RawTs)
            .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

pub(crate) fn ts(t: Option<RawTs>) -> Option<Ts> {
    t.map(|t| t.0)
}

/// `{"Truncated": false, "Payload": "<json text>"}` as history events carry it.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawPayload<'a> {
    #[serde(default)]
    pub truncated: bool,
    #[serde(borrow)]
    pub payload: Option<Text<'a>>,
}

/// What became of one payload wrapper: the model payload plus what the
/// loader must warn about.
pub(crate) enum PayloadOutcome {
    Present(Payload),
    /// The wrapper was there without text: history fetched without data.
    Absent,
}

impl RawPayload<'_> {
    pub fn into_outcome(self) -> PayloadOutcome {
        match (self.payload.map(Text::into_string), self.truncated) {
            (Some(text), false) => PayloadOutcome::Present(Payload::new(text)),
            (Some(text), true) => PayloadOutcome::Present(Payload::truncated(text)),
            (None, true) => PayloadOutcome::Present(Payload::truncated(String::new())),
            (None, false) => PayloadOutcome::Absent,
        }
    }
}

/// `{ErrorType, ErrorMessage, ErrorData, StackTrace}`.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawError {
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub error_data: Option<String>,
    #[serde(default)]
    pub stack_trace: Option<Vec<String>>,
}

impl RawError {
    pub fn is_empty(&self) -> bool {
        self.error_type.is_none()
            && self.error_message.is_none()
            && self.error_data.is_none()
            && self.stack_trace.as_ref().is_none_or(|s| s.is_empty())
    }

    pub fn into_info(self, truncated: bool) -> ErrorInfo {
        ErrorInfo {
            error_type: self.error_type,
            message: self.error_message,
            data: self.error_data,
            stack_trace: self.stack_trace.unwrap_or_default(),
            truncated,
        }
    }
}

/// An error as history events wrap it: `{"Truncated", "Payload": {..}}`.
/// A bare error object is accepted too (some tools drop the wrapper), and an
/// empty `{}` (the JS tool's "no error") means none.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawErrorWrap {
    #[serde(default)]
    pub truncated: bool,
    pub payload: Option<RawError>,
    #[serde(flatten)]
    pub bare: RawError,
}

impl RawErrorWrap {
    pub fn into_info(self) -> Option<ErrorInfo> {
        let inner = match self.payload {
            Some(p) if !p.is_empty() => p,
            _ => self.bare,
        };
        if inner.is_empty() && !self.truncated {
            return None;
        }
        Some(inner.into_info(self.truncated))
    }
}

/// One operation record (GetDurableExecutionState, invocation input, store).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawOp {
    pub id: Option<String>,
    pub parent_id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub op_type: Option<String>,
    pub sub_type: Option<String>,
    pub status: Option<String>,
    pub start_timestamp: Option<RawTs>,
    pub end_timestamp: Option<RawTs>,
    /// Exactly one of the per-type detail objects; they share field names, so
    /// one struct with every field serves them all.
    #[serde(
        alias = "StepDetails",
        alias = "WaitDetails",
        alias = "CallbackDetails",
        alias = "ChainedInvokeDetails",
        alias = "ContextDetails",
        alias = "ExecutionDetails"
    )]
    pub details: Option<RawOpDetails>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawOpDetails {
    pub attempt: Option<u32>,
    pub next_attempt_timestamp: Option<RawTs>,
    pub result: Option<String>,
    pub error: Option<RawError>,
    pub scheduled_end_timestamp: Option<RawTs>,
    pub callback_id: Option<String>,
    pub input_payload: Option<String>,
}
