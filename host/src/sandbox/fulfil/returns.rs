//! Customer return shipments (`stock.shipment.out.return`), their incoming moves
//! (`stock.move`, shown with the outgoing ones) and the credit notes (`account.invoice`)
//! Fulfil makes when a return shipment is done.
//!
//! A return sale made by `create_order` (see `return_sale`) gets one return shipment,
//! `waiting`, `reference` the return sale's `reference` (the Customer Order Number), `sales`
//! the return sale, and one move per line with the units taken back (positive) and
//! `x_non_compliance_reason` null. Receiving it ([`FulfilState::receive_return`]) makes it and
//! its moves `done`, records the warehouse's non-compliance reasons on the moves, and posts a
//! credit note: `type` `out`, `state` `posted`, `number` `CN-0001`, ..., `reference` and
//! `sales` as the shipment's, `total_amount` the return sale's total (negative),
//! `invoice_date` today.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::shipments::row;
use super::{FulfilState, tagged};
use crate::sandbox::decimal::Decimal;

/// The return shipments, their moves and the credit notes.
#[derive(Debug, Default)]
pub(crate) struct ReturnBook {
    shipments: BTreeMap<i64, ReturnShipment>,
    moves: BTreeMap<i64, ReturnMove>,
    credit_notes: BTreeMap<i64, CreditNote>,
}

/// A stored return shipment.
#[derive(Debug)]
struct ReturnShipment {
    state: &'static str,
    sale_id: i64,
    reference: Value,
    moves: Vec<i64>,
    create_date: DateTime<Utc>,
    write_date: DateTime<Utc>,
    received_date: Option<DateTime<Utc>>,
}

/// A stored incoming move.
#[derive(Debug)]
struct ReturnMove {
    shipment_id: i64,
    product_id: Option<i64>,
    sku: String,
    quantity: f64,
    sale_line_id: i64,
    non_compliance: Option<String>,
}

/// A posted credit note.
#[derive(Debug)]
struct CreditNote {
    number: String,
    sale_id: i64,
    reference: Value,
    total: Decimal,
    invoice_date: NaiveDate,
    write_date: DateTime<Utc>,
}

/// Which return shipment [`FulfilState::receive_return`] receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnShipmentOf {
    /// The (only open) return shipment of this return sale id.
    Sale(i64),
    /// This `stock.shipment.out.return` id.
    Shipment(i64),
}

impl FulfilState {
    /// Creates the `waiting` return shipment of return sale `sale_id`, one move per line.
    pub(super) fn create_return_shipment(&mut self, sale_id: i64, now: DateTime<Utc>) {
        let id = i64::try_from(self.returns.shipments.len()).unwrap_or(i64::MAX - 1) + 1;
        let lines: Vec<(i64, String, f64)> = self
            .sale_lines
            .values()
            .filter(|l| l["sale"] == sale_id)
            .map(|l| {
                (
                    l["id"].as_i64().unwrap_or_default(),
                    l["product.code"].as_str().unwrap_or_default().to_string(),
                    l["quantity"].as_f64().unwrap_or(0.0).abs(),
                )
            })
            .collect();
        let mut moves = Vec::with_capacity(lines.len());
        for (sale_line_id, sku, quantity) in lines {
            let move_id = self.shipments.next_move_id();
            let product_id = self.products.values().find(|p| p.code == sku).map(|p| p.id);
            self.returns.moves.insert(
                move_id,
                ReturnMove {
                    shipment_id: id,
                    product_id,
                    sku,
                    quantity,
                    sale_line_id,
                    non_compliance: None,
                },
            );
            moves.push(move_id);
        }
        let reference = self
            .sales
            .get(&sale_id)
            .map_or(Value::Null, |s| s["reference"].clone());
        self.returns.shipments.insert(
            id,
            ReturnShipment {
                state: "waiting",
                sale_id,
                reference,
                moves,
                create_date: now,
                write_date: now,
                received_date: None,
            },
        );
    }

