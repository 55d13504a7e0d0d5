//! Tests of the dispatch calls against a scripted Mirakl: SH21, OR23, OR24, ST01 and the planned
//! requests (methods, idempotency, retries and local refusals).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response as AxumResponse};
use serde_json::json;

use super::planned::check_planned_path;
use super::*;
use crate::http::test_server::{fast_policy, serve};
use crate::mirakl::MiraklConfig;

/// What the scripted server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// Serves `reply(hit number from 0, request)` for every request, logging what came in.
async fn scripted(
    log: Log,
    reply: impl Fn(usize, &Seen) -> AxumResponse + Send + Sync + 'static,
) -> String {
    let reply = Arc::new(reply);
    serve(move |request: Request| {
        let log = log.clone();
        let reply = reply.clone();
        async move {
            let mut seen = Seen {
                method: request.method().to_string(),
                path: request.uri().path().to_owned(),
                query: request.uri().query().map(str::to_owned),
                authorization: header(&request, "authorization"),
                content_type: header(&request, "content-type"),
                body: Vec::new(),
            };
            seen.body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .map(|b| b.to_vec())
                .unwrap_or_default();
            let n = {
                let mut log = log.lock().expect("log");
                log.push(seen.clone());
                log.len() - 1
            };
            reply(n, &seen)
        }
    })
    .await
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn client(base: &str) -> Client {
    let mut config = MiraklConfig::new(base, "shop-key");
    config.shop_id = Some("2001".into());
    config.retry = fast_policy();
    config.page_interval = Duration::ZERO;
    Client::new(config).expect("client")
}

fn seen(log: &Log) -> Vec<Seen> {
    log.lock().expect("log").clone()
}

fn no_content() -> AxumResponse {
    StatusCode::NO_CONTENT.into_response()
}

#[tokio::test]
async fn sh21_returns_the_raw_body_and_is_retried() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |n, _| {
        if n == 0 {
            StatusCode::BAD_GATEWAY.into_response()
        } else {
            axum::Json(json!({"carriers": [
                {"code": "ROYAL-MAIL", "label": "Royal Mail", "standard_code": "RM",
                 "tracking_url": "https://track.example/{trackingId}"}
            ]}))
            .into_response()
        }
    })
    .await;
    let body = client(&base).carriers().await.expect("carriers");
    assert_eq!(body["carriers"][0]["code"], "ROYAL-MAIL");
    let seen = seen(&log);
    assert_eq!(seen.len(), 2, "502 retried");
    assert_eq!(seen[1].method, "GET");
    assert_eq!(seen[1].path, "/api/shipping/carriers");
    assert_eq!(seen[1].query.as_deref(), Some("shop_id=2001"));
    assert_eq!(seen[1].authorization.as_deref(), Some("shop-key"));
}

#[tokio::test]
async fn or23_puts_the_body_and_a_502_leaves_its_outcome_unknown() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |n, _| {
        if n == 0 {
            StatusCode::BAD_GATEWAY.into_response()
        } else {
            no_content()
        }
    })
    .await;
    let body = json!({"carrier_code": "ROYAL-MAIL", "tracking_number": "TT482019412GB"});
    let error = client(&base)
        .set_tracking("JL/42", &body)
        .await
        .expect_err("a 502 may have been applied");
    assert!(
        matches!(error, ApiError::OutcomeUnknown { .. }),
        "{error:?}"
    );
    let seen = seen(&log);
    assert_eq!(seen.len(), 1, "OR23 is not sent twice: {seen:?}");
    let request = &seen[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, "/api/orders/JL%2F42/tracking");
    assert_eq!(request.query.as_deref(), Some("shop_id=2001"));
    assert_eq!(request.authorization.as_deref(), Some("shop-key"));
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    assert_eq!(request.json(), body);
}

