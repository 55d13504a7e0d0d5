//! The web interface: Fulfil webhooks in, dashboard, Prometheus metrics and health out.
//!
//! Routes (see [`router`]):
//! - `POST /webhooks/fulfil`: Fulfil stock webhooks, HMAC-verified over the raw body
//!   (`webhook`, `hmac`); answered once the changes are committed to the store, the stock
//!   job drains the queue;
//! - `GET /health`: liveness, always open;
//! - `GET /metrics`: Prometheus text (`metrics`), plus live queue gauges;
//! - `GET /`: a self-contained HTML dashboard (`dashboard`).
//!
//! [`serve`] binds loopback by default; any other address needs a token, which `GET /` and
//! `GET /metrics` then require, as a Bearer token or a Basic password (`auth`). Every route
//! answers only requests whose `Host` names the server itself (`host`, against DNS
//! rebinding).

mod auth;
mod dashboard;
pub mod hmac;
mod host;
pub mod metrics;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub use metrics::Metrics;

use crate::stock::events::StockEvents;

/// Default limit of a webhook body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// Gauge: SKUs with a stock change waiting to be published (refreshed on every scrape).
pub const QUEUE_DEPTH_GAUGE: &str = "jlm_stock_queue_depth";

/// Gauge: age in seconds of the oldest unpublished stock change, 0 when none.
pub const OLDEST_AGE_GAUGE: &str = "jlm_stock_oldest_change_age_seconds";

/// Everything the handlers share. Cheap to clone (all handles).
#[derive(Clone)]
pub struct WebState {
    /// The stock-change queue webhooks feed and the stock job drains.
    pub events: StockEvents,
    /// The metrics registry served on `/metrics`.
    pub metrics: Metrics,
    /// The Fulfil webhook secret, base64 as Fulfil shows it (`JLM_FULFIL_WEBHOOK_SECRET`).
    pub webhook_secret: String,
    /// Largest webhook body accepted; larger ones get 413 ([`DEFAULT_MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
    /// Notified (`notify_one`) after a webhook queued at least one change, so the stock job
    /// can react without polling.
    pub wake: Arc<Notify>,
    /// Status shown on the dashboard (any JSON; objects are shown as tables).
    pub status: Arc<dyn Fn() -> Value + Send + Sync>,
    /// Host names the server answers to besides its own address (`[web] allowed_hosts`).
    pub allowed_hosts: Vec<String>,
}

impl WebState {
    /// State with a 1 MiB body limit, a fresh [`Notify`] and a status reporting the queue.
    pub fn new(events: StockEvents, metrics: Metrics, webhook_secret: impl Into<String>) -> Self {
        let queue = events.clone();
        WebState {
            events,
            metrics,
            webhook_secret: webhook_secret.into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            wake: Arc::new(Notify::new()),
            status: Arc::new(move || {
                json!({
                    "stock_queue_depth": queue.depth(),
                    "oldest_change_age_seconds": queue.oldest_age().map(|a| a.as_secs_f64()),
                })
            }),
            allowed_hosts: Vec::new(),
        }
    }

    /// Refreshes the live queue gauges in [`WebState::metrics`].
    fn refresh_gauges(&self) {
        self.metrics
            .set(QUEUE_DEPTH_GAUGE, self.events.depth() as f64);
        let age = self.events.oldest_age().map_or(0.0, |a| a.as_secs_f64());
        self.metrics.set(OLDEST_AGE_GAUGE, age);
    }
}

impl fmt::Debug for WebState {
    /// Never shows the webhook secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebState")
            .field("events", &self.events)
            .field("webhook_secret", &"<redacted>")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("allowed_hosts", &self.allowed_hosts)
            .finish_non_exhaustive()
    }
}

/// The router without token protection (what [`serve`] uses on loopback without a token).
pub fn router(state: WebState) -> Router {
    build_router(state, None)
}

/// The router; with `token`, `GET /` and `GET /metrics` require it (see `auth`).
fn build_router(state: WebState, token: Option<Arc<str>>) -> Router {
    let mut protected = Router::new()
        .route("/", get(dashboard::page))
        .route("/metrics", get(metrics_text));
    if let Some(token) = token {
        protected = protected.route_layer(axum::middleware::from_fn_with_state(
            token,
            auth::require_token,
        ));
    }
    Router::new()
        .route(
            "/webhooks/fulfil",
            post(webhook::receive).layer(DefaultBodyLimit::max(state.max_body_bytes)),
        )
        .route("/health", get(health))
        .merge(protected)
        .with_state(state)
}

/// `GET /health`: `{"status":"ok"}`.
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /metrics`: the registry in OpenMetrics text format with fresh queue gauges.
async fn metrics_text(State(state): State<WebState>) -> Response {
    state.refresh_gauges();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// True for loopback addresses, including IPv4-mapped ones (`::ffff:127.0.0.1`).
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Binds `bind` and serves the web interface in a tokio task; returns the bound address
/// (useful with port 0) and the task (abort it to stop).
///
/// Refuses to start when the webhook secret is not valid base64, and when `bind` is not a
/// loopback address and no (non-blank) `token` is given. With a token, `GET /` and
/// `GET /metrics` require `Authorization: Bearer <token>`; the webhook keeps its HMAC check
/// and `/health` stays open. Requests whose `Host` is neither the bound address nor one of
/// [`WebState::allowed_hosts`] get 421.
pub async fn serve(
    bind: SocketAddr,
    token: Option<String>,
    state: WebState,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    if !hmac::secret_is_valid(&state.webhook_secret) {
        anyhow::bail!(
            "the Fulfil webhook secret (JLM_FULFIL_WEBHOOK_SECRET) is empty or not valid \
             base64; copy it exactly as Fulfil shows it (Settings → Webhooks)"
        );
    }
    let token: Option<Arc<str>> = token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(Arc::from);
    if token.is_none() && !is_loopback(bind.ip()) {
        anyhow::bail!(
            "refusing to serve the web interface on {bind} without a token: it is not a \
             loopback address, so the dashboard and /metrics would be open to the network; \
             set a token (JLM_WEB_TOKEN) or bind 127.0.0.1"
        );
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot bind the web interface on {bind}: {e}"))?;
    let addr = listener.local_addr()?;
    let allowed = Arc::new(host::AllowedHosts::new(addr, &state.allowed_hosts));
    let app = build_router(state, token).layer(axum::middleware::from_fn_with_state(
        allowed,
        host::require_own_host,
    ));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "web server stopped");
        }
    });
    tracing::info!(%addr, "web interface listening");
    Ok((addr, task))
}
