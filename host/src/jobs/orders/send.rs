//! Sending an order's outbox entries: OR21 (re-read before it is sent again) and Fulfil's
//! `create_order` (its outcome settled by reading the sale back).

use super::*;
use serde_json::value::RawValue;

use crate::domain::exceptions::Failure;
use crate::domain::types::MiraklRequest;

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
        if entry.state == OutboxState::Sending {
            match self.or21_already_applied(&order_id, &entry.body).await? {
                Some(true) => {
                    store.outbox_set(entry.id, OutboxState::Done, None)?;
                    store.audit("or21.confirmed_by_reread", &order_id, "")?;
                    return Ok(());
                }
                Some(false) => {}
                None => {
                    report.deferred += 1;
                    return Ok(());
                }
            }
        }
        let Ok(body) = serde_json::from_str::<Value>(&entry.body) else {
            store.outbox_set(
                entry.id,
                OutboxState::Failed,
                Some("stored body unreadable"),
            )?;
            let fact = Fact::AcceptanceRejected(Failure {
                subject: order_id.clone(),
                detail: "the decision stored for it could not be read back".into(),
            });
            self.reporter.fact(fact).await?;
            return Ok(());
        };
        if !store.outbox_claim(&entry)? {
            tracing::warn!(
                "{} for order {order_id} is being sent by another runner; left to it",
                entry.kind
            );
            report.deferred += 1;
            return Ok(());
        }
        crate::jobs::crash_point("or21.sending");
        match self.services.mirakl.accept_order(&order_id, &body).await {
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
                match self.or21_already_applied(&order_id, &entry.body).await? {
                    Some(true) => {
                        store.outbox_set(entry.id, OutboxState::Done, None)?;
                        store.audit("or21.confirmed_by_reread", &order_id, &e.to_string())?;
                    }
                    Some(false) => {
                        store.outbox_set(entry.id, OutboxState::Failed, Some(&e.to_string()))?;
                        let fact = Fact::AcceptanceRejected(Failure {
                            subject: order_id.clone(),
                            detail: e.to_string(),
                        });
                        self.reporter.fact(fact).await?;
                    }
                    None => {
                        // Not judged: settled by the re-read of the next cycle.
                        store.outbox_set(entry.id, OutboxState::Sending, Some(&e.to_string()))?;
                        report.deferred += 1;
                    }
                }
            }
            Err(e) => {
                let error = self.reporter.unavailable(Service::Mirakl, &e).await?;
                store.outbox_set(entry.id, OutboxState::Pending, Some(&error))?;
                report.deferred += 1;
            }
        }
        Ok(())
    }

    /// Whether OR21 took effect, as the component judges the order re-read on John Lewis
    /// (every line of the decision `body` in the state it asked for); `None` when it could not
    /// judge (a fault, reported).
    pub(super) async fn or21_already_applied(
        &mut self,
        order_id: &str,
        body: &str,
    ) -> anyhow::Result<Option<bool>> {
        let order = self
            .services
            .mirakl
            .order_by_id(order_id)
            .await
            .map_err(|e| anyhow::anyhow!("re-read order {order_id}: {e}"))?;
        let Some(order) = order else {
            return Ok(Some(false));
        };
        // The judgement reads the request's api and body.
        let request = MiraklRequest {
            api: "OR21".into(),
            path: String::new(),
            body: Some(body.to_string()),
        };
        let shown = order.json().to_string();
        let judged = self
            .plugin
            .call(&format!("order {order_id}"), move |session| {
                session.request_applied(&request, &shown)
            })
            .await?;
        match judged {
            Ok(applied) => Ok(Some(applied)),
            Err(fault) => {
                self.reporter.plugin_fault(
                    order_id,
                    &fault,
                    "Whether John Lewis took the order's decision is not known; nothing more was sent for it, and it is judged again on the next cycle.",
                )?;
                Ok(None)
            }
        }
    }

    /// `create_order` (idempotent in Fulfil on `channel_identifier`).
    pub(super) async fn send_create_order(
        &mut self,
        entry: OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let order_id = entry.subject.clone();
        // The component's body, sent byte for byte; only checked to be one JSON value.
        let payload: &RawValue = match serde_json::from_str(&entry.body) {
            Ok(payload) => payload,
            Err(e) => {
                store.outbox_set(
                    entry.id,
                    OutboxState::Failed,
                    Some(&format!("stored body unreadable: {e}")),
                )?;
                let fact = Fact::SaleBodyUnreadable(Failure {
                    subject: order_id.clone(),
                    detail: e.to_string(),
                });
                if let Some(code) = self.reporter.fact(fact).await? {
                    store.outbox_hold(entry.id, &code)?;
                }
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
        match self.services.fulfil.create_order(payload).await {
            Ok(sale) => {
                crate::jobs::crash_point("create_order.sent");
                self.record_sale(&entry, &sale, "create_order.sent", report)
                    .await?;
            }
            Err(e @ ApiError::Rejected { .. }) => {
                store.outbox_set(entry.id, OutboxState::Failed, Some(&e.to_string()))?;
                let fact = Fact::SaleRejected(Failure {
                    subject: order_id.clone(),
                    detail: e.to_string(),
                });
                if let Some(code) = self.reporter.fact(fact).await? {
                    store.outbox_hold(entry.id, &code)?;
                }
            }
            Err(e @ ApiError::RateLimited { .. }) => {
                // Refused before it was applied: simply sent again later.
                let error = self.reporter.unavailable(Service::Fulfil, &e).await?;
                store.outbox_set(entry.id, OutboxState::Pending, Some(&error))?;
                report.deferred += 1;
            }
            Err(ApiError::Decode { reason }) => {
                // Fulfil answered 2xx: the sale was most likely made. Left `sending`, so the
                // next cycle reads the sale back before anything else touches the order.
                store.outbox_set(entry.id, OutboxState::Sending, Some(&reason))?;
                let fact = Fact::SaleAnswerUnreadable(Failure {
                    subject: order_id.clone(),
                    detail: reason,
                });
                self.reporter.fact(fact).await?;
                report.deferred += 1;
            }
            Err(e) => {
                // Timed out, 5xx or reset: Fulfil may have made the sale. Left `sending`, so
                // the next cycle re-reads Fulfil before the order is touched again.
                let error = self.reporter.unavailable(Service::Fulfil, &e).await?;
                store.outbox_set(entry.id, OutboxState::Sending, Some(&error))?;
                report.deferred += 1;
            }
        }
        Ok(())
    }
}
