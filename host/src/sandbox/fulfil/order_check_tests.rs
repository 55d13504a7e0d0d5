//! Tests of the sandbox check of `sale.channel.create_order` orders: schema, exact money,
//! rounding and totals, and a generated test that every order the component builds passes.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::check;
use crate::sandbox::test_support::{fulfil_order, product};

fn products() -> BTreeMap<i64, crate::sandbox::SandboxProduct> {
    [(1, product(1, "SKU-A")), (2, product(2, "SKU-B"))]
        .into_iter()
        .collect()
}

/// A named edit of the sample order.
type Edit = (&'static str, fn(&mut Value));

fn error_for(order: &Value) -> (String, String) {
    let error = check(order, &products()).unwrap_err();
    (error.code.to_string(), error.message)
}

#[test]
fn the_sample_order_is_valid() {
    let checked = check(&fulfil_order("O-1"), &products()).unwrap();
    assert_eq!(checked.total.to_string_min_scale(2), "84.52");
    assert_eq!(checked.lines, 2);
}

#[test]
fn unknown_fields_are_rejected_at_every_level() {
    let edits: [Edit; 6] = [
        ("order", |o| o["discount"] = json!("1.00")),
        ("customer", |o| o["customer"]["email"] = json!("x@y")),
        ("shipping_address", |o| {
            o["shipping_address"]["street"] = json!("x")
        }),
        ("sale_lines[1]", |o| {
            o["sale_lines"][1]["price"] = json!("1")
        }),
        ("sale_lines[0].tax_lines[0]", |o| {
            o["sale_lines"][0]["tax_lines"][0]["code"] = json!("VAT")
        }),
        ("shipping_lines[0]", |o| {
            o["shipping_lines"][0]["carrier"] = json!("x")
        }),
    ];
    for (place, edit) in edits {
        let mut order = fulfil_order("O-1");
        edit(&mut order);
        let (code, message) = error_for(&order);
        assert_eq!(code, "unknown_field", "{place}");
        assert!(message.ends_with(&format!("in {place}")), "{message}");
    }
}

#[test]
fn required_fields_and_shapes() {
    let edits: [Edit; 11] = [
        ("missing_field", |o| o["reference"] = Value::Null),
        ("missing_field", |o| {
            o.as_object_mut().unwrap().remove("shipping_address");
        }),
        ("missing_field", |o| {
            o["customer"].as_object_mut().unwrap().remove("name");
        }),
        ("missing_field", |o| {
            o["sale_lines"][0].as_object_mut().unwrap().remove("sku");
        }),
        ("invalid_value", |o| o["sale_lines"] = json!([])),
        ("invalid_value", |o| o["status"] = json!("done")),
        ("invalid_value", |o| {
            o["shipping_address"]["country_code"] = json!("GBR")
        }),
        ("invalid_value", |o| {
            o["shipping_address"]["country_code"] = json!("gb")
        }),
        ("invalid_value", |o| {
            o["customer"]["contacts"] = json!([["telex", "1"]])
        }),
        ("invalid_value", |o| {
            o["sale_lines"][0]["quantity"] = json!(0)
        }),
        ("invalid_value", |o| o["confirmed_at"] = json!("yesterday")),
    ];
    for (index, (expected, edit)) in edits.into_iter().enumerate() {
        let mut order = fulfil_order("O-1");
        edit(&mut order);
        assert_eq!(error_for(&order).0, expected, "case {index}");
    }
}

#[test]
fn money_must_be_exact() {
    let mut order = fulfil_order("O-1");
    order["sale_lines"][0]["unit_price"] = json!(28.0);
    let (code, message) = error_for(&order);
    assert_eq!(code, "invalid_value");
    assert!(message.contains("sale_lines[0].unit_price"), "{message}");

    let mut order = fulfil_order("O-1");
    order["sale_lines"][0]["tax_lines"][0]["rate"] = json!(0.2);
    assert_eq!(error_for(&order).0, "invalid_value");

    // Integers and tagged decimals are fine.
    let mut order = fulfil_order("O-1");
    order["sale_lines"][0]["unit_price"] = json!(28);
    order["amount"] = json!({"__class__": "Decimal", "decimal": "84.520"});
    assert!(check(&order, &products()).is_ok());
}

#[test]
fn line_amounts_round_half_even() {
    let mut order = fulfil_order("O-1");
    // 3 × 0.125 = 0.375 -> 0.38 (half-even: 7 is odd, rounds up); 0.38 + rest.
    order["sale_lines"][1] = json!({
        "channel_identifier": "O-1-2", "sku": "SKU-B", "quantity": 3,
        "unit_price": "0.125", "amount": "0.38"
    });
    order["amount"] = json!("70.32");
    assert!(check(&order, &products()).is_ok());
    // 1 × 0.125 = 0.125 -> 0.12 (2 is even).
    order["sale_lines"][1]["quantity"] = json!(1);
    order["sale_lines"][1]["amount"] = json!("0.13");
    order["amount"] = json!("70.07");
    let (code, message) = error_for(&order);
    assert_eq!(code, "line_amount_mismatch");
    assert!(
        message.contains("'O-1-2'") && message.contains("0.12"),
        "{message}"
    );
}

#[test]
fn totals_and_skus_and_duplicates() {
    let mut order = fulfil_order("O-1");
    order["amount"] = json!("84.51");
    let (code, message) = error_for(&order);
    assert_eq!(code, "total_mismatch");
    assert_eq!(
        message,
        "Order total 84.51 does not match computed total 84.52"
    );

    let mut order = fulfil_order("O-1");
    order["sale_lines"][0]["sku"] = json!("sku-a");
    let (code, message) = error_for(&order);
    assert_eq!(code, "product_not_found");
    assert_eq!(message, "Product with SKU 'sku-a' not found");

    let mut order = fulfil_order("O-1");
    order["sale_lines"][1]["channel_identifier"] = json!("O-1-1");
    assert_eq!(error_for(&order).0, "duplicate_line");
}

/// Pence as the JSON number Mirakl sends (`1234` → `12.34`).
fn pounds(pence: i64) -> Value {
    json!(pence as f64 / 100.0)
}

/// Tax in pence on `pence` at `rate` percent, included in it or on top of it.
fn tax(pence: i64, rate: i64, included: bool) -> i64 {
    let base = if included { 100 + rate } else { 100 };
    (2 * pence * rate + base) / (2 * base)
}

/// A paid OR11 order with random lines, prices, VAT rates and shipping; returns it with
/// what the customer paid, in pence.
fn random_order(rng: &mut fastrand::Rng, index: usize) -> (Value, i64) {
    let included = rng.usize(..3) != 0;
    let id = format!("JL-PROP-{index}");
    let mut paid = 0;
    let lines: Vec<Value> = (0..1 + rng.usize(..4))
        .map(|n| {
            let quantity = rng.i64(1..13);
            let unit = rng.i64(1..50_001);
            let price = quantity * unit;
            let rate = [20, 20, 5, 0][rng.usize(..4)];
            let shipping = [0, 0, 395, 499, 999][rng.usize(..5)];
            let line_tax = tax(price, rate, included);
            let shipping_tax = tax(shipping, rate, included);
            paid += price + shipping;
            if !included {
                paid += line_tax + shipping_tax;
            }
            let sku = ["SKU-A", "SKU-B"][rng.usize(..2)];
            let taxes = |amount: i64| {
                json!([{"code": "GB-VAT-STANDARD", "amount": pounds(amount), "rate": rate as f64}])
            };
            json!({
                "order_line_id": format!("{id}-{n}"),
                "order_line_state": "SHIPPING",
                "offer_sku": sku,
                "quantity": quantity,
                "price": pounds(price),
                "shipping_price": pounds(shipping),
                "total_price": pounds(price + shipping),
                "taxes": taxes(line_tax),
                "shipping_taxes": if shipping == 0 { json!([]) } else { taxes(shipping_tax) },
            })
        })
        .collect();
    let address = json!({
        "firstname": "Sam", "lastname": "Okafor", "street_1": "41 Marlowe Street",
        "city": "Leeds", "zip_code": "LS6 2HD", "country_iso_code": "GBR"
    });
    let order = json!({
        "order_id": id,
        "commercial_id": format!("JL-C-{index}"),
        "order_state": "SHIPPING",
        "created_date": "2026-11-26T09:02:44Z",
        "currency_iso_code": "GBP",
        "order_tax_mode": if included { "TAX_INCLUDED" } else { "TAX_EXCLUDED" },
        "customer_notification_email": "relay@notification.example",
        "customer": {
            "firstname": "Sam", "lastname": "Okafor",
            "billing_address": address, "shipping_address": address
        },
        "order_lines": lines,
    });
    (order, paid)
}

#[test]
fn every_order_the_component_builds_is_one_fulfil_accepts_for_what_the_customer_paid() {
    let catalogue: Vec<plugin::orders::Product> = ["SKU-A", "SKU-B"]
        .into_iter()
        .map(|sku| plugin::orders::Product {
            sku: sku.into(),
            ean: None,
            available: 1_000,
        })
        .collect();
    let policy = plugin::orders::OrderPolicy::default();
    let mut rng = fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    for index in 0..500 {
        let (order, paid) = random_order(&mut rng, index);
        let plan = plugin::orders::plan_order(
            &order.to_string(),
            &catalogue,
            &[],
            &[],
            &policy,
            "2026-11-27T12:00:00Z",
        )
        .expect("a plan");
        let codes: Vec<&str> = plan.exceptions.iter().map(|e| e.code.as_str()).collect();
        assert!(
            !codes.contains(&"order_total_mismatch"),
            "{codes:?} for {order}"
        );
        let payload = plan
            .fulfil_order
            .as_deref()
            .unwrap_or_else(|| panic!("no Fulfil order ({codes:?}) for {order}"));
        let payload: Value = serde_json::from_str(payload).expect("JSON");
        let checked = check(&payload, &products())
            .unwrap_or_else(|e| panic!("Fulfil rejects {payload}: {}", e.message));
        let paid_text = format!("{}.{:02}", paid / 100, paid % 100);
        assert_eq!(checked.total.to_string_min_scale(2), paid_text, "{order}");
        assert_eq!(plan.total.map(|t| t.minor), Some(paid));
    }
}
