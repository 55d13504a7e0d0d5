//! The Fulfil API side of the sandbox: state, router and error shapes.
//!
//! Every model method is `PUT /api/v2/model/{model}/{method}`, a method on one record
//! `PUT /api/v2/model/{model}/{id}/{method}`; the router dispatches on the pair.
//! Supported: `sale.channel/create_order` (see `fulfil/create_order.rs`, which also creates the
//! `sale.line` records, and for a return sale checks its origin (`fulfil/return_sale.rs`) and
//! makes its return shipment), `sale.sale/{id}/cancel` and `sale.line/write` (see
//! `fulfil/sale_changes.rs`; stats name them `cancel` and `write`) and `search_read` (see
//! `fulfil/search_read.rs`) on the models of `fulfil/models.rs`: `product.product`,
//! `stock.location` (see `fulfil/locations.rs`), `sale.sale`, `sale.line`,
//! `stock.shipment.out` and `stock.move`, filled by [`crate::sandbox::Sandbox::add_shipment`]
//! (see `fulfil/shipments.rs`), and `stock.shipment.out.return` and `account.invoice` (return
//! shipments and credit notes, see `fulfil/returns.rs`). Anything else is a 404. To add a model, give it a table in `models`; to add a method, a file and a dispatch arm
//! in [`call`]. Stock changes and the `inventory_level_changed` webhook they send are in
//! `fulfil/webhook.rs`; `tagged` has Fulfil's tagged datetimes and decimals.

mod create_order;
mod domain;
mod fields;
mod locations;
mod models;
mod order_check;
mod return_sale;
mod returns;
mod sale_changes;
mod search_read;
mod shipments;
mod tagged;
pub(crate) mod webhook;

pub use returns::ReturnShipmentOf;

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde_json::{Value, json};

use super::SandboxProduct;
use super::state::{Api, Ctx, handle};

/// The Fulfil data the sandbox holds.
#[derive(Debug)]
pub struct FulfilState {
    /// The only `sale.channel` id that exists.
    pub channel_id: i64,
    /// `product.product` records by id.
    pub products: BTreeMap<i64, SandboxProduct>,
    /// Sale records created by `create_order`, by sale id; each keeps the submitted order under
    /// the key `"order"`.
    pub sales: BTreeMap<i64, Value>,
    /// `sale.line` records created by `create_order`, by id.
    pub(crate) sale_lines: BTreeMap<i64, Value>,
    /// Customer shipments and their moves.
    pub(crate) shipments: shipments::ShipmentBook,
    /// Return shipments, their moves and credit notes.
    pub(crate) returns: returns::ReturnBook,
    next_sale_id: i64,
    next_line_id: i64,
    /// Where stock webhooks go.
    pub(crate) webhook: Option<webhook::WebhookTarget>,
    /// Body and signature of the last delivered webhook.
    pub(crate) last_webhook: Option<(Vec<u8>, String)>,
    /// Timestamp of the last stock event (events get strictly increasing timestamps).
    last_event_time: Option<chrono::NaiveDateTime>,
}

impl FulfilState {
    /// Empty state for channel `channel_id`.
    pub(crate) fn new(channel_id: i64) -> Self {
        FulfilState {
            channel_id,
            products: BTreeMap::new(),
            sales: BTreeMap::new(),
            sale_lines: BTreeMap::new(),
            shipments: shipments::ShipmentBook::default(),
            returns: returns::ReturnBook::default(),
            next_sale_id: 1,
            next_line_id: 1,
            webhook: None,
            last_webhook: None,
            last_event_time: None,
        }
    }

    /// Adds or replaces products by id.
    pub(crate) fn seed_products(&mut self, products: Vec<SandboxProduct>) {
        for product in products {
            self.products.insert(product.id, product);
        }
    }

    /// Every sale record, in creation order.
    pub(crate) fn sale_records(&self) -> Vec<Value> {
        self.sales.values().cloned().collect()
    }
}

