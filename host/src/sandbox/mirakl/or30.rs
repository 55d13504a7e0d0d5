//! OR30 `PUT /api/orders/cancel`: cancels units of order lines, possibly of several orders.
//!
//! Body `{"order_tax_mode"?, "cancelations":[{"order_line_id", "quantity", "amount",
//! "shipping_amount", "reason_code", "currency_iso_code"?, "taxes"?, "shipping_taxes"?,
//! "fees"?}]}` (required fields as the OpenAPI marks them; any other field is a 400). Amounts
//! are JSON numbers read exactly from their text. The call is applied whole or not at all: it
//! is a 400, changing nothing, when a line is unknown, a line is not `SHIPPING` (the only
//! state the order state machine cancels lines from: not yet shipped, already accepted and
//! debited), the quantity is below 1 or above the line's quantity less its earlier
//! cancellations (and the call's earlier items), an amount is negative, the amount (shipping
//! amount) exceeds what is left of the line's `price` (`shipping_price`), the line has taxes
//! (shipping taxes) and the item gives no `taxes` (`shipping_taxes`), a tax code is not one of
//! the line's or its amount exceeds what is left of it, the currency is not the order's, or
//! the reason code is blank.
//!
//! Each cancellation is appended to its line's `cancelations[]` as `{id, quantity, amount,
//! shipping_amount, reason_code, taxes, shipping_taxes, created_date}`; a line whose units are
//! all cancelled becomes `CANCELED`, and an order left with no line to ship becomes `CANCELED`
//! (or `SHIPPED` when some of its lines shipped); each order touched is stamped now. The
//! answer is 200 `{"order_tax_mode", "cancelations":[{"cancelation_id", "order_line_id",
//! "quantity", "amount", "shipping_amount", "reason_code", "currency_iso_code", "taxes",
//! "shipping_taxes", "fees"}]}`.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::put;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::line_money::{self, Portion, RawFee, RawTax, check_fits, request_amount, request_taxes};
use super::or28::TAX_MODES;
use super::{MiraklError, MiraklState, bad_request, error, json_operation, now_string, touch};
use crate::sandbox::state::Ctx;

/// Line states units can be cancelled in.
pub(super) const CANCELABLE: &[&str] = &["SHIPPING"];

/// OR30's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders/cancel", put(cancel))
}

/// The body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body<'a> {
    order_tax_mode: Option<String>,
    #[serde(borrow)]
    cancelations: Vec<Item<'a>>,
}

/// One cancellation of the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item<'a> {
    order_line_id: String,
    quantity: i64,
    #[serde(borrow)]
    amount: &'a RawValue,
    #[serde(borrow)]
    shipping_amount: &'a RawValue,
    reason_code: String,
    currency_iso_code: Option<String>,
    #[serde(borrow)]
    taxes: Option<Vec<RawTax<'a>>>,
    #[serde(borrow)]
    shipping_taxes: Option<Vec<RawTax<'a>>>,
    #[serde(borrow)]
    fees: Option<Vec<RawFee<'a>>>,
}

/// The OR30 handler.
async fn cancel(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    json_operation(&ctx, "OR30", &headers, &body, apply).await
}

/// A cancellation as checked, ready to record: `(order id, line index, portion, reason)`.
pub(super) struct Planned {
    /// The order.
    pub order_id: String,
    /// The line's index in `order_lines`.
    pub index: usize,
    /// What it cancels.
    pub portion: Portion,
    /// Reason code.
    pub reason_code: String,
}

/// Checks a cancellation of `portion` on line `line_id` on top of the call's `pending` ones
/// (then counts it there); the error message otherwise.
pub(super) fn plan(
    mirakl: &MiraklState,
    line_id: &str,
    portion: Portion,
    reason_code: &str,
    currency: Option<&str>,
    pending: &mut BTreeMap<String, Portion>,
) -> Result<Planned, String> {
    let (order_id, index) = line_money::find_line(&mirakl.orders, line_id)
        .ok_or_else(|| format!("The order line '{line_id}' does not exist"))?;
    let order = &mirakl.orders[&order_id];
    let line = &order["order_lines"][index];
    let line_state = line["order_line_state"].as_str().unwrap_or("unknown");
    if !CANCELABLE.contains(&line_state) {
        return Err(format!(
            "The order line '{line_id}' cannot be canceled in state {line_state}: only lines \
             not yet shipped (SHIPPING) can"
        ));
    }
    if reason_code.trim().is_empty() {
        return Err(format!(
            "The cancelation of order line '{line_id}' needs a reason_code"
        ));
    }
    if let Some(currency) = currency
        && order["currency_iso_code"] != currency
    {
        return Err(format!(
            "The currency {currency} is not the currency of order '{order_id}'"
        ));
    }
    let before = line_money::taken(line, "cancelations")
        .plus(pending.get(line_id).unwrap_or(&Portion::default()));
    let open = line_money::line_total(line).quantity - before.quantity;
    if portion.quantity < 1 || portion.quantity > open {
        return Err(format!(
            "The cancelation quantity {} on order line '{line_id}' must be between 1 and the \
             {} units left",
            portion.quantity,
            open.max(0)
        ));
    }
    check_fits(line, &before, &portion, "cancelation")?;
    let entry = pending.entry(line_id.to_string()).or_default();
    *entry = entry.plus(&portion);
    Ok(Planned {
        order_id,
        index,
        portion,
        reason_code: reason_code.to_string(),
    })
}

