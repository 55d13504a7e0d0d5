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
        &[],
        &OrderPolicy::default(),
        "2026-11-27T12:00:00Z",
    )
    .expect_err("out of range");
    assert_eq!(err.code, "invalid_order", "{err:?}");
    assert!(err.message.contains("out of range"), "{}", err.message);
}

/// The catalogue of the `accept-two-lines` fixture.
fn two_lines_catalogue() -> Vec<Product> {
    serde_json::from_str(include_str!(
        "../../../fixtures/orders/accept-two-lines/catalogue.json"
    ))
    .expect("catalogue")
}

/// The `accept-two-lines` order (awaiting acceptance), changed by `edit`.
fn waiting(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut order: serde_json::Value = serde_json::from_str(include_str!(
        "../../../fixtures/orders/accept-two-lines/order.json"
    ))
    .expect("order");
    edit(&mut order);
    order.to_string()
}

fn plan_waiting(order: &str, policy: &OrderPolicy) -> super::OrderPlan {
    plan_order(
        order,
        &two_lines_catalogue(),
        &[],
        &[],
        policy,
        "2026-11-27T12:00:00Z",
    )
    .expect("a plan")
}

fn codes(plan: &super::OrderPlan) -> Vec<(&str, crate::common::exception::Severity)> {
    plan.exceptions
        .iter()
        .map(|e| (e.code.as_str(), e.severity))
        .collect()
}

#[test]
fn an_order_in_a_state_mirakl_added_is_planned_as_none_with_a_note() {
    use crate::common::exception::Severity;
    let order = waiting(|o| o["order_state"] = json!("WAITING_SCORING_REVIEW"));
    let plan = plan_waiting(&order, &OrderPolicy::default());
    assert_eq!(plan.action, Action::None);
    assert!(plan.lines.is_empty() && plan.fulfil_order.is_none());
    assert_eq!(codes(&plan), vec![("unknown_order_state", Severity::Info)]);
    assert!(
        plan.exceptions[0]
            .message
            .contains("WAITING_SCORING_REVIEW")
    );
}

#[test]
fn a_line_in_an_unknown_state_holds_an_order_awaiting_acceptance() {
    let order = waiting(|o| o["order_lines"][1]["order_line_state"] = json!("ON_SCORING"));
    let plan = plan_waiting(&order, &OrderPolicy::default());
    assert_eq!(plan.action, Action::Hold);
    let codes: Vec<&str> = plan.exceptions.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, vec!["unknown_line_state", "order_held"]);
    assert!(plan.exceptions[1].message.contains("unknown_line_state"));
}

#[test]
fn an_order_in_another_currency_is_held_for_finance() {
    use crate::common::exception::{Severity, Team};
    let order = waiting(|o| o["currency_iso_code"] = json!("EUR"));
    let plan = plan_waiting(&order, &OrderPolicy::default());
    assert_eq!(plan.action, Action::Hold);
    let e = &plan.exceptions[0];
    assert_eq!(
        (e.code.as_str(), e.team, e.severity),
        ("currency_unexpected", Team::Finance, Severity::Blocking)
    );
    assert!(
        e.message.contains("\"EUR\"") && e.message.contains("GBP"),
        "{}",
        e.message
    );
    // The channel's currency is configuration.
    let euro = OrderPolicy {
        currency: "EUR".into(),
        ..OrderPolicy::default()
    };
    assert_eq!(plan_waiting(&order, &euro).action, Action::Accept);
}

#[test]
fn planning_after_the_acceptance_deadline_raises_acceptance_overdue() {
    use crate::common::exception::{Severity, Team};
    // Created 2026-11-26T08:14:09Z: the 48 h deadline is 2026-11-28T08:14:09Z.
    let order = waiting(|_| {});
    let before = plan_order(
        &order,
        &two_lines_catalogue(),
        &[],
        &[],
        &OrderPolicy::default(),
        "2026-11-28T08:14:08Z",
    )
    .expect("plan");
    assert!(before.exceptions.is_empty(), "{:?}", before.exceptions);
    let after = plan_order(
        &order,
        &two_lines_catalogue(),
        &[],
        &[],
        &OrderPolicy::default(),
        "2026-11-28T10:44:09Z",
    )
    .expect("plan");
    let e = &after.exceptions[0];
    assert_eq!(
        (e.code.as_str(), e.team, e.severity),
        ("acceptance_overdue", Team::Operations, Severity::Blocking)
    );
    assert!(
        e.message.contains("2026-11-28T08:14:09Z, passed 2h30 ago"),
        "{}",
        e.message
    );
    assert_eq!(after.action, Action::Accept, "the decision is still sent");
}

