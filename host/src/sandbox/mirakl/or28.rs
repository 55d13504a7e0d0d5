//! OR28 `PUT /api/orders/refund`: refunds on order lines, possibly of several orders.
//!
//! Body `{"order_tax_mode"?, "refunds":[{"order_line_id", "amount", "shipping_amount",
//! "reason_code", "quantity"?, "currency_iso_code"?, "excluded_from_shipment"?, "taxes"?,
//! "shipping_taxes"?, "fees"?}]}` (required fields as the OpenAPI marks them; any other field
//! is a 400). Amounts are JSON numbers read exactly from their text. The call is applied whole
//! or not at all: it is a 400, changing nothing, when a line is unknown (404 rules do not
//! apply: lines are looked up across orders), a line is not `SHIPPED`, `TO_COLLECT` or
//! `RECEIVED`, an amount is negative, the amount (shipping amount) plus the line's earlier
//! refunds and the call's earlier items exceeds the line `price` (`shipping_price`), the line
//! has taxes (shipping taxes) and the refund gives no `taxes` (`shipping_taxes`), a tax code
//! is not one of the line's or its amount plus earlier refunds exceeds the line's tax of that
//! code, the currency is not the order's, or the reason code is blank.
//!
//! Each refund is appended to its line's `refunds[]` as `{id, amount, shipping_amount,
//! quantity, reason_code, taxes, shipping_taxes, fees, excluded_from_shipment, state:
//! "WAITING_REFUND", order_refund_id, created_date}`; a line whose refunds reach its `price`
//! becomes `REFUNDED`; each order touched gets `last_updated_date` now. The answer is 200
//! `{"order_tax_mode", "refunds":[{"refund_id", "order_refund_id" (one per order and call),
//! "order_line_id", "amount", "shipping_amount", "quantity", "reason_code",
//! "currency_iso_code", "excluded_from_shipment", "taxes", "shipping_taxes", "fees"}]}`.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::put;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::line_money::{
    self, Portion, RawFee, RawTax, check_fits, number, request_amount, request_taxes,
};
use super::{MiraklError, MiraklState, bad_request, error, json_operation, now_string, touch};
use crate::sandbox::state::Ctx;

/// Line states a refund is allowed in.
const REFUNDABLE: &[&str] = &["SHIPPED", "TO_COLLECT", "RECEIVED"];
/// `order_tax_mode` values.
pub(super) const TAX_MODES: &[&str] = &["TAX_EXCLUDED", "TAX_INCLUDED"];

/// OR28's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders/refund", put(refund))
}

/// The body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body<'a> {
    order_tax_mode: Option<String>,
    #[serde(borrow)]
    refunds: Vec<Item<'a>>,
}

/// One refund of the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item<'a> {
    order_line_id: String,
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(borrow)]
    shipping_amount: &'a RawValue,
    reason_code: String,
    quantity: Option<i64>,
    currency_iso_code: Option<String>,
    excluded_from_shipment: Option<bool>,
    #[serde(borrow)]
    taxes: Option<Vec<RawTax<'a>>>,
    #[serde(borrow)]
    shipping_taxes: Option<Vec<RawTax<'a>>>,
    #[serde(borrow)]
    fees: Option<Vec<RawFee<'a>>>,
}

/// The OR28 handler.
async fn refund(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    json_operation(&ctx, "OR28", &headers, &body, apply).await
}

/// A checked refund, ready to record.
struct Planned {
    order_id: String,
    index: usize,
    portion: Portion,
    fees: Value,
    item_index: usize,
}

