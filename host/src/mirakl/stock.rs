//! Stock: STO01 (upload a stock CSV), STO02 (import status) and STO03 (error report).
//!
//! Pacing, on top of the pacer every Mirakl call waits on: STO01 uploads are at least
//! [`MiraklConfig::stock_import_interval`](super::MiraklConfig::stock_import_interval) apart,
//! STO02 and STO03 calls at least
//! [`MiraklConfig::stock_status_interval`](super::MiraklConfig::stock_status_interval) apart.

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::multipart::{Form, Part};
use serde_json::{Map, Value};

use super::client::Client;
use super::csv;
use crate::http::{self, ApiError};

/// File name given to the STO01 `file` part.
const STOCK_FILE_NAME: &str = "stock.csv";

/// Header names (lower case) that hold the error text in a STO03 report, best first.
const ERROR_HEADERS: &[&str] = &[
    "error-message",
    "error_message",
    "error message",
    "error-reason",
    "error_reason",
    "error",
    "errors",
    "message",
    "reason",
];

/// Header names (lower case) that hold the offer SKU in a STO03 report.
const SKU_HEADERS: &[&str] = &["offer-sku", "offer_sku", "sku", "shop-sku", "shop_sku"];

/// Columns of the STO01 file itself; never taken for the error column.
const STOCK_COLUMNS: &[&str] = &["offer-sku", "quantity", "warehouse-code", "update-delete"];

/// Where a STO01 import stands (STO02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockImportStatus {
    /// The import identifier (as sent back by Mirakl; the requested one when it sent none).
    pub import_id: String,
    /// `WAITING`, `RUNNING`, `COMPLETE` or `FAILED`, kept as Mirakl sent it (trimmed) so new
    /// values pass through. See [`StockImportStatus::is_finished`].
    pub status: String,
    /// Lines imported (0 when absent).
    pub lines_in_success: u64,
    /// Lines rejected (0 when absent); their reasons are in the STO03 report.
    pub lines_in_error: u64,
    /// Whether STO03 has an error report for this import (false when absent).
    pub has_error_report: bool,
}

impl StockImportStatus {
    /// True once Mirakl will not change the import any more (`COMPLETE` or `FAILED`, in any
    /// letter case).
    pub fn is_finished(&self) -> bool {
        self.status.eq_ignore_ascii_case("COMPLETE") || self.status.eq_ignore_ascii_case("FAILED")
    }
}

/// One rejected line of a STO01 import, from the STO03 error report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockErrorLine {
    /// The `offer-sku` of the rejected line (empty when the line had none).
    pub sku: String,
    /// The `quantity` as submitted (`None` when the report has no such column or it is empty).
    pub quantity: Option<String>,
    /// Mirakl's reason for rejecting the line.
    pub message: String,
}

impl Client {
    /// Holds STO01 uploads back until `when` (an earlier run uploaded less than an interval
    /// ago); never shortens an existing hold.
    pub fn hold_stock_imports_until(&self, when: tokio::time::Instant) {
        self.stock_import_pacer.defer_until(when);
    }

    /// STO01: uploads `csv` (the stock file, `"offer-sku";"quantity";"warehouse-code";
    /// "update-delete"`) as the multipart part `file` named `stock.csv` (`text/csv`) and
    /// returns Mirakl's `import_id` (a number is accepted and returned as text).
    ///
    /// Waits for the STO01 pacer first, so uploads are at least `stock_import_interval` apart.
    /// Not idempotent: a 429 is retried after `Retry-After` (nothing was applied), but a
    /// timeout, a dropped connection or a 500/502/504 after sending is
    /// [`ApiError::OutcomeUnknown`]; the quantities are absolute, so the caller may simply
    /// send them again in the next upload.
    pub async fn upload_stock(&self, csv: &str) -> Result<String, ApiError> {
        self.stock_import_pacer.wait().await;
        let url = self.url(&["api", "offers", "stock", "imports"], &[]);
        let response = http::send(&self.http, &self.page_pacer, &self.retry, false, || {
            self.http
                .post(url.clone())
                .multipart(Form::new().part("file", stock_file_part(csv)))
        })
        .await
        .map_err(|e| e.redacted(&self.api_key))?;
        let body: Value = http::read_json(response)
            .await
            .map_err(|e| e.redacted(&self.api_key))?;
        body.get("import_id")
            .and_then(id_text)
            .ok_or_else(|| ApiError::Decode {
                reason: "STO01 response has no `import_id`".into(),
            })
    }