    /// Receives a return shipment as the warehouse does: it and its moves become `done`
    /// (`write_date` and `received_date` now), `non_compliant` (SKU, reason) is recorded on
    /// the moves of that SKU, and a credit note is posted for the return sale. Returns the
    /// compliant units per SKU (what goes back on the shelf). Fails, changing nothing, when
    /// there is no such shipment (or the sale has no open one), it is `done` or `cancel`
    /// already, or a SKU is not on it.
    pub(crate) fn receive_return(
        &mut self,
        target: ReturnShipmentOf,
        non_compliant: &[(String, String)],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<(String, f64)>> {
        let id = match target {
            ReturnShipmentOf::Shipment(id) => id,
            ReturnShipmentOf::Sale(sale_id) => self
                .returns
                .shipments
                .iter()
                .find(|(_, s)| s.sale_id == sale_id && !["done", "cancel"].contains(&s.state))
                .map(|(id, _)| *id)
                .ok_or_else(|| anyhow!("sale {sale_id} has no open return shipment"))?,
        };
        let shipment = self
            .returns
            .shipments
            .get(&id)
            .ok_or_else(|| anyhow!("there is no return shipment {id}"))?;
        if ["done", "cancel"].contains(&shipment.state) {
            bail!("return shipment {id} is {} already", shipment.state);
        }
        for (sku, _) in non_compliant {
            if !shipment
                .moves
                .iter()
                .any(|m| self.returns.moves.get(m).is_some_and(|m| &m.sku == sku))
            {
                bail!("return shipment {id} has no move of SKU '{sku}'");
            }
        }
        let sale_id = shipment.sale_id;
        let move_ids = shipment.moves.clone();
        let mut back: BTreeMap<String, f64> = BTreeMap::new();
        for move_id in move_ids {
            let Some(entry) = self.returns.moves.get_mut(&move_id) else {
                continue;
            };
            entry.non_compliance = non_compliant
                .iter()
                .find(|(sku, _)| *sku == entry.sku)
                .map(|(_, reason)| reason.clone());
            if entry.non_compliance.is_none() {
                *back.entry(entry.sku.clone()).or_insert(0.0) += entry.quantity;
            }
        }
        if let Some(shipment) = self.returns.shipments.get_mut(&id) {
            shipment.state = "done";
            shipment.write_date = now;
            shipment.received_date = Some(now);
        }
        let sale = self.sales.get(&sale_id);
        let total = sale
            .and_then(|s| s["total_amount"].as_str())
            .and_then(Decimal::parse)
            .unwrap_or(Decimal::ZERO);
        let reference = sale.map_or(Value::Null, |s| s["reference"].clone());
        let note_id = i64::try_from(self.returns.credit_notes.len()).unwrap_or(i64::MAX - 1) + 1;
        self.returns.credit_notes.insert(
            note_id,
            CreditNote {
                number: format!("CN-{note_id:04}"),
                sale_id,
                reference,
                total,
                invoice_date: now.date_naive(),
                write_date: now,
            },
        );
        Ok(back.into_iter().collect())
    }

    /// Cancels the return shipments of sale `sale_id` that are not `done`.
    pub(super) fn cancel_return_shipments(&mut self, sale_id: i64, now: DateTime<Utc>) {
        for shipment in self.returns.shipments.values_mut() {
            if shipment.sale_id == sale_id && shipment.state != "done" {
                shipment.state = "cancel";
                shipment.write_date = now;
            }
        }
    }
}

impl ReturnBook {
    /// The ids of the return shipments of sale `sale_id`.
    pub fn of_sale(&self, sale_id: i64) -> Vec<i64> {
        self.shipments
            .iter()
            .filter(|(_, s)| s.sale_id == sale_id)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The ids of the credit notes of sale `sale_id`.
    pub fn invoices_of_sale(&self, sale_id: i64) -> Vec<i64> {
        self.credit_notes
            .iter()
            .filter(|(_, n)| n.sale_id == sale_id)
            .map(|(id, _)| *id)
            .collect()
    }

    /// `stock.shipment.out.return` rows (see `models::RETURN_SHIPMENT_FIELDS`).
    pub fn shipment_rows(&self) -> Vec<Map<String, Value>> {
        self.shipments
            .iter()
            .map(|(id, s)| {
                row(json!({
                    "id": id,
                    "number": format!("CR{id:05}"),
                    "rec_name": format!("CR{id:05}"),
                    "state": s.state,
                    "reference": s.reference,
                    "sales": [s.sale_id],
                    "moves": s.moves,
                    "incoming_moves": s.moves,
                    "create_date": tagged::datetime(s.create_date),
                    "write_date": tagged::datetime(s.write_date),
                    "received_date": s.received_date.map(tagged::datetime),
                }))
            })
            .collect()
    }

    /// The incoming moves as `stock.move` rows (see `models::MOVE_FIELDS`).
    pub fn move_rows(&self) -> Vec<Map<String, Value>> {
        self.moves
            .iter()
            .map(|(id, m)| {
                let state = self
                    .shipments
                    .get(&m.shipment_id)
                    .map_or("draft", |s| match s.state {
                        "done" => "done",
                        "cancel" => "cancelled",
                        _ => "draft",
                    });
                row(json!({
                    "id": id,
                    "product": m.product_id,
                    "product.code": m.sku,
                    "quantity": m.quantity,
                    "origin": format!("sale.line,{}", m.sale_line_id),
                    "shipment": format!("stock.shipment.out.return,{}", m.shipment_id),
                    "state": state,
                    "x_non_compliance_reason": m.non_compliance,
                }))
            })
            .collect()
    }

    /// `account.invoice` rows (see `models::INVOICE_FIELDS`).
    pub fn invoice_rows(&self) -> Vec<Map<String, Value>> {
        self.credit_notes
            .iter()
            .map(|(id, n)| {
                row(json!({
                    "id": id,
                    "number": n.number,
                    "rec_name": n.number,
                    "type": "out",
                    "state": "posted",
                    "reference": n.reference,
                    "sales": [n.sale_id],
                    "total_amount": tagged::decimal(n.total, 2),
                    "invoice_date": tagged::date(n.invoice_date),
                    "write_date": tagged::datetime(n.write_date),
                }))
            })
            .collect()
    }

    /// Every return shipment as `{id, sale, reference, state, moves: [{sku, quantity,
    /// x_non_compliance_reason}]}`, by id (for the state endpoint).
    pub fn summary(&self) -> Vec<Value> {
        self.shipments
            .iter()
            .map(|(id, s)| {
                let moves: Vec<Value> = s
                    .moves
                    .iter()
                    .filter_map(|m| self.moves.get(m))
                    .map(|m| {
                        json!({"sku": m.sku, "quantity": m.quantity,
                               "x_non_compliance_reason": m.non_compliance})
                    })
                    .collect();
                json!({"id": id, "sale": s.sale_id, "reference": s.reference,
                       "state": s.state, "moves": moves})
            })
            .collect()
    }

    /// Every credit note as `{id, number, reference, sale, total_amount, state}`, by id.
    pub fn credit_note_summary(&self) -> Vec<Value> {
        self.credit_notes
            .iter()
            .map(|(id, n)| {
                json!({"id": id, "number": n.number, "reference": n.reference,
                       "sale": n.sale_id, "total_amount": n.total.to_string_min_scale(2),
                       "state": "posted"})
            })
            .collect()
    }
}
