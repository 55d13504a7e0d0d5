//! Offers as Mirakl sees them: the asynchronous full export (OF52 → OF53 → OF54) used for
//! reconciliation, and OF21 paging as a fallback where the export is not available.
//!
//! Pacing, on top of the pacer every Mirakl call waits on: the OF52 request and every OF53
//! poll are at least
//! [`MiraklConfig::export_poll_interval`](super::MiraklConfig::export_poll_interval) apart.

mod export;
mod listing;

use std::collections::HashMap;

use serde_json::Value;

use crate::http::ApiError;
use crate::mirakl::lenient::{id_text, lenient_bool};

pub use listing::OFFERS_PAGE_SIZE;

/// One of our offers on Mirakl, reduced to what stock reconciliation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiraklOffer {
    /// Our SKU for the offer (`shop_sku`).
    pub sku: String,
    /// The product's EAN: the `product_references` entry whose `reference_type` is `EAN` (any
    /// letter case), else `product_id` when `product_id_type` is `EAN`. OF21 carries
    /// `product_references`; the OF52 export does not, so this is `None` for exported offers
    /// unless Mirakl adds it.
    pub ean: Option<String>,
    /// Available quantity (`quantity`), when given as an integer.
    pub quantity: Option<i64>,
    /// Whether the offer is active (`active`), when given.
    pub active: Option<bool>,
}

fn decode(reason: &str) -> ApiError {
    ApiError::Decode {
        reason: reason.to_owned(),
    }
}

/// Reads one offer object; `None` when it has no SKU or is flagged deleted.
fn parse_offer(value: &Value) -> Option<MiraklOffer> {
    if lenient_bool(value.get("deleted")) == Some(true) {
        return None;
    }
    let sku = value.get("shop_sku").and_then(id_text)?;
    Some(MiraklOffer {
        sku,
        ean: ean_of(value),
        quantity: lenient_i64(value.get("quantity")),
        active: lenient_bool(value.get("active")),
    })
}

/// The EAN of an offer's product (see [`MiraklOffer::ean`]).
fn ean_of(value: &Value) -> Option<String> {
    let is_ean = |t: Option<&Value>| {
        t.and_then(Value::as_str)
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("EAN"))
    };
    value
        .get("product_references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| is_ean(r.get("reference_type")))
        .find_map(|r| r.get("reference").and_then(id_text))
        .or_else(|| {
            is_ean(value.get("product_id_type"))
                .then(|| value.get("product_id").and_then(id_text))
                .flatten()
        })
}

/// An integer given as a JSON integer, an integral float or a numeric string.
fn lenient_i64(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Offers in first-seen order, deduplicated by SKU (last copy wins).
#[derive(Default)]
struct OfferSet {
    offers: Vec<MiraklOffer>,
    index: HashMap<String, usize>,
    without_sku: usize,
}

impl OfferSet {
    fn insert(&mut self, value: &Value) {
        if !value.is_object() {
            self.without_sku += 1;
            return;
        }
        let Some(offer) = parse_offer(value) else {
            if value.get("shop_sku").and_then(id_text).is_none() {
                self.without_sku += 1;
            }
            return;
        };
        match self.index.get(&offer.sku) {
            Some(&at) => self.offers[at] = offer,
            None => {
                self.index.insert(offer.sku.clone(), self.offers.len());
                self.offers.push(offer);
            }
        }
    }

    fn finish(self, source: &str) -> Result<Vec<MiraklOffer>, ApiError> {
        if self.without_sku > 0 {
            tracing::warn!(
                source,
                skipped = self.without_sku,
                "offers without a shop_sku were left out"
            );
        }
        Ok(self.offers)
    }
}

#[cfg(test)]
mod tests;
