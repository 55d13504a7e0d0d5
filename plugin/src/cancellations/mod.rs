//! The cancellations flow, `plan-cancel`: after an order's sale exists in Fulfil, bring the two
//! sides back to the same units, whichever side cancelled.
//!
//! Per order line, John Lewis keeps `quantity` less its `cancelations[]` (a line `CANCELED` or
//! `REFUSED` without cancellations keeps nothing); Fulfil keeps its sale line's quantity
//! (nothing when the sale is cancelled).
//! - John Lewis keeps fewer: the Fulfil sale is cancelled (every line to nothing) or its lines
//!   reduced, while the units have not shipped; units that already left the warehouse raise
//!   `cancel_after_dispatch` naming the shipment, and nothing is changed for that line.
//! - Fulfil keeps fewer: John Lewis is told, OR29 for the whole order when every line goes
//!   and John Lewis allows it (`can_cancel`), else OR30 for the units, with each unit's share
//!   of price, shipping and taxes and the configured reason; a line John Lewis shows shipped
//!   cannot be cancelled there and raises `cancel_after_dispatch`.

pub mod inputs;
pub mod reread;

pub use inputs::{CancelPolicy, FulfilSale, FulfilSaleLine, ShippedLine};

use serde::Serialize;

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::fulfil_request::FulfilRequest;
use crate::common::line_money::{AdjustmentItem, LineMoney};
use crate::common::mirakl_order::{DISPATCHED_STATES, MiraklOrder, OrderLine};
use crate::common::mirakl_request::{MiraklRequest, percent_encode};
use crate::common::money::currency_exponent;

/// Order-scoped codes a new plan settles when it no longer raises them.
const CANCEL_CODES: &[&str] = &["cancel_after_dispatch"];

/// The plan bringing one order's two sides to the same units.
#[derive(Debug, Serialize)]
pub struct CancelPlan {
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// Fulfil calls: cancel the sale, or set lines to the units John Lewis keeps.
    pub fulfil: Vec<FulfilRequest>,
    /// Mirakl calls: OR29 or OR30.
    pub requests: Vec<MiraklRequest>,
    /// Per line, the units each side cancels (only lines that change).
    pub lines: Vec<CancelledLine>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// The order's open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

/// Which side loses units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The Fulfil sale (John Lewis cancelled).
    Fulfil,
    /// John Lewis (Fulfil cancelled).
    JohnLewis,
}

/// What changes on one order line.
#[derive(Debug, Serialize)]
pub struct CancelledLine {
    /// Mirakl order line id.
    pub line_id: String,
    /// The side that loses units.
    pub side: Side,
    /// Units cancelled.
    pub quantity: i64,
}

/// Units of a line each side keeps.
struct Kept<'l, 'a> {
    line: &'l OrderLine<'a>,
    /// Units John Lewis cancelled so far.
    jl_cancelled: i64,
    /// Units John Lewis keeps.
    jl: i64,
    /// Units the Fulfil sale keeps, and its sale line.
    fulfil: i64,
    sale_line: Option<&'l FulfilSaleLine>,
    /// Units on packed or done Fulfil shipments, and which.
    shipped: i64,
    shipments: Vec<&'l str>,
}

