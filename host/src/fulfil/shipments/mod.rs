//! Customer shipments (`stock.shipment.out`) as dispatch needs them: the done shipments since
//! a cursor, with their John Lewis order id, carrier, service, tracking number and lines; and
//! the carrier/service pairs in recent use, to check the carrier table against.
//!
//! One shipment takes four `search_read`s to assemble, each batched over a page of shipments:
//! `stock.shipment.out` (500 per page, dotted fields for carrier, service and tracking
//! number), `sale.sale` (the order's `channel_identifier`), `stock.move` (the outgoing moves:
//! SKU, quantity and the sale line they came from) and `sale.line` (the line's
//! `channel_identifier`, John Lewis' `order_line_id`).

mod datetime;

use std::collections::{BTreeSet, HashMap};

use chrono::DateTime;
use serde_json::{Value, json};

use super::client::{Client, SEARCH_READ_MAX};
use super::wire;
use crate::http::ApiError;

use datetime::{datetime_utc, tagged_since};

/// Ids per `search_read` when reading related records by id (keeps requests small).
const IDS_PER_REQUEST: usize = 100;

/// Fields read of each shipment.
const SHIPMENT_FIELDS: &[&str] = &[
    "id",
    "write_date",
    "create_date",
    "state",
    "carrier.rec_name",
    "carrier_service.name",
    "tracking_number.tracking_number",
    "sales",
    "outgoing_moves",
];

/// A done Fulfil customer shipment, reduced to what dispatch needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FulfilShipment {
    /// `stock.shipment.out` id.
    pub id: i64,
    /// Last change (`write_date`, else `create_date`), RFC 3339 in UTC, e.g.
    /// `2026-11-26T14:03:07.123456Z`; feed the latest one back as the next `since`.
    pub write_date: String,
    /// Shipment state (`done` for [`Client::shipments_done_since`]).
    pub state: String,
    /// The John Lewis `order_id`: the `channel_identifier` of the shipment's first sale in
    /// the configured channel. `None` when no sale of the shipment belongs to that channel
    /// (another channel's shipment) or the sale has no identifier.
    pub order: Option<String>,
    /// Carrier name (`carrier.rec_name`).
    pub carrier: Option<String>,
    /// Carrier service name (`carrier_service.name`).
    pub service: Option<String>,
    /// Tracking number (`tracking_number.tracking_number`).
    pub tracking_number: Option<String>,
    /// One line per outgoing move that was not cancelled, in the shipment's move order.
    pub lines: Vec<FulfilShipmentLine>,
}

/// One outgoing move of a [`FulfilShipment`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FulfilShipmentLine {
    /// The John Lewis `order_line_id`: the `channel_identifier` of the sale line the move
    /// came from (`origin` = `sale.line,<id>`); `None` when the move has no sale line origin
    /// or the line has no identifier.
    pub line_id: Option<String>,
    /// The SKU shipped (`product.code`); empty when the product has no code.
    pub sku: String,
    /// Units shipped (`quantity`).
    pub quantity: f64,
}

/// A shipment record before its related records are read.
struct RawShipment {
    id: i64,
    write_date: String,
    state: String,
    carrier: Option<String>,
    service: Option<String>,
    tracking_number: Option<String>,
    sales: Vec<i64>,
    moves: Vec<i64>,
}

/// A move record before its sale line is read.
struct RawMove {
    sku: String,
    quantity: f64,
    sale_line: Option<i64>,
}

