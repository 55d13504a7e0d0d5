//! The returns flow, `plan-return`: for one John Lewis return (RT11) of a stored order, check
//! each returned line against what shipped less what earlier returns took back, then build
//! the Fulfil return sale ([`sale`]) carrying the Customer Order Number and the RT21 decision
//! for John Lewis. A mismatch creates nothing and waits for a person; a return opened after
//! the return window is still planned, with a warning. Stock comes back in Fulfil when the
//! warehouse receives the return, never here; once it has, [`refund`] plans the refund.

pub mod inputs;
pub mod refund;
pub mod reread;
pub mod rt11;
pub mod sale;

#[cfg(test)]
mod tests;

pub use inputs::{
    Receipt, RefundPolicy, ReturnPolicy, ReturnedUnits, ShippedUnits, ShippingRefund,
};

use serde::Serialize;
use serde_json::json;

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::fulfil_tax::TaxLine;
use crate::common::json_writer::{as_raw_json, to_json};
use crate::common::mirakl_order::{DISPATCHED_STATES, MiraklOrder, OrderLine};
use crate::common::mirakl_request::MiraklRequest;
use crate::common::money::{
    Decimal, currency_exponent, div_round_half_even, minor_units, rate_fraction, unit_price_for,
};
use crate::common::time;
use rt11::{MiraklReturn, order_and_return};
use sale::{ReturnCustomer, ReturnSale, ReturnSaleLine};

/// Return-scoped codes a new plan settles when it no longer raises them.
const RETURN_CODES: &[&str] = &["return_mismatch", "return_sale_missing"];

/// The plan for one return; serialises to the `jlm plan return` JSON.
#[derive(Debug, Serialize)]
pub struct ReturnPlan {
    /// Mirakl return id.
    pub return_id: String,
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// The Fulfil return sale (`create_order` object, JSON text), when the return is valid.
    #[serde(serialize_with = "as_raw_json")]
    pub fulfil_return: Option<String>,
    /// The Mirakl calls: RT21 accepting (or refusing) the return while John Lewis waits.
    pub requests: Vec<MiraklRequest>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// The return's open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

/// Everything `plan-return` needs besides the order and the return.
pub struct ReturnInput<'a> {
    /// Units the connector confirmed shipped, per order line.
    pub shipped: &'a [ShippedUnits],
    /// Units other returns of the order take back.
    pub earlier: &'a [ReturnedUnits],
    /// The Fulfil sale id of the order, once it exists.
    pub sale_id: Option<i64>,
    /// Seller policy.
    pub policy: &'a ReturnPolicy,
    /// RFC 3339 time of planning.
    pub now: &'a str,
    /// A person's refusal (a Mirakl rejection reason code): RT21 refuses, nothing is made.
    pub refusal: Option<&'a str>,
}

/// Plans one RT11 return of the OR11 order `order_json` (see the WIT `plan-return`).
pub fn plan_return(
    order_json: &str,
    return_json: &str,
    input: &ReturnInput,
) -> Result<ReturnPlan, PlanError> {
    let now = time::parse_rfc3339(input.now).ok_or_else(|| {
        PlanError::argument(format!(
            "now ({:?}) is not an RFC 3339 timestamp",
            input.now
        ))
    })?;
    let (order, ret) = order_and_return(order_json, return_json)?;
    let rid = &*ret.id;
    let mut plan = ReturnPlan {
        return_id: rid.to_string(),
        order_id: order.order_id.to_string(),
        commercial_id: order.commercial_id().to_string(),
        fulfil_return: None,
        requests: Vec::new(),
        exceptions: Vec::new(),
        resolves: vec![Resolution::new(RETURN_CODES, Some(rid))],
    };
    let awaiting = ret.state == "WAITING_ACCEPTANCE";
    if let Some(reason) = input.refusal {
        if awaiting {
            plan.requests.push(decision(rid, Some(reason)));
        }
        return Ok(plan);
    }

    let problems = mismatches(&order, &ret, input);
    if !problems.is_empty() {
        plan.exceptions.push(Exception::new(
            "return_mismatch",
            Team::Operations,
            Severity::Blocking,
            rid,
            format!(
                "Return {rid} of order {} ({}) does not match what was shipped: {}. Nothing was created in Fulfil and nothing was sent to John Lewis. Check the return on John Lewis and the order's shipments in Fulfil, then accept or refuse the return in the John Lewis back office.",
                order.order_id,
                order.commercial_id(),
                problems.join("; ")
            ),
        ));
        return Ok(plan);
    }
    if let Some(late) = outside_window(&order, &ret, input.policy, now) {
        plan.exceptions.push(Exception::new(
            "return_outside_window",
            Team::Operations,
            Severity::Warning,
            rid,
            format!(
                "Return {rid} of order {} ({}) was opened {late}, after the {}-day return window. It is planned as usual; if John Lewis' policy does not cover it, refuse it in the John Lewis back office (reason RETURN_REJECTION_WINDOW_CLOSED) and cancel the Fulfil return.",
                order.order_id,
                order.commercial_id(),
                input.policy.window_days
            ),
        ));
    }
    let Some(sale_id) = input.sale_id else {
        plan.exceptions.push(Exception::new(
            "return_sale_missing",
            Team::Operations,
            Severity::Blocking,
            rid,
            format!(
                "Return {rid} is for order {} ({}), which has no sale in Fulfil, so no return can be made there. Import the order first (see its own exceptions); the return is planned again on the next cycle.",
                order.order_id,
                order.commercial_id()
            ),
        ));
        return Ok(plan);
    };
    plan.fulfil_return = Some(return_sale(&order, &ret, sale_id, input.policy, now)?);
    if awaiting {
        plan.requests.push(decision(rid, None));
    }
    Ok(plan)
}

