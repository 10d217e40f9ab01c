//! Which execution a user means: the one rule behind the CLI's `--execution`
//! and `FILE#EXECUTION`, the folder and SQLite loaders, and the app's store
//! picker (which opens by exact id).
//!
//! The rule, in order: a number is a 1-based index in listing order; then an
//! exact id (ARN, store key or EXECUTION operation id) or execution name;
//! then the end of an id, but only from a `:` or `/` boundary. A bare
//! suffix match is never tried: every ARN of a local store ends in the same
//! `…012`, so "2" would match them all. Out of range and ambiguity are
//! errors that list the candidates; nothing here counts from 0.

use std::fmt;

/// How many candidates an error lists before saying how many more there are.
const SHOWN: usize = 10;

/// What a selector is matched against, for one execution.
#[derive(Debug, Clone, Copy, Default)]
pub struct Candidate<'a> {
    /// The execution's id in its source: an ARN, a store key, or the
    /// EXECUTION operation id where the source has nothing else.
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    /// The EXECUTION operation's id, when known and not already `id`.
    pub op_id: Option<&'a str>,
}

impl Candidate<'_> {
    fn exact(&self, s: &str) -> bool {
        self.id == Some(s) || self.name == Some(s) || self.op_id == Some(s)
    }

    fn boundary_suffix(&self, s: &str) -> bool {
        let ends = |id: &str| {
            id.len() > s.len()
                && id.ends_with(s)
                && matches!(id.as_bytes()[id.len() - s.len() - 1], b':' | b'/')
        };
        self.id.is_some_and(ends) || self.op_id.is_some_and(ends)
    }

    /// `name (id)` for error lists.
    fn describe(&self) -> String {
        match (self.name, self.id.or(self.op_id)) {
            (Some(n), Some(id)) => format!("{n} ({id})"),
            (Some(n), None) => n.to_string(),
            (None, Some(id)) => id.to_string(),
            (None, None) => "(no name or id)".to_string(),
        }
    }
}

impl<'a> From<&'a crate::model::Execution> for Candidate<'a> {
    fn from(e: &'a crate::model::Execution) -> Candidate<'a> {
        Candidate {
            id: e.arn.as_deref(),
            name: e.name.as_deref(),
            op_id: e
                .execution_op_id
                .as_deref()
                .filter(|o| Some(*o) != e.arn.as_deref()),
        }
    }
}

/// A user's choice of execution, or an exact id (the app's picker knows the
/// id it listed and must not have it read as a number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionSelector {
    text: String,
    exact_id: bool,
}

impl ExecutionSelector {
    /// What a user typed: index, id, name or id suffix.
    pub fn new(text: impl Into<String>) -> ExecutionSelector {
        ExecutionSelector {
            text: text.into(),
            exact_id: false,
        }
    }

