//! The order map: John Lewis order id ↔ commercial id ↔ Fulfil sale id ↔ stage.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, now_text};

pub use crate::domain::orders::OrderStage;

/// One row of the order map.
#[derive(Clone, Debug)]
pub struct OrderRecord {
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// Mirakl state when last read.
    pub mirakl_state: String,
    /// Connector stage.
    pub stage: OrderStage,
    /// Fulfil sale id once created.
    pub fulfil_sale_id: Option<i64>,
    /// Mirakl `last_updated_date` when last read.
    pub last_updated: Option<String>,
    /// The order as last read from OR11.
    pub raw: String,
}

fn record(row: &Row) -> rusqlite::Result<OrderRecord> {
    Ok(OrderRecord {
        order_id: row.get(0)?,
        commercial_id: row.get(1)?,
        mirakl_state: row.get(2)?,
        stage: OrderStage::parse(&row.get::<_, String>(3)?),
        fulfil_sale_id: row.get(4)?,
        last_updated: row.get(5)?,
        raw: row.get(6)?,
    })
}

const COLUMNS: &str =
    "order_id, commercial_id, mirakl_state, stage, fulfil_sale_id, last_updated, raw";

/// The orders John Lewis holds units for that Fulfil does not have yet (table `o` or
/// `orders`).
const WITHOUT_SALE: &str =
    "fulfil_sale_id IS NULL AND stage IN ('new', 'held', 'accepted', 'refused')";

impl Store {
    /// The stored order.
    pub fn order(&self, order_id: &str) -> anyhow::Result<Option<OrderRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM orders WHERE order_id = ?1"),
                params![order_id],
                record,
            )
            .optional()?)
    }

    /// Records the order as read from Mirakl (new orders start at [`OrderStage::New`]).
    pub fn upsert_order(
        &self,
        order_id: &str,
        commercial_id: &str,
        mirakl_state: &str,
        last_updated: Option<&str>,
        raw: &str,
    ) -> anyhow::Result<()> {
        let now = now_text();
        self.conn().execute(
            "INSERT INTO orders (order_id, commercial_id, mirakl_state, stage, last_updated, raw, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'new', ?4, ?5, ?6, ?6)
             ON CONFLICT(order_id) DO UPDATE SET commercial_id = excluded.commercial_id,
                 mirakl_state = excluded.mirakl_state, last_updated = excluded.last_updated,
                 holds_current = holds_current AND raw = excluded.raw,
                 raw = excluded.raw, updated_at = excluded.updated_at",
            params![order_id, commercial_id, mirakl_state, last_updated, raw, now],
        )?;
        Ok(())
    }

    /// Stores the latest plan (JSON) of an order.
    pub fn set_order_plan(&self, order_id: &str, plan: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE orders SET plan = ?2, holds_current = 0, updated_at = ?3 WHERE order_id = ?1",
            params![order_id, plan, now_text()],
        )?;
        Ok(())
    }

    /// Moves an order to `stage`.
    pub fn set_order_stage(&self, order_id: &str, stage: OrderStage) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE orders SET stage = ?2, updated_at = ?3 WHERE order_id = ?1",
            params![order_id, stage.as_str(), now_text()],
        )?;
        Ok(())
    }

    /// Records the Fulfil sale of an order.
    pub fn set_order_sale(&self, order_id: &str, sale_id: Option<i64>) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE orders SET stage = 'created', fulfil_sale_id = ?2, updated_at = ?3 WHERE order_id = ?1",
            params![order_id, sale_id, now_text()],
        )?;
        Ok(())
    }

    /// Orders at `stage`.
    pub fn orders_at(&self, stage: OrderStage) -> anyhow::Result<Vec<OrderRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM orders WHERE stage = ?1 ORDER BY order_id"
        ))?;
        let rows = stmt.query_map(params![stage.as_str()], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The orders without a Fulfil sale whose holds are not known since they last changed:
    /// (order id, raw, plan).
    pub fn orders_with_stale_holds(&self) -> anyhow::Result<Vec<(String, String, Option<String>)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT order_id, raw, plan FROM orders WHERE {WITHOUT_SALE} AND holds_current = 0
             ORDER BY order_id"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Replaces what `order_id` holds (offer SKU, units), worked out from its OR11 body
    /// `raw`, and marks it current; nothing changes when the order changed meanwhile.
    pub fn set_order_holds(
        &self,
        order_id: &str,
        raw: &str,
        holds: &[(String, i64)],
    ) -> anyhow::Result<()> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let unchanged = tx.execute(
            "UPDATE orders SET holds_current = 1 WHERE order_id = ?1 AND raw = ?2",
            params![order_id, raw],
        )?;
        if unchanged == 0 {
            return Ok(());
        }
        tx.execute(
            "DELETE FROM order_holds WHERE order_id = ?1",
            params![order_id],
        )?;
        for (sku, quantity) in holds {
            tx.execute(
                "INSERT INTO order_holds (order_id, sku, quantity) VALUES (?1, ?2, ?3)
                 ON CONFLICT(order_id, sku) DO UPDATE SET quantity = quantity + excluded.quantity",
                params![order_id, sku, quantity],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Per offer SKU, the units every order without a Fulfil sale holds, except `except`.
    pub fn committed(&self, except: Option<&str>) -> anyhow::Result<Vec<(String, i64)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT h.sku, SUM(h.quantity) FROM order_holds h JOIN orders o ON o.order_id = h.order_id
             WHERE {WITHOUT_SALE} AND o.order_id IS NOT ?1 GROUP BY h.sku ORDER BY h.sku"
        ))?;
        let rows = stmt.query_map(params![except], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of orders per stage.
    pub fn order_counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT stage, COUNT(*) FROM orders GROUP BY stage ORDER BY stage")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