/// Records checked cancellations (ids given now), settles the orders' states and stamps
/// them; returns each stored entry with its order id and line.
pub(super) fn record(mirakl: &mut MiraklState, planned: Vec<Planned>) -> Vec<(String, Value)> {
    let now = now_string();
    let mut touched = BTreeSet::new();
    let mut entries = Vec::with_capacity(planned.len());
    for plan in planned {
        let id = mirakl.money_ids.cancelation();
        let Some(order) = mirakl.orders.get_mut(&plan.order_id) else {
            continue;
        };
        let line = &mut order["order_lines"][plan.index];
        let entry =
            line_money::record_cancelation(line, id, &plan.portion, Some(&plan.reason_code), &now);
        entries.push((plan.order_id.clone(), entry));
        touched.insert(plan.order_id);
    }
    for order_id in touched {
        if let Some(order) = mirakl.orders.get_mut(&order_id) {
            line_money::settle_order_state(order);
            touch(order, &now);
        }
    }
    entries
}

/// Validates every cancellation, then records them all; returns the 200 body.
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
    if parsed.cancelations.is_empty() {
        return Err(bad_request(
            "cancelations must not be empty",
            "VALIDATION_ERROR",
        ));
    }
    let mut pending = BTreeMap::new();
    let mut planned = Vec::with_capacity(parsed.cancelations.len());
    let mut fees = Vec::with_capacity(parsed.cancelations.len());
    for (index, item) in parsed.cancelations.iter().enumerate() {
        let path = format!("cancelations[{index}]");
        let portion = Portion {
            amount: request_amount(item.amount, &format!("{path}.amount"))?,
            shipping_amount: request_amount(
                item.shipping_amount,
                &format!("{path}.shipping_amount"),
            )?,
            quantity: item.quantity,
            taxes: request_taxes(item.taxes.as_deref(), &format!("{path}.taxes"))?,
            shipping_taxes: request_taxes(
                item.shipping_taxes.as_deref(),
                &format!("{path}.shipping_taxes"),
            )?,
        };
        fees.push(line_money::fee_list(
            item.fees.as_deref(),
            &format!("{path}.fees"),
        )?);
        let checked = plan(
            mirakl,
            &item.order_line_id,
            portion,
            &item.reason_code,
            item.currency_iso_code.as_deref(),
            &mut pending,
        )
        .map_err(|message| error(StatusCode::BAD_REQUEST, &message, None))?;
        planned.push(checked);
    }
    let first_order = planned.first().map(|p| p.order_id.clone());
    let tax_mode = parsed.order_tax_mode.clone().or_else(|| {
        first_order
            .and_then(|id| mirakl.orders.get(&id))
            .and_then(|o| o["order_tax_mode"].as_str().map(str::to_string))
    });
    let entries = record(mirakl, planned);
    let answers: Vec<Value> = entries
        .into_iter()
        .zip(parsed.cancelations.iter().zip(fees))
        .map(|((order_id, entry), (item, fees))| {
            json!({
                "cancelation_id": entry["id"],
                "order_line_id": item.order_line_id,
                "quantity": entry["quantity"],
                "amount": entry["amount"],
                "shipping_amount": entry["shipping_amount"],
                "reason_code": entry["reason_code"],
                "currency_iso_code": mirakl.orders.get(&order_id).map(|o| o["currency_iso_code"].clone()),
                "taxes": entry["taxes"],
                "shipping_taxes": entry["shipping_taxes"],
                "fees": fees,
            })
        })
        .collect();
    Ok(json!({
        "order_tax_mode": tax_mode.unwrap_or_else(|| "TAX_INCLUDED".to_string()),
        "cancelations": answers,
    }))
}

#[cfg(test)]
#[path = "or30_tests.rs"]
mod tests;
