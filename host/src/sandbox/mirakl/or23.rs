//! OR23 `PUT /api/orders/{order_id}/tracking`: sets the carrier and tracking number of an
//! order in `SHIPPING`.
//!
//! The body is checked against the OR23 schema: a JSON object with only `carrier_code`,
//! `carrier_name`, `carrier_standard_code`, `carrier_url` and `tracking_number`, each a string
//! (or null). Anything else, e.g. ST01's `tracking_url`, is a 400. The carrier is resolved as
//! `carriers::resolve` describes (an unknown `carrier_code`, or neither a code nor a name, is a
//! 400). On success (204) the order shows `shipping_carrier_code`,
//! `shipping_carrier_standard_code`, `shipping_company`, `shipping_tracking` and
//! `shipping_tracking_url`, and its `last_updated_date` moves.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde_json::{Map, Value};

use super::carriers::{self, TrackingRequest};
use super::{MiraklError, bad_request, error, is_json, now_string, touch};
use crate::sandbox::state::{Api, Ctx, SandboxState, handle};

/// The fields of the OR23 body.
const FIELDS: &[&str] = &[
    "carrier_code",
    "carrier_name",
    "carrier_standard_code",
    "carrier_url",
    "tracking_number",
];

/// OR23's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders/{order_id}/tracking", put(set_tracking))
}

/// The OR23 handler.
async fn set_tracking(
    State(ctx): State<Ctx>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&ctx, Api::Mirakl, "OR23", &headers, |state| {
        match apply(state, &order_id, &headers, &body) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// Validates and applies the tracking.
fn apply(
    state: &mut SandboxState,
    order_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), MiraklError> {
    if !is_json(headers) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
            None,
        ));
    }
    let fields = parse_body(body)?;
    let text = |key: &str| fields.get(key).and_then(Value::as_str);
    let request = TrackingRequest {
        carrier_code: text("carrier_code"),
        carrier_name: text("carrier_name"),
        carrier_standard_code: text("carrier_standard_code"),
        tracking_number: text("tracking_number"),
        url: text("carrier_url"),
    };
    let Some(order) = state.mirakl.orders.get(order_id) else {
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
                "The order status must be 'SHIPPING' but it is '{}': the tracking of order \
                 '{order_id}' cannot be updated",
                order_state.unwrap_or("unknown")
            ),
            "ORDER_INVALID_STATE",
        ));
    }
    let tracking = carriers::resolve(&state.mirakl.carriers, request).map_err(|e| MiraklError {
        status: StatusCode::BAD_REQUEST,
        message: e.message,
        code: Some(e.code),
    })?;
    let now = now_string();
    if let Some(order) = state.mirakl.orders.get_mut(order_id) {
        if let Some(map) = order.as_object_mut() {
            map.insert("shipping_carrier_code".into(), tracking.carrier_code.into());
            map.insert(
                "shipping_carrier_standard_code".into(),
                tracking.carrier_standard_code.into(),
            );
            map.insert("shipping_company".into(), tracking.carrier_name.into());
            map.insert("shipping_tracking".into(), tracking.tracking_number.into());
            map.insert("shipping_tracking_url".into(), tracking.tracking_url.into());
        }
        touch(order, &now);
    }
    *state
        .stats
        .or23_applied
        .entry(order_id.to_string())
        .or_insert(0) += 1;
    Ok(())
}

