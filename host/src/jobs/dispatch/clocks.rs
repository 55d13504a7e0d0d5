//! The acceptance and dispatch clocks: `check-clocks` over the orders still open, raising
//! and clearing their exceptions.

use super::*;

impl DispatchJob {
    /// Evaluates the clocks of every order awaiting acceptance or dispatch at `now`, raising
    /// `acceptance_overdue`, `dispatch_overdue` and `dispatch_unconfirmed`, and clearing those
    /// of orders that moved on. Returns the number of clock exceptions open after the check.
    pub async fn check_clocks(
        &mut self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<usize> {
        let store = self.services.store.clone();
        let policy = self.services.config.clock_policy();
        let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut due = Vec::new();
        for (order_id, raw) in store.orders_in_states(&["WAITING_ACCEPTANCE", "SHIPPING"])? {
            let shipped_at = store
                .shipments_of(&order_id)?
                .into_iter()
                .filter(|s| {
                    s.complete && matches!(s.state, ShipmentState::Sent | ShipmentState::Done)
                })
                .filter_map(|s| s.sent_at)
                .max();
            let now_text = now_text.clone();
            let checked = self
                .plugin
                .call(&format!("order {order_id}"), move |session| {
                    session.check_clocks(&raw, shipped_at.as_deref(), &now_text, policy)
                })
                .await?;
            let exceptions = match checked {
                Ok(Ok(exceptions)) => exceptions,
                Ok(Err(e)) => {
                    tracing::warn!("clocks of {order_id}: {}: {}", e.code, e.message);
                    continue;
                }
                Err(fault) => {
                    tracing::warn!("clocks of {order_id}: {fault}");
                    continue;
                }
            };
            due.extend(exceptions);
        }
        // The clocks' codes that no check raised again are settled: the order moved on.
        let settled: Vec<_> = match self
            .plugin
            .call("the clock codes", |session| session.clock_codes())
            .await?
        {
            Ok(codes) => vec![codes],
            Err(fault) => {
                tracing::warn!("clock codes: {fault}");
                Vec::new()
            }
        };
        crate::jobs::outcome::settle(&store, &due, &settled)?;
        Ok(due.len())
    }
}
