//! Hand-written: a serde-derive reader measured ~15% slower per plan-order in wasmtime (issue 14 benchmark), over the 10% budget.
//!
//! A lean JSON reader for the marketplace documents on the per-record hot path.
//!
//! The caller walks the document field by field: strings are borrowed from the input unless
//! they hold escapes, numbers are read as exact decimals (never through a float), and every
//! value the caller does not ask for is skipped — still checked against the JSON grammar, so
//! malformed text is always an error. Strings are scanned eight bytes at a time
//! ([`crate::common::json_bytes`]). An OR11 order carries some sixty fields per line of which the
//! connector reads a dozen; reading only those is much faster than deserialising the whole
//! document into structs.

mod number;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use crate::common::error::PlanError;
use crate::common::json_bytes::next_special;
use crate::common::money::Decimal;

use number::{Number, digits_end};

/// Deepest nesting accepted (serde_json's default).
const MAX_DEPTH: u32 = 128;

/// Text read from a document: borrowed unless it held escapes.
pub type Text<'a> = Cow<'a, str>;

/// Why a document could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// True when the text is not JSON at all; false for JSON of an unexpected shape.
    pub syntax: bool,
    /// What was wrong.
    pub message: String,
    /// Where, as a path such as `order_lines[1].quantity`; empty for the document itself.
    pub path: String,
}

impl JsonError {
    /// Text that is not JSON.
    fn syntax(message: String) -> JsonError {
        JsonError {
            syntax: true,
            message,
            path: String::new(),
        }
    }

    /// JSON of the wrong shape (a wrong type, a missing field, an out-of-range number).
    pub fn shape(message: impl Into<String>) -> JsonError {
        JsonError {
            syntax: false,
            message: message.into(),
            path: String::new(),
        }
    }

    /// The same error, one object field further out.
    #[cold]
    pub fn in_field(mut self, key: &str) -> JsonError {
        self.path = match self.path.as_bytes().first() {
            None => key.to_string(),
            Some(b'[') => format!("{key}{}", self.path),
            Some(_) => format!("{key}.{}", self.path),
        };
        self
    }

    /// The same error, one array item further out.
    #[cold]
    pub fn in_item(mut self, index: usize) -> JsonError {
        self.path = match self.path.as_bytes().first() {
            None => format!("[{index}]"),
            Some(b'[') => format!("[{index}]{}", self.path),
            Some(_) => format!("[{index}].{}", self.path),
        };
        self
    }

    /// The [`PlanError`] for `what` (such as `"order"`), a document that could not be read.
    #[cold]
    pub fn into_plan_error(self, what: &str) -> PlanError {
        let location = if self.path.is_empty() {
            String::new()
        } else {
            format!(" at {}", self.path)
        };
        PlanError {
            code: if self.syntax {
                "invalid_json"
            } else {
                "invalid_order"
            }
            .into(),
            message: format!("{what}{location}: {}", self.message),
        }
    }
}

