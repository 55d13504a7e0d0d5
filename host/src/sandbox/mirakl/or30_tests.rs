//! Tests of the sandbox OR30 and OR29: cancelling units before shipping, the whole call
//! rejected on any bad item, whole-order cancels guarded by `can_cancel`, and cancellations
//! made on John Lewis' side.

use serde_json::{Value, json};

use super::super::or28::tests::taxed_order;
use crate::sandbox::Sandbox;
use crate::sandbox::test_support::{mirakl_client, start};

async fn cancel(sandbox: &Sandbox, body: &Value) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .put(format!("{}/api/orders/cancel", sandbox.mirakl_url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn cancel_order(sandbox: &Sandbox, order_id: &str) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .put(format!(
            "{}/api/orders/{order_id}/cancel",
            sandbox.mirakl_url
        ))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn item(line: &str, quantity: i64, amount: f64, tax: f64) -> Value {
    json!({"order_line_id": line, "quantity": quantity, "amount": amount,
           "shipping_amount": 0, "reason_code": "CUSTOMER_CANCEL",
           "taxes": [{"code": "GB-VAT", "amount": tax}],
           "shipping_taxes": [{"code": "GB-VAT", "amount": 0}]})
}

fn accepted(order_id: &str) -> Value {
    let mut order = taxed_order(order_id, "SHIPPING");
    order["can_cancel"] = json!(true);
    order
}

#[tokio::test]
async fn cancelling_units_then_the_rest_cancels_the_line_and_the_order() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![accepted("O-1")]);
    let (status, answer) = cancel(
        &sandbox,
        &json!({"cancelations": [item("O-1-1", 1, 28.0, 4.67)]}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order_tax_mode"], "TAX_INCLUDED");
    let first = &answer["cancelations"][0];
    assert_eq!(first["order_line_id"], "O-1-1");
    assert_eq!(first["quantity"], 1);
    assert_eq!(first["amount"].to_string(), "28.0");
    assert_eq!(first["taxes"][0]["amount"].to_string(), "4.67");
    assert!(first["cancelation_id"].is_string());
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(order["order_lines"][0]["order_line_state"], "SHIPPING");
    assert_eq!(
        order["order_lines"][0]["cancelations"][0]["reason_code"],
        "CUSTOMER_CANCEL"
    );

    // More than the one unit left, or more money than is left, is refused.
    let (status, error) = cancel(
        &sandbox,
        &json!({"cancelations": [item("O-1-1", 2, 28.0, 4.66)]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error["message"].as_str().unwrap().contains("1 units left"),
        "{error}"
    );
    let (status, _) = cancel(
        &sandbox,
        &json!({"cancelations": [item("O-1-1", 1, 28.01, 4.66)]}),
    )
    .await;
    assert_eq!(status, 400);

    let body =
        json!({"cancelations": [item("O-1-1", 1, 28.0, 4.66), item("O-1-2", 2, 56.0, 9.33)]});
    let (status, answer) = cancel(&sandbox, &body).await;
    assert_eq!(status, 200, "{answer}");
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(order["order_lines"][0]["order_line_state"], "CANCELED");
    assert_eq!(order["order_lines"][1]["order_line_state"], "CANCELED");
    assert_eq!(order["order_state"], "CANCELED");
    assert_eq!(order["can_cancel"], false);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn cancelling_after_shipping_or_without_taxes_is_rejected_whole() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![accepted("O-1"), taxed_order("O-2", "SHIPPED")]);
    let mut no_taxes = item("O-1-1", 1, 1.0, 0.0);
    no_taxes.as_object_mut().unwrap().remove("taxes");
    let mut zero = item("O-1-1", 0, 0.0, 0.0);
    zero["quantity"] = json!(0);
    let mut no_reason = item("O-1-1", 1, 1.0, 0.0);
    no_reason["reason_code"] = json!(" ");
    for (body, needle) in [
        (
            json!({"cancelations": [item("O-1-1", 1, 1.0, 0.0), item("O-2-1", 1, 1.0, 0.0)]}),
            "SHIPPED",
        ),
        (json!({"cancelations": [no_taxes]}), "must give taxes"),
        (json!({"cancelations": [zero]}), "between 1 and"),
        (json!({"cancelations": [no_reason]}), "reason_code"),
        (
            json!({"cancelations": [item("O-1-1", 3, 1.0, 0.0)]}),
            "2 units left",
        ),
        (
            json!({"cancelations": [item("NOPE", 1, 1.0, 0.0)]}),
            "does not exist",
        ),
    ] {
        let (status, error) = cancel(&sandbox, &body).await;
        assert_eq!(status, 400, "{body}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{needle}: {message}");
    }
    assert_eq!(
        sandbox.order("O-1").unwrap()["order_lines"][0]["cancelations"],
        json!([])
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_whole_order_cancel_needs_can_cancel_and_nothing_shipped() {
    let sandbox = start().await;
    let mut partly_shipped = accepted("O-3");
    partly_shipped["order_lines"][1]["order_line_state"] = json!("SHIPPED");
    sandbox.seed_orders(vec![
        accepted("O-1"),
        taxed_order("O-2", "SHIPPING"),
        partly_shipped,
    ]);
    let (status, error) = cancel_order(&sandbox, "O-2").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("ORDER_INVALID_STATE"))
    );
    let (status, _) = cancel_order(&sandbox, "O-3").await;
    assert_eq!(status, 400);
    let (status, error) = cancel_order(&sandbox, "O-9").await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("ORDER_NOT_FOUND"))
    );

    let (status, _) = cancel_order(&sandbox, "O-1").await;
    assert_eq!(status, 204);
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(order["order_state"], "CANCELED");
    assert_eq!(order["can_cancel"], false);
    for line in order["order_lines"].as_array().unwrap() {
        assert_eq!(line["order_line_state"], "CANCELED");
        let entry = &line["cancelations"][0];
        assert_eq!(entry["quantity"], 2);
        assert_eq!(entry["amount"].to_string(), "56.0");
        assert_eq!(entry["shipping_amount"].to_string(), "3.95");
        assert_eq!(entry["taxes"][0]["amount"].to_string(), "9.33");
        assert_eq!(entry["shipping_taxes"][0]["amount"].to_string(), "0.66");
    }
    // Now can_cancel is false: a second cancel is refused.
    assert_eq!(cancel_order(&sandbox, "O-1").await.0, 400);
    assert_eq!(sandbox.stats().rejected_by_op["OR29"], 4);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn john_lewis_cancels_units_pro_rata_and_stamps_the_order() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![accepted("O-1")]);
    let before = sandbox.order("O-1").unwrap()["last_updated_date"].clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    sandbox
        .cancel_lines_on_john_lewis("O-1", vec![("O-1-1".into(), 1)], "CUSTOMER_CHANGED_MIND")
        .unwrap();
    let order = sandbox.order("O-1").unwrap();
    assert_ne!(order["last_updated_date"], before);
    let entry = &order["order_lines"][0]["cancelations"][0];
    assert_eq!(entry["amount"].to_string(), "28.0");
    // 9.33 / 2 = 4.665, half-even to 4.66; shipping 3.95 / 2 = 1.975 -> 1.98.
    assert_eq!(entry["taxes"][0]["amount"].to_string(), "4.66");
    assert_eq!(entry["shipping_amount"].to_string(), "1.98");
    assert_eq!(entry["reason_code"], "CUSTOMER_CHANGED_MIND");
    assert_eq!(order["order_lines"][0]["order_line_state"], "SHIPPING");
    // The last unit takes what is left.
    sandbox
        .cancel_lines_on_john_lewis("O-1", vec![("O-1-1".into(), 1)], "CUSTOMER_CHANGED_MIND")
        .unwrap();
    let line = &sandbox.order("O-1").unwrap()["order_lines"][0];
    assert_eq!(line["order_line_state"], "CANCELED");
    assert_eq!(
        line["cancelations"][1]["taxes"][0]["amount"].to_string(),
        "4.67"
    );
    assert_eq!(
        line["cancelations"][1]["shipping_amount"].to_string(),
        "1.97"
    );
    assert!(
        sandbox
            .cancel_lines_on_john_lewis("O-1", vec![("O-1-1".into(), 1)], "X")
            .is_err()
    );
    sandbox.set_line_state("O-1", "O-1-2", "SHIPPED").unwrap();
    assert!(
        sandbox
            .cancel_lines_on_john_lewis("O-1", vec![("O-1-2".into(), 1)], "X")
            .is_err()
    );
    assert!(sandbox.set_line_state("O-1", "O-1-9", "SHIPPED").is_err());
    sandbox.shutdown().await;
}
