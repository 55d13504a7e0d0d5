//! Everything the benchmark takes from `jlm::runtime`, in one place: the embedded component,
//! sessions on it, and the host's records built from the native inputs.

use jlm::domain::inventory as host_stock;
use jlm::domain::orders::{self as host_orders, OrderPlan};
use jlm::domain::types::PlanError;
use jlm::runtime::{OrderInput, Runtime, Session};

/// The component `jlm` embeds, as `jlm component export` writes it.
pub const EMBEDDED: &[u8] = jlm::runtime::EMBEDDED_COMPONENT;

/// The runtime `jlm` runs, on the embedded component (its epoch ticker runs while it lives).
pub fn runtime() -> Runtime {
    Runtime::new(EMBEDDED, None).expect("component")
}

/// `plan-order` with fixed catalogue, offers, policy and time, in a `jlm` session.
pub struct Orders {
    _runtime: Runtime,
    session: Session,
    catalogue: Vec<host_orders::Product>,
    offers: Vec<host_orders::Offer>,
    policy: host_orders::OrderPolicy,
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
            catalogue: catalogue
                .iter()
                .map(|p| host_orders::Product {
                    sku: p.sku.clone(),
                    ean: p.ean.clone(),
                    available: p.available,
                })
                .collect(),
            offers: offers
                .iter()
                .map(|o| host_orders::Offer {
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
        self.call(order).expect("plan").fulfil_order.is_some()
    }

    /// The same call with an empty order, which the component rejects at once: what every
    /// call pays before any planning (lifting and lowering, instance entry, the deadline).
    pub fn boundary(&mut self) {
        self.call("{}").expect_err("an empty order is rejected");
    }

    /// `plan-order` of `order` against the fixed inputs.
    fn call(&mut self, order: &str) -> Result<OrderPlan, PlanError> {
        let input = OrderInput {
            catalogue: &self.catalogue,
            offers: &self.offers,
            committed: &[],
            policy: &self.policy,
            now: &self.now,
        };
        self.session.plan_order(order, &input).expect("no trap")
    }
}

/// The snapshot and ledger one `plan-stock` call takes.
pub type StockInputs = (Vec<host_stock::StockLevel>, Vec<host_stock::Published>);

/// `plan-stock` in a `jlm` session with a fixed snapshot, ledger, offers and policy.
pub struct Stock {
    _runtime: Runtime,
    session: Session,
    snapshot: Vec<host_stock::StockLevel>,
    ledger: Vec<host_stock::Published>,
    offers: Vec<String>,
    policy: host_stock::StockPolicy,
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
                .map(|s| host_stock::StockLevel {
                    sku: s.sku.clone(),
                    warehouse: s.warehouse.clone(),
                    available: s.available,
                })
                .collect(),
            ledger: ledger
                .iter()
                .map(|p| host_stock::Published {
                    sku: p.sku.clone(),
                    warehouse: p.warehouse.clone(),
                    quantity: p.quantity,
                })
                .collect(),
            offers: offers.to_vec(),
            policy: host_stock::StockPolicy {
                defaults: host_stock::StockRule {
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

    /// A copy of the snapshot and ledger for one call (the session takes them by value, as
    /// the stock job hands over its own copy).
    pub fn inputs(&self) -> StockInputs {
        (self.snapshot.clone(), self.ledger.clone())
    }

    /// Plans the whole snapshot; the number of lines the plan publishes.
    pub fn plan(&mut self, (snapshot, ledger): StockInputs) -> usize {
        let plan = self
            .session
            .plan_stock(
                snapshot,
                ledger,
                Some(&self.offers),
                &self.policy,
                &[],
                false,
            )
            .expect("no trap");
        plan.expect("plan").lines.len()
    }
}
