//! The scripted day of trading the sandbox is seeded with (`fixtures/sandbox/`), embedded so
//! `jlm demo` works from any directory.

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::sandbox::SandboxProduct;
use crate::store::OfferEntry;

const PRODUCTS: &str = include_str!("../../../fixtures/sandbox/products.json");
const ORDERS: &str = include_str!("../../../fixtures/sandbox/orders.json");
const OFFERS: &str = include_str!("../../../fixtures/sandbox/offers.json");

/// The Fulfil catalogue of the day.
pub fn products() -> anyhow::Result<Vec<SandboxProduct>> {
    serde_json::from_str(PRODUCTS).context("fixtures/sandbox/products.json")
}

/// The John Lewis orders of the day (full OR11 objects), dated as in the fixture.
pub fn orders() -> anyhow::Result<Vec<Value>> {
    serde_json::from_str(ORDERS).context("fixtures/sandbox/orders.json")
}

/// The end of the fixture's day (after its last order): [`orders_at`] moves it to `now`.
const DAY_END: &str = "2026-11-27T20:00:00Z";

/// The day's orders as if the day ended at `now`: every date in them (created, updated,
/// shipping deadline, delivery window, …) moved by the same amount, so acceptance and
/// dispatch deadlines lie ahead as they did on the day.
pub fn orders_at(now: DateTime<Utc>) -> anyhow::Result<Vec<Value>> {
    let end = DateTime::parse_from_rfc3339(DAY_END)
        .context("the day's end")?
        .with_timezone(&Utc);
    let shift = now.signed_duration_since(end);
    let mut orders = orders()?;
    orders
        .iter_mut()
        .for_each(|order| shift_dates(order, shift));
    Ok(orders)
}

/// Moves every RFC 3339 date-time string in `value` by `shift`, keeping its precision.
fn shift_dates(value: &mut Value, shift: chrono::TimeDelta) {
    match value {
        Value::String(text) => {
            let parsed = (text.len() >= 20 && text.as_bytes().get(10) == Some(&b'T'))
                .then(|| DateTime::parse_from_rfc3339(text).ok())
                .flatten();
            if let Some(moved) =
                parsed.and_then(|t| t.with_timezone(&Utc).checked_add_signed(shift))
            {
                *text = moved.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_dates(v, shift)),
        Value::Object(map) => map.values_mut().for_each(|v| shift_dates(v, shift)),
        _ => {}
    }
}

/// The day's offers as the sandbox holds them on John Lewis: active, no units yet.
pub fn sandbox_offers() -> anyhow::Result<Vec<crate::sandbox::SandboxOffer>> {
    Ok(offers()?
        .into_iter()
        .map(|o| crate::sandbox::SandboxOffer {
            sku: o.sku,
            ean: o.ean,
            quantity: 0,
            active: true,
        })
        .collect())
}

/// What John Lewis holds for each offer (SKU, EAN).
pub fn offers() -> anyhow::Result<Vec<OfferEntry>> {
    #[derive(serde::Deserialize)]
    struct Offer {
        sku: String,
        ean: Option<String>,
    }
    let offers: Vec<Offer> =
        serde_json::from_str(OFFERS).context("fixtures/sandbox/offers.json")?;
    Ok(offers
        .into_iter()
        .map(|o| OfferEntry {
            sku: o.sku,
            ean: o.ean,
            quantity: None,
        })
        .collect())
}

/// John Lewis' approved carriers (an SH21 body's `carriers`).
pub fn carriers() -> anyhow::Result<Vec<Value>> {
    let body: Value = serde_json::from_str(include_str!("../../../fixtures/sandbox/carriers.json"))
        .context("fixtures/sandbox/carriers.json")?;
    Ok(body
        .get("carriers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// The demo seller's carrier table (`[[carriers.map]]`).
pub fn carrier_table() -> anyhow::Result<crate::config::CarriersSection> {
    let config =
        crate::config::Config::parse(include_str!("../../../fixtures/sandbox/carriers.toml"))
            .context("fixtures/sandbox/carriers.toml")?;
    Ok(config.carriers)
}

/// The day's shipments in Fulfil, dated `at`.
pub fn shipments(
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<crate::sandbox::SandboxShipment>> {
    #[derive(serde::Deserialize)]
    struct Shipment {
        id: i64,
        order_id: String,
        carrier: String,
        service: Option<String>,
        tracking_number: Option<String>,
        lines: Vec<(String, String, f64)>,
    }
    let shipments: Vec<Shipment> =
        serde_json::from_str(include_str!("../../../fixtures/sandbox/shipments.json"))
            .context("fixtures/sandbox/shipments.json")?;
    Ok(shipments
        .into_iter()
        .map(|s| crate::sandbox::SandboxShipment {
            id: s.id,
            order_id: s.order_id,
            state: "done".into(),
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            lines: s.lines,
            write_date: at,
        })
        .collect())
}

/// The day's stock changes in Fulfil (SKU, available): sales on other channels, a delivery,
/// a stock count.
pub fn stock_changes() -> Vec<(String, f64)> {
    [
        ("JL-MUG-001", 18.0),
        ("JL-THROW-014", 3.0),
        ("JL-CANDLE-021", 0.0),
        ("JL-VASE-005", 7.0),
        ("JL-MUG-001", 16.0),
        ("JL-LAMP-002", 12.0),
        ("JL-TOWEL-009", 40.0),
        ("JL-NAPKIN-012", 2.5),
    ]
    .into_iter()
    .map(|(sku, qty)| (sku.to_string(), qty))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_dated_to_end_now_with_deadlines_ahead() {
        let now = Utc::now();
        let orders = orders_at(now).expect("orders");
        let fixed = orders_fixed();
        assert_eq!(orders.len(), fixed.len());
        for (moved, fixed) in orders.iter().zip(&fixed) {
            let date = |o: &Value, key: &str| {
                o[key]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .expect(key)
            };
            let created = date(moved, "created_date");
            assert!(created <= now, "{created} is not in the future");
            // The 48-hour acceptance window is still open.
            assert!(created + chrono::Duration::hours(48) > now);
            assert!(date(moved, "shipping_deadline") > now);
            // Same gaps as on the day, and nothing else changed.
            assert_eq!(
                date(moved, "shipping_deadline") - created,
                date(fixed, "shipping_deadline") - date(fixed, "created_date")
            );
            assert_eq!(moved["order_id"], fixed["order_id"]);
            assert_eq!(
                moved["order_lines"][0]["price"],
                fixed["order_lines"][0]["price"]
            );
        }
    }

    fn orders_fixed() -> Vec<Value> {
        orders().expect("orders")
    }
}
