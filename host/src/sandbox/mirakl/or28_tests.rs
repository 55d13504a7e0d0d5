//! Tests of the sandbox OR28: refunds within what was paid, exact amounts, taxes, states, the
//! whole call rejected on any bad item, and a hung call that was still applied.

use serde_json::{Value, json};

use crate::sandbox::test_support::{mirakl_client, sample_order, start};
use crate::sandbox::{Faults, Sandbox};

/// A shipped order of two lines (2 × 28.00 = 56.00, shipping 3.95), each taxed: 9.33 VAT on
/// the price, 0.66 on shipping.
pub(crate) fn taxed_order(order_id: &str, state: &str) -> Value {
    let mut order = sample_order(order_id, state, 2);
    for line in order["order_lines"].as_array_mut().unwrap() {
        line["taxes"] = json!([{"code": "GB-VAT", "amount": 9.33, "rate": 20.0}]);
        line["shipping_taxes"] = json!([{"code": "GB-VAT", "amount": 0.66, "rate": 20.0}]);
        line["refunds"] = json!([]);
        line["cancelations"] = json!([]);
    }
    order["order_tax_mode"] = json!("TAX_INCLUDED");
    order
}

async fn put(sandbox: &Sandbox, body: &Value) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .put(format!("{}/api/orders/refund", sandbox.mirakl_url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn refund(line: &str, amount: f64, tax: f64) -> Value {
    json!({"order_line_id": line, "amount": amount, "shipping_amount": 0,
           "reason_code": "REFUND_RETURNED", "quantity": 1,
           "taxes": [{"code": "GB-VAT", "amount": tax}],
           "shipping_taxes": [{"code": "GB-VAT", "amount": 0}]})
}

#[tokio::test]
async fn a_refund_is_recorded_exactly_and_answered() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![taxed_order("O-1", "SHIPPED")]);
    let before = sandbox.order("O-1").unwrap()["last_updated_date"].clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let body = json!({"order_tax_mode": "TAX_INCLUDED", "refunds": [
        {"order_line_id": "O-1-1", "amount": 28.01, "shipping_amount": 3.95,
         "reason_code": "REFUND_RETURNED", "quantity": 1, "currency_iso_code": "GBP",
         "taxes": [{"code": "GB-VAT", "amount": 4.67}],
         "shipping_taxes": [{"code": "GB-VAT", "amount": 0.66}]}
    ]});
    let (status, answer) = put(&sandbox, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["order_tax_mode"], "TAX_INCLUDED");
    let refund = &answer["refunds"][0];
    assert_eq!(refund["order_line_id"], "O-1-1");
    assert_eq!(refund["amount"].to_string(), "28.01");
    assert_eq!(refund["shipping_amount"].to_string(), "3.95");
    assert_eq!(refund["quantity"], 1);
    assert_eq!(refund["reason_code"], "REFUND_RETURNED");
    assert_eq!(refund["currency_iso_code"], "GBP");
    assert_eq!(
        refund["taxes"],
        json!([{"code": "GB-VAT", "amount": 4.67, "rate": 20.0}])
    );
    assert!(refund["refund_id"].is_string());
    assert!(refund["order_refund_id"].is_string());

    let order = sandbox.order("O-1").unwrap();
    assert_ne!(order["last_updated_date"], before);
    let line = &order["order_lines"][0];
    assert_eq!(line["order_line_state"], "SHIPPED");
    let stored = &line["refunds"][0];
    assert_eq!(stored["id"], refund["refund_id"]);
    assert_eq!(stored["amount"].to_string(), "28.01");
    assert_eq!(stored["shipping_amount"].to_string(), "3.95");
    assert_eq!(stored["state"], "WAITING_REFUND");
    assert_eq!(stored["shipping_taxes"][0]["amount"].to_string(), "0.66");
    assert!(stored["created_date"].is_string());

    // The rest of the line, to the penny, refunds it fully.
    let (status, answer) = put(&sandbox, &json!({"refunds": [refund_rest()]})).await;
    assert_eq!(status, 200, "{answer}");
    let line = &sandbox.order("O-1").unwrap()["order_lines"][0];
    assert_eq!(line["order_line_state"], "REFUNDED");
    assert_eq!(line["refunds"].as_array().unwrap().len(), 2);
    sandbox.shutdown().await;
}

fn refund_rest() -> Value {
    refund("O-1-1", 27.99, 4.66)
}

