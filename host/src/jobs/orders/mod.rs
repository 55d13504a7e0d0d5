//! The orders job: OR11 poll → `plan-order` → persist → OR21 / `create_order` → confirm.
//!
//! Exactly-once: each OR21 and each `create_order` is recorded in the outbox under a key
//! unique to the order before it is sent. An entry left `sending` (the run stopped mid-call,
//! or the call timed out, failed with a 5xx or a reset, or answered a body that could not be
//! read) has an unknown outcome, and nothing else touches its order until a re-read settles
//! it: OR21 by re-reading the order's lines (OR11 `order_ids`), `create_order` by reading
//! Fulfil's sale for the order (`channel_identifier`). A sale found for an order John Lewis
//! cancelled meanwhile is never dropped silently: it raises `cancelled_after_import`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::domain::exceptions::{Fact, Service, Unusable};
use crate::domain::orders::{Action, Offer, OrderPlan, Product, StoredOrder};
use crate::domain::types::{Committed, PlanError};
use crate::fulfil::ProductsError;
use crate::http::ApiError;
use crate::jobs::order_map::remember;
use crate::jobs::outcome::{Reporter, settle};
use crate::jobs::{Services, commitments, later, overlapped};
use crate::mirakl::RawOrder;
use crate::runtime::{OrderInput, Plugin};
use crate::store::{OrderStage, OutboxEntry, OutboxState};

mod plan;
mod replay;
mod send;

use replay::Settled;

/// Cursor holding the highest `last_updated_date` imported.
const CURSOR: &str = "or11.last_updated";

/// What one cycle did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Orders read from OR11 (after dedupe).
    pub fetched: usize,
    /// Orders planned (new, changed or held).
    pub planned: usize,
    /// OR21 calls that accepted every line.
    pub accepted: usize,
    /// OR21 calls that refused at least one line.
    pub refused: usize,
    /// Orders held for a person.
    pub held: usize,
    /// Sales created in Fulfil.
    pub created: usize,
    /// Writes left for a later cycle (remote unavailable or outcome unknown).
    pub deferred: usize,
}

/// The orders job.
pub struct OrdersJob {
    services: Services,
    plugin: Plugin,
    reporter: Reporter,
    /// Whether the offer mirror held John Lewis' EANs at the start of this cycle.
    offer_eans_known: bool,
}

impl OrdersJob {
    /// A job over `services`.
    pub fn new(services: Services) -> OrdersJob {
        OrdersJob {
            plugin: Plugin::new(services.runtime.clone()),
            reporter: Reporter::new(services.store.clone(), services.runtime.clone()),
            services,
            offer_eans_known: false,
        }
    }

    /// One cycle: finish the outbox, refresh the catalogue mirror if due, poll OR11, plan and
    /// act on new or changed orders, re-plan held ones, advance the cursor.
    pub async fn run_cycle(&mut self) -> anyhow::Result<CycleReport> {
        let mut report = CycleReport::default();
        self.offer_eans_known = crate::jobs::ensure_offer_eans(&self.services).await?;
        let mut planned = self.replay_outbox(&mut report).await?;
        if let Err(e) = crate::jobs::refresh_catalogue(&self.services, false).await {
            tracing::warn!("catalogue mirror not refreshed: {e:#}");
        }

        let since = self.since()?;
        let orders = match self.services.mirakl.orders_updated_since(since).await {
            Ok(orders) => {
                self.reporter.reachable(Service::Mirakl).await?;
                orders
            }
            Err(e) => {
                self.reporter.unavailable(Service::Mirakl, &e).await?;
                return Err(anyhow::anyhow!("OR11 poll failed: {e}"));
            }
        };
        report.fetched = orders.len();
        let mut high_water = self.services.store.cursor(CURSOR)?;
        for order in &orders {
            let Some(order_id) = order.id().map(str::to_string) else {
                self.reporter.fact(Fact::OrderWithoutId).await?;
                continue;
            };
            if let Some(lu) = order.last_updated()
                && high_water.as_deref().is_none_or(|hw| later(lu, hw))
            {
                high_water = Some(lu.to_string());
            }
            let stored = self.services.store.order(&order_id)?;
            if stored.as_ref().is_some_and(|s| s.raw == order.json()) {
                continue; // seen in an earlier poll's overlap window, unchanged
            }
            remember(&self.services.store, &order_id, order)?;
            self.process(&order_id, order, &mut report).await?;
            planned.insert(order_id);
        }

        // Orders still waiting for the connector are planned again: a person may have fixed
        // the catalogue since, or Fulfil could not be read last time (see `waiting`).
        let mut stored = Vec::new();
        for stage in [
            OrderStage::New,
            OrderStage::Held,
            OrderStage::Accepted,
            OrderStage::Refused,
        ] {
            stored.extend(self.services.store.orders_at(stage)?);
        }
        let judged: Vec<StoredOrder> = stored
            .iter()
            .map(|o| StoredOrder {
                stage: o.stage,
                state: o.mirakl_state.clone(),
            })
            .collect();
        let waiting = match self
            .plugin
            .call("the stored orders", move |session| {
                session.still_waiting(judged)
            })
            .await?
        {
            Ok(waiting) => waiting,
            Err(fault) => {
                self.reporter.plugin_fault(
                    "orders",
                    &fault,
                    "Which stored orders still wait is not known, so none was planned again this cycle; they are tried on the next.",
                )?;
                Vec::new()
            }
        };
        let again = stored
            .into_iter()
            .zip(waiting)
            .filter_map(|(record, waits)| waits.then_some(record));
        for record in again {
            if !planned.contains(&record.order_id) {
                self.process(
                    &record.order_id,
                    &RawOrder::new(record.raw.clone()),
                    &mut report,
                )
                .await?;
            }
        }
        if let Some(hw) = high_water {
            self.services.store.set_cursor(CURSOR, &hw)?;
        }
        Ok(report)
    }