/// Validates every refund, then records them all; returns the 200 body.
fn apply(mirakl: &mut MiraklState, body: &[u8]) -> Result<Value, MiraklError> {
    let parsed: Body<'_> = serde_json::from_slice(body)
        .map_err(|e| bad_request(&format!("Invalid body: {e}"), "VALIDATION_ERROR"))?;
    if let Some(mode) = &parsed.order_tax_mode
        && !TAX_MODES.contains(&mode.as_str())
    {
        return Err(bad_request(
            &format!("order_tax_mode must be TAX_EXCLUDED or TAX_INCLUDED, got '{mode}'"),
            "VALIDATION_ERROR",
        ));
    }
    if parsed.refunds.is_empty() {
        return Err(bad_request("refunds must not be empty", "VALIDATION_ERROR"));
    }
    let invalid = |message: String| error(StatusCode::BAD_REQUEST, &message, None);
    let mut pending: BTreeMap<String, Portion> = BTreeMap::new();
    let mut planned = Vec::with_capacity(parsed.refunds.len());
    for (item_index, item) in parsed.refunds.iter().enumerate() {
        let path = format!("refunds[{item_index}]");
        let line_id = item.order_line_id.as_str();
        let (order_id, index) = line_money::find_line(&mirakl.orders, line_id)
            .ok_or_else(|| invalid(format!("The order line '{line_id}' does not exist")))?;
        let order = &mirakl.orders[&order_id];
        let line = &order["order_lines"][index];
        let line_state = line["order_line_state"].as_str().unwrap_or("unknown");
        if !REFUNDABLE.contains(&line_state) {
            return Err(invalid(format!(
                "The order line '{line_id}' cannot be refunded in state {line_state}: only \
                 SHIPPED, TO_COLLECT and RECEIVED lines can"
            )));
        }
        if item.reason_code.trim().is_empty() {
            return Err(invalid(format!("{path}.reason_code must not be blank")));
        }
        if let Some(currency) = &item.currency_iso_code
            && order["currency_iso_code"] != currency.as_str()
        {
            return Err(invalid(format!(
                "{path}.currency_iso_code {currency} is not the currency of order '{order_id}'"
            )));
        }
        if item.quantity.is_some_and(|q| q < 0) {
            return Err(invalid(format!("{path}.quantity must not be negative")));
        }
        let portion = Portion {
            amount: request_amount(item.amount, &format!("{path}.amount"))?,
            shipping_amount: request_amount(
                item.shipping_amount,
                &format!("{path}.shipping_amount"),
            )?,
            quantity: item.quantity.unwrap_or(0),
            taxes: request_taxes(item.taxes.as_deref(), &format!("{path}.taxes"))?,
            shipping_taxes: request_taxes(
                item.shipping_taxes.as_deref(),
                &format!("{path}.shipping_taxes"),
            )?,
        };
        let before = line_money::taken(line, "refunds")
            .plus(pending.get(line_id).unwrap_or(&Portion::default()));
        check_fits(line, &before, &portion, "refund").map_err(invalid)?;
        let fees = line_money::fee_list(item.fees.as_deref(), &format!("{path}.fees"))?;
        let entry = pending.entry(line_id.to_string()).or_default();
        *entry = entry.plus(&portion);
        planned.push(Planned {
            order_id,
            index,
            portion,
            fees,
            item_index,
        });
    }

    let now = now_string();
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    let mut answers = Vec::with_capacity(planned.len());
    let mut tax_mode = parsed.order_tax_mode.clone();
    for plan in planned {
        let item = &parsed.refunds[plan.item_index];
        let group = groups
            .entry(plan.order_id.clone())
            .or_insert_with(|| mirakl.money_ids.group())
            .clone();
        let refund_id = mirakl.money_ids.refund();
        let Some(order) = mirakl.orders.get_mut(&plan.order_id) else {
            continue;
        };
        if tax_mode.is_none() {
            tax_mode = order["order_tax_mode"].as_str().map(str::to_string);
        }
        let currency = order["currency_iso_code"].clone();
        let line = &mut order["order_lines"][plan.index];
        let taxes = line_money::tax_list(&plan.portion.taxes, line, "taxes");
        let shipping_taxes =
            line_money::tax_list(&plan.portion.shipping_taxes, line, "shipping_taxes");
        let entry = json!({
            "id": refund_id,
            "amount": number(plan.portion.amount),
            "shipping_amount": number(plan.portion.shipping_amount),
            "quantity": plan.portion.quantity,
            "reason_code": item.reason_code,
            "taxes": taxes,
            "shipping_taxes": shipping_taxes,
            "fees": plan.fees,
            "excluded_from_shipment": item.excluded_from_shipment.unwrap_or(false),
            "state": "WAITING_REFUND",
            "order_refund_id": group,
            "created_date": now,
        });
        line_money::push(line, "refunds", entry);
        let refunded = line_money::taken(line, "refunds").amount;
        if refunded >= line_money::line_total(line).amount {
            line["order_line_state"] = "REFUNDED".into();
        }
        answers.push(json!({
            "refund_id": refund_id,
            "order_refund_id": group,
            "order_line_id": item.order_line_id,
            "amount": number(plan.portion.amount),
            "shipping_amount": number(plan.portion.shipping_amount),
            "quantity": plan.portion.quantity,
            "reason_code": item.reason_code,
            "currency_iso_code": currency,
            "excluded_from_shipment": item.excluded_from_shipment.unwrap_or(false),
            "taxes": taxes,
            "shipping_taxes": shipping_taxes,
            "fees": plan.fees,
        }));
    }
    for order_id in groups.keys() {
        if let Some(order) = mirakl.orders.get_mut(order_id) {
            touch(order, &now);
        }
    }
    Ok(json!({
        "order_tax_mode": tax_mode.unwrap_or_else(|| "TAX_INCLUDED".to_string()),
        "refunds": answers,
    }))
}

#[cfg(test)]
#[path = "or28_tests.rs"]
pub(super) mod tests;
