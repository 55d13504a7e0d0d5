//! `GET /_sandbox/state`: what both sandboxes hold now, as JSON.
//!
//! The shape is a contract other tests and tools read (fields may be added, never renamed):
//! `{"fulfil": {"sales": [{"id", "channel_identifier", "reference", "state"}], "shipments":
//! [{"id", "sale", "tracking_number"}], "return_shipments": [{"id", "sale", "reference",
//! "state", "moves": [{"sku", "quantity", "x_non_compliance_reason"}]}], "credit_notes":
//! [{"id", "number", "reference", "sale", "total_amount", "state"}]}, "mirakl": {"orders":
//! [{"order_id", "order_state", "lines": [{"order_line_id", "state"}]}], "offers": [{"sku",
//! "quantity"}], "returns": [RT11 return objects], "calls": {op: n}, "rejected": {op: n}},
//! "script": {"done": bool}}`.

use tokio::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};

use super::state::{Ctx, SandboxState, lock};

/// Path of the state endpoint, served by both sandbox servers (no authentication).
pub const STATE_PATH: &str = "/_sandbox/state";

/// The route of [`STATE_PATH`].
pub(crate) fn routes() -> Router<Ctx> {
    Router::new().route(STATE_PATH, get(answer))
}

async fn answer(State(ctx): State<Ctx>) -> axum::Json<Value> {
    let mut state = lock(&ctx.state);
    state.settle(Instant::now());
    axum::Json(snapshot(&state))
}

