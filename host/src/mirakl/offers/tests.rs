//! Tests of the offer reads against a scripted Mirakl: the OF52 → OF53 → OF54 export, who gets
//! the API key, OF21 paging and the lenient offer fields.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;
use tokio::time::Instant;

use super::listing::parse_page;
use super::*;
use crate::http::test_server::{fast_policy, json_body, query_pairs, serve};
use crate::mirakl::{Client, MiraklConfig};

/// What the scripted server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    raw_query: String,
    query: Vec<(String, String)>,
    authorization: Option<String>,
    body: Value,
    at: Instant,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(request: Request, log: &Log) -> Seen {
    let mut seen = Seen {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        raw_query: request.uri().query().unwrap_or_default().to_owned(),
        query: query_pairs(&request),
        authorization: request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: Value::Null,
        at: Instant::now(),
    };
    seen.body = json_body(request).await;
    log.lock().expect("log").push(seen.clone());
    seen
}

fn param<'a>(seen: &'a Seen, key: &str) -> Option<&'a str> {
    seen.query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn client(base: &str) -> Client {
    let mut config = MiraklConfig::new(base, "shop-key");
    config.shop_id = Some("2001".into());
    config.retry = fast_policy();
    config.page_interval = Duration::ZERO;
    config.export_poll_interval = Duration::from_millis(80);
    Client::new(config).expect("client")
}

/// A Mirakl stand-in for OF52/53/54: the export stays PENDING for `pending` polls, then
/// completes with two files; `file_host` replaces `127.0.0.1` in the file URLs.
async fn export_server(log: Log, pending: usize, file_host: &'static str) -> String {
    let polls = Arc::new(Mutex::new(0usize));
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let url = serve(move |request| {
        let log = log.clone();
        let polls = polls.clone();
        let base = b.lock().expect("base").replace("127.0.0.1", file_host);
        async move {
            let seen = record(request, &log).await;
            match (seen.method.as_str(), seen.path.as_str()) {
                ("POST", "/api/offers/export/async") => {
                    axum::Json(json!({"tracking_id": "T-1"})).into_response()
                }
                ("GET", "/api/offers/export/async/status/T-1") => {
                    let n = {
                        let mut polls = polls.lock().expect("polls");
                        *polls += 1;
                        *polls
                    };
                    if n <= pending {
                        axum::Json(json!({
                            "last_updated": "2021-09-23T08:14:06.095Z",
                            "status": "PENDING"
                        }))
                        .into_response()
                    } else {
                        axum::Json(json!({
                            "last_updated": "2021-09-15T08:52:30.348Z",
                            "status": "COMPLETED",
                            "urls": [
                                format!("{base}/api/offers/export/async/file/T-1?file=of52-export%offers/0.json"),
                                format!("{base}/api/offers/export/async/file/T-1?file=of52-export%offers/1.json"),
                            ]
                        }))
                        .into_response()
                    }
                }
                ("GET", "/api/offers/export/async/file/T-1") => {
                    let body = if seen.raw_query.contains("0.json") {
                        json!([
                            {"shop_sku": "S1", "product_sku": "MKP1", "quantity": 56,
                             "active": true, "offer_id": 2003, "shop_id": 2001},
                            {"shop_sku": "S2", "quantity": 0, "active": false,
                             "product_references": [
                                 {"reference_type": "ean", "reference": "5012345678900"}]},
                            {"product_sku": "MKP9", "quantity": 3}
                        ])
                    } else {
                        json!([
                            {"shop_sku": "S1", "quantity": 50.0, "active": "true"},
                            {"shop_sku": "S3", "quantity": 1, "deleted": true},
                            {"shop_sku": "S4", "product_id": "4006381333931",
                             "product_id_type": "EAN"}
                        ])
                    };
                    axum::Json(body).into_response()
                }
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
    })
    .await;
    *base.lock().expect("base") = url.clone();
    url
}

#[tokio::test]
async fn of52_of53_of54_flow() {
    let log: Log = Arc::default();
    let base = export_server(log.clone(), 2, "127.0.0.1").await;
    let offers = client(&base).export_offers().await.expect("export");
    assert_eq!(
        offers,
        vec![
            MiraklOffer {
                sku: "S1".into(),
                ean: None,
                quantity: Some(50),
                active: Some(true),
            },
            MiraklOffer {
                sku: "S2".into(),
                ean: Some("5012345678900".into()),
                quantity: Some(0),
                active: Some(false),
            },
            MiraklOffer {
                sku: "S4".into(),
                ean: Some("4006381333931".into()),
                quantity: None,
                active: None,
            },
        ]
    );
    let seen = log.lock().expect("log").clone();
    let calls: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/api/offers/export/async"),
            ("GET", "/api/offers/export/async/status/T-1"),
            ("GET", "/api/offers/export/async/status/T-1"),
            ("GET", "/api/offers/export/async/status/T-1"),
            ("GET", "/api/offers/export/async/file/T-1"),
            ("GET", "/api/offers/export/async/file/T-1"),
        ]
    );
    for request in &seen {
        assert_eq!(request.authorization.as_deref(), Some("shop-key"));
        assert_eq!(param(request, "shop_id"), Some("2001"));
    }
    assert_eq!(
        seen[0].body,
        json!({
            "export_type": "application/json",
            "include_inactive_offers": true,
            "include_fields": ["shop_sku", "product_sku", "quantity", "active"]
        })
    );
    // OF52 and every OF53 poll are export_poll_interval apart.
    for pair in seen[..4].windows(2) {
        assert!(
            pair[1].at - pair[0].at >= Duration::from_millis(75),
            "{:?}",
            pair[1].at - pair[0].at
        );
    }
    // The file URL is used as given (its odd `%of` escape included), plus shop_id.
    assert_eq!(
        seen[4].raw_query,
        "file=of52-export%offers/0.json&shop_id=2001"
    );
}

