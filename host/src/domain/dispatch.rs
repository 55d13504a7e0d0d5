//! What the host exchanges with the component's `dispatch` interface, and the
//! `jlm plan dispatch` JSON of a plan.

use serde::Serialize;

use super::types::{Exception, MiraklRequest, Resolution, plan_json};

/// One line of a Fulfil shipment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipmentLine {
    /// Mirakl `order_line_id` the line ships.
    pub line_id: String,
    /// Product code.
    pub sku: String,
    /// Units shipped.
    pub quantity: i64,
}

/// A Fulfil customer shipment, as the dispatch job read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    /// Fulfil shipment id.
    pub id: i64,
    /// Mirakl order id the shipment belongs to.
    pub order: String,
    /// Fulfil carrier.
    pub carrier: String,
    /// Fulfil carrier service, if any.
    pub service: Option<String>,
    /// Tracking number, if any.
    pub tracking_number: Option<String>,
    /// The lines shipped.
    pub lines: Vec<ShipmentLine>,
}

/// Units of one order line confirmed by earlier shipments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippedLine {
    /// Mirakl `order_line_id`.
    pub line_id: String,
    /// Units confirmed.
    pub quantity: i64,
}

/// One row of the carrier table (from `[[carriers.map]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierMapping {
    /// Fulfil carrier.
    pub fulfil_carrier: String,
    /// Fulfil service, when the mapping is per service.
    pub fulfil_service: Option<String>,
    /// John Lewis carrier code.
    pub jl_code: String,
    /// Pattern every tracking number must match (`A` letter, `9` digit), if any.
    pub tracking_format: Option<String>,
    /// False for a carrier John Lewis does not know (sent by name, not by code).
    pub registered: bool,
    /// Carrier name, for an unregistered carrier.
    pub name: Option<String>,
    /// Tracking URL template, for an unregistered carrier.
    pub tracking_url_template: Option<String>,
}

/// The seller's dispatch policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchPolicy {
    /// The carrier table.
    pub carriers: Vec<CarrierMapping>,
    /// John Lewis has multi-shipment enabled: shipments are created with ST01.
    pub multi_shipment: bool,
}

/// The Mirakl calls for one shipment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DispatchPlan {
    /// OR23, OR24 and the like, sent as they are.
    pub requests: Vec<MiraklRequest>,
    /// Exceptions the plan raises.
    pub exceptions: Vec<Exception>,
    /// Every accepted line is fully shipped once the requests succeed.
    pub complete: bool,
    /// Open exceptions the plan settles.
    pub resolves: Vec<Resolution>,
}

impl DispatchPlan {
    /// The `jlm plan dispatch` JSON of the plan: `{"requests": [{"api", "path", "body"}],
    /// "exceptions": [...], "complete": bool, "resolves": [...]}`.
    pub fn to_json(&self) -> String {
        plan_json(self)
    }
}

/// The verdict on one Fulfil carrier and service (`jlm carriers check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierCheck {
    /// "mapped", "unmapped" or "not_approved".
    pub status: String,
    /// The John Lewis code it maps to, if any.
    pub jl_code: Option<String>,
    /// SH21 `label` of `jl_code`, when known.
    pub label: Option<String>,
}

/// When the order clocks raise their exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockPolicy {
    /// Minutes John Lewis allows for the acceptance decision.
    pub acceptance_window_minutes: u32,
    /// `acceptance_overdue` this long before the acceptance deadline.
    pub acceptance_margin_minutes: u32,
    /// `dispatch_overdue` this long before the order's `shipping_deadline`.
    pub dispatch_margin_minutes: u32,
    /// `dispatch_unconfirmed` this long after Fulfil's shipment was sent.
    pub unconfirmed_after_minutes: u32,
}
