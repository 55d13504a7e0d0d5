//! Unit tests of `plan_dispatch`; the golden cases live in `tests/golden_dispatch.rs`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;

const OID: &str = "JL-20261126-0002-A";

/// A SHIPPING order: line 1 `JL-THROW-014` ×1, line 2 `JL-MUG-001` ×2, line 3
/// `JL-CANDLE-021` ×1 (state per line from `states`).
fn order_with(state: &str, states: [&str; 3]) -> String {
    let line = |n: usize, sku: &str, quantity: i64| {
        json!({
            "order_line_id": format!("{OID}-{n}"),
            "order_line_state": states[n - 1],
            "offer_sku": sku,
            "quantity": quantity,
            "price": 10.0,
        })
    };
    json!({
        "order_id": OID,
        "commercial_id": "JL-20261126-0002",
        "order_state": state,
        "order_lines": [line(1, "JL-THROW-014", 1), line(2, "JL-MUG-001", 2), line(3, "JL-CANDLE-021", 1)],
    })
    .to_string()
}

fn order() -> String {
    order_with("SHIPPING", ["SHIPPING"; 3])
}

fn line(n: usize, sku: &str, quantity: i64) -> ShipmentLine {
    ShipmentLine {
        line_id: format!("{OID}-{n}"),
        sku: sku.into(),
        quantity,
    }
}

fn all_lines() -> Vec<ShipmentLine> {
    vec![
        line(1, "JL-THROW-014", 1),
        line(2, "JL-MUG-001", 2),
        line(3, "JL-CANDLE-021", 1),
    ]
}

fn shipment(carrier: &str, service: Option<&str>, tracking: Option<&str>) -> Shipment {
    Shipment {
        id: 30211,
        order: OID.into(),
        carrier: carrier.into(),
        service: service.map(str::to_string),
        tracking_number: tracking.map(str::to_string),
        lines: all_lines(),
    }
}

fn mapping(carrier: &str, service: Option<&str>, code: &str) -> CarrierMapping {
    CarrierMapping {
        fulfil_carrier: carrier.into(),
        fulfil_service: service.map(str::to_string),
        jl_code: code.into(),
        tracking_format: None,
        registered: true,
        name: None,
        tracking_url_template: None,
    }
}

fn courier() -> CarrierMapping {
    CarrierMapping {
        registered: false,
        name: Some("Bloomsbury Couriers".into()),
        tracking_url_template: Some("https://track.example/parcel/{tracking}".into()),
        ..mapping("Bloomsbury", None, "")
    }
}

fn policy() -> DispatchPolicy {
    DispatchPolicy {
        carriers: vec![
            CarrierMapping {
                tracking_format: Some("AA999999999GB".into()),
                ..mapping("Royal Mail", None, "ROYAL-MAIL")
            },
            mapping(
                "Royal Mail",
                Some("Special Delivery Guaranteed"),
                "ROYAL-MAIL-SD",
            ),
            mapping("DPD", None, "DPD-UK"),
            mapping("Parcelforce", None, "PARCELFORCE"),
            courier(),
        ],
        multi_shipment: false,
    }
}

const SH21: &str = r#"{"carriers":[
    {"code":"DPD-UK","label":"DPD","standard_code":"DPD","tracking_url":"https://track.dpd.co.uk/parcels/{trackingId}"},
    {"code":"ROYAL-MAIL","label":"Royal Mail","standard_code":"ROYAL_MAIL","tracking_url":"https://www.royalmail.com/track-your-item#/tracking-results/{trackingId}"},
    {"code":"ROYAL-MAIL-SD","label":"Royal Mail Special Delivery","standard_code":"ROYAL_MAIL","tracking_url":"https://www.royalmail.com/track-your-item#/tracking-results/{trackingId}"}
]}"#;

fn plan(s: &Shipment) -> DispatchPlan {
    plan_dispatch(&order(), s, Some(SH21), &policy(), &[]).unwrap()
}

fn codes(plan: &DispatchPlan) -> Vec<&str> {
    plan.exceptions.iter().map(|e| e.code.as_str()).collect()
}

fn apis(plan: &DispatchPlan) -> Vec<&str> {
    plan.requests.iter().map(|r| r.api.as_str()).collect()
}

