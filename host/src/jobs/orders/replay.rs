//! Writes left by an earlier cycle or run: re-planned, re-read or sent again, and a sale
//! found for an order John Lewis cancelled raised, never dropped.

use super::*;
use crate::domain::exceptions::CancelledSale;

impl OrdersJob {
    /// Finishes writes left by an earlier cycle or run. A sale not sent yet (or whose
    /// `create_order` never reached Fulfil, as a re-read shows) is planned again from the
    /// order as last read from John Lewis, so a change seen since (a cancellation, a cancelled
    /// line) is what reaches Fulfil. Returns the orders planned.
    pub(super) async fn replay_outbox(
        &mut self,
        report: &mut CycleReport,
    ) -> anyhow::Result<BTreeSet<String>> {
        self.retry_resolved_rejections()?;
        let mut planned = BTreeSet::new();
        for entry in self.services.store.outbox_open(&["or21", "create_order"])? {
            let order = match (entry.kind.as_str(), entry.state) {
                ("create_order", OutboxState::Pending) => {
                    self.services.store.order(&entry.subject)?
                }
                ("create_order", OutboxState::Sending) => {
                    match self.settle_unknown_sale(&entry, report).await? {
                        // Planned again: John Lewis may have cancelled it meanwhile.
                        Settled::Created | Settled::NotMade => {
                            self.services.store.order(&entry.subject)?
                        }
                        Settled::Unknown => continue,
                    }
                }
                _ => None,
            };
            match order {
                Some(order) => {
                    self.process(&order.order_id, &RawOrder::new(order.raw.clone()), report)
                        .await?;
                    planned.insert(order.order_id);
                }
                None => self.send(entry, report).await?,
            }
        }
        Ok(planned)
    }

    /// Settles a `create_order` whose outcome is unknown by re-reading Fulfil: `Created` when
    /// Fulfil has the sale (recorded as created), `NotMade` (the entry pending again) when the
    /// call never made it, `Unknown` when Fulfil cannot be read now (left for a later cycle).
    pub(super) async fn settle_unknown_sale(
        &mut self,
        entry: &OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<Settled> {
        let store = self.services.store.clone();
        let order_id = entry.subject.as_str();
        match self
            .services
            .fulfil
            .sale_by_channel_identifier(order_id)
            .await
        {
            Ok(Some(sale)) => {
                self.record_sale(entry, &sale, "create_order.confirmed_by_reread", report)
                    .await?;
                Ok(Settled::Created)
            }
            Ok(None) => {
                store.outbox_set(entry.id, OutboxState::Pending, None)?;
                store.audit("create_order.not_made", order_id, "re-read: no sale")?;
                Ok(Settled::NotMade)
            }
            Err(e) => {
                self.reporter.unavailable(Service::Fulfil, &e).await?;
                report.deferred += 1;
                Ok(Settled::Unknown)
            }
        }
    }

    /// An order whose sale is in Fulfil and that John Lewis now shows cancelled: the sale must
    /// not ship. Until the connector cancels Fulfil sales itself, a person does, told by a
    /// blocking `cancelled_after_import`.
    pub(super) async fn check_cancelled_after_import(
        &mut self,
        order_id: &str,
        plan: &OrderPlan,
    ) -> anyhow::Result<()> {
        if plan.state != "CANCELED" {
            return Ok(());
        }
        let sale = self
            .services
            .store
            .order(order_id)?
            .and_then(|o| o.fulfil_sale_id)
            .map(|id| id.to_string());
        let fact = Fact::CancelledAfterImport(CancelledSale {
            order_id: order_id.to_string(),
            sale,
        });
        self.reporter.fact(fact).await.map(drop)
    }

    /// Records the Fulfil `sale` made by `entry` (a `create_order`), audited as `action`.
    pub(super) async fn record_sale(
        &mut self,
        entry: &OutboxEntry,
        sale: &Value,
        action: &str,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        let store = &self.services.store;
        let order_id = entry.subject.as_str();
        let sale_id = sale.get("id").and_then(crate::fulfil::wire::int);
        store.set_order_sale(order_id, sale_id)?;
        store.outbox_set(entry.id, OutboxState::Done, None)?;
        store.audit(action, order_id, &sale.to_string())?;
        self.reporter
            .fact(Fact::SaleCreated(order_id.to_string()))
            .await?;
        self.reporter.reachable(Service::Fulfil).await?;
        report.created += 1;
        Ok(())
    }

    /// Sales Fulfil rejected (or whose stored body could not be read) are tried again once a
    /// person resolved the exception, having fixed the cause (a changed order is tried again
    /// anyway).
    pub(super) fn retry_resolved_rejections(&self) -> anyhow::Result<()> {
        let store = &self.services.store;
        for entry in store.outbox_failed("create_order")? {
            let created = store
                .order(&entry.subject)?
                .is_some_and(|o| o.stage == OrderStage::Created);
            let waiting = match &entry.held_by {
                Some(code) => store.exception_open(code, &entry.subject)?,
                None => false,
            };
            if !created && !waiting {
                store.outbox_set(entry.id, OutboxState::Pending, None)?;
                store.audit(
                    "create_order.retried",
                    &entry.subject,
                    entry
                        .held_by
                        .as_deref()
                        .unwrap_or("the exception was resolved"),
                )?;
            }
        }
        Ok(())
    }
}

/// What a re-read of Fulfil says of a `create_order` whose outcome was unknown.
pub(super) enum Settled {
    /// Fulfil has the sale; it is recorded.
    Created,
    /// The call never made the sale; the entry is pending again.
    NotMade,
    /// Fulfil could not be read; still unknown.
    Unknown,
}
