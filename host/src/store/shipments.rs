//! Fulfil customer shipments and where their confirmation to John Lewis stands.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, now_text};

/// Where a shipment's confirmation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShipmentState {
    /// Planned; requests not all sent yet (remote unavailable or outcome unknown).
    Pending,
    /// A blocking exception stops it (unmapped carrier, mismatch, rejection); re-planned
    /// every cycle so a fix takes effect.
    Blocked,
    /// Every planned request was sent.
    Sent,
    /// John Lewis shows the order shipped (or the partial tracking was accepted).
    Done,
}

impl ShipmentState {
    fn as_str(self) -> &'static str {
        match self {
            ShipmentState::Pending => "pending",
            ShipmentState::Blocked => "blocked",
            ShipmentState::Sent => "sent",
            ShipmentState::Done => "done",
        }
    }

    fn parse(text: &str) -> ShipmentState {
        match text {
            "blocked" => ShipmentState::Blocked,
            "sent" => ShipmentState::Sent,
            "done" => ShipmentState::Done,
            _ => ShipmentState::Pending,
        }
    }
}

/// One stored shipment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipmentRecord {
    /// Fulfil shipment id.
    pub shipment_id: i64,
    /// John Lewis order id.
    pub order_id: String,
    /// State.
    pub state: ShipmentState,
    /// Fulfil carrier name.
    pub carrier: Option<String>,
    /// Fulfil carrier service name.
    pub service: Option<String>,
    /// Shipped lines as JSON `[{"line_id","quantity"}]`.
    pub lines: String,
    /// Whether this shipment completes the order.
    pub complete: bool,
    /// The shipment as read from Fulfil (JSON), to plan it again.
    pub source: String,
    /// When every request was sent.
    pub sent_at: Option<String>,
}

fn record(row: &Row) -> rusqlite::Result<ShipmentRecord> {
    Ok(ShipmentRecord {
        shipment_id: row.get(0)?,
        order_id: row.get(1)?,
        state: ShipmentState::parse(&row.get::<_, String>(2)?),
        carrier: row.get(3)?,
        service: row.get(4)?,
        lines: row.get(5)?,
        complete: row.get::<_, i64>(6)? != 0,
        sent_at: row.get(7)?,
        source: row.get(8)?,
    })
}

const COLUMNS: &str =
    "shipment_id, order_id, state, carrier, service, lines, complete, sent_at, source";

impl Store {
    /// The stored shipment.
    pub fn shipment(&self, shipment_id: i64) -> anyhow::Result<Option<ShipmentRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM shipments WHERE shipment_id = ?1"),
                params![shipment_id],
                record,
            )
            .optional()?)
    }

    /// Records (or updates) a shipment and its plan.
    #[allow(clippy::too_many_arguments)]
    pub fn save_shipment(
        &self,
        shipment_id: i64,
        order_id: &str,
        state: ShipmentState,
        carrier: Option<&str>,
        service: Option<&str>,
        lines: &str,
        source: &str,
        plan: &str,
        complete: bool,
        write_date: &str,
    ) -> anyhow::Result<()> {
        let now = now_text();
        self.conn().execute(
            "INSERT INTO shipments (shipment_id, order_id, state, carrier, service, lines, source, plan, complete, write_date, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(shipment_id) DO UPDATE SET order_id = excluded.order_id, state = excluded.state,
                 carrier = excluded.carrier, service = excluded.service, lines = excluded.lines, source = excluded.source,
                 plan = excluded.plan, complete = excluded.complete, write_date = excluded.write_date, updated_at = excluded.updated_at",
            params![shipment_id, order_id, state.as_str(), carrier, service, lines, source, plan, complete as i64, write_date, now],
        )?;
        Ok(())
    }

    /// Moves a shipment to `state` (recording when it was sent).
    pub fn set_shipment_state(&self, shipment_id: i64, state: ShipmentState) -> anyhow::Result<()> {
        let now = now_text();
        let sent_at =
            matches!(state, ShipmentState::Sent | ShipmentState::Done).then(|| now.clone());
        self.conn().execute(
            "UPDATE shipments SET state = ?2, sent_at = COALESCE(sent_at, ?3), updated_at = ?4 WHERE shipment_id = ?1",
            params![shipment_id, state.as_str(), sent_at, now],
        )?;
        Ok(())
    }

    /// Shipments of an order, oldest first.
    pub fn shipments_of(&self, order_id: &str) -> anyhow::Result<Vec<ShipmentRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM shipments WHERE order_id = ?1 ORDER BY shipment_id"
        ))?;
        let rows = stmt.query_map(params![order_id], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Shipments in `state`.
    pub fn shipments_in(&self, state: ShipmentState) -> anyhow::Result<Vec<ShipmentRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM shipments WHERE state = ?1 ORDER BY shipment_id"
        ))?;
        let rows = stmt.query_map(params![state.as_str()], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stored orders whose John Lewis state is one of `states`.
    pub fn orders_in_states(&self, states: &[&str]) -> anyhow::Result<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT order_id, raw FROM orders WHERE mirakl_state = ?1 ORDER BY order_id",
        )?;
        let mut out = Vec::new();
        for state in states {
            for row in stmt.query_map(params![state], |r| Ok((r.get(0)?, r.get(1)?)))? {
                out.push(row?);
            }
        }
        Ok(out)
    }
}
