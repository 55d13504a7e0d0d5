//! Changes to a sale after it was made: `PUT /api/v2/model/sale.sale/{id}/cancel` (the
//! per-record method, no body or `[]`) and `PUT /api/v2/model/sale.line/write` with body
//! `[[line ids], {"quantity": n}]` (only `quantity` is supported). The same rules apply to a
//! person doing it in Fulfil ([`crate::sandbox::Sandbox::cancel_sale_in_fulfil`],
//! [`crate::sandbox::Sandbox::reduce_sale_line_in_fulfil`]).
//!
//! Cancelling makes the sale `cancel` (`write_date` now), cancels its customer shipments and
//! return shipments that are not done, and answers 200 `null`; it is a `UserError` when a
//! customer shipment of the sale is `packed`, `shipped` or `done` (goods left or are leaving)
//! or the sale is `done`; cancelling a cancelled sale changes nothing. An unknown sale is a 404.
//!
//! Writing a quantity sets it (and the line `amount`, `quantity × unit_price`) on every line
//! named and stamps their sales' `write_date`; it is a `UserError`, changing nothing, when the
//! quantity is not a number ≥ 0 or is above the line's current quantity, a line is unknown,
//! or its sale is cancelled, done, or has a customer shipment `packed`, `shipped` or `done`.

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{FulfilState, UserError, not_found, tagged};
use crate::sandbox::decimal::Decimal;

/// Customer shipment states after which a sale can no longer be changed.
const SHIPPED_STATES: &[&str] = &["packed", "shipped", "done"];

/// Why a change is refused: an unknown record (404) or a user error.
pub(crate) enum Refusal {
    /// No such record.
    NotFound(String),
    /// A Fulfil `UserError`.
    User(UserError),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotFound(what) => write!(f, "{what}"),
            Refusal::User(error) => write!(f, "{}", error.message),
        }
    }
}

/// Handles `sale.sale/{id}/cancel` (under the state lock).
pub(super) fn cancel(fulfil: &mut FulfilState, id: &str, body: &[u8]) -> Response {
    let empty = body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<Value>(body).is_ok_and(|v| v == serde_json::json!([]));
    if !empty {
        return UserError::new("invalid_arguments", "cancel takes no arguments", "body")
            .into_response();
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&format!("sale.sale record {id} does not exist"));
    };
    match fulfil.cancel_sale(id, Utc::now()) {
        Ok(()) => axum::Json(Value::Null).into_response(),
        Err(Refusal::NotFound(what)) => not_found(&what),
        Err(Refusal::User(error)) => error.into_response(),
    }
}

/// Handles `sale.line/write` (under the state lock).
pub(super) fn write_lines(fulfil: &mut FulfilState, body: &[u8]) -> Response {
    let bad = |message: &str| UserError::new("invalid_arguments", message, "body").into_response();
    let Ok(args) = serde_json::from_slice::<Value>(body) else {
        return bad("Invalid JSON body");
    };
    let Some([ids, values]) = args.as_array().map(Vec::as_slice) else {
        return bad("write expects the arguments [[ids], {values}]");
    };
    let Some(ids) = ids
        .as_array()
        .and_then(|ids| ids.iter().map(Value::as_i64).collect::<Option<Vec<i64>>>())
    else {
        return bad("The ids must be a list of integers");
    };
    let Some(values) = values.as_object() else {
        return bad("The values must be an object");
    };
    if let Some(key) = values.keys().find(|k| k.as_str() != "quantity") {
        return UserError::new(
            "unsupported_field",
            format!("Writing '{key}' on sale.line is not supported here"),
            key.clone(),
        )
        .into_response();
    }
    let Some(quantity) = values.get("quantity").and_then(Value::as_f64) else {
        return UserError::new(
            "invalid_value",
            "Invalid value for 'quantity': must be a number",
            "quantity",
        )
        .into_response();
    };
    match fulfil.reduce_lines(&ids, quantity, Utc::now()) {
        Ok(()) => axum::Json(Value::Null).into_response(),
        Err(Refusal::NotFound(what)) => not_found(&what),
        Err(Refusal::User(error)) => error.into_response(),
    }
}

