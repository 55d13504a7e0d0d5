//! HTTP tests of the web interface, served on loopback and called with reqwest.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::stock::events::StockEvents;

/// base64("jlm-test-webhook-secret-0123456789").
const SECRET: &str = "amxtLXRlc3Qtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ==";

fn state() -> WebState {
    WebState::new(StockEvents::new(vec![]), Metrics::new(), SECRET)
}

/// Serves `state` on an ephemeral loopback port; returns the base URL.
async fn start(state: WebState, token: Option<&str>) -> String {
    let bind: SocketAddr = ([127, 0, 0, 1], 0).into();
    match serve(bind, token.map(str::to_owned), state).await {
        Ok((addr, _task)) => format!("http://{addr}"),
        Err(e) => panic!("serve failed: {e}"),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

fn body(sku: &str, time: &str, available: i64) -> Vec<u8> {
    serde_json::to_vec(&json!([{
        "timestamp": time,
        "product_code": sku,
        "product_id": 3697,
        "warehouse_quantities": [
            {"warehouse_id": 4, "warehouse_code": "WAREHOUSE-EAST",
             "quantity_on_hand": available, "quantity_available": available}
        ],
        "listing_quantities": []
    }]))
    .unwrap_or_default()
}

/// POSTs `body` to the webhook with `signature` (if any); returns status and JSON answer.
async fn post(base: &str, body: Vec<u8>, signature: Option<&str>) -> (StatusCode, Value) {
    let mut request = client()
        .post(format!("{base}/webhooks/fulfil"))
        .header("Content-Type", "application/json")
        .header("X-Fulfil-Event", "product.product.inventory_level_changed")
        .header("X-Fulfil-Organization", "acme");
    if let Some(signature) = signature {
        request = request.header("X-Fulfil-Hmac-SHA256", signature);
    }
    match request.body(body).send().await {
        Ok(response) => {
            let status = response.status();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(e) => panic!("request failed: {e}"),
    }
}

async fn get(base: &str, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = client().get(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            (status, response.text().await.unwrap_or_default())
        }
        Err(e) => panic!("request failed: {e}"),
    }
}

#[tokio::test]
async fn signed_webhook_is_queued_and_wakes_the_job() {
    let state = state();
    let base = start(state.clone(), None).await;
    let payload = body("SKU-1", "2024-05-01T10:00:00.123456", 7);
    let signature = hmac::sign(SECRET, &payload);
    let (status, answer) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"accepted": 1, "stale": 0, "skipped": []}));
    assert_eq!(state.events.depth(), 1);
    let woken = tokio::time::timeout(Duration::from_secs(2), state.wake.notified()).await;
    assert!(woken.is_ok(), "stock job was not woken");
    let change = state.events.drain();
    assert_eq!(change[0].sku, "SKU-1");
    assert_eq!(change[0].available, 7.0);
    assert_eq!(
        state
            .metrics
            .counter("jlm_webhooks_total", &[("outcome", "accepted")]),
        1
    );
}

#[tokio::test]
async fn bad_or_missing_signature_is_401_and_queues_nothing() {
    let state = state();
    let base = start(state.clone(), None).await;
    let payload = body("SKU-1", "2024-05-01T10:00:00", 7);
    let other_secret = "b3RoZXItc2VjcmV0";
    let cases = [
        None,
        Some(String::new()),
        Some("not-a-signature".to_string()),
        Some(hmac::sign(other_secret, &payload)),
        Some(hmac::sign(SECRET, b"[]")),
    ];
    for signature in &cases {
        let (status, answer) = post(&base, payload.clone(), signature.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{signature:?}");
        assert!(answer.get("error").is_some());
    }
    assert_eq!(state.events.depth(), 0);
    assert_eq!(
        state
            .metrics
            .counter("jlm_webhooks_total", &[("outcome", "unauthorized")]),
        cases.len() as u64
    );
    // The unauthorized attempts did not mark the timestamp as seen.
    let signature = hmac::sign(SECRET, &payload);
    let (status, answer) = post(&base, payload, Some(&signature)).await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::OK,
            json!({"accepted": 1, "stale": 0, "skipped": []})
        )
    );
}

