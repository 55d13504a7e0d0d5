//! What the host exchanges with the component's `cancellations` interface, and the
//! `jlm plan cancel` JSON of a plan.

use serde::Serialize;

use super::types::{Exception, FulfilRequest, MiraklRequest, Resolution, plan_json};

/// One `sale.line` of the order's Fulfil sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilSaleLine {
    /// `sale.line` id.
    pub id: i64,
    /// The Mirakl order line it sells.
    pub line_id: String,
    /// Units it sells now.
    pub quantity: i64,
}

/// The order's Fulfil sale as Fulfil shows it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilSale {
    /// `sale.sale` id.
    pub id: i64,
    /// The sale is cancelled.
    pub cancelled: bool,
    /// Its lines.
    pub lines: Vec<FulfilSaleLine>,
}

/// Units of an order line on one packed or done Fulfil shipment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippedLine {
    /// Mirakl order line id.
    pub line_id: String,
    /// Units.
    pub quantity: i64,
    /// The shipment, as people name it.
    pub shipment: String,
}

/// Seller policy for cancellations (`[cancellations]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelPolicy {
    /// The Mirakl cancellation reason code OR30 sends.
    pub reason_code: String,
}

/// Which side loses units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelSide {
    /// The Fulfil sale.
    Fulfil,
    /// John Lewis.
    JohnLewis,
}

/// What changes on one order line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CancelledLine {
    /// Mirakl order line id.
    pub line_id: String,
    /// The side that loses units.
    pub side: CancelSide,
    /// Units cancelled.
    pub quantity: i64,
}

/// The plan bringing one order's two sides to the same units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CancelPlan {
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// Fulfil calls.
    pub fulfil: Vec<FulfilRequest>,
    /// Mirakl calls (OR29 or OR30).
    pub requests: Vec<MiraklRequest>,
    /// Lines that change.
    pub lines: Vec<CancelledLine>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// Open exceptions the plan settles.
    pub resolves: Vec<Resolution>,
}

impl CancelPlan {
    /// The `jlm plan cancel` JSON.
    pub fn to_json(&self) -> String {
        plan_json(self)
    }
}
