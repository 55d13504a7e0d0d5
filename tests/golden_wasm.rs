//! The golden order fixtures through the real `.wasm` in wasmtime: same expected plans as
//! the native build (`plugin/tests/golden_orders.rs`).

use std::path::{Path, PathBuf};

use jlm::domain::orders::{Offer, OrderPolicy, Product, TaxName};
use jlm::runtime::{OrderInput, Runtime};
use serde::Deserialize;

const NOW: &str = "2026-11-27T12:00:00Z";

#[derive(Deserialize)]
struct CatalogueItem {
    sku: String,
    ean: Option<String>,
    available: i64,
}

#[derive(Deserialize)]
struct OfferItem {
    sku: String,
    ean: Option<String>,
}

/// The WIT policy of a native one.
fn host_policy(p: plugin::orders::OrderPolicy) -> OrderPolicy {
    OrderPolicy {
        refuse_out_of_stock: p.refuse_out_of_stock,
        gift_message_order_codes: p.gift_message_order_codes,
        gift_message_line_codes: p.gift_message_line_codes,
        tax_names: p
            .tax_names
            .into_iter()
            .map(|(code, name)| TaxName { code, name })
            .collect(),
        acceptance_window_minutes: p.acceptance_window_minutes,
        unit_price_digits: p.unit_price_digits,
        currency: p.currency,
        default_country: p.default_country,
        tax_pass_through: p.tax_pass_through,
    }
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn wasm_plans_match_the_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/orders");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/orders")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "found {} cases", cases.len());

    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    // The configuration's defaults are the component's.
    let defaults = jlm::config::Config::default().orders.policy();
    assert_eq!(
        format!("{defaults:?}"),
        format!("{:?}", host_policy(plugin::orders::OrderPolicy::default()))
    );
    for case in cases {
        let policy = if case.join("policy.json").exists() {
            host_policy(read(&case.join("policy.json")))
        } else {
            defaults.clone()
        };
        let order = std::fs::read_to_string(case.join("order.json")).expect("order.json");
        let catalogue: Vec<Product> = read::<Vec<CatalogueItem>>(&case.join("catalogue.json"))
            .into_iter()
            .map(|c| Product {
                sku: c.sku,
                ean: c.ean,
                available: c.available,
            })
            .collect();
        let offers: Vec<Offer> = read::<Vec<OfferItem>>(&case.join("offers.json"))
            .into_iter()
            .map(|o| Offer {
                sku: o.sku,
                ean: o.ean,
            })
            .collect();
        let input = OrderInput {
            catalogue: &catalogue,
            offers: &offers,
            committed: &[],
            policy: &policy,
            now: NOW,
        };
        let plan = session
            .plan_order(&order, &input)
            .expect("no trap")
            .unwrap_or_else(|e| panic!("{}: {}: {}", case.display(), e.code, e.message));
        let expected: serde_json::Value = read(&case.join("expected.json"));
        let printed: serde_json::Value = serde_json::from_str(&plan.to_json()).expect("plan JSON");
        assert_eq!(printed, expected, "{}", case.display());
    }
}