#[tokio::test]
async fn oversize_body_is_413_and_queues_nothing() {
    let mut state = state();
    state.max_body_bytes = 1024;
    let base = start(state.clone(), None).await;
    let mut items = Vec::new();
    for i in 0..40 {
        items.push(json!({"timestamp": "2024-05-01T10:00:00", "product_code": format!("SKU-{i}"),
                          "warehouse_quantities": [{"warehouse_code": "W", "quantity_available": 1}]}));
    }
    let payload = serde_json::to_vec(&items).unwrap_or_default();
    assert!(payload.len() > 1024);
    let signature = hmac::sign(SECRET, &payload);
    let (status, _) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(state.events.depth(), 0);
    assert_eq!(
        state
            .metrics
            .counter("jlm_webhooks_total", &[("outcome", "too_large")]),
        1
    );
    // Just under the limit is fine.
    let small = body("SKU-1", "2024-05-01T10:00:00", 1);
    let signature = hmac::sign(SECRET, &small);
    let (status, _) = post(&base, small, Some(&signature)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_signed_body_is_400_and_queues_nothing() {
    let state = state();
    let base = start(state.clone(), None).await;
    for payload in [
        b"not json".to_vec(),
        b"{\"product_code\":\"A\"}".to_vec(),
        b"[{\"product_code\":\"A\",\"timestamp\":".to_vec(),
    ] {
        let signature = hmac::sign(SECRET, &payload);
        let (status, answer) = post(&base, payload, Some(&signature)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(answer.get("error").and_then(Value::as_str).is_some());
    }
    assert_eq!(state.events.depth(), 0);
    assert_eq!(
        state
            .metrics
            .counter("jlm_webhooks_total", &[("outcome", "malformed")]),
        3
    );
}

#[tokio::test]
async fn an_unreadable_event_is_skipped_and_the_others_queued() {
    let state = state();
    let base = start(state.clone(), None).await;
    let good: Value =
        serde_json::from_slice(&body("SKU-1", "2024-05-01T10:00:00", 7)).expect("json");
    let payload = serde_json::to_vec(&json!([
        {"product_code": "SKU-0", "timestamp": "2024-05-01T10:00:00"},
        good[0]
    ]))
    .expect("json");
    let signature = hmac::sign(SECRET, &payload);
    let (status, answer) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["accepted"], 1);
    let skipped = answer["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .as_str()
            .is_some_and(|p| p.starts_with("[0].warehouse_quantities")),
        "{skipped:?}"
    );
    let queued: Vec<String> = state.events.drain().into_iter().map(|c| c.sku).collect();
    assert_eq!(queued, ["SKU-1"]);
    assert_eq!(
        state
            .metrics
            .counter("jlm_stock_events_total", &[("outcome", "skipped")]),
        1
    );
}

#[tokio::test]
async fn replayed_payload_accepts_nothing() {
    let state = state();
    let base = start(state.clone(), None).await;
    let payload = body("SKU-1", "2024-05-01T10:00:00", 7);
    let signature = hmac::sign(SECRET, &payload);
    let (_, first) = post(&base, payload.clone(), Some(&signature)).await;
    assert_eq!(first, json!({"accepted": 1, "stale": 0, "skipped": []}));
    let published = state.events.drain();
    assert_eq!(published.len(), 1);
    let (status, replay) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replay, json!({"accepted": 0, "stale": 1, "skipped": []}));
    assert_eq!(state.events.depth(), 0);
    assert_eq!(
        state
            .metrics
            .counter("jlm_stock_events_total", &[("outcome", "stale")]),
        1
    );
}

#[tokio::test]
async fn other_event_types_are_acknowledged_and_ignored() {
    let state = state();
    let base = start(state.clone(), None).await;
    let payload = b"{\"id\": 1}".to_vec();
    let signature = hmac::sign(SECRET, &payload);
    let response = client()
        .post(format!("{base}/webhooks/fulfil"))
        .header("X-Fulfil-Event", "sale.sale.confirmed")
        .header("X-Fulfil-Hmac-SHA256", signature)
        .body(payload)
        .send()
        .await;
    let status = response.map(|r| r.status()).ok();
    assert_eq!(status, Some(StatusCode::OK));
    assert_eq!(state.events.depth(), 0);
}

#[tokio::test]
async fn health_metrics_and_dashboard_on_loopback() {
    let mut state = state();
    state.status = Arc::new(|| json!({"jobs": {"stock": {"last_run": "<never>"}}}));
    let base = start(state.clone(), None).await;
    let payload = body("SKU-9", "2024-05-01T10:00:00", 3);
    let signature = hmac::sign(SECRET, &payload);
    post(&base, payload, Some(&signature)).await;
    state.metrics.observe_latency(1.5);

    let (status, health) = get(&base, "/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&health).ok(),
        Some(json!({"status": "ok"}))
    );

    let (status, metrics) = get(&base, "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("# TYPE jlm_stock_queue_depth gauge\njlm_stock_queue_depth 1.0\n"));
    assert!(metrics.contains("# TYPE jlm_stock_oldest_change_age_seconds gauge\n"));
    assert!(metrics.contains("jlm_webhooks_total{outcome=\"accepted\"} 1\n"));
    assert!(metrics.contains("jlm_stock_change_to_published_seconds_bucket{le=\"2.0\"} 1\n"));
    assert!(metrics.contains("jlm_stock_change_to_published_seconds_count 1\n"));

    let (status, page) = get(&base, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<th>pending skus</th><td>1</td>"), "{page}");
    assert!(page.contains("<th>last run</th><td>&lt;never&gt;</td>"));
    assert!(!page.contains("src=\"http"), "no external assets");
}

#[tokio::test]
async fn token_protects_dashboard_and_metrics_only() {
    let state = state();
    let base = start(state.clone(), Some("s3cret-token")).await;
    for path in ["/", "/metrics"] {
        assert_eq!(
            get(&base, path, None).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            get(&base, path, Some("wrong")).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            get(&base, path, Some("s3cret-token")).await.0,
            StatusCode::OK,
            "{path}"
        );
    }
    assert_eq!(get(&base, "/health", None).await.0, StatusCode::OK);
    // A browser: challenged for Basic, then let in with the token as the password.
    let client = reqwest::Client::new();
    let challenge = client.get(format!("{base}/")).send().await.expect("get");
    let schemes: Vec<&str> = challenge
        .headers()
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        schemes.iter().any(|s| s.starts_with("Basic ")),
        "{schemes:?}"
    );
    for (password, expected) in [
        ("s3cret-token", StatusCode::OK),
        ("wrong", StatusCode::UNAUTHORIZED),
    ] {
        let response = client
            .get(format!("{base}/"))
            .basic_auth("operations", Some(password))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), expected, "{password}");
    }
    // The webhook keeps using its HMAC, not the token.
    let payload = body("SKU-1", "2024-05-01T10:00:00", 7);
    let signature = hmac::sign(SECRET, &payload);
    let (status, _) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn refuses_non_loopback_without_token_and_invalid_secret() {
    let everywhere: SocketAddr = ([0, 0, 0, 0], 0).into();
    let err = serve(everywhere, None, state())
        .await
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.contains("token") && err.contains("loopback"), "{err}");
    let blank = serve(everywhere, Some("  ".into()), state()).await;
    assert!(blank.is_err());

    let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut bad = state();
    bad.webhook_secret = "not base64!".into();
    let err = serve(loopback, None, bad)
        .await
        .err()
        .map(|e| e.to_string());
    assert!(
        err.unwrap_or_default()
            .contains("JLM_FULFIL_WEBHOOK_SECRET")
    );
}