    /// Where the next poll starts: the cursor minus the overlap window.
    fn since(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        let overlap = self.services.config.orders.overlap.0;
        Ok(self
            .services
            .store
            .cursor(CURSOR)?
            .and_then(|c| overlapped(&c, overlap)))
    }

    /// Records and sends what the plan asks for.
    async fn act(
        &mut self,
        order_id: &str,
        plan: &OrderPlan,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let stage = store
            .order(order_id)?
            .map(|o| o.stage)
            .unwrap_or(OrderStage::New);
        match plan.action {
            Action::Accept | Action::Refuse
                if matches!(stage, OrderStage::New | OrderStage::Held) =>
            {
                let Some(request) = plan.requests.iter().find(|r| r.api == "OR21") else {
                    anyhow::bail!("the plan of order {order_id} decides it but asks for no OR21");
                };
                let body = request.body.clone().unwrap_or_default();
                let entry = store.enqueue("or21", order_id, &format!("or21:{order_id}"), &body)?;
                let (stage, counter) = if plan.action == Action::Accept {
                    (OrderStage::Accepted, &mut report.accepted)
                } else {
                    (OrderStage::Refused, &mut report.refused)
                };
                store.set_order_stage(order_id, stage)?;
                store.audit("or21.planned", order_id, &body)?;
                *counter += 1;
                self.send(entry, report).await?;
            }
            Action::Hold if stage == OrderStage::New => {
                store.set_order_stage(order_id, OrderStage::Held)?;
                report.held += 1;
            }
            Action::None if stage == OrderStage::Held => {
                // No longer awaiting acceptance: decided on John Lewis by a person (or expired).
                store.set_order_stage(order_id, OrderStage::New)?;
            }
            _ => {}
        }
        let key = format!("create_order:{order_id}");
        if stage != OrderStage::Created
            && let Some(entry) = store.outbox_entry(&key)?
            && entry.state == OutboxState::Sending
        {
            // A sale whose creation may have taken effect: settled by a re-read before this
            // plan (a cancellation, a change) is allowed to touch it.
            match self.settle_unknown_sale(&entry, report).await? {
                Settled::Created => return self.check_cancelled_after_import(order_id, plan).await,
                Settled::Unknown => return Ok(()),
                Settled::NotMade => {}
            }
        }
        if stage == OrderStage::Created {
            return self.check_cancelled_after_import(order_id, plan).await;
        }
        let Some(payload) = &plan.fulfil_order else {
            // Not (or no longer) to be created, e.g. cancelled: a sale still waiting to be
            // sent from an earlier version of the order is withdrawn.
            if let Some(entry) = store.outbox_entry(&key)?
                && store.outbox_withdraw(entry.id)?
            {
                store.audit("create_order.withdrawn", order_id, &entry.body)?;
            }
            return Ok(());
        };
        let mut entry = store.enqueue("create_order", order_id, &key, payload)?;
        if entry.body != *payload
            && matches!(entry.state, OutboxState::Pending | OutboxState::Failed)
        {
            // The order changed before its sale went out, or after Fulfil rejected an
            // earlier version: what is sent is the order as it is now.
            store.outbox_set(entry.id, OutboxState::Pending, None)?;
            store.outbox_rewrite(entry.id, payload)?;
            entry.state = OutboxState::Pending;
            entry.body = payload.clone();
        }
        self.send(entry, report).await
    }
}
