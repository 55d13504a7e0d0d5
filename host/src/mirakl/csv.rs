//! A small CSV reader for Mirakl's import files and error reports (`;`-separated, fields
//! optionally double-quoted with `""` standing for one `"` inside, CRLF or LF line ends).
//!
//! Deliberately lenient where Mirakl's own output could be sloppy (a `"` in the middle of an
//! unquoted field is kept as it is; text between a closing quote and the next separator is
//! appended to the field) and strict only where data would otherwise be lost silently (a
//! quoted field still open at the end of the input is an error, as the file was cut short).

use std::fmt;

/// Why a CSV text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based physical line where the problem starts.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CSV line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for CsvError {}

/// Reads `text` into records of fields, separated by `separator`.
///
/// - A leading UTF-8 byte-order mark is ignored.
/// - Records end at `\r\n`, `\n` or a lone `\r`, except inside a quoted field, where line
///   breaks are kept as they are.
/// - A field that starts with `"` is quoted: it runs to the next `"` not followed by another
///   `"`, and `""` inside it reads as `"`. Separators inside quoted fields are text.
/// - Blank lines (no characters at all) are skipped; a final line break does not add an empty
///   record.
///
/// Fails only when a quoted field is still open at the end of the input.
pub fn parse(text: &str, separator: char) -> Result<Vec<Vec<String>>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    // True once the current record has any content (a character or a separator).
    let mut record_started = false;
    let mut line = 1usize;
    let mut chars = text.chars().peekable();

    while let Some(c) = chars.next() {
        match c {
            // A quote opens a quoted field only at the start of a field. (After a closed quoted
            // field the next character is never `"`: that would have been read as `""`.)
            '"' if field.is_empty() => {
                record_started = true;
                let opened_on = line;
                // Quoted field: read up to the closing quote.
                loop {
                    match chars.next() {
                        Some('"') => {
                            if chars.peek() == Some(&'"') {
                                chars.next();
                                field.push('"');
                            } else {
                                break;
                            }
                        }
                        Some(c) => {
                            if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => {
                            return Err(CsvError {
                                line: opened_on,
                                reason: "a quoted field is not closed before the end of the file \
                                         (the file may be truncated)"
                                    .into(),
                            });
                        }
                    }
                }
                // Anything up to the next separator or line end is kept as text.
            }
            c if c == separator => {
                record_started = true;
                record.push(std::mem::take(&mut field));
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                if record_started || !field.is_empty() {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                record_started = false;
            }
            c => {
                record_started = true;
                field.push(c);
            }
        }
    }
    if record_started || !field.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        parse(text, ';').expect("valid CSV")
    }

    fn owned(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|f| (*f).to_owned()).collect())
            .collect()
    }

    #[test]
    fn quoted_fields_with_escapes_and_separators() {
        let text = "\"offer-sku\";\"quantity\"\r\n\"JL \"\"BIG\"\";MUG\";\"5\"\r\n";
        assert_eq!(
            rows(text),
            owned(&[&["offer-sku", "quantity"], &["JL \"BIG\";MUG", "5"]])
        );
    }

    #[test]
    fn unquoted_empty_and_mixed_fields() {
        assert_eq!(rows("a;;\"\";b\nc"), owned(&[&["a", "", "", "b"], &["c"]]));
        assert_eq!(rows(";"), owned(&[&["", ""]]));
        assert_eq!(rows("x;\n"), owned(&[&["x", ""]]));
    }

    #[test]
    fn line_endings_blank_lines_and_bom() {
        let expected = owned(&[&["a", "b"], &["c", "d"]]);
        assert_eq!(rows("a;b\r\nc;d\r\n"), expected);
        assert_eq!(rows("a;b\nc;d"), expected);
        assert_eq!(rows("a;b\rc;d\r"), expected);
        assert_eq!(rows("\u{feff}a;b\n\n\r\nc;d\n\n"), expected);
        assert!(rows("").is_empty());
        assert!(rows("\r\n\n").is_empty());
    }

    #[test]
    fn line_breaks_inside_quotes_are_kept() {
        assert_eq!(
            rows("\"multi\r\nline\";\"x\nz\"\nnext"),
            owned(&[&["multi\r\nline", "x\nz"], &["next"]])
        );
    }

    #[test]
    fn lenient_with_stray_quotes() {
        // A quote inside an unquoted field is text; text after a closing quote is appended.
        assert_eq!(
            rows("5\" screen;\"ab\"cd;x"),
            owned(&[&["5\" screen", "abcd", "x"]])
        );
        // An empty quoted field followed by text.
        assert_eq!(rows("\"\"x;y"), owned(&[&["x", "y"]]));
    }

    #[test]
    fn unterminated_quote_is_an_error_with_its_line() {
        let err = parse("a;b\n\"c;d\ne", ';').expect_err("open quote");
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("not closed"), "{err}");
    }

    #[test]
    fn other_separators() {
        assert_eq!(
            parse("a,\"b,c\"\td", ',').expect("csv"),
            owned(&[&["a", "b,c\td"]])
        );
        assert_eq!(
            parse("a\t\"b\tc\"", '\t').expect("tsv"),
            owned(&[&["a", "b\tc"]])
        );
    }
}