#[tokio::test]
async fn or23_rejection_carries_the_code() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| {
        (
            StatusCode::BAD_REQUEST,
            r#"{"status":400,"code":"ORDER_INVALID_STATE","message":"Order is not in a valid state"}"#,
        )
            .into_response()
    })
    .await;
    let err = client(&base)
        .set_tracking("JL-1", &json!({"carrier_code": "DPD-UK"}))
        .await
        .expect_err("rejected");
    assert_eq!(
        err,
        ApiError::Rejected {
            status: 400,
            code: Some("ORDER_INVALID_STATE".into()),
            message: "Order is not in a valid state".into()
        }
    );
    assert_eq!(seen(&log).len(), 1);
}

#[tokio::test]
async fn or24_puts_without_a_body() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| no_content()).await;
    client(&base)
        .ship_order("JL-20261126-0012-A")
        .await
        .expect("shipped");
    let seen = seen(&log);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(seen[0].path, "/api/orders/JL-20261126-0012-A/ship");
    assert_eq!(seen[0].query.as_deref(), Some("shop_id=2001"));
    assert_eq!(seen[0].authorization.as_deref(), Some("shop-key"));
    assert!(seen[0].body.is_empty());
    assert_eq!(seen[0].content_type, None);
}

#[tokio::test]
async fn or24_server_error_is_outcome_unknown_after_one_request() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| {
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
    .await;
    let err = client(&base).ship_order("JL-1").await.expect_err("500");
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(seen(&log).len(), 1, "never repeated");
}

#[tokio::test]
async fn blank_order_ids_are_not_sent() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| no_content()).await;
    let client = client(&base);
    let err = client.ship_order(" ").await.expect_err("blank");
    assert_eq!(err.status(), Some(0));
    let err = client
        .set_tracking("", &json!({}))
        .await
        .expect_err("blank");
    assert_eq!(err.status(), Some(0));
    assert!(seen(&log).is_empty());
}

#[tokio::test]
async fn st01_posts_and_returns_the_results() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| {
        (
            StatusCode::CREATED,
            axum::Json(json!({
                "shipment_success": [{"order_id": "JL-1", "id": "S-1"}],
                "shipment_errors": [{"order_id": "JL-2", "message": "Order not found"}]
            })),
        )
            .into_response()
    })
    .await;
    let body = json!({"shipments": [{"order_id": "JL-1", "shipped": true}]});
    let answer = client(&base)
        .create_shipments(&body)
        .await
        .expect("created");
    assert_eq!(answer["shipment_success"][0]["id"], "S-1");
    assert_eq!(answer["shipment_errors"][0]["order_id"], "JL-2");
    let seen = seen(&log);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/api/shipments");
    assert_eq!(seen[0].query.as_deref(), Some("shop_id=2001"));
    assert_eq!(seen[0].authorization.as_deref(), Some("shop-key"));
    assert_eq!(seen[0].json(), body);
}

#[tokio::test]
async fn st01_failures_after_sending_are_outcome_unknown() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |n, _| {
        if n == 0 {
            StatusCode::BAD_GATEWAY.into_response()
        } else {
            (StatusCode::CREATED, "<html>oops</html>").into_response()
        }
    })
    .await;
    let client = client(&base);
    let body = json!({"shipments": []});
    let err = client.create_shipments(&body).await.expect_err("502");
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(seen(&log).len(), 1, "not retried");
    let err = client
        .create_shipments(&body)
        .await
        .expect_err("garbage 201");
    let ApiError::OutcomeUnknown { reason } = &err else {
        panic!("{err:?}");
    };
    assert!(reason.contains("ST01"), "{reason}");
    assert_eq!(seen(&log).len(), 2);
    let err = client
        .send_planned("ST24", "/api/shipments/ship", Some(&body))
        .await
        .expect_err("garbage 201");
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    let err = client
        .send_planned("ST23", "/api/shipments/tracking", Some(&body))
        .await
        .expect_err("garbage 201");
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    assert_eq!(seen(&log).len(), 4);
}

