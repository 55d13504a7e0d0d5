//! Unit tests of `plan-return` beyond the golden cases: the RT21 bodies and the amounts of a
//! partial return to the penny.

use serde_json::{Value, json};

use super::*;

const ORDER: &str = include_str!("../../../fixtures/returns/partial-return/order.json");

fn plan(ret: Value, sale_id: Option<i64>, refusal: Option<&str>) -> ReturnPlan {
    let policy = ReturnPolicy::default();
    plan_return(
        ORDER,
        &ret.to_string(),
        &ReturnInput {
            shipped: &[],
            earlier: &[],
            sale_id,
            policy: &policy,
            now: "2026-12-07T12:00:00Z",
            refusal,
        },
    )
    .expect("plan")
}

fn ret(lines: Value) -> Value {
    json!({"id": "R-1", "state": "WAITING_ACCEPTANCE", "order_id": "JL-20261126-0002-A",
           "date_created": "2026-12-02T10:00:00Z", "return_lines": lines})
}

#[test]
fn a_valid_return_is_accepted_and_a_refusal_carries_its_reason() {
    let accepted = plan(
        ret(json!([{"order_line_id": "JL-20261126-0002-A-3", "quantity": 1}])),
        Some(7),
        None,
    );
    assert_eq!(accepted.requests.len(), 1);
    assert_eq!(accepted.requests[0].api, "RT21");
    assert_eq!(
        accepted.requests[0].body_value(),
        json!({"returns": [{"id": "R-1", "accepted": true}]})
    );
    let refused = plan(
        ret(json!([{"order_line_id": "JL-20261126-0002-A-3", "quantity": 1}])),
        Some(7),
        Some("RETURN_REJECTION_NOT_ELIGIBLE"),
    );
    assert!(refused.fulfil_return.is_none());
    assert_eq!(
        refused.requests[0].body_value(),
        json!({"returns": [{"id": "R-1", "accepted": false,
                                 "rejection_reason_code": "RETURN_REJECTION_NOT_ELIGIBLE"}]})
    );
}

#[test]
fn one_of_two_units_takes_back_half_the_line_to_the_penny() {
    // Line 2: two mugs for 24.00 including 4.00 VAT; one comes back: 10.00 net + 2.00 VAT.
    let plan = plan(
        ret(json!([{"order_line_id": "JL-20261126-0002-A-2", "quantity": 1}])),
        Some(7),
        None,
    );
    let sale: Value =
        serde_json::from_str(plan.fulfil_return.as_deref().expect("sale")).expect("json");
    assert_eq!(sale["amount"], "-12.00");
    assert_eq!(sale["origin"], "sale.sale,7");
    assert_eq!(sale["reference"], "JL-20261126-0002");
    assert_eq!(sale["channel_identifier"], "R-1");
    let line = &sale["sale_lines"][0];
    assert_eq!(line["quantity"], -1);
    assert_eq!(line["unit_price"], "10.00");
    assert_eq!(line["amount"], "-10.00");
    assert_eq!(line["tax_lines"][0]["amount"], "-2.00");
}

#[test]
fn bad_input_is_an_error_not_a_trap() {
    let policy = ReturnPolicy::default();
    let input = ReturnInput {
        shipped: &[],
        earlier: &[],
        sale_id: None,
        policy: &policy,
        now: "2026-12-07T12:00:00Z",
        refusal: None,
    };
    for text in ["", "[]", "{\"id\": 1}", "{\"id\": \"R\", \"state\": \"X\"}"] {
        assert!(plan_return(ORDER, text, &input).is_err(), "{text:?}");
    }
    let other_order = ret(json!([]))
        .to_string()
        .replace("JL-20261126-0002-A\"", "JL-9\"");
    assert!(plan_return(ORDER, &other_order, &input).is_err());
}
