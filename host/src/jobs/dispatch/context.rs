//! What a dispatch plan needs besides the shipment: John Lewis' approved carriers (SH21,
//! cached daily) and the units earlier shipments of the order confirmed.

use super::*;

impl DispatchJob {
    /// The SH21 approved carriers: cached, refreshed daily (the cache is used if John Lewis
    /// cannot be reached).
    pub async fn carriers(&mut self, force: bool) -> anyhow::Result<Option<String>> {
        let store = &self.services.store;
        let cached = store.cursor(CARRIERS)?;
        let fresh = store
            .cursor(CARRIERS_AT)?
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .is_some_and(|t| chrono::Utc::now().signed_duration_since(t) < CARRIERS_MAX_AGE);
        if cached.is_some() && fresh && !force {
            return Ok(cached);
        }
        match self.services.mirakl.carriers().await {
            Ok(body) => {
                let text = body.to_string();
                store.set_cursor(CARRIERS, &text)?;
                store.set_cursor(CARRIERS_AT, &chrono::Utc::now().to_rfc3339())?;
                store.audit("sh21.refreshed", "carriers", &text)?;
                Ok(Some(text))
            }
            Err(e) => {
                tracing::warn!("SH21 unavailable ({e}); using the cached carrier list");
                Ok(cached)
            }
        }
    }

    /// Units of each line confirmed by earlier shipments of the order.
    pub(super) fn shipped_before(
        &self,
        order_id: &str,
        shipment_id: i64,
    ) -> anyhow::Result<Vec<ShippedLine>> {
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        for record in self.services.store.shipments_of(order_id)? {
            if record.shipment_id == shipment_id
                || !matches!(record.state, ShipmentState::Sent | ShipmentState::Done)
            {
                continue;
            }
            let lines: Vec<Value> = serde_json::from_str(&record.lines).unwrap_or_default();
            for line in lines {
                if let (Some(id), Some(q)) = (
                    line.get("line_id").and_then(Value::as_str),
                    line.get("quantity").and_then(Value::as_i64),
                ) {
                    *totals.entry(id.to_string()).or_default() += q;
                }
            }
        }
        Ok(totals
            .into_iter()
            .map(|(line_id, quantity)| ShippedLine { line_id, quantity })
            .collect())
    }
}
