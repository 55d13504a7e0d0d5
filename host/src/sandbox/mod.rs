//! Offline sandbox of the Mirakl seller API (John Lewis Marketplace) and the Fulfil API.
//!
//! [`Sandbox::start`] binds two HTTP servers on loopback (ephemeral ports) and serves them in
//! tokio tasks; [`Sandbox::start_on`] serves both APIs on one given listener (`jlm sandbox`).
//! Either answers `GET /_sandbox/state` ([`STATE_PATH`]) with what both sides hold. Both are *faithful* in the sense of the design: they reject what the real APIs
//! reject (wrong auth header form, `max` > 100, OR21 missing a line, unknown fields in
//! `create_order`, float money, totals that do not add up, a STO01 sooner than once a minute,
//! ...) and they can inject faults (429 storms, 5xx, slow responses, answers lost after the
//! request was applied) from a seeded RNG, so runs are reproducible.
//!
//! Orders: OR11, OR21 on the Mirakl side; `create_order` and `search_read` on the Fulfil side.
//! Dispatch: SH21 (carriers seeded with [`Sandbox::seed_carriers`]), OR23, OR24 and ST01 on the
//! Mirakl side; on the Fulfil side, customer shipments ([`Sandbox::add_shipment`]) read with
//! `search_read` on `stock.shipment.out`, `sale.sale`, `stock.move` and `sale.line`.
//! Stock: the John Lewis offers ([`SandboxOffer`]) are updated by STO01 imports (tracked with
//! STO02/STO03) and read with OF21 or the OF52/OF53/OF54 export; Fulfil stock changes
//! ([`Sandbox::change_stock`]) are pushed as signed `inventory_level_changed` webhooks.
//! Returns, refunds and cancellations: RT11, RT21, RT25, RT26 (returns opened with
//! [`Sandbox::open_return`] or seeded with [`Sandbox::seed_returns`]), OR28, OR29 and OR30 on
//! the Mirakl side; on the Fulfil side, return sales through `create_order` (negative lines,
//! `origin` the sold sale) with their `stock.shipment.out.return` and, once received
//! ([`Sandbox::receive_return_shipment`]), their credit note (`account.invoice`), and
//! `sale.sale/{id}/cancel` and `sale.line/write`. The helpers that play John Lewis' and
//! Fulfil users' part in them are in `admin`.
//!
//! Layout (one concept per file):
//! - `state`: the shared state behind both servers and the request pipeline (auth, stats,
//!   faults, apply);
//! - `faults`: fault configuration and the seeded decisions;
//! - `mirakl` (+ `mirakl/`): the Mirakl router, one file per operation or flow (OR11, OR21,
//!   stock imports, offers and their export, multipart and CSV files, carriers (SH21), OR23,
//!   OR24, ST01);
//! - `fulfil` (+ `fulfil/`): the Fulfil router, `create_order`, `search_read` and its models,
//!   domains, tagged values, shipments, and the stock webhook sender;
//! - `admin`: [`Sandbox`] methods for returns, refunds and cancellations;
//! - `snapshot`: `GET /_sandbox/state`, what both sides hold, as JSON;
//! - `decimal`: exact decimal arithmetic for money validation.

mod admin;
#[cfg(test)]
mod client_agreement;
mod decimal;
#[cfg(test)]
mod dispatch_agreement;
mod faults;
mod fulfil;
mod mirakl;
mod snapshot;
mod state;
#[cfg(test)]
pub(crate) mod test_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::Faults;
pub use fulfil::{FulfilState, ReturnShipmentOf};
pub use mirakl::MiraklState;
pub use snapshot::STATE_PATH;

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
    /// Mirakl's STO01 limit: an upload arriving sooner than this after the previous *accepted*
    /// one is answered 429 with `Retry-After` (the wait left, in whole seconds rounded up) and
    /// is not applied. Independently, an upload is also 429 while the previous import has not
    /// finished (one import in flight). Such 429s are counted in
    /// [`SandboxStats::rate_limited`], not as faults.
    pub stock_import_min_interval: Duration,
    /// How long an accepted STO01 import stays `WAITING` (first half) then `RUNNING` (second
    /// half) before it is processed: its lines are validated and applied to the offers only
    /// then, and STO02 answers `COMPLETE` (or `FAILED`). Zero processes it at once.
    pub stock_import_processing: Duration,
}