/// Parses the body: an object with only the OR23 fields, each a string or null.
fn parse_body(body: &[u8]) -> Result<Map<String, Value>, MiraklError> {
    let invalid = |message: &str| bad_request(message, "VALIDATION_ERROR");
    let value: Value =
        serde_json::from_slice(body).map_err(|e| invalid(&format!("Invalid JSON body: {e}")))?;
    let Value::Object(map) = value else {
        return Err(invalid("The body must be a JSON object"));
    };
    for (key, value) in &map {
        if !FIELDS.contains(&key.as_str()) {
            return Err(invalid(&format!(
                "Unrecognized field '{key}' (OR23 accepts {})",
                FIELDS.join(", ")
            )));
        }
        if !(value.is_string() || value.is_null()) {
            return Err(invalid(&format!("{key} must be a string")));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sandbox::Sandbox;
    use crate::sandbox::test_support::{mirakl_client, sample_carriers, sample_order, start};

    async fn put(sandbox: &Sandbox, order_id: &str, body: &Value) -> (u16, Value) {
        let response = mirakl_client(sandbox)
            .put(format!(
                "{}/api/orders/{order_id}/tracking",
                sandbox.mirakl_url
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn records_a_registered_carrier_with_its_computed_url() {
        let sandbox = start().await;
        sandbox.seed_carriers(sample_carriers());
        sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 2)]);
        let before = sandbox.order("O-1").unwrap()["last_updated_date"].clone();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (status, _) = put(
            &sandbox,
            "O-1",
            &json!({"carrier_code": "RM", "tracking_number": "TT482019412GB",
                    "carrier_url": "https://ignored.example"}),
        )
        .await;
        assert_eq!(status, 204);
        let order = sandbox.order("O-1").unwrap();
        assert_eq!(order["shipping_carrier_code"], "RM");
        assert_eq!(order["shipping_company"], "Royal Mail");
        assert_eq!(order["shipping_tracking"], "TT482019412GB");
        assert_eq!(
            order["shipping_tracking_url"],
            "https://www.royalmail.com/track-your-item#/tracking-results/TT482019412GB"
        );
        assert_eq!(order["order_state"], "SHIPPING");
        assert_ne!(order["last_updated_date"], before);
        assert_eq!(sandbox.stats().or23_applied["O-1"], 1);

        // An unregistered carrier keeps its name and URL.
        let (status, _) = put(
            &sandbox,
            "O-1",
            &json!({"carrier_name": "Local Van", "carrier_url": "https://van.example/9",
                    "tracking_number": "9"}),
        )
        .await;
        assert_eq!(status, 204);
        let order = sandbox.order("O-1").unwrap();
        assert_eq!(order["shipping_carrier_code"], Value::Null);
        assert_eq!(order["shipping_company"], "Local Van");
        assert_eq!(order["shipping_tracking_url"], "https://van.example/9");
        assert_eq!(sandbox.stats().or23_applied["O-1"], 2);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn an_unknown_carrier_code_is_a_400() {
        let sandbox = start().await;
        sandbox.seed_carriers(sample_carriers());
        sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 1)]);
        let (status, error) = put(
            &sandbox,
            "O-1",
            &json!({"carrier_code": "ROYALMAIL", "tracking_number": "TT1GB"}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(error["code"], "CARRIER_NOT_FOUND");
        assert!(
            error["message"].as_str().unwrap().contains("ROYALMAIL"),
            "{error}"
        );
        assert_eq!(
            sandbox.order("O-1").unwrap()["shipping_tracking"],
            Value::Null
        );
        assert!(sandbox.stats().or23_applied.is_empty());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn fields_outside_the_schema_are_a_400() {
        let sandbox = start().await;
        sandbox.seed_carriers(sample_carriers());
        sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 1)]);
        let (status, error) = put(
            &sandbox,
            "O-1",
            &json!({"carrier_code": "RM", "tracking_number": "TT1GB",
                    "tracking_url": "https://rm.example/TT1GB"}),
        )
        .await;
        assert_eq!(status, 400);
        assert!(
            error["message"].as_str().unwrap().contains("tracking_url"),
            "{error}"
        );
        for body in [
            json!({"tracking_number": "TT1GB"}),
            json!({"carrier_code": "RM", "tracking_number": 42}),
            json!(["RM"]),
            json!({"carrier_code": "RM"}),
        ] {
            let (status, _) = put(&sandbox, "O-1", &body).await;
            assert_eq!(status, 400, "{body}");
        }
        let response = mirakl_client(&sandbox)
            .put(format!("{}/api/orders/O-1/tracking", sandbox.mirakl_url))
            .body(r#"{"carrier_code":"RM","tracking_number":"1"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415);
        assert!(sandbox.stats().or23_applied.is_empty());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn only_shipping_orders_take_tracking() {
        let sandbox = start().await;
        sandbox.seed_carriers(sample_carriers());
        sandbox.seed_orders(vec![
            sample_order("O-1", "WAITING_ACCEPTANCE", 1),
            sample_order("O-2", "SHIPPED", 1),
        ]);
        let body = json!({"carrier_code": "RM", "tracking_number": "TT1GB"});
        for order_id in ["O-1", "O-2"] {
            let (status, error) = put(&sandbox, order_id, &body).await;
            assert_eq!(status, 400, "{order_id}");
            assert_eq!(error["code"], "ORDER_INVALID_STATE");
        }
        let (status, error) = put(&sandbox, "O-9", &body).await;
        assert_eq!(status, 404);
        assert_eq!(error["code"], "ORDER_NOT_FOUND");
        sandbox.shutdown().await;
    }
}
