//! One history event read in place. Loading a large history reads 100,000
//! events; serde's derive would build a fresh 360-byte `RawEvent` for each
//! and move it through every layer up to the sink (those copies were about
//! a tenth of the load), so the event loop reuses one `RawEvent` and this
//! visitor fills its fields where they are.

use super::events::RawEvent;
use super::raw::Text;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The keys of an event, as serde's derive would name them in errors.
const FIELDS: &[&str] = &[
    "EventType",
    "EventId",
    "EventTimestamp",
    "Id",
    "Name",
    "SubType",
    "ParentId",
    "Details",
];

/// The `<EventType>Details` keys; every one fills `RawEvent::details`.
pub(crate) fn is_details_key(k: &str) -> bool {
    matches!(
        k,
        "Details"
            | "ExecutionStartedDetails"
            | "ExecutionSucceededDetails"
            | "ExecutionFailedDetails"
            | "ExecutionTimedOutDetails"
            | "ExecutionStoppedDetails"
            | "StepStartedDetails"
            | "StepSucceededDetails"
            | "StepFailedDetails"
            | "WaitStartedDetails"
            | "WaitSucceededDetails"
            | "WaitCancelledDetails"
            | "CallbackStartedDetails"
            | "CallbackSucceededDetails"
            | "CallbackFailedDetails"
            | "CallbackTimedOutDetails"
            | "ContextStartedDetails"
            | "ContextSucceededDetails"
            | "ContextFailedDetails"
            | "ChainedInvokeStartedDetails"
            | "ChainedInvokeSucceededDetails"
            | "ChainedInvokeFailedDetails"
            | "ChainedInvokeTimedOutDetails"
            | "ChainedInvokeStoppedDetails"
            | "InvocationCompletedDetails"
    )
}

/// Reads one event object into the `RawEvent` it holds, replacing what was
/// there. Unknown keys are skipped; a key given twice is an error, as with
/// a derived `Deserialize`.
pub(crate) struct EventSeed<'a, 'de>(pub &'a mut RawEvent<'de>);

impl<'de> DeserializeSeed<'de> for EventSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("RawEvent", FIELDS, self)
    }
}

/// Read the value of `key` into `slot`, once.
fn fill<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    seen: &mut u8,
    bit: u8,
    key: &'static str,
) -> Result<(), A::Error> {
    if *seen & bit != 0 {
        return Err(de::Error::duplicate_field(key));
    }
    *seen |= bit;
    *slot = map.next_value()?;
    Ok(())
}

impl<'de> Visitor<'de> for EventSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct RawEvent")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ev = self.0;
        *ev = RawEvent::default();
        let mut seen = 0u8;
        let m = &mut map;
        while let Some(key) = m.next_key::<Text<'de>>()? {
            match key.as_str() {
                "EventType" => fill(m, &mut ev.event_type, &mut seen, 1, FIELDS[0])?,
                "EventId" => fill(m, &mut ev.event_id, &mut seen, 2, FIELDS[1])?,
                "EventTimestamp" => fill(m, &mut ev.event_timestamp, &mut seen, 4, FIELDS[2])?,
                "Id" => fill(m, &mut ev.id, &mut seen, 8, FIELDS[3])?,
                "Name" => fill(m, &mut ev.name, &mut seen, 16, FIELDS[4])?,
                "SubType" => fill(m, &mut ev.sub_type, &mut seen, 32, FIELDS[5])?,
                "ParentId" => fill(m, &mut ev.parent_id, &mut seen, 64, FIELDS[6])?,
                k if is_details_key(k) => fill(m, &mut ev.details, &mut seen, 128, FIELDS[7])?,
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<RawEvent<'_>, serde_json::Error> {
        let mut ev = RawEvent::default();
        let mut de = serde_json::Deserializer::from_str(json);
        EventSeed(&mut ev).deserialize(&mut de)?;
        Ok(ev)
    }

    #[test]
    fn event_fields_are_read_and_unknown_keys_skipped() {
        let ev = read(
            r#"{"EventType":"StepSucceeded","EventId":3,"Id":"a","Name":null,
               "Extra":{"x":[1]},"StepSucceededDetails":{"Result":{"Payload":"1"}}}"#,
        )
        .unwrap();
        assert_eq!(
            ev.event_type.as_ref().map(Text::as_str),
            Some("StepSucceeded")
        );
        assert_eq!(ev.event_id, Some(3));
        assert!(ev.name.is_none());
        let result = ev.details.and_then(|d| d.result).and_then(|p| p.payload);
        assert_eq!(result.as_ref().map(Text::as_str), Some("1"));
    }

    #[test]
    fn a_key_given_twice_is_an_error() {
        let e = read(r#"{"Id":"a","Id":"b"}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate field `Id`"), "{e}");
        let e = read(r#"{"StepStartedDetails":{},"StepSucceededDetails":{}}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate field `Details`"), "{e}");
    }

    #[test]
    fn reading_replaces_the_previous_event() {
        let mut ev = RawEvent::default();
        let mut de = serde_json::Deserializer::from_str(r#"{"Id":"a","Name":"n"} {"Id":"b"}"#);
        EventSeed(&mut ev).deserialize(&mut de).unwrap();
        EventSeed(&mut ev).deserialize(&mut de).unwrap();
        assert_eq!(ev.id.as_ref().map(Text::as_str), Some("b"));
        assert!(ev.name.is_none());
    }
}
