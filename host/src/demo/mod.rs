//! `jlm demo`: starts the sandbox in-process, points the real orders job at it, runs a day
//! of trading through it and prints what happened.

pub mod day;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{ApiKeys, Config, ConfigDuration};
use crate::jobs::{CycleReport, OrdersJob, Services};
use crate::runtime::Runtime;
use crate::sandbox::{Faults, Sandbox, SandboxConfig};
use crate::store::Store;

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

/// Runs the demo and prints the summary.
pub async fn run() -> anyhow::Result<()> {
    let sandbox_settings = SandboxConfig {
        faults: Faults {
            seed: 2026,
            rate_429: 0.05,
            rate_5xx: 0.05,
            retry_after_secs: 1,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(sandbox_settings.clone()).await?;
    sandbox.seed_products(day::products()?);
    let orders = day::orders()?;
    let order_count = orders.len();
    sandbox.seed_orders(orders);

    let (config, keys) = sandbox_config(&sandbox, &sandbox_settings);
    let store = Store::in_memory()?;
    store.replace_offers(&day::offers()?)?;
    let runtime = Arc::new(Runtime::embedded()?);
    let services = Services::new(config, &keys, store.clone(), runtime)?;
    let mut job = OrdersJob::new(services);
    println!(
        "jlm demo: {order_count} John Lewis orders of 2026-11-27 through the sandbox (5% of calls fail with 429 or 5xx)\n"
    );
    let total = run_until_quiet(&mut job, 8).await?;
    let stats = sandbox.stats();

    println!("orders imported from John Lewis  {order_count}");
    println!("accepted on John Lewis (OR21)    {}", total.accepted);
    println!("refused, out of stock (OR21)     {}", total.refused);
    println!("held for a person                {}", total.held);
    println!(
        "created in Fulfil                {}  (sales in the Fulfil sandbox: {})",
        total.created,
        sandbox.sales().len()
    );
    println!("faults injected and ridden out   {}", stats.faults_injected);
    let exceptions = store.exceptions(false)?;
    let mut by_team: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &exceptions {
        by_team
            .entry(e.team.clone())
            .or_default()
            .push(e.code.clone());
    }
    println!("\nopen exceptions by team:");
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
