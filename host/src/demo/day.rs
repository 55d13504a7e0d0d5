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