/// A cursor over one JSON document.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader { text, pos: 0 }
    }

    /// Succeeds when only whitespace is left.
    pub fn end(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax_error("trailing characters after the document")),
        }
    }

    /// Reads an object, calling `field` with each key; `field` must read or skip its value.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Reader<'a>, &str) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.open(b'{', "an object")?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.key()?;
            field(self, &key).map_err(|e| e.in_field(&key))?;
            if self.item_end(b'}', "expected ',' or '}' after an object field")? {
                return Ok(());
            }
        }
    }

    /// Reads an array, calling `item` with each index; `item` must read or skip its value.
    pub fn array(
        &mut self,
        mut item: impl FnMut(&mut Reader<'a>, usize) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.open(b'[', "an array")?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            item(self, index).map_err(|e| e.in_item(index))?;
            index += 1;
            if self.item_end(b']', "expected ',' or ']' after an array item")? {
                return Ok(());
            }
        }
    }

    /// Reads an array into a vector, one `read` per item.
    pub fn vec<T>(
        &mut self,
        mut read: impl FnMut(&mut Reader<'a>) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        let mut items = Vec::new();
        self.array(|r, _| {
            items.push(read(r)?);
            Ok(())
        })?;
        Ok(items)
    }

    /// Consumes a `null` if one is next.
    #[inline(always)]
    pub fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.text.as_bytes()[self.pos..].starts_with(b"null") {
            self.pos += 4;
            true
        } else {
            false
        }
    }

    /// `None` for `null`, else what `read` reads.
    #[inline(always)]
    pub fn nullable<T>(
        &mut self,
        read: impl FnOnce(&mut Reader<'a>) -> Result<T, JsonError>,
    ) -> Result<Option<T>, JsonError> {
        if self.null() {
            Ok(None)
        } else {
            read(self).map(Some)
        }
    }

    /// A string, or `None` for `null`.
    #[inline(always)]
    pub fn opt_string(&mut self) -> Result<Option<Text<'a>>, JsonError> {
        if self.null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    /// A number read exactly, or `None` for `null`.
    #[inline(always)]
    pub fn opt_decimal(&mut self) -> Result<Option<Decimal>, JsonError> {
        if self.null() {
            Ok(None)
        } else {
            self.decimal().map(Some)
        }
    }

    /// True when a string is next.
    #[inline(always)]
    pub fn at_string(&mut self) -> bool {
        self.peek() == Some(b'"')
    }

    /// True when an array is next.
    #[inline(always)]
    pub fn at_array(&mut self) -> bool {
        self.peek() == Some(b'[')
    }

    /// Reads a string.
    #[inline(always)]
    pub fn string(&mut self) -> Result<Text<'a>, JsonError> {
        match self.peek() {
            Some(b'"') => self.string_body(),
            found => Err(self.unexpected(found, "a string")),
        }
    }

    /// Reads a number exactly.
    #[inline(always)]
    pub fn decimal(&mut self) -> Result<Decimal, JsonError> {
        let number = self.number("a number")?;
        number.decimal()
    }

    /// Reads `true` or `false`.
    pub fn boolean(&mut self) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            found => Err(self.unexpected(found, "true or false")),
        }
    }

    /// Reads an integer (no fraction, no exponent) that fits in an `i64`.
    pub fn integer(&mut self) -> Result<i64, JsonError> {
        let number = self.number("an integer")?;
        if number.frac.is_some() || number.exp.is_some() {
            return Err(JsonError::shape(format!(
                "expected an integer, found {}",
                number.text
            )));
        }
        number
            .text
            .parse()
            .map_err(|_| JsonError::shape(format!("{} does not fit in 64 bits", number.text)))
    }

    /// Skips one value of any type, checking its grammar, without recursion.
    pub fn skip(&mut self) -> Result<(), JsonError> {
        // One bit per open container: set for objects, clear for arrays.
        let mut objects: u128 = 0;
        let mut depth: u32 = 0;
        loop {
            // A value starts here.
            match self.peek() {
                Some(b'"') => {
                    let start = self.pos + 1;
                    self.pos = self.scan_string(start)?.0 + 1;
                }
                Some(open @ (b'{' | b'[')) => {
                    if depth == MAX_DEPTH {
                        return Err(self.syntax_error("nesting deeper than 128 levels"));
                    }
                    self.pos += 1;
                    let is_object = open == b'{';
                    objects = (objects << 1) | u128::from(is_object);
                    depth += 1;
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        objects >>= 1;
                        depth -= 1;
                    } else {
                        if is_object {
                            self.key()?;
                        }
                        continue;
                    }
                }
                Some(b't') => self.literal("true")?,
                Some(b'f') => self.literal("false")?,
                Some(b'n') => self.literal("null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number("a number")?;
                }
                _ => return Err(self.syntax_error("expected a value")),
            }
            // A value ended: close containers until another value is due.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let in_object = objects & 1 == 1;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if in_object {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b'}') if in_object => {}
                    Some(b']') if !in_object => {}
                    _ => {
                        return Err(self.syntax_error(if in_object {
                            "expected ',' or '}' after an object field"
                        } else {
                            "expected ',' or ']' after an array item"
                        }));
                    }
                }
                self.pos += 1;
                objects >>= 1;
                depth -= 1;
            }
        }
    }

    /// Skips whitespace and returns the next byte without consuming it.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        // No loop on the common path: compact JSON has no whitespace between tokens, and in
        // wasm every loop pays an interruption check.
        match self.text.as_bytes().get(self.pos) {
            Some(b' ' | b'\n' | b'\r' | b'\t') => self.peek_after_whitespace(),
            next => next.copied(),
        }
    }

    /// [`Reader::peek`] past a run of whitespace.
    fn peek_after_whitespace(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// After an item: consumes a comma (more items follow: `false`) or `close` (`true`).
    #[inline(always)]
    fn item_end(&mut self, close: u8, expected: &str) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.syntax_error(expected)),
        }
    }

    /// Consumes `open`, or explains what was found instead of `expected`.
    fn open(&mut self, open: u8, expected: &str) -> Result<(), JsonError> {
        match self.peek() {
            Some(b) if b == open => {
                self.pos += 1;
                Ok(())
            }
            found => Err(self.unexpected(found, expected)),
        }
    }

    /// Reads an object key and the colon after it.
    #[inline(always)]
    fn key(&mut self) -> Result<Text<'a>, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.syntax_error("expected a field name"));
        }
        let key = self.string_body()?;
        if self.peek() != Some(b':') {
            return Err(self.syntax_error("expected ':' after a field name"));
        }
        self.pos += 1;
        Ok(key)
    }

    /// Reads the string whose opening quote is at the cursor.
    #[inline(always)]
    fn string_body(&mut self) -> Result<Text<'a>, JsonError> {
        let start = self.pos + 1;
        let (end, escaped) = self.scan_string(start)?;
        self.pos = end + 1;
        let raw = &self.text[start..end];
        if escaped {
            unescape(raw).map(Cow::Owned).map_err(|message| {
                JsonError::syntax(format!("{message} in the string at byte {start}"))
            })
        } else {
            Ok(Cow::Borrowed(raw))
        }
    }

    /// Finds the closing quote of a string whose content starts at `start`; also says whether
    /// the string holds escapes. Checks escapes and rejects raw control characters.
    #[inline(always)]
    fn scan_string(&self, start: usize) -> Result<(usize, bool), JsonError> {
        let bytes = self.text.as_bytes();
        let mut i = start;
        let mut escaped = false;
        loop {
            i = next_special(bytes, i);
            match bytes.get(i) {
                None => {
                    return Err(JsonError::syntax(format!(
                        "unterminated string at byte {start}"
                    )));
                }
                Some(b'"') => return Ok((i, escaped)),
                Some(b'\\') => {
                    escaped = true;
                    i = self.escape_end(i)?;
                }
                Some(_) => {
                    return Err(JsonError::syntax(format!(
                        "control character in a string at byte {i}"
                    )));
                }
            }
        }
    }

    /// Checks the escape at `i` (a backslash) and returns the index after it.
    fn escape_end(&self, i: usize) -> Result<usize, JsonError> {
        let bytes = self.text.as_bytes();
        match bytes.get(i + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
            Some(b'u')
                if bytes
                    .get(i + 2..i + 6)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) =>
            {
                Ok(i + 6)
            }
            _ => Err(JsonError::syntax(format!("invalid escape at byte {i}"))),
        }
    }

    /// Consumes the literal `word`.
    #[inline(always)]
    fn literal(&mut self, word: &str) -> Result<(), JsonError> {
        if self.text.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.syntax_error("expected a value"))
        }
    }

    /// Consumes a number, checking the JSON grammar, and returns its parts.
    #[inline(always)]
    fn number(&mut self, expected: &str) -> Result<Number<'a>, JsonError> {
        let first = self.peek();
        if !matches!(first, Some(b'-' | b'0'..=b'9')) {
            return Err(self.unexpected(first, expected));
        }
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut i = start + usize::from(bytes[start] == b'-');
        let int_start = i;
        i = match bytes.get(i) {
            Some(b'0') => i + 1,
            Some(b'1'..=b'9') => digits_end(bytes, i),
            _ => return Err(JsonError::syntax(format!("invalid number at byte {start}"))),
        };
        let int_end = i;
        let mut frac = None;
        if bytes.get(i) == Some(&b'.') {
            let end = digits_end(bytes, i + 1);
            if end == i + 1 {
                return Err(JsonError::syntax(format!("invalid number at byte {start}")));
            }
            frac = Some((i + 1, end));
            i = end;
        }
        let mut exp = None;
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            let sign = i + 1;
            let from = sign + usize::from(matches!(bytes.get(sign), Some(b'+' | b'-')));
            let end = digits_end(bytes, from);
            if end == from {
                return Err(JsonError::syntax(format!("invalid number at byte {start}")));
            }
            exp = Some(&self.text[sign..end]);
            i = end;
        }
        self.pos = i;
        Ok(Number {
            text: &self.text[start..i],
            negative: bytes[start] == b'-',
            int: &bytes[int_start..int_end],
            frac: frac.map(|(from, to)| &bytes[from..to]),
            exp,
        })
    }

    /// The error for `found` where `expected` should be: a shape error when `found` starts a
    /// valid value of another type, a syntax error otherwise.
    #[cold]
    fn unexpected(&self, found: Option<u8>, expected: &str) -> JsonError {
        let kind = match found {
            Some(b'"') => "a string",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(b'-' | b'0'..=b'9') => "a number",
            None => return JsonError::syntax("unexpected end of the document".into()),
            Some(_) => return self.syntax_error("expected a value"),
        };
        JsonError::shape(format!("expected {expected}, found {kind}"))
    }

    #[cold]
    fn syntax_error(&self, what: &str) -> JsonError {
        if self.pos >= self.text.len() {
            JsonError::syntax(format!("{what}: unexpected end of the document"))
        } else {
            JsonError::syntax(format!("{what} at byte {}", self.pos))
        }
    }
}

