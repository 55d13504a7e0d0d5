//! `[stock]`: the stock publication policy, exactly the keys `buffer`, `percent`, `max`,
//! `zero_below`, `exclude` and per-SKU overrides under `[stock.sku."<SKU>"]`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::inventory::{SkuRule, StockPolicy, StockRule};

/// `[stock]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StockSection {
    /// Units held back (default 0).
    pub buffer: Option<i64>,
    /// Share published, 0..100 (default 100).
    pub percent: Option<u8>,
    /// Cap (default none).
    pub max: Option<i64>,
    /// Publish 0 when the result is below this (default 0).
    pub zero_below: Option<i64>,
    /// SKUs never published.
    pub exclude: Vec<String>,
    /// Per-SKU overrides of any of the four numbers.
    pub sku: BTreeMap<String, SkuOverride>,
}

/// `[stock.sku."<SKU>"]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkuOverride {
    /// Overrides `buffer`.
    pub buffer: Option<i64>,
    /// Overrides `percent`.
    pub percent: Option<u8>,
    /// Overrides `max`.
    pub max: Option<i64>,
    /// Overrides `zero_below`.
    pub zero_below: Option<i64>,
}

impl StockSection {
    /// The policy record passed to the component.
    pub fn policy(&self) -> StockPolicy {
        StockPolicy {
            defaults: StockRule {
                buffer: self.buffer.unwrap_or(0),
                percent: self.percent.unwrap_or(100),
                max: self.max,
                zero_below: self.zero_below.unwrap_or(0),
            },
            overrides: self
                .sku
                .iter()
                .map(|(sku, o)| SkuRule {
                    sku: sku.clone(),
                    buffer: o.buffer,
                    percent: o.percent,
                    max: o.max,
                    zero_below: o.zero_below,
                })
                .collect(),
            exclude: self.exclude.clone(),
        }
    }
}
