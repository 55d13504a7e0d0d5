//! The scripted day of trading the sandbox is seeded with (`fixtures/sandbox/`), embedded so
//! `jlm demo` works from any directory.

use anyhow::Context;
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

/// The John Lewis orders of the day (full OR11 objects).
pub fn orders() -> anyhow::Result<Vec<Value>> {
    serde_json::from_str(ORDERS).context("fixtures/sandbox/orders.json")
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
