//! Timestamps as microseconds since the Unix epoch (UTC). Real files carry
//! three forms — epoch-second floats, ISO-8601 strings, epoch-millisecond
//! integers — and all of them fit here without loss that matters to a user.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ts(pub i64);

impl Ts {
    /// The earliest time a timestamp can mean: 0001-01-01T00:00:00Z. Years
    /// outside 1..=9999 (what ISO 8601 writes with four digits) are corrupt
    /// or absurd values, shown as "invalid time" rather than as nonsense.
    pub const MIN_VALID: Ts = Ts(-62_135_596_800_000_000);
    /// The latest: 9999-12-31T23:59:59.999999Z.
    pub const MAX_VALID: Ts = Ts(253_402_300_799_999_999);

    pub fn is_valid(self) -> bool {
        (Ts::MIN_VALID..=Ts::MAX_VALID).contains(&self)
    }

    /// Microseconds from `self` to `later` (negative when `later` is
    /// earlier), or `None` when either is not a valid time: between valid
    /// times the difference cannot overflow, so it never wraps.
    pub fn micros_until(self, later: Ts) -> Option<i64> {
        (self.is_valid() && later.is_valid()).then(|| later.0 - self.0)
    }

    pub fn from_epoch_seconds(s: f64) -> Option<Ts> {
        s.is_finite().then(|| Ts((s * 1_000_000.0).round() as i64))
    }

    pub fn from_epoch_millis(ms: i64) -> Ts {
        Ts(ms.saturating_mul(1000))
    }

    /// ISO-8601 / RFC 3339 (`2026-11-24T15:34:20.004Z`, `...+00:00`).
    pub fn parse_iso(s: &str) -> Option<Ts> {
        chrono::DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| Ts(d.timestamp_micros()))
            .or_else(|| {
                // Some tools print a naive time without offset: read it as UTC.
                chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()
                    .map(|d| Ts(d.and_utc().timestamp_micros()))
            })
    }

    /// A JSON number of epoch seconds (float) vs. epoch milliseconds (integer
    /// above 10^11: year 5138 in seconds, 1973 in milliseconds).
    pub fn from_number(n: f64, is_integer: bool) -> Option<Ts> {
        if is_integer && n.abs() >= 1e11 {
            Some(Ts::from_epoch_millis(n as i64))
        } else {
            Ts::from_epoch_seconds(n)
        }
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// `2026-11-24T15:34:20.004123Z`, or `invalid time (… µs since the
    /// epoch)` outside years 1..=9999.
    pub fn to_iso(self) -> String {
        match chrono::DateTime::from_timestamp_micros(self.0).filter(|_| self.is_valid()) {
            Some(d) => d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            None => format!("{INVALID_TIME} ({} µs since the epoch)", self.0),
        }
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

/// What a duration or time that cannot be computed shows.
pub const INVALID_TIME: &str = "invalid time";

/// The human duration from `start` to `end` ([`format_duration_micros`]),
/// or "invalid time" when either is not a valid time.
pub fn format_span(start: Ts, end: Ts) -> String {
    match start.micros_until(end) {
        Some(us) => format_duration_micros(us),
        None => INVALID_TIME.to_string(),
    }
}

/// Human duration between two timestamps: `850µs`, `12.3ms`, `4.20s`, `5m 00s`.
pub fn format_duration_micros(us: i64) -> String {
    let a = us.unsigned_abs();
    let sign = if us < 0 { "-" } else { "" };
    if a < 1_000 {
        format!("{sign}{a}µs")
    } else if a < 1_000_000 {
        format!("{sign}{:.1}ms", a as f64 / 1e3)
    } else if a < 60_000_000 {
        format!("{sign}{:.2}s", a as f64 / 1e6)
    } else if a < 3_600_000_000 {
        format!("{sign}{}m {:02}s", a / 60_000_000, (a / 1_000_000) % 60)
    } else {
        format!("{sign}{}h {:02}m", a / 3_600_000_000, (a / 60_000_000) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_timestamp_forms_agree() {
        let iso = Ts::parse_iso("2026-11-24T15:33:39.246334+00:00").unwrap();
        let secs = Ts::from_number(1795534419.246334, false).unwrap();
        assert_eq!(iso, secs);
        let ms = Ts::from_number(1795534419246.0, true).unwrap();
        assert_eq!(ms.0, 1795534419246000);
        assert_eq!(
            Ts::parse_iso("2026-11-24T15:34:20.004Z").unwrap().to_iso(),
            "2026-11-24T15:34:20.004000Z"
        );
    }

    #[test]
    fn absurd_times_are_invalid_and_their_spans_never_wrap() {
        let (lo, hi) = (Ts(i64::MIN + 1), Ts(i64::MAX - 1));
        // Computed plainly, hi - lo overflows i64 (wraps to -3 in release).
        assert!(hi.0.checked_sub(lo.0).is_none());
        assert_eq!(lo.micros_until(hi), None);
        assert_eq!(format_span(lo, hi), "invalid time");
        assert_eq!(
            format_span(Ts::from_epoch_millis(i64::MAX), Ts(0)),
            "invalid time"
        );
        assert!(hi.to_iso().starts_with("invalid time ("), "{}", hi.to_iso());
        assert_eq!(Ts::MIN_VALID.to_iso(), "0001-01-01T00:00:00.000000Z");
        assert_eq!(Ts::MAX_VALID.to_iso(), "9999-12-31T23:59:59.999999Z");
        assert_eq!(format_span(Ts(1_000), Ts(3_000)), "2.0ms");
        assert_eq!(format_span(Ts(3_000), Ts(1_000)), "-2.0ms");
    }

    #[test]
    fn durations_are_human() {
        assert_eq!(format_duration_micros(850), "850µs");
        assert_eq!(format_duration_micros(12_345), "12.3ms");
        assert_eq!(format_duration_micros(300_000_000), "5m 00s");
    }
}
