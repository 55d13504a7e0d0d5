//! Customer shipments (`stock.shipment.out`) and their outgoing moves (`stock.move`), added by
//! [`crate::sandbox::Sandbox::add_shipment`] for a sale `create_order` made.
//!
//! Each shipment links to its sale (`sales`) and has one move per line, whose `origin` is the
//! Reference `"sale.line,<id>"` of the sale line with the line's `channel_identifier`.
//! Carriers, carrier services and tracking numbers are records of their own (ids assigned on
//! first use) whose names the shipment shows as the dotted fields `carrier.rec_name`,
//! `carrier_service.name` and `tracking_number.tracking_number`.

use std::collections::BTreeMap;

use anyhow::{Context as _, anyhow, bail};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::{FulfilState, tagged};
use crate::sandbox::SandboxShipment;

/// States a `stock.shipment.out` can be in.
const SHIPMENT_STATES: &[&str] = &[
    "draft",
    "waiting",
    "assigned",
    "picked",
    "packed",
    "shipped",
    "done",
    "cancelled",
];

/// The shipments, their moves, and the carrier records they name.
#[derive(Debug, Default)]
pub(crate) struct ShipmentBook {
    shipments: BTreeMap<i64, Shipment>,
    moves: BTreeMap<i64, Move>,
    /// `carrier` ids by name.
    carriers: BTreeMap<String, i64>,
    /// `carrier.service` ids by (carrier id, name).
    services: BTreeMap<(i64, String), i64>,
    last_move_id: i64,
    last_tracking_id: i64,
}

/// A stored shipment.
#[derive(Debug)]
struct Shipment {
    state: String,
    sale_id: i64,
    carrier: (i64, String),
    service: Option<(i64, String)>,
    tracking_number: Option<(i64, String)>,
    moves: Vec<i64>,
    create_date: DateTime<Utc>,
    write_date: DateTime<Utc>,
}

/// A stored outgoing move.
#[derive(Debug)]
struct Move {
    shipment_id: i64,
    product_id: i64,
    sku: String,
    quantity: f64,
    sale_line_id: i64,
    state: &'static str,
}

impl ShipmentBook {
    /// Every shipment as `{id, sale, tracking_number, state}`, by id.
    pub(crate) fn summary(&self) -> Vec<serde_json::Value> {
        self.shipments
            .iter()
            .map(|(id, s)| {
                serde_json::json!({
                    "id": id,
                    "sale": s.sale_id,
                    "tracking_number": s.tracking_number.as_ref().map(|(_, n)| n.as_str()),
                    "state": s.state,
                })
            })
            .collect()
    }
}

