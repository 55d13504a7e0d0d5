//! Customer shipments (`stock.shipment.out`) as dispatch needs them: the done shipments since
//! a cursor, with their John Lewis order id, carrier, service, tracking number and lines; and
//! the carrier/service pairs in recent use, to check the carrier table against.
//!
//! One shipment takes four `search_read`s to assemble, each batched over a page of shipments:
//! `stock.shipment.out` (500 per page, dotted fields for carrier, service and tracking
//! number), `sale.sale` (the order's `channel_identifier`), `stock.move` (the outgoing moves:
//! SKU, quantity and the sale line they came from) and `sale.line` (the line's
//! `channel_identifier`, John Lewis' `order_line_id`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::client::{Client, SEARCH_READ_MAX};
use super::wire;
use crate::http::ApiError;

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

/// A Fulfil datetime as RFC 3339 in UTC (`2026-11-26T14:03:07Z`, with a fraction only when
/// there is one). Accepts a tagged `{"__class__":"datetime","iso_string":…}` (or, without
/// `iso_string`, its `year` … `microsecond` parts) and plain strings: RFC 3339 with any
/// offset, or naive `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]`, which Fulfil means as UTC. `None` for
/// anything else (`false`, `null`, dates without a time).
pub(crate) fn datetime_utc(value: &Value) -> Option<String> {
    let utc = match value {
        Value::String(s) => parse_datetime(s)?,
        Value::Object(object) => {
            if object.get("__class__").and_then(Value::as_str) != Some("datetime") {
                return None;
            }
            match object.get("iso_string").and_then(Value::as_str) {
                Some(iso) => parse_datetime(iso)?,
                None => from_parts(value)?,
            }
        }
        _ => return None,
    };
    Some(utc.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// An RFC 3339 date-time, or a naive one taken as UTC.
fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // RFC 3339 allows a space separator too; chrono's parser wants the `T`.
    if let Ok(t) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// A datetime from the parts of a tagged datetime (`year`, `month`, `day`, `hour`, `minute`,
/// `second`, `microsecond`; missing time parts are 0), as UTC.
fn from_parts(value: &Value) -> Option<DateTime<Utc>> {
    let part = |key: &str| value.get(key).and_then(wire::int);
    let part_or_zero = |key: &str| match value.get(key) {
        None | Some(Value::Null) => Some(0),
        Some(v) => wire::int(v),
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(part("year")?).ok()?,
        u32::try_from(part("month")?).ok()?,
        u32::try_from(part("day")?).ok()?,
    )?;
    let time = date.and_hms_micro_opt(
        u32::try_from(part_or_zero("hour")?).ok()?,
        u32::try_from(part_or_zero("minute")?).ok()?,
        u32::try_from(part_or_zero("second")?).ok()?,
        u32::try_from(part_or_zero("microsecond")?).ok()?,
    )?;
    Some(time.and_utc())
}

/// `since` as a tagged datetime for a domain (UTC, as Fulfil stores datetimes), or a local
/// refusal when it is not a date-time.
fn tagged_since(since: &str) -> Result<Value, ApiError> {
    let Some(t) = parse_datetime(since) else {
        return Err(ApiError::Rejected {
            status: 0,
            code: Some("INVALID_REQUEST".into()),
            message: format!(
                "not sent: `{since}` is not a date-time (expected RFC 3339, e.g. 2026-11-26T14:03:07Z)"
            ),
        });
    };
    Ok(tagged_datetime(t))
}

/// `t` as Fulfil's tagged datetime, e.g. `{"__class__":"datetime","year":2026,…,
/// "iso_string":"2026-11-26T14:03:07.000001"}` (naive UTC).
fn tagged_datetime(t: DateTime<Utc>) -> Value {
    use chrono::{Datelike as _, Timelike as _};
    let naive = t.naive_utc();
    json!({
        "__class__": "datetime",
        "year": naive.year(),
        "month": naive.month(),
        "day": naive.day(),
        "hour": naive.hour(),
        "minute": naive.minute(),
        "second": naive.second(),
        "microsecond": naive.nanosecond().min(999_999_999) / 1_000,
        "iso_string": naive.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};

    use super::*;
    use crate::fulfil::client::tests::test_client;
    use crate::http::test_server::{json_body, serve};

    /// (model, body) of each request.
    type Log = Arc<Mutex<Vec<(String, Value)>>>;

    /// Serves `reply(model, body)` for `PUT /api/v2/model/{model}/search_read`, logging
    /// every request; anything else is a 404.
    async fn by_model(
        log: Log,
        reply: impl Fn(&str, &Value) -> Response + Send + Sync + 'static,
    ) -> String {
        let reply = Arc::new(reply);
        serve(move |request| {
            let log = log.clone();
            let reply = reply.clone();
            async move {
                let path = request.uri().path().to_owned();
                let ok_key = request
                    .headers()
                    .get("x-api-key")
                    .is_some_and(|v| v == "fulfil-key");
                let put = request.method() == "PUT";
                let body = json_body(request).await;
                let model = path
                    .strip_prefix("/api/v2/model/")
                    .and_then(|rest| rest.strip_suffix("/search_read"))
                    .map(str::to_owned);
                let Some(model) = model.filter(|_| ok_key && put) else {
                    return StatusCode::NOT_FOUND.into_response();
                };
                log.lock().expect("log").push((model.clone(), body.clone()));
                reply(&model, &body)
            }
        })
        .await
    }

    fn requests(log: &Log, model: &str) -> Vec<Value> {
        log.lock()
            .expect("log")
            .iter()
            .filter(|(m, _)| m == model)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// The ids of an `[["id","in",[…]]]` domain.
    fn wanted_ids(body: &Value) -> Vec<i64> {
        body[0][0][2]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }

    /// The records of `all` whose id is asked for by `body`.
    fn pick(all: &[Value], body: &Value) -> Response {
        let ids = wanted_ids(body);
        let records: Vec<&Value> = all
            .iter()
            .filter(|r| r["id"].as_i64().is_some_and(|id| ids.contains(&id)))
            .collect();
        axum::Json(records).into_response()
    }

    #[tokio::test]
    async fn done_shipments_are_assembled_from_four_reads() {
        let shipments = json!([
            {
                "id": 30201,
                "write_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                               "hour": 14, "minute": 3, "second": 7, "microsecond": 120000,
                               "iso_string": "2026-11-26T14:03:07.120000"},
                "state": "done",
                "carrier.rec_name": "Royal Mail",
                "carrier_service.name": "Tracked 24",
                "tracking_number.tracking_number": " TT482019412GB ",
                "carrier": 4, "carrier_service": 9, "tracking_number": 77,
                "sales": [501],
                "outgoing_moves": [9001, 9002, 9003, 9004]
            },
            {
                "id": 30202,
                "write_date": "2026-11-26 15:00:00",
                "state": "done",
                "carrier.rec_name": false,
                "carrier_service.name": null,
                "tracking_number.tracking_number": false,
                "sales": [502, 501],
                "outgoing_moves": [9005]
            },
            {
                "id": 30203,
                "write_date": null,
                "create_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 27,
                                "hour": 1, "minute": 2, "second": 3, "microsecond": 0},
                "state": "done",
                "sales": [503],
                "outgoing_moves": []
            },
            {"id": 30204, "write_date": false, "state": "done", "sales": [], "outgoing_moves": []}
        ]);
        let sales = vec![
            json!({"id": 501, "channel_identifier": "JL-20261126-0012-A", "channel": 3}),
            json!({"id": 502, "channel_identifier": "SHOPIFY-1", "channel": 1}),
            json!({"id": 503, "channel_identifier": false, "channel": 3}),
        ];
        let moves = vec![
            json!({"id": 9001, "product.code": "JL-MUG-002", "state": "done",
                   "quantity": {"__class__": "Decimal", "decimal": "2.0"},
                   "origin": "sale.line,701"}),
            json!({"id": 9002, "product.code": "JL-BOARD-004", "quantity": 1.0,
                   "state": "done",
                   "origin": {"__class__": "Model", "model_name": "sale.line", "id": 702}}),
            json!({"id": 9003, "product.code": "JL-MUG-002", "quantity": 5,
                   "state": "cancelled", "origin": "sale.line,701"}),
            json!({"id": 9004, "product.code": false, "quantity": "1",
                   "state": "done", "origin": "stock.shipment.out.return,3"}),
            json!({"id": 9005, "product.code": "X-1", "quantity": 1, "state": "done",
                   "origin": null}),
        ];
        let lines = vec![
            json!({"id": 701, "channel_identifier": "JL-20261126-0012-A-1"}),
            json!({"id": 702, "channel_identifier": "JL-20261126-0012-A-2"}),
        ];
        let log: Log = Arc::default();
        let base = by_model(log.clone(), move |model, body| match model {
            "stock.shipment.out" => axum::Json(shipments.clone()).into_response(),
            "sale.sale" => pick(&sales, body),
            "stock.move" => pick(&moves, body),
            "sale.line" => pick(&lines, body),
            _ => StatusCode::NOT_FOUND.into_response(),
        })
        .await;
        let found = test_client(&base)
            .shipments_done_since(Some("2026-11-26T14:00:00+01:00"))
            .await
            .expect("shipments");
        assert_eq!(found.len(), 3, "the shipment without a date is skipped");
        assert_eq!(
            found[0],
            FulfilShipment {
                id: 30201,
                write_date: "2026-11-26T14:03:07.120Z".into(),
                state: "done".into(),
                order: Some("JL-20261126-0012-A".into()),
                carrier: Some("Royal Mail".into()),
                service: Some("Tracked 24".into()),
                tracking_number: Some("TT482019412GB".into()),
                lines: vec![
                    FulfilShipmentLine {
                        line_id: Some("JL-20261126-0012-A-1".into()),
                        sku: "JL-MUG-002".into(),
                        quantity: 2.0
                    },
                    FulfilShipmentLine {
                        line_id: Some("JL-20261126-0012-A-2".into()),
                        sku: "JL-BOARD-004".into(),
                        quantity: 1.0
                    },
                    FulfilShipmentLine {
                        line_id: None,
                        sku: String::new(),
                        quantity: 1.0
                    },
                ],
            }
        );
        // The other channel's sale is passed over for the John Lewis one.
        assert_eq!(found[1].order.as_deref(), Some("JL-20261126-0012-A"));
        assert_eq!(found[1].write_date, "2026-11-26T15:00:00Z");
        assert_eq!(
            (
                &found[1].carrier,
                &found[1].service,
                &found[1].tracking_number
            ),
            (&None, &None, &None)
        );
        assert_eq!(
            found[1].lines,
            [FulfilShipmentLine {
                line_id: None,
                sku: "X-1".into(),
                quantity: 1.0
            }]
        );
        assert_eq!(found[2].write_date, "2026-11-27T01:02:03Z");
        assert_eq!(found[2].order, None);
        assert!(found[2].lines.is_empty());

        let shipment_reads = requests(&log, "stock.shipment.out");
        assert_eq!(shipment_reads.len(), 1);
        let body = &shipment_reads[0];
        assert_eq!(body[0][0], json!(["state", "=", "done"]));
        assert_eq!(body[0][1][0], "write_date");
        assert_eq!(body[0][1][1], ">=");
        let since = &body[0][1][2];
        assert_eq!(since["__class__"], "datetime");
        assert_eq!(since["iso_string"], "2026-11-26T13:00:00.000000");
        assert_eq!(
            (&since["year"], &since["hour"], &since["microsecond"]),
            (&json!(2026), &json!(13), &json!(0))
        );
        assert_eq!((&body[1], &body[2]), (&json!(0), &json!(500)));
        assert_eq!(body[3], json!([["id", "ASC"]]));
        let fields = body[4].as_array().expect("fields");
        for field in [
            "id",
            "write_date",
            "state",
            "carrier.rec_name",
            "carrier_service.name",
            "tracking_number.tracking_number",
            "sales",
            "outgoing_moves",
        ] {
            assert!(fields.contains(&json!(field)), "{field}");
        }
        let sale_reads = requests(&log, "sale.sale");
        assert_eq!(sale_reads.len(), 1);
        assert_eq!(wanted_ids(&sale_reads[0]), [501, 502, 503]);
        assert_eq!(sale_reads[0][0][0][1], "in");
        assert!(
            sale_reads[0][4]
                .as_array()
                .expect("fields")
                .contains(&json!("channel_identifier"))
        );
        let move_reads = requests(&log, "stock.move");
        assert_eq!(move_reads.len(), 1);
        assert_eq!(wanted_ids(&move_reads[0]), [9001, 9002, 9003, 9004, 9005]);
        for field in ["id", "product.code", "quantity", "origin"] {
            assert!(
                move_reads[0][4]
                    .as_array()
                    .expect("fields")
                    .contains(&json!(field)),
                "{field}"
            );
        }
        let line_reads = requests(&log, "sale.line");
        assert_eq!(line_reads.len(), 1);
        assert_eq!(wanted_ids(&line_reads[0]), [701, 702]);
    }

    /// `total` done shipments with ids 1.., each with its own sale, honouring `id >` clauses
    /// and offset/limit; the shipments `cancelled` after the first request have left the
    /// `done` domain in later ones.
    fn done_shipments(
        total: usize,
        cancelled: &'static [usize],
    ) -> impl Fn(&str, &Value) -> Response + Send + Sync + 'static {
        let requests = std::sync::atomic::AtomicUsize::new(0);
        move |model, body| match model {
            "stock.shipment.out" => {
                let gone: &[usize] =
                    match requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                        0 => &[],
                        _ => cancelled,
                    };
                let above = body[0]
                    .as_array()
                    .and_then(|clauses| clauses.iter().find(|c| c[0] == "id" && c[1] == ">"))
                    .and_then(|c| c[2].as_u64())
                    .unwrap_or(0) as usize;
                let offset = body[1].as_u64().unwrap_or(0) as usize;
                let limit = body[2].as_u64().unwrap_or(0) as usize;
                let page: Vec<Value> = (1..=total)
                    .filter(|id| *id > above && !gone.contains(id))
                    .skip(offset)
                    .take(limit)
                    .map(|id| {
                        json!({"id": id, "write_date": "2026-11-26T10:00:00Z",
                               "state": "done", "sales": [10_000 + id], "outgoing_moves": []})
                    })
                    .collect();
                axum::Json(page).into_response()
            }
            _ => axum::Json(json!([])).into_response(),
        }
    }

    #[tokio::test]
    async fn shipments_page_at_500_by_id_and_lookups_batch_by_100() {
        let total = 503usize;
        let log: Log = Arc::default();
        let base = by_model(log.clone(), done_shipments(total, &[])).await;
        let found = test_client(&base)
            .shipments_done_since(None)
            .await
            .expect("shipments");
        assert_eq!(found.len(), total);
        assert_eq!(found[502].id, 503);
        let pages: Vec<(Value, Value, Value)> = requests(&log, "stock.shipment.out")
            .iter()
            .map(|b| (b[0].clone(), b[1].clone(), b[2].clone()))
            .collect();
        assert_eq!(
            pages,
            [
                (json!([["state", "=", "done"]]), json!(0), json!(500)),
                (
                    json!([["state", "=", "done"], ["id", ">", 500]]),
                    json!(0),
                    json!(500)
                )
            ],
            "no date bound without since; the second page starts after the first's last id \
             and is the last, being short"
        );
        let sale_batches: Vec<(usize, Value)> = requests(&log, "sale.sale")
            .iter()
            .map(|b| (wanted_ids(b).len(), b[2].clone()))
            .collect();
        assert_eq!(
            sale_batches,
            [
                (100, json!(100)),
                (100, json!(100)),
                (100, json!(100)),
                (100, json!(100)),
                (100, json!(100)),
                (3, json!(3))
            ]
        );
        assert!(requests(&log, "stock.move").is_empty(), "no moves to read");
        assert!(requests(&log, "sale.line").is_empty());
    }

    #[tokio::test]
    async fn a_shipment_leaving_the_domain_while_paging_hides_no_other() {
        // Shipments 3 and 40 are read on the first page, then cancelled: offset paging would
        // skip shipments 501 and 502, which slide onto the first page, and the cursor would
        // pass them for good.
        let log: Log = Arc::default();
        let base = by_model(log, done_shipments(1_100, &[3, 40])).await;
        let found = test_client(&base)
            .shipments_done_since(None)
            .await
            .expect("shipments");
        let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
        assert_eq!(ids, (1..=1_100).collect::<Vec<i64>>());
    }

    #[tokio::test]
    async fn a_bad_since_is_refused_before_sending() {
        let log: Log = Arc::default();
        let base = by_model(log.clone(), |_, _| axum::Json(json!([])).into_response()).await;
        let client = test_client(&base);
        let err = client
            .shipments_done_since(Some("yesterday"))
            .await
            .expect_err("bad since");
        assert_eq!(err.status(), Some(0));
        let err = client
            .recent_carrier_services("2026-13-01")
            .await
            .expect_err("bad since");
        assert_eq!(err.status(), Some(0));
        assert!(log.lock().expect("log").is_empty());
    }

    #[tokio::test]
    async fn recent_carrier_services_are_distinct_and_sorted() {
        let log: Log = Arc::default();
        let base = by_model(log.clone(), |_, _| {
            axum::Json(json!([
                {"id": 1, "carrier.rec_name": "Royal Mail", "carrier_service.name": "Tracked 24"},
                {"id": 2, "carrier.rec_name": "DPD", "carrier_service.name": false},
                {"id": 3, "carrier.rec_name": "Royal Mail ", "carrier_service.name": "Tracked 24"},
                {"id": 4, "carrier.rec_name": false, "carrier_service.name": "Next Day"},
                {"id": 5, "carrier.rec_name": "DPD", "carrier_service.name": "Next Day"}
            ]))
            .into_response()
        })
        .await;
        let pairs = test_client(&base)
            .recent_carrier_services("2026-10-27T00:00:00Z")
            .await
            .expect("pairs");
        assert_eq!(
            pairs,
            [
                ("DPD".to_owned(), None),
                ("DPD".to_owned(), Some("Next Day".to_owned())),
                ("Royal Mail".to_owned(), Some("Tracked 24".to_owned())),
            ]
        );
        let reads = requests(&log, "stock.shipment.out");
        assert_eq!(reads.len(), 1);
        assert_eq!(
            reads[0][0][0],
            json!(["state", "not in", ["cancel", "cancelled"]])
        );
        assert_eq!(
            reads[0][0][1][2]["iso_string"],
            "2026-10-27T00:00:00.000000"
        );
        assert_eq!(
            reads[0][4],
            json!(["id", "carrier.rec_name", "carrier_service.name"])
        );
    }

    #[test]
    fn datetimes_plain_and_tagged() {
        let tagged = json!({"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                            "hour": 9, "minute": 5, "second": 0, "microsecond": 250,
                            "iso_string": "2026-11-26T09:05:00.000250"});
        assert_eq!(
            datetime_utc(&tagged).as_deref(),
            Some("2026-11-26T09:05:00.000250Z")
        );
        let parts_only = json!({"__class__": "datetime", "year": 2026, "month": 1, "day": 2,
                                "hour": 3, "minute": 4, "second": 5, "microsecond": 0});
        assert_eq!(
            datetime_utc(&parts_only).as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        let space_iso = json!({"__class__": "datetime", "iso_string": "2026-01-02 03:04:05"});
        assert_eq!(
            datetime_utc(&space_iso).as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        for (text, expected) in [
            ("2026-11-26T14:03:07Z", "2026-11-26T14:03:07Z"),
            ("2026-11-26T14:03:07.5+01:00", "2026-11-26T13:03:07.500Z"),
            ("2026-11-26 14:03:07", "2026-11-26T14:03:07Z"),
            ("2026-11-26T14:03:07.123456", "2026-11-26T14:03:07.123456Z"),
            ("2026-11-26 14:03:07+00:00", "2026-11-26T14:03:07Z"),
        ] {
            assert_eq!(
                datetime_utc(&json!(text)).as_deref(),
                Some(expected),
                "{text}"
            );
        }
        for bad in [
            json!(false),
            json!(null),
            json!(1764165787),
            json!("2026-11-26"),
            json!("soon"),
            json!({"__class__": "date", "iso_string": "2026-11-26"}),
            json!({"__class__": "datetime", "year": 2026, "month": 13, "day": 1}),
            json!({"iso_string": "2026-11-26T14:03:07"}),
        ] {
            assert_eq!(datetime_utc(&bad), None, "{bad}");
        }
    }

    #[test]
    fn tagged_since_round_trips() {
        let tagged = tagged_since("2026-11-26T14:03:07.123456Z").expect("since");
        assert_eq!(tagged["iso_string"], "2026-11-26T14:03:07.123456");
        assert_eq!(tagged["microsecond"], 123_456);
        assert_eq!(
            datetime_utc(&tagged).as_deref(),
            Some("2026-11-26T14:03:07.123456Z")
        );
    }

    #[test]
    fn move_origins() {
        assert_eq!(sale_line_origin(&json!("sale.line,42")), Some(42));
        assert_eq!(sale_line_origin(&json!("sale.line, 7")), Some(7));
        assert_eq!(sale_line_origin(&json!("stock.move,42")), None);
        assert_eq!(sale_line_origin(&json!("sale.line,x")), None);
        assert_eq!(
            sale_line_origin(&json!({"__class__": "Model", "model_name": "sale.line", "id": 9})),
            Some(9)
        );
        assert_eq!(sale_line_origin(&json!(null)), None);
    }
}