    /// STO02: the status and line counts of stock import `import_id`, read leniently (missing
    /// counts are 0, a missing `has_error_report` is false).
    ///
    /// Waits for the STO02/STO03 pacer first (`stock_status_interval`). Idempotent.
    pub async fn stock_import_status(
        &self,
        import_id: &str,
    ) -> Result<StockImportStatus, ApiError> {
        self.stock_status_pacer.wait().await;
        let body = self
            .request_json(
                Method::GET,
                &["api", "offers", "stock", "imports", import_id, "status"],
                &[],
                None,
                true,
            )
            .await?;
        parse_status(&body, import_id)
    }

    /// STO03: the rejected lines of stock import `import_id`, from its CSV error report.
    ///
    /// The report repeats the submitted lines with the reason added. Columns are found by
    /// header: the SKU in `offer-sku` (or `sku`), the quantity in `quantity`, the reason in
    /// `error-message`, `error` or a similar header; failing that, the second column when the
    /// first is a line number (as Mirakl's description puts it), else the last column that is
    /// not one of the submitted ones. A report without a recognisable header row is read in
    /// the STO01 column order with the reason in the last column.
    ///
    /// Waits for the STO02/STO03 pacer first (`stock_status_interval`). Idempotent.
    pub async fn stock_error_report(
        &self,
        import_id: &str,
    ) -> Result<Vec<StockErrorLine>, ApiError> {
        self.stock_status_pacer.wait().await;
        let url = self.url(
            &[
                "api",
                "offers",
                "stock",
                "imports",
                import_id,
                "error_report",
            ],
            &[],
        );
        let response = http::send(&self.http, &self.page_pacer, &self.retry, true, || {
            self.http.get(url.clone()).header(
                ACCEPT,
                HeaderValue::from_static("text/csv, application/json;q=0.5, */*;q=0.1"),
            )
        })
        .await
        .map_err(|e| e.redacted(&self.api_key))?;
        let text = read_text(response).await?;
        parse_error_report(&text)
    }
}

/// The STO01 `file` part for `csv`.
fn stock_file_part(csv: &str) -> Part {
    let part = || Part::text(csv.to_owned()).file_name(STOCK_FILE_NAME);
    // "text/csv" always parses; the fallback only keeps this free of panics.
    part().mime_str("text/csv").unwrap_or_else(|_| part())
}

