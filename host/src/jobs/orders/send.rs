//! Sending an order's outbox entries: OR21 (re-read before it is sent again) and Fulfil's
//! `create_order` (its outcome settled by reading the sale back).

use super::*;

impl OrdersJob {
    /// Sends one outbox entry (after a re-read when its outcome is unknown).
    pub(super) async fn send(
        &mut self,
        entry: OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        match (entry.kind.as_str(), entry.state) {
            (_, OutboxState::Done | OutboxState::Failed) => Ok(()),
            ("or21", _) => self.send_or21(entry, report).await,
            ("create_order", _) => self.send_create_order(entry, report).await,
            (other, _) => {
                tracing::warn!("outbox entry {} has unknown kind {other}", entry.id);
                Ok(())
            }
        }
    }

    /// OR21, confirmed by re-reading when its outcome is unknown.
    pub(super) async fn send_or21(
        &mut self,
        entry: OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let order_id = entry.subject.clone();
        if entry.state == OutboxState::Sending
            && self.or21_already_applied(&order_id, &entry.body).await?
        {
            store.outbox_set(entry.id, OutboxState::Done, None)?;
            store.audit("or21.confirmed_by_reread", &order_id, "")?;
            return Ok(());
        }
        let lines = decision_lines(&entry.body);
        if !store.outbox_claim(&entry)? {
            tracing::warn!(
                "{} for order {order_id} is being sent by another runner; left to it",
                entry.kind
            );
            report.deferred += 1;
            return Ok(());
        }
        crate::jobs::crash_point("or21.sending");
        match self.services.mirakl.accept_order(&order_id, &lines).await {
            Ok(()) => {
                store.outbox_set(entry.id, OutboxState::Done, None)?;
                store.audit("or21.sent", &order_id, &entry.body)?;
            }
            Err(ApiError::OutcomeUnknown { reason }) => {
                // Confirmed (or resent) on the next cycle, after a re-read.
                store.outbox_set(entry.id, OutboxState::Sending, Some(&reason))?;
                report.deferred += 1;
            }
            Err(e @ ApiError::Rejected { .. }) => {
                if self.or21_already_applied(&order_id, &entry.body).await? {
                    store.outbox_set(entry.id, OutboxState::Done, None)?;
                    store.audit("or21.confirmed_by_reread", &order_id, &e.to_string())?;
                } else {
                    store.outbox_set(entry.id, OutboxState::Failed, Some(&e.to_string()))?;
                    outcome::raise(
                        &self.services.store,
                        "acceptance_rejected",
                        "operations",
                        "blocking",
                        &order_id,
                        format!(
                            "John Lewis rejected the acceptance decision for order {order_id}: {e}. Accept or refuse the order in the John Lewis back office before its deadline."
                        ),
                    )?;
                }
            }
            Err(e) => {
                let error = outcome::unavailable(&store, "mirakl", &e)?;
                store.outbox_set(entry.id, OutboxState::Pending, Some(&error))?;
                report.deferred += 1;
            }
        }
        Ok(())
    }

    /// True when OR21 took effect: John Lewis shows every line of the decision `body` in a
    /// state that matches it (a refused line `REFUSED`, an accepted line past acceptance and
    /// not refused), not merely the order no longer awaiting acceptance.
    pub(super) async fn or21_already_applied(
        &mut self,
        order_id: &str,
        body: &str,
    ) -> anyhow::Result<bool> {
        let orders = self
            .services
            .mirakl
            .orders_by_ids(&[order_id.to_string()])
            .await
            .map_err(|e| anyhow::anyhow!("re-read order {order_id}: {e}"))?;
        let Some(order) = orders
            .iter()
            .find(|o| o.get("order_id").and_then(Value::as_str) == Some(order_id))
        else {
            return Ok(false);
        };
        Ok(decision_applied(order, &decision_lines(body)))
    }

