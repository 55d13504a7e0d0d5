//! Everything the benchmark takes from `jlm::runtime`, in one place: the embedded component,
//! sessions on it, and the WIT records built from the native inputs.

use jlm::runtime::exports::jlm::connector::inventory as wit_stock;
use jlm::runtime::exports::jlm::connector::orders as wit_orders;
use jlm::runtime::{Connector, OrderInput, Runtime, Session};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The component `jlm` embeds, as `jlm component export` writes it.
pub const EMBEDDED: &[u8] = jlm::runtime::EMBEDDED_COMPONENT;

/// The runtime `jlm` runs, on the embedded component (its epoch ticker runs while it lives).
pub fn runtime() -> Runtime {
    Runtime::new(EMBEDDED, None).expect("component")
}

/// `plan-order` with fixed catalogue, offers, policy and time: in a `jlm` session, and in an
/// engine without epoch interruption (the runaway guard `jlm` runs with).
pub struct Orders {
    _runtime: Runtime,
    session: Session,
    unguarded: (Store<Wasi>, Connector),
    catalogue: Vec<wit_orders::Product>,
    offers: Vec<wit_orders::Offer>,
    policy: wit_orders::OrderPolicy,
    now: String,
}

impl Orders {
    /// The component, ready to plan orders against these inputs with the default policy.
    pub fn new(
        catalogue: &[plugin::orders::Product],
        offers: &[plugin::orders::Offer],
        now: &str,
    ) -> Orders {
        let runtime = runtime();
        let session = runtime.session().expect("session");
        Orders {
            _runtime: runtime,
            session,
            unguarded: without_deadline(),
            catalogue: catalogue
                .iter()
                .map(|p| wit_orders::Product {
                    sku: p.sku.clone(),
                    ean: p.ean.clone(),
                    available: p.available,
                })
                .collect(),
            offers: offers
                .iter()
                .map(|o| wit_orders::Offer {
                    sku: o.sku.clone(),
                    ean: o.ean.clone(),
                })
                .collect(),
            policy: jlm::config::Config::default().orders.policy(),
            now: now.to_string(),
        }
    }

    /// Plans `order` in the session; whether the plan builds a Fulfil order.
    pub fn plan(&mut self, order: &str) -> bool {
        let input = OrderInput {
            catalogue: &self.catalogue,
            offers: &self.offers,
            committed: &[],
            policy: &self.policy,
            now: &self.now,
        };
        let plan = self.session.plan_order(order, &input).expect("no trap");
        plan.expect("plan").fulfil_order.is_some()
    }

    /// The same call with an empty order, which the component rejects at once: what every
    /// call pays before any planning (lifting and lowering, instance entry, the deadline).
    pub fn boundary(&mut self) {
        let input = OrderInput {
            catalogue: &self.catalogue,
            offers: &self.offers,
            committed: &[],
            policy: &self.policy,
            now: &self.now,
        };
        let refused = self.session.plan_order("{}", &input).expect("no trap");
        refused.expect_err("an empty order is rejected");
    }

    /// Plans `order` without the epoch deadline.
    pub fn plan_unguarded(&mut self, order: &str) -> bool {
        let (store, instance) = &mut self.unguarded;
        let plan = instance
            .jlm_connector_orders()
            .call_plan_order(
                store,
                order,
                &self.catalogue,
                &self.offers,
                &[],
                &self.policy,
                &self.now,
            )
            .expect("no trap");
        plan.expect("plan").fulfil_order.is_some()
    }
}

/// `plan-stock` in a `jlm` session with a fixed snapshot, ledger, offers and policy.
pub struct Stock {
    _runtime: Runtime,
    session: Session,
    snapshot: Vec<wit_stock::StockLevel>,
    ledger: Vec<wit_stock::Published>,
    offers: Vec<String>,
    policy: wit_stock::StockPolicy,
}

impl Stock {
    /// The component, ready to plan these inputs with `buffer` and `max` as the one rule.
    pub fn new(
        snapshot: &[plugin::stock::StockLevel],
        ledger: &[plugin::stock::Published],
        offers: &[String],
        buffer: i64,
        max: i64,
    ) -> Stock {
        let runtime = runtime();
        let session = runtime.session().expect("session");
        Stock {
            _runtime: runtime,
            session,
            snapshot: snapshot
                .iter()
                .map(|s| wit_stock::StockLevel {
                    sku: s.sku.clone(),
                    warehouse: s.warehouse.clone(),
                    available: s.available,
                })
                .collect(),
            ledger: ledger
                .iter()
                .map(|p| wit_stock::Published {
                    sku: p.sku.clone(),
                    warehouse: p.warehouse.clone(),
                    quantity: p.quantity,
                })
                .collect(),
            offers: offers.to_vec(),
            policy: wit_stock::StockPolicy {
                defaults: wit_stock::StockRule {
                    buffer,
                    percent: 100,
                    max: Some(max),
                    zero_below: 0,
                },
                overrides: Vec::new(),
                exclude: Vec::new(),
            },
        }
    }

    /// Plans the whole snapshot; the number of lines the plan publishes.
    pub fn plan(&mut self) -> usize {
        let plan = self
            .session
            .plan_stock(
                &self.snapshot,
                &self.ledger,
                Some(&self.offers),
                &self.policy,
                &[],
                false,
            )
            .expect("no trap");
        plan.expect("plan").lines.len()
    }
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
    let component = Component::new(&engine, EMBEDDED).expect("component");
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
