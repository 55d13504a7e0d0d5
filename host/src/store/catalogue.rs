//! Mirrors: the Fulfil catalogue (codes, EANs, availability, indexed by near-spelling key)
//! and the John Lewis offer mirror (what John Lewis holds for each offer).

use rusqlite::params;

use super::{Store, now_text};

/// Cursor holding when offers were last listed with their product references (OF21).
pub const OFFERS_LISTED_CURSOR: &str = "of21.listed_at";

/// One Fulfil product in the mirror.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogueEntry {
    /// Product code (SKU), exactly as in Fulfil.
    pub code: String,
    /// Near-spelling key (computed by the component's `sku-key`).
    pub sku_key: String,
    /// EAN.
    pub ean: Option<String>,
    /// Available quantity when mirrored.
    pub available: f64,
}

/// One John Lewis offer in the mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferEntry {
    /// Offer SKU.
    pub sku: String,
    /// EAN on John Lewis.
    pub ean: Option<String>,
    /// Quantity on John Lewis, if known.
    pub quantity: Option<i64>,
}

impl Store {
    /// Replaces the catalogue mirror.
    pub fn replace_catalogue(&self, entries: &[CatalogueEntry]) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM catalogue", [])?;
        {
            let now = now_text();
            let mut insert = tx.prepare("INSERT OR REPLACE INTO catalogue (code, sku_key, ean, available, refreshed_at) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for e in entries {
                insert.execute(params![e.code, e.sku_key, e.ean, e.available, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Mirror entries whose near-spelling key is `key`.
    pub fn catalogue_by_key(&self, key: &str) -> anyhow::Result<Vec<CatalogueEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT code, sku_key, ean, available FROM catalogue WHERE sku_key = ?1 ORDER BY code",
        )?;
        let rows = stmt.query_map(params![key], |r| {
            Ok(CatalogueEntry {
                code: r.get(0)?,
                sku_key: r.get(1)?,
                ean: r.get(2)?,
                available: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of products in the catalogue mirror.
    pub fn catalogue_size(&self) -> anyhow::Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM catalogue", [], |r| r.get(0))?)
    }

    /// Replaces the offer mirror. An entry without an EAN keeps the EAN the mirror already
    /// had for that SKU: Mirakl's offer export (OF52) carries no product references, while
    /// OF21 does.
    pub fn replace_offers(&self, entries: &[OfferEntry]) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let known: std::collections::HashMap<String, String> = {
            let mut stmt = tx.prepare("SELECT sku, ean FROM offers WHERE ean IS NOT NULL")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        tx.execute("DELETE FROM offers", [])?;
        {
            let now = now_text();
            let mut insert = tx.prepare("INSERT OR REPLACE INTO offers (sku, ean, quantity, refreshed_at) VALUES (?1, ?2, ?3, ?4)")?;
            for e in entries {
                let ean = e.ean.clone().or_else(|| known.get(&e.sku).cloned());
                insert.execute(params![e.sku, ean, e.quantity, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// True once the offer mirror holds John Lewis' EANs: some offer carries one, or offers
    /// were listed with their product references (`OFFERS_LISTED_CURSOR`) and none has any.
    /// Until then an order's EANs cannot be checked against John Lewis'.
    pub fn offer_eans_known(&self) -> anyhow::Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM offers WHERE ean IS NOT NULL)
                 OR EXISTS(SELECT 1 FROM cursors WHERE name = ?1)",
            params![OFFERS_LISTED_CURSOR],
            |r| r.get(0),
        )?)
    }

    /// Offer mirror entries for these SKUs.
    pub fn offers_for(&self, skus: &[String]) -> anyhow::Result<Vec<OfferEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT sku, ean, quantity FROM offers WHERE sku = ?1")?;
        let mut out = Vec::new();
        for sku in skus {
            let rows = stmt.query_map(params![sku], |r| {
                Ok(OfferEntry {
                    sku: r.get(0)?,
                    ean: r.get(1)?,
                    quantity: r.get(2)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_without_eans_keeps_the_known_ones() {
        let store = Store::in_memory().expect("store");
        let offer = |ean: Option<&str>, quantity| OfferEntry {
            sku: "JL-MUG-001".into(),
            ean: ean.map(str::to_string),
            quantity,
        };
        store
            .replace_offers(&[offer(Some("5012345600017"), Some(3))])
            .expect("OF21");
        store.replace_offers(&[offer(None, Some(5))]).expect("OF52");
        let offers = store.offers_for(&["JL-MUG-001".to_string()]).expect("read");
        assert_eq!(offers, vec![offer(Some("5012345600017"), Some(5))]);
    }
}