#[test]
fn an_or11_page_is_an_error_that_says_what_to_pass() {
    let page = include_str!("../../../fixtures/orders/or11-page/page.json");
    let err = plan_order(
        page,
        &[],
        &[],
        &[],
        &OrderPolicy::default(),
        "2026-11-27T12:00:00Z",
    )
    .expect_err("a page is not an order");
    assert_eq!(err.code, "invalid_order");
    assert!(
        err.message.contains("OR11 page")
            && err.message.contains("2 orders")
            && err.message.contains(".orders[0]"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("missing field"), "{}", err.message);
}

/// The paid `awkward-vat` order with its addresses changed by `edit`.
fn paid(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut order: serde_json::Value = serde_json::from_str(include_str!(
        "../../../fixtures/orders/awkward-vat/order.json"
    ))
    .expect("order");
    edit(&mut order);
    order.to_string()
}

fn plan_paid(order: &str, policy: &OrderPolicy) -> super::OrderPlan {
    let catalogue: Vec<Product> = serde_json::from_str(include_str!(
        "../../../fixtures/orders/awkward-vat/catalogue.json"
    ))
    .expect("catalogue");
    plan_order(order, &catalogue, &[], &[], policy, "2026-11-27T12:00:00Z").expect("a plan")
}

#[test]
fn only_a_truly_unknown_country_blocks_the_order() {
    let atlantis = paid(|o| {
        for kind in ["shipping_address", "billing_address"] {
            o["customer"][kind]["country_iso_code"] = json!(null);
            o["customer"][kind]["country"] = json!("Atlantis");
        }
    });
    // A default country does not overrule a name the address does give.
    let with_default = OrderPolicy {
        default_country: Some("GB".into()),
        ..OrderPolicy::default()
    };
    let plan = plan_paid(&atlantis, &with_default);
    assert!(plan.fulfil_order.is_none());
    let invalid: Vec<&str> = plan
        .exceptions
        .iter()
        .filter(|e| e.code == "address_invalid")
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(invalid.len(), 1, "one per order: {invalid:?}");
    assert!(invalid[0].contains("\"Atlantis\""), "{}", invalid[0]);

    let nothing = paid(|o| {
        for kind in ["shipping_address", "billing_address"] {
            o["customer"][kind]["country_iso_code"] = json!(null);
            o["customer"][kind]["country"] = json!(null);
        }
    });
    let plan = plan_paid(&nothing, &OrderPolicy::default());
    assert!(plan.fulfil_order.is_none());
    assert!(
        plan.exceptions
            .iter()
            .any(|e| e.code == "address_invalid" && e.message.contains("default_country")),
        "{:?}",
        plan.exceptions
    );
    let plan = plan_paid(&nothing, &with_default);
    let sale: serde_json::Value =
        serde_json::from_str(plan.fulfil_order.as_deref().expect("created")).expect("json");
    assert_eq!(sale["shipping_address"]["country_code"], "GB");
}

#[test]
fn an_unknown_tax_mode_blocks_the_fulfil_order_but_not_the_batch() {
    use crate::common::exception::{Severity, Team};
    let order = paid(|o| o["order_tax_mode"] = json!("TAX_MIXED"));
    let plan = plan_paid(&order, &OrderPolicy::default());
    assert!(plan.fulfil_order.is_none());
    let e = &plan.exceptions[0];
    assert_eq!(
        (e.code.as_str(), e.team, e.severity),
        ("unknown_tax_mode", Team::Finance, Severity::Blocking)
    );
    // Awaiting acceptance, the tax mode does not matter yet.
    let waiting = waiting(|o| o["order_tax_mode"] = json!("TAX_MIXED"));
    assert_eq!(
        plan_waiting(&waiting, &OrderPolicy::default()).action,
        Action::Accept
    );
}
