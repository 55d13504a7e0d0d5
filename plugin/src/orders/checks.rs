//! Order-level checks of `plan-order`: states the connector does not know, a currency other
//! than the channel's, an acceptance deadline already passed, and refunds John Lewis already
//! made.

use super::Findings;
use super::inputs::OrderPolicy;
use crate::common::error::PlanError;
use crate::common::exception::{Exception, Severity, Team};
use crate::common::mirakl_order::MiraklOrder;
use crate::common::money::currency_exponent;
use crate::common::time::{self, UnixSeconds};

/// States in which the connector acts on an order (OR21, or the Fulfil sale).
const ACTED_ON: &[&str] = &["WAITING_ACCEPTANCE", "SHIPPING"];

/// Records the order-level findings; true when one of them must stop the order (held, not
/// created in Fulfil).
pub(super) fn check_order(
    order: &MiraklOrder,
    policy: &OrderPolicy,
    now: UnixSeconds,
    findings: &mut Findings,
) -> Result<bool, PlanError> {
    let oid = &*order.order_id;
    if !order.state_known() {
        findings.add(Exception::new(
            "unknown_order_state",
            Team::Operations,
            Severity::Info,
            oid,
            format!(
                "Order {oid} ({}) is in the state {:?}, which this connector does not know (John Lewis may have added it), so nothing is sent to John Lewis or Fulfil for it. Check the order in the John Lewis back office; the connector plans it again when its state changes.",
                order.commercial_id(),
                &*order.order_state
            ),
        ));
        return Ok(false);
    }
    if !ACTED_ON.contains(&&*order.order_state) {
        return Ok(false);
    }
    check_refunds(order, findings);
    let mut blocked = false;
    for line in &order.order_lines {
        if let Some(state) = line.unknown_state() {
            blocked = true;
            findings.add(Exception::new(
                "unknown_line_state",
                Team::Operations,
                Severity::Blocking,
                oid,
                format!(
                    "Order {oid} line {} is in the state {state:?}, which this connector does not know, so it cannot tell whether the line is live: the order is neither decided nor created in Fulfil. Check the line in the John Lewis back office and handle the order there (or create it in Fulfil by hand).",
                    line.order_line_id
                ),
            ));
        }
    }
    let expected = policy.currency.trim();
    if let Some(currency) = order.currency_iso_code.as_deref().map(str::trim)
        && !expected.is_empty()
        && !currency.eq_ignore_ascii_case(expected)
    {
        blocked = true;
        findings.add(Exception::new(
            "currency_unexpected",
            Team::Finance,
            Severity::Blocking,
            oid,
            format!(
                "Order {oid} is priced in {currency:?} but the John Lewis channel sells in {expected} ([orders] currency): it is neither decided nor created in Fulfil. Check the order with John Lewis; if the channel really sells in {currency}, set [orders] currency = {currency:?}."
            ),
        ));
    }
    if order.order_state == "WAITING_ACCEPTANCE"
        && let Some(created) = order.created_date.as_deref()
    {
        let deadline = time::require("created_date", created)?
            + i64::from(policy.acceptance_window_minutes) * 60;
        if now >= deadline {
            findings.add(Exception::new(
                "acceptance_overdue",
                Team::Operations,
                Severity::Blocking,
                oid,
                format!(
                    "Order {oid} is still waiting for acceptance; the deadline is {}. Accept or refuse it on John Lewis now, or it is refused automatically and counts against the shop.",
                    time::remaining(deadline, now)
                ),
            ));
        }
    }
    Ok(blocked)
}

/// Raises `order_refunded` when John Lewis already refunded part of the order: the Fulfil sale
/// is made for what was sold, and finance records each refund against it.
fn check_refunds(order: &MiraklOrder, findings: &mut Findings) {
    let oid = &*order.order_id;
    let currency = order.currency_iso_code.as_deref().unwrap_or("");
    let exp = currency_exponent(currency);
    let refunds: Vec<String> = order
        .order_lines
        .iter()
        .flat_map(|line| line.refunds.iter().map(move |r| (line, r)))
        .map(|(line, r)| {
            let shipping = r
                .shipping_amount
                .filter(|s| s.mantissa != 0)
                .map(|s| format!(" + {} shipping", s.with_min_scale(exp)))
                .unwrap_or_default();
            format!(
                "line {} ({:?}) {}{shipping} {currency}{}{}",
                line.order_line_id,
                line.offer_sku,
                r.amount.with_min_scale(exp),
                r.id.as_deref()
                    .map(|id| format!(", refund {id}"))
                    .unwrap_or_default(),
                r.state
                    .as_deref()
                    .map(|s| format!(", {s}"))
                    .unwrap_or_default(),
            )
        })
        .collect();
    if refunds.is_empty() {
        return;
    }
    findings.add(Exception::new(
        "order_refunded",
        Team::Finance,
        Severity::Warning,
        oid,
        format!(
            "Order {oid} ({}) already carries John Lewis refunds: {}. The Fulfil sale is made for what the customer bought; record each refund against it in Fulfil (a credit note), as the connector does not write refunds yet.",
            order.commercial_id(),
            refunds.join("; ")
        ),
    ));
}
