//! What the host exchanges with the component's `inventory` interface, and the
//! `jlm plan stock` JSON of a plan.

use serde::Serialize;

use super::types::{Exception, Resolution, plan_json};

/// Fulfil's available units of one SKU (in one warehouse, or all).
#[derive(Clone, Debug, PartialEq)]
pub struct StockLevel {
    /// Product code.
    pub sku: String,
    /// Warehouse code, when stock is published per warehouse.
    pub warehouse: Option<String>,
    /// Units available as Fulfil reports them (may be fractional or negative).
    pub available: f64,
}

/// A quantity John Lewis holds (last published, or shown by OF52).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// Offer SKU.
    pub sku: String,
    /// Warehouse code, when per warehouse.
    pub warehouse: Option<String>,
    /// Units.
    pub quantity: i64,
}

/// The stock rule applied to a SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRule {
    /// Units held back for volatile SKUs.
    pub buffer: i64,
    /// Share of what is left that is published, 0..100.
    pub percent: u8,
    /// Cap on the published quantity.
    pub max: Option<i64>,
    /// Publish 0 when the result is below this.
    pub zero_below: i64,
}

/// A per-SKU override of the default rule; `None` fields keep the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuRule {
    /// Offer SKU.
    pub sku: String,
    /// Units always kept back.
    pub buffer: Option<i64>,
    /// Percent of the rest published.
    pub percent: Option<u8>,
    /// Most units ever published.
    pub max: Option<i64>,
    /// Below this many units, publish zero.
    pub zero_below: Option<i64>,
}

/// The seller's stock policy (from `[stock]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockPolicy {
    /// The rule every SKU follows unless overridden.
    pub defaults: StockRule,
    /// Per-SKU overrides.
    pub overrides: Vec<SkuRule>,
    /// SKUs never published.
    pub exclude: Vec<String>,
}

/// One line of a stock publication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StockLine {
    /// Offer SKU.
    pub sku: String,
    /// Warehouse code, when per warehouse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    /// Units to publish.
    pub quantity: i64,
    /// Units last published, if any.
    pub previous: Option<i64>,
}

/// The component's stock publication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StockPlan {
    /// The STO01 CSV, sent as is.
    pub csv: String,
    /// What the CSV publishes.
    pub lines: Vec<StockLine>,
    /// Exceptions the plan raises.
    pub exceptions: Vec<Exception>,
    /// Open exceptions the plan settles.
    pub resolves: Vec<Resolution>,
}

impl StockPlan {
    /// The `jlm plan stock` JSON of the plan.
    pub fn to_json(&self) -> String {
        plan_json(self)
    }
}

/// An order without a Fulfil sale, whose units John Lewis holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingOrder {
    /// The stored OR11 order object (raw JSON).
    pub order: String,
    /// Lines the connector refused (they hold nothing).
    pub refused_lines: Vec<String>,
}