/// Reads a 2xx body as text (UTF-8, invalid bytes replaced).
pub(super) async fn read_text(response: reqwest::Response) -> Result<String, ApiError> {
    let bytes = response.bytes().await.map_err(|e| ApiError::Unavailable {
        reason: format!("could not read the response body: {e}"),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// An identifier given as a non-blank string or a number.
pub(super) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A non-negative count given as a number (integral float allowed) or a numeric string.
pub(super) fn lenient_u64(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean given as JSON `true`/`false` or the strings `"true"`/`"false"`.
pub(super) fn lenient_bool(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Reads a STO02 body.
fn parse_status(body: &Value, requested: &str) -> Result<StockImportStatus, ApiError> {
    let empty = Map::new();
    let object = match body {
        Value::Object(object) => object,
        Value::Null => &empty,
        _ => {
            return Err(ApiError::Decode {
                reason: "STO02 response is not a JSON object".into(),
            });
        }
    };
    let status = object
        .get("status")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::Decode {
            reason: format!("STO02 response for import {requested} has no `status`"),
        })?;
    Ok(StockImportStatus {
        import_id: object
            .get("import_id")
            .and_then(id_text)
            .unwrap_or_else(|| requested.to_owned()),
        status: status.to_owned(),
        lines_in_success: lenient_u64(object.get("lines_in_success")).unwrap_or(0),
        lines_in_error: lenient_u64(object.get("lines_in_error")).unwrap_or(0),
        has_error_report: lenient_bool(object.get("has_error_report")).unwrap_or(false),
    })
}

/// Which column holds what in a STO03 report.
struct Columns {
    sku: usize,
    quantity: Option<usize>,
    /// `None`: the last column of each row.
    message: Option<usize>,
}

/// Parses a STO03 report (see [`Client::stock_error_report`]).
fn parse_error_report(text: &str) -> Result<Vec<StockErrorLine>, ApiError> {
    let rows = csv::parse(text, ';').map_err(|e| ApiError::Decode {
        reason: format!("STO03 error report is not valid CSV: {e}"),
    })?;
    let mut rows = rows.into_iter().peekable();
    let Some(first) = rows.peek() else {
        return Ok(Vec::new());
    };
    let headers: Vec<String> = first
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let columns = match find_columns(&headers) {
        Some(columns) => {
            rows.next();
            columns
        }
        // No header row: the STO01 column order, reason last.
        None => Columns {
            sku: 0,
            quantity: Some(1),
            message: None,
        },
    };
    let mut lines = Vec::new();
    for row in rows {
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| row.get(i).map(|f| f.trim()).unwrap_or_default();
        let message = match columns.message {
            Some(i) => cell(i),
            None => row.last().map(|f| f.trim()).unwrap_or_default(),
        };
        lines.push(StockErrorLine {
            sku: cell(columns.sku).to_owned(),
            quantity: columns
                .quantity
                .map(cell)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            message: if message.is_empty() {
                "Mirakl gave no reason for this line".to_owned()
            } else {
                message.to_owned()
            },
        });
    }
    Ok(lines)
}

/// Finds the columns from a header row (lower-cased); `None` when it is not a header row.
fn find_columns(headers: &[String]) -> Option<Columns> {
    let position = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let sku = position(SKU_HEADERS)?;
    let quantity = position(&["quantity"]);
    let is_line_number = |h: &str| {
        matches!(
            h,
            "line"
                | "line-number"
                | "line_number"
                | "line number"
                | "error-line"
                | "error_line"
                | "#"
        )
    };
    let message = position(ERROR_HEADERS)
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.contains("error") && !is_line_number(h))
        })
        .or_else(|| {
            (headers.len() >= 2
                && is_line_number(&headers[0])
                && !STOCK_COLUMNS.contains(&headers[1].as_str()))
            .then_some(1)
        })
        .or_else(|| {
            headers
                .iter()
                .rposition(|h| !STOCK_COLUMNS.contains(&h.as_str()) && !is_line_number(h))
        })
        .unwrap_or(headers.len() - 1);
    Some(Columns {
        sku,
        quantity,
        message: Some(message),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use serde_json::json;
    use tokio::time::Instant;

    use super::*;
    use crate::http::test_server::{fast_policy, query_pairs, serve};
    use crate::mirakl::MiraklConfig;

    /// What the scripted server saw of one request.
    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        path: String,
        query: Vec<(String, String)>,
        authorization: Option<String>,
        content_type: Option<String>,
        accept: Option<String>,
        body: Vec<u8>,
        at: Instant,
    }

    type Log = Arc<Mutex<Vec<Seen>>>;

    fn header(request: &Request, name: &str) -> Option<String> {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    async fn record(request: Request, log: &Log) -> Seen {
        let mut seen = Seen {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            query: query_pairs(&request),
            authorization: header(&request, "authorization"),
            content_type: header(&request, "content-type"),
            accept: header(&request, "accept"),
            body: Vec::new(),
            at: Instant::now(),
        };
        seen.body = axum::body::to_bytes(request.into_body(), 1 << 20)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        log.lock().expect("log").push(seen.clone());
        seen
    }

    fn client(base: &str) -> Client {
        let mut config = MiraklConfig::new(base, "shop-key");
        config.shop_id = Some("2001".into());
        config.retry = fast_policy();
        config.page_interval = Duration::ZERO;
        config.stock_import_interval = Duration::from_millis(250);
        config.stock_status_interval = Duration::from_millis(100);
        Client::new(config).expect("client")
    }

    /// The parts of a multipart body: (headers, content) per part.
    fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, String)> {
        let boundary = content_type
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("boundary="))
            .expect("boundary")
            .trim_matches('"');
        let body = String::from_utf8(body.to_vec()).expect("utf-8 body");
        let delimiter = format!("--{boundary}");
        body.split(delimiter.as_str())
            .skip(1)
            .filter(|part| !part.starts_with("--"))
            .map(|part| {
                let part = part.strip_prefix("\r\n").expect("CRLF after boundary");
                let (headers, content) = part.split_once("\r\n\r\n").expect("part headers");
                let content = content.strip_suffix("\r\n").expect("CRLF before boundary");
                (headers.to_owned(), content.to_owned())
            })
            .collect()
    }

    const STOCK_CSV: &str = "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n\"JL \"\"BIG\"\";MUG\";\"5\";\"\";\"\"\r\n";

    #[tokio::test]
    async fn sto01_sends_the_csv_as_the_file_part() {
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let l = l.clone();
            async move {
                record(request, &l).await;
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"import_id": "imp-1"})),
                )
                    .into_response()
            }
        })
        .await;
        let import_id = client(&base).upload_stock(STOCK_CSV).await.expect("upload");
        assert_eq!(import_id, "imp-1");
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen.len(), 1);
        let request = &seen[0];
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/api/offers/stock/imports");
        assert_eq!(request.authorization.as_deref(), Some("shop-key"));
        assert_eq!(
            request.query,
            vec![("shop_id".to_owned(), "2001".to_owned())]
        );
        let content_type = request.content_type.as_deref().expect("content type");
        assert!(
            content_type.starts_with("multipart/form-data; boundary="),
            "{content_type}"
        );
        let parts = multipart_parts(content_type, &request.body);
        assert_eq!(parts.len(), 1);
        let (headers, content) = &parts[0];
        let headers = headers.to_ascii_lowercase();
        assert!(
            headers
                .contains("content-disposition: form-data; name=\"file\"; filename=\"stock.csv\""),
            "{headers}"
        );
        assert!(headers.contains("content-type: text/csv"), "{headers}");
        assert_eq!(content, STOCK_CSV);
    }

    #[tokio::test]
    async fn sto01_uploads_are_spaced_and_numeric_ids_accepted() {
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let l = l.clone();
            async move {
                let n = {
                    record(request, &l).await;
                    l.lock().expect("log").len()
                };
                (StatusCode::CREATED, axum::Json(json!({"import_id": n}))).into_response()
            }
        })
        .await;
        let client = client(&base);
        assert_eq!(client.upload_stock(STOCK_CSV).await.expect("first"), "1");
        assert_eq!(client.upload_stock(STOCK_CSV).await.expect("second"), "2");
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen.len(), 2);
        let gap = seen[1].at - seen[0].at;
        assert!(gap >= Duration::from_millis(240), "{gap:?}");
    }

    #[tokio::test]
    async fn sto01_is_not_retried_after_a_server_error_but_429_is() {
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let l = l.clone();
            async move {
                record(request, &l).await;
                let n = l.lock().expect("log").len();
                match n {
                    1 => {
                        let mut r = StatusCode::TOO_MANY_REQUESTS.into_response();
                        r.headers_mut()
                            .insert("retry-after", HeaderValue::from_static("0.2"));
                        r
                    }
                    2 => (StatusCode::CREATED, axum::Json(json!({"import_id": "ok"})))
                        .into_response(),
                    _ => StatusCode::BAD_GATEWAY.into_response(),
                }
            }
        })
        .await;
        let client = client(&base);
        assert_eq!(client.upload_stock("x").await.expect("after 429"), "ok");
        {
            let seen = log.lock().expect("log").clone();
            assert!(seen[1].at - seen[0].at >= Duration::from_millis(190));
        }
        let err = client.upload_stock("x").await.expect_err("502");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
        assert_eq!(log.lock().expect("log").len(), 3, "502 must not be retried");
    }

    #[tokio::test]
    async fn sto01_without_import_id_is_a_decode_error() {
        let base = serve(|_request| async {
            (StatusCode::CREATED, axum::Json(json!({"id": "x"}))).into_response()
        })
        .await;
        let err = client(&base).upload_stock("x").await.expect_err("no id");
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn sto02_status_is_read_leniently_and_paced() {
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let l = l.clone();
            async move {
                let seen = record(request, &l).await;
                let body = if seen.path.ends_with("/a%2Fb/status") {
                    json!({
                        "date_created": "2023-03-28T09:34:42Z",
                        "has_error_report": true,
                        "import_id": "a/b",
                        "lines_in_error": 2,
                        "lines_in_success": "98",
                        "shop_id": 2001,
                        "status": "COMPLETE"
                    })
                } else {
                    json!({"status": "RUNNING", "shop_id": 2001})
                };
                axum::Json(body).into_response()
            }
        })
        .await;
        let client = client(&base);
        let done = client.stock_import_status("a/b").await.expect("status");
        assert_eq!(
            done,
            StockImportStatus {
                import_id: "a/b".into(),
                status: "COMPLETE".into(),
                lines_in_success: 98,
                lines_in_error: 2,
                has_error_report: true,
            }
        );
        assert!(done.is_finished());
        let running = client.stock_import_status("77").await.expect("status");
        assert_eq!(
            running,
            StockImportStatus {
                import_id: "77".into(),
                status: "RUNNING".into(),
                lines_in_success: 0,
                lines_in_error: 0,
                has_error_report: false,
            }
        );
        assert!(!running.is_finished());
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen[0].path, "/api/offers/stock/imports/a%2Fb/status");
        assert_eq!(seen[0].authorization.as_deref(), Some("shop-key"));
        assert!(seen[1].at - seen[0].at >= Duration::from_millis(95));
    }

    #[test]
    fn sto02_without_status_is_a_decode_error() {
        assert!(matches!(
            parse_status(&json!({"import_id": "1"}), "1"),
            Err(ApiError::Decode { .. })
        ));
        assert!(parse_status(&json!([]), "1").is_err());
        assert_eq!(
            parse_status(&json!({"status": " FAILED ", "import_id": 12}), "1")
                .expect("status")
                .import_id,
            "12"
        );
    }

    #[tokio::test]
    async fn sto03_report_with_quotes_and_separators_in_skus() {
        let report = "\u{feff}\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\";\"error-message\"\r\n\
                      \"JL \"\"BIG\"\";MUG\";\"5\";\"\";\"\";\"The offer does not exist\"\r\n\
                      \"A;B\";\"\";\"WH-1\";\"\";\"Quantity is mandatory; line skipped\"\r\n\
                      \r\n";
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let l = l.clone();
            async move {
                record(request, &l).await;
                ([("content-type", "text/csv")], report).into_response()
            }
        })
        .await;
        let lines = client(&base)
            .stock_error_report("imp-9")
            .await
            .expect("report");
        assert_eq!(
            lines,
            vec![
                StockErrorLine {
                    sku: "JL \"BIG\";MUG".into(),
                    quantity: Some("5".into()),
                    message: "The offer does not exist".into(),
                },
                StockErrorLine {
                    sku: "A;B".into(),
                    quantity: None,
                    message: "Quantity is mandatory; line skipped".into(),
                },
            ]
        );
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen[0].path, "/api/offers/stock/imports/imp-9/error_report");
        assert_eq!(seen[0].authorization.as_deref(), Some("shop-key"));
        assert!(
            seen[0]
                .accept
                .as_deref()
                .unwrap_or_default()
                .starts_with("text/csv"),
            "{:?}",
            seen[0].accept
        );
    }

    #[test]
    fn sto03_error_column_variants() {
        // `error` header, LF line ends.
        let lines =
            parse_error_report("offer-sku;quantity;error\nS1;3;Unknown offer\n").expect("report");
        assert_eq!(lines[0].sku, "S1");
        assert_eq!(lines[0].message, "Unknown offer");
        // Line number first, reason second (Mirakl's description), then the submitted columns.
        let lines = parse_error_report(
            "\"line\";\"reason-text\";\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\n\
             \"2\";\"Invalid quantity\";\"S2\";\"-1\";\"\";\"\"\n",
        )
        .expect("report");
        assert_eq!(
            lines,
            vec![StockErrorLine {
                sku: "S2".into(),
                quantity: Some("-1".into()),
                message: "Invalid quantity".into(),
            }]
        );
        // Unknown error header name: the last non-submitted column.
        let lines = parse_error_report(
            "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\";\"Fehler\"\n\"S3\";\"1\";\"\";\"\";\"Oops\"\n",
        )
        .expect("report");
        assert_eq!(lines[0].message, "Oops");
        // No header row at all.
        let lines = parse_error_report("\"S4\";\"2\";\"\";\"\";\"Bad\"\n").expect("report");
        assert_eq!(
            lines,
            vec![StockErrorLine {
                sku: "S4".into(),
                quantity: Some("2".into()),
                message: "Bad".into(),
            }]
        );
        // Empty report, header only, and an unterminated quote.
        assert!(parse_error_report("").expect("empty").is_empty());
        assert!(
            parse_error_report("offer-sku;quantity;error-message\r\n")
                .expect("header only")
                .is_empty()
        );
        assert!(matches!(
            parse_error_report("offer-sku;error\n\"S5;x"),
            Err(ApiError::Decode { .. })
        ));
    }

    #[test]
    fn lenient_scalars() {
        assert_eq!(lenient_u64(Some(&json!(4))), Some(4));
        assert_eq!(lenient_u64(Some(&json!(4.0))), Some(4));
        assert_eq!(lenient_u64(Some(&json!(4.5))), None);
        assert_eq!(lenient_u64(Some(&json!("7"))), Some(7));
        assert_eq!(lenient_u64(Some(&json!(-1))), None);
        assert_eq!(lenient_u64(None), None);
        assert_eq!(lenient_bool(Some(&json!("TRUE"))), Some(true));
        assert_eq!(lenient_bool(Some(&json!(false))), Some(false));
        assert_eq!(lenient_bool(Some(&json!(1))), None);
        assert_eq!(id_text(&json!(" 5 ")), Some("5".into()));
        assert_eq!(id_text(&json!(12)), Some("12".into()));
        assert_eq!(id_text(&json!("")), None);
    }
}