impl FulfilState {
    /// Adds (or replaces, by id) a shipment of the sale whose `channel_identifier` is
    /// `shipment.order_id`. Fails, changing nothing, when there is no such sale, a line's
    /// order line id is not the `channel_identifier` of one of the sale's lines, a SKU is not a
    /// known product, a quantity is not positive, the carrier is blank, the id is not
    /// positive, or the state is not a shipment state.
    pub(crate) fn add_shipment(&mut self, shipment: SandboxShipment) -> anyhow::Result<()> {
        if shipment.id <= 0 {
            bail!("shipment id {} must be positive", shipment.id);
        }
        if !SHIPMENT_STATES.contains(&shipment.state.as_str()) {
            bail!(
                "shipment state '{}' is not one of {}",
                shipment.state,
                SHIPMENT_STATES.join(", ")
            );
        }
        let carrier = shipment.carrier.trim();
        if carrier.is_empty() {
            bail!("shipment {} has a blank carrier", shipment.id);
        }
        let sale_id = self
            .sales
            .values()
            .find(|sale| {
                sale.get("channel_identifier").and_then(Value::as_str)
                    == Some(shipment.order_id.as_str())
            })
            .and_then(|sale| sale.get("id").and_then(Value::as_i64))
            .with_context(|| {
                format!(
                    "no Fulfil sale has channel_identifier '{}' (create_order it first)",
                    shipment.order_id
                )
            })?;
        let mut lines = Vec::with_capacity(shipment.lines.len());
        for (line_id, sku, quantity) in &shipment.lines {
            let sale_line_id = self
                .sale_lines
                .values()
                .find(|line| {
                    line.get("sale").and_then(Value::as_i64) == Some(sale_id)
                        && line.get("channel_identifier").and_then(Value::as_str)
                            == Some(line_id.as_str())
                })
                .and_then(|line| line.get("id").and_then(Value::as_i64))
                .ok_or_else(|| {
                    anyhow!(
                        "sale '{}' has no line with channel_identifier '{line_id}'",
                        shipment.order_id
                    )
                })?;
            let product_id = self
                .products
                .values()
                .find(|p| p.code == *sku)
                .map(|p| p.id)
                .ok_or_else(|| anyhow!("no product has the SKU '{sku}'"))?;
            if !(quantity.is_finite() && *quantity > 0.0) {
                bail!("the quantity {quantity} of line '{line_id}' must be positive");
            }
            lines.push((sale_line_id, product_id, sku.clone(), *quantity));
        }

        let book = &mut self.shipments;
        let create_date = match book.shipments.remove(&shipment.id) {
            Some(old) => {
                for id in &old.moves {
                    book.moves.remove(id);
                }
                old.create_date.min(shipment.write_date)
            }
            None => shipment.write_date,
        };
        let carrier_id = book.carrier_id(carrier);
        let service = shipment
            .service
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| (book.service_id(carrier_id, name), name.to_string()));
        let tracking_number = shipment
            .tracking_number
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|number| {
                book.last_tracking_id += 1;
                (book.last_tracking_id, number.to_string())
            });
        let move_state = move_state(&shipment.state);
        let mut moves = Vec::with_capacity(lines.len());
        for (sale_line_id, product_id, sku, quantity) in lines {
            book.last_move_id += 1;
            let id = book.last_move_id;
            book.moves.insert(
                id,
                Move {
                    shipment_id: shipment.id,
                    product_id,
                    sku,
                    quantity,
                    sale_line_id,
                    state: move_state,
                },
            );
            moves.push(id);
        }
        book.shipments.insert(
            shipment.id,
            Shipment {
                state: shipment.state,
                sale_id,
                carrier: (carrier_id, carrier.to_string()),
                service,
                tracking_number,
                moves,
                create_date,
                write_date: shipment.write_date,
            },
        );
        Ok(())
    }
}

impl ShipmentBook {
    /// The id of the carrier named `name` (created on first use).
    fn carrier_id(&mut self, name: &str) -> i64 {
        let next = i64::try_from(self.carriers.len()).unwrap_or(i64::MAX - 1) + 1;
        *self.carriers.entry(name.to_string()).or_insert(next)
    }

    /// The id of `carrier`'s service named `name` (created on first use).
    fn service_id(&mut self, carrier: i64, name: &str) -> i64 {
        let next = i64::try_from(self.services.len()).unwrap_or(i64::MAX - 1) + 1;
        *self
            .services
            .entry((carrier, name.to_string()))
            .or_insert(next)
    }

    /// A new `stock.move` id (return moves share the sequence).
    pub(super) fn next_move_id(&mut self) -> i64 {
        self.last_move_id += 1;
        self.last_move_id
    }

    /// The states of the shipments of sale `sale_id`.
    pub(super) fn states_of_sale(&self, sale_id: i64) -> Vec<&str> {
        let of_sale = self.shipments.values().filter(|s| s.sale_id == sale_id);
        of_sale.map(|s| s.state.as_str()).collect()
    }