#[tokio::test]
async fn export_files_on_another_host_get_no_api_key() {
    let log: Log = Arc::default();
    let base = export_server(log.clone(), 0, "localhost").await;
    let offers = client(&base).export_offers().await.expect("export");
    assert_eq!(offers.len(), 3);
    let seen = log.lock().expect("log").clone();
    let files: Vec<&Seen> = seen.iter().filter(|s| s.path.contains("/file/")).collect();
    assert_eq!(files.len(), 2);
    for file in files {
        assert_eq!(file.authorization, None);
        assert_eq!(param(file, "shop_id"), None);
    }
}

#[tokio::test]
async fn failed_export_is_unavailable_with_mirakl_detail() {
    let base = serve(|request| async move {
        if request.method() == "POST" {
            axum::Json(json!({"tracking_id": "T-9"})).into_response()
        } else {
            axum::Json(json!({
                "error": {"code": "1", "detail": "Internal error"},
                "last_updated": "2021-09-23T08:14:06.095Z",
                "status": "FAILED"
            }))
            .into_response()
        }
    })
    .await;
    let err = client(&base).export_offers().await.expect_err("failed");
    let ApiError::Unavailable { reason } = &err else {
        panic!("{err:?}");
    };
    assert!(reason.contains("T-9"), "{reason}");
    assert!(
        reason.contains("FAILED (code 1): Internal error"),
        "{reason}"
    );
    assert!(err.is_transient());
}

#[test]
fn file_urls_and_who_gets_the_key() {
    let mut config = MiraklConfig::new("https://jl.mirakl.net", "k");
    config.shop_id = Some("7".into());
    let client = Client::new(config).expect("client");
    let (url, authorised) = client
        .export_file_url("http://JL.mirakl.net/api/offers/export/async/file/x?file=a%offers/0.json")
        .expect("url");
    assert!(authorised);
    assert_eq!(
        url.as_str(),
        "https://jl.mirakl.net/api/offers/export/async/file/x?file=a%offers/0.json&shop_id=7"
    );
    let (url, authorised) = client
        .export_file_url("/api/offers/export/async/file/y?shop_id=7")
        .expect("relative");
    assert!(authorised);
    assert_eq!(
        url.as_str(),
        "https://jl.mirakl.net/api/offers/export/async/file/y?shop_id=7"
    );
    let (url, authorised) = client
        .export_file_url("https://bucket.s3.amazonaws.com/0.json?X-Amz-Signature=abc")
        .expect("foreign");
    assert!(!authorised);
    assert_eq!(
        url.as_str(),
        "https://bucket.s3.amazonaws.com/0.json?X-Amz-Signature=abc"
    );
    let (_, authorised) = client
        .export_file_url("https://jl.mirakl.net:8443/f")
        .expect("other port");
    assert!(!authorised);
    assert!(client.export_file_url("ftp://jl.mirakl.net/f").is_err());
}

