//! `jlm run`, `jlm status`, `jlm exceptions`, `jlm stock status`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;

use crate::cli::ExceptionsAction;
use crate::config::{ApiKeys, Config, WEB_TOKEN_ENV, WEBHOOK_SECRET_ENV};
use crate::jobs::{DispatchJob, OrdersJob, Services, StockJob};
use crate::runtime::Runtime;
use crate::stock::events::StockEvents;
use crate::store::{RunnerLock, Store};
use crate::web::metrics::Metrics;
use crate::web::{WebState, serve};

/// Runs every job until interrupted (or one cycle of each with `once`).
pub async fn run(config_path: &Path, once: bool, plugin: Option<&Path>) -> anyhow::Result<i32> {
    let config = Config::load(config_path)?;
    config.validate_for_run()?;
    // Held until the process ends: one runner per store.
    let lock = RunnerLock::acquire(&config.store.path)?;
    tracing::info!("holding the runner lock {}", lock.path().display());
    let store = Store::open(&config.store.path)?;
    let runtime = Arc::new(Runtime::load(plugin, config.component.limits())?);
    let retention = config.retention.clone();
    let prune_every = retention.every.0;
    let orders_interval = config.mirakl.orders_poll_interval.0;
    let events = StockEvents::durable(config.stock_sync.warehouses.clone(), store.clone())?;
    let metrics = Metrics::new();
    let wake = Arc::new(Notify::new());
    let bind = config.web.bind.parse().with_context(|| {
        format!(
            "[web] bind = {:?} is not an address like 127.0.0.1:8780",
            config.web.bind
        )
    })?;
    let max_body = config.web.max_body_bytes;
    let allowed_hosts = config.web.allowed_hosts.clone();
    let status_store = store.clone();
    let prune_store = store.clone();
    let services = Services::new(config, &ApiKeys::from_env(), store, runtime)?;
    let mut orders = OrdersJob::new(services.clone());
    let dispatch_interval = services.config.dispatch.poll_interval.0;
    let mut dispatch = DispatchJob::new(services.clone());
    let mut stock = StockJob::new(services, events.clone(), metrics.clone());

    if once {
        if let Err(e) = orders.run_cycle().await {
            tracing::warn!("orders cycle failed: {e:#}");
        }
        if let Err(e) = dispatch.run_cycle().await {
            tracing::warn!("dispatch cycle failed: {e:#}");
        }
        dispatch.check_clocks(chrono::Utc::now()).await?;
        stock.tick().await?;
        crate::jobs::prune_store(&prune_store, &retention, chrono::Utc::now())?;
        // Follow the upload this cycle made until John Lewis finishes it (bounded).
        for _ in 0..20 {
            if stock.status()["in_flight_import"].is_null() {
                break;
            }
            tokio::time::sleep(stock.next_due().min(Duration::from_secs(15))).await;
            stock.tick().await?;
        }
        return Ok(0);
    }

    match std::env::var(WEBHOOK_SECRET_ENV) {
        Ok(secret) if !secret.trim().is_empty() => {
            let mut state = WebState::new(events.clone(), metrics, secret);
            state.max_body_bytes = max_body;
            state.allowed_hosts = allowed_hosts;
            state.wake = wake.clone();
            state.status = Arc::new(move || dashboard_status(&status_store, &events));
            let token = std::env::var(WEB_TOKEN_ENV).ok().filter(|t| !t.is_empty());
            let (addr, _server) = serve(bind, token, state).await?;
            tracing::info!("serving webhooks, dashboard and metrics on http://{addr}");
        }
        _ => tracing::warn!(
            "{WEBHOOK_SECRET_ENV} is not set: Fulfil webhooks are off, stock follows Fulfil through reconciliation only"
        ),
    }

    let stock_wake = wake.clone();
    let stock_task = tokio::spawn(async move {
        loop {
            if let Err(e) = stock.tick().await {
                tracing::warn!("stock tick failed: {e:#}");
            }
            let due = stock.next_due().max(Duration::from_millis(5));
            tokio::select! {
                _ = tokio::time::sleep(due) => {}
                _ = stock_wake.notified() => {}
            }
        }
    });
    let orders_task = tokio::spawn(async move {
        loop {
            match orders.run_cycle().await {
                Ok(report) => tracing::info!(?report, "orders cycle"),
                Err(e) => tracing::warn!("orders cycle failed: {e:#}"),
            }
            tokio::time::sleep(orders_interval).await;
        }
    });
    // Dispatch is polled, and the clocks evaluated, every `[dispatch] poll_interval`.
    let dispatch_task = tokio::spawn(async move {
        loop {
            match dispatch.run_cycle().await {
                Ok(report) => tracing::info!(?report, "dispatch cycle"),
                Err(e) => tracing::warn!("dispatch cycle failed: {e:#}"),
            }
            if let Err(e) = dispatch.check_clocks(chrono::Utc::now()).await {
                tracing::warn!("clocks failed: {e:#}");
            }
            tokio::time::sleep(dispatch_interval).await;
        }
    });
    // Pruning, at start and every `[retention] every`.
    let prune_task = tokio::spawn(async move {
        loop {
            if let Err(e) = crate::jobs::prune_store(&prune_store, &retention, chrono::Utc::now()) {
                tracing::warn!("pruning failed: {e:#}");
            }
            tokio::time::sleep(prune_every).await;
        }
    });
    tokio::signal::ctrl_c().await.context("wait for ctrl-c")?;
    tracing::info!("stopping");
    stock_task.abort();
    orders_task.abort();
    dispatch_task.abort();
    prune_task.abort();
    drop(lock);
    Ok(0)
}

