//! Stock sync figures (not timed tests):
//! 1. `plan-stock` over 200,000 SKUs, natively and through the real `.wasm` in wasmtime
//!    (median of seven runs each);
//! 2. change→published latency through webhook, queue, component, STO01 and STO02 against
//!    the sandbox, as a multiple of a shortened pacing interval.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jlm::config::{Config, ConfigDuration};
use jlm::demo::sandbox_config;
use jlm::jobs::{Services, StockJob};
use jlm::sandbox::{Sandbox, SandboxConfig, SandboxOffer, SandboxProduct};
use jlm::stock::events::StockEvents;
use jlm::store::Store;
use jlm::web::metrics::Metrics;
use jlm::web::{WebState, serve};
use tokio::sync::Notify;

use crate::component::{self, Stock};

/// SKUs in the `plan-stock` snapshot.
pub const SKUS: usize = 200_000;
const RUNS: usize = 7;
const INTERVAL: Duration = Duration::from_millis(200);
const SECRET: &str = "YmVuY2gtc2VjcmV0";

/// `plan-stock` over [`SKUS`] SKUs: median time of one plan.
pub struct Figures {
    /// Natively.
    pub native: Duration,
    /// In wasmtime, as `jlm` runs it.
    pub wasm: Duration,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Median of [`RUNS`] timed calls of `plan` on `state`, each on inputs from `setup` (not
/// timed).
fn timed<S, I>(
    state: &mut S,
    mut setup: impl FnMut(&S) -> I,
    mut plan: impl FnMut(&mut S, I) -> usize,
) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let inputs = setup(state);
                let start = Instant::now();
                std::hint::black_box(plan(state, inputs));
                start.elapsed()
            })
            .collect(),
    )
}

/// Times `plan-stock` over [`SKUS`] SKUs, half of them published before, natively then in
/// wasmtime, and prints both.
pub fn plan_stock_figures() -> Figures {
    let snapshot: Vec<plugin::stock::StockLevel> = (0..SKUS)
        .map(|i| plugin::stock::StockLevel {
            sku: format!("JL-{i:06}"),
            warehouse: None,
            available: (i % 97) as f64 + 0.5,
        })
        .collect();
    let ledger: Vec<plugin::stock::Published> = (0..SKUS)
        .step_by(2)
        .map(|i| plugin::stock::Published {
            sku: format!("JL-{i:06}"),
            warehouse: None,
            quantity: 3,
        })
        .collect();
    let offers: Vec<String> = (0..SKUS).map(|i| format!("JL-{i:06}")).collect();
    let known: plugin::fast_hash::FastSet<&str> = offers.iter().map(String::as_str).collect();
    let (buffer, max) = (1, 50);
    let mut policy = plugin::stock::StockPolicy::default();
    policy.defaults.buffer = buffer;
    policy.defaults.max = Some(max);

    let native = timed(
        &mut (),
        |_| (),
        |_, ()| {
            plugin::stock::plan_stock(&snapshot, &ledger, Some(&known), &policy, &[], false)
                .expect("plan")
                .lines
                .len()
        },
    );
    let mut wasm = Stock::new(&snapshot, &ledger, &offers, buffer, max);
    let wasm = timed(&mut wasm, Stock::inputs, Stock::plan);
    println!("plan-stock, {SKUS} SKUs (median of {RUNS}):");
    println!("  native   {:>8.1} ms", native.as_secs_f64() * 1e3);
    println!(
        "  wasm     {:>8.1} ms   (ratio wasm/native {:.2})",
        wasm.as_secs_f64() * 1e3,
        wasm.as_secs_f64() / native.as_secs_f64()
    );
    Figures { native, wasm }
}

/// Prints the change→published latency: webhook changes at pseudo-random instants against
/// the sandbox, through the stock job.
pub async fn latency_figures() {
    let settings = SandboxConfig {
        stock_import_min_interval: INTERVAL.mul_f64(0.9),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(settings.clone()).await.expect("sandbox");
    let skus = 200;
    sandbox.seed_products(
        (0..skus)
            .map(|i| SandboxProduct {
                id: i + 1,
                code: format!("JL-{i:04}"),
                upc: None,
                quantity_available: 10.0,
                quantity_on_hand: 10.0,
                store_available: 0.0,
            })
            .collect(),
    );
    sandbox.seed_offers(
        (0..skus)
            .map(|i| SandboxOffer {
                sku: format!("JL-{i:04}"),
                ean: None,
                quantity: 10,
                active: true,
            })
            .collect(),
    );
    let (mut config, keys): (Config, _) = sandbox_config(&sandbox, &settings);
    config.stock_sync.interval = ConfigDuration(INTERVAL);
    config.stock_sync.status_interval = ConfigDuration(INTERVAL / 20);
    let services = Services::new(
        config,
        &keys,
        Store::in_memory().expect("store"),
        Arc::new(component::runtime()),
    )
    .expect("services");
    let events = StockEvents::new(Vec::new());
    let metrics = Metrics::new();
    let wake = Arc::new(Notify::new());
    let mut state = WebState::new(events.clone(), metrics.clone(), SECRET);
    state.wake = wake.clone();
    let (addr, _server) = serve("127.0.0.1:0".parse().expect("addr"), None, state)
        .await
        .expect("serve");
    sandbox.set_webhook_target(format!("http://{addr}/webhooks/fulfil"), SECRET.into());
    let mut job = StockJob::new(services, events.clone(), metrics.clone());
    job.tick().await.expect("initial reconciliation");
    let worker = tokio::spawn(async move {
        loop {
            let _ = job.tick().await;
            let due = job.next_due().max(Duration::from_millis(1));
            tokio::select! {
                _ = tokio::time::sleep(due) => {}
                _ = wake.notified() => {}
            }
        }
    });
    // Changes at pseudo-random instants over 25 intervals.
    let mut seed: u64 = 42;
    let end = Instant::now() + INTERVAL * 25;
    let mut sent = 0;
    while Instant::now() < end {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let i = (seed >> 33) as usize % skus as usize;
        sandbox
            .change_stock(&[(format!("JL-{i:04}"), ((seed >> 40) % 30) as f64)], true)
            .await
            .expect("webhook");
        sent += 1;
        tokio::time::sleep(Duration::from_millis(3 + (seed >> 50) % 25)).await;
    }
    tokio::time::sleep(INTERVAL * 4).await;
    worker.abort();
    let p50 = metrics.latency_quantile(0.5).unwrap_or(f64::NAN);
    let p99 = metrics.latency_quantile(0.99).unwrap_or(f64::NAN);
    let interval = INTERVAL.as_secs_f64();
    println!(
        "change→published latency, {sent} webhook changes, interval {} ms:",
        INTERVAL.as_millis()
    );
    println!(
        "  p50 {:>6.1} ms = {:.2}× interval",
        p50 * 1e3,
        p50 / interval
    );
    println!(
        "  p99 {:>6.1} ms = {:.2}× interval",
        p99 * 1e3,
        p99 / interval
    );
    println!("  STO01 uploads: {}", sandbox.stats().sto01_accepted.len());
    sandbox.shutdown().await;
}
