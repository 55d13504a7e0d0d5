//! OR21 `PUT /api/orders/{order_id}/accept`: accept or refuse every line of an order that is
//! `WAITING_ACCEPTANCE`.
//!
//! Body `{"order_lines":[{"id":"<order_line_id>","accepted":true|false}]}` with a decision for
//! every line. On success (204) accepted lines go to `SHIPPING`, refused ones to `REFUSED`, and
//! the order follows (`SHIPPING` when any line is accepted). The real platform passes through
//! `WAITING_DEBIT` until the customer is debited; the sandbox debits at once.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde_json::Value;

use super::{MiraklError, bad_request, error, now_string, touch};
use crate::sandbox::state::{Api, Ctx, SandboxState, handle};

/// OR21's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders/{order_id}/accept", put(accept))
}

/// The OR21 handler.
async fn accept(
    State(ctx): State<Ctx>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&ctx, Api::Mirakl, "OR21", &headers, |state| {
        match apply(state, &order_id, &headers, &body) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// Validates and applies the decision.
fn apply(
    state: &mut SandboxState,
    order_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), MiraklError> {
    let json_content = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !json_content {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
            None,
        ));
    }
    let decisions = parse_body(body)?;
    let Some(order) = state.mirakl.orders.get_mut(order_id) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("Order '{order_id}' not found"),
            Some("ORDER_NOT_FOUND"),
        ));
    };
    let order_state = order.get("order_state").and_then(Value::as_str);
    if order_state != Some("WAITING_ACCEPTANCE") {
        return Err(bad_request(
            &format!(
                "Order '{order_id}' is in state {} and cannot be accepted or refused",
                order_state.unwrap_or("unknown")
            ),
            "ORDER_INVALID_STATE",
        ));
    }
    let line_ids: Vec<String> = order
        .get("order_lines")
        .and_then(Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l.get("order_line_id").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();

    let mut decided: BTreeMap<&str, bool> = BTreeMap::new();
    for (id, accepted) in &decisions {
        if decided.insert(id, *accepted).is_some() {
            return Err(bad_request(
                &format!("Order line '{id}' appears more than once"),
                "ORDER_LINE_DUPLICATE_ID",
            ));
        }
    }
    if let Some((id, _)) = decisions.iter().find(|(id, _)| !line_ids.contains(id)) {
        return Err(bad_request(
            &format!("Order line '{id}' does not exist on order '{order_id}'"),
            "ORDER_LINE_NOT_FOUND",
        ));
    }
    let missing: Vec<&str> = line_ids
        .iter()
        .map(String::as_str)
        .filter(|id| !decided.contains_key(id))
        .collect();
    if !missing.is_empty() {
        return Err(bad_request(
            &format!(
                "Acceptance decision missing for order lines: {}",
                missing.join(", ")
            ),
            "ORDER_LINE_ACCEPTANCE_DECISION_MISSING",
        ));
    }

    let now = now_string();
    let any_accepted = decided.values().any(|a| *a);
    if let Some(lines) = order.get_mut("order_lines").and_then(Value::as_array_mut) {
        for line in lines.iter_mut().filter_map(Value::as_object_mut) {
            let accepted = line
                .get("order_line_id")
                .and_then(Value::as_str)
                .and_then(|id| decided.get(id).copied())
                .unwrap_or(false);
            let line_state = if accepted { "SHIPPING" } else { "REFUSED" };
            line.insert("order_line_state".into(), line_state.into());
            if accepted {
                line.insert("debited_date".into(), now.clone().into());
            }
        }
    }
    if let Some(map) = order.as_object_mut() {
        map.insert("acceptance_decision_date".into(), now.clone().into());
        if any_accepted {
            map.insert("order_state".into(), "SHIPPING".into());
            map.insert("customer_debited_date".into(), now.clone().into());
            map.insert("transaction_date".into(), now.clone().into());
            map.insert("can_shop_ship".into(), true.into());
            map.insert("can_cancel".into(), true.into());
        } else {
            map.insert("order_state".into(), "REFUSED".into());
        }
    }
    touch(order, &now);
    *state
        .stats
        .or21_applied
        .entry(order_id.to_string())
        .or_insert(0) += 1;
    Ok(())
}

