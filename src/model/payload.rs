//! Payloads: the raw text as recorded and its decoded JSON value. The Python
//! SDK wraps values in a typed envelope (`{"t":"m","v":...}`); users see the
//! plain value, with the raw text one click away.
//!
//! The decoded value is built on first use, not at load: a 50,000-operation
//! history holds tens of thousands of payloads of which a user looks at a
//! handful, and decoding them all up front doubled load time and memory.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// Exactly the text the source held (empty when only `truncated`).
    pub raw: String,
    /// The raw text parsed as JSON, with the Python envelope removed, once
    /// asked for; see [`Payload::value`]. Boxed: a `Value` is 72 bytes and
    /// most payloads are never decoded, so inline it would grow every
    /// operation (and the load's copies of it) for nothing.
    #[serde(skip)]
    decoded: OnceLock<Option<Box<Value>>>,
    /// The source marked the payload as truncated.
    #[serde(default)]
    pub truncated: bool,
}

/// Two payloads are equal when they hold the same text, whether or not
/// either has been decoded yet.
impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.raw == other.raw && self.truncated == other.truncated
    }
}

impl Payload {
    pub fn new(raw: impl Into<String>) -> Payload {
        Payload {
            raw: raw.into(),
            decoded: OnceLock::new(),
            truncated: false,
        }
    }

    /// The raw text parsed as JSON with the Python envelope removed; `None`
    /// when the text is not JSON (it is then shown as a string).
    pub fn value(&self) -> Option<&Value> {
        self.decoded
            .get_or_init(|| decode(&self.raw).map(Box::new))
            .as_deref()
    }

    pub fn truncated(raw: impl Into<String>) -> Payload {
        let mut p = Payload::new(raw);
        p.truncated = true;
        p
    }

    /// The decoded value, or the raw text as a JSON string when it is not JSON.
    pub fn decoded(&self) -> Value {
        self.value()
            .cloned()
            .unwrap_or_else(|| Value::String(self.raw.clone()))
    }

    /// Pretty-printed decoded value for display.
    pub fn pretty(&self) -> String {
        match self.value() {
            Some(v) => serde_json::to_string_pretty(v).unwrap_or_else(|_| self.raw.clone()),
            None => self.raw.clone(),
        }
    }

    /// Whether the raw text used the Python SDK's typed envelope.
    pub fn is_python_envelope(&self) -> bool {
        serde_json::from_str::<Value>(&self.raw)
            .map(|v| envelope_parts(&v).is_some())
            .unwrap_or(false)
    }
}

fn decode(raw: &str) -> Option<Value> {
    let v: Value = serde_json::from_str(raw).ok()?;
    Some(decode_python_envelope(&v).unwrap_or(v))
}

fn envelope_parts(v: &Value) -> Option<(&str, &Value)> {
    let obj = v.as_object()?;
    if obj.len() != 2 {
        return None;
    }
    let tag = obj.get("t")?.as_str()?;
    let inner = obj.get("v")?;
    Some((tag, inner))
}

/// Decode the Python SDK's typed envelope to plain JSON. Returns `None` when
/// `v` is not an envelope, so plain JSON passes through untouched.
///
/// Tags: m map, l list, t tuple, s string, i int, f float, b bool, n null,
/// d decimal, dt datetime, u uuid, by bytes, br batch result. Unknown tags keep
/// their inner value decoded, so new SDK types still show something useful.
pub fn decode_python_envelope(v: &Value) -> Option<Value> {
    let (tag, inner) = envelope_parts(v)?;
    Some(match tag {
        "m" | "br" => match inner {
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, x) in map {
                    out.insert(
                        k.clone(),
                        decode_python_envelope(x).unwrap_or_else(|| x.clone()),
                    );
                }
                Value::Object(out)
            }
            other => other.clone(),
        },
        "l" | "t" | "set" => match inner {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|x| decode_python_envelope(x).unwrap_or_else(|| x.clone()))
                    .collect(),
            ),
            other => other.clone(),
        },
        "n" => Value::Null,
        _ => decode_python_envelope(inner).unwrap_or_else(|| inner.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_envelope_decodes_to_plain_json() {
        let p = Payload::new(
            r#"{"t":"m","v":{"orderId":{"t":"s","v":"123"},"total":{"t":"i","v":50}}}"#,
        );
        assert_eq!(
            p.value().cloned(),
            Some(serde_json::json!({"orderId": "123", "total": 50}))
        );
        assert!(p.is_python_envelope());
    }

    #[test]
    fn plain_json_is_kept_and_non_json_is_a_string() {
        assert_eq!(
            Payload::new(r#"{"t":1}"#).value().cloned(),
            Some(serde_json::json!({"t": 1}))
        );
        let p = Payload::new("not json");
        assert_eq!(p.value(), None);
        assert_eq!(p.decoded(), Value::String("not json".into()));
    }
}