impl FulfilState {
    /// Refuses changes to sale `sale_id` once it is cancelled or done, or goods left.
    fn check_changeable(&self, sale_id: i64, action: &str) -> Result<(), Refusal> {
        let sale = self.sales.get(&sale_id).ok_or_else(|| {
            Refusal::NotFound(format!("sale.sale record {sale_id} does not exist"))
        })?;
        let state = sale["state"].as_str().unwrap_or_default();
        if state == "done" || (state == "cancel" && action != "cancel") {
            return Err(Refusal::User(UserError::new(
                "invalid_state",
                format!("Cannot {action} sale {sale_id} in state '{state}'"),
                "state",
            )));
        }
        let states = self.shipments.states_of_sale(sale_id);
        if let Some(shipped) = states.iter().find(|s| SHIPPED_STATES.contains(s)) {
            return Err(Refusal::User(UserError::new(
                "shipment_processed",
                format!(
                    "Cannot {action} sale {sale_id}: one of its customer shipments is already \
                     '{shipped}'"
                ),
                "shipments",
            )));
        }
        Ok(())
    }

    /// Cancels sale `sale_id` (see the module doc).
    pub(crate) fn cancel_sale(&mut self, sale_id: i64, now: DateTime<Utc>) -> Result<(), Refusal> {
        self.check_changeable(sale_id, "cancel")?;
        if self.sales[&sale_id]["state"] == "cancel" {
            return Ok(());
        }
        if let Some(sale) = self.sales.get_mut(&sale_id) {
            sale["state"] = "cancel".into();
            sale["write_date"] = tagged::datetime(now);
        }
        self.shipments.cancel_of_sale(sale_id, now);
        self.cancel_return_shipments(sale_id, now);
        Ok(())
    }

    /// Sets `quantity` on the sale lines `ids` (see the module doc).
    pub(crate) fn reduce_lines(
        &mut self,
        ids: &[i64],
        quantity: f64,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        let Some(new) =
            Decimal::parse_json_number(&quantity.to_string()).filter(|_| quantity >= 0.0)
        else {
            return Err(Refusal::User(UserError::new(
                "invalid_value",
                format!("Invalid value for 'quantity': {quantity} must be 0 or more"),
                "quantity",
            )));
        };
        for id in ids {
            let line = self.sale_lines.get(id).ok_or_else(|| {
                Refusal::NotFound(format!("sale.line record {id} does not exist"))
            })?;
            let sale_id = line["sale"].as_i64().unwrap_or_default();
            self.check_changeable(sale_id, "change")?;
            let current = line["quantity"].as_f64().unwrap_or(0.0);
            if quantity > current {
                return Err(Refusal::User(UserError::new(
                    "quantity_increase",
                    format!(
                        "Sale line {id} has quantity {current}: it can only be lowered, not set to \
                         {quantity}"
                    ),
                    "quantity",
                )));
            }
        }
        for id in ids {
            let Some(line) = self.sale_lines.get_mut(id) else {
                continue;
            };
            line["quantity"] = quantity.into();
            let unit_price = line["unit_price"]["decimal"]
                .as_str()
                .and_then(Decimal::parse)
                .unwrap_or(Decimal::ZERO);
            if let Some(amount) = new.checked_mul(unit_price) {
                line["amount"] = tagged::decimal(amount.round_half_even(2), 2);
            }
            let sale_id = line["sale"].as_i64().unwrap_or_default();
            if let Some(sale) = self.sales.get_mut(&sale_id) {
                sale["write_date"] = tagged::datetime(now);
            }
        }
        Ok(())
    }

    /// The id of the line of SKU `sku` on sale `sale_id`.
    pub(crate) fn line_of_sale(&self, sale_id: i64, sku: &str) -> Option<i64> {
        self.sale_lines
            .values()
            .find(|l| l["sale"] == sale_id && l["product.code"] == sku)
            .and_then(|l| l["id"].as_i64())
    }
}

#[cfg(test)]
#[path = "returns_tests.rs"]
mod tests;
