//! `plan-refund`: once Fulfil shows a return received, tell John Lewis (RT25 received, RT26
//! compliance per line from the warehouse's inspection) and refund exactly what came back
//! (OR28): each compliant line's share of its price and taxes, shipping per policy, never more
//! than was paid less what is already refunded. Non-compliant lines are not refunded; a person
//! decides them.

use serde::Serialize;
use serde_json::json;

use super::inputs::{Receipt, RefundPolicy, ReturnedUnits, ShippingRefund};
use super::rt11::order_and_return;
use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::line_money::{AdjustmentItem, LineMoney};
use crate::common::mirakl_request::MiraklRequest;
use crate::common::money::{Money, currency_exponent};

/// Refund-scoped codes a new plan settles when it no longer raises them.
const REFUND_CODES: &[&str] = &["refund_exceeds_paid", "return_not_compliant"];

/// Return states in which John Lewis takes receipt and refunds.
const REFUNDABLE_STATES: &[&str] = &["IN_PROGRESS", "RECEIVED"];

/// The plan for refunding one received return.
#[derive(Debug, Serialize)]
pub struct RefundPlan {
    /// Mirakl return id.
    pub return_id: String,
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// RT25, RT26 and OR28, in that order.
    pub requests: Vec<MiraklRequest>,
    /// What the OR28 refunds, per line.
    pub refunds: Vec<RefundedLine>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// The return's open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

/// What one order line gets back.
#[derive(Debug, Serialize)]
pub struct RefundedLine {
    /// Mirakl order line id.
    pub line_id: String,
    /// Units refunded.
    pub quantity: i64,
    /// Price, shipping and taxes refunded.
    pub total: Money,
}

/// Plans the refund of the RT11 return `return_json` of the OR11 order `order_json` (as John
/// Lewis shows it now, earlier refunds included); `refunded` lists units of other returns of the
/// order already refunded (see the WIT `plan-refund`).
pub fn plan_refund(
    order_json: &str,
    return_json: &str,
    receipt: &Receipt,
    refunded: &[ReturnedUnits],
    policy: &RefundPolicy,
) -> Result<RefundPlan, PlanError> {
    let (order, ret) = order_and_return(order_json, return_json)?;
    let rid = &*ret.id;
    let mut plan = RefundPlan {
        return_id: rid.to_string(),
        order_id: order.order_id.to_string(),
        commercial_id: order.commercial_id().to_string(),
        requests: Vec::new(),
        refunds: Vec::new(),
        exceptions: Vec::new(),
        resolves: vec![Resolution::new(REFUND_CODES, Some(rid))],
    };
    if !receipt.received || !REFUNDABLE_STATES.contains(&&*ret.state) {
        return Ok(plan);
    }
    let currency = order
        .currency_iso_code
        .as_deref()
        .ok_or_else(|| PlanError::invalid("currency_iso_code is missing"))?;
    let exp = currency_exponent(currency);

    let mut verdicts = Vec::new();
    let mut items = Vec::new();
    let mut over = Vec::new();
    let mut held = Vec::new();
    for returned in &ret.return_lines {
        let lid = &*returned.order_line_id;
        let Some(line) = order.order_lines.iter().find(|l| l.order_line_id == lid) else {
            return Err(PlanError::invalid(format!(
                "return {rid} names line {lid}, which is not a line of order {}",
                order.order_id
            )));
        };
        let note = receipt
            .non_compliant
            .iter()
            .find(|(sku, _)| *sku == *line.offer_sku)
            .map(|(_, note)| note.as_str());
        verdicts.push(match note {
            None => json!({"order_line_id": lid, "compliant": true}),
            Some(note) => json!({
                "order_line_id": lid,
                "compliant": false,
                "non_compliance_reason_code": policy.non_compliance_code(note),
                "non_compliance_additional_info": note,
            }),
        });
        if let Some(note) = note {
            held.push(format!("line {lid} ({:?}): {note}", line.offer_sku));
            continue;
        }
        let before: i64 = refunded
            .iter()
            .filter(|r| r.line_id == lid && r.return_id != rid)
            .map(|r| r.quantity)
            .sum();
        let after = before + returned.quantity;
        let paid = LineMoney::of_line(line, exp)?;
        let share = paid.units(before, after, line.quantity);
        let share = match policy.shipping {
            ShippingRefund::Never => share.without_shipping(),
            ShippingRefund::ProRata => share,
            ShippingRefund::FullReturn if after >= line.quantity => LineMoney {
                shipping: paid.shipping,
                shipping_taxes: paid.shipping_taxes.clone(),
                ..share
            },
            ShippingRefund::FullReturn => share.without_shipping(),
        };
        let taken = LineMoney::of_adjustments(&line.refunds, exp)?;
        for problem in share.exceeding(&paid, &taken, exp) {
            over.push(format!("line {lid}: {problem}"));
        }
        plan.refunds.push(RefundedLine {
            line_id: lid.to_string(),
            quantity: returned.quantity,
            total: Money {
                minor: share.total(order.tax_excluded()),
                currency: currency.to_string(),
            },
        });
        items.push(AdjustmentItem::new(
            lid,
            returned.quantity,
            &share,
            &policy.reason_code,
            currency,
            exp,
        ));
    }

    if !over.is_empty() {
        plan.refunds.clear();
        plan.exceptions.push(Exception::new(
            "refund_exceeds_paid",
            Team::Finance,
            Severity::Blocking,
            rid,
            format!(
                "Refunding return {rid} of order {} ({}) would refund more than the customer paid: {}. Nothing was sent to John Lewis. Check the refunds already made on the order in the John Lewis back office and Fulfil's credit notes, then refund what is due by hand.",
                order.order_id,
                order.commercial_id(),
                over.join("; ")
            ),
        ));
        return Ok(plan);
    }
    if !held.is_empty() {
        plan.exceptions.push(Exception::new(
            "return_not_compliant",
            Team::Operations,
            Severity::Warning,
            rid,
            format!(
                "The warehouse found part of return {rid} of order {} ({}) not as sold: {}. Those lines were reported to John Lewis as not compliant and not refunded; the rest was. Decide with customer service whether to refund them, and do it in the John Lewis back office.",
                order.order_id,
                order.commercial_id(),
                held.join("; ")
            ),
        ));
    }
    if ret.state == "IN_PROGRESS" {
        plan.requests.push(MiraklRequest::with_body(
            "RT25",
            "/api/returns/receive".into(),
            &json!({"returns": [{"id": rid}]}),
        ));
    }
    if ret.return_lines.iter().any(|l| !l.inspected) {
        plan.requests.push(MiraklRequest::with_body(
            "RT26",
            "/api/returns/compliance".into(),
            &json!({"returns": [{"id": rid, "return_lines": verdicts}]}),
        ));
    }
    if !items.is_empty() {
        plan.requests.push(MiraklRequest::with_body(
            "OR28",
            "/api/orders/refund".into(),
            &Or28 {
                order_tax_mode: order.order_tax_mode.as_deref(),
                refunds: items,
            },
        ));
    }
    Ok(plan)
}

/// The OR28 body.
#[derive(Serialize)]
struct Or28<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    order_tax_mode: Option<&'a str>,
    refunds: Vec<AdjustmentItem>,
}
