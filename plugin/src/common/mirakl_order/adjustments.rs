//! Money John Lewis already took off an order line: its refunds (`refunds[]`) and its
//! cancellations (`cancelations[]`), which carry the same fields.

use super::{Tax, missing};
use crate::common::json_reader::{JsonError, Reader, Text};
use crate::common::money::Decimal;

/// One refund or cancellation on an order line.
#[derive(Debug)]
pub struct LineAdjustment<'a> {
    /// Refund or cancellation id.
    pub id: Option<Text<'a>>,
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
    /// Reads a list; `null` is an empty list.
    pub(super) fn read_list(r: &mut Reader<'a>) -> Result<Vec<LineAdjustment<'a>>, JsonError> {
        Ok(r.nullable(|r| r.vec(LineAdjustment::read))?.unwrap_or_default())
    }

    /// Reads one refund or cancellation object.
    fn read(r: &mut Reader<'a>) -> Result<LineAdjustment<'a>, JsonError> {
        let (mut id, mut quantity, mut amount, mut shipping_amount) = (None, None, None, None);
        let (mut taxes, mut shipping_taxes) = (Vec::new(), Vec::new());
        let (mut reason_code, mut refund_state, mut state) = (None, None, None);
        r.object(|r, key| {
            match key {
                "id" => id = r.opt_string()?,
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