impl Client {
    /// Every `done` customer shipment whose `write_date` is at or after `since` (all of them
    /// when `None`), oldest change first, with lines assembled.
    ///
    /// `since` is an RFC 3339 date-time (`2026-11-26T14:03:07Z`, any offset) or a naive
    /// `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]` taken as UTC; it is sent as a tagged datetime. One
    /// that parses as neither is refused before anything is sent ([`ApiError::Rejected`],
    /// status 0). The bound is inclusive, so expect shipments seen before.
    ///
    /// Reads shipments 500 at a time in id order, each page asking for ids above the last one
    /// read (a shipment changed while the pages are read never hides another), then their
    /// sales, moves and sale lines, 100 ids per request. Shipments without an id or any date are skipped (logged),
    /// as are moves that are cancelled or missing from the move lookup.
    pub async fn shipments_done_since(
        &self,
        since: Option<&str>,
    ) -> Result<Vec<FulfilShipment>, ApiError> {
        let mut domain = vec![json!(["state", "=", "done"])];
        if let Some(since) = since {
            domain.push(json!(["write_date", ">=", tagged_since(since)?]));
        }
        let records = self
            .search_read_all(
                "stock.shipment.out",
                Value::Array(domain),
                SHIPMENT_FIELDS,
                None,
            )
            .await?;
        let mut raw: Vec<RawShipment> = records.iter().filter_map(raw_shipment).collect();
        raw.sort_by_cached_key(|s| (DateTime::parse_from_rfc3339(&s.write_date).ok(), s.id));
        let mut shipments = Vec::with_capacity(raw.len());
        let mut raw = raw.into_iter().peekable();
        while raw.peek().is_some() {
            let batch: Vec<RawShipment> = raw.by_ref().take(SEARCH_READ_MAX as usize).collect();
            shipments.extend(self.assemble(batch).await?);
        }
        Ok(shipments)
    }

    /// The distinct `(carrier name, service name)` pairs of customer shipments changed at or
    /// after `since` (same forms as [`Client::shipments_done_since`]) in any state but
    /// cancelled, sorted; shipments without a carrier are left out. For `jlm carriers check`.
    pub async fn recent_carrier_services(
        &self,
        since: &str,
    ) -> Result<Vec<(String, Option<String>)>, ApiError> {
        let domain = json!([
            ["state", "not in", ["cancel", "cancelled"]],
            ["write_date", ">=", tagged_since(since)?]
        ]);
        let records = self
            .search_read_all(
                "stock.shipment.out",
                domain,
                &["id", "carrier.rec_name", "carrier_service.name"],
                None,
            )
            .await?;
        let mut pairs = BTreeSet::new();
        for record in &records {
            if let Some(carrier) = record.get("carrier.rec_name").and_then(wire::text) {
                let service = record.get("carrier_service.name").and_then(wire::text);
                pairs.insert((carrier, service));
            }
        }
        Ok(pairs.into_iter().collect())
    }

    /// Reads the sales, moves and sale lines of `raw` and builds the shipments.
    async fn assemble(&self, raw: Vec<RawShipment>) -> Result<Vec<FulfilShipment>, ApiError> {
        let sale_ids = distinct(raw.iter().flat_map(|s| s.sales.iter().copied()));
        let sales = self
            .records_by_ids(
                "sale.sale",
                &sale_ids,
                &["id", "channel_identifier", "channel"],
            )
            .await?;
        let channel = self.channel_id();
        let orders: HashMap<i64, Option<String>> = sales
            .iter()
            .filter_map(|(id, record)| {
                // A sale of another channel is not a John Lewis order; a record without
                // the field (not expected) is given the benefit of the doubt.
                let in_channel = match record.get("channel") {
                    None => true,
                    Some(value) => wire::int(value) == Some(channel),
                };
                in_channel.then(|| (*id, record.get("channel_identifier").and_then(wire::text)))
            })
            .collect();

        let move_ids = distinct(raw.iter().flat_map(|s| s.moves.iter().copied()));
        let move_records = self
            .records_by_ids(
                "stock.move",
                &move_ids,
                &["id", "product.code", "quantity", "origin", "state"],
            )
            .await?;
        let moves: HashMap<i64, RawMove> = move_records
            .iter()
            .filter(|(_, record)| {
                let state = record.get("state").and_then(wire::text);
                !matches!(state.as_deref(), Some("cancel" | "cancelled"))
            })
            .map(|(id, record)| {
                let raw = RawMove {
                    sku: record
                        .get("product.code")
                        .and_then(wire::code)
                        .unwrap_or_default(),
                    quantity: record.get("quantity").and_then(wire::number).unwrap_or(0.0),
                    sale_line: record.get("origin").and_then(sale_line_origin),
                };
                (*id, raw)
            })
            .collect();

        let line_ids: Vec<i64> = moves
            .values()
            .filter_map(|m| m.sale_line)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let lines: HashMap<i64, Option<String>> = self
            .records_by_ids("sale.line", &line_ids, &["id", "channel_identifier"])
            .await?
            .iter()
            .map(|(id, record)| (*id, record.get("channel_identifier").and_then(wire::text)))
            .collect();

        Ok(raw
            .into_iter()
            .map(|shipment| {
                let order = shipment
                    .sales
                    .iter()
                    .find_map(|sale| orders.get(sale).cloned().flatten());
                let lines = shipment
                    .moves
                    .iter()
                    .filter_map(|id| {
                        let Some(m) = moves.get(id) else {
                            tracing::debug!(
                                shipment = shipment.id,
                                move_id = id,
                                "skipping a cancelled or unreadable move"
                            );
                            return None;
                        };
                        Some(FulfilShipmentLine {
                            line_id: m.sale_line.and_then(|l| lines.get(&l).cloned().flatten()),
                            sku: m.sku.clone(),
                            quantity: m.quantity,
                        })
                    })
                    .collect();
                FulfilShipment {
                    id: shipment.id,
                    write_date: shipment.write_date,
                    state: shipment.state,
                    order,
                    carrier: shipment.carrier,
                    service: shipment.service,
                    tracking_number: shipment.tracking_number,
                    lines,
                }
            })
            .collect())
    }