impl Default for SandboxConfig {
    /// Keys `sandbox-mirakl-key` / `sandbox-fulfil-key`, channel 1, a 2 s delta, no faults,
    /// Mirakl's 60 s between STO01 uploads, imports processed at once.
    fn default() -> Self {
        SandboxConfig {
            mirakl_api_key: "sandbox-mirakl-key".to_string(),
            fulfil_api_key: "sandbox-fulfil-key".to_string(),
            fulfil_channel_id: 1,
            update_safety_delta: Duration::from_secs(2),
            faults: Faults::default(),
            stock_import_min_interval: Duration::from_secs(60),
            stock_import_processing: Duration::ZERO,
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
    /// `quantity_available` (on hand minus reservations) in the main warehouse, `MAIN`.
    pub quantity_available: f64,
    /// `quantity_on_hand` in `MAIN`.
    pub quantity_on_hand: f64,
    /// Quantity available (and on hand) in the shop warehouse, `STORE`; 0 when absent.
    #[serde(default)]
    pub store_available: f64,
}

/// One of our offers on John Lewis (Mirakl side), as the sandbox holds it.
///
/// When deserialised, `ean` may be absent (none), `quantity` too (0) and `active` too (true).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SandboxOffer {
    /// Our SKU (`shop_sku` in OF21/OF54, `offer-sku` in STO01), matched exactly.
    pub sku: String,
    /// The product's EAN, shown by OF21 as a `product_references` entry of type `EAN`.
    #[serde(default)]
    pub ean: Option<String>,
    /// Available quantity.
    #[serde(default)]
    pub quantity: i64,
    /// Whether the offer is active. A full OF52 export leaves inactive offers out unless
    /// `include_inactive_offers` is set.
    #[serde(default = "default_active")]
    pub active: bool,
}

/// `active` when a deserialised [`SandboxOffer`] does not say.
fn default_active() -> bool {
    true
}

/// A Fulfil customer shipment (`stock.shipment.out`) to add with [`Sandbox::add_shipment`].
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SandboxShipment {
    /// Record id (positive); adding an existing id replaces that shipment and its moves.
    pub id: i64,
    /// The John Lewis order id: the `channel_identifier` of the sale `create_order` made.
    pub order_id: String,
    /// Shipment state: `draft`, `waiting`, `assigned`, `picked`, `packed`, `shipped`, `done`
    /// or `cancelled`. Its moves are `done` when it is `done`, `cancelled` when it is
    /// `cancelled`, `draft` before it is assigned and `assigned` otherwise.
    pub state: String,
    /// Carrier name (`carrier.rec_name`).
    pub carrier: String,
    /// Carrier service name (`carrier_service.name`).
    pub service: Option<String>,
    /// Tracking number (`tracking_number.tracking_number`).
    pub tracking_number: Option<String>,
    /// `(order line id, SKU, quantity)` per outgoing move; the order line id is the
    /// `channel_identifier` of one of the sale's lines, the SKU a known product's code.
    pub lines: Vec<(String, String, f64)>,
    /// `write_date` (and `create_date` for a new shipment).
    pub write_date: chrono::DateTime<chrono::Utc>,
}

/// Counters of what the sandbox saw, for assertions in tests and the demo.
#[derive(Default, Clone, Debug)]
pub struct SandboxStats {
    /// Requests by operation name (`OR11`, `OR21`, `STO01`, `STO02`, `STO03`, `OF21`, `OF52`,
    /// `OF53`, `OF54`, `SH21`, `OR23`, `OR24`, `ST01`, `ST11`, `RT11`, `RT21`, `RT25`,
    /// `RT26`, `OR28`, `OR29`, `OR30`, `create_order`, `search_read`, `cancel`, `write`),
    /// counting every request that reached a handler, including rejected, rate-limited and
    /// faulted ones.
    pub requests: BTreeMap<String, u64>,
    /// Order id -> number of OR21 calls that were applied (answered 2xx, or applied and then
    /// left unanswered by a `hang_after_apply` fault).
    pub or21_applied: BTreeMap<String, u64>,
    /// Order id -> number of OR23 calls that were applied (as for `or21_applied`).
    pub or23_applied: BTreeMap<String, u64>,
    /// Order id -> number of OR24 calls that were applied (as for `or21_applied`).
    pub or24_applied: BTreeMap<String, u64>,
    /// `channel_identifier` -> number of `create_order` calls that reached validation
    /// (including idempotent repeats).
    pub create_order_calls: BTreeMap<String, u64>,
    /// Faults injected (429, 5xx, slow responses, lost answers, damaged answers).
    pub faults_injected: u64,
    /// Faults injected by kind: `429`, `5xx`, `slow`, `hang`, `truncated`, `reset`.
    pub faults_by_kind: BTreeMap<String, u64>,
    /// 4xx answers given for bad requests (not faults, not rate limits), including 401s.
    pub rejected: u64,
    /// The same 4xx answers by operation name.
    pub rejected_by_op: BTreeMap<String, u64>,
    /// Arrival times of the STO01 uploads that were accepted (answered 201), in order.
    pub sto01_accepted: Vec<Instant>,
    /// Operation -> 429s given by the sandbox's own rate limits (e.g. STO01 sooner than
    /// [`SandboxConfig::stock_import_min_interval`]); injected 429 faults are not counted here.
    pub rate_limited: BTreeMap<String, u64>,
}

impl SandboxStats {
    /// Counts a 4xx answer to a bad request of operation `op`.
    pub(crate) fn reject(&mut self, op: &str) {
        self.rejected += 1;
        *self.rejected_by_op.entry(op.to_string()).or_insert(0) += 1;
    }
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
    /// Sends the Fulfil webhooks.
    webhook_client: reqwest::Client,
}

impl Sandbox {
    /// Binds both servers on `127.0.0.1:0` and serves them in tokio tasks.
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let mirakl_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let fulfil_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let mirakl_url = format!("http://{}", mirakl_listener.local_addr()?);
        let fulfil_url = format!("http://{}", fulfil_listener.local_addr()?);
        Sandbox::launch(config, mirakl_url, fulfil_url, |ctx| {
            vec![
                serve(mirakl_listener, mirakl::router(ctx.clone()), ctx.clone()),
                serve(fulfil_listener, fulfil::router(ctx.clone()), ctx),
            ]
        })
    }