/// The state as [`STATE_PATH`] answers it.
pub(crate) fn snapshot(state: &SandboxState) -> Value {
    let sales: Vec<Value> = state
        .fulfil
        .sales
        .values()
        .map(|sale| {
            json!({
                "id": sale["id"],
                "channel_identifier": sale["channel_identifier"],
                "reference": sale["reference"],
                "state": sale["state"],
            })
        })
        .collect();
    let orders: Vec<Value> = state
        .mirakl
        .orders
        .values()
        .map(|order| {
            let lines: Vec<Value> = order
                .get("order_lines")
                .and_then(Value::as_array)
                .map(|lines| {
                    lines
                        .iter()
                        .map(|line| {
                            json!({
                                "order_line_id": line["order_line_id"],
                                "state": line["order_line_state"],
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "order_id": order["order_id"],
                "order_state": order["order_state"],
                "lines": lines,
            })
        })
        .collect();
    let offers: Vec<Value> = state
        .mirakl
        .offers
        .list()
        .into_iter()
        .map(|offer| json!({"sku": offer.sku, "quantity": offer.quantity}))
        .collect();
    json!({
        "fulfil": {
            "sales": sales,
            "shipments": state.fulfil.shipments.summary(),
            "return_shipments": state.fulfil.returns.summary(),
            "credit_notes": state.fulfil.returns.credit_note_summary(),
        },
        "mirakl": {
            "orders": orders,
            "offers": offers,
            "returns": state.mirakl.returns.list.values().collect::<Vec<_>>(),
            "calls": state.stats.requests,
            "rejected": state.stats.rejected_by_op,
        },
        "script": {"done": state.script_done},
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sandbox::test_support::{
        accept_all_body, fulfil_client, fulfil_order, mirakl_client, sample_order, start,
    };
    use crate::sandbox::{STATE_PATH, Sandbox, SandboxConfig, SandboxShipment};

    async fn state(url: &str) -> Value {
        reqwest::get(format!("{url}{STATE_PATH}"))
            .await
            .expect("state")
            .json()
            .await
            .expect("json")
    }

    #[tokio::test]
    async fn the_state_answers_the_documented_shape_on_either_server() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![sample_order("O-1", "WAITING_ACCEPTANCE", 2)]);
        let mirakl = mirakl_client(&sandbox);
        let accept = format!("{}/api/orders/O-1/accept", sandbox.mirakl_url);
        let body = accept_all_body(&sandbox, "O-1");
        assert!(mirakl.put(&accept).json(&body).send().await.is_ok());
        // A bad OR21 (no lines) and an unauthenticated OR11 are counted as rejected.
        let _ = mirakl
            .put(&accept)
            .json(&json!({"order_lines": []}))
            .send()
            .await;
        let _ = reqwest::get(format!("{}/api/orders", sandbox.mirakl_url)).await;
        let create = format!(
            "{}/api/v2/model/sale.channel/create_order",
            sandbox.fulfil_url
        );
        let sent = fulfil_client(&sandbox)
            .put(&create)
            .json(&json!([1, fulfil_order("O-1")]))
            .send()
            .await
            .expect("create_order");
        assert!(sent.status().is_success());
        let sale_line = "O-1-1";
        sandbox
            .add_shipment(SandboxShipment {
                id: 7,
                order_id: "O-1".into(),
                state: "done".into(),
                carrier: "Royal Mail".into(),
                service: None,
                tracking_number: Some("RM123456785GB".into()),
                lines: vec![(sale_line.into(), "SKU-A".into(), 2.0)],
                write_date: chrono::Utc::now(),
            })
            .expect("shipment");
        let from_mirakl = state(&sandbox.mirakl_url).await;
        assert_eq!(from_mirakl, state(&sandbox.fulfil_url).await);
        let s = from_mirakl;
        assert_eq!(s["fulfil"]["sales"][0]["channel_identifier"], "O-1");
        assert_eq!(s["fulfil"]["sales"][0]["reference"], "O-1");
        assert_eq!(s["fulfil"]["sales"][0]["state"], "confirmed");
        assert!(s["fulfil"]["sales"][0]["id"].is_i64());
        assert_eq!(s["fulfil"]["shipments"][0]["id"], 7);
        assert_eq!(
            s["fulfil"]["shipments"][0]["sale"],
            s["fulfil"]["sales"][0]["id"]
        );
        assert_eq!(
            s["fulfil"]["shipments"][0]["tracking_number"],
            "RM123456785GB"
        );
        assert_eq!(s["mirakl"]["orders"][0]["order_id"], "O-1");
        assert!(s["mirakl"]["orders"][0]["order_state"].is_string());
        assert_eq!(
            s["mirakl"]["orders"][0]["lines"][1]["order_line_id"],
            "O-1-2"
        );
        assert!(s["mirakl"]["orders"][0]["lines"][1]["state"].is_string());
        assert!(s["mirakl"]["offers"].is_array());
        assert_eq!(s["mirakl"]["returns"], json!([]));
        assert_eq!(s["fulfil"]["return_shipments"], json!([]));
        assert_eq!(s["fulfil"]["credit_notes"], json!([]));
        assert_eq!(s["mirakl"]["calls"]["OR21"], 2);
        assert_eq!(s["mirakl"]["calls"]["OR11"], 1);
        assert_eq!(s["mirakl"]["calls"]["create_order"], 1);
        assert_eq!(s["mirakl"]["rejected"]["OR21"], 1);
        assert_eq!(s["mirakl"]["rejected"]["OR11"], 1);
        assert_eq!(s["script"]["done"], false);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn one_address_serves_both_apis_and_the_state() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let sandbox = Sandbox::start_on(SandboxConfig::default(), listener)
            .await
            .expect("sandbox");
        assert_eq!(sandbox.mirakl_url, sandbox.fulfil_url);
        let orders = mirakl_client(&sandbox)
            .get(format!("{}/api/orders", sandbox.mirakl_url))
            .send()
            .await
            .expect("OR11");
        assert!(orders.status().is_success());
        let read = fulfil_client(&sandbox)
            .put(format!(
                "{}/api/v2/model/product.product/search_read",
                sandbox.fulfil_url
            ))
            .json(&json!([[], null, null, null, ["code"]]))
            .send()
            .await
            .expect("search_read");
        assert!(read.status().is_success(), "{}", read.status());
        let missing = reqwest::get(format!("{}/nothing", sandbox.mirakl_url))
            .await
            .expect("404");
        assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
        sandbox.set_script_done(true);
        let s = state(&sandbox.mirakl_url).await;
        assert_eq!(s["script"]["done"], true);
        assert_eq!(s["mirakl"]["calls"]["OR11"], 1);
        assert_eq!(s["mirakl"]["calls"]["search_read"], 1);
        sandbox.shutdown().await;
    }
}
