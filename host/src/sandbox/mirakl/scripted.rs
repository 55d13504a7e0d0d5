//! Changes made on John Lewis' side rather than by the seller, for scripted demo days and
//! tests: a customer (or John Lewis) cancelling units after the order was imported, and a
//! line moved to a given state. They follow the same rules and stamps as the API calls, so
//! OR11 polling on `last_updated_date` sees them.

use std::collections::BTreeMap;

use super::line_money;
use super::{MiraklState, now_string, or30, touch};

impl MiraklState {
    /// Cancels `lines` (order line id, units) of `order_id` with `reason_code`, as OR30 would
    /// (same checks; amounts and taxes pro rata, the last units taking what is left). Fails,
    /// changing nothing, when the order is unknown, a line is not one of its lines, or OR30
    /// would refuse it.
    pub(crate) fn cancel_lines_on_john_lewis(
        &mut self,
        order_id: &str,
        lines: &[(String, i64)],
        reason_code: &str,
    ) -> Result<(), String> {
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| format!("order '{order_id}' does not exist"))?;
        let mut pending = BTreeMap::new();
        let mut planned = Vec::with_capacity(lines.len());
        for (line_id, quantity) in lines {
            let line = order["order_lines"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["order_line_id"] == line_id.as_str())
                .ok_or_else(|| format!("'{line_id}' is not a line of order '{order_id}'"))?;
            let earlier = pending
                .get(line_id.as_str())
                .map_or(0, |p: &line_money::Portion| p.quantity);
            let portion = portion_after(line, *quantity, earlier);
            planned.push(or30::plan(
                self,
                line_id,
                portion,
                reason_code,
                None,
                &mut pending,
            )?);
        }
        or30::record(self, planned);
        Ok(())
    }

    /// Sets the state of line `line_id` of `order_id` (e.g. `RECEIVED`, `CLOSED`) and stamps
    /// the order; the order state is left as it is. Fails when there is no such line.
    pub(crate) fn set_line_state(
        &mut self,
        order_id: &str,
        line_id: &str,
        state: &str,
    ) -> Result<(), String> {
        let order = self
            .orders
            .get_mut(order_id)
            .ok_or_else(|| format!("order '{order_id}' does not exist"))?;
        let line = order["order_lines"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .find(|l| l["order_line_id"] == line_id)
            .ok_or_else(|| format!("'{line_id}' is not a line of order '{order_id}'"))?;
        line["order_line_state"] = state.into();
        touch(order, &now_string());
        Ok(())
    }
}

/// The portion cancelling `quantity` more units of `line` after `earlier` units of the same
/// script call.
fn portion_after(line: &serde_json::Value, quantity: i64, earlier: i64) -> line_money::Portion {
    if earlier == 0 {
        return line_money::remaining_portion(line, quantity);
    }
    // Pro rata on the whole line for the later items of one call.
    let whole = line_money::remaining_portion(line, earlier + quantity);
    let first = line_money::remaining_portion(line, earlier);
    let minus = |a: crate::sandbox::decimal::Decimal, b| a.checked_sub(b).unwrap_or(a);
    let taxes = |a: &Option<BTreeMap<String, _>>, b: &Option<BTreeMap<String, _>>| {
        a.as_ref().map(|a| {
            a.iter()
                .map(|(code, amount)| {
                    let before = b
                        .as_ref()
                        .and_then(|b: &BTreeMap<String, _>| b.get(code).copied())
                        .unwrap_or(crate::sandbox::decimal::Decimal::ZERO);
                    (code.clone(), minus(*amount, before))
                })
                .collect()
        })
    };
    line_money::Portion {
        amount: minus(whole.amount, first.amount),
        shipping_amount: minus(whole.shipping_amount, first.shipping_amount),
        quantity,
        taxes: taxes(&whole.taxes, &first.taxes),
        shipping_taxes: taxes(&whole.shipping_taxes, &first.shipping_taxes),
    }
}