/// The Fulfil router (and the state endpoint), with `ctx` as state.
pub(crate) fn router(ctx: Ctx) -> Router {
    routes()
        .merge(super::snapshot::routes())
        .fallback(|| async { not_found("Not Found") })
        .with_state(ctx)
}

/// Fulfil's model-method routes, without a fallback (to merge with Mirakl's).
pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/api/v2/model/{model}/{method}", put(call))
        .route("/api/v2/model/{model}/{id}/{method}", put(call_record))
}

/// Dispatches a method called on one record (only `sale.sale/{id}/cancel`).
async fn call_record(
    State(ctx): State<Ctx>,
    Path((model, id, method)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let op = if (model.as_str(), method.as_str()) == ("sale.sale", "cancel") {
        "cancel"
    } else {
        "unsupported"
    };
    handle(&ctx, Api::Fulfil, op, &headers, |state| {
        if op == "cancel" {
            sale_changes::cancel(&mut state.fulfil, &id, &body)
        } else {
            not_found(&format!("Unknown model or method {model}.{method}"))
        }
    })
    .await
}

/// Dispatches a model method call.
async fn call(
    State(ctx): State<Ctx>,
    Path((model, method)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let op = match method.as_str() {
        "create_order" | "search_read" | "write" => method.as_str(),
        _ => "unsupported",
    };
    handle(&ctx, Api::Fulfil, op, &headers, |state| {
        match (model.as_str(), method.as_str()) {
            ("sale.channel", "create_order") => create_order::create_order(state, &body),
            ("sale.line", "write") => sale_changes::write_lines(&mut state.fulfil, &body),
            (model, "search_read") if search_read::MODELS.contains(&model) => {
                let context = query.get("context").map(String::as_str);
                search_read::search_read(&state.fulfil, model, &body, context)
            }
            (model, method) => not_found(&format!("Unknown model or method {model}.{method}")),
        }
    })
    .await
}

/// A Fulfil `UserError` (400): `{"type":"UserError","message","code","description"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UserError {
    /// Human-readable message naming the field.
    pub message: String,
    /// A short machine code.
    pub code: &'static str,
    /// Where (a field path) or extra detail.
    pub description: String,
}

impl UserError {
    /// A user error.
    pub fn new(
        code: &'static str,
        message: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        UserError {
            message: message.into(),
            code,
            description: description.into(),
        }
    }
}

impl IntoResponse for UserError {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({
                "type": "UserError",
                "message": self.message,
                "code": self.code,
                "description": self.description,
            })),
        )
            .into_response()
    }
}

/// A 404 in Fulfil's generic error shape.
pub(super) fn not_found(description: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"code": 404, "name": "Not Found", "description": description})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sandbox::test_support::{fulfil_client, start};

    #[tokio::test]
    async fn auth_is_the_x_api_key_header() {
        let sandbox = start().await;
        let url = format!("{}/api/v2/model/sale.sale/search_read", sandbox.fulfil_url);
        let client = reqwest::Client::new();
        let body = json!([[], null, 10, null, ["id"]]);
        for (name, value) in [
            ("X-API-KEY", "wrong"),
            ("Authorization", "sandbox-fulfil-key"),
            ("Authorization", "Bearer sandbox-fulfil-key"),
        ] {
            let response = client
                .put(&url)
                .header(name, value)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{name}: {value}");
        }
        let response = client
            .put(&url)
            .header("x-api-key", "sandbox-fulfil-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sandbox.stats().rejected, 3);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn unknown_models_and_methods_are_404() {
        let sandbox = start().await;
        let client = fulfil_client(&sandbox);
        for path in [
            "party.party/search_read",
            "sale.sale/create_order",
            "sale.channel/explode",
        ] {
            let response = client
                .put(format!("{}/api/v2/model/{path}", sandbox.fulfil_url))
                .json(&json!([]))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 404, "{path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], 404);
        }
        let response = client
            .get(format!("{}/api/v2/nothing", sandbox.fulfil_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        sandbox.shutdown().await;
    }
}
