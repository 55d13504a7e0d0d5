//! `plan-order` on a realistic 3-line UK order: native vs the real `.wasm` in wasmtime,
//! measured side by side in one run. The order is the full OR11 object as the orders job
//! passes it to the component (re-serialised compactly from the OR11 page, 6.4 KB).
//!
//! `wasm_boundary` breaks the wasm call down, in the same run: the same call with the same
//! catalogue, offers and policy but an empty order, which the component rejects at once; what
//! every call pays before any planning.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use jlm::domain::orders as domain;
use jlm::runtime::Runtime;

const ORDER_FIXTURE: &str =
    include_str!("../../fixtures/orders/shipping-gift-multiline/order.json");
const CATALOGUE: &str =
    include_str!("../../fixtures/orders/shipping-gift-multiline/catalogue.json");
const OFFERS: &str = include_str!("../../fixtures/orders/shipping-gift-multiline/offers.json");
const NOW: &str = "2026-11-27T12:00:00Z";

fn bench(c: &mut Criterion) {
    // What `jobs::orders` hands the component: the OR11 object serialised by serde_json.
    let order: serde_json::Value = serde_json::from_str(ORDER_FIXTURE).expect("order");
    let order = order.to_string();
    let order = order.as_str();
    let catalogue: Vec<plugin::orders::Product> =
        serde_json::from_str(CATALOGUE).expect("catalogue");
    let offers: Vec<plugin::orders::Offer> = serde_json::from_str(OFFERS).expect("offers");
    let policy = plugin::orders::OrderPolicy::default();

    let catalogue_in: Vec<domain::Product> = catalogue
        .iter()
        .map(|p| domain::Product {
            sku: p.sku.clone(),
            ean: p.ean.clone(),
            available: p.available,
        })
        .collect();
    let offers_in: Vec<domain::Offer> = offers
        .iter()
        .map(|o| domain::Offer {
            sku: o.sku.clone(),
            ean: o.ean.clone(),
        })
        .collect();
    let policy_in = jlm::config::Config::default().orders.policy();
    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component");
    let mut session = runtime.session().expect("session");
    let input = jlm::runtime::OrderInput {
        catalogue: &catalogue_in,
        offers: &offers_in,
        committed: &[],
        policy: &policy_in,
        now: NOW,
    };
    let plan = session
        .plan_order(order, &input)
        .expect("no trap")
        .expect("plan");
    assert!(
        plan.fulfil_order.is_some(),
        "the benchmark order builds a Fulfil order"
    );

    let mut group = c.benchmark_group("plan_order_3_lines");
    group.bench_function("native", |b| {
        b.iter(|| {
            plugin::orders::plan_order(black_box(order), &catalogue, &offers, &[], &policy, NOW)
                .expect("plan")
        })
    });
    group.bench_function("wasm", |b| {
        b.iter(|| {
            session
                .plan_order(black_box(order), &input)
                .expect("no trap")
                .expect("plan")
        })
    });
    group.bench_function("wasm_boundary", |b| {
        b.iter(|| {
            session
                .plan_order(black_box("{}"), &input)
                .expect("no trap")
                .expect_err("an empty order is rejected")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