/// The golden dispatch fixtures through the real `.wasm`: same plans as the native build
/// (`plugin/tests/golden_dispatch.rs`), printed by `DispatchPlan::to_json`.
#[test]
fn wasm_dispatch_plans_match_the_golden_files() {
    use jlm::domain::dispatch as domain;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/dispatch");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/dispatch")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 9, "found {} cases", cases.len());

    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    for case in cases {
        let order = std::fs::read_to_string(case.join("order.json")).expect("order.json");
        let s: plugin::dispatch::Shipment = read(&case.join("shipment.json"));
        let shipment = domain::Shipment {
            id: s.id,
            order: s.order,
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            lines: s
                .lines
                .into_iter()
                .map(|l| domain::ShipmentLine {
                    line_id: l.line_id,
                    sku: l.sku,
                    quantity: l.quantity,
                })
                .collect(),
        };
        let p: plugin::dispatch::DispatchPolicy = read(&case.join("policy.json"));
        let policy = domain::DispatchPolicy {
            carriers: p
                .carriers
                .into_iter()
                .map(|c| domain::CarrierMapping {
                    fulfil_carrier: c.fulfil_carrier,
                    fulfil_service: c.fulfil_service,
                    jl_code: c.jl_code,
                    tracking_format: c.tracking_format,
                    registered: c.registered,
                    name: c.name,
                    tracking_url_template: c.tracking_url_template,
                })
                .collect(),
            multi_shipment: p.multi_shipment,
        };
        let carriers = case
            .join("carriers.json")
            .exists()
            .then(|| std::fs::read_to_string(case.join("carriers.json")).expect("carriers.json"));
        let shipped: Vec<domain::ShippedLine> = if case.join("shipped.json").exists() {
            read::<Vec<plugin::dispatch::ShippedLine>>(&case.join("shipped.json"))
                .into_iter()
                .map(|l| domain::ShippedLine {
                    line_id: l.line_id,
                    quantity: l.quantity,
                })
                .collect()
        } else {
            Vec::new()
        };
        let plan = session
            .plan_dispatch(&order, &shipment, carriers.as_deref(), &policy, &shipped)
            .expect("no trap")
            .unwrap_or_else(|e| panic!("{}: {}: {}", case.display(), e.code, e.message));
        let expected: serde_json::Value = read(&case.join("expected.json"));
        let printed: serde_json::Value = serde_json::from_str(&plan.to_json()).expect("plan JSON");
        assert_eq!(printed, expected, "{}", case.display());

        // `check-carrier` agrees with the plan on the carrier of the shipment.
        let check = session
            .check_carrier(
                &shipment.carrier,
                shipment.service.as_deref(),
                &policy,
                carriers.as_deref(),
            )
            .expect("no trap")
            .unwrap_or_else(|e| panic!("{}: {}: {}", case.display(), e.code, e.message));
        let codes: Vec<&str> = plan.exceptions.iter().map(|e| e.code.as_str()).collect();
        let expected_status = if codes.contains(&"unmapped_carrier") {
            "unmapped"
        } else if codes.contains(&"carrier_not_approved") {
            "not_approved"
        } else {
            "mapped"
        };
        assert_eq!(check.status, expected_status, "{}", case.display());
        assert_eq!(
            check.jl_code.is_some(),
            policy
                .carriers
                .iter()
                .any(|c| c.registered && Some(c.jl_code.trim()) == check.jl_code.as_deref()),
            "{}",
            case.display()
        );
    }
}

/// `check-clocks` through the real `.wasm` gives the native build's exceptions, with the
/// policy built from the configuration.
#[test]
fn wasm_clocks_match_the_native_build() {
    let policy = jlm::config::Config::parse("")
        .expect("defaults")
        .clock_policy();
    let native = plugin::clocks::ClockPolicy::default();
    assert_eq!(
        (
            policy.acceptance_window_minutes,
            policy.acceptance_margin_minutes,
            policy.dispatch_margin_minutes,
            policy.unconfirmed_after_minutes
        ),
        (
            native.acceptance_window_minutes,
            native.acceptance_margin_minutes,
            native.dispatch_margin_minutes,
            native.unconfirmed_after_minutes
        )
    );

    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    let order = |state: &str| {
        serde_json::json!({
            "order_id": "JL-1-A",
            "order_state": state,
            "created_date": "2026-11-27T09:00:00Z",
            "shipping_deadline": "2026-11-28T23:59:59.999Z",
        })
        .to_string()
    };
    let cases = [
        ("WAITING_ACCEPTANCE", None, "2026-11-29T02:59:00Z"),
        ("WAITING_ACCEPTANCE", None, "2026-11-29T03:00:00Z"),
        ("SHIPPING", None, "2026-11-28T20:00:00Z"),
        (
            "SHIPPING",
            Some("2026-11-28T10:00:00Z"),
            "2026-11-28T11:00:00Z",
        ),
        (
            "SHIPPED",
            Some("2026-11-28T10:00:00Z"),
            "2026-11-30T11:00:00Z",
        ),
    ];
    let mut raised = 0;
    for (state, shipped, now) in cases {
        let wasm = session
            .check_clocks(&order(state), shipped, now, policy)
            .expect("no trap")
            .expect("clocks");
        let native =
            plugin::clocks::check_clocks(&order(state), shipped, now, &native).expect("clocks");
        let pairs: Vec<(&str, &str)> = wasm
            .iter()
            .map(|e| (e.code.as_str(), e.message.as_str()))
            .collect();
        let native_pairs: Vec<(&str, &str)> = native
            .iter()
            .map(|e| (e.code.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(pairs, native_pairs, "{state} {now}");
        assert!(wasm.iter().all(|e| e.subject == "JL-1-A"));
        raised += wasm.len();
    }
    assert_eq!(raised, 3);
    let err = session
        .check_clocks(&order("SHIPPING"), None, "yesterday", policy)
        .expect("no trap")
        .expect_err("bad now");
    assert_eq!(err.code, "invalid_argument");
}
