//! The Mirakl seller API side of the sandbox: state, router and shared helpers.
//!
//! Each operation (or flow) lives in its own file under `mirakl/` and contributes its routes
//! through a `routes()` function merged in [`router`]: `or11`, `or21`, `stock` (STO01, STO02,
//! STO03), `offers` (OF21), `export` (OF52, OF53, OF54) and, for dispatch, `carriers` (SH21,
//! plus the carrier resolution OR23 and ST01 share), `or23`, `or24`, `st01` and `st11`; for
//! returns, refunds and cancellations, `returns` (the returns store and what RT21/RT25/RT26
//! share), `rt11`, `rt21`, `rt25`, `rt26`, `or28` (refunds), `or29` (whole-order cancel),
//! `or30` (line cancellations), with `line_money` (exact line money, shared by OR28/OR29/OR30)
//! and `scripted` (cancellations and line states set on John Lewis' side). `files` reads
//! multipart bodies and CSV. To add an operation add a file, give it a `routes()`, and merge it
//! here.

mod carriers;
mod export;
mod files;
mod line_money;
mod offers;
mod or11;
mod or21;
mod or23;
mod or24;
mod or28;
mod or29;
mod or30;
mod returns;
mod rt11;
mod rt21;
mod rt25;
mod rt26;
mod scripted;
mod st01;
mod st11;
mod stock;

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::SandboxConfig;
use super::state::Ctx;

pub(crate) use offers::OfferBook;

/// The shop id the sandbox answers with (`shop_id` in STO02, OF54).
pub(crate) const SHOP_ID: i64 = 2001;

/// Order states during which Mirakl hides the customer's addresses and notification email.
const PII_HIDDEN_STATES: [&str; 2] = ["STAGING", "WAITING_ACCEPTANCE"];

/// The Mirakl data the sandbox holds.
#[derive(Debug, Default)]
pub struct MiraklState {
    /// Full OR11 order objects (addresses included) by `order_id`.
    pub orders: BTreeMap<String, Value>,
    /// Base URL of the Mirakl server (for absolute URLs in answers).
    pub(crate) base_url: String,
    /// Our offers on John Lewis.
    pub(crate) offers: OfferBook,
    /// STO01 imports.
    pub(crate) stock: stock::StockImports,
    /// OF52 exports.
    pub(crate) exports: export::Exports,
    /// The approved carriers (SH21).
    pub(crate) carriers: carriers::Carriers,
    /// Shipments created by ST01.
    pub(crate) shipments: st01::Shipments,
    /// Returns (RT11 objects).
    pub(crate) returns: returns::Returns,
    /// Ids of refunds and cancellations.
    pub(crate) money_ids: line_money::MoneyIds,
}

impl MiraklState {
    /// Empty state for `config`, served at `base_url`.
    pub(crate) fn new(config: &SandboxConfig, base_url: &str) -> Self {
        MiraklState {
            base_url: base_url.to_string(),
            stock: stock::StockImports::new(
                config.stock_import_min_interval,
                config.stock_import_processing,
            ),
            ..MiraklState::default()
        }
    }

    /// Processes the STO01 imports whose processing time is over at `now`.
    pub(crate) fn settle(&mut self, now: Instant) {
        self.stock.settle(&mut self.offers, now);
    }

    /// Adds or replaces orders, stamping `last_updated_date` (order and lines) with now.
    pub(crate) fn seed(&mut self, orders: Vec<Value>) {
        let now = now_string();
        for mut order in orders {
            let Some(order_id) = order.get("order_id").and_then(Value::as_str) else {
                tracing::warn!("sandbox: seeded order without a string order_id skipped");
                continue;
            };
            let order_id = order_id.to_string();
            touch(&mut order, &now);
            self.orders.insert(order_id, order);
        }
    }

    /// The order as OR11 shows it now.
    pub(crate) fn view(&self, order_id: &str) -> Option<Value> {
        self.orders.get(order_id).map(public_view)
    }
}

/// The Mirakl router (all operations and the state endpoint), with `ctx` as state.
pub(crate) fn router(ctx: Ctx) -> Router {
    routes()
        .merge(super::snapshot::routes())
        .fallback(not_found)
        .with_state(ctx)
}

/// Mirakl's 404 for a path it does not serve.
pub(crate) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Resource not found", None).into_response()
}

/// Every Mirakl operation's route, without a fallback (to merge with Fulfil's).
pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .merge(or11::routes())
        .merge(or21::routes())
        .merge(stock::routes())
        .merge(offers::routes())
        .merge(export::routes())
        .merge(carriers::routes())
        .merge(or23::routes())
        .merge(or24::routes())
        .merge(st01::routes())
        .merge(rt11::routes())
        .merge(rt21::routes())
        .merge(rt25::routes())
        .merge(rt26::routes())
        .merge(or28::routes())
        .merge(or29::routes())
        .merge(or30::routes())
}

/// A Mirakl error answer: `{"status": <int>, "message": "<text>", "code": "<CODE>"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MiraklError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable message.
    pub message: String,
    /// Mirakl error code, when the operation documents one.
    pub code: Option<&'static str>,
}

