//! The real clients against the sandbox's dispatch flow: `crate::fulfil::Client` reading
//! shipments (`shipments_done_since`, `recent_carrier_services`) and `crate::mirakl::Client`
//! sending SH21, OR23, OR24 and ST01 (directly and through `send_planned`).

use std::time::Duration;

use chrono::TimeZone as _;
use serde_json::{Value, json};

use crate::fulfil::{FulfilConfig, FulfilShipment, FulfilShipmentLine};
use crate::http::ApiError;
use crate::http::test_server::fast_policy;
use crate::mirakl::MiraklConfig;
use crate::sandbox::test_support::{fulfil_order, sample_carriers, sample_order, start};
use crate::sandbox::{Sandbox, SandboxShipment};

fn fulfil(sandbox: &Sandbox) -> crate::fulfil::Client {
    let mut config = FulfilConfig::new(&sandbox.fulfil_url, "sandbox-fulfil-key", 1);
    config.retry = fast_policy();
    config.min_interval = Duration::ZERO;
    crate::fulfil::Client::new(config).expect("fulfil client")
}

fn mirakl(sandbox: &Sandbox) -> crate::mirakl::Client {
    let mut config = MiraklConfig::new(&sandbox.mirakl_url, "sandbox-mirakl-key");
    config.shop_id = Some("2001".into());
    config.retry = fast_policy();
    config.page_interval = Duration::ZERO;
    crate::mirakl::Client::new(config).expect("mirakl client")
}

fn at(hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 26, hour, minute, 0)
        .unwrap()
}

