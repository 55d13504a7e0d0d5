//! The checks Fulfil makes on a return sale (every line negative) beyond the order's own:
//! its `origin` must be `"sale.sale,<id>"` of an existing, not cancelled sale on the same
//! channel that is not itself a return; every line's SKU must be on that sale; and the units
//! taken back of each SKU may not exceed the units sold on it less those of earlier return
//! sales of it (cancelled ones aside). Each failure is a `UserError`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::{Check, invalid};
use super::{FulfilState, UserError};

/// Checks the return sale `order` (already validated as an order); returns the origin sale id.
pub(super) fn check(fulfil: &FulfilState, order: &Value) -> Check<i64> {
    let origin = order["origin"].as_str().unwrap_or_default();
    let origin_id = origin
        .strip_prefix("sale.sale,")
        .and_then(|id| id.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            invalid(
                "origin",
                &format!("'{origin}' is not a reference sale.sale,<id>"),
            )
        })?;
    let sale = fulfil
        .sales
        .get(&origin_id)
        .filter(|s| s["channel"] == fulfil.channel_id)
        .ok_or_else(|| {
            UserError::new(
                "origin_not_found",
                format!("The origin sale {origin_id} does not exist on this channel"),
                "origin",
            )
        })?;
    if sale["state"] == "cancel" || fulfil.is_return_sale(origin_id) {
        return Err(UserError::new(
            "invalid_origin",
            format!("The origin sale {origin_id} cannot be returned: it is cancelled or a return"),
            "origin",
        ));
    }
    let mut left = fulfil.units_by_sku(origin_id);
    for (sale_id, other) in &fulfil.sales {
        if other["origin"] == origin && other["state"] != "cancel" {
            for (sku, units) in fulfil.units_by_sku(*sale_id) {
                *left.entry(sku).or_insert(0.0) += units;
            }
        }
    }
    for (index, line) in order["sale_lines"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = format!("sale_lines[{index}]");
        let sku = line["sku"].as_str().unwrap_or_default();
        let Some(available) = left.get_mut(sku) else {
            return Err(UserError::new(
                "product_not_on_origin",
                format!("Product '{sku}' ({path}) is not on the origin sale {origin_id}"),
                format!("{path}.sku"),
            ));
        };
        let units = quantity(&line["quantity"]).abs();
        if units > *available + 1e-9 {
            return Err(UserError::new(
                "return_exceeds_sold",
                format!(
                    "Cannot return {units} of '{sku}' ({path}): {} left to return on sale \
                     {origin_id}",
                    available.max(0.0)
                ),
                format!("{path}.quantity"),
            ));
        }
        *available -= units;
    }
    Ok(origin_id)
}

/// A line quantity as a number (already validated).
fn quantity(value: &Value) -> f64 {
    match value {
        Value::String(text) => text.parse().unwrap_or(0.0),
        Value::Object(map) => map
            .get("decimal")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0),
        other => other.as_f64().unwrap_or(0.0),
    }
}

impl FulfilState {
    /// Whether sale `sale_id` is a return sale (its lines take goods back).
    pub(crate) fn is_return_sale(&self, sale_id: i64) -> bool {
        self.sale_lines
            .values()
            .any(|l| l["sale"] == sale_id && l["quantity"].as_f64().is_some_and(|q| q < 0.0))
    }

    /// The units of each SKU on sale `sale_id` (negative on a return sale).
    pub(super) fn units_by_sku(&self, sale_id: i64) -> BTreeMap<String, f64> {
        let mut units = BTreeMap::new();
        for line in self.sale_lines.values().filter(|l| l["sale"] == sale_id) {
            let sku = line["product.code"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            *units.entry(sku).or_insert(0.0) += line["quantity"].as_f64().unwrap_or(0.0);
        }
        units
    }
}
