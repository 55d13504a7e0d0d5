//! The orders job: OR11 poll → `plan-order` → persist → OR21 / `create_order` → confirm.
//!
//! Exactly-once: each OR21 and each `create_order` is recorded in the outbox under a key
//! unique to the order before it is sent. An entry found in `sending` state after a restart
//! has an unknown outcome: OR21 is confirmed by re-reading the order (OR11 `order_ids`) before
//! anything is resent; `create_order` is idempotent on `channel_identifier` in Fulfil.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::fulfil::ProductsError;
use crate::http::ApiError;
use crate::jobs::{Services, commitments, later, outcome, overlapped};
use crate::runtime::exports::jlm::connector::orders::{Action, Offer, OrderPlan, Product};
use crate::runtime::{OrderInput, PluginFault, Session, plan_to_json};
use crate::store::{OrderStage, OutboxEntry, OutboxState};

/// Cursor holding the highest `last_updated_date` imported.
const CURSOR: &str = "or11.last_updated";
/// Order-scoped exception codes that clear when a new plan no longer raises them
/// (`insufficient_stock` stays open: a refused line is a lost sale operations should see;
/// `acceptance_overdue`, also raised by the clocks, is cleared by them).
const ORDER_CODES: &[&str] = &[
    "order_held",
    "order_invalid",
    "address_missing",
    "address_invalid",
    "price_unrepresentable",
    "order_total_mismatch",
    "plugin_fault",
    "unknown_order_state",
    "unknown_line_state",
    "unknown_tax_mode",
    "currency_unexpected",
    "tax_unmapped",
];

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
    session: Option<Session>,
}

impl OrdersJob {
    /// A job over `services`.
    pub fn new(services: Services) -> OrdersJob {
        OrdersJob {
            services,
            session: None,
        }
    }

    /// One cycle: finish the outbox, refresh the catalogue mirror if due, poll OR11, plan and
    /// act on new or changed orders, re-plan held ones, advance the cursor.
    pub async fn run_cycle(&mut self) -> anyhow::Result<CycleReport> {
        let mut report = CycleReport::default();
        let mut planned = self.replay_outbox(&mut report).await?;
        if let Err(e) = crate::jobs::refresh_catalogue(&self.services, false).await {
            tracing::warn!("catalogue mirror not refreshed: {e:#}");
        }

        let since = self.since()?;
        let orders = match self.services.mirakl.orders_updated_since(since).await {
            Ok(orders) => {
                outcome::reachable(&self.services.store, "mirakl")?;
                orders
            }
            Err(e) => {
                outcome::unavailable(&self.services.store, "mirakl", &e)?;
                return Err(anyhow::anyhow!("OR11 poll failed: {e}"));
            }
        };
        report.fetched = orders.len();
        let mut high_water = self.services.store.cursor(CURSOR)?;
        for order in &orders {
            let Some(order_id) = order
                .get("order_id")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                outcome::raise(&self.services.store, "order_invalid", "operations", "blocking", "unknown order", "OR11 returned an order without an order_id; it was skipped. Report this to John Lewis' Mirakl support.".into())?;
                continue;
            };
            let last_updated = order
                .get("last_updated_date")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(lu) = &last_updated
                && high_water.as_deref().is_none_or(|hw| later(lu, hw))
            {
                high_water = Some(lu.clone());
            }
            let raw = order.to_string();
            let stored = self.services.store.order(&order_id)?;
            if stored.as_ref().is_some_and(|s| s.raw == raw) {
                continue; // seen in an earlier poll's overlap window, unchanged
            }
            let commercial_id = order
                .get("commercial_id")
                .and_then(Value::as_str)
                .unwrap_or(&order_id)
                .to_string();
            let state = order
                .get("order_state")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            self.services.store.upsert_order(
                &order_id,
                &commercial_id,
                &state,
                last_updated.as_deref(),
                &raw,
            )?;
            self.process(&order_id, &raw, &mut report).await?;
            planned.insert(order_id);
        }