impl IntoResponse for MiraklError {
    fn into_response(self) -> Response {
        let mut body = json!({"status": self.status.as_u16(), "message": self.message});
        if let (Some(code), Some(map)) = (self.code, body.as_object_mut()) {
            map.insert("code".to_string(), Value::String(code.to_string()));
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// A Mirakl error.
pub(crate) fn error(status: StatusCode, message: &str, code: Option<&'static str>) -> MiraklError {
    MiraklError {
        status,
        message: message.to_string(),
        code,
    }
}

/// A 400 with a Mirakl error code.
pub(crate) fn bad_request(message: &str, code: &'static str) -> MiraklError {
    error(StatusCode::BAD_REQUEST, message, Some(code))
}

/// The 429 of a Mirakl rate limit: `Retry-After` is `wait` in whole seconds, rounded up
/// (at least 1).
pub(crate) fn too_many_requests(message: &str, wait: Duration) -> Response {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, secs.to_string())],
        axum::Json(json!({"status": 429, "message": message})),
    )
        .into_response()
}

/// Whether the request says its body is JSON.
pub(crate) fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"))
}

/// Now in Mirakl's date-time format (UTC, milliseconds, `Z`).
pub(crate) fn now_string() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A uuid-like id (version 4 layout), deterministic from `count` and `salt` (each kind of
/// record uses its own salt, so their ids differ).
pub(crate) fn uuid_like(count: u64, salt: u64) -> String {
    let seed = count ^ salt.rotate_left(48);
    let high = splitmix64(seed);
    let low = splitmix64(high ^ seed.rotate_left(32));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xfff,
        8 + ((low >> 62) & 0x3),
        (low >> 48) & 0xfff,
        low & 0xffff_ffff_ffff
    )
}

/// One step of SplitMix64 (a good 64-bit mixer).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Sets `last_updated_date` on the order and on each of its lines.
pub(crate) fn touch(order: &mut Value, now: &str) {
    if let Some(map) = order.as_object_mut() {
        map.insert("last_updated_date".into(), Value::String(now.to_string()));
    }
    if let Some(lines) = order.get_mut("order_lines").and_then(Value::as_array_mut) {
        for line in lines.iter_mut().filter_map(Value::as_object_mut) {
            line.insert("last_updated_date".into(), Value::String(now.to_string()));
        }
    }
}

/// `order` as the API shows it: customer addresses and the notification email are null while
/// the order is in `STAGING` or `WAITING_ACCEPTANCE`.
pub(crate) fn public_view(order: &Value) -> Value {
    let mut shown = order.clone();
    let state = order.get("order_state").and_then(Value::as_str);
    if state.is_some_and(|s| PII_HIDDEN_STATES.contains(&s)) {
        if let Some(map) = shown.as_object_mut() {
            map.insert("customer_notification_email".into(), Value::Null);
        }
        if let Some(customer) = shown.get_mut("customer").and_then(Value::as_object_mut) {
            customer.insert("billing_address".into(), Value::Null);
            customer.insert("shipping_address".into(), Value::Null);
        }
    }
    shown
}

/// Serves a JSON-bodied operation `op` through the request pipeline: 415 without a JSON
/// content type, else what `apply` answers (200 with its JSON, or its Mirakl error).
pub(super) async fn json_operation(
    ctx: &Ctx,
    op: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    apply: fn(&mut MiraklState, &[u8]) -> Result<Value, MiraklError>,
) -> Response {
    super::state::handle(ctx, super::state::Api::Mirakl, op, headers, |state| {
        if !is_json(headers) {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
                None,
            )
            .into_response();
        }
        match apply(&mut state.mirakl, body) {
            Ok(answer) => axum::Json(answer).into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::test_support::{mirakl_client, sample_order, start};

    #[test]
    fn pii_is_hidden_only_while_awaiting_acceptance() {
        for (state, hidden) in [
            ("STAGING", true),
            ("WAITING_ACCEPTANCE", true),
            ("SHIPPING", false),
            ("SHIPPED", false),
        ] {
            let shown = public_view(&sample_order("O-1", state, 1));
            assert_eq!(shown["customer"]["shipping_address"].is_null(), hidden);
            assert_eq!(shown["customer"]["billing_address"].is_null(), hidden);
            assert_eq!(shown["customer_notification_email"].is_null(), hidden);
            assert_eq!(shown["customer"]["firstname"], "Priya");
        }
    }

    #[tokio::test]
    async fn unknown_routes_are_json_404() {
        let sandbox = start().await;
        let response = mirakl_client(&sandbox)
            .get(format!("{}/api/nothing-here", sandbox.mirakl_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 404);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn seeding_stamps_last_updated_date() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 2), json!({"x": 1})]);
        let order = sandbox.order("O-1").unwrap();
        let stamp = order["last_updated_date"].as_str().unwrap();
        assert_ne!(stamp, "2026-11-26T08:14:57Z");
        assert!(stamp.ends_with('Z'));
        assert_eq!(order["order_lines"][1]["last_updated_date"], stamp);
        sandbox.shutdown().await;
    }
}