    /// `create_order` (idempotent in Fulfil on `channel_identifier`).
    pub(super) async fn send_create_order(
        &mut self,
        entry: OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let order_id = entry.subject.clone();
        let payload: Value = match serde_json::from_str(&entry.body) {
            Ok(payload) => payload,
            Err(e) => {
                store.outbox_set(
                    entry.id,
                    OutboxState::Failed,
                    Some(&format!("stored body unreadable: {e}")),
                )?;
                outcome::raise(
                    &store,
                    "outbox_body_unreadable",
                    "operations",
                    "blocking",
                    &order_id,
                    format!(
                        "The sale waiting to be sent to Fulfil for order {order_id} could not be read back from the connector's store ({e}); nothing was sent. Check that the order is not in Fulfil, then resolve this exception: the order is planned and sent again."
                    ),
                )?;
                return Ok(());
            }
        };
        if !store.outbox_claim(&entry)? {
            tracing::warn!(
                "{} for order {order_id} is being sent by another runner; left to it",
                entry.kind
            );
            report.deferred += 1;
            return Ok(());
        }
        match self.services.fulfil.create_order(&payload).await {
            Ok(sale) => {
                crate::jobs::crash_point("create_order.sent");
                self.record_sale(&entry, &sale, "create_order.sent", report)?;
            }
            Err(e @ ApiError::Rejected { .. }) => {
                store.outbox_set(entry.id, OutboxState::Failed, Some(&e.to_string()))?;
                outcome::raise(
                    &self.services.store,
                    "fulfil_rejected",
                    "operations",
                    "blocking",
                    &order_id,
                    format!(
                        "Fulfil refused to create order {order_id}: {e}. Fix the cause in Fulfil (product, tax or channel set-up), then resolve this exception: the order is sent again (as it is when its data changes on John Lewis)."
                    ),
                )?;
            }
            Err(e @ ApiError::RateLimited { .. }) => {
                // Refused before it was applied: simply sent again later.
                let error = outcome::unavailable(&store, "fulfil", &e)?;
                store.outbox_set(entry.id, OutboxState::Pending, Some(&error))?;
                report.deferred += 1;
            }
            Err(ApiError::Decode { reason }) => {
                // Fulfil answered 2xx: the sale was most likely made. Left `sending`, so the
                // next cycle reads the sale back before anything else touches the order.
                store.outbox_set(entry.id, OutboxState::Sending, Some(&reason))?;
                outcome::raise(
                    &store,
                    "fulfil_response_unreadable",
                    "operations",
                    "warning",
                    &order_id,
                    format!(
                        "Fulfil accepted the sale for order {order_id} but its answer could not be read ({reason}). The connector reads the sale back from Fulfil on the next cycle; nothing to do unless this repeats (then report it to Fulfil support)."
                    ),
                )?;
                report.deferred += 1;
            }
            Err(e) => {
                // Timed out, 5xx or reset: Fulfil may have made the sale. Left `sending`, so
                // the next cycle re-reads Fulfil before the order is touched again.
                let error = outcome::unavailable(&store, "fulfil", &e)?;
                store.outbox_set(entry.id, OutboxState::Sending, Some(&error))?;
                report.deferred += 1;
            }
        }
        Ok(())
    }
}

/// The (line id, accepted) pairs of a stored OR21 body.
fn decision_lines(body: &str) -> Vec<(String, bool)> {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|b| b.get("order_lines").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|l| {
            Some((
                l.get("id")?.as_str()?.to_string(),
                l.get("accepted")?.as_bool()?,
            ))
        })
        .collect()
}

/// True when every line of `decision` is, on the OR11 `order`, in a state that shows it was
/// applied: a refused line `REFUSED`; an accepted line neither awaiting acceptance nor refused.
fn decision_applied(order: &Value, decision: &[(String, bool)]) -> bool {
    let lines = order
        .get("order_lines")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    !decision.is_empty()
        && decision.iter().all(|(id, accepted)| {
            let state = lines
                .iter()
                .find(|l| l.get("order_line_id").and_then(Value::as_str) == Some(id))
                .and_then(|l| l.get("order_line_state").and_then(Value::as_str));
            match (state, accepted) {
                (None | Some("WAITING_ACCEPTANCE"), _) => false,
                (Some(state), true) => state != "REFUSED",
                (Some(state), false) => state == "REFUSED",
            }
        })
}