#[test]
fn complete_shipment_sends_tracking_then_ship() {
    let p = plan(&shipment(
        "Royal Mail",
        Some("Tracked 24"),
        Some("TT482019412GB"),
    ));
    assert_eq!(codes(&p), Vec::<&str>::new());
    assert!(p.complete);
    assert_eq!(
        p.requests,
        vec![
            MiraklRequest::with_body(
                "OR23",
                format!("/api/orders/{OID}/tracking"),
                &json!({"carrier_code": "ROYAL-MAIL", "tracking_number": "TT482019412GB"}),
            ),
            MiraklRequest::bodiless("OR24", format!("/api/orders/{OID}/ship")),
        ]
    );
    let wire = serde_json::to_value(&p).unwrap();
    assert_eq!(wire["requests"][1]["body"], Value::Null);
    assert_eq!(wire["exceptions"], json!([]));
    assert_eq!(wire["complete"], json!(true));
}

#[test]
fn order_id_is_url_encoded_in_the_path() {
    let text = order().replace(OID, "JL 1/A?");
    let mut s = shipment("DPD", None, Some("15501234567890"));
    s.order = "JL 1/A?".into();
    for l in &mut s.lines {
        l.line_id = l.line_id.replace(OID, "JL 1/A?");
    }
    let p = plan_dispatch(&text, &s, None, &policy(), &[]).unwrap();
    assert_eq!(p.requests[0].path, "/api/orders/JL%201%2FA%3F/tracking");
    assert_eq!(p.requests[1].path, "/api/orders/JL%201%2FA%3F/ship");
}

#[test]
fn service_entry_beats_carrier_wide_entry() {
    let p = plan(&shipment(
        "Royal Mail",
        Some("Special Delivery Guaranteed"),
        Some("AB123456789GB"),
    ));
    assert_eq!(p.requests[0].body_value()["carrier_code"], "ROYAL-MAIL-SD");

    // Same result whatever the order of the table, and names compare trimmed, case-insensitively.
    let mut reversed = policy();
    reversed.carriers.reverse();
    let s = shipment(
        " royal MAIL ",
        Some("special delivery guaranteed "),
        Some("X"),
    );
    let p = plan_dispatch(&order(), &s, Some(SH21), &reversed, &[]).unwrap();
    assert_eq!(p.requests[0].body_value()["carrier_code"], "ROYAL-MAIL-SD");

    // Another service, or none, falls back to the carrier-wide entry.
    for service in [Some("Tracked 48"), None, Some("  ")] {
        let p = plan(&shipment("Royal Mail", service, Some("TT482019412GB")));
        assert_eq!(
            p.requests[0].body_value()["carrier_code"],
            "ROYAL-MAIL",
            "{service:?}"
        );
    }
}

#[test]
fn service_only_entries_do_not_cover_other_services() {
    let policy = DispatchPolicy {
        carriers: vec![mapping("Evri", Some("Next Day"), "EVRI")],
        multi_shipment: false,
    };
    let ok = plan_dispatch(
        &order(),
        &shipment("Evri", Some("Next Day"), Some("H01")),
        None,
        &policy,
        &[],
    )
    .unwrap();
    assert_eq!(apis(&ok), ["OR23", "OR24"]);
    let p = plan_dispatch(
        &order(),
        &shipment("Evri", Some("Standard"), Some("H01")),
        None,
        &policy,
        &[],
    )
    .unwrap();
    assert_eq!(codes(&p), ["unmapped_carrier"]);
    assert!(p.requests.is_empty());
}

#[test]
fn unmapped_carrier_blocks_everything() {
    for carrier in ["Evri", "", "  "] {
        let p = plan(&shipment(carrier, Some("Next Day"), Some("H01")));
        assert_eq!(codes(&p), ["unmapped_carrier"], "{carrier:?}");
        assert!(p.requests.is_empty());
        assert!(!p.complete);
        let e = &p.exceptions[0];
        assert_eq!((e.team, e.severity), (Team::Operations, Severity::Blocking));
        assert_eq!(e.subject, "30211");
    }
}

