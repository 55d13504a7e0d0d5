//! Files on the Mirakl side: `multipart/form-data` request bodies (STO01's `file` part) and
//! Mirakl's CSV dialect (`;`-separated, fields optionally double-quoted with `""` for a quote,
//! CRLF or LF line ends).
//!
//! Written independently of the client's reader (`crate::mirakl::csv`) so the sandbox checks
//! the client rather than agreeing with it by construction; this reader is the stricter one
//! (text after a closing quote is an error).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
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

/// The parts of a `multipart/form-data` request, read by axum's `Multipart`: 415 when the
/// request is not multipart, 400 when the body does not follow its boundary.
pub(super) async fn multipart(headers: &HeaderMap, body: Bytes) -> Result<Vec<Part>, MiraklError> {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"));
    if !is_multipart {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be multipart/form-data",
            None,
        ));
    }
    let mut request = Request::new(Body::from(body));
    *request.headers_mut() = headers.clone();
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| malformed(&e.body_text()))?;
    let mut parts = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| malformed(&e.body_text()))?
    {
        let name = field
            .name()
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .ok_or_else(|| malformed("a part has no name"))?;
        let filename = field.file_name().map(str::to_string);
        let data = field.bytes().await.map_err(|e| malformed(&e.body_text()))?;
        parts.push(Part {
            name,
            filename,
            data: data.to_vec(),
        });
    }
    Ok(parts)
}

fn malformed(detail: &str) -> MiraklError {
    bad_request(
        &format!("Malformed multipart body: {detail}"),
        "INVALID_MULTIPART",
    )
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

    #[tokio::test]
    async fn multipart_parts() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stock.csv\"\r\nContent-Type: text/csv\r\n\r\na;b\r\nc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nNORMAL\r\n--XyZ--\r\n";
        let parts = multipart(
            &headers("multipart/form-data; boundary=XyZ"),
            Bytes::from_static(body),
        )
        .await
        .expect("parts");
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

    #[tokio::test]
    async fn multipart_errors() {
        let not_multipart = multipart(&headers("text/csv"), Bytes::from_static(b"a;b"))
            .await
            .unwrap_err();
        assert_eq!(not_multipart.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let no_boundary = multipart(&headers("multipart/form-data"), Bytes::new())
            .await
            .unwrap_err();
        assert_eq!(no_boundary.status, StatusCode::BAD_REQUEST);
        let truncated = multipart(
            &headers("multipart/form-data; boundary=B"),
            Bytes::from_static(b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"),
        )
        .await
        .unwrap_err();
        assert!(
            truncated.message.contains("incomplete"),
            "{}",
            truncated.message
        );
        let nameless = multipart(
            &headers("multipart/form-data; boundary=B"),
            Bytes::from_static(b"--B\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--B--"),
        )
        .await
        .unwrap_err();
        assert!(nameless.message.contains("no name"));
    }
}
