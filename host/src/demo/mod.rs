//! `jlm demo`: starts the sandbox in-process, points the real jobs at it (orders, stock,
//! dispatch), runs a scripted day of trading through them and prints what happened.
//! `script` plays the same day in real time on a standalone sandbox (`jlm sandbox`).

pub mod day;
pub mod script;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{ApiKeys, Config, ConfigDuration};
use crate::jobs::{CycleReport, DispatchJob, OrdersJob, Services, StockJob};
use crate::runtime::Runtime;
use crate::sandbox::{Faults, Sandbox, SandboxConfig};
use crate::stock::events::StockEvents;
use crate::store::Store;
use crate::web::metrics::Metrics;
use crate::web::{WebState, serve};

/// The demo's stock interval (Mirakl's is 60 s; intervals are configuration).
const STOCK_INTERVAL: Duration = Duration::from_millis(100);
/// The demo's webhook secret (base64, as Fulfil shows secrets).
const DEMO_SECRET: &str = "ZGVtby13ZWJob29rLXNlY3JldA==";

/// A configuration pointing at `sandbox` with intervals shrunk for a quick run.
pub fn sandbox_config(sandbox: &Sandbox, sandbox_config: &SandboxConfig) -> (Config, ApiKeys) {
    let mut config = Config::default();
    config.mirakl.base_url = sandbox.mirakl_url.clone();
    config.mirakl.orders_poll_interval = ConfigDuration(Duration::from_millis(50));
    config.mirakl.call_interval = ConfigDuration(Duration::from_millis(2));
    config.mirakl.export_poll_interval = ConfigDuration(Duration::from_millis(5));
    config.fulfil.base_url = sandbox.fulfil_url.clone();
    config.fulfil.channel_id = sandbox_config.fulfil_channel_id;
    config.fulfil.call_interval = ConfigDuration(Duration::from_millis(2));
    config
        .orders
        .tax_names
        .insert("GB-VAT-STANDARD".into(), "UK Standard VAT".into());
    config.retry.base_delay = ConfigDuration(Duration::from_millis(5));
    config.retry.max_delay = ConfigDuration(Duration::from_millis(50));
    config.retry.retry_after_cap = ConfigDuration(Duration::from_millis(50));
    config.retry.timeout = ConfigDuration(Duration::from_secs(2));
    config.retry.max_attempts = 8;
    let keys = ApiKeys {
        mirakl: sandbox_config.mirakl_api_key.clone(),
        fulfil: sandbox_config.fulfil_api_key.clone(),
    };
    (config, keys)
}

/// Runs the orders job until a cycle changes nothing (at most `max_cycles`).
pub async fn run_until_quiet(
    job: &mut OrdersJob,
    max_cycles: usize,
) -> anyhow::Result<CycleReport> {
    let mut total = CycleReport::default();
    for cycle in 0..max_cycles {
        let report = match job.run_cycle().await {
            Ok(report) => report,
            Err(e) => {
                tracing::warn!("cycle {cycle} failed: {e:#}");
                continue;
            }
        };
        total.fetched = total.fetched.max(report.fetched);
        total.planned += report.planned;
        total.accepted += report.accepted;
        total.refused += report.refused;
        total.held += report.held;
        total.created += report.created;
        total.deferred = report.deferred;
        let busy =
            report.accepted + report.refused + report.created + report.deferred + report.held;
        if cycle > 0 && busy == 0 {
            break;
        }
    }
    Ok(total)
}