/// Decodes the escapes of a string already checked by the scan.
fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at + 1..];
        let (c, used) = match escape.as_bytes().first() {
            Some(b'"') => ('"', 1),
            Some(b'\\') => ('\\', 1),
            Some(b'/') => ('/', 1),
            Some(b'b') => ('\u{8}', 1),
            Some(b'f') => ('\u{c}', 1),
            Some(b'n') => ('\n', 1),
            Some(b'r') => ('\r', 1),
            Some(b't') => ('\t', 1),
            Some(b'u') => unicode_escape(escape)?,
            _ => return Err("invalid escape".into()),
        };
        out.push(c);
        rest = &escape[used..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Decodes `uXXXX` (and the low half of a surrogate pair after it); returns the character and
/// the bytes used.
fn unicode_escape(escape: &str) -> Result<(char, usize), String> {
    let hex = |at: usize| {
        escape
            .get(at..at + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let unit = hex(1).ok_or("invalid \\u escape")?;
    if !(0xD800..0xE000).contains(&unit) {
        return Ok((char::from_u32(unit).ok_or("invalid \\u escape")?, 5));
    }
    let low = escape
        .get(5..7)
        .filter(|s| *s == "\\u")
        .and_then(|_| hex(7))
        .filter(|low| (0xDC00..0xE000).contains(low) && unit < 0xDC00)
        .ok_or("lone surrogate in a \\u escape")?;
    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    Ok((char::from_u32(code).ok_or("invalid \\u escape")?, 11))
}
