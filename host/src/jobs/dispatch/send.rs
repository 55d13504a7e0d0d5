//! Sending a shipment's planned Mirakl requests through the outbox: each once, an OR24 whose
//! outcome is unknown re-read first, a refusal held until the shipment changes or a person
//! resolves its exception.

use super::*;
use crate::domain::dispatch::DispatchPlan;

impl DispatchJob {
    /// Sends `plan`'s requests for `shipment` of `order_id`, in order, and records the
    /// shipment sent once John Lewis took them all.
    pub(super) async fn send_plan(
        &mut self,
        shipment: &FulfilShipment,
        order_id: &str,
        plan: &DispatchPlan,
        report: &mut DispatchReport,
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let sid = shipment.id.to_string();
        let order_id = order_id.to_string();
        for request in &plan.requests {
            let key = format!("dispatch:{sid}:{}", request.api);
            let body = request.body.clone().unwrap_or_default();
            let planned = json!({"path": request.path, "body": body}).to_string();
            let entry = store.enqueue(&request.api, &order_id, &key, &planned)?;
            if entry.state == OutboxState::Done {
                continue;
            }
            if entry.state == OutboxState::Failed {
                // John Lewis rejected this request: it is sent again once it changes (the
                // shipment or the carrier table was corrected) or a person resolved the
                // exception, not every cycle.
                let waiting = match &entry.held_by {
                    Some(code) => store.exception_open(code, &sid)?,
                    None => false,
                };
                if entry.body == planned && waiting {
                    store.set_shipment_state(shipment.id, ShipmentState::Blocked)?;
                    report.blocked += 1;
                    return Ok(());
                }
                store.outbox_set(entry.id, OutboxState::Pending, None)?;
                store.outbox_rewrite(entry.id, &planned)?;
            }
            if entry.state == OutboxState::Sending && request.api == "OR24" {
                match self.shipped_on_jl(&order_id).await? {
                    Some(true) => {
                        store.outbox_set(entry.id, OutboxState::Done, None)?;
                        continue;
                    }
                    Some(false) => {}
                    None => {
                        report.deferred += 1;
                        return Ok(());
                    }
                }
            }
            let body_value: Option<Value> = request
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok());
            if !store.outbox_claim(&entry)? {
                tracing::warn!(
                    "{} for shipment {sid} is being sent by another runner; left to it",
                    request.api
                );
                report.deferred += 1;
                return Ok(());
            }
            let result = self
                .services
                .mirakl
                .send_planned(&request.api, &request.path, body_value.as_ref())
                .await;
            crate::jobs::crash_point(&format!("{}.sent", request.api.to_lowercase()));
            // A 2xx ST01 may still refuse the shipment: each error is John Lewis' refusal.
            let result = match result {
                Ok(Some(answer)) if request.api == "ST01" => match shipment_errors(&answer) {
                    Some(errors) => Err(ApiError::Rejected {
                        status: 201,
                        code: None,
                        message: errors,
                    }),
                    None => Ok(Some(answer)),
                },
                other => other,
            };
            match result {
                Ok(_) => {
                    store.outbox_set(entry.id, OutboxState::Done, None)?;
                    store.audit(
                        &format!("{}.sent", request.api.to_lowercase()),
                        &order_id,
                        &format!("shipment {sid}"),
                    )?;
                }
                Err(e)
                    if request.api == "OR24"
                        && matches!(
                            e,
                            ApiError::Rejected { .. } | ApiError::OutcomeUnknown { .. }
                        )
                        && self.shipped_on_jl(&order_id).await? == Some(true) =>
                {
                    store.outbox_set(entry.id, OutboxState::Done, None)?;
                    store.audit("or24.confirmed_by_reread", &order_id, &e.to_string())?;
                }
                Err(ApiError::OutcomeUnknown { reason }) => {
                    store.outbox_set(entry.id, OutboxState::Sending, Some(&reason))?;
                    store.set_shipment_state(shipment.id, ShipmentState::Pending)?;
                    report.deferred += 1;
                    return Ok(());
                }
                Err(e @ ApiError::Rejected { .. }) => {
                    store.outbox_set(entry.id, OutboxState::Failed, Some(&e.to_string()))?;
                    let fact = Fact::DispatchRejected(RefusedRequest {
                        shipment_id: sid.clone(),
                        order_id: order_id.clone(),
                        api: request.api.clone(),
                        detail: e.to_string(),
                    });
                    if let Some(code) = self.reporter.fact(fact).await? {
                        store.outbox_hold(entry.id, &code)?;
                    }
                    store.set_shipment_state(shipment.id, ShipmentState::Blocked)?;
                    report.blocked += 1;
                    return Ok(());
                }
                Err(e) => {
                    let error = self.reporter.unavailable(Service::Mirakl, &e).await?;
                    store.outbox_set(entry.id, OutboxState::Pending, Some(&error))?;
                    report.deferred += 1;
                    return Ok(());
                }
            }
        }
        store.set_shipment_state(shipment.id, ShipmentState::Sent)?;
        let order_shipments = store
            .shipments_of(&order_id)?
            .into_iter()
            .map(|s| s.shipment_id.to_string())
            .collect();
        let fact = Fact::DispatchSent(ShipmentSent {
            shipment_id: sid.clone(),
            complete: plan.complete,
            order_shipments,
        });
        self.reporter.fact(fact).await?;
        report.sent += 1;
        Ok(())
    }

    /// Confirms sent shipments: done once John Lewis shows the order shipped (or, for a
    /// partial shipment, once its tracking was sent).
    pub(super) async fn confirm_sent(&mut self) -> anyhow::Result<()> {
        for record in self.services.store.shipments_in(ShipmentState::Sent)? {
            if !record.complete || self.shipped_on_jl(&record.order_id).await? == Some(true) {
                self.services
                    .store
                    .set_shipment_state(record.shipment_id, ShipmentState::Done)?;
            }
        }
        Ok(())
    }
}

/// The messages of a 2xx ST01 answer's `shipment_errors[]`, joined; `None` when it has none.
fn shipment_errors(answer: &Value) -> Option<String> {
    let errors = answer.get("shipment_errors").and_then(Value::as_array)?;
    let messages: Vec<String> = errors
        .iter()
        .map(|e| {
            e.get("message")
                .and_then(Value::as_str)
                .unwrap_or("refused without a message")
                .to_string()
        })
        .collect();
    (!messages.is_empty()).then(|| format!("shipment refused: {}", messages.join("; ")))
}