#[test]
fn code_missing_from_sh21_is_not_approved() {
    let p = plan(&shipment("Parcelforce", None, Some("PB123456789GB")));
    assert_eq!(codes(&p), ["carrier_not_approved"]);
    assert!(p.requests.is_empty());
    assert!(p.exceptions[0].message.contains("\"PARCELFORCE\""));
    assert!(
        p.exceptions[0]
            .message
            .contains("ROYAL-MAIL-SD (Royal Mail Special Delivery)")
    );

    // Without a carrier list the check is skipped.
    let s = shipment("Parcelforce", None, Some("PB123456789GB"));
    let p = plan_dispatch(&order(), &s, None, &policy(), &[]).unwrap();
    assert_eq!(apis(&p), ["OR23", "OR24"]);

    // An empty list approves nothing.
    let p = plan_dispatch(&order(), &s, Some(r#"{"carriers":[]}"#), &policy(), &[]).unwrap();
    assert_eq!(codes(&p), ["carrier_not_approved"]);
}

#[test]
fn unregistered_carrier_sends_name_and_carrier_url() {
    let p = plan(&shipment("Bloomsbury", None, Some("BC-7731 02")));
    assert_eq!(codes(&p), Vec::<&str>::new());
    assert_eq!(
        p.requests[0].body_value(),
        json!({
            "carrier_name": "Bloomsbury Couriers",
            "carrier_url": "https://track.example/parcel/BC-7731%2002",
            "tracking_number": "BC-7731 02",
        })
    );
    let body = p.requests[0].body_value();
    assert!(body.get("tracking_url").is_none());
    assert!(body.get("carrier_code").is_none());
    assert_eq!(apis(&p), ["OR23", "OR24"]);
}

#[test]
fn unregistered_carrier_without_tracking_number() {
    // The template needs the number: no URL, no number, still shipped.
    let p = plan(&shipment("Bloomsbury", None, None));
    assert_eq!(
        p.requests[0].body_value(),
        json!({"carrier_name": "Bloomsbury Couriers"})
    );
    assert_eq!(apis(&p), ["OR23", "OR24"]);

    // A fixed URL is sent as is; the name defaults to the Fulfil carrier.
    let policy = DispatchPolicy {
        carriers: vec![CarrierMapping {
            name: None,
            tracking_url_template: Some("https://courier.example/track".into()),
            ..courier()
        }],
        multi_shipment: false,
    };
    let p = plan_dispatch(
        &order(),
        &shipment(" Bloomsbury ", None, None),
        Some(SH21),
        &policy,
        &[],
    )
    .unwrap();
    assert_eq!(
        p.requests[0].body_value(),
        json!({"carrier_name": "Bloomsbury", "carrier_url": "https://courier.example/track"})
    );
}

#[test]
fn tracking_number_is_required_and_checked() {
    for bad in [None, Some(""), Some("   ")] {
        let p = plan(&shipment("DPD", None, bad));
        assert_eq!(codes(&p), ["tracking_invalid"], "{bad:?}");
        assert!(p.requests.is_empty());
    }
    for bad in [
        "TT48201941GB",
        "tt482019412GB",
        "TT482019412FR",
        "TT 482019412GB",
    ] {
        let p = plan(&shipment("Royal Mail", Some("Tracked 24"), Some(bad)));
        assert_eq!(codes(&p), ["tracking_invalid"], "{bad}");
        assert!(p.exceptions[0].message.contains("\"AA999999999GB\""));
    }
    // Surrounding spaces are trimmed before the check and in what is sent.
    let p = plan(&shipment("Royal Mail", None, Some(" TT482019412GB\n")));
    assert_eq!(
        p.requests[0].body_value()["tracking_number"],
        "TT482019412GB"
    );
    // Control characters are never sent.
    let p = plan(&shipment("DPD", None, Some("1550\u{7}1234")));
    assert_eq!(codes(&p), ["tracking_invalid"]);
    // A format applies to unregistered carriers too, so their number becomes required.
    let policy = DispatchPolicy {
        carriers: vec![CarrierMapping {
            tracking_format: Some("AA-9999".into()),
            ..courier()
        }],
        multi_shipment: false,
    };
    let p = plan_dispatch(
        &order(),
        &shipment("Bloomsbury", None, None),
        None,
        &policy,
        &[],
    )
    .unwrap();
    assert_eq!(codes(&p), ["tracking_invalid"]);
    let p = plan_dispatch(
        &order(),
        &shipment("Bloomsbury", None, Some("BC-7731")),
        None,
        &policy,
        &[],
    )
    .unwrap();
    assert_eq!(apis(&p), ["OR23", "OR24"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut s = shipment("Parcelforce", None, None);
    s.lines.push(line(9, "JL-NOPE", 1));
    let p = plan(&s);
    assert_eq!(
        codes(&p),
        [
            "dispatch_mismatch",
            "carrier_not_approved",
            "tracking_invalid"
        ]
    );
    assert!(p.requests.is_empty());
}

#[test]
fn partial_shipment_sends_tracking_only() {
    let mut s = shipment("DPD", None, Some("15501234567890"));
    s.lines = vec![line(1, "JL-THROW-014", 1), line(2, "JL-MUG-001", 1)];
    let p = plan(&s);
    assert_eq!(apis(&p), ["OR23"]);
    assert!(!p.complete);
    assert_eq!(codes(&p), ["partial_dispatch"]);
    let e = &p.exceptions[0];
    assert_eq!((e.team, e.severity), (Team::Operations, Severity::Info));
    assert!(
        e.message
            .contains(&format!("{OID}-2 (1 of 2), {OID}-3 (1 of 1)")),
        "{}",
        e.message
    );

    // The rest, later: complete with the ledger of the first shipment.
    let shipped = [
        ShippedLine {
            line_id: format!("{OID}-1"),
            quantity: 1,
        },
        ShippedLine {
            line_id: format!("{OID}-2"),
            quantity: 1,
        },
    ];
    s.lines = vec![line(2, "JL-MUG-001", 1), line(3, "JL-CANDLE-021", 1)];
    let p = plan_dispatch(&order(), &s, Some(SH21), &policy(), &shipped).unwrap();
    assert_eq!(apis(&p), ["OR23", "OR24"]);
    assert!(p.complete);
    assert!(p.exceptions.is_empty());
}

#[test]
fn refused_and_cancelled_lines_do_not_need_shipping() {
    let text = order_with("SHIPPING", ["SHIPPING", "REFUSED", "CANCELED"]);
    let mut s = shipment("DPD", None, Some("15501234567890"));
    s.lines = vec![line(1, "JL-THROW-014", 1)];
    let p = plan_dispatch(&text, &s, None, &policy(), &[]).unwrap();
    assert_eq!(apis(&p), ["OR23", "OR24"]);
    assert!(p.complete);
}

#[test]
fn shipping_a_refused_line_is_a_mismatch() {
    let text = order_with("SHIPPING", ["SHIPPING", "REFUSED", "SHIPPING"]);
    let p = plan_dispatch(
        &text,
        &shipment("DPD", None, Some("1")),
        None,
        &policy(),
        &[],
    )
    .unwrap();
    assert_eq!(codes(&p), ["dispatch_mismatch"]);
    assert!(p.requests.is_empty());
    assert!(
        p.exceptions[0]
            .message
            .contains(&format!("line {OID}-2 (\"JL-MUG-001\") is REFUSED"))
    );
}

#[test]
fn lines_must_match_the_order() {
    let cases: Vec<(Vec<ShipmentLine>, &str)> = vec![
        (
            vec![line(7, "JL-THROW-014", 1)],
            "is not a line of the order",
        ),
        (
            vec![line(1, "JL-MUG-001", 1)],
            "ships \"JL-MUG-001\" but the customer ordered \"JL-THROW-014\"",
        ),
        (vec![line(1, "JL-THROW-014", 0)], "has quantity 0"),
        (vec![line(1, "JL-THROW-014", -1)], "has quantity -1"),
        (
            vec![line(2, "JL-MUG-001", 3)],
            "ships 3 now after 0 before, more than the 2 ordered",
        ),
        (
            vec![line(2, "JL-MUG-001", 2), line(2, "JL-MUG-001", 1)],
            "ships 3 now",
        ),
        (vec![], "the shipment has no lines"),
    ];
    for (lines, expected) in cases {
        let mut s = shipment("DPD", None, Some("15501234567890"));
        s.lines = lines;
        let p = plan(&s);
        assert_eq!(codes(&p), ["dispatch_mismatch"], "{expected}");
        assert!(
            p.exceptions[0].message.contains(expected),
            "{}",
            p.exceptions[0].message
        );
        assert!(p.requests.is_empty());
    }
}

#[test]
fn earlier_shipments_count_towards_the_ordered_quantity() {
    let shipped = [ShippedLine {
        line_id: format!("{OID}-2"),
        quantity: 2,
    }];
    let mut s = shipment("DPD", None, Some("15501234567890"));
    s.lines = vec![line(2, "JL-MUG-001", 1)];
    let p = plan_dispatch(&order(), &s, None, &policy(), &shipped).unwrap();
    assert_eq!(codes(&p), ["dispatch_mismatch"]);
    assert!(
        p.exceptions[0]
            .message
            .contains("ships 1 now after 2 before")
    );
}

#[test]
fn split_lines_are_added_up() {
    let mut s = shipment("DPD", None, Some("15501234567890"));
    s.lines = vec![
        line(2, "JL-MUG-001", 1),
        line(1, "JL-THROW-014", 1),
        line(2, "JL-MUG-001", 1),
    ];
    let mut multi = policy();
    multi.multi_shipment = true;
    let p = plan_dispatch(&order(), &s, None, &multi, &[]).unwrap();
    assert_eq!(
        p.requests[0].body_value()["shipments"][0]["shipment_lines"],
        json!([
            {"order_line_id": format!("{OID}-1"), "quantity": 1},
            {"order_line_id": format!("{OID}-2"), "quantity": 2},
        ])
    );
    assert!(!p.complete);
}

#[test]
fn multi_shipment_creates_a_shipped_shipment() {
    let mut multi = policy();
    multi.multi_shipment = true;
    let mut s = shipment("DPD", Some("Next Day"), Some("15501234567890"));
    s.lines = vec![line(1, "JL-THROW-014", 1)];
    let p = plan_dispatch(&order(), &s, Some(SH21), &multi, &[]).unwrap();
    assert!(
        p.exceptions.is_empty(),
        "partial shipments are normal with multi-shipment"
    );
    assert!(!p.complete);
    assert_eq!(
        p.requests,
        vec![MiraklRequest::with_body(
            "ST01",
            "/api/shipments".into(),
            &json!({"shipments": [{
                "order_id": OID,
                "shipment_lines": [{"order_line_id": format!("{OID}-1"), "quantity": 1}],
                "tracking": {"carrier_code": "DPD-UK", "tracking_number": "15501234567890"},
                "shipped": true,
            }]}),
        )]
    );

    // Unregistered: name, number and the URL under ST01's name `tracking_url`.
    let s = shipment("Bloomsbury", None, Some("BC7731"));
    let p = plan_dispatch(&order(), &s, Some(SH21), &multi, &[]).unwrap();
    assert!(p.complete);
    assert_eq!(
        p.requests[0].body_value()["shipments"][0]["tracking"],
        json!({
            "carrier_name": "Bloomsbury Couriers",
            "tracking_number": "BC7731",
            "tracking_url": "https://track.example/parcel/BC7731",
        })
    );
}

#[test]
fn dispatched_orders_give_an_empty_plan() {
    for state in ["SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"] {
        let text = order_with(state, [state; 3]);
        // Even an unmapped carrier: the order is done, a replay changes nothing.
        let p = plan_dispatch(
            &text,
            &shipment("Evri", None, None),
            Some(SH21),
            &policy(),
            &[],
        )
        .unwrap();
        assert_eq!(
            (p.requests, p.exceptions, p.complete),
            (vec![], vec![], true),
            "{state}"
        );
    }
}

#[test]
fn orders_not_yet_shipping_are_a_mismatch() {
    for state in [
        "WAITING_ACCEPTANCE",
        "WAITING_DEBIT_PAYMENT",
        "CANCELED",
        "REFUSED",
        "STAGING",
        // A state Mirakl added: nothing is sent, a person checks (never a failed batch).
        "LOST",
    ] {
        let text = order_with(state, [state; 3]);
        let p = plan_dispatch(
            &text,
            &shipment("DPD", None, Some("1")),
            Some(SH21),
            &policy(),
            &[],
        )
        .unwrap();
        assert_eq!(codes(&p), ["dispatch_mismatch"], "{state}");
        assert!(p.requests.is_empty());
        assert!(p.exceptions[0].message.contains(state));
    }
}

#[test]
fn unusable_input_is_a_plan_error() {
    let s = shipment("DPD", None, Some("1"));
    let err = |order: &str,
               carriers: Option<&str>,
               policy: &DispatchPolicy,
               shipped: &[ShippedLine],
               s: &Shipment| {
        plan_dispatch(order, s, carriers, policy, shipped)
            .unwrap_err()
            .code
    };
    assert_eq!(err("{", None, &policy(), &[], &s), "invalid_json");
    assert_eq!(err("[]", None, &policy(), &[], &s), "invalid_order");
    // The SH21 body is an argument: the wrong shape is `invalid_argument`, never
    // `invalid_order` (which is about the order).
    for body in [
        "{\"carriers\": 5}",
        "[]",
        "{}",
        "{\"carriers\": [{\"label\": \"x\"}]}",
    ] {
        assert_eq!(
            err(&order(), Some(body), &policy(), &[], &s),
            "invalid_argument",
            "{body}"
        );
    }
    assert_eq!(
        err(&order(), Some("nope"), &policy(), &[], &s),
        "invalid_json"
    );

    let mut other = s.clone();
    other.order = "JL-OTHER-A".into();
    assert_eq!(
        err(&order(), None, &policy(), &[], &other),
        "invalid_argument"
    );
    other.order = " ".into();
    assert_eq!(
        err(&order(), None, &policy(), &[], &other),
        "invalid_argument"
    );
    let mut long = s.clone();
    long.lines = vec![line(1, "JL-THROW-014", 1); MAX_SHIPMENT_LINES + 1];
    assert_eq!(
        err(&order(), None, &policy(), &[], &long),
        "invalid_argument"
    );

    let unknown = [ShippedLine {
        line_id: "JL-X-1".into(),
        quantity: 1,
    }];
    assert_eq!(
        err(&order(), None, &policy(), &unknown, &s),
        "invalid_argument"
    );
    let negative = [ShippedLine {
        line_id: format!("{OID}-1"),
        quantity: -1,
    }];
    assert_eq!(
        err(&order(), None, &policy(), &negative, &s),
        "invalid_argument"
    );

    let bad_policies = [
        vec![mapping("DPD", None, "A"), mapping(" dpd ", None, "B")],
        vec![
            mapping("DPD", Some("X"), "A"),
            mapping("DPD", Some("x "), "B"),
        ],
        vec![mapping("DPD", None, " ")],
        vec![mapping(" ", None, "DPD")],
        vec![CarrierMapping {
            tracking_format: Some("99|".into()),
            ..mapping("DPD", None, "A")
        }],
        vec![CarrierMapping {
            tracking_url_template: Some("ftp://x/{tracking}".into()),
            ..courier()
        }],
        vec![CarrierMapping {
            name: Some(" ".into()),
            ..courier()
        }],
    ];
    for carriers in bad_policies {
        let policy = DispatchPolicy {
            carriers,
            multi_shipment: false,
        };
        assert_eq!(
            err(&order(), None, &policy, &[], &s),
            "invalid_argument",
            "{policy:?}"
        );
    }
}

#[test]
fn policy_reads_from_json_with_defaults() {
    let policy: DispatchPolicy = serde_json::from_str(
        r#"{"carriers":[{"fulfil_carrier":"Royal Mail","jl_code":"ROYAL-MAIL"},
            {"fulfil_carrier":"Courier","registered":false,"name":"Local Courier"}]}"#,
    )
    .unwrap();
    assert!(!policy.multi_shipment);
    assert!(policy.carriers[0].registered);
    assert!(!policy.carriers[1].registered);
    assert!(policy.check().is_ok());
    assert!(
        serde_json::from_str::<DispatchPolicy>(
            r#"{"carriers":[{"fulfil_carrier":"X","tracking_fromat":"9"}]}"#
        )
        .is_err()
    );
    let s: Shipment = serde_json::from_str(
        r#"{"id":1,"order":"A","carrier":"DPD","lines":[{"line_id":"A-1","sku":"S","quantity":1}],"extra":true}"#,
    )
    .unwrap();
    assert_eq!((s.service, s.tracking_number), (None, None));
}

#[test]
fn never_panics_on_odd_input() {
    let text = order();
    let s = shipment("Royal Mail", Some("Tracked 24"), Some("TT482019412GB"));
    // Every prefix of a valid order: errors, never panics.
    for end in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
        let _ = plan_dispatch(&text[..end], &s, Some(SH21), &policy(), &[]);
    }
    for end in (0..SH21.len()).filter(|i| SH21.is_char_boundary(*i)) {
        let _ = plan_dispatch(&text, &s, Some(&SH21[..end]), &policy(), &[]);
    }
    // Extreme quantities saturate instead of overflowing.
    let mut huge = shipment("DPD", None, Some("1"));
    huge.lines = vec![
        line(2, "JL-MUG-001", i64::MAX),
        line(2, "JL-MUG-001", i64::MAX),
    ];
    let shipped = [
        ShippedLine {
            line_id: format!("{OID}-2"),
            quantity: i64::MAX,
        },
        ShippedLine {
            line_id: format!("{OID}-2"),
            quantity: i64::MAX,
        },
    ];
    let p = plan_dispatch(&text, &huge, None, &policy(), &shipped).unwrap();
    assert_eq!(codes(&p), ["dispatch_mismatch"]);
    // Odd characters in names, numbers and formats.
    let mut odd = shipment("😀", Some("\u{200B}"), Some("é\u{FEFF}"));
    odd.id = i64::MIN;
    let p = plan_dispatch(&text, &odd, Some(SH21), &policy(), &[]).unwrap();
    assert_eq!(codes(&p), ["unmapped_carrier"]);
    assert_eq!(p.exceptions[0].subject, i64::MIN.to_string());
    let too_big = " ".repeat(crate::common::error::MAX_INPUT_BYTES + 1);
    assert_eq!(
        plan_dispatch(&too_big, &s, None, &policy(), &[])
            .unwrap_err()
            .code,
        "input_too_large"
    );
}

#[test]
fn carrier_check_applies_the_dispatch_rule() {
    let check = |carrier: &str, service: Option<&str>, sh21: Option<&str>| {
        check_carrier(carrier, service, &policy(), sh21).unwrap()
    };
    let mapped = |code: &str, label: Option<&str>| CarrierCheck {
        status: "mapped".into(),
        jl_code: Some(code.into()),
        label: label.map(str::to_string),
    };

    // Carrier-wide entry, the SH21 label attached; names trimmed, case-insensitive.
    assert_eq!(
        check("Royal Mail", Some("Tracked 24"), Some(SH21)),
        mapped("ROYAL-MAIL", Some("Royal Mail"))
    );
    assert_eq!(
        check(" royal MAIL ", None, Some(SH21)),
        mapped("ROYAL-MAIL", Some("Royal Mail"))
    );
    // The service-specific entry wins; a blank service is no service.
    assert_eq!(
        check(
            "Royal Mail",
            Some(" special delivery guaranteed "),
            Some(SH21)
        ),
        mapped("ROYAL-MAIL-SD", Some("Royal Mail Special Delivery"))
    );
    assert_eq!(
        check("Royal Mail", Some("  "), Some(SH21)),
        mapped("ROYAL-MAIL", Some("Royal Mail"))
    );
    // Without the SH21 list: mapped, no label.
    assert_eq!(check("DPD", None, None), mapped("DPD-UK", None));

    // No entry: unmapped, whatever SH21 says.
    let unmapped = CarrierCheck {
        status: "unmapped".into(),
        jl_code: None,
        label: None,
    };
    assert_eq!(check("Evri", None, Some(SH21)), unmapped);
    assert_eq!(check("  ", Some("Tracked 24"), None), unmapped);

    // A code missing from SH21 is not approved; a list without labels gives none.
    assert_eq!(
        check("DPD", None, Some(r#"{"carriers":[{"code":"ROYAL-MAIL"}]}"#)),
        CarrierCheck {
            status: "not_approved".into(),
            jl_code: Some("DPD-UK".into()),
            label: None,
        }
    );
    assert_eq!(
        check(
            "DPD",
            None,
            Some(r#"{"carriers":[{"code":"DPD-UK","label":" "}]}"#)
        ),
        mapped("DPD-UK", None)
    );
    assert_eq!(
        check("DPD", None, Some(r#"{"carriers":[]}"#)).status,
        "not_approved"
    );

    // An unregistered carrier is sent by name: mapped, no code, SH21 not consulted.
    let by_name = DispatchPolicy {
        carriers: vec![courier()],
        multi_shipment: false,
    };
    assert_eq!(
        check_carrier("bloomsbury", None, &by_name, Some(r#"{"carriers":[]}"#)).unwrap(),
        CarrierCheck {
            status: "mapped".into(),
            jl_code: None,
            label: None,
        }
    );

    // Agrees with plan_dispatch on every case above.
    for (carrier, service, sh21, code) in [
        ("Evri", None, Some(SH21), Some("unmapped_carrier")),
        (
            "DPD",
            None,
            Some(r#"{"carriers":[{"code":"ROYAL-MAIL"}]}"#),
            Some("carrier_not_approved"),
        ),
        ("DPD", None, Some(SH21), None),
    ] {
        let p = plan_dispatch(
            &order(),
            &shipment(carrier, service, Some("1")),
            sh21,
            &policy(),
            &[],
        )
        .unwrap();
        assert_eq!(codes(&p).first().copied(), code, "{carrier}");
        let status = check_carrier(carrier, service, &policy(), sh21)
            .unwrap()
            .status;
        let expected = match code {
            Some("unmapped_carrier") => "unmapped",
            Some(_) => "not_approved",
            None => "mapped",
        };
        assert_eq!(status, expected, "{carrier}");
    }
}

#[test]
fn carrier_check_rejects_unusable_input() {
    let code = |policy: &DispatchPolicy, sh21: Option<&str>| {
        check_carrier("DPD", None, policy, sh21).unwrap_err().code
    };
    assert_eq!(code(&policy(), Some("nope")), "invalid_json");
    assert_eq!(
        code(&policy(), Some(r#"{"carriers":5}"#)),
        "invalid_argument"
    );
    let duplicate = DispatchPolicy {
        carriers: vec![mapping("DPD", None, "A"), mapping("dpd", None, "B")],
        multi_shipment: false,
    };
    assert_eq!(code(&duplicate, None), "invalid_argument");
    let too_big = "x".repeat(crate::common::error::MAX_INPUT_BYTES + 1);
    assert_eq!(
        check_carrier(&too_big, None, &policy(), None)
            .unwrap_err()
            .code,
        "input_too_large"
    );
}

/// The ledger of earlier shipments: units confirmed per order line.
fn ledger(shipped: &BTreeMap<String, i64>) -> Vec<ShippedLine> {
    shipped
        .iter()
        .map(|(line_id, quantity)| ShippedLine {
            line_id: line_id.clone(),
            quantity: *quantity,
        })
        .collect()
}

#[test]
fn ship_is_confirmed_exactly_when_the_last_unit_ships_however_shipments_are_split() {
    let mut rng = fastrand::Rng::with_seed(0x5851_f42d_4c95_7f2d);
    for round in 0..300 {
        // An order of 1-4 lines, most shipping, some refused or cancelled.
        let count = 1 + rng.usize(..4);
        let lines: Vec<(String, &str, i64, &str)> = (1..=count)
            .map(|n| {
                let state =
                    ["SHIPPING", "SHIPPING", "SHIPPING", "REFUSED", "CANCELED"][rng.usize(..5)];
                (format!("{OID}-{n}"), "JL-MUG-001", rng.i64(1..6), state)
            })
            .collect();
        let order = json!({
            "order_id": OID,
            "commercial_id": "JL-20261126-0002",
            "order_state": "SHIPPING",
            "order_lines": lines.iter().map(|(id, sku, quantity, state)| json!({
                "order_line_id": id, "order_line_state": state, "offer_sku": sku,
                "quantity": quantity, "price": 10.0,
            })).collect::<Vec<_>>(),
        })
        .to_string();
        // Every unit of every live line, dealt at random into 1-3 shipments of split lines.
        let shipments = 1 + rng.usize(..3);
        let mut dealt: Vec<Vec<ShipmentLine>> = vec![Vec::new(); shipments];
        for (id, sku, quantity, state) in &lines {
            if *state != "SHIPPING" {
                continue;
            }
            for _ in 0..*quantity {
                dealt[rng.usize(..shipments)].push(ShipmentLine {
                    line_id: id.clone(),
                    sku: sku.to_string(),
                    quantity: 1,
                });
            }
        }
        let dealt: Vec<Vec<ShipmentLine>> = dealt.into_iter().filter(|s| !s.is_empty()).collect();
        for multi_shipment in [false, true] {
            let policy = DispatchPolicy {
                multi_shipment,
                ..policy()
            };
            let mut shipped: BTreeMap<String, i64> = BTreeMap::new();
            for (n, lines_now) in dealt.iter().enumerate() {
                let mut s = shipment("DPD", None, Some("15501234567890"));
                s.lines = lines_now.clone();
                let p = plan_dispatch(&order, &s, Some(SH21), &policy, &ledger(&shipped)).unwrap();
                for l in lines_now {
                    *shipped.entry(l.line_id.clone()).or_default() += l.quantity;
                }
                let last = n + 1 == dealt.len();
                let case = format!("round {round}, shipment {n}, multi {multi_shipment}");
                assert_eq!(p.complete, last, "{case}");
                // Without multi-shipment John Lewis sees the order shipped only at OR24.
                let expected_codes: &[&str] = if last || multi_shipment {
                    &[]
                } else {
                    &["partial_dispatch"]
                };
                assert_eq!(codes(&p), expected_codes, "{case}");
                let expected_apis: &[&str] = match (multi_shipment, last) {
                    (true, _) => &["ST01"],
                    (false, true) => &["OR23", "OR24"],
                    (false, false) => &["OR23"],
                };
                assert_eq!(apis(&p), expected_apis, "{case}");
                if multi_shipment {
                    let body = p.requests[0].body_value();
                    let units: i64 = body["shipments"][0]["shipment_lines"]
                        .as_array()
                        .expect("lines")
                        .iter()
                        .map(|l| l["quantity"].as_i64().expect("quantity"))
                        .sum();
                    assert_eq!(units, lines_now.len() as i64, "{case}");
                }
            }
            // One unit more than ordered, on any line, is refused outright.
            if let Some(extra) = dealt.last().and_then(|s| s.first()).cloned() {
                let mut s = shipment("DPD", None, Some("15501234567890"));
                s.lines = vec![extra];
                let p = plan_dispatch(&order, &s, Some(SH21), &policy, &ledger(&shipped)).unwrap();
                assert_eq!(codes(&p), ["dispatch_mismatch"], "round {round}");
                assert!(p.requests.is_empty() && !p.complete);
            }
        }
    }
}
