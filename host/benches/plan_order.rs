//! `plan-order` on a realistic 3-line UK order: native vs the real `.wasm` in wasmtime,
//! measured side by side in one run. The order is the full OR11 object as the orders job
//! passes it to the component (re-serialised compactly from the OR11 page, 6.4 KB).
//!
//! Two more figures break the wasm call down, in the same run:
//! - `wasm_boundary`: the same call with the same catalogue, offers and policy but an empty
//!   order, which the component rejects at once; what every call pays before any planning.
//! - `wasm_no_deadline`: the same component in an engine without epoch interruption, i.e.
//!   without the runaway guard `jlm` runs with; what that guard costs.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use jlm::runtime::exports::jlm::connector::orders as wit;
use jlm::runtime::{Connector, Runtime};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

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

    let wit_catalogue: Vec<wit::Product> = catalogue
        .iter()
        .map(|p| wit::Product {
            sku: p.sku.clone(),
            ean: p.ean.clone(),
            available: p.available,
        })
        .collect();
    let wit_offers: Vec<wit::Offer> = offers
        .iter()
        .map(|o| wit::Offer {
            sku: o.sku.clone(),
            ean: o.ean.clone(),
        })
        .collect();
    let wit_policy = jlm::config::Config::default().orders.policy();
    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component");
    let mut session = runtime.session().expect("session");
    let input = jlm::runtime::OrderInput {
        catalogue: &wit_catalogue,
        offers: &wit_offers,
        committed: &[],
        policy: &wit_policy,
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
    let (mut store, unguarded) = without_deadline();
    group.bench_function("wasm_no_deadline", |b| {
        b.iter(|| {
            unguarded
                .jlm_connector_orders()
                .call_plan_order(
                    &mut store,
                    black_box(order),
                    &wit_catalogue,
                    &wit_offers,
                    &[],
                    &wit_policy,
                    NOW,
                )
                .expect("no trap")
                .expect("plan")
        })
    });
    group.finish();
}

/// Store state for the unguarded engine: WASI with nothing granted, as in `jlm`.
struct Wasi {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Wasi {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// The embedded component instantiated in an engine without epoch interruption.
fn without_deadline() -> (Store<Wasi>, Connector) {
    let mut config = Config::new();
    config.epoch_interruption(false);
    config.concurrency_support(false);
    let engine = Engine::new(&config).expect("engine");
    let component = Component::new(&engine, jlm::runtime::EMBEDDED_COMPONENT).expect("component");
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("link WASI");
    let mut store = Store::new(
        &engine,
        Wasi {
            ctx: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        },
    );
    let instance = Connector::instantiate(&mut store, &component, &linker).expect("instance");
    (store, instance)
}

criterion_group!(benches, bench);
criterion_main!(benches);
