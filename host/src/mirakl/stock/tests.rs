//! Tests of the stock calls against a scripted Mirakl: STO01 uploads (multipart, pacing,
//! retries), STO02 status and the STO03 error report.

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
        headers.contains("content-disposition: form-data; name=\"file\"; filename=\"stock.csv\""),
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
                2 => (StatusCode::CREATED, axum::Json(json!({"import_id": "ok"}))).into_response(),
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