    /// `fields` of the `model` records with the given ids, `IDS_PER_REQUEST` ids per
    /// `search_read`, keyed by id (records without an id are dropped).
    async fn records_by_ids(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
    ) -> Result<HashMap<i64, Value>, ApiError> {
        let mut records = HashMap::new();
        for chunk in ids.chunks(IDS_PER_REQUEST) {
            let page = self
                .search_read_ordered(
                    model,
                    json!([["id", "in", chunk]]),
                    fields,
                    0,
                    chunk.len() as u32,
                    json!([["id", "ASC"]]),
                    None,
                )
                .await?;
            for record in page {
                if let Some(id) = record.get("id").and_then(wire::int) {
                    records.insert(id, record);
                }
            }
        }
        Ok(records)
    }
}

/// Reads one shipment record; records without an id or any date are skipped (logged).
fn raw_shipment(record: &Value) -> Option<RawShipment> {
    let id = record.get("id").and_then(wire::int);
    let date = record
        .get("write_date")
        .and_then(datetime_utc)
        .or_else(|| record.get("create_date").and_then(datetime_utc));
    let (Some(id), Some(write_date)) = (id, date) else {
        tracing::warn!(id = ?id, "skipping a Fulfil shipment without an id or a readable date");
        return None;
    };
    Some(RawShipment {
        id,
        write_date,
        state: record.get("state").and_then(wire::text).unwrap_or_default(),
        carrier: record.get("carrier.rec_name").and_then(wire::text),
        service: record.get("carrier_service.name").and_then(wire::text),
        tracking_number: record
            .get("tracking_number.tracking_number")
            .and_then(wire::text),
        sales: id_list(record.get("sales")),
        moves: id_list(record.get("outgoing_moves")),
    })
}

/// An id list (One2Many / Many2Many); ids may be plain or tagged references.
fn id_list(value: Option<&Value>) -> Vec<i64> {
    value
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(wire::int).collect())
        .unwrap_or_default()
}

/// `ids` without repeats, first-seen order kept.
fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// The sale line id of a move `origin`: the Reference string `"sale.line,<id>"` or a tagged
/// `{"__class__":"Model","model_name":"sale.line","id":…}`; `None` for any other origin.
fn sale_line_origin(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => {
            let (model, id) = s.split_once(',')?;
            (model.trim() == "sale.line")
                .then(|| id.trim().parse::<i64>().ok())
                .flatten()
        }
        Value::Object(_) => {
            let model = value.get("model_name").and_then(Value::as_str)?;
            (model == "sale.line").then(|| wire::int(value)).flatten()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
