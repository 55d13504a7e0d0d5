//! The models `search_read` serves: their fields (dotted ones included, as flat keys) and
//! their rows.
//!
//! - `product.product`: the seeded products, quantities per the request's locations;
//! - `stock.location`: the fixed locations of `locations`;
//! - `sale.sale`: sales made by `create_order` (`channel` is the sale channel id, `lines` the
//!   sale line ids, `shipments` the customer shipment ids, `shipment_returns` the return
//!   shipment ids, `invoices` the credit note ids, `origin` the returned sale of a return sale
//!   as `"sale.sale,<id>"`, `state` and the tagged `create_date` / `write_date`);
//! - `sale.line`: their lines (`channel_identifier` is the order line id sent, `sale` the sale
//!   id, `unit_price`/`amount` tagged Decimals);
//! - `stock.shipment.out` and `stock.move`: the shipments added with
//!   [`crate::sandbox::Sandbox::add_shipment`] (see `shipments`); datetimes are tagged,
//!   Reference fields `"model,id"` strings. `stock.move` also holds the incoming moves of
//!   return shipments (`shipment` `"stock.shipment.out.return,<id>"`), whose
//!   `x_non_compliance_reason` the warehouse sets (null on every other move);
//! - `stock.shipment.out.return` and `account.invoice`: return shipments of return sales and
//!   the credit notes posted when they are received (see `returns`).

use serde_json::{Map, Value, json};

use super::domain::Fields;
use super::shipments::row;
use super::{FulfilState, locations, tagged};
use crate::sandbox::decimal::Decimal;

/// Models `search_read` serves.
pub(super) const MODELS: &[&str] = &[
    "product.product",
    "stock.location",
    "sale.sale",
    "sale.line",
    "stock.shipment.out",
    "stock.move",
    "stock.shipment.out.return",
    "account.invoice",
];

/// Fields of `product.product`.
const PRODUCT_FIELDS: &[&str] = &[
    "id",
    "code",
    "upc",
    "quantity_available",
    "quantity_on_hand",
    "variant_name",
    "active",
    "rec_name",
];
/// Fields of `sale.sale`.
const SALE_FIELDS: &[&str] = &[
    "id",
    "channel",
    "channel_identifier",
    "reference",
    "state",
    "total_amount",
    "lines",
    "shipments",
    "shipment_returns",
    "invoices",
    "origin",
    "create_date",
    "write_date",
];
/// Datetime fields of `sale.sale`.
const SALE_DATETIMES: &[&str] = &["create_date", "write_date"];
/// Fields of `stock.shipment.out.return`.
const RETURN_SHIPMENT_FIELDS: &[&str] = &[
    "id",
    "number",
    "rec_name",
    "state",
    "reference",
    "sales",
    "moves",
    "incoming_moves",
    "create_date",
    "write_date",
    "received_date",
];
/// Datetime fields of `stock.shipment.out.return`.
const RETURN_SHIPMENT_DATETIMES: &[&str] = &["create_date", "write_date", "received_date"];
/// Fields of `account.invoice`.
const INVOICE_FIELDS: &[&str] = &[
    "id",
    "number",
    "rec_name",
    "type",
    "state",
    "reference",
    "sales",
    "total_amount",
    "invoice_date",
    "write_date",
];
/// Datetime fields of `account.invoice`.
const INVOICE_DATETIMES: &[&str] = &["write_date"];
/// Fields of `sale.line`.
const SALE_LINE_FIELDS: &[&str] = &[
    "id",
    "sale",
    "channel_identifier",
    "product",
    "product.code",
    "quantity",
    "unit_price",
    "amount",
    "description",
];
/// Fields of `stock.shipment.out`.
const SHIPMENT_FIELDS: &[&str] = &[
    "id",
    "number",
    "state",
    "create_date",
    "write_date",
    "carrier",
    "carrier.rec_name",
    "carrier_service",
    "carrier_service.name",
    "tracking_number",
    "tracking_number.tracking_number",
    "sales",
    "moves",
    "outgoing_moves",
    "inventory_moves",
];
/// Datetime fields of `stock.shipment.out`.
const SHIPMENT_DATETIMES: &[&str] = &["create_date", "write_date"];
/// Fields of `stock.move`.
const MOVE_FIELDS: &[&str] = &[
    "id",
    "product",
    "product.code",
    "quantity",
    "origin",
    "shipment",
    "state",
    "x_non_compliance_reason",
];

/// One model's fields and current rows.
pub(super) struct Table {
    /// The fields a request may name.
    pub fields: Fields<'static>,
    /// Every record, all fields.
    pub rows: Vec<Map<String, Value>>,
}