#[tokio::test]
async fn the_fulfil_client_reads_the_sandboxs_shipments() {
    let sandbox = start().await;
    let client = fulfil(&sandbox);
    for order in ["JL-1-A", "JL-2-A"] {
        client
            .create_order(&serde_json::value::to_raw_value(&fulfil_order(order)).expect("json"))
            .await
            .expect("create_order");
    }
    assert!(
        sandbox
            .add_shipment(SandboxShipment {
                id: 1,
                order_id: "JL-9-A".into(),
                state: "done".into(),
                carrier: "Royal Mail".into(),
                service: None,
                tracking_number: None,
                lines: Vec::new(),
                write_date: at(9, 0),
            })
            .is_err(),
        "no sale for JL-9-A"
    );
    sandbox
        .add_shipment(SandboxShipment {
            id: 301,
            order_id: "JL-1-A".into(),
            state: "done".into(),
            carrier: "Royal Mail".into(),
            service: Some("Tracked 24".into()),
            tracking_number: Some("TT482019412GB".into()),
            lines: vec![
                ("JL-1-A-1".into(), "SKU-A".into(), 2.0),
                ("JL-1-A-2".into(), "SKU-B".into(), 1.0),
            ],
            write_date: at(14, 3),
        })
        .expect("add shipment");
    sandbox
        .add_shipment(SandboxShipment {
            id: 302,
            order_id: "JL-2-A".into(),
            state: "done".into(),
            carrier: "DPD".into(),
            service: Some("Next Day".into()),
            tracking_number: Some("15501234".into()),
            lines: vec![("JL-2-A-1".into(), "SKU-A".into(), 1.0)],
            write_date: at(10, 0),
        })
        .expect("add shipment");
    sandbox
        .add_shipment(SandboxShipment {
            id: 303,
            order_id: "JL-2-A".into(),
            state: "packed".into(),
            carrier: "Evri".into(),
            service: None,
            tracking_number: None,
            lines: vec![("JL-2-A-2".into(), "SKU-B".into(), 1.0)],
            write_date: at(15, 0),
        })
        .expect("add shipment");

    let all = client.shipments_done_since(None).await.expect("shipments");
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        [302, 301],
        "done ones only, oldest change first"
    );
    let since = client
        .shipments_done_since(Some("2026-11-26T15:00:00+01:00"))
        .await
        .expect("shipments since");
    assert_eq!(
        since,
        [FulfilShipment {
            id: 301,
            write_date: "2026-11-26T14:03:00Z".into(),
            state: "done".into(),
            order: Some("JL-1-A".into()),
            carrier: Some("Royal Mail".into()),
            service: Some("Tracked 24".into()),
            tracking_number: Some("TT482019412GB".into()),
            lines: vec![
                FulfilShipmentLine {
                    line_id: Some("JL-1-A-1".into()),
                    sku: "SKU-A".into(),
                    quantity: 2.0,
                },
                FulfilShipmentLine {
                    line_id: Some("JL-1-A-2".into()),
                    sku: "SKU-B".into(),
                    quantity: 1.0,
                },
            ],
        }]
    );
    // The bound is inclusive: the write_date itself finds the shipment again.
    let again = client
        .shipments_done_since(Some(&since[0].write_date))
        .await
        .expect("shipments at the cursor");
    assert_eq!(again.iter().map(|s| s.id).collect::<Vec<_>>(), [301]);

    let pairs = client
        .recent_carrier_services("2026-11-26T00:00:00Z")
        .await
        .expect("carrier services");
    assert_eq!(
        pairs,
        [
            ("DPD".to_owned(), Some("Next Day".to_owned())),
            ("Evri".to_owned(), None),
            ("Royal Mail".to_owned(), Some("Tracked 24".to_owned())),
        ]
    );
    let later = client
        .recent_carrier_services("2026-11-26T14:30:00Z")
        .await
        .expect("carrier services");
    assert_eq!(later, [("Evri".to_owned(), None)]);
    assert_eq!(sandbox.stats().rejected, 0, "every read was accepted");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_mirakl_client_and_the_sandbox_agree_on_dispatch() {
    let sandbox = start().await;
    sandbox.seed_carriers(sample_carriers());
    sandbox.seed_orders(vec![
        sample_order("O-1", "SHIPPING", 2),
        sample_order("O-2", "SHIPPING", 1),
        sample_order("O-3", "SHIPPING", 1),
    ]);
    let client = mirakl(&sandbox);

    // SH21.
    let carriers = client.carriers().await.expect("SH21");
    let codes: Vec<&str> = carriers["carriers"]
        .as_array()
        .expect("carriers")
        .iter()
        .map(|c| c["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["DPD", "RM", "UPS"]);

    // OR23 then OR24 as planned by the component.
    let tracking = json!({"carrier_code": "RM", "tracking_number": "TT482019412GB"});
    let sent = client
        .send_planned("OR23", "/api/orders/O-1/tracking", Some(&tracking))
        .await
        .expect("OR23");
    assert_eq!(sent, None);
    let sent = client
        .send_planned("OR24", "/api/orders/O-1/ship", None)
        .await
        .expect("OR24");
    assert_eq!(sent, None);
    let order = sandbox.order("O-1").expect("order");
    assert_eq!(order["order_state"], "SHIPPED");
    assert_eq!(order["shipping_tracking"], "TT482019412GB");
    assert_eq!(order["shipping_company"], "Royal Mail");

    // A repeated OR24 is a rejection the client surfaces, not a retry.
    let repeat = client
        .send_planned("OR24", "/api/orders/O-1/ship", None)
        .await
        .expect_err("OR24 on a shipped order");
    match repeat {
        ApiError::Rejected { status, code, .. } => {
            assert_eq!(
                (status, code.as_deref()),
                (400, Some("ORDER_INVALID_STATE"))
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    // An unknown carrier code and a field OR23 does not have are rejected.
    for body in [
        json!({"carrier_code": "ROYAL-MAIL", "tracking_number": "1"}),
        json!({"carrier_code": "RM", "tracking_number": "1", "tracking_url": "https://x"}),
    ] {
        let error = client
            .set_tracking("O-2", &body)
            .await
            .expect_err("rejected OR23");
        assert_eq!(error.status(), Some(400), "{body}");
    }
    // The direct calls work too.
    client
        .set_tracking(
            "O-2",
            &json!({"carrier_name": "Local Van", "carrier_url": "https://van.example/1"}),
        )
        .await
        .expect("OR23 direct");
    client.ship_order("O-2").await.expect("OR24 direct");
    assert_eq!(
        sandbox.order("O-2").expect("order")["order_state"],
        "SHIPPED"
    );

    // ST01, planned and direct: per-shipment results come back as they were sent.
    let shipments = json!({"shipments": [
        {"order_id": "O-3", "shipped": true,
         "shipment_lines": [{"order_line_id": "O-3-1", "quantity": 2}],
         "tracking": {"carrier_code": "DPD", "tracking_number": "15501234"}},
        {"order_id": "O-1",
         "shipment_lines": [{"order_line_id": "O-1-1", "quantity": 1}]}
    ]});
    let answer = client
        .send_planned("ST01", "/api/shipments", Some(&shipments))
        .await
        .expect("ST01")
        .expect("ST01 body");
    assert_eq!(answer["shipment_success"][0]["order_id"], "O-3");
    assert_eq!(answer["shipment_errors"][0]["order_id"], "O-1");
    assert_eq!(
        sandbox.order("O-3").expect("order")["order_state"],
        "SHIPPED"
    );
    let direct = client
        .create_shipments(&json!({"shipments": [
            {"order_id": "O-3", "shipment_lines": [{"order_line_id": "O-3-1", "quantity": 1}]}
        ]}))
        .await
        .expect("ST01 direct");
    assert_eq!(
        direct["shipment_errors"][0]["message"],
        Value::from("The order status must be 'SHIPPING' but it is 'SHIPPED'.")
    );

    let stats = sandbox.stats();
    assert_eq!(stats.or23_applied.get("O-1"), Some(&1));
    assert_eq!(stats.or24_applied.get("O-1"), Some(&1));
    assert_eq!(stats.or24_applied.get("O-2"), Some(&1));
    for (op, count) in [("SH21", 1), ("OR23", 4), ("OR24", 3), ("ST01", 2)] {
        assert_eq!(stats.requests.get(op), Some(&count), "{op}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_lost_or24_answer_is_outcome_unknown_and_was_applied() {
    let sandbox = start().await;
    sandbox.seed_orders(vec![sample_order("O-1", "SHIPPING", 1)]);
    sandbox.set_faults(crate::sandbox::Faults {
        hang_after_apply: vec!["OR24".into()],
        ..crate::sandbox::Faults::default()
    });
    let mut config = MiraklConfig::new(&sandbox.mirakl_url, "sandbox-mirakl-key");
    config.retry = fast_policy();
    config.retry.timeout = Duration::from_millis(300);
    config.page_interval = Duration::ZERO;
    let client = crate::mirakl::Client::new(config).expect("client");
    let error = client.ship_order("O-1").await.expect_err("lost answer");
    assert!(
        matches!(error, ApiError::OutcomeUnknown { .. }),
        "{error:?}"
    );
    assert_eq!(
        sandbox.order("O-1").expect("order")["order_state"],
        "SHIPPED"
    );
    assert_eq!(sandbox.stats().or24_applied.get("O-1"), Some(&1));
    sandbox.shutdown().await;
}
