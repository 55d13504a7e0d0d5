//! Requests whose outcome is unknown (OR23 tracking, OR24 shipped state, ST01 shipments):
//! each re-read on John Lewis before any shipment of its order is planned again.

use super::*;

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
        order: &Value,
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
            let body: Value = serde_json::from_str::<Value>(&entry.body)
                .ok()
                .and_then(|planned| {
                    planned
                        .get("body")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .and_then(|body| serde_json::from_str(&body).ok())
                .unwrap_or(Value::Null);
            let applied = match api {
                "OR23" => tracking_applied(order, &body),
                "OR24" => order
                    .get("order_state")
                    .and_then(Value::as_str)
                    .is_some_and(|state| SHIPPED_STATES.contains(&state)),
                _ => match self.services.mirakl.shipments_of_order(order_id).await {
                    Ok(shipments) => crate::mirakl::st01_applied(&shipments, &body),
                    Err(e) => {
                        self.reporter.unavailable(Service::Mirakl, &e).await?;
                        return Ok(false);
                    }
                },
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

    /// True when John Lewis shows the order shipped (or later); the order map is updated
    /// with what was read.
    pub(super) async fn shipped_on_jl(&mut self, order_id: &str) -> anyhow::Result<bool> {
        let order = self
            .services
            .mirakl
            .order_by_id(order_id)
            .await
            .map_err(|e| anyhow::anyhow!("re-read order {order_id}: {e}"))?;
        let Some(order) = order else {
            return Ok(false);
        };
        remember(&self.services.store, order_id, &order)?;
        Ok(order.state().is_some_and(|s| SHIPPED_STATES.contains(&s)))
    }
}

/// True when the OR11 `order` carries the tracking the OR23 `body` sets: the same tracking
/// number, and the same carrier (by code, or by name for an unregistered one).
fn tracking_applied(order: &Value, body: &Value) -> bool {
    let text =
        |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let number = text(body, "tracking_number");
    let carrier = match text(body, "carrier_code") {
        Some(code) => text(order, "shipping_carrier_code") == Some(code),
        None => text(order, "shipping_company") == text(body, "carrier_name"),
    };
    number.is_some() && text(order, "shipping_tracking") == number && carrier
}
