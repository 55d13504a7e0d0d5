//! The demo's day played in real time on a running sandbox (`jlm sandbox`).
//!
//! [`play`] spreads the day's events evenly over a period, in the demo's order: each John
//! Lewis order appears (OR11 shows it from then on), then each Fulfil stock change is applied
//! (and sent as a signed webhook when the sandbox has a target); at the end `script.done` is
//! set in `GET /_sandbox/state`. [`ship_sales`] is Fulfil's warehouse: each sale
//! `create_order` made is shipped (a `done` customer shipment with its tracking number) a
//! while after it appeared, with the day's shipments where they fit the sale. Both run on
//! tokio time and take their timing from their arguments (configuration).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::day;
use crate::sandbox::{Sandbox, SandboxShipment};

/// One event of the day.
enum Event {
    /// A John Lewis order appears.
    Order(Value),
    /// A Fulfil stock change (SKU, available).
    Stock(String, f64),
}

/// The day's events in the demo's order: the orders, then the stock changes.
fn events() -> anyhow::Result<Vec<Event>> {
    let orders = day::orders_at(chrono::Utc::now())?
        .into_iter()
        .map(Event::Order);
    let stock = day::stock_changes()
        .into_iter()
        .map(|(sku, qty)| Event::Stock(sku, qty));
    Ok(orders.chain(stock).collect())
}

/// Plays the day over `period` on `sandbox` (see the module docs); returns once it is over
/// and `script.done` is set.
pub async fn play(sandbox: &Sandbox, period: Duration) -> anyhow::Result<()> {
    let events = events()?;
    let start = Instant::now();
    let count = events.len().max(1) as u32;
    for (n, event) in events.into_iter().enumerate() {
        tokio::time::sleep_until(start + period * n as u32 / count).await;
        match event {
            Event::Order(order) => {
                tracing::info!(order_id = %order["order_id"], "sandbox: order placed on John Lewis");
                sandbox.seed_orders(vec![order]);
            }
            Event::Stock(sku, available) => {
                let changes = [(sku.clone(), available)];
                match sandbox.change_stock(&changes, true).await {
                    Ok(status) => {
                        tracing::info!(%sku, available, status, "sandbox: stock changed in Fulfil")
                    }
                    // The change is applied; reconciliation sees it even if no one listens.
                    Err(e) => tracing::warn!(%sku, "sandbox: stock webhook not delivered: {e:#}"),
                }
            }
        }
    }
    tokio::time::sleep_until(start + period).await;
    sandbox.set_script_done(true);
    tracing::info!("sandbox: the scripted day is over");
    Ok(())
}

/// Ships every sale `ship_after` after it first appears, checking every `ship_after / 4`;
/// runs until the task is aborted.
pub async fn ship_sales(sandbox: &Sandbox, ship_after: Duration) -> anyhow::Result<()> {
    let planned = day::shipments(chrono::Utc::now())?;
    let mut first_seen: BTreeMap<i64, Instant> = BTreeMap::new();
    let mut shipped: BTreeSet<i64> = BTreeSet::new();
    let check = (ship_after / 4).max(Duration::from_millis(10));
    loop {
        for sale in sandbox.sales() {
            let Some(id) = sale.get("id").and_then(Value::as_i64) else {
                continue;
            };
            if shipped.contains(&id) {
                continue;
            }
            let seen = *first_seen.entry(id).or_insert_with(Instant::now);
            if seen.elapsed() < ship_after {
                continue;
            }
            shipped.insert(id);
            let order_id = sale["channel_identifier"].as_str().unwrap_or_default();
            let lines = sale_lines(&sale);
            let mut shipments: Vec<SandboxShipment> = planned
                .iter()
                .filter(|s| s.order_id == order_id)
                .cloned()
                .collect();
            // The day's shipments fit the sale only if it has every line they ship (a line
            // refused on John Lewis is not in it).
            let fits = shipments
                .iter()
                .all(|s| s.lines.iter().all(|l| lines.iter().any(|m| m.0 == l.0)));
            if shipments.is_empty() || !fits {
                shipments = whole_sale_shipment(id, order_id, lines)
                    .into_iter()
                    .collect();
            }
            for mut shipment in shipments {
                shipment.write_date = chrono::Utc::now();
                match sandbox.add_shipment(shipment) {
                    Ok(()) => tracing::info!(order_id, "sandbox: Fulfil shipped a sale"),
                    Err(e) => tracing::warn!(order_id, "sandbox: shipment not added: {e:#}"),
                }
            }
        }
        tokio::time::sleep(check).await;
    }
}

/// The `(order line id, SKU, quantity)` of each line of a sale record.
fn sale_lines(sale: &Value) -> Vec<(String, String, f64)> {
    let Some(lines) = sale["order"]["sale_lines"].as_array() else {
        return Vec::new();
    };
    lines
        .iter()
        .filter_map(|line| {
            Some((
                line.get("channel_identifier")
                    .and_then(crate::fulfil::wire::text)?,
                line.get("sku").and_then(crate::fulfil::wire::text)?,
                line.get("quantity").and_then(crate::fulfil::wire::number)?,
            ))
        })
        .collect()
}

/// A Royal Mail shipment of every line of sale `id` (one the day has no shipment for).
fn whole_sale_shipment(
    id: i64,
    order_id: &str,
    lines: Vec<(String, String, f64)>,
) -> Option<SandboxShipment> {
    (!lines.is_empty()).then(|| SandboxShipment {
        id: 90_000 + id,
        order_id: order_id.to_string(),
        state: "done".into(),
        carrier: "Royal Mail".into(),
        service: Some("Tracked 24".into()),
        tracking_number: Some(format!("SB{:09}GB", id % 1_000_000_000)),
        lines,
        write_date: chrono::Utc::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::SandboxConfig;

    #[tokio::test]
    async fn the_whole_day_happens_within_the_period_and_is_then_marked_done() {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox");
        sandbox.seed_products(day::products().expect("products"));
        let orders = |s: &Sandbox| s.state_json()["mirakl"]["orders"].as_array().map(Vec::len);
        assert_eq!(orders(&sandbox), Some(0));
        assert_eq!(sandbox.state_json()["script"]["done"], false);
        // The period is configuration: a short one plays the same day.
        let period = Duration::from_millis(200);
        let started = Instant::now();
        play(&sandbox, period).await.expect("played");
        assert!(started.elapsed() >= period);
        let state = sandbox.state_json();
        assert_eq!(state["script"]["done"], true);
        assert_eq!(orders(&sandbox), Some(12));
        // The day's orders are dated to end now: their acceptance windows are open.
        let created = state["mirakl"]["orders"][0]["order_id"].clone();
        let order = sandbox
            .order(created.as_str().unwrap_or_default())
            .expect("order");
        let created = order["created_date"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .expect("created_date");
        assert!(chrono::Utc::now().signed_duration_since(created) < chrono::Duration::hours(48));
        sandbox.shutdown().await;
    }

    #[test]
    fn the_day_is_the_demos_orders_then_its_stock_changes() {
        let events = events().expect("events");
        assert_eq!(events.len(), 12 + 8);
        assert!(events[..12].iter().all(|e| matches!(e, Event::Order(_))));
        assert!(events[12..].iter().all(|e| matches!(e, Event::Stock(..))));
    }
}