#[tokio::test]
async fn of21_pages_through_250_offers() {
    let log: Log = Arc::default();
    let l = log.clone();
    let base = serve(move |request| {
        let l = l.clone();
        async move {
            let seen = record(request, &l).await;
            let max: usize = param(&seen, "max")
                .and_then(|m| m.parse().ok())
                .unwrap_or(10);
            if max > 100 {
                return (StatusCode::BAD_REQUEST, r#"{"message":"max > 100"}"#).into_response();
            }
            let offset: usize = param(&seen, "offset")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = (0..250)
                .skip(offset)
                .take(max)
                .map(|i| {
                    json!({
                        "shop_sku": format!("S-{i}"),
                        "quantity": i,
                        "active": i % 2 == 0,
                        "product_references": [
                            {"reference_type": "UPC", "reference": "012345678905"},
                            {"reference_type": "EAN", "reference": format!("{:013}", i)}
                        ]
                    })
                })
                .collect();
            axum::Json(json!({"offers": page, "total_count": 250})).into_response()
        }
    })
    .await;
    let offers = client(&base).list_offers().await.expect("offers");
    assert_eq!(offers.len(), 250);
    assert_eq!(
        offers[7],
        MiraklOffer {
            sku: "S-7".into(),
            ean: Some("0000000000007".into()),
            quantity: Some(7),
            active: Some(false),
        }
    );
    assert_eq!(offers[249].sku, "S-249");
    let seen = log.lock().expect("log").clone();
    assert_eq!(seen.len(), 3);
    for (i, request) in seen.iter().enumerate() {
        assert_eq!(request.path, "/api/offers");
        assert_eq!(request.authorization.as_deref(), Some("shop-key"));
        assert_eq!(param(request, "max"), Some("100"));
        assert_eq!(
            param(request, "offset"),
            Some((i * 100).to_string().as_str())
        );
        assert_eq!(param(request, "shop_id"), Some("2001"));
    }
}

#[tokio::test]
async fn of21_reads_again_when_an_offer_moved_while_paging() {
    // OF21 sorts by price: S-5 is repriced to the top once the first page is read, so
    // S-100 slides onto the first page and the rest of the first listing misses it.
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let log: Log = Arc::default();
    let l = log.clone();
    let base = serve(move |request| {
        let (l, requests) = (l.clone(), requests.clone());
        async move {
            let seen = record(request, &l).await;
            let offset: usize = param(&seen, "offset")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let mut order: Vec<usize> = (0..250).collect();
            if requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                order.retain(|i| *i != 5);
                order.push(5);
            }
            let page: Vec<Value> = order
                .into_iter()
                .skip(offset)
                .take(100)
                .map(|i| json!({"shop_sku": format!("S-{i}"), "quantity": i}))
                .collect();
            axum::Json(json!({"offers": page, "total_count": 250})).into_response()
        }
    })
    .await;
    let offers = client(&base).list_offers().await.expect("offers");
    let mut skus: Vec<&str> = offers.iter().map(|o| o.sku.as_str()).collect();
    skus.sort_unstable();
    let mut every: Vec<String> = (0..250).map(|i| format!("S-{i}")).collect();
    every.sort_unstable();
    assert_eq!(skus, every);
    assert_eq!(log.lock().expect("log").len(), 6, "two listings of 3 pages");
}

#[test]
fn of21_page_shapes() {
    assert!(parse_page(json!({"total_count": 0})).is_ok());
    assert!(parse_page(json!({"total_count": 3})).is_err());
    assert!(parse_page(json!([])).is_err());
    let (page, total) =
        parse_page(json!({"offers": [{"shop_sku": "A"}], "total_count": "1"})).expect("page");
    assert_eq!((page.len(), total), (1, Some(1)));
}

#[test]
fn lenient_offer_fields() {
    assert_eq!(lenient_i64(Some(&json!(-3))), Some(-3));
    assert_eq!(lenient_i64(Some(&json!("12"))), Some(12));
    assert_eq!(lenient_i64(Some(&json!(2.5))), None);
    assert_eq!(lenient_i64(Some(&json!(null))), None);
    assert_eq!(
        parse_offer(&json!({"shop_sku": 123, "product_id": "X", "product_id_type": "SHOP_SKU"})),
        Some(MiraklOffer {
            sku: "123".into(),
            ean: None,
            quantity: None,
            active: None,
        })
    );
    assert_eq!(parse_offer(&json!({"shop_sku": " "})), None);
}
