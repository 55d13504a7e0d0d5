//! Whether a dispatch request whose outcome was unknown took effect, judged from what John
//! Lewis shows when read again: OR23 (the order carries the tracking), OR24 (the order is
//! shipped or later), ST01 (ST11 lists a shipment with its lines and tracking).

use serde_json::Value;

use crate::common::mirakl_order::DISPATCHED_STATES;

/// True when the OR11 `order` is shipped or later: nothing more is confirmed for it.
pub fn order_shipped(order: &Value) -> bool {
    order
        .get("order_state")
        .and_then(Value::as_str)
        .is_some_and(|state| DISPATCHED_STATES.contains(&state))
}

/// True when the OR11 `order` carries the tracking the OR23 `body` sets: the same tracking
/// number, and the same carrier (by code, or by name for an unregistered one).
pub fn tracking_applied(order: &Value, body: &Value) -> bool {
    let number = text(body, "tracking_number");
    let carrier = match text(body, "carrier_code") {
        Some(code) => text(order, "shipping_carrier_code") == Some(code),
        None => text(order, "shipping_company") == text(body, "carrier_name"),
    };
    number.is_some() && text(order, "shipping_tracking") == number && carrier
}

/// True when `shipments` (ST11 `data`) hold the one shipment of the ST01 `body`: a shipment
/// of the same order with the same lines and quantities and, when the body gives one, the same
/// tracking number.
pub fn shipment_listed(shipments: &[Value], body: &Value) -> bool {
    let Some(wanted) = body
        .get("shipments")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
    else {
        return false;
    };
    let (order, want_lines, want_tracking) =
        (wanted.get("order_id"), lines(wanted), tracking(wanted));
    !want_lines.is_empty()
        && shipments.iter().any(|s| {
            s.get("order_id") == order
                && lines(s) == want_lines
                && (want_tracking.is_none() || tracking(s) == want_tracking)
        })
}

/// The text at `key` of a JSON object.
fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A shipment's (order line id, quantity) pairs, sorted.
fn lines(shipment: &Value) -> Vec<(&str, i64)> {
    let mut lines: Vec<(&str, i64)> = shipment
        .get("shipment_lines")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|l| Some((text(l, "order_line_id")?, l.get("quantity")?.as_i64()?)))
        .collect();
    lines.sort();
    lines
}

/// A shipment's tracking number.
fn tracking(shipment: &Value) -> Option<&str> {
    shipment
        .get("tracking")
        .and_then(|t| text(t, "tracking_number"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tracking_is_applied_when_the_order_shows_the_number_and_carrier() {
        let registered = json!({"carrier_code": "EVRI", "tracking_number": "T1"});
        let order = json!({"shipping_carrier_code": "EVRI", "shipping_tracking": "T1"});
        assert!(tracking_applied(&order, &registered));
        let other_number = json!({"shipping_carrier_code": "EVRI", "shipping_tracking": "T2"});
        assert!(!tracking_applied(&other_number, &registered));
        let other_carrier = json!({"shipping_carrier_code": "DPD", "shipping_tracking": "T1"});
        assert!(!tracking_applied(&other_carrier, &registered));

        let unregistered = json!({"carrier_name": "Local Vans", "tracking_number": "LV9"});
        let named = json!({"shipping_company": "Local Vans", "shipping_tracking": "LV9"});
        assert!(tracking_applied(&named, &unregistered));
        let renamed = json!({"shipping_company": "Other Vans", "shipping_tracking": "LV9"});
        assert!(!tracking_applied(&renamed, &unregistered));
        // No number in the body: nothing shows it applied.
        assert!(!tracking_applied(&order, &json!({"carrier_code": "EVRI"})));
    }

    #[test]
    fn shipped_means_shipped_or_later() {
        for state in ["SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"] {
            assert!(order_shipped(&json!({"order_state": state})), "{state}");
        }
        for state in ["SHIPPING", "WAITING_ACCEPTANCE", "CANCELED", "REFUSED", ""] {
            assert!(!order_shipped(&json!({"order_state": state})), "{state}");
        }
        assert!(!order_shipped(&json!({"order_id": "JL-1"})));
    }

    #[test]
    fn an_st01_is_applied_only_when_a_shipment_has_its_lines_and_tracking() {
        let body = json!({"shipments": [{"order_id": "JL-1", "shipped": true,
            "shipment_lines": [{"order_line_id": "JL-1-2", "quantity": 2}, {"order_line_id": "JL-1-1", "quantity": 1}],
            "tracking": {"carrier_code": "EVRI", "tracking_number": "T1"}}]});
        let shipment = |lines: Value, tracking: &str| {
            json!({"id": "s", "order_id": "JL-1", "shipment_lines": lines,
                   "tracking": {"tracking_number": tracking}})
        };
        let same = json!([{"order_line_id": "JL-1-1", "quantity": 1}, {"order_line_id": "JL-1-2", "quantity": 2}]);
        assert!(shipment_listed(&[shipment(same.clone(), "T1")], &body));
        assert!(!shipment_listed(&[shipment(same, "T2")], &body));
        assert!(!shipment_listed(
            &[shipment(
                json!([{"order_line_id": "JL-1-2", "quantity": 2}]),
                "T1"
            )],
            &body
        ));
        assert!(!shipment_listed(&[], &body));
        assert!(!shipment_listed(&[], &Value::Null));
    }
}