/// The table of `model` (one of [`MODELS`]); `None` for any other model. Product quantities
/// are summed over `locations` (every warehouse when `None`).
pub(super) fn table(fulfil: &FulfilState, model: &str, locations: Option<&[i64]>) -> Option<Table> {
    let (all, datetimes, rows): (&'static [&'static str], &'static [&'static str], _) = match model
    {
        "product.product" => (PRODUCT_FIELDS, &[], product_rows(fulfil, locations)),
        "stock.location" => (locations::LOCATION_FIELDS, &[], locations::location_rows()),
        "sale.sale" => (SALE_FIELDS, SALE_DATETIMES, sale_rows(fulfil)),
        "sale.line" => (SALE_LINE_FIELDS, &[], sale_line_rows(fulfil)),
        "stock.shipment.out" => (
            SHIPMENT_FIELDS,
            SHIPMENT_DATETIMES,
            fulfil.shipments.shipment_rows(),
        ),
        "stock.move" => {
            let mut rows = fulfil.shipments.move_rows();
            rows.extend(fulfil.returns.move_rows());
            (MOVE_FIELDS, &[], rows)
        }
        "stock.shipment.out.return" => (
            RETURN_SHIPMENT_FIELDS,
            RETURN_SHIPMENT_DATETIMES,
            fulfil.returns.shipment_rows(),
        ),
        "account.invoice" => (
            INVOICE_FIELDS,
            INVOICE_DATETIMES,
            fulfil.returns.invoice_rows(),
        ),
        _ => return None,
    };
    Some(Table {
        fields: Fields { all, datetimes },
        rows,
    })
}

/// `product.product` rows, quantities summed over `locations`.
fn product_rows(fulfil: &FulfilState, locations: Option<&[i64]>) -> Vec<Map<String, Value>> {
    fulfil
        .products
        .values()
        .map(|p| {
            let (available, on_hand) = locations::quantities(p, locations);
            row(json!({
                "id": p.id,
                "code": p.code,
                "upc": p.upc,
                "quantity_available": available,
                "quantity_on_hand": on_hand,
                "variant_name": null,
                "active": true,
                "rec_name": format!("[{}] {}", p.code, p.code),
            }))
        })
        .collect()
}

/// `sale.sale` rows: the stored fields, plus the sale's shipments.
fn sale_rows(fulfil: &FulfilState) -> Vec<Map<String, Value>> {
    fulfil
        .sales
        .values()
        .map(|sale| {
            let mut map = Map::new();
            for field in SALE_FIELDS {
                map.insert(
                    (*field).to_string(),
                    sale.get(*field).cloned().unwrap_or(Value::Null),
                );
            }
            let id = sale.get("id").and_then(Value::as_i64).unwrap_or_default();
            map.insert("shipments".into(), json!(fulfil.shipments.of_sale(id)));
            map.insert("shipment_returns".into(), json!(fulfil.returns.of_sale(id)));
            map.insert(
                "invoices".into(),
                json!(fulfil.returns.invoices_of_sale(id)),
            );
            map
        })
        .collect()
}

/// `sale.line` rows.
fn sale_line_rows(fulfil: &FulfilState) -> Vec<Map<String, Value>> {
    fulfil
        .sale_lines
        .values()
        .map(|line| {
            let mut map = Map::new();
            for field in SALE_LINE_FIELDS {
                map.insert(
                    (*field).to_string(),
                    line.get(*field).cloned().unwrap_or(Value::Null),
                );
            }
            map
        })
        .collect()
}

/// A stored sale line record for line `line` of a validated order.
pub(super) fn sale_line_record(fulfil: &FulfilState, id: i64, sale_id: i64, line: &Value) -> Value {
    let sku = line.get("sku").and_then(Value::as_str).unwrap_or_default();
    let product = fulfil
        .products
        .values()
        .find(|p| p.code == sku)
        .map(|p| p.id);
    let decimal = |key: &str| -> Option<Decimal> {
        match line.get(key)? {
            Value::String(text) => Decimal::parse(text),
            Value::Number(number) => Decimal::parse(&number.to_string()),
            Value::Object(map) => super::fields::tagged_decimal(map),
            _ => None,
        }
    };
    let quantity = decimal("quantity")
        .and_then(|q| q.to_string_min_scale(0).parse::<f64>().ok())
        .unwrap_or(0.0);
    json!({
        "id": id,
        "sale": sale_id,
        "channel_identifier": line.get("channel_identifier"),
        "product": product,
        "product.code": sku,
        "quantity": quantity,
        "unit_price": decimal("unit_price").map(|d| tagged::decimal(d, 2)),
        "amount": decimal("amount").map(|d| tagged::decimal(d, 2)),
        "description": line.get("description").cloned().unwrap_or(Value::Null),
    })
}
