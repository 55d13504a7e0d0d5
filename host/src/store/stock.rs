//! The stock ledger (last quantity published per SKU and warehouse) and the STO01 imports.

use rusqlite::{Row, params};
use serde::Serialize;

use super::{Store, now_text};

/// A quantity John Lewis holds (as far as the connector knows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    /// Offer SKU.
    pub sku: String,
    /// Warehouse code (`None` for the global quantity).
    pub warehouse: Option<String>,
    /// Quantity.
    pub quantity: i64,
    /// When it was recorded.
    pub published_at: String,
}

/// One STO01 upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StockImport {
    /// Mirakl import id.
    pub import_id: String,
    /// `submitted`, `COMPLETE`, `FAILED`.
    pub state: String,
    /// Lines in the file.
    pub lines: i64,
    /// Lines Mirakl rejected.
    pub lines_in_error: Option<i64>,
    /// When it was uploaded.
    pub submitted_at: String,
    /// When Mirakl finished it.
    pub finished_at: Option<String>,
}

fn ledger_entry(row: &Row) -> rusqlite::Result<LedgerEntry> {
    let warehouse: String = row.get(1)?;
    Ok(LedgerEntry {
        sku: row.get(0)?,
        warehouse: (!warehouse.is_empty()).then_some(warehouse),
        quantity: row.get(2)?,
        published_at: row.get(3)?,
    })
}

impl Store {
    /// Records quantities as now held by John Lewis (after a successful import line, or as
    /// observed by reconciliation).
    pub fn record_published(
        &self,
        entries: &[(String, Option<String>, i64)],
        import_id: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let now = now_text();
            let mut upsert = tx.prepare(
                "INSERT INTO stock_ledger (sku, warehouse, quantity, import_id, published_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(sku, warehouse) DO UPDATE SET quantity = excluded.quantity,
                     import_id = excluded.import_id, published_at = excluded.published_at",
            )?;
            for (sku, warehouse, quantity) in entries {
                upsert.execute(params![
                    sku,
                    warehouse.as_deref().unwrap_or(""),
                    quantity,
                    import_id,
                    now
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Ledger entries for these SKUs (every warehouse).
    pub fn ledger_for(&self, skus: &[String]) -> anyhow::Result<Vec<LedgerEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT sku, warehouse, quantity, published_at FROM stock_ledger WHERE sku = ?1",
        )?;
        let mut out = Vec::new();
        for sku in skus {
            for row in stmt.query_map(params![sku], ledger_entry)? {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// The whole ledger.
    pub fn ledger(&self) -> anyhow::Result<Vec<LedgerEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT sku, warehouse, quantity, published_at FROM stock_ledger ORDER BY sku, warehouse")?;
        let rows = stmt.query_map([], ledger_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records an uploaded STO01 file.
    pub fn record_stock_import(
        &self,
        import_id: &str,
        csv: &str,
        lines: usize,
    ) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO stock_imports (import_id, state, lines, csv, submitted_at) VALUES (?1, 'submitted', ?2, ?3, ?4)",
            params![import_id, lines as i64, csv, now_text()],
        )?;
        Ok(())
    }

    /// Records how Mirakl finished an import.
    pub fn finish_stock_import(
        &self,
        import_id: &str,
        state: &str,
        lines_in_error: u64,
    ) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE stock_imports SET state = ?2, lines_in_error = ?3, finished_at = ?4 WHERE import_id = ?1",
            params![import_id, state, lines_in_error as i64, now_text()],
        )?;
        Ok(())
    }

    /// The latest imports, newest first.
    pub fn stock_imports(&self, limit: usize) -> anyhow::Result<Vec<StockImport>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT import_id, state, lines, lines_in_error, submitted_at, finished_at FROM stock_imports
             ORDER BY submitted_at DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(StockImport {
                import_id: r.get(0)?,
                state: r.get(1)?,
                lines: r.get(2)?,
                lines_in_error: r.get(3)?,
                submitted_at: r.get(4)?,
                finished_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// SKUs of the offer mirror (what John Lewis knows); empty when never refreshed.
    pub fn offer_skus(&self) -> anyhow::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT sku FROM offers ORDER BY sku")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