/// Plans what the OR11 `order_json` (as John Lewis shows it now) and its Fulfil `sale` need to
/// agree again (see the WIT `plan-cancel`).
pub fn plan_cancel(
    order_json: &str,
    sale: &FulfilSale,
    shipped: &[ShippedLine],
    policy: &CancelPolicy,
) -> Result<CancelPlan, PlanError> {
    let order = MiraklOrder::parse(order_json)?;
    let oid = &*order.order_id;
    let mut plan = CancelPlan {
        order_id: oid.to_string(),
        commercial_id: order.commercial_id().to_string(),
        fulfil: Vec::new(),
        requests: Vec::new(),
        lines: Vec::new(),
        exceptions: Vec::new(),
        resolves: vec![Resolution::new(CANCEL_CODES, Some(oid))],
    };
    let kept: Vec<Kept> = order
        .order_lines
        .iter()
        .map(|line| kept(line, sale, shipped))
        .collect();

    let mut blocked = Vec::new();
    let mut reductions = Vec::new();
    let mut on_jl: Vec<(&Kept, i64)> = Vec::new();
    for k in &kept {
        let lid = &*k.line.order_line_id;
        if k.fulfil > k.jl {
            if k.shipped > k.jl {
                blocked.push(format!(
                    "John Lewis cancelled {} of line {lid} ({:?}) but {} left on {}",
                    k.fulfil - k.jl,
                    k.line.offer_sku,
                    k.shipped,
                    k.shipments.join(", ")
                ));
            } else if let Some(sale_line) = k.sale_line {
                reductions.push((sale_line.id, k.jl));
                plan.lines.push(CancelledLine {
                    line_id: lid.to_string(),
                    side: Side::Fulfil,
                    quantity: k.fulfil - k.jl,
                });
            }
        } else if k.jl > k.fulfil {
            let state = k.line.order_line_state.as_deref().unwrap_or_default();
            if DISPATCHED_STATES.contains(&state) || k.shipped > k.fulfil {
                blocked.push(format!(
                    "Fulfil no longer sells {} of line {lid} ({:?}) but John Lewis shows it {}",
                    k.jl - k.fulfil,
                    k.line.offer_sku,
                    if k.shipments.is_empty() {
                        state.to_string()
                    } else {
                        format!("shipped on {}", k.shipments.join(", "))
                    }
                ));
            } else {
                on_jl.push((k, k.jl - k.fulfil));
                plan.lines.push(CancelledLine {
                    line_id: lid.to_string(),
                    side: Side::JohnLewis,
                    quantity: k.jl - k.fulfil,
                });
            }
        }
    }

    if !blocked.is_empty() {
        plan.exceptions.push(Exception::new(
            "cancel_after_dispatch",
            Team::Operations,
            Severity::Blocking,
            oid,
            format!(
                "Order {oid} ({}) was cancelled on one side after goods left the warehouse: {}. Nothing was changed for those lines. Ask customer service to contact the customer: the parcel cannot be recalled, so it comes back as a return, or the cancellation is withdrawn. Resolve this once both sides agree.",
                order.commercial_id(),
                blocked.join("; ")
            ),
        ));
    }

    let nothing_left = kept.iter().all(|k| k.jl == 0);
    let none_shipped = kept.iter().all(|k| k.shipped == 0);
    if !reductions.is_empty() {
        if nothing_left && none_shipped && !sale.cancelled {
            plan.fulfil.push(FulfilRequest::cancel_sale(sale.id));
        } else {
            for (sale_line, quantity) in reductions {
                plan.fulfil
                    .push(FulfilRequest::set_line_quantity(sale_line, quantity));
            }
        }
    }

    if !on_jl.is_empty() {
        let whole_order = kept.iter().all(|k| k.fulfil == 0 && k.jl_cancelled == 0)
            && on_jl.len() == kept.iter().filter(|k| k.jl > 0).count();
        if whole_order && order.can_cancel {
            plan.requests.push(MiraklRequest::bodiless(
                "OR29",
                format!("/api/orders/{}/cancel", percent_encode(oid)),
            ));
        } else {
            plan.requests.push(or30(&order, &on_jl, policy)?);
        }
    }
    Ok(plan)
}

/// What each side keeps of `line`.
fn kept<'l, 'a>(
    line: &'l OrderLine<'a>,
    sale: &'l FulfilSale,
    shipped: &'l [ShippedLine],
) -> Kept<'l, 'a> {
    let lid = &*line.order_line_id;
    let listed: i64 = line.cancelations.iter().filter_map(|c| c.quantity).sum();
    let gone = matches!(
        line.order_line_state.as_deref(),
        Some("CANCELED" | "REFUSED")
    );
    let jl_cancelled = if gone {
        line.quantity
    } else {
        listed.clamp(0, line.quantity)
    };
    let sale_line = sale.lines.iter().find(|l| l.line_id == lid);
    let fulfil = match sale_line {
        Some(l) if !sale.cancelled => l.quantity.max(0),
        _ => 0,
    };
    let on_line: Vec<&ShippedLine> = shipped.iter().filter(|s| s.line_id == lid).collect();
    Kept {
        line,
        jl_cancelled,
        jl: line.quantity - jl_cancelled,
        fulfil,
        sale_line,
        shipped: on_line.iter().map(|s| s.quantity).sum(),
        shipments: on_line.iter().map(|s| s.shipment.as_str()).collect(),
    }
}

/// The OR30 call cancelling `units` of each line, with their share of the line's money.
fn or30(
    order: &MiraklOrder,
    lines: &[(&Kept, i64)],
    policy: &CancelPolicy,
) -> Result<MiraklRequest, PlanError> {
    let currency = order
        .currency_iso_code
        .as_deref()
        .ok_or_else(|| PlanError::invalid("currency_iso_code is missing"))?;
    let exp = currency_exponent(currency);
    let mut items = Vec::with_capacity(lines.len());
    for (k, units) in lines {
        let paid = LineMoney::of_line(k.line, exp)?;
        let share = if k.jl_cancelled + units >= k.line.quantity {
            paid.less(&LineMoney::of_adjustments(&k.line.cancelations, exp)?)
        } else {
            paid.units(k.jl_cancelled, k.jl_cancelled + units, k.line.quantity)
        };
        items.push(AdjustmentItem::new(
            &k.line.order_line_id,
            *units,
            &share,
            &policy.reason_code,
            currency,
            exp,
        ));
    }
    Ok(MiraklRequest::with_body(
        "OR30",
        "/api/orders/cancel".into(),
        &Or30 {
            order_tax_mode: order.order_tax_mode.as_deref(),
            cancelations: items,
        },
    ))
}

/// The OR30 body.
#[derive(Serialize)]
struct Or30<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    order_tax_mode: Option<&'a str>,
    cancelations: Vec<AdjustmentItem>,
}
