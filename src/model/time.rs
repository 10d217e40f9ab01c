//! Timestamps as microseconds since the Unix epoch (UTC). Real files carry
//! three forms — epoch-second floats, ISO-8601 strings, epoch-millisecond
//! integers — and all of them fit here without loss that matters to a user.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ts(pub i64);

impl Ts {
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

    /// `2026-11-24T15:34:20.004123Z`
    pub fn to_iso(self) -> String {
        match chrono::DateTime::from_timestamp_micros(self.0) {
            Some(d) => d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            None => format!("{}us", self.0),
        }
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
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
    fn durations_are_human() {
        assert_eq!(format_duration_micros(850), "850µs");
        assert_eq!(format_duration_micros(12_345), "12.3ms");
        assert_eq!(format_duration_micros(300_000_000), "5m 00s");
    }
}