/// What the dashboard shows: orders by stage, the outbox, open exceptions by team, stock.
fn dashboard_status(store: &Store, events: &StockEvents) -> serde_json::Value {
    let by = |rows: Vec<(String, i64)>| {
        rows.into_iter()
            .map(|(k, v)| (k, serde_json::json!(v)))
            .collect::<serde_json::Map<_, _>>()
    };
    let mut teams = serde_json::Map::new();
    for e in store.exceptions(false).unwrap_or_default() {
        let entry = teams
            .entry(e.team.clone())
            .or_insert_with(|| serde_json::json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(serde_json::json!(format!(
                "[{}] {} {}: {}",
                e.severity, e.code, e.subject, e.message
            )));
        }
    }
    let held_for_orders = crate::jobs::saved_stock_status(store)
        .map(|saved| saved["held_for_orders"].clone())
        .unwrap_or_default();
    serde_json::json!({
        "orders": by(store.order_counts().unwrap_or_default()),
        "outbox": by(store.outbox_counts().unwrap_or_default()),
        "open exceptions": teams,
        "stock": {
            "queued changes": events.depth(),
            "oldest change age (s)": events.oldest_age().map(|a| a.as_secs()),
            "latest imports": store.stock_imports(5).unwrap_or_default(),
            "held for orders not yet in Fulfil": held_for_orders,
        },
    })
}

fn open_store(config_path: &Path) -> anyhow::Result<Store> {
    let config = if config_path.exists() {
        Config::load(config_path)?
    } else {
        Config::default()
    };
    Store::open(&config.store.path).with_context(|| "open the store named in [store] path")
}

