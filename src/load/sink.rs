//! Event order and streaming: history events go to an `EventSink` as the
//! parser reads them. In EventId order (the normal case) they are applied
//! at once and never kept; otherwise they are collected, sorted and checked
//! (duplicates are an error, gaps and disorder are warnings) first.

use super::error::LoadError;
use super::events::{Builder, RawEvent};
use super::top::doc_prefix;
use crate::model::{Execution, Warning, WarningKind};
use std::collections::HashMap;

/// Where an event sits in the file, to build a JSON pointer on error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub doc: usize,
    /// Index in an array of pages, when the document was one.
    pub page: Option<usize>,
    /// Whether the events sat under an `Events` key (vs a bare array).
    pub wrapped: bool,
    pub index: usize,
}

impl Place {
    pub fn pointer(&self) -> String {
        let mut s = doc_prefix(self.doc);
        if let Some(p) = self.page {
            s.push_str(&format!("/{p}"));
        }
        if self.wrapped {
            s.push_str("/Events");
        }
        s.push_str(&format!("/{}", self.index));
        s
    }
}

/// Build one execution from every event of one history.
pub(crate) fn build(
    file: &str,
    mut events: Vec<(RawEvent<'_>, Place)>,
    warnings: &mut Vec<Warning>,
) -> Result<Execution, LoadError> {
    let mut ids = Vec::with_capacity(events.len());
    for (ev, place) in &events {
        let Some(id) = ev.event_id else {
            return Err(missing(file, place, "EventId", "an EventId (integer)"));
        };
        if ev.event_type.is_none() {
            return Err(missing(file, place, "EventType", "an EventType (string)"));
        }
        ids.push(id);
    }
    if let Some(w) = ids.windows(2).position(|w| w[0] > w[1]) {
        warnings.push(
            format!(
                "events are out of order (EventId {} comes after {} at {}): sorted by EventId",
                ids[w + 1],
                ids[w],
                events[w + 1].1.pointer()
            )
            .into(),
        );
        // Stable, so duplicate ids keep their file order for the error below.
        events.sort_by_key(|(e, _)| e.event_id);
    }
    let first = events.first().and_then(|(e, _)| e.event_id);
    let saw_execution = events.iter().any(|(e, _)| {
        e.event_type
            .as_ref()
            .is_some_and(|t| t.as_str().starts_with("Execution"))
    });
    let mut own = Vec::new();
    check_ids(file, &events, &mut own)?;
    warnings.extend(leading_gap(first, saw_execution));
    warnings.append(&mut own);
    Ok(Builder::default().run(events, warnings))
}

/// The warning for a history that does not start at event 1, if any. A
/// source that leaves the execution's own events out (no Execution* event
/// at all) and starts at 2 is missing only that ExecutionStarted: nothing
/// to warn about.
fn leading_gap(first: Option<u64>, saw_execution: bool) -> Option<Warning> {
    let first = first.filter(|&f| f > 1)?;
    (saw_execution || first > 2).then(|| gap_warning(1, first))
}

fn check_ids(
    file: &str,
    events: &[(RawEvent<'_>, Place)],
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    let mut prev: Option<(u64, Place)> = None;
    for (ev, place) in events {
        let id = ev.event_id.unwrap_or(0);
        // Where the history starts is `leading_gap`'s to say.
        let expected_next = prev.map(|(p, _)| p + 1).unwrap_or(id);
        if let Some((p, first)) = prev {
            if p == id {
                return Err(LoadError::DuplicateEventId {
                    file: file.to_string(),
                    event_id: id,
                    first: first.pointer(),
                    second: place.pointer(),
                });
            }
        }
        if id > expected_next {
            warnings.push(gap_warning(expected_next, id));
        }
        prev = Some((id, *place));
    }
    Ok(())
}

/// A gap in EventIds: `EventGap` inside the history; a history that starts
/// after event 1 (a later page on its own) is `LaterPage`.
fn gap_warning(expected: u64, found: u64) -> Warning {
    if expected == 1 {
        // A later page on its own: say what that means for what is shown
        // rather than only that events are missing.
        let range = if found == 2 {
            "event 1 is".to_string()
        } else {
            format!("events 1–{} are", found - 1)
        };
        return Warning::new(WarningKind::LaterPage, format!(
            "partial history: it starts at event {found}; {range} not in this file (an earlier page?), so invocations are counted from event {found}, not from the execution's start; positions in the root come from the SDK's operation ids, and no switch is stated inside a context whose parent is not in this file"
        ));
    }
    let range = if found - 1 == expected {
        format!("event {expected} is missing")
    } else {
        format!("events {expected}–{} are missing", found - 1)
    };
    Warning::new(
        WarningKind::EventGap,
        format!("{range} (a page was not fetched?)"),
    )
}

fn missing(file: &str, place: &Place, key: &str, what: &str) -> LoadError {
    LoadError::invalid(file, format!("{}/{key}", place.pointer()), what, "none")
}

/// What an [`EventSink`] does with each event as the parser reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SinkMode {
    /// Build operations on the fly: no event is kept, so a large history
    /// costs little more than its parse. Events out of EventId order stop
    /// the streaming (`needs_sorting`) and the caller collects instead.
    Stream,
    /// Keep every event, to sort and check them first.
    Collect,
    /// Drop them (re-parsing only to locate an error).
    Discard,
}

/// Receives history events while the document is parsed.
pub(crate) struct EventSink<'de> {
    file: String,
    mode: SinkMode,
    /// Where the parser is, for the `Place` of each event.
    pub doc: usize,
    pub page: Option<usize>,
    pub wrapped: bool,
    last: Option<u64>,
    needs_sorting: bool,
    /// The first EventId read (see [`leading_gap`]).
    first: Option<u64>,
    error: Option<LoadError>,
    builder: Builder<'de>,
    collected: Vec<(RawEvent<'de>, Place)>,
    warnings: Vec<Warning>,
}

impl<'de> EventSink<'de> {
    pub fn new(file: &str, mode: SinkMode) -> Self {
        EventSink {
            file: file.to_string(),
            mode,
            doc: 0,
            page: None,
            wrapped: false,
            last: None,
            needs_sorting: false,
            first: None,
            error: None,
            builder: Builder::default(),
            collected: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The input is `bytes` long (sizes the operation index).
    pub fn expect_bytes(&mut self, bytes: usize) {
        self.builder.expect_bytes(bytes);
    }

    /// Take the event just read (leaving what the builder does not use).
    pub fn push(&mut self, ev: &mut RawEvent<'de>, index: usize) {
        let place = Place {
            doc: self.doc,
            page: self.page,
            wrapped: self.wrapped,
            index,
        };
        match self.mode {
            SinkMode::Discard => {}
            SinkMode::Collect => self.collected.push((std::mem::take(ev), place)),
            SinkMode::Stream => {
                if self.needs_sorting || self.error.is_some() {
                    return;
                }
                let Some(id) = ev.event_id else {
                    self.error = Some(missing(
                        &self.file,
                        &place,
                        "EventId",
                        "an EventId (integer)",
                    ));
                    return;
                };
                if ev.event_type.is_none() {
                    self.error = Some(missing(
                        &self.file,
                        &place,
                        "EventType",
                        "an EventType (string)",
                    ));
                    return;
                }
                if self.last.is_some_and(|prev| id <= prev) {
                    // Out of order or repeated: sort and check all of them.
                    self.needs_sorting = true;
                    return;
                }
                match self.last {
                    Some(prev) if id > prev + 1 => self.warnings.push(gap_warning(prev + 1, id)),
                    Some(_) => {}
                    None => self.first = Some(id),
                }
                self.last = Some(id);
                self.builder.feed(ev, place, &mut self.warnings);
            }
        }
    }

    /// The streamed execution, or `None` when the events must be collected
    /// and sorted first (parse again with [`SinkMode::Collect`]).
    pub fn finish(self, warnings: &mut Vec<Warning>) -> Result<Option<Execution>, LoadError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.needs_sorting {
            return Ok(None);
        }
        let mut own = self.warnings;
        if let Some(w) = leading_gap(self.first, self.builder.saw_execution()) {
            own.insert(0, w);
        }
        let exec = self.builder.finish(&mut own);
        warnings.append(&mut own);
        Ok(Some(exec))
    }

    pub fn into_collected(self) -> Vec<(RawEvent<'de>, Place)> {
        self.collected
    }
}

/// Maps keyed by ids use `rustc-hash`'s Fx hash: ids are short strings made
/// by the SDKs, not attacker-chosen keys, and SipHash was a visible share of
/// loading a large history.
pub(crate) type Fx = rustc_hash::FxHasher;

pub(crate) type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn gaps_name_the_missing_range() {
        assert_eq!(
            gap_warning(7, 10),
            "events 7–9 are missing (a page was not fetched?)"
        );
        assert_eq!(
            gap_warning(3, 4),
            "event 3 is missing (a page was not fetched?)"
        );
    }

    #[test]
    fn a_later_page_alone_is_called_partial() {
        let w = gap_warning(1, 16);
        assert!(
            w.starts_with(
                "partial history: it starts at event 16; events 1–15 are not in this file"
            ),
            "{w}"
        );
        assert!(gap_warning(1, 2).contains("event 1 is not in this file"));
    }

    #[test]
    fn id_hash_spreads_sequential_hex_ids() {
        let b = rustc_hash::FxBuildHasher;
        let low: std::collections::HashSet<u64> = (0..4096u32)
            .map(|i| b.hash_one(format!("{i:016x}")) & 0xfff)
            .collect();
        assert!(low.len() > 2000, "only {} distinct low bits", low.len());
    }
}