#[tokio::test]
async fn send_planned_uses_each_operations_method_and_idempotency() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, seen| {
        if seen.authorization.as_deref() != Some("shop-key") {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        if seen.path.starts_with("/api/shipments") {
            axum::Json(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []}))
                .into_response()
        } else {
            no_content()
        }
    })
    .await;
    let client = client(&base);
    let tracking = json!({"carrier_code": "DPD-UK", "tracking_number": "15501234567890"});
    let shipments = json!({"shipments": [{"id": "S-1"}]});
    // (api, path, body sent, method expected, answer expected)
    type Case<'a> = (&'a str, &'a str, Option<&'a Value>, &'a str, Option<Value>);
    let cases: [Case; 5] = [
        (
            "OR23",
            "/api/orders/JL-1/tracking",
            Some(&tracking),
            "PUT",
            None,
        ),
        ("OR24", "/api/orders/JL-1/ship", None, "PUT", None),
        (
            "ST01",
            "/api/shipments",
            Some(&shipments),
            "POST",
            Some(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []})),
        ),
        (
            "ST23",
            "/api/shipments/tracking",
            Some(&shipments),
            "POST",
            Some(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []})),
        ),
        (
            "ST24",
            "/api/shipments/ship",
            Some(&shipments),
            "PUT",
            Some(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []})),
        ),
    ];
    for (i, (api, path, body, method, expected)) in cases.iter().enumerate() {
        let answer = client
            .send_planned(api, path, *body)
            .await
            .unwrap_or_else(|e| panic!("{api}: {e}"));
        assert_eq!(&answer, expected, "{api}");
        let seen = seen(&log);
        assert_eq!(seen.len(), i + 1, "{api}");
        let request = &seen[i];
        assert_eq!(request.method, *method, "{api}");
        assert_eq!(request.path, *path, "{api}");
        assert_eq!(request.query.as_deref(), Some("shop_id=2001"), "{api}");
        assert_eq!(
            request.json(),
            body.cloned().unwrap_or(Value::Null),
            "{api}"
        );
    }
    // OR24 with an explicit JSON null body is the same as no body.
    client
        .send_planned("OR24", "/api/orders/JL-1/ship", Some(&Value::Null))
        .await
        .expect("null body");
    assert!(seen(&log)[5].body.is_empty());
}

#[tokio::test]
async fn send_planned_retries_only_idempotent_operations() {
    for (api, path, body, hits) in [
        (
            "OR23",
            "/api/orders/JL-1/tracking",
            Some(json!({"a": 1})),
            1,
        ),
        ("ST23", "/api/shipments/tracking", Some(json!({"a": 1})), 2),
        ("OR24", "/api/orders/JL-1/ship", None, 1),
        ("ST01", "/api/shipments", Some(json!({"a": 1})), 1),
        ("ST24", "/api/shipments/ship", Some(json!({"a": 1})), 1),
    ] {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |n, _| {
            if n == 0 {
                StatusCode::BAD_GATEWAY.into_response()
            } else {
                axum::Json(json!({"shipment_success": []})).into_response()
            }
        })
        .await;
        let result = client(&base).send_planned(api, path, body.as_ref()).await;
        if hits == 1 {
            let err = result.expect_err(api);
            assert!(
                matches!(err, ApiError::OutcomeUnknown { .. }),
                "{api}: {err:?}"
            );
        } else {
            result.unwrap_or_else(|e| panic!("{api}: {e}"));
        }
        assert_eq!(seen(&log).len(), hits, "{api}");
    }
}

