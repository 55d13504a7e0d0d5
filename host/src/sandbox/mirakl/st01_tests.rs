//! Tests of the sandbox ST01: per-shipment errors, shipped shipments shipping their order, bodies
//! outside the schema, and a hung call that was still applied.

use serde_json::{Value, json};

use crate::sandbox::Sandbox;
use crate::sandbox::test_support::{mirakl_client, sample_carriers, sample_order, start};

async fn post(sandbox: &Sandbox, body: &Value) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .post(format!("{}/api/shipments", sandbox.mirakl_url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn is_uuid_like(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn creates_shipments_and_reports_per_shipment_errors() {
    let sandbox = start().await;
    sandbox.seed_carriers(sample_carriers());
    sandbox.seed_orders(vec![
        sample_order("O-1", "SHIPPING", 2),
        sample_order("O-2", "SHIPPED", 1),
        sample_order("O-3", "SHIPPING", 1),
    ]);
    let (status, body) = post(
        &sandbox,
        &json!({"shipments": [
            {"order_id": "O-1", "shipped": false,
             "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 1,
                                 "package_reference": "P1"}],
             "tracking": {"carrier_code": "RM", "tracking_number": "TT1GB",
                          "tracking_url": "https://ignored.example"},
             "shipping_from": {"warehouse": {"code": "MAIN"}},
             "invoice_reference": "INV-1"},
            {"order_id": "O-2",
             "shipment_lines": [{"order_line_id": "O-2-1", "quantity": 1}]},
            {"order_id": "O-1",
             "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 2}]},
            {"order_id": "O-3",
             "shipment_lines": [{"order_line_id": "O-3-1", "quantity": 1}],
             "tracking": {"carrier_code": "NOPE", "tracking_number": "1"}},
            {"order_id": "O-9",
             "shipment_lines": [{"order_line_id": "O-9-1", "quantity": 1}]},
            {"order_id": "O-1",
             "shipment_lines": [{"order_line_id": "O-1-7", "quantity": 1}]},
            {"order_id": "O-1",
             "shipment_lines": [{"offer_sku": "SKU-B", "quantity": 2}]}
        ]}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let success = body["shipment_success"].as_array().unwrap();
    assert_eq!(success.len(), 2, "{body}");
    let first = &success[0];
    assert!(is_uuid_like(first["id"].as_str().unwrap()), "{first}");
    assert_ne!(first["id"], success[1]["id"]);
    assert_eq!(first["order_id"], "O-1");
    assert_eq!(first["status"], "SHIPPING");
    assert_eq!(first["shipped_date"], Value::Null);
    assert_eq!(
        first["shipment_lines"],
        json!([{"offer_sku": "SKU-A", "order_line_id": "O-1-1",
                "package_reference": "P1", "quantity": 1}])
    );
    assert_eq!(first["tracking"]["carrier_name"], "Royal Mail");
    assert_eq!(
        first["tracking"]["tracking_url"],
        "https://www.royalmail.com/track-your-item#/tracking-results/TT1GB"
    );
    assert_eq!(first["shipping_from"]["warehouse"]["code"], "MAIN");
    assert_eq!(success[1]["shipment_lines"][0]["order_line_id"], "O-1-2");

    let errors = body["shipment_errors"].as_array().unwrap();
    let messages: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["order_id"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(messages.len(), 5, "{messages:?}");
    assert_eq!(messages[0].0, "O-2");
    assert!(messages[0].1.contains("'SHIPPING' but it is 'SHIPPED'"));
    assert_eq!(messages[1].0, "O-1");
    assert!(
        messages[1].1.contains("quantity is invalid"),
        "{}",
        messages[1].1
    );
    assert!(messages[1].1.contains("1 left"), "{}", messages[1].1);
    assert!(messages[2].1.contains("NOPE"));
    assert!(messages[3].1.contains("O-9"));
    assert!(messages[4].1.contains("O-1-7"));
    // Nothing was shipped, so the order is still SHIPPING.
    assert_eq!(sandbox.order("O-1").unwrap()["order_state"], "SHIPPING");
    assert_eq!(sandbox.order("O-3").unwrap()["order_state"], "SHIPPING");
    assert_eq!(sandbox.mirakl_shipments().len(), 2);
    assert_eq!(sandbox.stats().requests["ST01"], 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn shipped_shipments_covering_every_line_ship_the_order() {
    let sandbox = start().await;
    let mut order = sample_order("O-1", "SHIPPING", 3);
    order["order_lines"][2]["order_line_state"] = json!("REFUSED");
    sandbox.seed_orders(vec![order]);
    let (status, body) = post(
        &sandbox,
        &json!({"shipments": [
            {"order_id": "O-1", "shipped": true,
             "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 2}],
             "tracking": {"carrier_name": "Local Van", "tracking_number": "V1"}}
        ]}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["shipment_success"][0]["status"], "SHIPPED");
    assert!(body["shipment_success"][0]["shipped_date"].is_string());
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(order["order_state"], "SHIPPING");
    assert_eq!(order["order_lines"][0]["order_line_state"], "SHIPPED");
    assert_eq!(order["order_lines"][1]["order_line_state"], "SHIPPING");

    let (_, body) = post(
        &sandbox,
        &json!({"shipments": [
            {"order_id": "O-1", "shipped": true,
             "shipment_lines": [{"order_line_id": "O-1-2", "quantity": 1},
                                {"order_line_id": "O-1-2", "quantity": 1}]}
        ]}),
    )
    .await;
    assert_eq!(body["shipment_errors"], json!([]), "{body}");
    let order = sandbox.order("O-1").unwrap();
    assert_eq!(order["order_state"], "SHIPPED");
    assert!(order["shipped_date"].is_string());
    assert_eq!(order["order_lines"][1]["order_line_state"], "SHIPPED");
    assert_eq!(order["order_lines"][2]["order_line_state"], "REFUSED");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bodies_outside_the_schema_are_a_400_and_create_nothing() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 1)]);
    let line = json!({"order_line_id": "O-1-1", "quantity": 1});
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"order_id": "O-1", "shipment_lines": [line]}))
        .collect();
    for body in [
        json!({}),
        json!({"shipments": []}),
        json!({"shipments": many}),
        json!({"shipments": [], "extra": 1}),
        json!({"shipments": [{"shipment_lines": [line]}]}),
        json!({"shipments": [{"order_id": "O-1"}]}),
        json!({"shipments": [{"order_id": "O-1", "shipment_lines": []}]}),
        json!({"shipments": [{"order_id": "O-1", "shipment_lines": [line], "carrier": "x"}]}),
        json!({"shipments": [{"order_id": "O-1",
                              "shipment_lines": [{"order_line_id": "O-1-1"}]}]}),
        json!({"shipments": [{"order_id": "O-1",
                              "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 0}]}]}),
        json!({"shipments": [{"order_id": "O-1",
                              "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 1.5}]}]}),
        json!({"shipments": [{"order_id": "O-1", "shipment_lines": [line],
                              "tracking": {"carrier_url": "https://x.example"}}]}),
        json!({"shipments": [{"order_id": "O-1", "shipment_lines": [line],
                              "shipped": "yes"}]}),
        json!({"shipments": [{"order_id": "O-1", "shipment_lines": [line],
                              "invoice_reference": "INV 1"}]}),
        json!({"shipments": [{"order_id": "O-1", "shipment_lines": [line],
                              "shipment_additional_information":
                                  [{"code": "X", "type": "NUMBER", "value": 1}]}]}),
    ] {
        let (status, error) = post(&sandbox, &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["status"], 400);
    }
    assert!(sandbox.mirakl_shipments().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_hung_st01_was_applied() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 1)]);
    sandbox.set_faults(crate::sandbox::Faults {
        hang_after_apply: vec!["ST01".into()],
        ..crate::sandbox::Faults::default()
    });
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .post(format!("{}/api/shipments", sandbox.mirakl_url))
        .header("authorization", "sandbox-mirakl-key")
        .json(&json!({"shipments": [{"order_id": "O-1", "shipped": true,
                       "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 2}]}]}))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(sandbox.mirakl_shipments().len(), 1);
    assert_eq!(sandbox.order("O-1").unwrap()["order_state"], "SHIPPED");
    sandbox.shutdown().await;
}