    /// Cancels the shipments of sale `sale_id` that are not `done` (and their moves).
    pub(super) fn cancel_of_sale(&mut self, sale_id: i64, now: DateTime<Utc>) {
        for (id, shipment) in &mut self.shipments {
            if shipment.sale_id == sale_id && shipment.state != "done" {
                shipment.state = "cancelled".into();
                shipment.write_date = now;
                for m in self.moves.values_mut().filter(|m| m.shipment_id == *id) {
                    m.state = "cancelled";
                }
            }
        }
    }

    /// The ids of the shipments of sale `sale_id`.
    pub fn of_sale(&self, sale_id: i64) -> Vec<i64> {
        self.shipments
            .iter()
            .filter(|(_, s)| s.sale_id == sale_id)
            .map(|(id, _)| *id)
            .collect()
    }

    /// `stock.shipment.out` rows (see `models::SHIPMENT_FIELDS`).
    pub fn shipment_rows(&self) -> Vec<Map<String, Value>> {
        self.shipments
            .iter()
            .map(|(id, s)| {
                row(json!({
                    "id": id,
                    "number": format!("CS{id:05}"),
                    "state": s.state,
                    "create_date": tagged::datetime(s.create_date),
                    "write_date": tagged::datetime(s.write_date),
                    "carrier": s.carrier.0,
                    "carrier.rec_name": s.carrier.1,
                    "carrier_service": s.service.as_ref().map(|(id, _)| *id),
                    "carrier_service.name": s.service.as_ref().map(|(_, name)| name),
                    "tracking_number": s.tracking_number.as_ref().map(|(id, _)| *id),
                    "tracking_number.tracking_number":
                        s.tracking_number.as_ref().map(|(_, number)| number),
                    "sales": [s.sale_id],
                    "moves": s.moves,
                    "outgoing_moves": s.moves,
                    "inventory_moves": [],
                }))
            })
            .collect()
    }

    /// `stock.move` rows (see `models::MOVE_FIELDS`).
    pub fn move_rows(&self) -> Vec<Map<String, Value>> {
        self.moves
            .iter()
            .map(|(id, m)| {
                row(json!({
                    "id": id,
                    "product": m.product_id,
                    "product.code": m.sku,
                    "quantity": m.quantity,
                    "origin": format!("sale.line,{}", m.sale_line_id),
                    "shipment": format!("stock.shipment.out,{}", m.shipment_id),
                    "state": m.state,
                    "x_non_compliance_reason": null,
                }))
            })
            .collect()
    }
}

/// The state of a shipment's outgoing moves.
fn move_state(shipment_state: &str) -> &'static str {
    match shipment_state {
        "done" => "done",
        "cancelled" => "cancelled",
        "draft" | "waiting" => "draft",
        _ => "assigned",
    }
}

