//! Tests of return sales, return shipments, credit notes, sale cancels and line reductions.

use serde_json::{Value, json};

use crate::sandbox::test_support::{fulfil_client, fulfil_order, product, start};
use crate::sandbox::{ReturnShipmentOf, Sandbox, SandboxShipment};

async fn call(sandbox: &Sandbox, path: &str, body: &Value) -> (u16, Value) {
    let response = fulfil_client(sandbox)
        .put(format!("{}/api/v2/model/{path}", sandbox.fulfil_url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn search(sandbox: &Sandbox, model: &str, domain: Value, fields: Value) -> Value {
    let (status, rows) = call(
        sandbox,
        &format!("{model}/search_read"),
        &json!([domain, 0, 100, null, fields]),
    )
    .await;
    assert_eq!(status, 200, "{rows}");
    rows
}

/// The return sale the connector sends: `lines` of (SKU, units, unit price, VAT).
fn return_sale(id: &str, origin: Option<i64>, lines: &[(&str, i64, &str, &str)]) -> Value {
    let mut total = 0i64;
    let sale_lines: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(n, (sku, units, unit_price, tax))| {
            let cents = |t: &str| (t.parse::<f64>().unwrap() * 100.0).round() as i64;
            let amount = -units * cents(unit_price);
            total += amount - cents(tax);
            json!({"channel_identifier": format!("{id}-{n}"), "sku": sku,
                   "description": "Returned item", "quantity": -units,
                   "unit_price": unit_price, "amount": format!("{:.2}", amount as f64 / 100.0),
                   "tax_lines": [{"name": "UK VAT", "rate": "0.20", "amount": format!("-{tax}")}]})
        })
        .collect();
    let mut sale = json!({
        "channel_identifier": id, "reference": "CUST-0001",
        "confirmed_at": "2026-12-02T10:00:00Z", "customer": {"name": "Priya Raman"},
        "sale_lines": sale_lines, "amount": format!("{:.2}", total as f64 / 100.0),
        "currency_code": "GBP", "return_reason": "Changed mind", "status": "pending",
        "comment": format!("John Lewis return {id}")
    });
    if let Some(origin) = origin {
        sale["origin"] = json!(format!("sale.sale,{origin}"));
    }
    sale
}

async fn sold(sandbox: &Sandbox) -> i64 {
    let (status, sale) = call(
        sandbox,
        "sale.channel/create_order",
        &json!([1, fulfil_order("O-1")]),
    )
    .await;
    assert_eq!(status, 200, "{sale}");
    sale["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_return_sale_makes_a_waiting_return_shipment() {
    let sandbox = start().await;
    let origin = sold(&sandbox).await;
    let body = json!([
        1,
        return_sale("R-1", Some(origin), &[("SKU-A", 1, "28.00", "4.67")])
    ]);
    let (status, sale) = call(&sandbox, "sale.channel/create_order", &body).await;
    assert_eq!(status, 200, "{sale}");
    assert_eq!(sale["total_amount"], "-32.67");
    assert_eq!(sale["origin"], format!("sale.sale,{origin}"));
    // The same return again is the same sale.
    assert_eq!(
        call(&sandbox, "sale.channel/create_order", &body).await.1,
        sale
    );
    let id = sale["id"].as_i64().unwrap();
    let sales = search(
        &sandbox,
        "sale.sale",
        json!([["id", "=", id]]),
        json!([
            "origin",
            "reference",
            "state",
            "shipment_returns",
            "write_date"
        ]),
    )
    .await;
    assert_eq!(sales[0]["origin"], format!("sale.sale,{origin}"));
    assert_eq!(sales[0]["reference"], "CUST-0001");
    assert_eq!(sales[0]["state"], "confirmed");
    assert_eq!(sales[0]["shipment_returns"], json!([1]));
    assert_eq!(sales[0]["write_date"]["__class__"], "datetime");
    let shipments = search(
        &sandbox,
        "stock.shipment.out.return",
        json!([["state", "=", "waiting"]]),
        json!(["reference", "sales", "moves", "rec_name", "write_date"]),
    )
    .await;
    assert_eq!(shipments.as_array().unwrap().len(), 1);
    assert_eq!(shipments[0]["reference"], "CUST-0001");
    assert_eq!(shipments[0]["sales"], json!([id]));
    let moves = search(
        &sandbox,
        "stock.move",
        json!([["id", "in", shipments[0]["moves"]]]),
        json!([
            "product.code",
            "quantity",
            "shipment",
            "x_non_compliance_reason"
        ]),
    )
    .await;
    assert_eq!(
        moves,
        json!([{"id": moves[0]["id"], "product.code": "SKU-A", "quantity": 1.0,
                              "shipment": "stock.shipment.out.return,1",
                              "x_non_compliance_reason": null}])
    );
    let lines = search(
        &sandbox,
        "sale.line",
        json!([["sale", "=", id]]),
        json!(["quantity"]),
    )
    .await;
    assert_eq!(lines[0]["quantity"], -1.0);
    let state = sandbox.state_json();
    assert_eq!(state["fulfil"]["return_shipments"][0]["state"], "waiting");
    assert_eq!(state["fulfil"]["sales"][1]["state"], "confirmed");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn return_sales_are_checked_against_what_was_sold() {
    let sandbox = start().await;
    sandbox.seed_products(vec![product(3, "SKU-C")]);
    let origin = sold(&sandbox).await;
    let mut mixed = return_sale("R-9", Some(origin), &[("SKU-A", 1, "28.00", "4.67")]);
    mixed["sale_lines"][0]["quantity"] = json!(-1);
    mixed["sale_lines"].as_array_mut().unwrap().push(json!({
        "channel_identifier": "R-9-x", "sku": "SKU-B", "quantity": 1, "unit_price": "12.50",
        "amount": "12.50"}));
    mixed["amount"] = json!("-20.17");
    let cases = [
        (
            return_sale("R-2", Some(origin), &[("SKU-A", 3, "28.00", "14.00")]),
            "return_exceeds_sold",
        ),
        (
            return_sale("R-3", None, &[("SKU-A", 1, "28.00", "4.67")]),
            "missing_field",
        ),
        (
            return_sale("R-4", Some(99), &[("SKU-A", 1, "28.00", "4.67")]),
            "origin_not_found",
        ),
        (
            return_sale("R-5", Some(origin), &[("SKU-C", 1, "5.00", "1.00")]),
            "product_not_on_origin",
        ),
        (mixed, "mixed_quantities"),
    ];
    for (sale, code) in cases {
        let (status, error) = call(&sandbox, "sale.channel/create_order", &json!([1, sale])).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (400, Some(code)),
            "{error}"
        );
        assert_eq!(error["type"], "UserError");
    }
    // One unit back, then two more than the one left.
    let first = return_sale("R-6", Some(origin), &[("SKU-A", 1, "28.00", "4.67")]);
    assert_eq!(
        call(&sandbox, "sale.channel/create_order", &json!([1, first]))
            .await
            .0,
        200
    );
    let again = return_sale("R-7", Some(origin), &[("SKU-A", 2, "28.00", "9.33")]);
    let (status, error) = call(&sandbox, "sale.channel/create_order", &json!([1, again])).await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("return_exceeds_sold"))
    );
    let last = return_sale("R-8", Some(origin), &[("SKU-A", 1, "28.00", "4.66")]);
    assert_eq!(
        call(&sandbox, "sale.channel/create_order", &json!([1, last]))
            .await
            .0,
        200
    );
    assert_eq!(sandbox.sales().len(), 3);
    assert_eq!(sandbox.return_shipments().len(), 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn receiving_a_return_posts_the_credit_note_and_restocks() {
    let sandbox = start().await;
    let origin = sold(&sandbox).await;
    let body = return_sale(
        "R-1",
        Some(origin),
        &[("SKU-A", 2, "28.00", "9.33"), ("SKU-B", 1, "12.50", "2.08")],
    );
    let (_, sale) = call(&sandbox, "sale.channel/create_order", &json!([1, body])).await;
    let id = sale["id"].as_i64().unwrap();
    assert!(
        sandbox
            .receive_return_shipment(
                ReturnShipmentOf::Sale(id),
                vec![("SKU-Z".into(), "x".into())]
            )
            .await
            .is_err()
    );
    let status = sandbox
        .receive_return_shipment(
            ReturnShipmentOf::Sale(id),
            vec![("SKU-B".into(), "Damaged in transit".into())],
        )
        .await
        .unwrap();
    assert_eq!(status, 0, "no webhook target set");
    let notes = search(
        &sandbox,
        "account.invoice",
        json!([["reference", "=", "CUST-0001"]]),
        json!([
            "number",
            "type",
            "state",
            "sales",
            "total_amount",
            "invoice_date"
        ]),
    )
    .await;
    assert_eq!(notes[0]["number"], "CN-0001");
    assert_eq!(notes[0]["type"], "out");
    assert_eq!(notes[0]["state"], "posted");
    assert_eq!(notes[0]["sales"], json!([id]));
    // 56.00 + 9.33 + 12.50 + 2.08, taken back.
    assert_eq!(
        notes[0]["total_amount"],
        json!({"__class__": "Decimal", "decimal": "-79.91"})
    );
    assert_eq!(notes[0]["invoice_date"]["__class__"], "date");
    let shipment = search(
        &sandbox,
        "stock.shipment.out.return",
        json!([]),
        json!(["state", "received_date"]),
    )
    .await;
    assert_eq!(shipment[0]["state"], "done");
    assert_eq!(shipment[0]["received_date"]["__class__"], "datetime");
    let moves = search(
        &sandbox,
        "stock.move",
        json!([["shipment", "like", "stock.shipment.out.return,%"]]),
        json!(["product.code", "state", "x_non_compliance_reason"]),
    )
    .await;
    assert_eq!(moves[0]["x_non_compliance_reason"], Value::Null);
    assert_eq!(moves[1]["x_non_compliance_reason"], "Damaged in transit");
    assert_eq!(moves[1]["state"], "done");
    // Only the compliant units go back on the shelf: SKU-A 10 + 2, SKU-B stays 10.
    let stock = search(
        &sandbox,
        "product.product",
        json!([]),
        json!(["code", "quantity_available"]),
    )
    .await;
    assert_eq!(stock[0]["quantity_available"], 12.0);
    assert_eq!(stock[1]["quantity_available"], 10.0);
    let state = sandbox.state_json();
    assert_eq!(state["fulfil"]["credit_notes"][0]["reference"], "CUST-0001");
    assert_eq!(state["fulfil"]["credit_notes"][0]["total_amount"], "-79.91");
    // A done shipment cannot be received twice.
    assert!(
        sandbox
            .receive_return_shipment(ReturnShipmentOf::Shipment(1), vec![])
            .await
            .is_err()
    );
    sandbox.shutdown().await;
}

fn shipment(state: &str) -> SandboxShipment {
    SandboxShipment {
        id: 7,
        order_id: "O-1".into(),
        state: state.into(),
        carrier: "Royal Mail".into(),
        service: None,
        tracking_number: None,
        lines: vec![("O-1-1".into(), "SKU-A".into(), 2.0)],
        write_date: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn a_sale_is_cancelled_only_before_packing() {
    let sandbox = start().await;
    let id = sold(&sandbox).await;
    sandbox.add_shipment(shipment("packed")).unwrap();
    let (status, error) = call(&sandbox, &format!("sale.sale/{id}/cancel"), &json!([])).await;
    assert_eq!((status, error["type"].as_str()), (400, Some("UserError")));
    assert!(sandbox.cancel_sale_in_fulfil(id).is_err());
    assert!(
        sandbox
            .reduce_sale_line_in_fulfil(id, "SKU-A", 1.0)
            .is_err()
    );
    assert_eq!(sandbox.sales()[0]["state"], "confirmed");

    sandbox.add_shipment(shipment("waiting")).unwrap();
    let lines = search(
        &sandbox,
        "sale.line",
        json!([["sale", "=", id]]),
        json!(["quantity"]),
    )
    .await;
    let line = lines[0]["id"].clone();
    let (status, error) = call(
        &sandbox,
        "sale.line/write",
        &json!([[line], {"quantity": 3}]),
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (400, Some("quantity_increase"))
    );
    let (status, _) = call(
        &sandbox,
        "sale.line/write",
        &json!([[line], {"quantity": 1}]),
    )
    .await;
    assert_eq!(status, 200);
    let lines = search(
        &sandbox,
        "sale.line",
        json!([["id", "=", line]]),
        json!(["quantity", "amount"]),
    )
    .await;
    assert_eq!(lines[0]["quantity"], 1.0);
    assert_eq!(
        lines[0]["amount"],
        json!({"__class__": "Decimal", "decimal": "28.00"})
    );
    sandbox
        .reduce_sale_line_in_fulfil(id, "SKU-B", 0.0)
        .unwrap();

    let (status, answer) = call(&sandbox, &format!("sale.sale/{id}/cancel"), &json!([])).await;
    assert_eq!((status, answer), (200, Value::Null));
    let sales = search(
        &sandbox,
        "sale.sale",
        json!([["state", "=", "cancel"]]),
        json!(["write_date"]),
    )
    .await;
    assert_eq!(sales.as_array().unwrap().len(), 1);
    let shipments = search(&sandbox, "stock.shipment.out", json!([]), json!(["state"])).await;
    assert_eq!(shipments[0]["state"], "cancelled");
    assert_eq!(
        call(&sandbox, "sale.sale/99/cancel", &json!([])).await.0,
        404
    );
    assert_eq!(sandbox.stats().requests["cancel"], 3);
    sandbox.shutdown().await;
}
