//! A small JSON writer for the payloads the component builds. Keys are constants written as
//! they are, text is escaped in runs between special bytes ([`crate::json_bytes`]), amounts are
//! decimal strings. Commas are placed by the writer, so callers only open, write and close.

use std::fmt::Write;

use crate::json_bytes::next_special;
use crate::money::Decimal;

/// JSON text under construction.
pub struct JsonWriter {
    out: String,
    /// True when the next value or key needs a comma before it.
    comma: bool,
}

impl JsonWriter {
    /// An empty writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> JsonWriter {
        JsonWriter {
            out: String::with_capacity(capacity),
            comma: false,
        }
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    /// Opens an object (as a value).
    pub fn begin_object(&mut self) {
        self.separate();
        self.out.push('{');
        self.comma = false;
    }

    /// Closes the innermost object.
    pub fn end_object(&mut self) {
        self.out.push('}');
        self.comma = true;
    }

    /// Opens an array (as a value).
    pub fn begin_array(&mut self) {
        self.separate();
        self.out.push('[');
        self.comma = false;
    }

    /// Closes the innermost array.
    pub fn end_array(&mut self) {
        self.out.push(']');
        self.comma = true;
    }

    /// Writes an object key; `key` is a constant that needs no escaping.
    pub fn key(&mut self, key: &'static str) {
        debug_assert!(!key.bytes().any(crate::json_bytes::is_special));
        self.separate();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.comma = false;
    }

    /// Writes a string value.
    pub fn string(&mut self, text: &str) {
        self.separate();
        self.out.push('"');
        let bytes = text.as_bytes();
        let mut from = 0;
        loop {
            let at = next_special(bytes, from);
            // Special bytes are ASCII, so `from` and `at` are character boundaries.
            self.out.push_str(&text[from..at]);
            let Some(&b) = bytes.get(at) else { break };
            match b {
                b'"' => self.out.push_str("\\\""),
                b'\\' => self.out.push_str("\\\\"),
                b'\n' => self.out.push_str("\\n"),
                b'\r' => self.out.push_str("\\r"),
                b'\t' => self.out.push_str("\\t"),
                0x08 => self.out.push_str("\\b"),
                0x0c => self.out.push_str("\\f"),
                control => {
                    let _ = write!(self.out, "\\u{control:04x}");
                }
            }
            from = at + 1;
        }
        self.out.push('"');
        self.comma = true;
    }

    /// Writes an integer value.
    pub fn integer(&mut self, value: i64) {
        self.separate();
        self.out
            .push_str(Decimal::of_minor(value, 0).text().as_str());
        self.comma = true;
    }

    /// Writes a decimal as a string value (`"12.50"`), as Fulfil's wire wants amounts.
    pub fn decimal(&mut self, value: Decimal) {
        self.separate();
        self.out.push('"');
        self.out.push_str(value.text().as_str());
        self.out.push('"');
        self.comma = true;
    }

    /// `"key":"text"`.
    pub fn field_str(&mut self, key: &'static str, text: &str) {
        self.key(key);
        self.string(text);
    }

    /// `"key":"text"` when there is a text.
    pub fn field_opt_str(&mut self, key: &'static str, text: Option<&str>) {
        if let Some(text) = text {
            self.field_str(key, text);
        }
    }

    /// `"key":"12.50"`.
    pub fn field_decimal(&mut self, key: &'static str, value: Decimal) {
        self.key(key);
        self.decimal(value);
    }

    /// `"key":42`.
    pub fn field_integer(&mut self, key: &'static str, value: i64) {
        self.key(key);
        self.integer(value);
    }

    fn separate(&mut self) {
        if self.comma {
            self.out.push(',');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_reads_back() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} nul \u{0} é ✓ 😀 \u{7f}";
        let mut w = JsonWriter::with_capacity(0);
        w.begin_object();
        w.field_str("text", nasty);
        w.field_integer("n", -42);
        w.field_decimal("amount", Decimal::of_minor(-5, 2));
        w.key("list");
        w.begin_array();
        w.string("a");
        w.begin_object();
        w.end_object();
        w.begin_array();
        w.end_array();
        w.integer(7);
        w.end_array();
        w.field_opt_str("absent", None);
        w.end_object();
        let text = w.finish();
        let value: serde_json::Value = serde_json::from_str(&text).expect(&text);
        assert_eq!(
            value,
            serde_json::json!({"text": nasty, "n": -42, "amount": "-0.05", "list": ["a", {}, [], 7]})
        );
        let mut w = JsonWriter::with_capacity(0);
        w.string(nasty);
        assert_eq!(w.finish(), serde_json::to_string(nasty).expect("json"));
    }
}