#[tokio::test]
async fn send_planned_keeps_encoded_segments_and_base_prefix() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| no_content()).await;
    let mut config = MiraklConfig::new(format!("{base}/mirakl/"), "shop-key");
    config.retry = fast_policy();
    config.page_interval = Duration::ZERO;
    let client = Client::new(config).expect("client");
    let body = json!({"carrier_name": "Aire Valley Couriers", "tracking_number": "AVC 48213"});
    let answer = client
        .send_planned("OR23", "/api/orders/JL%2F7%20A/tracking", Some(&body))
        .await
        .expect("sent");
    assert_eq!(answer, None);
    let seen = seen(&log);
    assert_eq!(seen[0].path, "/mirakl/api/orders/JL%2F7%20A/tracking");
    assert_eq!(seen[0].query, None, "no shop_id configured");
}

#[tokio::test]
async fn send_planned_rejects_bad_requests_without_sending() {
    let log: Log = Arc::default();
    let base = scripted(log.clone(), |_, _| no_content()).await;
    let client = client(&base);
    let object = json!({"shipments": []});
    let cases: &[(&str, &str, Option<&Value>)] = &[
        ("OR23", "/api/orders/../tracking", Some(&object)),
        ("OR23", "/api/orders/a..b/tracking", Some(&object)),
        ("OR23", "/api/orders/%2e%2E/tracking", Some(&object)),
        ("OR23", "/api/orders/./tracking", Some(&object)),
        ("OR24", "/api/orders/%2E/ship", None),
        ("OR24", "/api/orders//ship", None),
        ("OR24", "api/orders/X/ship", None),
        ("OR24", "/v1/orders/X/ship", None),
        ("OR24", "https://evil.example/api/orders/X/ship", None),
        ("OR24", "//evil.example/api/orders/X/ship", None),
        ("OR24", "/api/orders/X/ship?shop_id=9", None),
        ("OR24", "/api/orders/X/ship#x", None),
        ("OR24", "/api/orders/X Y/ship", None),
        ("OR24", "/api/orders/X\\Y/ship", None),
        ("OR24", "/api/orders/X%zz/ship", None),
        ("OR24", "/api/orders/X%4/ship", None),
        ("OR24", "/api/orders/X/ship/", None),
        ("OR24", "/api/orders/é/ship", None),
        ("OR24", "/api/orders/X/accept", None),
        ("OR24", "/api/orders/X/tracking", None),
        ("OR23", "/api/orders/X/ship", Some(&object)),
        ("ST01", "/api/shipments/ship", Some(&object)),
        ("ST24", "/api/shipments", Some(&object)),
        ("OR21", "/api/orders/X/accept", Some(&object)),
        ("or23", "/api/orders/X/tracking", Some(&object)),
        ("OR23", "/api/orders/X/tracking", None),
        ("ST01", "/api/shipments", Some(&Value::Null)),
        ("ST01", "/api/shipments", Some(&json!([1]))),
        ("OR24", "/api/orders/X/ship", Some(&object)),
    ];
    for (api, path, body) in cases {
        let err = client
            .send_planned(api, path, *body)
            .await
            .expect_err(&format!("{api} {path} {body:?}"));
        let ApiError::Rejected {
            status,
            code,
            message,
        } = &err
        else {
            panic!("{api} {path}: {err:?}");
        };
        assert_eq!(*status, 0, "{api} {path}");
        assert_eq!(code.as_deref(), Some(INVALID_REQUEST_CODE));
        assert!(message.starts_with("not sent"), "{message}");
    }
    assert!(seen(&log).is_empty(), "nothing may reach the server");
}

#[test]
fn planned_paths_from_the_component_pass() {
    for (api, path) in [
        ("OR23", "/api/orders/JL-20261126-0012-A/tracking"),
        ("OR24", "/api/orders/JL-20261126-0012-A/ship"),
        ("OR24", "/api/orders/JL.1~x_y/ship"),
        ("ST01", "/api/shipments"),
        ("ST23", "/api/shipments/tracking"),
        ("ST24", "/api/shipments/ship"),
    ] {
        check_planned_path(api, path).unwrap_or_else(|e| panic!("{e}"));
    }
}
