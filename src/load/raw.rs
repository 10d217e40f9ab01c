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
        ts_from_str(v)
            .map(RawTs)
            .ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// A timestamp string: the common ISO form fast, any other through chrono.
pub(crate) fn ts_from_str(v: &str) -> Option<Ts> {
    iso_utc_fast(v).or_else(|| Ts::parse_iso(v))
}

/// The one ISO-8601 shape large histories use, `2026-11-24T15:34:20.004Z`
/// (any number of fraction digits, `Z` or a `±HH:MM` offset), read without
/// chrono's general parser, which was a visible share of loading 100,000
/// event timestamps. `None` for anything else: the caller falls back to
/// [`Ts::parse_iso`], so odd forms read exactly as before.
fn iso_utc_fast(s: &str) -> Option<Ts> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut n = 0i64;
        for &c in b.get(r)? {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + i64::from(c - b'0');
        }
        Some(n)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Leap seconds (`:60`) and other rarities go to chrono.
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    let offset_secs = match &b[i..] {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(Ts(secs * 1_000_000 + micros))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
            // The Python tool flags complete payloads too: only text that
            // is not whole JSON was really cut.
            (Some(text), true) if is_whole_json(&text) => {
                PayloadOutcome::Present(Payload::new(text))
            }
            (Some(text), true) => PayloadOutcome::Present(Payload::truncated(text)),
            (None, true) => PayloadOutcome::Present(Payload::truncated(String::new())),
            (None, false) => PayloadOutcome::Absent,
        }
    }
}

/// Whether `text` is one complete JSON value (a cut payload is not).
fn is_whole_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
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
        let (inner, whole) = match self.payload {
            // An error object that parsed is whole, whatever its flag says
            // (the Python tool flags complete payloads too).
            Some(p) if !p.is_empty() => (p, true),
            _ => (self.bare, false),
        };
        let truncated = self.truncated && !whole;
        if inner.is_empty() && !truncated {
            return None;
        }
        Some(inner.into_info(truncated))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_iso_timestamps_agree_with_chrono() {
        for s in [
            "2026-11-24T15:34:20.004Z",
            "2026-11-24T15:33:39.246334+00:00",
            "2026-11-24T15:33:39.246334987Z",
            "2024-02-29T23:59:59Z",
            "2000-03-01T00:00:00.5+05:30",
            "1969-12-31T23:59:59.999-08:00",
            "2026-01-01T00:00:00.000z",
        ] {
            assert_eq!(iso_utc_fast(s), Ts::parse_iso(s), "{s}");
            assert!(iso_utc_fast(s).is_some(), "{s} takes the fast path");
        }
    }

    #[test]
    fn unusual_timestamps_fall_back_to_chrono() {
        for s in [
            "2026-11-24T15:34:20",
            "2026-11-24 15:34:20Z",
            "2023-02-29T00:00:00Z",
            "2026-11-24T15:34:60Z",
            " 2026-11-24T15:34:20Z",
            "2026-11-24T15:34:20.Z",
            "2026-11-24T15:34:20+0000",
        ] {
            assert_eq!(iso_utc_fast(s), None, "{s}");
        }
    }
}