/// Prints orders by stage, the outbox and open exceptions.
pub fn status(config_path: &Path, json: bool) -> anyhow::Result<i32> {
    let store = open_store(config_path)?;
    let orders = store.order_counts()?;
    let outbox = store.outbox_counts()?;
    let exceptions = store.exceptions(false)?;
    if json {
        let by = |rows: &[(String, i64)]| {
            rows.iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect::<serde_json::Map<_, _>>()
        };
        println!(
            "{}",
            serde_json::json!({"orders": by(&orders), "outbox": by(&outbox), "open_exceptions": exceptions.len()})
        );
        return Ok(0);
    }
    println!(
        "orders:   {}",
        orders
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "outbox:   {}",
        outbox
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("open exceptions: {}", exceptions.len());
    Ok(0)
}

/// `jlm stock status`: the queue and import in flight (as the running job last saved them),
/// the latest imports and the ledger size.
pub fn stock_status(config_path: &Path, json: bool) -> anyhow::Result<i32> {
    let store = open_store(config_path)?;
    let saved = crate::jobs::saved_stock_status(&store)?;
    let imports = store.stock_imports(5)?;
    let ledger = store.ledger()?;
    let last_publish = ledger.iter().map(|e| e.published_at.as_str()).max();
    if json {
        println!(
            "{}",
            serde_json::json!({"job": saved, "imports": imports, "ledger_skus": ledger.len(), "last_publish": last_publish})
        );
        return Ok(0);
    }
    if saved.is_null() {
        println!("the stock job has not run yet");
    } else {
        println!("as of {}:", saved["at"].as_str().unwrap_or("?"));
        println!("  queued changes     {}", saved["queue_depth"]);
        println!(
            "  oldest change age  {}s",
            saved["oldest_change_age_seconds"]
        );
        println!("  import in flight   {}", saved["in_flight_import"]);
        println!(
            "  latency p50 / p99  {}s / {}s",
            saved["latency_p50_seconds"], saved["latency_p99_seconds"]
        );
        let held = saved["held_for_orders"].as_object();
        println!(
            "  held for orders not yet in Fulfil  {} units of {} SKUs (not published again)",
            held.map_or(0, |h| h
                .values()
                .filter_map(serde_json::Value::as_i64)
                .sum::<i64>()),
            held.map_or(0, |h| h.len())
        );
    }
    println!(
        "SKUs published       {} (last at {})",
        ledger.len(),
        last_publish.unwrap_or("never")
    );
    for i in imports {
        println!(
            "  import {}  {}  {} lines, {} in error, submitted {}",
            i.import_id,
            i.state,
            i.lines,
            i.lines_in_error.map_or("?".to_string(), |n| n.to_string()),
            i.submitted_at
        );
    }
    Ok(0)
}

/// `jlm carriers check`.
pub async fn carriers_check(
    config_path: &Path,
    json: bool,
    plugin: Option<&Path>,
) -> anyhow::Result<i32> {
    let config = Config::load(config_path)?;
    config.validate_for_run()?;
    let store = Store::open(&config.store.path)?;
    let runtime = Arc::new(Runtime::load(plugin, config.component.limits())?);
    let services = Services::new(config, &ApiKeys::from_env(), store, runtime)?;
    let rows = crate::jobs::check_carriers(&services).await?;
    if json {
        println!("{}", serde_json::to_string(&rows)?);
    } else {
        print!("{}", crate::jobs::render_carriers(&rows));
    }
    Ok(if rows.iter().all(|r| r.status == "mapped") {
        0
    } else {
        1
    })
}

/// `jlm exceptions list|resolve`.
pub fn exceptions(action: ExceptionsAction) -> anyhow::Result<i32> {
    match action {
        ExceptionsAction::List {
            config,
            all,
            team,
            json,
        } => {
            let store = open_store(&config)?;
            let rows: Vec<_> = store
                .exceptions(all)?
                .into_iter()
                .filter(|e| team.as_deref().is_none_or(|t| e.team == t))
                .collect();
            if json {
                println!("{}", serde_json::to_string(&rows)?);
            } else if rows.is_empty() {
                println!("no exceptions");
            } else {
                for e in rows {
                    println!(
                        "#{:<4} {:<9} {:<10} {:<22} {}  (seen {}×, last {}, {})\n      {}",
                        e.id,
                        e.severity,
                        e.team,
                        e.code,
                        e.subject,
                        e.count,
                        e.last_seen,
                        e.state,
                        e.message
                    );
                }
            }
            Ok(0)
        }
        ExceptionsAction::Resolve { config, id } => {
            let store = open_store(&config)?;
            if store.resolve_exception(id)? {
                store.audit("exception.resolved", &id.to_string(), "by hand")?;
                println!("exception #{id} resolved");
                Ok(0)
            } else {
                eprintln!("jlm: no exception #{id}");
                Ok(2)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_shows_the_units_held_for_orders_not_yet_in_fulfil() {
        let store = Store::in_memory().expect("store");
        let events = StockEvents::new(Vec::new());
        let held = |store: &Store| {
            dashboard_status(store, &events)["stock"]["held for orders not yet in Fulfil"].clone()
        };
        assert_eq!(
            held(&store),
            serde_json::Value::Null,
            "before the stock job ran"
        );
        store
            .set_cursor("stock.status", r#"{"held_for_orders": {"JL-MUG-001": 2}}"#)
            .expect("status");
        assert_eq!(held(&store), serde_json::json!({"JL-MUG-001": 2}));
    }
}