#[tokio::test]
async fn refunds_above_what_was_paid_are_rejected_whole() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![taxed_order("O-1", "SHIPPED")]);
    // Above the price.
    let (status, error) = put(&sandbox, &json!({"refunds": [refund("O-1-1", 56.01, 0.0)]})).await;
    assert_eq!(status, 400, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("56.01"),
        "{error}"
    );
    // A second refund exceeding the remainder; the good first item is not applied either.
    assert_eq!(
        put(&sandbox, &json!({"refunds": [refund("O-1-1", 40.0, 5.0)]}))
            .await
            .0,
        200
    );
    let (status, error) = put(
        &sandbox,
        &json!({"refunds": [refund("O-1-2", 1.0, 0.0), refund("O-1-1", 16.01, 0.0)]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error["message"].as_str().unwrap().contains("16.00"),
        "{error}"
    );
    // Two items of one call on the same line add up.
    let (status, _) = put(
        &sandbox,
        &json!({"refunds": [refund("O-1-1", 8.0, 0.0), refund("O-1-1", 8.01, 0.0)]}),
    )
    .await;
    assert_eq!(status, 400);
    // Taxes above the line's tax.
    let (status, error) = put(&sandbox, &json!({"refunds": [refund("O-1-1", 1.0, 4.34)]})).await;
    assert_eq!(status, 400);
    assert!(
        error["message"].as_str().unwrap().contains("GB-VAT"),
        "{error}"
    );
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(
        order["order_lines"][0]["refunds"].as_array().unwrap().len(),
        1
    );
    assert_eq!(order["order_lines"][1]["refunds"], json!([]));
    assert_eq!(sandbox.stats().rejected_by_op["OR28"], 4);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refunds_need_taxes_a_reason_and_a_shipped_line() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![
        taxed_order("O-1", "SHIPPED"),
        taxed_order("O-2", "SHIPPING"),
        taxed_order("O-3", "CLOSED"),
    ]);
    let mut no_taxes = refund("O-1-1", 1.0, 0.0);
    no_taxes.as_object_mut().unwrap().remove("taxes");
    let mut no_reason = refund("O-1-1", 1.0, 0.0);
    no_reason.as_object_mut().unwrap().remove("reason_code");
    let mut negative = refund("O-1-1", 1.0, 0.0);
    negative["amount"] = json!(-1);
    let mut string_amount = refund("O-1-1", 1.0, 0.0);
    string_amount["amount"] = json!("1.00");
    let mut unknown_field = refund("O-1-1", 1.0, 0.0);
    unknown_field["refund_note"] = json!("x");
    let mut wrong_tax = refund("O-1-1", 1.0, 0.0);
    wrong_tax["taxes"] = json!([{"code": "US-SALES", "amount": 0.1}]);
    for (body, needle) in [
        (json!({"refunds": [no_taxes]}), "must give taxes"),
        (json!({"refunds": [no_reason]}), "reason_code"),
        (json!({"refunds": [negative]}), "negative"),
        (json!({"refunds": [string_amount]}), "must be a number"),
        (json!({"refunds": [unknown_field]}), "refund_note"),
        (json!({"refunds": [wrong_tax]}), "US-SALES"),
        (json!({"refunds": [refund("O-2-1", 1.0, 0.0)]}), "SHIPPING"),
        (json!({"refunds": [refund("O-3-1", 1.0, 0.0)]}), "CLOSED"),
        (
            json!({"refunds": [refund("O-9-1", 1.0, 0.0)]}),
            "does not exist",
        ),
        (json!({"refunds": []}), "empty"),
    ] {
        let (status, error) = put(&sandbox, &body).await;
        assert_eq!(status, 400, "{body}");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{needle}: {message}");
    }
    for order in ["O-1", "O-2", "O-3"] {
        let order = sandbox.order(order).unwrap();
        assert_eq!(order["order_lines"][0]["refunds"], json!([]));
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn amounts_are_read_from_the_number_text() {
    let sandbox = start().await;
    let mut order = taxed_order("O-1", "RECEIVED");
    order["order_lines"][0]["taxes"] = json!([]);
    order["order_lines"][0]["shipping_taxes"] = json!([]);
    sandbox.seed_orders(vec![order]);
    // 56.000000000000001 is above 56.00 exactly, though a float would round it to 56.
    let over = r#"{"refunds": [{"order_line_id": "O-1-1", "amount": 56.000000000000001,
        "shipping_amount": 0, "reason_code": "R"}]}"#;
    let response = mirakl_client(&sandbox)
        .put(format!("{}/api/orders/refund", sandbox.mirakl_url))
        .header("Content-Type", "application/json")
        .body(over)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let exact = r#"{"refunds": [{"order_line_id": "O-1-1", "amount": 5.6e1,
        "shipping_amount": 0, "reason_code": "R"}]}"#;
    let response = mirakl_client(&sandbox)
        .put(format!("{}/api/orders/refund", sandbox.mirakl_url))
        .header("Content-Type", "application/json")
        .body(exact)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let line = &sandbox.order("O-1").unwrap()["order_lines"][0];
    assert_eq!(line["order_line_state"], "REFUNDED");
    assert_eq!(line["refunds"][0]["amount"].to_string(), "56.0");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_hung_refund_was_applied() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![taxed_order("O-1", "SHIPPED")]);
    sandbox.set_faults(Faults {
        hang_after_apply: vec!["OR28".into()],
        ..Faults::default()
    });
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .put(format!("{}/api/orders/refund", sandbox.mirakl_url))
        .header("Authorization", "sandbox-mirakl-key")
        .json(&json!({"refunds": [refund("O-1-1", 10.0, 1.0)]}))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(
        order["order_lines"][0]["refunds"][0]["amount"].to_string(),
        "10.0"
    );
    assert_eq!(sandbox.stats().faults_by_kind["hang"], 1);
    sandbox.shutdown().await;
}
