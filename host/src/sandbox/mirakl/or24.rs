//! OR24 `PUT /api/orders/{order_id}/ship`: confirms the shipment of an order in `SHIPPING`.
//!
//! No body is needed (one sent is ignored). On success (204) the order and each of its lines
//! in `SHIPPING` (not the refused or cancelled ones) become `SHIPPED`, the order gets a
//! `shipped_date`, can no longer be shipped or cancelled, and its `last_updated_date` moves.
//! An order in any other state, including one already `SHIPPED`, is a 400
//! `ORDER_INVALID_STATE`, which is why OR24 is not idempotent.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde_json::Value;

use super::{MiraklError, bad_request, error, now_string, touch};
use crate::sandbox::state::{Api, Ctx, SandboxState, handle};

/// OR24's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders/{order_id}/ship", put(ship))
}

/// The OR24 handler.
async fn ship(
    State(ctx): State<Ctx>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    handle(&ctx, Api::Mirakl, "OR24", &headers, |state| {
        match apply(state, &order_id) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// Validates and applies the shipment.
fn apply(state: &mut SandboxState, order_id: &str) -> Result<(), MiraklError> {
    let Some(order) = state.mirakl.orders.get_mut(order_id) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("Order '{order_id}' not found"),
            Some("ORDER_NOT_FOUND"),
        ));
    };
    let order_state = order.get("order_state").and_then(Value::as_str);
    if order_state != Some("SHIPPING") {
        return Err(bad_request(
            &format!(
                "The order status must be 'SHIPPING' but it is '{}': order '{order_id}' \
                 cannot be shipped",
                order_state.unwrap_or("unknown")
            ),
            "ORDER_INVALID_STATE",
        ));
    }
    mark_shipped(order, &now_string());
    *state
        .stats
        .or24_applied
        .entry(order_id.to_string())
        .or_insert(0) += 1;
    Ok(())
}

/// Moves `order` and its `SHIPPING` lines to `SHIPPED` at `now` (also used by ST01 when the
/// last line is shipped).
pub(super) fn mark_shipped(order: &mut Value, now: &str) {
    if let Some(lines) = order.get_mut("order_lines").and_then(Value::as_array_mut) {
        for line in lines.iter_mut().filter_map(Value::as_object_mut) {
            if line.get("order_line_state").and_then(Value::as_str) == Some("SHIPPING") {
                line.insert("order_line_state".into(), "SHIPPED".into());
            }
        }
    }
    if let Some(map) = order.as_object_mut() {
        map.insert("order_state".into(), "SHIPPED".into());
        map.insert("shipped_date".into(), now.into());
        map.insert("can_shop_ship".into(), false.into());
        map.insert("can_cancel".into(), false.into());
    }
    touch(order, now);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::sandbox::Sandbox;
    use crate::sandbox::test_support::{mirakl_client, sample_carriers, sample_order, start};

    async fn ship(sandbox: &Sandbox, order_id: &str) -> (u16, serde_json::Value) {
        let response = mirakl_client(sandbox)
            .put(format!("{}/api/orders/{order_id}/ship", sandbox.mirakl_url))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    #[tokio::test]
    async fn outside_shipping_is_a_400() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![
            sample_order("O-1", "WAITING_ACCEPTANCE", 1),
            sample_order("O-2", "SHIPPED", 1),
            sample_order("O-3", "CANCELED", 1),
        ]);
        for order_id in ["O-1", "O-2", "O-3"] {
            let (status, error) = ship(&sandbox, order_id).await;
            assert_eq!(status, 400, "{order_id}");
            assert_eq!(error["code"], "ORDER_INVALID_STATE");
            assert!(error["message"].as_str().unwrap().contains("SHIPPING"));
        }
        assert_eq!(
            sandbox.order("O-1").unwrap()["order_state"],
            "WAITING_ACCEPTANCE"
        );
        let (status, _) = ship(&sandbox, "O-9").await;
        assert_eq!(status, 404);
        let stats = sandbox.stats();
        assert!(stats.or24_applied.is_empty());
        assert_eq!(stats.requests["OR24"], 4);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn tracking_then_ship_makes_the_order_shipped() {
        let sandbox = start().await;
        sandbox.seed_carriers(sample_carriers());
        let mut order = sample_order("O-1", "SHIPPING", 3);
        order["order_lines"][2]["order_line_state"] = json!("REFUSED");
        sandbox.seed_orders(vec![order]);
        let response = mirakl_client(&sandbox)
            .put(format!("{}/api/orders/O-1/tracking", sandbox.mirakl_url))
            .json(&json!({"carrier_code": "DPD", "tracking_number": "15501234"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let before = sandbox.order("O-1").unwrap()["last_updated_date"].clone();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (status, _) = ship(&sandbox, "O-1").await;
        assert_eq!(status, 204);
        let order = sandbox.order("O-1").unwrap();
        assert_eq!(order["order_state"], "SHIPPED");
        assert!(order["shipped_date"].is_string());
        assert_ne!(order["last_updated_date"], before);
        assert_eq!(order["shipping_tracking"], "15501234");
        let states: Vec<&str> = order["order_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["order_line_state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["SHIPPED", "SHIPPED", "REFUSED"]);
        // A repeat is refused: OR24 is not idempotent.
        let (status, error) = ship(&sandbox, "O-1").await;
        assert_eq!(status, 400);
        assert_eq!(error["code"], "ORDER_INVALID_STATE");
        let stats = sandbox.stats();
        assert_eq!(stats.or24_applied["O-1"], 1);
        assert_eq!(stats.or23_applied["O-1"], 1);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn a_hung_ship_was_applied() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 1)]);
        sandbox.set_faults(crate::sandbox::Faults {
            hang_after_apply: vec!["OR24".into()],
            ..crate::sandbox::Faults::default()
        });
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_millis(200))
            .build()
            .unwrap();
        let error = client
            .put(format!("{}/api/orders/O-1/ship", sandbox.mirakl_url))
            .header("authorization", "sandbox-mirakl-key")
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(sandbox.order("O-1").unwrap()["order_state"], "SHIPPED");
        let stats = sandbox.stats();
        assert_eq!(stats.or24_applied["O-1"], 1);
        assert_eq!(stats.faults_injected, 1);
        sandbox.shutdown().await;
    }
}
