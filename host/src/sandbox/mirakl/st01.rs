//! ST01 `POST /api/shipments`: creates shipments (up to 1000 a call); ST11 (`GET`, the
//! same path) lists them (see `st11`).
//!
//! The body is checked against the ST01 schema first; a body that does not fit it (unknown
//! fields at any level, a missing `order_id` or `shipment_lines`, a quantity that is not an
//! integer ≥ 1, a wrong type, no shipments or more than 1000) is a 400 and nothing is created.
//! Each shipment is then applied on its own, in order: it fails, and is listed in
//! `shipment_errors[]{order_id,message}`, when its order is unknown or not `SHIPPING`, its
//! carrier cannot be resolved (see `carriers::resolve`), a line names no order line of the
//! order (by `order_line_id`, or by the deprecated `offer_sku`), a line is not `SHIPPING`, or
//! the quantity exceeds what is left to ship of the line (its quantity less what earlier
//! shipments, including earlier ones of the same call, already hold). The others are created
//! and listed in `shipment_success[]` with a new uuid-like `id`. The answer is 201 either way.
//!
//! A shipment created with `shipped: true` is `SHIPPED` at once; each order line whose
//! quantity is then entirely in shipped shipments becomes `SHIPPED`, and once no line is left
//! `SHIPPING` the order becomes `SHIPPED` too (as OR24 would make it).

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

use super::carriers::{self, TrackingRequest};
use super::or24::mark_shipped;
use super::{MiraklError, MiraklState, bad_request, error, is_json, now_string, touch};
use crate::sandbox::state::{Api, Ctx, handle};

/// Most shipments in one call.
const MAX_SHIPMENTS: usize = 1000;
/// Fields of a shipment.
const SHIPMENT_FIELDS: &[&str] = &[
    "invoice_reference",
    "order_id",
    "shipment_additional_information",
    "shipment_lines",
    "shipped",
    "shipping_from",
    "tracking",
];
/// Fields of a shipment line.
const LINE_FIELDS: &[&str] = &[
    "offer_sku",
    "order_line_id",
    "package_reference",
    "quantity",
];
/// Fields of `tracking` (note: `tracking_url`, where OR23 has `carrier_url`).
const TRACKING_FIELDS: &[&str] = &[
    "carrier_code",
    "carrier_name",
    "carrier_standard_code",
    "tracking_number",
    "tracking_url",
];
/// Fields of a `shipment_additional_information` entry.
const ADDITIONAL_FIELDS: &[&str] = &["code", "type", "value"];

/// ST01's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/shipments", post(create).get(super::st11::list))
}

/// The shipments created by ST01.
#[derive(Debug, Default)]
pub(crate) struct Shipments {
    /// Every created shipment as ST01 answered it, in creation order.
    pub list: Vec<Value>,
    /// How many were created (feeds the ids).
    created: u64,
}

impl Shipments {
    /// Per order line of `order_id`: the quantity in its shipments (all, or only the shipped
    /// ones).
    fn quantities(&self, order_id: &str, shipped_only: bool) -> BTreeMap<String, i64> {
        let mut quantities = BTreeMap::new();
        for shipment in &self.list {
            if shipment["order_id"] != order_id || (shipped_only && shipment["status"] != "SHIPPED")
            {
                continue;
            }
            for line in shipment["shipment_lines"].as_array().into_iter().flatten() {
                if let Some(id) = line["order_line_id"].as_str() {
                    *quantities.entry(id.to_string()).or_insert(0) +=
                        line["quantity"].as_i64().unwrap_or(0);
                }
            }
        }
        quantities
    }

    /// A new uuid-like id (version 4 layout, deterministic from the creation count).
    fn next_id(&mut self) -> String {
        self.created += 1;
        super::uuid_like(self.created, 0)
    }
}