/// The RT21 call accepting the return, or refusing it with `refusal`.
fn decision(return_id: &str, refusal: Option<&str>) -> MiraklRequest {
    let mut item = json!({"id": return_id, "accepted": refusal.is_none()});
    if let Some(reason) = refusal {
        item["rejection_reason_code"] = json!(reason);
    }
    MiraklRequest::with_body(
        "RT21",
        "/api/returns/accept".into(),
        &json!({ "returns": [item] }),
    )
}

/// What does not match: a line not in the order, not shipped, or more units than shipped
/// less what other returns take back.
fn mismatches(order: &MiraklOrder, ret: &MiraklReturn, input: &ReturnInput) -> Vec<String> {
    let mut problems = Vec::new();
    if ret.return_lines.is_empty() {
        problems.push("it lists no lines".to_string());
    }
    for line in &ret.return_lines {
        let lid = &*line.order_line_id;
        let Some(ordered) = order.order_lines.iter().find(|l| l.order_line_id == lid) else {
            problems.push(format!("line {lid} is not a line of the order"));
            continue;
        };
        if line.quantity <= 0 {
            problems.push(format!("line {lid} returns {} units", line.quantity));
            continue;
        }
        let shipped = shipped_units(ordered, input.shipped);
        let earlier: i64 = input
            .earlier
            .iter()
            .filter(|e| e.line_id == lid && e.return_id != *ret.id)
            .map(|e| e.quantity)
            .sum();
        let returnable = shipped - earlier;
        if line.quantity > returnable {
            problems.push(if shipped == 0 {
                format!(
                    "line {lid} ({:?}) was never shipped ({})",
                    ordered.offer_sku,
                    ordered.order_line_state.as_deref().unwrap_or("no state")
                )
            } else {
                format!(
                    "line {lid} ({:?}) returns {} units but {shipped} shipped and {earlier} came back on earlier returns",
                    ordered.offer_sku, line.quantity
                )
            });
        }
    }
    problems
}

/// Units of `line` that left the seller: all of them once John Lewis shows the line shipped,
/// else what the connector confirmed.
fn shipped_units(line: &OrderLine, shipped: &[ShippedUnits]) -> i64 {
    let confirmed: i64 = shipped
        .iter()
        .filter(|s| s.line_id == *line.order_line_id)
        .map(|s| s.quantity)
        .sum();
    let state = line.order_line_state.as_deref().unwrap_or_default();
    if DISPATCHED_STATES.contains(&state) {
        confirmed.max(line.quantity)
    } else {
        confirmed.min(line.quantity)
    }
}

