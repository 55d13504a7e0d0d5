//! `jlm run`, `jlm status`, `jlm exceptions`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::ExceptionsAction;
use crate::config::{ApiKeys, Config};
use crate::jobs::{OrdersJob, Services};
use crate::runtime::Runtime;
use crate::store::Store;

/// Runs the jobs until interrupted (or one cycle with `once`).
pub async fn run(config_path: &Path, once: bool) -> anyhow::Result<i32> {
    let config = Config::load(config_path)?;
    config.validate_for_run()?;
    let store = Store::open(&config.store.path)?;
    let runtime = Arc::new(Runtime::embedded()?);
    let interval = config.mirakl.orders_poll_interval.0;
    let services = Services::new(config, &ApiKeys::from_env(), store, runtime)?;
    let mut orders = OrdersJob::new(services);
    loop {
        match orders.run_cycle().await {
            Ok(report) => tracing::info!(?report, "orders cycle"),
            Err(e) => tracing::warn!("orders cycle failed: {e:#}"),
        }
        if once {
            return Ok(0);
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("stopping");
                return Ok(0);
            }
        }
    }
}

fn open_store(config_path: &Path) -> anyhow::Result<Store> {
    let config = if config_path.exists() {
        Config::load(config_path)?
    } else {
        Config::default()
    };
    Store::open(&config.store.path).with_context(|| "open the store named in [store] path")
}

/// Prints orders by stage, the outbox and open exceptions by team.
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