/// The ST01 handler.
async fn create(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&ctx, Api::Mirakl, "ST01", &headers, |state| {
        if !is_json(&headers) {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
                None,
            )
            .into_response();
        }
        match parse_body(&body) {
            Ok(requests) => {
                let answer = apply(&mut state.mirakl, &requests);
                (StatusCode::CREATED, axum::Json(answer)).into_response()
            }
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// A shipment as requested (schema-checked).
#[derive(Debug)]
struct NewShipment {
    order_id: String,
    lines: Vec<NewLine>,
    shipped: bool,
    tracking: Option<Map<String, Value>>,
    invoice_reference: Option<String>,
    shipping_from: Option<Value>,
    additional: Option<Value>,
}

/// A shipment line as requested.
#[derive(Debug)]
struct NewLine {
    order_line_id: Option<String>,
    offer_sku: Option<String>,
    package_reference: Option<String>,
    quantity: i64,
}

/// Creates each shipment or records why not; returns the 201 body.
fn apply(mirakl: &mut MiraklState, requests: &[NewShipment]) -> Value {
    let mut success = Vec::new();
    let mut errors = Vec::new();
    for request in requests {
        match create_one(mirakl, request) {
            Ok(shipment) => success.push(shipment),
            Err(message) => errors.push(json!({"order_id": request.order_id, "message": message})),
        }
    }
    json!({"shipment_success": success, "shipment_errors": errors})
}

/// Creates one shipment, or says why it cannot be created.
fn create_one(mirakl: &mut MiraklState, request: &NewShipment) -> Result<Value, String> {
    let order_id = request.order_id.as_str();
    let Some(order) = mirakl.orders.get(order_id) else {
        return Err(format!("The order '{order_id}' does not exist."));
    };
    let order_state = order["order_state"].as_str().unwrap_or("unknown");
    if order_state != "SHIPPING" {
        return Err(format!(
            "The order status must be 'SHIPPING' but it is '{order_state}'."
        ));
    }
    let tracking = match &request.tracking {
        None => None,
        Some(fields) => {
            let text = |key: &str| fields.get(key).and_then(Value::as_str);
            let resolved = carriers::resolve(
                &mirakl.carriers,
                TrackingRequest {
                    carrier_code: text("carrier_code"),
                    carrier_name: text("carrier_name"),
                    carrier_standard_code: text("carrier_standard_code"),
                    tracking_number: text("tracking_number"),
                    url: text("tracking_url"),
                },
            )
            .map_err(|e| e.message)?;
            Some(resolved)
        }
    };

    let order_lines: &[Value] = order["order_lines"].as_array().map_or(&[], Vec::as_slice);
    let already = mirakl.shipments.quantities(order_id, false);
    let left = |line: &Value, pending: &BTreeMap<String, i64>| {
        let id = line["order_line_id"].as_str().unwrap_or_default();
        line["quantity"].as_i64().unwrap_or(0)
            - already.get(id).copied().unwrap_or(0)
            - pending.get(id).copied().unwrap_or(0)
    };
    let mut pending: BTreeMap<String, i64> = BTreeMap::new();
    let mut lines = Vec::with_capacity(request.lines.len());
    for (index, requested) in request.lines.iter().enumerate() {
        let line = match (&requested.order_line_id, &requested.offer_sku) {
            (Some(id), sku) => {
                let line = order_lines
                    .iter()
                    .find(|l| l["order_line_id"] == id.as_str())
                    .ok_or_else(|| {
                        format!("The order line '{id}' does not exist on order '{order_id}'.")
                    })?;
                if let Some(sku) = sku
                    && line["offer_sku"] != sku.as_str()
                {
                    return Err(format!(
                        "The order line '{id}' is not for the offer SKU '{sku}'."
                    ));
                }
                line
            }
            (None, Some(sku)) => {
                let candidates: Vec<&Value> = order_lines
                    .iter()
                    .filter(|l| l["offer_sku"] == sku.as_str())
                    .collect();
                let open = candidates.iter().copied().find(|l| {
                    l["order_line_state"] == "SHIPPING" && left(l, &pending) >= requested.quantity
                });
                open.or_else(|| candidates.first().copied())
                    .ok_or_else(|| {
                        format!("No line of order '{order_id}' is for the offer SKU '{sku}'.")
                    })?
            }
            (None, None) => {
                return Err(format!(
                    "Shipment line {index} must have an order_line_id (or an offer_sku)."
                ));
            }
        };
        let id = line["order_line_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let line_state = line["order_line_state"].as_str().unwrap_or("unknown");
        if line_state != "SHIPPING" {
            return Err(format!(
                "The order line '{id}' must be 'SHIPPING' but it is '{line_state}'."
            ));
        }
        if requested.quantity > left(line, &pending) {
            return Err(format!(
                "Shipment quantity is invalid: order line '{id}' has {} left to ship, {} \
                 requested.",
                left(line, &pending).max(0),
                requested.quantity
            ));
        }
        *pending.entry(id.clone()).or_insert(0) += requested.quantity;
        lines.push(json!({
            "offer_sku": line["offer_sku"],
            "order_line_id": id,
            "package_reference": requested.package_reference,
            "quantity": requested.quantity,
        }));
    }

    let now = now_string();
    let id = mirakl.shipments.next_id();
    let tracking = tracking.map(|t| {
        json!({
            "carrier_code": t.carrier_code,
            "carrier_name": t.carrier_name,
            "carrier_standard_code": t.carrier_standard_code,
            "tracking_number": t.tracking_number,
            "tracking_url": t.tracking_url,
            "last_known_location": null,
            "milestones": [],
            "validity_status": null,
        })
    });
    let shipping_from = request
        .shipping_from
        .as_ref()
        .map(|from| json!({"address": null, "warehouse": from.get("warehouse")}));
    let shipment = json!({
        "id": id,
        "order_id": order_id,
        "created_date": now,
        "last_updated_date": now,
        "shipped_date": if request.shipped { Value::from(now.clone()) } else { Value::Null },
        "status": if request.shipped { "SHIPPED" } else { "SHIPPING" },
        "status_customer_debit": "NO_DEBIT",
        "payment_details": null,
        "invoice_reference": request.invoice_reference,
        "shipment_additional_information": request.additional.clone().unwrap_or(json!([])),
        "shipment_lines": lines,
        "shipping_from": shipping_from,
        "tracking": tracking,
    });
    mirakl.shipments.list.push(shipment.clone());

    let shipped = mirakl.shipments.quantities(order_id, true);
    if let Some(order) = mirakl.orders.get_mut(order_id) {
        let mut open = 0usize;
        for line in order["order_lines"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            if line.get("order_line_state").and_then(Value::as_str) != Some("SHIPPING") {
                continue;
            }
            let id = line
                .get("order_line_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let quantity = line.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            if shipped.get(id).copied().unwrap_or(0) >= quantity {
                line.insert("order_line_state".into(), "SHIPPED".into());
            } else {
                open += 1;
            }
        }
        if open == 0 {
            mark_shipped(order, &now);
        } else {
            touch(order, &now);
        }
    }
    Ok(shipment)
}

/// Checks the body against the ST01 schema.
fn parse_body(body: &[u8]) -> Result<Vec<NewShipment>, MiraklError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| invalid(&format!("Invalid JSON body: {e}")))?;
    let root = object(&value, "body")?;
    allowed(root, &["shipments"], "body")?;
    let shipments = root
        .get("shipments")
        .ok_or_else(|| invalid("shipments is required"))?
        .as_array()
        .ok_or_else(|| invalid("shipments must be an array"))?;
    if shipments.is_empty() || shipments.len() > MAX_SHIPMENTS {
        return Err(invalid(&format!(
            "shipments must hold between 1 and {MAX_SHIPMENTS} shipments, got {}",
            shipments.len()
        )));
    }
    shipments
        .iter()
        .enumerate()
        .map(|(index, shipment)| parse_shipment(shipment, &format!("shipments[{index}]")))
        .collect()
}

/// Checks one shipment.
fn parse_shipment(value: &Value, path: &str) -> Result<NewShipment, MiraklError> {
    let map = object(value, path)?;
    allowed(map, SHIPMENT_FIELDS, path)?;
    let order_id = string(map, "order_id", path)?
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid(&format!("{path}.order_id is required")))?;
    let lines_path = format!("{path}.shipment_lines");
    let lines = match present(map, "shipment_lines") {
        None => return Err(invalid(&format!("{lines_path} is required"))),
        Some(value) => value
            .as_array()
            .ok_or_else(|| invalid(&format!("{lines_path} must be an array")))?,
    };
    if lines.is_empty() {
        return Err(invalid(&format!(
            "{lines_path} must hold at least one line"
        )));
    }
    let lines = lines
        .iter()
        .enumerate()
        .map(|(index, line)| parse_line(line, &format!("{lines_path}[{index}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let shipped = match present(map, "shipped") {
        None => false,
        Some(value) => value
            .as_bool()
            .ok_or_else(|| invalid(&format!("{path}.shipped must be a boolean")))?,
    };
    let tracking = match present(map, "tracking") {
        None => None,
        Some(value) => {
            let tracking_path = format!("{path}.tracking");
            let fields = object(value, &tracking_path)?;
            allowed(fields, TRACKING_FIELDS, &tracking_path)?;
            for key in TRACKING_FIELDS {
                string(fields, key, &tracking_path)?;
            }
            Some(fields.clone())
        }
    };
    let invoice_reference = string(map, "invoice_reference", path)?;
    if let Some(reference) = &invoice_reference
        && (reference.len() > 255
            || !reference
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Err(invalid(&format!(
            "{path}.invoice_reference must be at most 255 letters, digits, '_' or '-'"
        )));
    }
    let shipping_from = match present(map, "shipping_from") {
        None => None,
        Some(value) => {
            let from_path = format!("{path}.shipping_from");
            let from = object(value, &from_path)?;
            allowed(from, &["warehouse"], &from_path)?;
            if let Some(warehouse) = present(from, "warehouse") {
                let warehouse_path = format!("{from_path}.warehouse");
                let warehouse = object(warehouse, &warehouse_path)?;
                allowed(warehouse, &["code"], &warehouse_path)?;
                string(warehouse, "code", &warehouse_path)?;
            }
            Some(value.clone())
        }
    };
    let additional = match present(map, "shipment_additional_information") {
        None => None,
        Some(value) => {
            let info_path = format!("{path}.shipment_additional_information");
            let entries = value
                .as_array()
                .ok_or_else(|| invalid(&format!("{info_path} must be an array")))?;
            for (index, entry) in entries.iter().enumerate() {
                let entry_path = format!("{info_path}[{index}]");
                let fields = object(entry, &entry_path)?;
                allowed(fields, ADDITIONAL_FIELDS, &entry_path)?;
                string(fields, "code", &entry_path)?
                    .ok_or_else(|| invalid(&format!("{entry_path}.code is required")))?;
                let kind = string(fields, "type", &entry_path)?;
                if !matches!(kind.as_deref(), Some("STRING" | "DATE")) {
                    return Err(invalid(&format!(
                        "{entry_path}.type must be STRING or DATE"
                    )));
                }
                present(fields, "value")
                    .ok_or_else(|| invalid(&format!("{entry_path}.value is required")))?;
            }
            Some(value.clone())
        }
    };
    Ok(NewShipment {
        order_id,
        lines,
        shipped,
        tracking,
        invoice_reference,
        shipping_from,
        additional,
    })
}

/// Checks one shipment line.
fn parse_line(value: &Value, path: &str) -> Result<NewLine, MiraklError> {
    let map = object(value, path)?;
    allowed(map, LINE_FIELDS, path)?;
    let quantity = match present(map, "quantity") {
        None => return Err(invalid(&format!("{path}.quantity is required"))),
        Some(value) => value
            .as_i64()
            .filter(|q| (1..=i64::from(i32::MAX)).contains(q))
            .ok_or_else(|| invalid(&format!("{path}.quantity must be an integer >= 1")))?,
    };
    let non_blank = |key: &str| -> Result<Option<String>, MiraklError> {
        Ok(string(map, key, path)?.filter(|s| !s.trim().is_empty()))
    };
    Ok(NewLine {
        order_line_id: non_blank("order_line_id")?,
        offer_sku: non_blank("offer_sku")?,
        package_reference: string(map, "package_reference", path)?,
        quantity,
    })
}

/// A 400 for a body outside the schema.
fn invalid(message: &str) -> MiraklError {
    bad_request(message, "VALIDATION_ERROR")
}

/// `value` as an object.
fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, MiraklError> {
    value
        .as_object()
        .ok_or_else(|| invalid(&format!("{path} must be a JSON object")))
}

/// Rejects keys of `map` outside `fields`.
fn allowed(map: &Map<String, Value>, fields: &[&str], path: &str) -> Result<(), MiraklError> {
    match map.keys().find(|k| !fields.contains(&k.as_str())) {
        Some(key) => Err(invalid(&format!(
            "Unrecognized field '{key}' in {path} (allowed: {})",
            fields.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The non-null value of `key`.
fn present<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// The optional string `key` (null or absent is `None`; another type is a 400).
fn string(map: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>, MiraklError> {
    match present(map, key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(&format!("{path}.{key} must be a string"))),
    }
}

#[cfg(test)]
#[path = "st01_tests.rs"]
mod tests;
