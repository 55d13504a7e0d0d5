//! Bad input never traps the component: malformed JSON, wrong types and absurd sizes come back
//! as typed errors, values Mirakl may add (states, tax modes) as plans with an exception, and
//! the same instance keeps working afterwards.

use jlm::domain::inventory::PendingOrder;
use jlm::domain::orders::{Offer, Product};
use jlm::runtime::{OrderInput, Runtime};

const GOOD: &str = include_str!("../fixtures/orders/accept-two-lines/order.json");

fn plan_error_code(session: &mut jlm::runtime::Session, order: &str, now: &str) -> String {
    let catalogue: Vec<Product> = Vec::new();
    let offers: Vec<Offer> = Vec::new();
    let policy = jlm::config::Config::default().orders.policy();
    let input = OrderInput {
        catalogue: &catalogue,
        offers: &offers,
        committed: &[],
        policy: &policy,
        now,
    };
    match session
        .plan_order(order, &input)
        .expect("the component must not trap")
    {
        Ok(plan) => panic!("expected an error, got a plan for {}", plan.order_id),
        Err(e) => {
            assert!(!e.message.is_empty());
            e.code
        }
    }
}

#[test]
fn bad_orders_are_typed_errors_not_traps() {
    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    let now = "2026-11-27T12:00:00Z";
    let good: serde_json::Value = serde_json::from_str(GOOD).expect("fixture");

    assert_eq!(
        plan_error_code(&mut session, "{not json", now),
        "invalid_json"
    );
    assert_eq!(plan_error_code(&mut session, "", now), "invalid_json");
    assert_eq!(plan_error_code(&mut session, "[]", now), "invalid_order");
    assert_eq!(
        plan_error_code(&mut session, r#"{"order_id": 7}"#, now),
        "invalid_order"
    );

    let mut missing_lines = good.clone();
    missing_lines
        .as_object_mut()
        .expect("object")
        .remove("order_lines");
    assert_eq!(
        plan_error_code(&mut session, &missing_lines.to_string(), now),
        "invalid_order"
    );

    let mut wrong_type = good.clone();
    wrong_type["order_lines"][0]["quantity"] = serde_json::json!("two");
    assert_eq!(
        plan_error_code(&mut session, &wrong_type.to_string(), now),
        "invalid_order"
    );

    let mut deep = String::new();
    (0..10_000).for_each(|_| deep.push('['));
    let code = plan_error_code(&mut session, &deep, now);
    assert!(code == "invalid_json" || code == "invalid_order", "{code}");

    let huge = format!(r#"{{"order_id": "{}"}}"#, "x".repeat(10 * 1024 * 1024));
    assert_eq!(plan_error_code(&mut session, &huge, now), "input_too_large");

    assert_eq!(
        plan_error_code(&mut session, GOOD, "yesterday"),
        "invalid_argument"
    );

    // The same instance still plans a good order.
    let catalogue = vec![
        Product {
            sku: "JL-CUSH-007".into(),
            ean: None,
            available: 10,
        },
        Product {
            sku: "JL-VASE-005".into(),
            ean: None,
            available: 10,
        },
    ];
    let policy = jlm::config::Config::default().orders.policy();
    let input = OrderInput {
        catalogue: &catalogue,
        offers: &[],
        committed: &[],
        policy: &policy,
        now,
    };
    let plan = session
        .plan_order(GOOD, &input)
        .expect("no trap")
        .expect("a plan");
    assert_eq!(plan.order_id, good["order_id"].as_str().expect("id"));

    // A state Mirakl added is planned (nothing to do), not an error that stops the batch.
    let mut unknown_state = good.clone();
    unknown_state["order_state"] = serde_json::json!("TELEPORTED");
    let plan = session
        .plan_order(&unknown_state.to_string(), &input)
        .expect("no trap")
        .expect("a plan");
    assert_eq!(plan.action, jlm::domain::orders::Action::None);
    let codes: Vec<&str> = plan.exceptions.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes[0], "unknown_order_state", "{codes:?}");
    assert!(!session.is_poisoned());
}

#[test]
fn damaged_orders_never_trap_the_component() {
    let order = include_str!("../fixtures/orders/shipping-gift-multiline/order.json");
    let order: serde_json::Value = serde_json::from_str(order).expect("fixture");
    let order = order.to_string();
    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    let policy = jlm::config::Config::default().orders.policy();
    let input = OrderInput {
        catalogue: &[],
        offers: &[],
        committed: &[],
        policy: &policy,
        now: "2026-11-27T12:00:00Z",
    };
    let (mut plans, mut errors) = (0, 0);
    for at in (0..order.len()).step_by(2) {
        if !order.is_char_boundary(at) || !order.is_char_boundary(at + 1) {
            continue;
        }
        for replacement in ["\"", "\\", "}", "[", "9", "-", "\u{0}", ""] {
            let damaged = format!("{}{replacement}{}", &order[..at], &order[at + 1..]);
            match session
                .plan_order(&damaged, &input)
                .unwrap_or_else(|fault| panic!("trapped at byte {at} ({replacement:?}): {fault}"))
            {
                Ok(_) => plans += 1,
                Err(e) => {
                    assert!(
                        ["invalid_json", "invalid_order"].contains(&e.code.as_str()),
                        "{}",
                        e.code
                    );
                    errors += 1;
                }
            }
        }
    }
    assert!(plans > 0 && errors > 0, "{plans} plans, {errors} errors");
    assert!(!session.is_poisoned());
}

#[test]
fn order_holds_reads_what_it_can_and_never_traps() {
    let order = include_str!("../fixtures/orders/accept-two-lines/order.json");
    let order: serde_json::Value = serde_json::from_str(order).expect("fixture");
    let order = order.to_string();
    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    let huge = format!("{{\"order_id\":\"{}\"}}", "x".repeat(10 << 20));
    let orders = vec![
        order.clone(),
        String::new(),
        "{".into(),
        "[1,2,3]".into(),
        "{\"order_lines\": 7}".into(),
        huge,
        order[..order.len() / 2].to_string(),
    ];
    let held = |orders: &[String], session: &mut jlm::runtime::Session| -> Vec<(String, i64)> {
        let pending: Vec<PendingOrder> = orders
            .iter()
            .map(|order| PendingOrder {
                order: order.clone(),
                refused_lines: Vec::new(),
            })
            .collect();
        let count = pending.len();
        let holds = session.order_holds(pending).expect("no trap");
        assert_eq!(holds.len(), count, "one list per order");
        holds
            .into_iter()
            .flatten()
            .map(|c| (c.sku, c.quantity))
            .collect()
    };
    assert_eq!(
        held(&orders, &mut session),
        [
            ("JL-CUSH-007".to_string(), 2),
            ("JL-VASE-005".to_string(), 1)
        ],
        "only the readable order holds stock"
    );
    assert!(!session.is_poisoned());
}
