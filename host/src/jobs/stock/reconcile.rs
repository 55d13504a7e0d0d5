//! The full reconciliation: Fulfil stock against what John Lewis shows (OF21), healing lost
//! webhooks and drift, and flagging offers no Fulfil product backs.

use super::*;

impl StockJob {
    /// Full reconciliation: every Fulfil quantity against every John Lewis offer; refreshes
    /// the offer mirror, raises the component's `stock_drift` where John Lewis shows more than
    /// Fulfil allows, and queues every difference. Returns the number of differences.
    pub async fn reconcile(&mut self) -> anyhow::Result<usize> {
        // The quantities read are as of some moment after this: a webhook change stamped
        // later is newer than (or as new as) them, so their corrections must not override it.
        let read_from = chrono::Utc::now();
        let products = match self.services.fulfil.all_products().await {
            Ok(products) => products,
            Err(e) => {
                self.reporter.products_unreadable(&e).await?;
                anyhow::bail!("read Fulfil quantities: {e}");
            }
        };
        self.reporter.products_readable().await?;
        let offers = match self.services.mirakl.export_offers().await {
            Ok(offers) => offers,
            Err(e) => {
                tracing::info!("offer export (OF52) unavailable ({e}); listing offers with OF21");
                self.services
                    .mirakl
                    .list_offers()
                    .await
                    .map_err(|e| anyhow::anyhow!("read John Lewis offers: {e}"))?
            }
        };
        // The export carries no EANs: list the offers (OF21, which does) at most daily, so the
        // order flow's EAN check has John Lewis' side.
        let offers = match self.refresh_eans(&offers).await {
            Some(listed) => listed,
            None => offers,
        };
        let mirror: Vec<OfferEntry> = offers
            .iter()
            .map(|o| OfferEntry {
                sku: o.sku.clone(),
                ean: o.ean.clone(),
                quantity: o.quantity,
            })
            .collect();
        self.services.store.replace_offers(&mirror)?;
        let on_jl: Vec<Published> = offers
            .iter()
            .filter_map(|o| {
                o.quantity.map(|q| Published {
                    sku: o.sku.clone(),
                    warehouse: None,
                    quantity: q,
                })
            })
            .collect();
        let snapshot: Vec<StockLevel> = products
            .iter()
            .map(|p| StockLevel {
                sku: p.code.clone(),
                warehouse: None,
                available: p.quantity_available,
            })
            .collect();
        let plan = self
            .plan_against(&snapshot, on_jl, Planning::Reconcile)
            .await?;
        // The ledger now holds what John Lewis really shows (-1: an offer with no quantity),
        // so every difference is sent with the next upload.
        let observed: Vec<(String, Option<String>, i64)> = offers
            .iter()
            .map(|o| (o.sku.clone(), None, o.quantity.unwrap_or(-1)))
            .collect();
        let available: HashMap<&str, f64> = snapshot
            .iter()
            .map(|s| (s.sku.as_str(), s.available))
            .collect();
        for line in &plan.lines {
            self.events.push(StockChange {
                sku: line.sku.clone(),
                available: available.get(line.sku.as_str()).copied().unwrap_or(0.0),
                event_time: read_from,
                received: Instant::now(),
            });
        }
        self.services.store.record_published(&observed, None)?;
        self.services.store.audit("stock.reconciled", "stock", &json!({"products": products.len(), "offers": offers.len(), "differences": plan.lines.len()}).to_string())?;
        Ok(plan.lines.len())
    }

    /// OF21 listing (with EANs) when the offers lack EANs and the last listing is older than
    /// a day; `None` when not due or unavailable.
    pub(super) async fn refresh_eans(
        &mut self,
        offers: &[crate::mirakl::MiraklOffer],
    ) -> Option<Vec<crate::mirakl::MiraklOffer>> {
        const CURSOR: &str = crate::store::OFFERS_LISTED_CURSOR;
        if offers.iter().any(|o| o.ean.is_some()) {
            return None;
        }
        let due = self
            .services
            .store
            .cursor(CURSOR)
            .ok()
            .flatten()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .is_none_or(|t| {
                chrono::Utc::now().signed_duration_since(t) > chrono::Duration::hours(24)
            });
        if !due {
            return None;
        }
        match self.services.mirakl.list_offers().await {
            Ok(listed) => {
                let _ = self
                    .services
                    .store
                    .set_cursor(CURSOR, &chrono::Utc::now().to_rfc3339());
                Some(listed)
            }
            Err(e) => {
                tracing::info!("offer EANs not refreshed (OF21: {e})");
                None
            }
        }
    }
}
