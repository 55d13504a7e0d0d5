//! Tiny scripted HTTP servers for unit tests of the clients (test builds only).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;

use super::retry::RetryPolicy;

/// Serves every request on 127.0.0.1 (random port) with `handler`; returns the base URL
/// (`http://127.0.0.1:PORT`, no trailing slash). The server lives until the runtime ends.
pub(crate) async fn serve<F, Fut>(handler: F) -> String
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let handler = Arc::new(handler);
    let app = Router::new().fallback(move |request: Request| handler(request));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind test server");
    let addr = listener.local_addr().expect("test server address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A retry policy with millisecond delays so tests stay fast.
pub(crate) fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        retry_after_cap: Duration::from_secs(2),
        timeout: Duration::from_millis(150),
    }
}

/// The request body as JSON (`Null` when it is not JSON).
pub(crate) async fn json_body(request: Request) -> serde_json::Value {
    let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
}

/// The query string of `request` decoded into pairs.
pub(crate) fn query_pairs(request: &Request) -> Vec<(String, String)> {
    let url = format!("http://x{}", request.uri());
    reqwest::Url::parse(&url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}
