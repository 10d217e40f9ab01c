//! Load warnings: what a loader noticed that did not stop the load, with a
//! kind code can match on (never the wording) and the text people read.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// What a warning is about, for code that acts on it (the re-run refuses a
/// partial recording on these kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A gap in EventIds: events (a page) the source does not hold.
    EventGap,
    /// The history starts after event 1: a later page on its own.
    LaterPage,
    /// Payloads left out (a history fetched without execution data).
    PayloadsAbsent,
    /// Anything else: shown, not acted on.
    #[default]
    Other,
}

/// One warning: its kind and the sentence shown for it. Reads as its text
/// (`Deref<Target = str>`, `Display`), so showing warnings needs no change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Stored")]
pub struct Warning {
    pub kind: WarningKind,
    pub text: String,
}

/// A warning as an export holds it: `{kind, text}`, or a bare sentence
/// (exports written before warnings had kinds).
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Typed { kind: WarningKind, text: String },
    Text(String),
}

impl From<Stored> for Warning {
    fn from(s: Stored) -> Warning {
        match s {
            Stored::Typed { kind, text } => Warning { kind, text },
            Stored::Text(text) => Warning::from(text),
        }
    }
}

impl Warning {
    pub fn new(kind: WarningKind, text: impl Into<String>) -> Warning {
        Warning {
            kind,
            text: text.into(),
        }
    }
}

impl From<String> for Warning {
    fn from(text: String) -> Warning {
        Warning::new(WarningKind::Other, text)
    }
}

impl From<&str> for Warning {
    fn from(text: &str) -> Warning {
        Warning::new(WarningKind::Other, text)
    }
}

impl Deref for Warning {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl Borrow<str> for Warning {
    fn borrow(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for Warning {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Warning {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_keeps_the_kind_and_reads_older_bare_sentences() {
        let w = Warning::new(WarningKind::EventGap, "event 3 is missing");
        let text = serde_json::to_string(&w).unwrap();
        assert_eq!(text, r#"{"kind":"event-gap","text":"event 3 is missing"}"#);
        assert_eq!(serde_json::from_str::<Warning>(&text).unwrap(), w);
        let old: Warning = serde_json::from_str(r#""event 3 is missing""#).unwrap();
        assert_eq!(old.kind, WarningKind::Other);
        assert_eq!(old, "event 3 is missing");
    }
}
