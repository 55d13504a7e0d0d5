//! Property test of the acceptance decision: for generated orders awaiting acceptance and
//! generated stock, `plan-order` accepts exactly the lines the stock covers (lines of one SKU
//! share it, in order), refuses the rest, and lists every line in the OR21 body.

use std::collections::HashMap;

use serde_json::json;

use super::{Action, OrderPolicy, Product, plan_order};

/// The SKUs generated orders use.
const SKUS: [&str; 3] = ["JL-THROW-014", "JL-MUG-001", "JL-CANDLE-021"];

#[test]
fn accepts_exactly_the_lines_stock_covers_and_refuses_the_rest() {
    let mut rng = fastrand::Rng::with_seed(0x1405_7b7e_f767_814f);
    let policy = OrderPolicy::default();
    for round in 0..2_000 {
        let catalogue: Vec<Product> = SKUS
            .iter()
            .map(|sku| Product {
                sku: sku.to_string(),
                ean: Some("5012345600041".into()),
                available: rng.i64(-1..5),
            })
            .collect();
        let id = format!("JL-PROP-{round}-A");
        let lines: Vec<(String, &str, i64)> = (1..=1 + rng.usize(..4))
            .map(|n| {
                let sku = SKUS[rng.usize(..SKUS.len())];
                (format!("{id}-{n}"), sku, rng.i64(1..5))
            })
            .collect();
        let order = json!({
            "order_id": id,
            "commercial_id": format!("JL-PROP-{round}"),
            "order_state": "WAITING_ACCEPTANCE",
            "created_date": "2026-11-27T09:00:00Z",
            "currency_iso_code": "GBP",
            "customer": null,
            "order_lines": lines.iter().map(|(line_id, sku, quantity)| json!({
                "order_line_id": line_id,
                "order_line_state": "WAITING_ACCEPTANCE",
                "offer_sku": sku,
                "quantity": quantity,
                "price": 10.0 * *quantity as f64,
            })).collect::<Vec<_>>(),
        });

        // The rule, stated independently: lines take stock in order; a line stock cannot
        // cover is refused and takes nothing.
        let mut left: HashMap<&str, i64> = catalogue
            .iter()
            .map(|p| (p.sku.as_str(), p.available))
            .collect();
        let expected: Vec<(String, bool)> = lines
            .iter()
            .map(|(line_id, sku, quantity)| {
                let stock = left.get_mut(sku).expect("catalogued");
                let covered = *stock >= *quantity;
                if covered {
                    *stock -= quantity;
                }
                (line_id.clone(), covered)
            })
            .collect();

        let plan = plan_order(
            &order.to_string(),
            &catalogue,
            &[],
            &policy,
            "2026-11-27T12:00:00Z",
        )
        .expect("a plan");
        let decided: Vec<(String, bool)> = plan
            .lines
            .iter()
            .map(|l| (l.line_id.clone(), l.accepted))
            .collect();
        assert_eq!(decided, expected, "round {round}: {order}");
        let refused = expected.iter().filter(|(_, accepted)| !accepted).count();
        let action = if refused == 0 {
            Action::Accept
        } else {
            Action::Refuse
        };
        assert_eq!(plan.action, action, "round {round}");
        // One insufficient_stock for the order, naming every refused line.
        let short: Vec<&str> = plan
            .exceptions
            .iter()
            .filter(|e| e.code == "insufficient_stock")
            .map(|e| e.message.as_str())
            .collect();
        assert_eq!(short.len(), usize::from(refused > 0), "round {round}");
        for (line_id, accepted) in &expected {
            let named = short
                .iter()
                .any(|m| m.contains(&format!("line {line_id} ")));
            assert_eq!(named, !accepted, "round {round}: {line_id} in {short:?}");
        }
        assert!(
            plan.fulfil_order.is_none(),
            "not paid yet: nothing for Fulfil"
        );
    }
}

/// A paid order whose amounts add up beyond what 64-bit money holds (each amount is in range
/// alone, but one line carries ten thousand taxes) is a typed error, never an overflow:
/// natively a panic, in the component a silently wrapped total.
#[test]
fn amounts_adding_up_beyond_64_bits_are_an_error() {
    let huge = "9999999999999.99";
    let tax = json!({"code": "GB-VAT", "amount": "HUGE", "rate": 20});
    let line = json!({
        "order_line_id": "JL-BIG-A-1",
        "order_line_state": "SHIPPING",
        "offer_sku": "JL-MUG-001",
        "quantity": 1,
        "price": "HUGE",
        "taxes": vec![tax; 10_000],
    });
    let address = json!({"firstname": "A", "lastname": "B", "street_1": "1 High Street",
                         "city": "Leeds", "zip_code": "LS1 1AA", "country_iso_code": "GBR"});
    let order = json!({
        "order_id": "JL-BIG-A",
        "order_state": "SHIPPING",
        "created_date": "2026-11-27T09:00:00Z",
        "currency_iso_code": "GBP",
        "order_tax_mode": "TAX_EXCLUDED",
        "customer": {"firstname": "A", "lastname": "B",
                     "billing_address": address, "shipping_address": address},
        "order_lines": [line],
    });
    let catalogue = [Product {
        sku: "JL-MUG-001".into(),
        ean: Some("5012345600041".into()),
        available: 100,
    }];
    // Exact decimals: the amounts are written into the text, not through a float.
    let text = order.to_string().replace("\"HUGE\"", huge);
    let err = plan_order(
        &text,
        &catalogue,
        &[],
        &OrderPolicy::default(),
        "2026-11-27T12:00:00Z",
    )
    .expect_err("out of range");
    assert_eq!(err.code, "invalid_order", "{err:?}");
    assert!(err.message.contains("out of range"), "{}", err.message);
}
