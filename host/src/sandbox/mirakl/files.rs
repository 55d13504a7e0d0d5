//! Files on the Mirakl side: `multipart/form-data` request bodies (STO01's `file` part) and
//! Mirakl's CSV dialect (`;`-separated, fields optionally double-quoted with `""` for a quote,
//! CRLF or LF line ends).
//!
//! Written independently of the client's reader (`crate::mirakl::csv`) so the sandbox checks
//! the client rather than agreeing with it by construction; this reader is the stricter one
//! (text after a closing quote is an error).

use axum::http::{HeaderMap, StatusCode, header};

use super::{MiraklError, bad_request, error};

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Part {
    /// `name` of its `Content-Disposition`.
    pub name: String,
    /// `filename` of its `Content-Disposition`, if any.
    pub filename: Option<String>,
    /// The content, as sent.
    pub data: Vec<u8>,
}

/// The parts of a `multipart/form-data` request: 415 when the request is not multipart, 400
/// when the body does not follow its boundary.
pub(super) fn multipart(headers: &HeaderMap, body: &[u8]) -> Result<Vec<Part>, MiraklError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut params = content_type.split(';').map(str::trim);
    if !params
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
    {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be multipart/form-data",
            None,
        ));
    }
    let boundary = params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| malformed("the Content-Type has no boundary"))?;
    split_parts(body, &boundary)
}

fn malformed(detail: &str) -> MiraklError {
    bad_request(
        &format!("Malformed multipart body: {detail}"),
        "INVALID_MULTIPART",
    )
}

/// Splits `body` on `boundary` (RFC 7578: `--boundary` CRLF headers CRLF CRLF content CRLF
/// ... `--boundary--`).
fn split_parts(body: &[u8], boundary: &str) -> Result<Vec<Part>, MiraklError> {
    let delimiter = format!("--{boundary}").into_bytes();
    let start = find(body, &delimiter, 0).ok_or_else(|| malformed("no opening boundary"))?;
    let mut cursor = start + delimiter.len();
    let mut closing = b"\r\n".to_vec();
    closing.extend_from_slice(&delimiter);
    let mut parts = Vec::new();
    loop {
        if body[cursor..].starts_with(b"--") {
            return Ok(parts);
        }
        cursor =
            skip_line_end(body, cursor).ok_or_else(|| malformed("no line end after a boundary"))?;
        let headers_end = find(body, b"\r\n\r\n", cursor)
            .ok_or_else(|| malformed("a part has no blank line after its headers"))?;
        let headers = String::from_utf8_lossy(&body[cursor..headers_end]).into_owned();
        let data_start = headers_end + 4;
        let data_end = find(body, &closing, data_start)
            .ok_or_else(|| malformed("a part is not closed by a boundary (truncated body?)"))?;
        parts.push(part(&headers, body[data_start..data_end].to_vec())?);
        cursor = data_end + closing.len();
    }
}

/// Skips the CRLF (or LF) ending a boundary line, after optional spaces.
fn skip_line_end(body: &[u8], mut at: usize) -> Option<usize> {
    while matches!(body.get(at), Some(b' ' | b'\t')) {
        at += 1;
    }
    if body[at..].starts_with(b"\r\n") {
        Some(at + 2)
    } else if body[at..].starts_with(b"\n") {
        Some(at + 1)
    } else {
        None
    }
}

/// A part from its header block and content.
fn part(headers: &str, data: Vec<u8>) -> Result<Part, MiraklError> {
    let disposition = headers
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-disposition"))
        .map(|(_, value)| value.trim())
        .ok_or_else(|| malformed("a part has no Content-Disposition"))?;
    let mut params = disposition.split(';').map(str::trim);
    if !params
        .next()
        .is_some_and(|kind| kind.eq_ignore_ascii_case("form-data"))
    {
        return Err(malformed("a part's Content-Disposition is not form-data"));
    }
    let mut name = None;
    let mut filename = None;
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => filename = Some(value),
            _ => {}
        }
    }
    Ok(Part {
        name: name.ok_or_else(|| malformed("a part has no name"))?,
        filename,
        data,
    })
}