/// When the return was opened after the window (from the latest delivery, else shipping, of
/// its lines), that date as text; `None` when inside it or when no date is known.
fn outside_window(
    order: &MiraklOrder,
    ret: &MiraklReturn,
    policy: &ReturnPolicy,
    now: time::UnixSeconds,
) -> Option<String> {
    let opened = ret
        .date_created
        .as_deref()
        .and_then(time::parse_rfc3339)
        .unwrap_or(now);
    let delivered = ret
        .return_lines
        .iter()
        .filter_map(|r| {
            order
                .order_lines
                .iter()
                .find(|l| l.order_line_id == r.order_line_id)
        })
        .filter_map(|l| l.received_date.as_deref().or(l.shipped_date.as_deref()))
        .filter_map(time::parse_rfc3339)
        .max()?;
    let closes = delivered + i64::from(policy.window_days) * 86_400;
    (opened > closes).then(|| {
        format!(
            "on {}, {} days after delivery",
            time::format_rfc3339(opened),
            (opened - delivered) / 86_400
        )
    })
}

/// The return sale's JSON text.
fn return_sale(
    order: &MiraklOrder,
    ret: &MiraklReturn,
    sale_id: i64,
    policy: &ReturnPolicy,
    now: time::UnixSeconds,
) -> Result<String, PlanError> {
    let currency = order
        .currency_iso_code
        .as_deref()
        .ok_or_else(|| PlanError::invalid("currency_iso_code is missing"))?;
    let exp = currency_exponent(currency);
    let mut total: i64 = 0;
    let mut lines = Vec::with_capacity(ret.return_lines.len());
    for returned in &ret.return_lines {
        let Some(line) = order
            .order_lines
            .iter()
            .find(|l| l.order_line_id == returned.order_line_id)
        else {
            continue; // checked by `mismatches`
        };
        let part = |minor: i64| -> i64 {
            i64::try_from(div_round_half_even(
                i128::from(minor) * i128::from(returned.quantity),
                i128::from(line.quantity.max(1)),
            ))
            .unwrap_or(i64::MAX)
        };
        let lid = &*line.order_line_id;
        let price = minor_units(line.price, exp, || format!("line {lid} price"))?;
        let mut tax_sum = 0i64;
        let mut tax_lines = Vec::with_capacity(line.taxes.len());
        for tax in &line.taxes {
            let minor = part(minor_units(tax.amount, exp, || format!("line {lid} tax"))?);
            tax_sum += minor;
            tax_lines.push(TaxLine {
                name: policy.tax_name(&tax.code),
                rate: tax.rate.map(rate_fraction),
                amount: Decimal::of_minor(-minor, exp),
            });
        }
        let gross = part(price);
        let net = if order.tax_excluded() {
            gross
        } else {
            gross - tax_sum
        };
        let unit = unit_price_for(
            net,
            returned.quantity,
            exp,
            u32::from(policy.unit_price_digits),
        )
        .ok_or_else(|| {
            PlanError::invalid(format!(
                "line {lid}: no unit price makes {} units add up to the returned amount",
                returned.quantity
            ))
        })?;
        total += net + tax_sum;
        lines.push(ReturnSaleLine {
            channel_identifier: format!("{}-{lid}", ret.id),
            sku: &line.offer_sku,
            description: line
                .product_title
                .as_deref()
                .filter(|t| !t.trim().is_empty()),
            quantity: -returned.quantity,
            unit_price: unit.with_min_scale(exp),
            amount: Decimal::of_minor(-net, exp),
            tax_lines,
        });
    }
    let customer = order.customer.as_ref();
    let name = [
        customer.and_then(|c| c.firstname.as_deref()),
        customer.and_then(|c| c.lastname.as_deref()),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let opened = ret.date_created.as_deref().map(str::to_string);
    let confirmed_at = opened.unwrap_or_else(|| time::format_rfc3339(now));
    let reason = ret.reason_code.as_deref().map(|r| policy.reason(r));
    let sale = ReturnSale {
        channel_identifier: &ret.id,
        reference: order.commercial_id(),
        origin: Some(format!("sale.sale,{sale_id}")),
        confirmed_at: &confirmed_at,
        customer: ReturnCustomer { name },
        sale_lines: lines,
        amount: Decimal::of_minor(-total, exp),
        currency_code: currency,
        return_reason: reason,
        status: "pending",
        comment: format!(
            "John Lewis return {} of order {} ({}){}",
            ret.id,
            order.order_id,
            order.commercial_id(),
            ret.reason_code
                .as_deref()
                .map(|r| format!(", reason {r}"))
                .unwrap_or_default()
        ),
    };
    Ok(to_json(&sale, 1024))
}
