//! Requests whose outcome is unknown (OR23 tracking, OR24 shipped state, ST01 shipments):
//! each re-read on John Lewis before any shipment of its order is planned again.

use super::*;
use crate::domain::types::MiraklRequest;

impl DispatchJob {
    /// Settles the requests of the order's shipments (`sid` and every one recorded) whose
    /// outcome is unknown before any shipment of the order is planned again (a plan made from
    /// John Lewis' new state may no longer ask for them, a repeated ST01 would create a second
    /// shipment, and another parcel's OR23 would overwrite the tracking the re-read looks
    /// for): each is done when John Lewis shows it applied (OR23: the order carries its
    /// tracking; OR24: the order is shipped; ST01: ST11 lists its shipment), pending again
    /// when not. False when John Lewis cannot be read now (still unknown: nothing more is
    /// done for the order's shipment this cycle).
    pub(super) async fn settle_in_doubt(
        &mut self,
        order_id: &str,
        sid: &str,
        order: &str,
    ) -> anyhow::Result<bool> {
        let store = self.services.store.clone();
        let mut sids: BTreeSet<String> = store
            .shipments_of(order_id)?
            .into_iter()
            .map(|s| s.shipment_id.to_string())
            .collect();
        sids.insert(sid.to_string());
        let requests = sids
            .iter()
            .flat_map(|sid| ["OR23", "OR24", "ST01"].map(|api| (sid.clone(), api)));
        for (sid, api) in requests {
            let Some(entry) = store.outbox_entry(&format!("dispatch:{sid}:{api}"))? else {
                continue;
            };
            if entry.state != OutboxState::Sending {
                continue;
            }
            let planned: Value = serde_json::from_str(&entry.body).unwrap_or(Value::Null);
            let text = |key: &str| planned.get(key).and_then(Value::as_str).map(str::to_string);
            let request = MiraklRequest {
                api: api.to_string(),
                path: text("path").unwrap_or_default(),
                body: text("body"),
            };
            // ST01 is judged from the order's shipments (ST11), the others from the order.
            let shown = if api == "ST01" {
                match self.services.mirakl.shipments_of_order(order_id).await {
                    Ok(shipments) => serde_json::to_string(&shipments)?,
                    Err(e) => {
                        self.reporter.unavailable(Service::Mirakl, &e).await?;
                        return Ok(false);
                    }
                }
            } else {
                order.to_string()
            };
            let judged = self
                .plugin
                .call(&format!("shipment {sid}"), move |session| {
                    session.request_applied(&request, &shown)
                })
                .await?;
            let applied = match judged {
                Ok(applied) => applied,
                Err(fault) => {
                    self.reporter.plugin_fault(
                        &sid,
                        &fault,
                        "Whether John Lewis took the shipment's last request is not known, so nothing more was sent for the order; it is judged again on the next cycle.",
                    )?;
                    return Ok(false);
                }
            };
            if applied {
                store.outbox_set(entry.id, OutboxState::Done, None)?;
                store.audit(
                    &format!("{}.confirmed_by_reread", api.to_lowercase()),
                    order_id,
                    &format!("shipment {sid}"),
                )?;
            } else {
                store.outbox_set(entry.id, OutboxState::Pending, None)?;
            }
        }
        Ok(true)
    }

    /// Whether John Lewis shows the order shipped (or later), the order map updated with what
    /// was read; `None` when the component could not judge it (a fault, reported).
    pub(super) async fn shipped_on_jl(&mut self, order_id: &str) -> anyhow::Result<Option<bool>> {
        let order = self
            .services
            .mirakl
            .order_by_id(order_id)
            .await
            .map_err(|e| anyhow::anyhow!("re-read order {order_id}: {e}"))?;
        let Some(order) = order else {
            return Ok(Some(false));
        };
        remember(&self.services.store, order_id, &order)?;
        let order = order.json().to_string();
        let judged = self
            .plugin
            .call(&format!("order {order_id}"), move |session| {
                session.order_shipped(&order)
            })
            .await?;
        match judged {
            Ok(shipped) => Ok(Some(shipped)),
            Err(fault) => {
                self.reporter.plugin_fault(
                    order_id,
                    &fault,
                    "Whether John Lewis shows the order shipped is not known; nothing more was sent for it, and it is judged again on the next cycle.",
                )?;
                Ok(None)
            }
        }
    }
}
