//! The John Lewis returns (Mirakl returns module) the sandbox holds, as RT11 return objects,
//! and what RT21, RT25 and RT26 share: the `{"returns": [...]}` body (1 to 100 items, fields
//! as the OpenAPI has them, anything else a 400) and the 200 answer with per-item
//! `return_success[]{id}` and `return_errors[]{id, message}`.
//!
//! A return is `WAITING_ACCEPTANCE` when opened ([`Returns::open`]), then RT21 makes it
//! `IN_PROGRESS` (accepted) or `REFUSED`, RT25 `RECEIVED`, and RT26 records the compliance of
//! its lines (the state stays `RECEIVED`: the OpenAPI gives RT26 no state change). Every
//! change stamps `last_updated` with the same clock OR11 uses for `last_updated_date`.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{MiraklError, MiraklState, bad_request, error, is_json, now_string};

/// Every return state RT11 documents.
pub(super) const RETURN_STATES: &[&str] = &[
    "WAITING_ACCEPTANCE",
    "IN_PROGRESS",
    "REFUSED",
    "RECEIVED",
    "NO_RECEPTION",
    "CLOSED",
    "CANCELED",
];
/// Most returns in one RT21, RT25 or RT26 call.
const MAX_BATCH: usize = 100;
/// Where returns are sent back to (the seller's warehouse), on every opened return.
const RETURN_ADDRESS: &str = r#"{"street1": "Unit 4, Canal Road Trading Estate",
    "street2": null, "city": "Leeds", "state": null, "zip_code": "LS12 2PL",
    "country_iso_code": "GBR"}"#;

/// The returns, by id.
#[derive(Debug, Default)]
pub(crate) struct Returns {
    /// RT11 return objects by `id`.
    pub list: BTreeMap<String, Value>,
    /// How many were opened (feeds the ids).
    opened: u64,
}

impl Returns {
    /// Adds or replaces returns by `id`; `last_updated` and `date_created` are kept when
    /// given (stamped with now otherwise). Objects without a string `id` are skipped.
    pub(crate) fn seed(&mut self, returns: Vec<Value>) {
        let now = now_string();
        for mut item in returns {
            let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) else {
                tracing::warn!("sandbox: seeded return without a string id skipped");
                continue;
            };
            if let Some(map) = item.as_object_mut() {
                for key in ["date_created", "last_updated"] {
                    if !map.get(key).is_some_and(Value::is_string) {
                        map.insert(key.into(), now.clone().into());
                    }
                }
            }
            self.list.insert(id, item);
        }
    }

    /// Sets `last_updated` of return `id` to now.
    pub(super) fn touch(&mut self, id: &str) {
        if let Some(map) = self.list.get_mut(id).and_then(Value::as_object_mut) {
            map.insert("last_updated".into(), now_string().into());
        }
    }

    /// The return `id`, when its state is `expected`; the per-item error message otherwise.
    pub(super) fn in_state(&mut self, id: &str, expected: &str) -> Result<&mut Value, String> {
        let item = self
            .list
            .get_mut(id)
            .ok_or_else(|| "The return does not exist.".to_string())?;
        if item["state"] != expected {
            return Err(format!(
                "Return is in invalid state: it is {} and must be {expected}",
                item["state"].as_str().unwrap_or("unknown")
            ));
        }
        Ok(item)
    }
}

impl MiraklState {
    /// Opens a return of `lines` (order line id, units) of order `order_id`, as the customer
    /// does on John Lewis: `WAITING_ACCEPTANCE`, created now, sent back by mail. Fails when
    /// the order is unknown, a line is not one of its lines, or a quantity is not between 1
    /// and the line's quantity.
    pub(crate) fn open_return(
        &mut self,
        order_id: &str,
        lines: &[(String, i64)],
        reason_code: &str,
    ) -> Result<String, String> {
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| format!("order '{order_id}' does not exist"))?;
        if lines.is_empty() {
            return Err("a return needs at least one line".into());
        }
        let mut return_lines = Vec::with_capacity(lines.len());
        for (line_id, quantity) in lines {
            let line = order["order_lines"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["order_line_id"] == line_id.as_str())
                .ok_or_else(|| format!("'{line_id}' is not a line of order '{order_id}'"))?;
            let bought = line["quantity"].as_i64().unwrap_or(0);
            if *quantity < 1 || *quantity > bought {
                return Err(format!(
                    "the quantity {quantity} of line '{line_id}' must be between 1 and {bought}"
                ));
            }
            return_lines.push(json!({
                "order_line_id": line_id,
                "quantity": quantity,
                "reason_code": reason_code,
                "compliance": [],
            }));
        }
        let commercial_id = order
            .get("commercial_id")
            .and_then(Value::as_str)
            .unwrap_or(order_id)
            .to_string();
        self.returns.opened += 1;
        let id = super::uuid_like(self.returns.opened, 0x0e71);
        let now = now_string();
        let address: Value = serde_json::from_str(RETURN_ADDRESS).unwrap_or(Value::Null);
        let item = json!({
            "id": id,
            "state": "WAITING_ACCEPTANCE",
            "order_id": order_id,
            "order_commercial_id": commercial_id,
            "reason_code": reason_code,
            "rejection_reason_code": null,
            "rma": null,
            "description": null,
            "label_url": null,
            "method_code": "RETURN_METHOD_BY_MAIL",
            "return_address": address,
            "return_lines": return_lines,
            "tracking": null,
            "documents": [],
            "date_created": now,
            "last_updated": now,
        });
        self.returns.list.insert(id.clone(), item);
        Ok(id)
    }
}

/// The body of RT21, RT25 and RT26.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch<T> {
    returns: Vec<T>,
}

/// Runs one RT21/RT25/RT26 call: checks the content type and the body (items of type `T`),
/// then applies each item in order with `apply` (`Ok` for success, `Err(message)` for a
/// per-item error); answers 200 with `return_success` and `return_errors`.
pub(super) fn run_batch<T: DeserializeOwned>(
    mirakl: &mut MiraklState,
    headers: &HeaderMap,
    body: &[u8],
    id_of: impl Fn(&T) -> &str,
    mut apply: impl FnMut(&mut Returns, &T) -> Result<(), String>,
) -> Response {
    if !is_json(headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
            None,
        )
        .into_response();
    }
    let batch = match parse_batch::<T>(body) {
        Ok(batch) => batch,
        Err(error) => return error.into_response(),
    };
    let mut success = Vec::new();
    let mut errors = Vec::new();
    for item in &batch {
        let id = id_of(item);
        match apply(&mut mirakl.returns, item) {
            Ok(()) => {
                mirakl.returns.touch(id);
                success.push(json!({"id": id}));
            }
            Err(message) => errors.push(json!({"id": id, "message": message})),
        }
    }
    axum::Json(json!({"return_success": success, "return_errors": errors})).into_response()
}

/// Parses `{"returns": [...]}` with 1 to 100 items.
fn parse_batch<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, MiraklError> {
    let batch: Batch<T> = serde_json::from_slice(body)
        .map_err(|e| bad_request(&format!("Invalid body: {e}"), "VALIDATION_ERROR"))?;
    if batch.returns.is_empty() || batch.returns.len() > MAX_BATCH {
        return Err(bad_request(
            &format!(
                "returns must hold between 1 and {MAX_BATCH} returns, got {}",
                batch.returns.len()
            ),
            "VALIDATION_ERROR",
        ));
    }
    Ok(batch.returns)
}

#[cfg(test)]
#[path = "returns_tests.rs"]
mod tests;