        // Orders still waiting for the connector are planned again: a person may have fixed
        // the catalogue since, or Fulfil could not be read last time (see `waiting`).
        let mut again = Vec::new();
        for stage in [
            OrderStage::New,
            OrderStage::Held,
            OrderStage::Accepted,
            OrderStage::Refused,
        ] {
            again.extend(
                self.services
                    .store
                    .orders_at(stage)?
                    .into_iter()
                    .filter(|o| waiting(o.stage, &o.mirakl_state)),
            );
        }
        for record in again {
            if !planned.contains(&record.order_id) {
                self.process(&record.order_id, &record.raw, &mut report)
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

    /// A live component session (a new one after a fault).
    fn session(&mut self) -> anyhow::Result<&mut Session> {
        if self.session.as_ref().is_none_or(Session::is_poisoned) {
            self.session = Some(self.services.runtime.session()?);
        }
        self.session
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("no component session"))
    }

    /// Plans one order and acts on the plan.
    async fn process(
        &mut self,
        order_id: &str,
        raw: &str,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        report.planned += 1;
        let mut input = match self.gather(raw).await {
            Ok(input) => input,
            Err(e) => {
                outcome::products_unreadable(&self.services.store, &e)?;
                report.deferred += 1;
                return Ok(());
            }
        };
        outcome::products_readable(&self.services.store)?;
        self.net_of_commitments(order_id, &mut input.0)?;
        let policy = self.services.config.orders.policy();
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let result = self.session()?.plan_order(
            raw,
            &OrderInput {
                catalogue: &input.0,
                offers: &input.1,
                policy: &policy,
                now: &now,
            },
        );
        let plan = match result {
            Ok(Ok(plan)) => plan,
            Ok(Err(error)) => {
                outcome::raise(
                    &self.services.store,
                    "order_invalid",
                    "operations",
                    "blocking",
                    order_id,
                    format!(
                        "Order {order_id} could not be read ({}: {}). Nothing was sent; check the order on John Lewis and report malformed data to John Lewis' Mirakl support.",
                        error.code, error.message
                    ),
                )?;
                return Ok(());
            }
            Err(PluginFault(fault)) => {
                outcome::raise(
                    &self.services.store,
                    "plugin_fault",
                    "operations",
                    "blocking",
                    order_id,
                    format!(
                        "The connector's component failed on order {order_id} ({fault}). The order is kept and retried on the next cycle; report this to the jlm maintainers if it repeats."
                    ),
                )?;
                return Ok(());
            }
        };
        self.record_plan(order_id, &plan)?;
        self.act(order_id, &plan, report).await
    }

    /// Takes off `catalogue` the units other John Lewis orders without a Fulfil sale hold
    /// (the component says which): Fulfil does not show them yet, but they are promised.
    fn net_of_commitments(
        &mut self,
        order_id: &str,
        catalogue: &mut [Product],
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let held = commitments::committed_stock(&store, self.session()?, Some(order_id))?;
        for product in catalogue.iter_mut() {
            if let Some(units) = held.get(&product.sku) {
                product.available = product.available.saturating_sub(*units);
            }
        }
        Ok(())
    }

    /// Catalogue entries (exact codes fresh from Fulfil, near-spellings from the mirror) and
    /// offer mirror entries for the order's SKUs.
    async fn gather(&mut self, raw: &str) -> Result<(Vec<Product>, Vec<Offer>), ProductsError> {
        let order: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
        let skus: Vec<String> = order
            .get("order_lines")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| l.get("offer_sku").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut catalogue: Vec<Product> = self
            .services
            .fulfil
            .products_by_codes(&skus)
            .await?
            .into_iter()
            .map(|p| Product {
                sku: p.code,
                ean: p.ean,
                available: floor_units(p.quantity_available),
            })
            .collect();
        let mut codes: Vec<String> = skus.clone();
        for sku in &skus {
            let key = match self.session().map(|s| s.sku_key(sku)) {
                Ok(Ok(key)) => key,
                _ => continue,
            };
            for near in self
                .services
                .store
                .catalogue_by_key(&key)
                .unwrap_or_default()
            {
                if !catalogue.iter().any(|p| p.sku == near.code) {
                    codes.push(near.code.clone());
                    catalogue.push(Product {
                        sku: near.code,
                        ean: near.ean,
                        available: floor_units(near.available),
                    });
                }
            }
        }
        let offers = self
            .services
            .store
            .offers_for(&codes)
            .unwrap_or_default()
            .into_iter()
            .map(|o| Offer {
                sku: o.sku,
                ean: o.ean,
            })
            .collect();
        Ok((catalogue, offers))
    }

    /// Stores the plan and syncs the exception queue with it.
    fn record_plan(&self, order_id: &str, plan: &OrderPlan) -> anyhow::Result<()> {
        let store = &self.services.store;
        store.set_order_plan(order_id, &plan_to_json(plan).to_string())?;
        for e in &plan.exceptions {
            outcome::raise_planned(store, e)?;
        }
        let cleared: Vec<&str> = ORDER_CODES
            .iter()
            .copied()
            .filter(|code| {
                !plan
                    .exceptions
                    .iter()
                    .any(|e| e.code == *code && e.subject == order_id)
            })
            .collect();
        store.resolve_cleared(order_id, &cleared)?;
        Ok(())
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
                let body = json!({
                    "order_lines": plan.lines.iter().map(|l| json!({"id": l.line_id, "accepted": l.accepted})).collect::<Vec<_>>(),
                });
                let entry = store.enqueue(
                    "or21",
                    order_id,
                    &format!("or21:{order_id}"),
                    &body.to_string(),
                )?;
                let (stage, counter) = if plan.action == Action::Accept {
                    (OrderStage::Accepted, &mut report.accepted)
                } else {
                    (OrderStage::Refused, &mut report.refused)
                };
                store.set_order_stage(order_id, stage)?;
                store.audit("or21.planned", order_id, &body.to_string())?;
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
        if stage == OrderStage::Created {
            return Ok(());
        }
        let key = format!("create_order:{order_id}");
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

    /// Finishes writes left by an earlier cycle or run. A sale not sent yet (or whose
    /// `create_order` never reached Fulfil, as a re-read shows) is planned again from the
    /// order as last read from John Lewis, so a change seen since (a cancellation, a cancelled
    /// line) is what reaches Fulfil. Returns the orders planned.
    async fn replay_outbox(
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
                    if self.sale_settled_by_reread(&entry, report).await? {
                        continue;
                    }
                    self.services.store.order(&entry.subject)?
                }
                _ => None,
            };
            match order {
                Some(order) => {
                    self.process(&order.order_id, &order.raw, report).await?;
                    planned.insert(order.order_id);
                }
                None => self.send(entry, report).await?,
            }
        }
        Ok(planned)
    }

    /// Settles a `create_order` whose outcome is unknown (the run stopped mid-call) by
    /// re-reading Fulfil: true when Fulfil has the sale (recorded as created) or cannot be
    /// read now (left for a later cycle); false, with the entry pending again, when the call
    /// never made the sale.
    async fn sale_settled_by_reread(
        &mut self,
        entry: &OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<bool> {
        let store = self.services.store.clone();
        let order_id = entry.subject.as_str();
        match self
            .services
            .fulfil
            .sale_by_channel_identifier(order_id)
            .await
        {
            Ok(Some(sale)) => {
                self.record_sale(entry, &sale, "create_order.confirmed_by_reread", report)?;
                Ok(true)
            }
            Ok(None) => {
                store.outbox_set(entry.id, OutboxState::Pending, None)?;
                Ok(false)
            }
            Err(e) => {
                outcome::unavailable(&store, "fulfil", &e)?;
                report.deferred += 1;
                Ok(true)
            }
        }
    }

    /// Records the Fulfil `sale` made by `entry` (a `create_order`), audited as `action`.
    fn record_sale(
        &self,
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
        store.resolve_cleared(order_id, &["fulfil_rejected"])?;
        outcome::reachable(store, "fulfil")?;
        report.created += 1;
        Ok(())
    }

    /// Sales Fulfil rejected are tried again once a person resolved the `fulfil_rejected`
    /// exception, having fixed the cause in Fulfil (a changed order is tried again anyway).
    fn retry_resolved_rejections(&self) -> anyhow::Result<()> {
        let store = &self.services.store;
        for entry in store.outbox_failed("create_order")? {
            let created = store
                .order(&entry.subject)?
                .is_some_and(|o| o.stage == OrderStage::Created);
            if !created && !store.exception_open("fulfil_rejected", &entry.subject)? {
                store.outbox_set(entry.id, OutboxState::Pending, None)?;
                store.audit(
                    "create_order.retried",
                    &entry.subject,
                    "fulfil_rejected resolved",
                )?;
            }
        }
        Ok(())
    }

    /// Sends one outbox entry (after a re-read when its outcome is unknown).
    async fn send(&mut self, entry: OutboxEntry, report: &mut CycleReport) -> anyhow::Result<()> {
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
    async fn send_or21(
        &mut self,
        entry: OutboxEntry,
        report: &mut CycleReport,
    ) -> anyhow::Result<()> {
        let store = self.services.store.clone();
        let order_id = entry.subject.clone();
        if entry.state == OutboxState::Sending && self.or21_already_applied(&order_id).await? {
            store.outbox_set(entry.id, OutboxState::Done, None)?;
            store.audit("or21.confirmed_by_reread", &order_id, "")?;
            return Ok(());
        }
        let lines: Vec<(String, bool)> = serde_json::from_str::<Value>(&entry.body)
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
            .collect();
        store.outbox_sending(entry.id)?;
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
                if self.or21_already_applied(&order_id).await? {
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

    /// True when the order is no longer awaiting acceptance on John Lewis (OR21 took effect).
    async fn or21_already_applied(&mut self, order_id: &str) -> anyhow::Result<bool> {
        let orders = self
            .services
            .mirakl
            .orders_by_ids(&[order_id.to_string()])
            .await
            .map_err(|e| anyhow::anyhow!("re-read order {order_id}: {e}"))?;
        Ok(orders
            .iter()
            .find(|o| o.get("order_id").and_then(Value::as_str) == Some(order_id))
            .and_then(|o| o.get("order_state").and_then(Value::as_str))
            .is_some_and(|state| state != "WAITING_ACCEPTANCE"))
    }

    /// `create_order` (idempotent in Fulfil on `channel_identifier`).
    async fn send_create_order(
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
                return Ok(());
            }
        };
        store.outbox_sending(entry.id)?;
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
            Err(e) => {
                let error = outcome::unavailable(&store, "fulfil", &e)?;
                store.outbox_set(entry.id, OutboxState::Pending, Some(&error))?;
                report.deferred += 1;
            }
        }
        Ok(())
    }
}

/// True when an order at `stage`, in Mirakl state `mirakl_state`, still waits for the
/// connector: held for a person; awaiting acceptance but never decided (its planning could not
/// finish); or paid and not yet in Fulfil, however it was decided (here, in part, or on John
/// Lewis by a person).
fn waiting(stage: OrderStage, mirakl_state: &str) -> bool {
    match stage {
        OrderStage::Held => true,
        OrderStage::New => matches!(mirakl_state, "WAITING_ACCEPTANCE" | "SHIPPING"),
        OrderStage::Accepted | OrderStage::Refused => mirakl_state == "SHIPPING",
        OrderStage::Created | OrderStage::Closed => false,
    }
}

/// Whole units available to promise (Fulfil quantities can be fractional or negative).
fn floor_units(quantity: f64) -> i64 {
    if quantity.is_finite() {
        quantity.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64
    } else {
        0
    }
}