/// First position of `needle` in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Reads `;`-separated CSV into records. A leading BOM is ignored, records end at CRLF or LF
/// (line breaks inside quoted fields are kept), blank lines are skipped. Errors, naming the
/// 1-based line: a quoted field not closed before the end, text between a closing quote and
/// the next separator or line end.
pub(super) fn read_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut chars = text.chars().peekable();
    let mut records = Vec::new();
    let mut line = 1usize;
    loop {
        // At the start of a record: skip blank lines.
        match chars.peek() {
            None => return Ok(records),
            Some('\r' | '\n') => {
                if chars.next() == Some('\r') && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                continue;
            }
            Some(_) => {}
        }
        let mut record = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                let opened = line;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => return Err(format!("line {opened}: a quoted field is not closed")),
                    }
                }
                if let Some(other) = chars.peek().filter(|c| !matches!(c, ';' | '\r' | '\n')) {
                    return Err(format!(
                        "line {line}: unexpected '{other}' after a closing quote"
                    ));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if matches!(c, ';' | '\r' | '\n') {
                        break;
                    }
                    field.push(c);
                    chars.next();
                }
            }
            record.push(field);
            match chars.next() {
                Some(';') => {}
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some(_) => {
                    line += 1;
                    break;
                }
                None => break,
            }
        }
        records.push(record);
    }
}

/// Appends one CSV line: every field double-quoted (`"` doubled), `;`-separated, CRLF.
pub(super) fn push_csv_line<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push('"');
        out.push_str(&value.as_ref().replace('"', "\"\""));
        out.push('"');
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        read_csv(text).expect("valid CSV")
    }

    fn owned(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|f| (*f).to_string()).collect())
            .collect()
    }

    #[test]
    fn csv_quoting_separators_and_empty_fields() {
        assert_eq!(
            rows("\"offer-sku\";\"quantity\"\r\n\"JL \"\"BIG\"\";MUG\";\"5\"\r\n"),
            owned(&[&["offer-sku", "quantity"], &["JL \"BIG\";MUG", "5"]])
        );
        assert_eq!(
            rows("\"a\";\"\";\"\";\"\"\r\n"),
            owned(&[&["a", "", "", ""]])
        );
        assert_eq!(rows("a;;b\nc;\n"), owned(&[&["a", "", "b"], &["c", ""]]));
        assert_eq!(rows("\"a\";\n\"b\""), owned(&[&["a", ""], &["b"]]));
        assert_eq!(rows("\u{feff}x\n\n\r\ny"), owned(&[&["x"], &["y"]]));
        assert_eq!(rows("\"multi\nline\";z"), owned(&[&["multi\nline", "z"]]));
        assert!(rows("").is_empty());
    }

    #[test]
    fn csv_errors_name_the_line() {
        assert_eq!(
            read_csv("a\n\"open;b").unwrap_err(),
            "line 2: a quoted field is not closed"
        );
        assert!(
            read_csv("\"a\"x;b")
                .unwrap_err()
                .starts_with("line 1: unexpected 'x'")
        );
    }

    #[test]
    fn csv_lines_round_trip() {
        let mut out = String::new();
        push_csv_line(&mut out, &["JL \"BIG\";MUG", "5", "", ""]);
        push_csv_line(&mut out, &["b"]);
        assert_eq!(out, "\"JL \"\"BIG\"\";MUG\";\"5\";\"\";\"\"\r\n\"b\"\r\n");
        assert_eq!(
            rows(&out),
            owned(&[&["JL \"BIG\";MUG", "5", "", ""], &["b"]])
        );
    }

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).expect("header"),
        );
        headers
    }

    #[test]
    fn multipart_parts() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stock.csv\"\r\nContent-Type: text/csv\r\n\r\na;b\r\nc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nNORMAL\r\n--XyZ--\r\n";
        let parts = multipart(&headers("multipart/form-data; boundary=XyZ"), body).expect("parts");
        assert_eq!(
            parts,
            vec![
                Part {
                    name: "file".into(),
                    filename: Some("stock.csv".into()),
                    data: b"a;b\r\nc".to_vec(),
                },
                Part {
                    name: "mode".into(),
                    filename: None,
                    data: b"NORMAL".to_vec(),
                },
            ]
        );
    }

    #[test]
    fn multipart_errors() {
        let not_multipart = multipart(&headers("text/csv"), b"a;b").unwrap_err();
        assert_eq!(not_multipart.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let no_boundary = multipart(&headers("multipart/form-data"), b"").unwrap_err();
        assert_eq!(no_boundary.status, StatusCode::BAD_REQUEST);
        let truncated = multipart(
            &headers("multipart/form-data; boundary=B"),
            b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
        )
        .unwrap_err();
        assert!(
            truncated.message.contains("truncated"),
            "{}",
            truncated.message
        );
        let nameless = multipart(
            &headers("multipart/form-data; boundary=B"),
            b"--B\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--B--",
        )
        .unwrap_err();
        assert!(nameless.message.contains("no name"));
    }
}
