//! The JSON scanner under the history-events fast path (`fast_events`):
//! whitespace, strings (eight bytes at a time, unescaped in one pass),
//! numbers classified as serde_json classifies them, timestamps, skipping
//! any value, and objects read member by member. It checks what it reads
//! as strictly as serde_json, and gives up (`Bail`) instead of reporting
//! errors: the caller then lets serde read the input and word the error.

use super::raw::{ts_from_str, RawTs, Text};
use crate::model::Ts;
use std::borrow::Cow;

/// The input is not one this path reads; parse it with serde instead.
#[derive(Debug)]
pub(super) struct Bail;

pub(super) type R<T> = Result<T, Bail>;

/// Deeper than this (counted from the top) is left to serde, whose own
/// limit (128) then applies exactly as before.
const MAX_DEPTH: usize = 100;

/// A JSON number as serde_json would hand it to a visitor.
#[derive(Clone, Copy)]
pub(super) enum Num {
    U(u64),
    I(i64),
    F(f64),
}

impl Num {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Num::U(v) => v as f64,
            Num::I(v) => v as f64,
            Num::F(v) => v,
        }
    }
}

pub(super) struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    /// Where escaped strings are unescaped.
    scratch: String,
}

impl<'a> Scan<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Scan {
            text,
            b: text.as_bytes(),
            i: 0,
            scratch: String::new(),
        }
    }

    /// Only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    /// Skips the next value and returns its text (for the rare values
    /// handed to serde whole).
    pub(super) fn raw_value(&mut self, depth: usize) -> R<&'a str> {
        self.ws();
        let start = self.i;
        self.skip(depth)?;
        Ok(&self.text[start..self.i])
    }

    pub(super) fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next non-blank byte, not consumed.
    pub(super) fn peek(&mut self) -> R<u8> {
        self.ws();
        self.b.get(self.i).copied().ok_or(Bail)
    }

    pub(super) fn expect(&mut self, c: u8) -> R<()> {
        if self.peek()? != c {
            return Err(Bail);
        }
        self.i += 1;
        Ok(())
    }

    /// After an opening bracket: consumes `close` and says true when the
    /// container is empty.
    pub(super) fn empty(&mut self, close: u8) -> R<bool> {
        let e = self.peek()? == close;
        if e {
            self.i += 1;
        }
        Ok(e)
    }

    /// After a member or element: true when another follows (a comma was
    /// consumed), false at `close` (consumed).
    pub(super) fn more(&mut self, close: u8) -> R<bool> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Ok(true)
            }
            c if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Bail),
        }
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> R<()> {
        if !self.b[self.i..].starts_with(word) {
            return Err(Bail);
        }
        self.i += word.len();
        Ok(())
    }

    /// Consumes `null` if it comes next.
    pub(super) fn null(&mut self) -> R<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The index of the first `"` or `\\` at or after `i`, eight bytes at a
    /// time (a string ends at one, and most strings have no escape before
    /// it). A raw control character on the way is an error in JSON.
    fn stop(&self, mut i: usize) -> R<usize> {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let b = self.b;
        while let Some(chunk) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().map_err(|_| Bail)?);
            let quote = w ^ (ONES * u64::from(b'"'));
            let slash = w ^ (ONES * u64::from(b'\\'));
            // The lowest set high bit marks the first byte that is zero
            // (after the xors: a quote or backslash) or below 0x20.
            let hit = ((quote.wrapping_sub(ONES) & !quote)
                | (slash.wrapping_sub(ONES) & !slash)
                | (w.wrapping_sub(ONES * 0x20) & !w))
                & HIGH;
            if hit != 0 {
                i += (hit.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            match c {
                b'"' | b'\\' => return Ok(i),
                0..=0x1f => return Err(Bail),
                _ => i += 1,
            }
        }
        Err(Bail)
    }

    /// A string value, borrowed from the input unless it has escapes.
    pub(super) fn text(&mut self) -> R<Text<'a>> {
        self.expect(b'"')?;
        let start = self.i;
        let mut at = self.stop(start)?;
        if self.b[at] == b'"' {
            self.i = at + 1;
            return Ok(Text(Cow::Borrowed(&self.text[start..at])));
        }
        // Unescaped into a reused buffer, then copied out at its exact
        // size: payloads stay in memory as long as the history does.
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        out.push_str(&self.text[start..at]);
        loop {
            let next = self.escape(at, &mut out)?;
            at = self.stop(next)?;
            out.push_str(&self.text[next..at]);
            if self.b[at] == b'"' {
                self.i = at + 1;
                let text = out.as_str().to_owned();
                self.scratch = out;
                return Ok(Text(Cow::Owned(text)));
            }
        }
    }

    /// Resolves the escape at `at` (a backslash) into `out`; returns the
    /// index after it. A surrogate escape that is not half of a valid pair
    /// is left to serde.
    fn escape(&self, at: usize, out: &mut String) -> R<usize> {
        let b = self.b;
        let c = *b.get(at + 1).ok_or(Bail)?;
        out.push(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(b, at + 2)?;
                let code = match hi {
                    0xD800..=0xDBFF => {
                        if b.get(at + 6..at + 8) != Some(b"\\u") {
                            return Err(Bail);
                        }
                        let lo = hex4(b, at + 8)?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(Bail);
                        }
                        out.push(
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                .ok_or(Bail)?,
                        );
                        return Ok(at + 12);
                    }
                    0xDC00..=0xDFFF => return Err(Bail),
                    _ => hi,
                };
                out.push(char::from_u32(code).ok_or(Bail)?);
                return Ok(at + 6);
            }
            _ => return Err(Bail),
        });
        Ok(at + 2)
    }

    pub(super) fn opt_text(&mut self) -> R<Option<Text<'a>>> {
        if self.null()? {
            return Ok(None);
        }
        self.text().map(Some)
    }

    pub(super) fn opt_string(&mut self) -> R<Option<String>> {
        Ok(self.opt_text()?.map(Text::into_string))
    }

    /// An object key (escaped keys are left to serde) and its colon.
    pub(super) fn key(&mut self) -> R<&'a str> {
        self.expect(b'"')?;
        let start = self.i;
        let end = self.stop(start)?;
        if self.b[end] != b'"' {
            return Err(Bail);
        }
        self.i = end + 1;
        self.expect(b':')?;
        Ok(&self.text[start..end])
    }

    /// A number, checked against JSON's grammar, classified as serde_json
    /// classifies it (integers that do not fit, and `-0`, are left to it).
    fn number(&mut self) -> R<Num> {
        self.ws();
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        let neg = b.get(i) == Some(&b'-');
        if neg {
            i += 1;
        }
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return Err(Bail),
        }
        let mut float = false;
        if b.get(i) == Some(&b'.') {
            let j = digits(i + 1);
            if j == i + 1 {
                return Err(Bail);
            }
            i = j;
            float = true;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let j = digits(i);
            if j == i {
                return Err(Bail);
            }
            i = j;
            float = true;
        }
        self.i = i;
        let s = &self.text[start..i];
        if float {
            let v: f64 = s.parse().map_err(|_| Bail)?;
            return if v.is_finite() {
                Ok(Num::F(v))
            } else {
                Err(Bail)
            };
        }
        if neg {
            match s.parse::<i64>() {
                Ok(v) if v != 0 => Ok(Num::I(v)),
                _ => Err(Bail),
            }
        } else {
            s.parse::<u64>().map(Num::U).map_err(|_| Bail)
        }
    }

    fn opt_number(&mut self) -> R<Option<Num>> {
        if self.null()? {
            return Ok(None);
        }
        self.number().map(Some)
    }

    pub(super) fn opt_f64(&mut self) -> R<Option<f64>> {
        Ok(self.opt_number()?.map(Num::as_f64))
    }

    pub(super) fn opt_u64(&mut self) -> R<Option<u64>> {
        match self.opt_number()? {
            None => Ok(None),
            Some(Num::U(v)) => Ok(Some(v)),
            Some(_) => Err(Bail),
        }
    }

    /// A timestamp in any of the forms `RawTs` reads, read the same way.
    pub(super) fn opt_ts(&mut self) -> R<Option<RawTs>> {
        let t = match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                return Ok(None);
            }
            b'"' => ts_from_str(self.text()?.as_str()),
            _ => match self.number()? {
                Num::F(v) => Ts::from_number(v, false),
                n => Ts::from_number(n.as_f64(), true),
            },
        };
        t.map(|t| Some(RawTs(t))).ok_or(Bail)
    }

    /// Skips any JSON value, checking it as strictly as serde_json would.
    fn skip(&mut self, depth: usize) -> R<()> {
        if depth > MAX_DEPTH {
            return Err(Bail);
        }
        match self.peek()? {
            b'"' => {
                self.text()?;
            }
            b'{' => {
                self.i += 1;
                if !self.empty(b'}')? {
                    loop {
                        self.key()?;
                        self.skip(depth + 1)?;
                        if !self.more(b'}')? {
                            break;
                        }
                    }
                }
            }
            b'[' => {
                self.i += 1;
                if !self.empty(b']')? {
                    loop {
                        self.skip(depth + 1)?;
                        if !self.more(b']')? {
                            break;
                        }
                    }
                }
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            _ => {
                self.number()?;
            }
        }
        Ok(())
    }

    /// The members of an object into `into`: `member` reads the value of a
    /// key it knows and returns that key's bit (a key given twice is left
    /// to serde, which rejects it), or 0 for a key it does not know, whose
    /// value is skipped. Returns the bits of the keys seen.
    pub(super) fn members<T>(
        &mut self,
        into: &mut T,
        depth: usize,
        mut member: impl FnMut(&mut Self, &'a str, &mut T) -> R<u16>,
    ) -> R<u16> {
        self.expect(b'{')?;
        let mut seen = 0;
        if self.empty(b'}')? {
            return Ok(seen);
        }
        loop {
            let key = self.key()?;
            match member(self, key, into)? {
                0 => self.skip(depth)?,
                bit if seen & bit != 0 => return Err(Bail),
                bit => seen |= bit,
            }
            if !self.more(b'}')? {
                return Ok(seen);
            }
        }
    }

    /// `null`, or an object read by [`Scan::members`] into a fresh `T`.
    pub(super) fn opt_object<T: Default>(
        &mut self,
        depth: usize,
        member: impl FnMut(&mut Self, &'a str, &mut T) -> R<u16>,
    ) -> R<Option<T>> {
        if self.null()? {
            return Ok(None);
        }
        let mut v = T::default();
        self.members(&mut v, depth, member)?;
        Ok(Some(v))
    }
}

fn hex4(b: &[u8], at: usize) -> R<u32> {
    let digits = b.get(at..at + 4).ok_or(Bail)?;
    let mut v = 0;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16).ok_or(Bail)?;
    }
    Ok(v)
}