/// A JSON object literal as a map.
pub(super) fn row(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use serde_json::{Value, json};

    use crate::sandbox::test_support::{fulfil_client, fulfil_order, start};
    use crate::sandbox::{Sandbox, SandboxShipment};

    async fn create_order(sandbox: &Sandbox, id: &str) {
        let response = fulfil_client(sandbox)
            .put(format!(
                "{}/api/v2/model/sale.channel/create_order",
                sandbox.fulfil_url
            ))
            .json(&json!([1, fulfil_order(id)]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    async fn search(sandbox: &Sandbox, model: &str, body: &Value) -> (u16, Value) {
        let response = fulfil_client(sandbox)
            .put(format!(
                "{}/api/v2/model/{model}/search_read",
                sandbox.fulfil_url
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn shipment(id: i64, order: &str, minute: u32) -> SandboxShipment {
        SandboxShipment {
            id,
            order_id: order.into(),
            state: "done".into(),
            carrier: "Royal Mail".into(),
            service: Some("Tracked 24".into()),
            tracking_number: Some("TT482019412GB".into()),
            lines: vec![
                (format!("{order}-1"), "SKU-A".into(), 2.0),
                (format!("{order}-2"), "SKU-B".into(), 1.0),
            ],
            write_date: chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 14, minute, 0)
                .unwrap(),
        }
    }

    #[tokio::test]
    async fn shipments_need_their_sale_lines_and_products() {
        let sandbox = start().await;
        let error = sandbox.add_shipment(shipment(1, "O-1", 0)).unwrap_err();
        assert!(error.to_string().contains("O-1"), "{error}");
        create_order(&sandbox, "O-1").await;
        let mut wrong_line = shipment(1, "O-1", 0);
        wrong_line.lines[0].0 = "O-2-1".into();
        assert!(sandbox.add_shipment(wrong_line).is_err());
        let mut wrong_sku = shipment(1, "O-1", 0);
        wrong_sku.lines[0].1 = "SKU-Z".into();
        assert!(sandbox.add_shipment(wrong_sku).is_err());
        let mut wrong_state = shipment(1, "O-1", 0);
        wrong_state.state = "sent".into();
        assert!(sandbox.add_shipment(wrong_state).is_err());
        let mut zero = shipment(1, "O-1", 0);
        zero.lines[1].2 = 0.0;
        assert!(sandbox.add_shipment(zero).is_err());
        let (_, shipments) = search(&sandbox, "stock.shipment.out", &json!([])).await;
        assert_eq!(shipments, json!([]));
        sandbox.add_shipment(shipment(1, "O-1", 0)).unwrap();
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn search_read_serves_shipments_moves_and_sale_lines() {
        let sandbox = start().await;
        create_order(&sandbox, "O-1").await;
        create_order(&sandbox, "O-2").await;
        sandbox.add_shipment(shipment(10, "O-1", 5)).unwrap();
        let mut other = shipment(11, "O-2", 1);
        other.state = "packed".into();
        other.service = None;
        other.tracking_number = None;
        other.carrier = "DPD".into();
        sandbox.add_shipment(other).unwrap();

        let since = json!({"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                           "hour": 14, "minute": 2, "second": 0, "microsecond": 0,
                           "iso_string": "2026-11-26T14:02:00.000000"});
        let (status, records) = search(
            &sandbox,
            "stock.shipment.out",
            &json!([
                [["state", "=", "done"], ["write_date", ">=", since]],
                0,
                500,
                [["write_date", "ASC"], ["id", "ASC"]],
                [
                    "id",
                    "write_date",
                    "create_date",
                    "state",
                    "carrier.rec_name",
                    "carrier_service.name",
                    "tracking_number.tracking_number",
                    "sales",
                    "outgoing_moves"
                ]
            ]),
        )
        .await;
        assert_eq!(status, 200, "{records}");
        assert_eq!(
            records,
            json!([{
                "id": 10,
                "write_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                               "hour": 14, "minute": 5, "second": 0, "microsecond": 0,
                               "iso_string": "2026-11-26T14:05:00"},
                "create_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                                "hour": 14, "minute": 5, "second": 0, "microsecond": 0,
                                "iso_string": "2026-11-26T14:05:00"},
                "state": "done",
                "carrier.rec_name": "Royal Mail",
                "carrier_service.name": "Tracked 24",
                "tracking_number.tracking_number": "TT482019412GB",
                "sales": [1],
                "outgoing_moves": [1, 2]
            }])
        );
        let (_, packed) = search(
            &sandbox,
            "stock.shipment.out",
            &json!([
                [["state", "not in", ["cancel", "cancelled"]]],
                0,
                10,
                null,
                ["carrier.rec_name", "carrier_service.name", "carrier"]
            ]),
        )
        .await;
        assert_eq!(packed[1]["carrier.rec_name"], "DPD");
        assert_eq!(packed[1]["carrier_service.name"], Value::Null);
        assert_ne!(packed[1]["carrier"], packed[0]["carrier"]);

        let (_, moves) = search(
            &sandbox,
            "stock.move",
            &json!([
                [["id", "in", [1, 2, 3]]],
                0,
                3,
                [["id", "ASC"]],
                [
                    "id",
                    "product.code",
                    "quantity",
                    "origin",
                    "state",
                    "shipment"
                ]
            ]),
        )
        .await;
        assert_eq!(
            moves,
            json!([
                {"id": 1, "product.code": "SKU-A", "quantity": 2.0, "origin": "sale.line,1",
                 "state": "done", "shipment": "stock.shipment.out,10"},
                {"id": 2, "product.code": "SKU-B", "quantity": 1.0, "origin": "sale.line,2",
                 "state": "done", "shipment": "stock.shipment.out,10"},
                {"id": 3, "product.code": "SKU-A", "quantity": 2.0, "origin": "sale.line,3",
                 "state": "assigned", "shipment": "stock.shipment.out,11"}
            ])
        );
        let (_, lines) = search(
            &sandbox,
            "sale.line",
            &json!([
                [["id", "in", [1, 2]]],
                0,
                2,
                [["id", "ASC"]],
                [
                    "id",
                    "channel_identifier",
                    "sale",
                    "product.code",
                    "unit_price"
                ]
            ]),
        )
        .await;
        assert_eq!(
            lines,
            json!([
                {"id": 1, "channel_identifier": "O-1-1", "sale": 1, "product.code": "SKU-A",
                 "unit_price": {"__class__": "Decimal", "decimal": "28.00"}},
                {"id": 2, "channel_identifier": "O-1-2", "sale": 1, "product.code": "SKU-B",
                 "unit_price": {"__class__": "Decimal", "decimal": "12.50"}}
            ])
        );
        let (_, sales) = search(
            &sandbox,
            "sale.sale",
            &json!([
                [["id", "in", [1]]],
                0,
                1,
                null,
                ["id", "channel_identifier", "channel", "lines", "shipments"]
            ]),
        )
        .await;
        assert_eq!(
            sales,
            json!([{"id": 1, "channel_identifier": "O-1", "channel": 1, "lines": [1, 2],
                    "shipments": [10]}])
        );

        // Replacing a shipment replaces its moves and keeps the earlier create_date.
        let mut again = shipment(10, "O-1", 9);
        again.lines.truncate(1);
        sandbox.add_shipment(again).unwrap();
        let (_, records) = search(
            &sandbox,
            "stock.shipment.out",
            &json!([
                [["id", "=", 10]],
                0,
                1,
                null,
                ["outgoing_moves", "create_date", "write_date"]
            ]),
        )
        .await;
        assert_eq!(records[0]["outgoing_moves"], json!([5]));
        assert_eq!(records[0]["create_date"]["minute"], 5);
        assert_eq!(records[0]["write_date"]["minute"], 9);
        let (_, moves) = search(&sandbox, "stock.move", &json!([[], 0, 10, null, ["id"]])).await;
        assert_eq!(moves, json!([{"id": 3}, {"id": 4}, {"id": 5}]));
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn shipment_reads_reject_unknown_fields_and_bad_datetimes() {
        let sandbox = start().await;
        for (model, body) in [
            (
                "stock.shipment.out",
                json!([[], 0, 10, null, ["carrier.name"]]),
            ),
            (
                "stock.shipment.out",
                json!([[["write_date", ">=", "2026-11-26T14:00:00Z"]]]),
            ),
            ("stock.shipment.out", json!([[["write_date", ">=", 5]]])),
            ("stock.move", json!([[], 0, 10, null, ["product.name"]])),
            ("sale.line", json!([[], 0, 10, null, ["order_line_id"]])),
            ("sale.sale", json!([[], 0, 10, null, ["carrier"]])),
        ] {
            let (status, error) = search(&sandbox, model, &body).await;
            assert_eq!(status, 400, "{model} {body}");
            assert_eq!(error["type"], "UserError");
        }
        sandbox.shutdown().await;
    }
}
