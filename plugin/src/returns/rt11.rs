//! The RT11 return object, read for what planning needs: its id, state, order, reason,
//! creation date and the lines (order line id, quantity, whether inspected) it takes back.

use crate::common::error::PlanError;
use crate::common::json_reader::{JsonError, Reader, Text};
use crate::common::mirakl_order::MiraklOrder;

/// Reads the OR11 order and the RT11 return of it; an error when the return is for another
/// order.
pub fn order_and_return<'a>(
    order_json: &'a str,
    return_json: &'a str,
) -> Result<(MiraklOrder<'a>, MiraklReturn<'a>), PlanError> {
    let order = MiraklOrder::parse(order_json)?;
    let ret = MiraklReturn::parse(return_json)?;
    if ret.order_id != order.order_id {
        return Err(PlanError::argument(format!(
            "return {} is for order {:?} but the order given is {:?}",
            ret.id, ret.order_id, order.order_id
        )));
    }
    Ok((order, ret))
}

/// One Mirakl return (RT11 `data[]` item).
#[derive(Debug, Default)]
pub struct MiraklReturn<'a> {
    /// Return id (a UUID).
    pub id: Text<'a>,
    /// `WAITING_ACCEPTANCE`, `IN_PROGRESS`, `REFUSED`, `RECEIVED`, `NO_RECEPTION`, `CLOSED`,
    /// `CANCELED` (a state Mirakl adds is kept as sent).
    pub state: Text<'a>,
    /// The order returned from.
    pub order_id: Text<'a>,
    /// Its customer order number.
    pub order_commercial_id: Option<Text<'a>>,
    /// Mirakl return reason code.
    pub reason_code: Option<Text<'a>>,
    /// When the customer opened it.
    pub date_created: Option<Text<'a>>,
    /// What it takes back.
    pub return_lines: Vec<ReturnLine<'a>>,
}

/// One line of a return.
#[derive(Debug)]
pub struct ReturnLine<'a> {
    /// Mirakl order line id.
    pub order_line_id: Text<'a>,
    /// Units taken back.
    pub quantity: i64,
    /// John Lewis already holds a compliance verdict for the line (RT26 was made).
    pub inspected: bool,
}

fn missing(field: &str) -> JsonError {
    JsonError::shape(format!("{field} is missing"))
}

impl<'a> MiraklReturn<'a> {
    /// Reads one RT11 return object.
    pub fn parse(json: &'a str) -> Result<MiraklReturn<'a>, PlanError> {
        PlanError::check_size("return", json)?;
        let mut reader = Reader::new(json);
        MiraklReturn::read(&mut reader)
            .and_then(|r| reader.end().map(|()| r))
            .map_err(|e| e.into_plan_error("return"))
    }

    fn read(r: &mut Reader<'a>) -> Result<MiraklReturn<'a>, JsonError> {
        let mut ret = MiraklReturn::default();
        let (mut id, mut state, mut order_id, mut lines) = (None, None, None, None);
        r.object(|r, key| {
            match key {
                "id" => id = Some(r.string()?),
                "state" => state = Some(r.string()?),
                "order_id" => order_id = Some(r.string()?),
                "order_commercial_id" => ret.order_commercial_id = r.opt_string()?,
                "reason_code" => ret.reason_code = r.opt_string()?,
                "date_created" => ret.date_created = r.opt_string()?,
                "return_lines" => lines = Some(r.vec(ReturnLine::read)?),
                _ => r.skip()?,
            }
            Ok(())
        })?;
        ret.id = id.ok_or_else(|| missing("id"))?;
        ret.state = state.ok_or_else(|| missing("state"))?;
        ret.order_id = order_id.ok_or_else(|| missing("order_id"))?;
        ret.return_lines = lines.ok_or_else(|| missing("return_lines"))?;
        Ok(ret)
    }
}

impl<'a> ReturnLine<'a> {
    fn read(r: &mut Reader<'a>) -> Result<ReturnLine<'a>, JsonError> {
        let (mut id, mut quantity, mut inspected) = (None, None, false);
        r.object(|r, key| {
            match key {
                "order_line_id" => id = Some(r.string()?),
                "quantity" => quantity = Some(r.integer()?),
                "compliance" => {
                    let mut verdicts = 0;
                    r.nullable(|r| {
                        r.array(|r, _| {
                            verdicts += 1;
                            r.skip()
                        })
                    })?;
                    inspected = verdicts > 0;
                }
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(ReturnLine {
            order_line_id: id.ok_or_else(|| missing("order_line_id"))?,
            quantity: quantity.ok_or_else(|| missing("quantity"))?,
            inspected,
        })
    }
}