/// Runs the demo and prints the summary, with the component at `plugin` (the embedded one
/// without it).
pub async fn run(plugin: Option<&std::path::Path>) -> anyhow::Result<()> {
    let sandbox_settings = SandboxConfig {
        faults: Faults {
            seed: 2026,
            rate_429: 0.05,
            rate_5xx: 0.05,
            retry_after_secs: 1,
            ..Faults::default()
        },
        stock_import_min_interval: STOCK_INTERVAL.mul_f64(0.9),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(sandbox_settings.clone()).await?;
    sandbox.seed_products(day::products()?);
    let orders = day::orders_at(chrono::Utc::now())?;
    let order_count = orders.len();
    sandbox.seed_orders(orders);
    sandbox.seed_offers(day::sandbox_offers()?);
    sandbox.seed_carriers(day::carriers()?);

    let (mut config, keys) = sandbox_config(&sandbox, &sandbox_settings);
    config.carriers = day::carrier_table()?;
    config.stock_sync.interval = ConfigDuration(STOCK_INTERVAL);
    config.stock_sync.status_interval = ConfigDuration(STOCK_INTERVAL / 10);
    let store = Store::in_memory()?;
    store.replace_offers(&day::offers()?)?;
    let runtime = Arc::new(Runtime::load(plugin, Default::default())?);
    let services = Services::new(config, &keys, store.clone(), runtime)?;
    println!(
        "jlm demo: a day of trading on John Lewis Marketplace through the sandbox (5% of calls fail with 429 or 5xx)\n"
    );

    // Orders: accept/refuse/hold on John Lewis, create the paid ones in Fulfil.
    let mut job = OrdersJob::new(services.clone());
    let total = run_until_quiet(&mut job, 8).await?;
    println!("ORDERS");
    println!("  imported from John Lewis         {order_count}");
    println!("  accepted on John Lewis (OR21)    {}", total.accepted);
    println!("  refused, out of stock (OR21)     {}", total.refused);
    println!("  held for a person                {}", total.held);
    println!(
        "  created in Fulfil                {}  (sales in the Fulfil sandbox: {})",
        total.created,
        sandbox.sales().len()
    );

    // Stock: reconcile at start, then Fulfil changes arrive as signed webhooks.
    let events = StockEvents::new(Vec::new());
    let metrics = Metrics::new();
    let mut state = WebState::new(events.clone(), metrics.clone(), DEMO_SECRET);
    let wake = Arc::new(tokio::sync::Notify::new());
    state.wake = wake.clone();
    let (addr, server) = serve("127.0.0.1:0".parse()?, None, state).await?;
    sandbox.set_webhook_target(format!("http://{addr}/webhooks/fulfil"), DEMO_SECRET.into());
    let mut stock = StockJob::new(services.clone(), events.clone(), metrics.clone());
    let mut changes = 0;
    for (round, batch) in day::stock_changes().chunks(4).enumerate() {
        if round == 0 {
            stock.tick().await?; // start-up reconciliation
        }
        sandbox.change_stock(batch, true).await?;
        changes += batch.len();
        for _ in 0..40 {
            stock.tick().await?;
            if events.depth() == 0 && stock.status()["in_flight_import"].is_null() {
                break;
            }
            tokio::time::sleep(stock.next_due().max(Duration::from_millis(5))).await;
        }
    }
    server.abort();
    let imports = store.stock_imports(100)?;
    println!("\nSTOCK");
    println!("  Fulfil changes (webhooks)        {changes}");
    println!(
        "  STO01 imports (one in flight, ≥ {} ms apart)  {}",
        STOCK_INTERVAL.as_millis(),
        imports.len()
    );
    println!(
        "  offers published                 {}",
        store.ledger()?.len()
    );
    println!(
        "  change→published p50 / p99       {:.0} ms / {:.0} ms",
        metrics.latency_quantile(0.5).unwrap_or(0.0) * 1e3,
        metrics.latency_quantile(0.99).unwrap_or(0.0) * 1e3
    );

    // Dispatch: Fulfil shipments confirmed on John Lewis with approved carriers only.
    for shipment in day::shipments(chrono::Utc::now())? {
        sandbox.add_shipment(shipment)?;
    }
    let mut dispatch = DispatchJob::new(services.clone());
    let mut sent = 0;
    for _ in 0..3 {
        sent += dispatch.run_cycle().await.map(|r| r.sent).unwrap_or(0);
    }
    let shipped = day::orders()?
        .iter()
        .filter_map(|o| o.get("order_id").and_then(serde_json::Value::as_str))
        .filter(|id| {
            sandbox
                .order(id)
                .is_some_and(|o| o["order_state"] == "SHIPPED")
        })
        .count();
    println!("\nDISPATCH");
    println!("  Fulfil shipments confirmed       {sent}");
    println!("  orders SHIPPED on John Lewis     {shipped}");
    println!("\n$ jlm carriers check");
    print!(
        "{}",
        crate::jobs::render_carriers(&crate::jobs::check_carriers(&services).await?)
    );

    let exceptions = store.exceptions(false)?;
    let mut by_team: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &exceptions {
        by_team
            .entry(e.team.clone())
            .or_default()
            .push(e.code.clone());
    }
    println!(
        "\nOPEN EXCEPTIONS BY TEAM  (faults injected and ridden out: {})",
        sandbox.stats().faults_injected
    );
    for (team, codes) in &by_team {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        codes
            .iter()
            .for_each(|c| *counts.entry(c.as_str()).or_default() += 1);
        let detail: Vec<String> = counts.iter().map(|(c, n)| format!("{c} ×{n}")).collect();
        println!("  {team:<11} {:>2}  {}", codes.len(), detail.join(", "));
    }
    println!();
    for e in &exceptions {
        println!(
            "  [{}] {} {} — {}",
            e.severity, e.code, e.subject, e.message
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
