//! Reader tests: real orders read exactly, damaged ones judged like serde_json judges them.

use super::*;

const ORDER: &str = include_str!("../../../../fixtures/orders/shipping-gift-multiline/order.json");

/// The reader's verdict agrees with serde_json's on the document's syntax: text serde_json
/// rejects is always an error, and text it accepts is never called malformed.
fn agrees_with_serde_json(text: &str) {
    let ours = MiraklOrder::parse(text);
    let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    match (&ours, serde_ok) {
        (Ok(_), false) => panic!("accepted malformed JSON: {text}"),
        (Err(e), true) if e.code == "invalid_json" => {
            panic!("called valid JSON malformed ({}): {text}", e.message)
        }
        _ => {}
    }
}

#[test]
fn reads_a_real_order_exactly() {
    let order = MiraklOrder::parse(ORDER).expect("fixture");
    assert_eq!(order.order_id, "JL-20261126-0002-A");
    assert_eq!(order.order_lines.len(), 3);
    let line = &order.order_lines[0];
    assert_eq!(line.price, Decimal::parse("45").expect("d"));
    assert_eq!(
        line.shipping_taxes[0].amount,
        Decimal::parse("0.83").expect("d")
    );
    let address = order
        .customer
        .as_ref()
        .and_then(|c| c.shipping_address.as_ref());
    assert_eq!(
        address.and_then(|a| a.street_2.as_deref()),
        Some("41 Marlowe Street")
    );
    assert!(matches!(order.order_id, Text::Borrowed(_)), "no copy");
}

#[test]
fn every_truncation_is_an_error() {
    let text = ORDER.trim_end();
    for end in (0..text.len()).filter(|&end| text.is_char_boundary(end)) {
        let err = MiraklOrder::parse(&text[..end]).expect_err("truncated");
        assert!(
            err.code == "invalid_json" || err.code == "invalid_order",
            "{end}: {err:?}"
        );
    }
}

#[test]
fn damaged_orders_are_judged_like_serde_json_judges_them() {
    let compact = serde_json::from_str::<serde_json::Value>(ORDER)
        .expect("fixture")
        .to_string();
    for text in [ORDER, compact.as_str()] {
        for at in (0..text.len()).step_by(4) {
            for replacement in ["\"", "\\", "{", "]", ",", ":", "\u{1}", "x", "0", " ", ""] {
                let (Some(before), Some(after)) = (text.get(..at), text.get(at + 1..)) else {
                    continue;
                };
                agrees_with_serde_json(&format!("{before}{replacement}{after}"));
            }
        }
    }
}
