//! Offline sandbox of the Mirakl seller API (John Lewis Marketplace) and the Fulfil API.
//!
//! [`Sandbox::start`] binds two HTTP servers on loopback (ephemeral ports) and serves them in
//! tokio tasks. Both are *faithful* in the sense of the design: they reject what the real APIs
//! reject (wrong auth header form, `max` > 100, OR21 missing a line, unknown fields in
//! `create_order`, float money, totals that do not add up, ...) and they can inject faults
//! (429 storms, 5xx, slow responses, answers lost after the request was applied) from a seeded
//! RNG, so runs are reproducible.
//!
//! Layout (one concept per file):
//! - `state`: the shared state behind both servers and the request pipeline (auth, stats,
//!   faults, apply);
//! - `faults`: fault configuration and the seeded decisions;
//! - `mirakl` (+ `mirakl/`): the Mirakl router, one file per operation (OR11, OR21, ...);
//! - `fulfil` (+ `fulfil/`): the Fulfil router, `create_order`, `search_read`, domains;
//! - `decimal`: exact decimal arithmetic for money validation.

mod decimal;
mod faults;
mod fulfil;
mod mirakl;
mod state;
#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::Faults;
pub use fulfil::FulfilState;
pub use mirakl::MiraklState;

use state::{Ctx, SandboxState};

/// How long [`Sandbox::shutdown`] waits for the servers to stop before aborting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Configuration of a [`Sandbox`]: credentials it expects, the Fulfil channel, OR11's safety
/// delta and the faults to inject.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Mirakl API key, expected raw in `Authorization: <key>` (no `Bearer`); anything else is 401.
    pub mirakl_api_key: String,
    /// Fulfil API key, expected in `X-API-KEY: <key>`; anything else is 401.
    pub fulfil_api_key: String,
    /// The only Fulfil `sale.channel` id that exists; `create_order` for another id is a 400.
    pub fulfil_channel_id: i64,
    /// OR11 moves `start_update_date` back by this much (as Mirakl does), so clients see overlaps.
    pub update_safety_delta: Duration,
    /// Faults to inject from the start (see [`Sandbox::set_faults`]).
    pub faults: Faults,
}

impl Default for SandboxConfig {
    /// Keys `sandbox-mirakl-key` / `sandbox-fulfil-key`, channel 1, a 2 s delta, no faults.
    fn default() -> Self {
        SandboxConfig {
            mirakl_api_key: "sandbox-mirakl-key".to_string(),
            fulfil_api_key: "sandbox-fulfil-key".to_string(),
            fulfil_channel_id: 1,
            update_safety_delta: Duration::from_secs(2),
            faults: Faults::default(),
        }
    }
}

/// A Fulfil `product.product` (variant) as the sandbox knows it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SandboxProduct {
    /// Record id.
    pub id: i64,
    /// The SKU (`code`), matched exactly and case-sensitively by `create_order`.
    pub code: String,
    /// Barcode (EAN/UPC), if any.
    pub upc: Option<String>,
    /// `quantity_available` (on hand minus reservations).
    pub quantity_available: f64,
    /// `quantity_on_hand`.
    pub quantity_on_hand: f64,
}

/// Counters of what the sandbox saw, for assertions in tests and the demo.
#[derive(Default, Clone, Debug)]
pub struct SandboxStats {
    /// Requests by operation name (`OR11`, `OR21`, `create_order`, `search_read`), counting
    /// every request that reached a handler, including rejected and faulted ones.
    pub requests: BTreeMap<String, u64>,
    /// Order id -> number of OR21 calls that were applied (answered 2xx, or applied and then
    /// left unanswered by a `hang_after_apply` fault).
    pub or21_applied: BTreeMap<String, u64>,
    /// `channel_identifier` -> number of `create_order` calls that reached validation
    /// (including idempotent repeats).
    pub create_order_calls: BTreeMap<String, u64>,
    /// Faults injected (429, 5xx, slow responses, lost answers).
    pub faults_injected: u64,
    /// 4xx answers given for bad requests (not faults), including 401s.
    pub rejected: u64,
}

/// A running sandbox: a Mirakl server and a Fulfil server sharing one in-memory state.
pub struct Sandbox {
    /// Base URL of the Mirakl server, e.g. `http://127.0.0.1:PORT` (no trailing slash).
    pub mirakl_url: String,
    /// Base URL of the Fulfil server, e.g. `http://127.0.0.1:PORT` (no trailing slash).
    pub fulfil_url: String,
    state: Arc<Mutex<SandboxState>>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds both servers on `127.0.0.1:0` and serves them in tokio tasks.
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let state = Arc::new(Mutex::new(SandboxState::new(&config)));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let ctx = Ctx {
            state: Arc::clone(&state),
            shutdown: shutdown_rx,
        };

        let mirakl_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let fulfil_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mirakl_url = format!("http://{}", mirakl_listener.local_addr()?);
        let fulfil_url = format!("http://{}", fulfil_listener.local_addr()?);

        let tasks = vec![
            serve(mirakl_listener, mirakl::router(ctx.clone()), ctx.clone()),
            serve(fulfil_listener, fulfil::router(ctx.clone()), ctx),
        ];
        tracing::debug!(%mirakl_url, %fulfil_url, "sandbox started");
        Ok(Sandbox {
            mirakl_url,
            fulfil_url,
            state,
            shutdown_tx,
            tasks,
        })
    }

    /// Adds (or replaces, by `order_id`) full OR11 order objects, addresses included. Their
    /// `last_updated_date` (order and lines) is set to now. Objects without a string
    /// `order_id` are skipped with a warning.
    pub fn seed_orders(&self, orders: Vec<Value>) {
        state::lock(&self.state).mirakl.seed(orders);
    }

    /// Adds (or replaces, by `id`) Fulfil products.
    pub fn seed_products(&self, products: Vec<SandboxProduct>) {
        state::lock(&self.state).fulfil.seed_products(products);
    }

    /// Replaces the fault configuration and reseeds the fault RNG from `faults.seed`.
    pub fn set_faults(&self, faults: Faults) {
        state::lock(&self.state).faults.set(faults);
    }

    /// The order as OR11 would show it now (PII hidden while awaiting acceptance).
    pub fn order(&self, order_id: &str) -> Option<Value> {
        state::lock(&self.state).mirakl.view(order_id)
    }

    /// Every sale record created through `create_order` (one per `channel_identifier`), in
    /// creation order, each with the submitted order under the key `"order"`.
    pub fn sales(&self) -> Vec<Value> {
        state::lock(&self.state).fulfil.sale_records()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SandboxStats {
        state::lock(&self.state).stats.clone()
    }

    /// Stops both servers (unanswered "hung" requests are released) and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Dropped without `shutdown`: tell the servers to stop anyway.
        let _ = self.shutdown_tx.send(true);
    }
}

/// Serves `router` on `listener` until the shutdown signal.
fn serve(listener: tokio::net::TcpListener, router: axum::Router, ctx: Ctx) -> JoinHandle<()> {
    let mut shutdown = ctx.shutdown;
    tokio::spawn(async move {
        let signal = async move {
            while !*shutdown.borrow_and_update() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        };
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(signal)
            .await
        {
            tracing::warn!(%error, "sandbox server stopped with an error");
        }
    })
}
