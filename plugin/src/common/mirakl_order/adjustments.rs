//! Money John Lewis already took off an order line: its refunds (`refunds[]`) and its
//! cancellations (`cancelations[]`), which carry the same fields as the OR28 and OR30 request
//! items asking for them (read back with [`LineAdjustment::parse_request`]).

use super::{MiraklOrder, Tax, missing};
use crate::common::error::PlanError;
use crate::common::json_reader::{JsonError, Reader, Text};
use crate::common::money::Decimal;

/// One refund or cancellation on an order line.
#[derive(Debug)]
pub struct LineAdjustment<'a> {
    /// Refund or cancellation id.
    pub id: Option<Text<'a>>,
    /// The order line (request items only).
    pub order_line_id: Option<Text<'a>>,
    /// Units it covers (informative on refunds).
    pub quantity: Option<i64>,
    /// Amount taken off the price.
    pub amount: Decimal,
    /// Amount taken off shipping.
    pub shipping_amount: Option<Decimal>,
    /// Tax taken off the price, per tax code.
    pub taxes: Vec<Tax<'a>>,
    /// Tax taken off shipping, per tax code.
    pub shipping_taxes: Vec<Tax<'a>>,
    /// Mirakl reason code.
    pub reason_code: Option<Text<'a>>,
    /// Refunds: `refund_state` (or the deprecated `state`), e.g. `WAITING_REFUND`, `REFUNDED`.
    pub state: Option<Text<'a>>,
}

impl<'a> LineAdjustment<'a> {
    /// The items of an OR28 (`list` = "refunds") or OR30 ("cancelations") request body.
    pub fn parse_request(json: &'a str, list: &str) -> Result<Vec<LineAdjustment<'a>>, PlanError> {
        let mut reader = Reader::new(json);
        let mut items = Vec::new();
        reader
            .object(|r, key| {
                if key == list {
                    items = LineAdjustment::read_list(r)?;
                    Ok(())
                } else {
                    r.skip()
                }
            })
            .and_then(|()| reader.end())
            .map_err(|e| e.into_plan_error("request body"))?;
        Ok(items)
    }

    /// True when `self` and `other` take the same units and money for the same reason.
    pub fn same_as(&self, other: &LineAdjustment) -> bool {
        let zero = Decimal::of_minor(0, 0);
        let eq = |a: Decimal, b: Decimal| a.normalized() == b.normalized();
        eq(self.amount, other.amount)
            && eq(
                self.shipping_amount.unwrap_or(zero),
                other.shipping_amount.unwrap_or(zero),
            )
            && self.reason_code == other.reason_code
            && (self.quantity.is_none()
                || other.quantity.is_none()
                || self.quantity == other.quantity)
    }

    /// Reads a list; `null` is an empty list.
    pub(super) fn read_list(r: &mut Reader<'a>) -> Result<Vec<LineAdjustment<'a>>, JsonError> {
        Ok(r.nullable(|r| r.vec(LineAdjustment::read))?
            .unwrap_or_default())
    }

    /// Reads one refund or cancellation object.
    fn read(r: &mut Reader<'a>) -> Result<LineAdjustment<'a>, JsonError> {
        let (mut id, mut order_line_id) = (None, None);
        let (mut quantity, mut amount, mut shipping_amount) = (None, None, None);
        let (mut taxes, mut shipping_taxes) = (Vec::new(), Vec::new());
        let (mut reason_code, mut refund_state, mut state) = (None, None, None);
        r.object(|r, key| {
            match key {
                "id" => id = r.opt_string()?,
                "order_line_id" => order_line_id = r.opt_string()?,
                "quantity" => quantity = r.nullable(Reader::integer)?,
                "amount" => amount = Some(r.decimal()?),
                "shipping_amount" => shipping_amount = r.opt_decimal()?,
                "taxes" => taxes = Tax::read_list(r)?,
                "shipping_taxes" => shipping_taxes = Tax::read_list(r)?,
                "reason_code" => reason_code = r.opt_string()?,
                "refund_state" => refund_state = r.opt_string()?,
                "state" => state = r.opt_string()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(LineAdjustment {
            id,
            order_line_id,
            quantity,
            amount: amount.ok_or_else(|| missing("amount"))?,
            shipping_amount,
            taxes,
            shipping_taxes,
            reason_code,
            state: refund_state.or(state),
        })
    }
}

/// True when each item of the OR28 (`list` "refunds") or OR30 ("cancelations") request `body`
/// is among its line's refunds or cancellations on the OR11 `order`. Amounts are compared
/// exactly, read from the JSON texts.
pub fn all_listed(order: &str, body: &str, list: &str) -> bool {
    let (Ok(order), Ok(items)) = (
        MiraklOrder::parse(order),
        LineAdjustment::parse_request(body, list),
    ) else {
        return false;
    };
    !items.is_empty()
        && items.iter().all(|item| {
            order
                .order_lines
                .iter()
                .find(|l| Some(&l.order_line_id) == item.order_line_id.as_ref())
                .is_some_and(|line| {
                    let made = if list == "refunds" {
                        &line.refunds
                    } else {
                        &line.cancelations
                    };
                    made.iter().any(|m| m.same_as(item))
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refunds_and_cancellations_are_found_on_their_lines_exactly() {
        let order = |refunds: &str| {
            format!(
                r#"{{"order_id":"O-1","order_state":"SHIPPED","order_lines":[{{"order_line_id":"L-1","offer_sku":"S","quantity":2,"price":24.00,"refunds":{refunds},"cancelations":[]}}]}}"#
            )
        };
        let body = r#"{"refunds":[{"order_line_id":"L-1","quantity":1,"amount":12.00,"shipping_amount":0.00,"reason_code":"RETURN","taxes":[]}]}"#;
        let made = order(r#"[{"id":"9","amount":12.0,"quantity":1,"reason_code":"RETURN"}]"#);
        assert!(all_listed(&made, body, "refunds"));
        let other = order(r#"[{"id":"9","amount":12.01,"quantity":1,"reason_code":"RETURN"}]"#);
        assert!(!all_listed(&other, body, "refunds"));
        assert!(!all_listed(&order("[]"), body, "refunds"));
        assert!(!all_listed(&made, body, "cancelations"));
        assert!(!all_listed(&made, "not json", "refunds"));
    }
}