#[test]
fn loopback_addresses() {
    let ip = |s: &str| s.parse::<IpAddr>().ok();
    for yes in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
        assert!(ip(yes).is_some_and(is_loopback), "{yes}");
    }
    for no in [
        "0.0.0.0",
        "::",
        "10.0.0.1",
        "192.168.1.2",
        "::ffff:10.0.0.1",
    ] {
        assert!(!ip(no).is_some_and(is_loopback), "{no}");
    }
}

#[tokio::test]
async fn a_request_for_another_host_name_is_refused_even_from_loopback() {
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends `Host: evil.example`.
    let mut state = state();
    state.allowed_hosts = vec!["jlm.shop.example".into()];
    let base = start(state, None).await;
    let port = base.rsplit(':').next().unwrap_or_default().to_owned();
    let payload = body("SKU-1", "2024-05-01T10:00:00", 7);
    let signature = hmac::sign(SECRET, &payload);
    let send = |host: String, path: &'static str| {
        let request = if path == "/webhooks/fulfil" {
            client()
                .post(format!("{base}{path}"))
                .header("X-Fulfil-Hmac-SHA256", signature.clone())
                .header("Content-Type", "application/json")
                .body(payload.clone())
        } else {
            client().get(format!("{base}{path}"))
        };
        async move {
            request
                .header(reqwest::header::HOST, host)
                .send()
                .await
                .map(|r| r.status())
                .unwrap_or(StatusCode::BAD_GATEWAY)
        }
    };
    for path in ["/", "/metrics", "/health", "/webhooks/fulfil"] {
        for host in [format!("evil.example:{port}"), "evil.example".to_string()] {
            assert_eq!(
                send(host.clone(), path).await,
                StatusCode::MISDIRECTED_REQUEST,
                "{host} {path}"
            );
        }
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "jlm.shop.example".to_string(),
    ] {
        assert_eq!(send(host.clone(), "/").await, StatusCode::OK, "{host}");
    }
    assert_eq!(
        send(format!("127.0.0.1:{port}"), "/webhooks/fulfil").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_acknowledged_webhook_is_in_the_store_and_its_replay_after_a_restart_is_stale() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("jlm.sqlite");
    let payload = body("SKU-1", "2024-05-01T10:00:00.123456", 7);
    let signature = hmac::sign(SECRET, &payload);
    {
        let store = crate::store::Store::open(&path).expect("store");
        let events = StockEvents::durable(vec![], store).expect("queue");
        let base = start(WebState::new(events, Metrics::new(), SECRET), None).await;
        let (status, answer) = post(&base, payload.clone(), Some(&signature)).await;
        assert_eq!(
            (status, answer["accepted"].clone()),
            (StatusCode::OK, json!(1))
        );
    }
    // Whatever happens to the process after the 2xx, the store has the change.
    let store = crate::store::Store::open(&path).expect("reopen");
    let queued = store.queued_stock_changes().expect("queued");
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].sku.as_str(), queued[0].available),
        ("SKU-1", 7.0)
    );
    // A restarted connector has it pending and refuses the replay.
    let events = StockEvents::durable(vec![], store).expect("queue");
    assert_eq!(events.depth(), 1);
    let base = start(WebState::new(events.clone(), Metrics::new(), SECRET), None).await;
    let (status, answer) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"accepted": 0, "stale": 1, "skipped": []}));
    assert_eq!(events.depth(), 1);
}

#[tokio::test]
async fn a_webhook_the_store_cannot_commit_is_answered_503_and_queues_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("jlm.sqlite");
    let store = crate::store::Store::open(&path).expect("store");
    let events = StockEvents::durable(vec![], store).expect("queue");
    // The store breaks under the connector (a full disk, a damaged file).
    let other = rusqlite::Connection::open(&path).expect("open");
    other.execute_batch("DROP TABLE stock_queue").expect("drop");
    let state = WebState::new(events.clone(), Metrics::new(), SECRET);
    let base = start(state.clone(), None).await;
    let payload = body("SKU-1", "2024-05-01T10:00:00", 7);
    let signature = hmac::sign(SECRET, &payload);
    let (status, _) = post(&base, payload, Some(&signature)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(events.depth(), 0);
    assert_eq!(
        state
            .metrics
            .counter(webhook::WEBHOOKS_TOTAL, &[("outcome", "unsaved")]),
        1
    );
}