    /// Only the execution whose id is exactly `id`.
    pub fn exact_id(id: impl Into<String>) -> ExecutionSelector {
        ExecutionSelector {
            text: id.into(),
            exact_id: true,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The index (0-based, into `candidates`) of the one execution selected.
    pub fn pick(&self, candidates: &[Candidate<'_>]) -> Result<usize, SelectError> {
        let s = self.text.as_str();
        let listing = || listing(candidates);
        if self.exact_id {
            return candidates
                .iter()
                .position(|c| c.id == Some(s))
                .ok_or_else(|| SelectError::NoMatch {
                    selector: s.to_string(),
                    count: candidates.len(),
                    candidates: listing(),
                });
        }
        let number = s.parse::<usize>().ok();
        if let Some(n) = number {
            if (1..=candidates.len()).contains(&n) {
                return Ok(n - 1);
            }
        }
        for matches in [
            |c: &Candidate, s: &str| c.exact(s),
            |c: &Candidate, s: &str| c.boundary_suffix(s),
        ] {
            let found: Vec<usize> = (0..candidates.len())
                .filter(|&i| matches(&candidates[i], s))
                .collect();
            match found.as_slice() {
                [] => continue,
                [one] => return Ok(*one),
                many => {
                    return Err(SelectError::Ambiguous {
                        selector: s.to_string(),
                        matches: many.len(),
                        candidates: many
                            .iter()
                            .take(SHOWN)
                            .map(|&i| (i + 1, candidates[i].describe()))
                            .collect(),
                    })
                }
            }
        }
        Err(match number {
            Some(index) => SelectError::OutOfRange {
                index,
                count: candidates.len(),
                candidates: listing(),
            },
            None => SelectError::NoMatch {
                selector: s.to_string(),
                count: candidates.len(),
                candidates: listing(),
            },
        })
    }
}

impl fmt::Display for ExecutionSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn listing(candidates: &[Candidate<'_>]) -> Vec<(usize, String)> {
    candidates
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, c)| (i + 1, c.describe()))
        .collect()
}

/// Why no single execution was selected. Candidates are `(1-based number,
/// "name (id)")`, at most ten of them.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum SelectError {
    #[error("execution {index} does not exist: {}{}", count_words(*count), list(candidates, *count))]
    OutOfRange {
        index: usize,
        count: usize,
        candidates: Vec<(usize, String)>,
    },
    #[error("no execution matches {selector:?} (expected a number from 1, an exact ARN, id or name, or the end of an id after ':' or '/'): {}{}", count_words(*count), list(candidates, *count))]
    NoMatch {
        selector: String,
        count: usize,
        candidates: Vec<(usize, String)>,
    },
    #[error("{selector:?} matches {matches} executions; give the number or more of the id:{}", list(candidates, *matches))]
    Ambiguous {
        selector: String,
        matches: usize,
        candidates: Vec<(usize, String)>,
    },
}

fn count_words(count: usize) -> String {
    match count {
        0 => "there is no execution".to_string(),
        1 => "there is 1 execution".to_string(),
        n => format!("there are {n} executions, numbered from 1"),
    }
}

fn list(candidates: &[(usize, String)], total: usize) -> String {
    let mut s: String = candidates
        .iter()
        .map(|(n, d)| format!("\n  {n}. {d}"))
        .collect();
    if total > candidates.len() && !candidates.is_empty() {
        s.push_str(&format!("\n  … and {} more", total - candidates.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c<'a>(id: &'a str, name: &'a str) -> Candidate<'a> {
        Candidate {
            id: Some(id),
            name: Some(name),
            op_id: None,
        }
    }

    /// Every id ends in `…012`, as in a local store.
    fn store() -> Vec<Candidate<'static>> {
        vec![
            c("aaa/inv-123456789012", "first"),
            c("bbb/inv-123456789012", "second"),
            c(
                "arn:aws:lambda:us-east-1:1:function:f:$LATEST/durable-execution/run-7/abc",
                "7",
            ),
        ]
    }

    fn pick(s: &str) -> Result<usize, SelectError> {
        ExecutionSelector::new(s).pick(&store())
    }

    #[test]
    fn a_number_is_a_one_based_index_before_any_id() {
        assert_eq!(pick("1"), Ok(0));
        assert_eq!(pick("2"), Ok(1));
        assert_eq!(pick("3"), Ok(2));
    }

    #[test]
    fn a_number_out_of_range_is_an_error_listing_the_candidates() {
        for s in ["0", "4", "12"] {
            let e = pick(s).unwrap_err();
            assert!(matches!(e, SelectError::OutOfRange { count: 3, .. }), "{e}");
            let text = e.to_string();
            assert!(text.contains("1. first (aaa/inv-123456789012)"), "{text}");
            assert!(text.contains("numbered from 1"), "{text}");
            assert!(!text.contains("0-based"), "{text}");
        }
        // A name that is a number still matches exactly when it is no index.
        let e = ExecutionSelector::new("7").pick(&store()[..2]).unwrap_err();
        assert!(matches!(e, SelectError::OutOfRange { index: 7, .. }));
        assert_eq!(ExecutionSelector::new("7").pick(&store()), Ok(2));
    }

    #[test]
    fn exact_id_or_name_then_suffix_only_at_a_boundary() {
        assert_eq!(pick("second"), Ok(1));
        assert_eq!(pick("bbb/inv-123456789012"), Ok(1));
        assert_eq!(pick("abc"), Ok(2));
        assert_eq!(pick("run-7/abc"), Ok(2));
        // Not at a boundary: "bc" ends the ARN but does not start a segment.
        assert!(matches!(pick("bc"), Err(SelectError::NoMatch { .. })));
        // A number is never a suffix, only an index (here out of range).
        assert!(matches!(
            pick("012"),
            Err(SelectError::OutOfRange { index: 12, .. })
        ));
    }

    #[test]
    fn a_suffix_shared_by_several_is_ambiguous_and_lists_them() {
        let e = pick("inv-123456789012").unwrap_err();
        assert!(
            matches!(e, SelectError::Ambiguous { matches: 2, .. }),
            "{e}"
        );
        let text = e.to_string();
        assert!(
            text.contains("1. first") && text.contains("2. second"),
            "{text}"
        );
        assert!(!text.contains("3."), "{text}");
    }

    #[test]
    fn the_list_is_bounded() {
        let ids: Vec<String> = (0..25).map(|i| format!("x/{i:03}")).collect();
        let cands: Vec<Candidate> = ids
            .iter()
            .map(|id| Candidate {
                id: Some(id),
                ..Default::default()
            })
            .collect();
        let text = ExecutionSelector::new("nope")
            .pick(&cands)
            .unwrap_err()
            .to_string();
        assert_eq!(text.matches("\n  ").count(), SHOWN + 1, "{text}");
        assert!(text.ends_with("… and 15 more"), "{text}");
    }

    #[test]
    fn an_exact_id_is_never_read_as_a_number() {
        let cands = [c("2", "a"), c("1", "b")];
        assert_eq!(ExecutionSelector::exact_id("1").pick(&cands), Ok(1));
        assert!(ExecutionSelector::exact_id("b").pick(&cands).is_err());
    }
}