/// Parses the body into `(line id, accepted)` pairs, in order.
fn parse_body(body: &[u8]) -> Result<Vec<(String, bool)>, MiraklError> {
    let invalid = |message: &str| bad_request(message, "VALIDATION_ERROR");
    let value: Value =
        serde_json::from_slice(body).map_err(|e| invalid(&format!("Invalid JSON body: {e}")))?;
    let lines = value
        .get("order_lines")
        .ok_or_else(|| invalid("order_lines is required"))?
        .as_array()
        .ok_or_else(|| invalid("order_lines must be an array"))?;
    let mut decisions = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        if line.is_null() {
            return Err(bad_request(
                &format!("order_lines[{index}] is null"),
                "ORDER_LINE_NULL_ELEMENT",
            ));
        }
        let id = line
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(&format!("order_lines[{index}].id must be a string")))?;
        let accepted = line
            .get("accepted")
            .and_then(Value::as_bool)
            .ok_or_else(|| invalid(&format!("order_lines[{index}].accepted must be a boolean")))?;
        decisions.push((id.to_string(), accepted));
    }
    Ok(decisions)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sandbox::Sandbox;
    use crate::sandbox::test_support::{accept_all_body, mirakl_client, sample_order, start};

    async fn put(sandbox: &Sandbox, order_id: &str, body: &Value) -> (u16, Value) {
        let response = mirakl_client(sandbox)
            .put(format!(
                "{}/api/orders/{order_id}/accept",
                sandbox.mirakl_url
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn seeded() -> Sandbox {
        let sandbox = start().await;
        sandbox.seed_orders(vec![sample_order("O-1", "WAITING_ACCEPTANCE", 2)]);
        sandbox
    }

    #[tokio::test]
    async fn accepting_every_line_moves_the_order_to_shipping_and_reveals_pii() {
        let sandbox = seeded().await;
        let before = sandbox.order("O-1").unwrap()["last_updated_date"].clone();
        // Timestamps have millisecond precision.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (status, body) = put(&sandbox, "O-1", &accept_all_body(&sandbox, "O-1")).await;
        assert_eq!(status, 204);
        assert!(body.is_null());
        let order = sandbox.order("O-1").unwrap();
        assert_eq!(order["order_state"], "SHIPPING");
        assert_eq!(order["can_shop_ship"], true);
        for key in [
            "acceptance_decision_date",
            "customer_debited_date",
            "transaction_date",
        ] {
            assert!(order[key].is_string(), "{key}");
        }
        assert_ne!(order["last_updated_date"], before);
        for line in order["order_lines"].as_array().unwrap() {
            assert_eq!(line["order_line_state"], "SHIPPING");
            assert!(line["debited_date"].is_string());
            assert_eq!(line["last_updated_date"], order["last_updated_date"]);
        }
        assert_eq!(order["customer"]["shipping_address"]["city"], "London");
        assert_eq!(sandbox.stats().or21_applied["O-1"], 1);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn partial_and_full_refusal() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![
            sample_order("O-1", "WAITING_ACCEPTANCE", 2),
            sample_order("O-2", "WAITING_ACCEPTANCE", 1),
        ]);
        let body = json!({"order_lines": [
            {"id": "O-1-1", "accepted": true},
            {"id": "O-1-2", "accepted": false}
        ]});
        assert_eq!(put(&sandbox, "O-1", &body).await.0, 204);
        let order = sandbox.order("O-1").unwrap();
        assert_eq!(order["order_state"], "SHIPPING");
        assert_eq!(order["order_lines"][1]["order_line_state"], "REFUSED");

        let body = json!({"order_lines": [{"id": "O-2-1", "accepted": false}]});
        assert_eq!(put(&sandbox, "O-2", &body).await.0, 204);
        let order = sandbox.order("O-2").unwrap();
        assert_eq!(order["order_state"], "REFUSED");
        assert!(order["customer_debited_date"].is_null());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn a_missing_line_is_rejected_and_nothing_changes() {
        let sandbox = seeded().await;
        let body = json!({"order_lines": [{"id": "O-1-1", "accepted": true}]});
        let (status, error) = put(&sandbox, "O-1", &body).await;
        assert_eq!(status, 400);
        assert_eq!(error["code"], "ORDER_LINE_ACCEPTANCE_DECISION_MISSING");
        assert_eq!(error["status"], 400);
        assert_eq!(
            sandbox.order("O-1").unwrap()["order_state"],
            "WAITING_ACCEPTANCE"
        );
        let stats = sandbox.stats();
        assert_eq!(stats.rejected, 1);
        assert!(stats.or21_applied.is_empty());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn a_second_accept_is_invalid_state() {
        let sandbox = seeded().await;
        let body = accept_all_body(&sandbox, "O-1");
        assert_eq!(put(&sandbox, "O-1", &body).await.0, 204);
        let (status, error) = put(&sandbox, "O-1", &body).await;
        assert_eq!(status, 400);
        assert_eq!(error["code"], "ORDER_INVALID_STATE");
        assert_eq!(sandbox.stats().or21_applied["O-1"], 1);
        assert_eq!(sandbox.stats().requests["OR21"], 2);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn malformed_decisions_are_rejected_with_their_codes() {
        let sandbox = seeded().await;
        let cases = [
            (
                json!({"order_lines": [
                    {"id": "O-1-1", "accepted": true},
                    {"id": "O-1-1", "accepted": true},
                    {"id": "O-1-2", "accepted": true}
                ]}),
                "ORDER_LINE_DUPLICATE_ID",
            ),
            (
                json!({"order_lines": [
                    {"id": "O-1-1", "accepted": true},
                    {"id": "O-1-2", "accepted": true},
                    {"id": "O-1-9", "accepted": true}
                ]}),
                "ORDER_LINE_NOT_FOUND",
            ),
            (
                json!({"order_lines": [null, {"id": "O-1-2", "accepted": true}]}),
                "ORDER_LINE_NULL_ELEMENT",
            ),
            (
                json!({"order_lines": [{"id": "O-1-1"}, {"id": "O-1-2", "accepted": true}]}),
                "VALIDATION_ERROR",
            ),
            (
                json!({"order_lines": [{"id": 1, "accepted": true}]}),
                "VALIDATION_ERROR",
            ),
            (json!({"lines": []}), "VALIDATION_ERROR"),
            (
                json!({"order_lines": []}),
                "ORDER_LINE_ACCEPTANCE_DECISION_MISSING",
            ),
        ];
        for (body, code) in cases {
            let (status, error) = put(&sandbox, "O-1", &body).await;
            assert_eq!(
                (status, error["code"].as_str()),
                (400, Some(code)),
                "{body}"
            );
        }
        let (status, error) = put(&sandbox, "NOPE", &accept_all_body(&sandbox, "O-1")).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (404, Some("ORDER_NOT_FOUND"))
        );

        let response = mirakl_client(&sandbox)
            .put(format!("{}/api/orders/O-1/accept", sandbox.mirakl_url))
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "VALIDATION_ERROR");

        let response = mirakl_client(&sandbox)
            .put(format!("{}/api/orders/O-1/accept", sandbox.mirakl_url))
            .body(accept_all_body(&sandbox, "O-1").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415);
        assert_eq!(
            sandbox.order("O-1").unwrap()["order_state"],
            "WAITING_ACCEPTANCE"
        );
        sandbox.shutdown().await;
    }
}