    /// Serves both APIs on `listener` (the routes do not overlap: Fulfil's are all under
    /// `/api/v2/model/`), so [`Sandbox::mirakl_url`] and [`Sandbox::fulfil_url`] are the
    /// same; unknown paths get Mirakl's 404. This is `jlm sandbox --serve`.
    pub async fn start_on(
        config: SandboxConfig,
        listener: tokio::net::TcpListener,
    ) -> anyhow::Result<Sandbox> {
        let addr = listener.local_addr()?;
        // A wildcard bind is reached on loopback.
        let host = match addr.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_string(),
            ip if ip.is_unspecified() => "[::1]".to_string(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        let url = format!("http://{host}:{}", addr.port());
        Sandbox::launch(config, url.clone(), url, |ctx| {
            let router = mirakl::routes()
                .merge(fulfil::routes())
                .merge(snapshot::routes())
                .fallback(mirakl::not_found)
                .with_state(ctx.clone());
            vec![serve(listener, router, ctx)]
        })
    }

    /// Builds the shared state and starts the servers `servers` makes from its context.
    fn launch(
        config: SandboxConfig,
        mirakl_url: String,
        fulfil_url: String,
        servers: impl FnOnce(Ctx) -> Vec<JoinHandle<()>>,
    ) -> anyhow::Result<Sandbox> {
        let state = Arc::new(Mutex::new(SandboxState::new(&config, &mirakl_url)));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let ctx = Ctx {
            state: Arc::clone(&state),
            shutdown: shutdown_rx,
        };
        let webhook_client = reqwest::Client::builder()
            .timeout(fulfil::webhook::DELIVERY_TIMEOUT)
            .build()?;
        let tasks = servers(ctx);
        tracing::debug!(%mirakl_url, %fulfil_url, "sandbox started");
        Ok(Sandbox {
            mirakl_url,
            fulfil_url,
            state,
            shutdown_tx,
            tasks,
            webhook_client,
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

    /// Sets the carriers SH21 lists, replacing the previous list (a carrier left out is
    /// withdrawn): each an object `{code, label, standard_code, tracking_url}`
    /// (`tracking_url` a template with `{trackingId}`). OR23 and ST01 accept only these codes.
    /// Objects without a string `code` are skipped with a warning.
    pub fn seed_carriers(&self, carriers: Vec<Value>) {
        state::lock(&self.state).mirakl.carriers.seed(carriers);
    }

    /// Every shipment ST01 created, as ST01 answered it, in creation order.
    pub fn mirakl_shipments(&self) -> Vec<Value> {
        state::lock(&self.state).mirakl.shipments.list.clone()
    }

    /// Adds (or replaces, by id) a Fulfil customer shipment of the sale `create_order` made
    /// for `shipment.order_id`, with one `stock.move` per line (`origin` `sale.line,<id>`).
    /// Fails, changing nothing, when there is no such sale, a line's order line id is not one
    /// of the sale's lines, a SKU is unknown, a quantity is not positive, the carrier is
    /// blank, or the id or state is invalid (see [`SandboxShipment`]).
    pub fn add_shipment(&self, shipment: SandboxShipment) -> anyhow::Result<()> {
        state::lock(&self.state).fulfil.add_shipment(shipment)
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

    /// Everything both sides hold, as `GET /_sandbox/state` answers it (see `snapshot`).
    pub fn state_json(&self) -> Value {
        let mut state = state::lock(&self.state);
        state.settle(Instant::now());
        snapshot::snapshot(&state)
    }

    /// Marks the scripted day played on the sandbox as over (`script.done` in the state).
    pub fn set_script_done(&self, done: bool) {
        state::lock(&self.state).script_done = done;
    }

    /// Adds (or replaces, by `sku`) John Lewis offers. A replaced offer keeps its `offer_id`.
    pub fn seed_offers(&self, offers: Vec<SandboxOffer>) {
        let mut state = state::lock(&self.state);
        state.settle(Instant::now());
        state.mirakl.offers.seed(offers);
    }

    /// Every offer as John Lewis holds it now (current quantities), by SKU. Imports whose
    /// processing time is over are applied first.
    pub fn offers(&self) -> Vec<SandboxOffer> {
        let mut state = state::lock(&self.state);
        state.settle(Instant::now());
        state.mirakl.offers.list()
    }

    /// Deletes the offer `sku` (as John Lewis or the operator may): later STO01 lines for it
    /// fail with "The offer does not exist", and a differential OF52 export lists it as
    /// `deleted`. Returns whether it existed.
    pub fn remove_offer(&self, sku: &str) -> bool {
        let mut state = state::lock(&self.state);
        state.settle(Instant::now());
        state.mirakl.offers.remove(sku)
    }

    /// Sets the quantity of offer `sku` directly, simulating another system writing to John
    /// Lewis (drift). Returns whether the offer exists.
    pub fn set_offer_quantity(&self, sku: &str, quantity: i64) -> bool {
        let mut state = state::lock(&self.state);
        state.settle(Instant::now());
        state.mirakl.offers.set_quantity(sku, quantity)
    }

    /// Where [`Sandbox::change_stock`] delivers Fulfil's `inventory_level_changed` webhooks,
    /// and the webhook secret (base64, as Fulfil shows it) they are signed with.
    pub fn set_webhook_target(&self, url: String, secret_b64: String) {
        state::lock(&self.state)
            .fulfil
            .set_webhook_target(url, secret_b64);
    }

    /// Changes Fulfil stock: sets `quantity_available` of each product (by `code`) to the given
    /// value, `quantity_on_hand` moving with it (reservations kept), as `search_read` then
    /// shows. Fails without changing anything when a code is unknown.
    ///
    /// When `deliver` is true and a target is set ([`Sandbox::set_webhook_target`]), POSTs
    /// ONE `product.product.inventory_level_changed` webhook to it: a JSON array with one
    /// entry per change in Fulfil's format (`timestamp` naive UTC with microseconds, strictly
    /// increasing across entries and calls; `product_code`, `product_id`, a single warehouse
    /// `{warehouse_id: 1, warehouse_code: "MAIN", quantity_on_hand, quantity_available}`,
    /// `listing_quantities: []`), with the headers `X-Fulfil-Event`, `X-Fulfil-Organization:
    /// sandbox` and `X-Fulfil-Hmac-SHA256` (see [`crate::web::hmac::sign`]).
    ///
    /// Returns the receiver's HTTP status, or 0 when nothing was delivered (`deliver` false
    /// or no target). A delivery that gets no answer (connection refused, timeout) is an
    /// error; the stock change itself stays applied.
    pub async fn change_stock(
        &self,
        changes: &[(String, f64)],
        deliver: bool,
    ) -> anyhow::Result<u16> {
        let delivery = {
            let mut state = state::lock(&self.state);
            state.fulfil.change_stock(changes, deliver)?
        };
        let Some(delivery) = delivery else {
            return Ok(0);
        };
        let status = delivery.send(&self.webhook_client).await?;
        state::lock(&self.state)
            .fulfil
            .record_delivery(delivery.body, delivery.signature);
        Ok(status)
    }

    /// Body and `X-Fulfil-Hmac-SHA256` signature of the last webhook [`Sandbox::change_stock`]
    /// delivered (answered, whatever the status), e.g. to replay it in tests.
    pub fn last_webhook(&self) -> Option<(Vec<u8>, String)> {
        state::lock(&self.state).fulfil.last_webhook.clone()
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
