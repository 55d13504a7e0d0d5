//! The shipment checked against the order: a shipment the host could not have built, units
//! shipped by earlier shipments, each line against the order's live lines, and why an order
//! in a state other than `SHIPPING` cannot be shipped.

use std::collections::BTreeMap;

use super::{MAX_SHIPMENT_LINES, Shipment, ShippedLine};
use crate::common::error::PlanError;
use crate::common::mirakl_order::MiraklOrder;

/// What this shipment does to the order.
pub(super) struct Progress<'a> {
    /// Units shipped now per order line, in order-line order.
    pub(super) shipping: Vec<(&'a str, i64)>,
    /// Accepted lines still short afterwards: (line id, units left, units ordered).
    pub(super) remaining: Vec<(&'a str, i64, i64)>,
}

/// Rejects shipments the host could not have built from real data.
pub(super) fn check_shipment(shipment: &Shipment) -> Result<(), PlanError> {
    if shipment.order.trim().is_empty() {
        return Err(PlanError::argument(format!(
            "shipment {} has no order id",
            shipment.id
        )));
    }
    if shipment.lines.len() > MAX_SHIPMENT_LINES {
        return Err(PlanError::argument(format!(
            "shipment {} has {} lines; the limit is {MAX_SHIPMENT_LINES}",
            shipment.id,
            shipment.lines.len()
        )));
    }
    Ok(())
}

/// Units confirmed shipped per order line by earlier shipments.
pub(super) fn shipped_before<'a>(
    order: &'a MiraklOrder,
    shipped: &[ShippedLine],
) -> Result<BTreeMap<&'a str, i64>, PlanError> {
    let mut units: BTreeMap<&'a str, i64> = BTreeMap::new();
    for (i, s) in shipped.iter().enumerate() {
        if s.quantity < 0 {
            return Err(PlanError::argument(format!(
                "shipped_lines[{i}].quantity ({}) is negative",
                s.quantity
            )));
        }
        let id = s.line_id.trim();
        let Some(line) = order.order_lines.iter().find(|l| l.order_line_id == id) else {
            return Err(PlanError::argument(format!(
                "shipped_lines[{i}].line_id {:?} is not a line of order {}",
                s.line_id, order.order_id
            )));
        };
        let total = units.entry(&*line.order_line_id).or_insert(0);
        *total = total.saturating_add(s.quantity);
    }
    Ok(units)
}

/// Checks the shipment lines against the order; the problems found, or the progress made.
pub(super) fn check_lines<'a>(
    order: &'a MiraklOrder,
    shipment: &Shipment,
    shipped: &BTreeMap<&'a str, i64>,
) -> Result<Progress<'a>, Vec<String>> {
    let mut problems = Vec::new();
    if shipment.lines.is_empty() {
        problems.push("the shipment has no lines".to_string());
    }
    let mut now: BTreeMap<&'a str, i64> = BTreeMap::new();
    for s in &shipment.lines {
        let id = s.line_id.trim();
        let Some(line) = order.order_lines.iter().find(|l| l.order_line_id == id) else {
            problems.push(format!(
                "line {:?} ({:?}) is not a line of the order",
                s.line_id, s.sku
            ));
            continue;
        };
        if line.is_dropped() {
            let state = line.order_line_state.as_deref().unwrap_or_default();
            problems.push(format!(
                "line {id} ({:?}) is {state} on John Lewis and must not be shipped",
                line.offer_sku
            ));
            continue;
        }
        if s.sku != line.offer_sku {
            problems.push(format!(
                "line {id} ships {:?} but the customer ordered {:?}",
                s.sku, line.offer_sku
            ));
            continue;
        }
        if s.quantity <= 0 {
            problems.push(format!(
                "line {id} ({:?}) has quantity {}",
                line.offer_sku, s.quantity
            ));
            continue;
        }
        let total = now.entry(&*line.order_line_id).or_insert(0);
        *total = total.saturating_add(s.quantity);
    }
    let mut shipping = Vec::new();
    let mut remaining = Vec::new();
    for line in order.order_lines.iter().filter(|l| !l.is_dropped()) {
        let id = &*line.order_line_id;
        let before = shipped.get(id).copied().unwrap_or(0);
        let this = now.get(id).copied().unwrap_or(0);
        let after = before.saturating_add(this);
        if this > 0 && after > line.quantity {
            problems.push(format!(
                "line {id} ({:?}) ships {this} now after {before} before, more than the {} ordered",
                line.offer_sku, line.quantity
            ));
        }
        if this > 0 {
            shipping.push((id, this));
        }
        if after < line.quantity {
            remaining.push((id, line.quantity - after, line.quantity));
        }
    }
    if problems.is_empty() {
        Ok(Progress {
            shipping,
            remaining,
        })
    } else {
        Err(problems)
    }
}

/// Why an order in `state` cannot be shipped, and what to do.
pub(super) fn state_advice(state: &str) -> &'static str {
    match state {
        "STAGING" | "WAITING_ACCEPTANCE" => {
            "it has not been accepted yet. Do not ship before it is accepted and paid; hold the parcel."
        }
        "WAITING_DEBIT" | "WAITING_DEBIT_PAYMENT" => {
            "the customer has not been charged yet. Hold the parcel until the order reaches SHIPPING, then retry."
        }
        "REFUSED" | "CANCELED" => {
            "the order was refused or cancelled. Stop the parcel if you can and tell customer service."
        }
        _ => "check the order on John Lewis before retrying.",
    }
}
