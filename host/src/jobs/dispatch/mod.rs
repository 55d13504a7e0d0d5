//! The dispatch job: Fulfil shipments done (by `write_date` cursor) → `plan-dispatch` →
//! OR23/OR24 (or ST01) → confirmed by re-reading the order on John Lewis.
//!
//! Each planned request is recorded in the outbox under a key unique to the shipment before
//! it is sent. OR24 is not idempotent: when its outcome is unknown, or John Lewis rejects it,
//! the order is re-read first; an order already `SHIPPED` means it took effect.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::domain::dispatch::{Shipment, ShipmentLine, ShippedLine};
use crate::domain::exceptions::{
    Fact, OrphanedShipment, RefusedRequest, Service, ShipmentSent, Unusable,
};
use crate::domain::types::{PlanError, Severity};
use crate::fulfil::FulfilShipment;
use crate::http::ApiError;
use crate::jobs::order_map::remember;
use crate::jobs::outcome::{Reporter, settle};
use crate::jobs::{Services, later, overlapped};
use crate::runtime::Plugin;
use crate::store::{OutboxState, ShipmentState};

mod clocks;
mod context;
mod in_doubt;
mod send;

/// Cursor: highest Fulfil `write_date` of the shipments read.
const CURSOR: &str = "fulfil.shipments.write_date";
/// Cursor: the cached SH21 body and when it was fetched.
const CARRIERS: &str = "sh21.carriers";
const CARRIERS_AT: &str = "sh21.fetched_at";
/// How long the SH21 cache is trusted (Mirakl: once per day).
const CARRIERS_MAX_AGE: chrono::Duration = chrono::Duration::hours(24);

/// What one cycle did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Shipments read from Fulfil.
    pub fetched: usize,
    /// Shipments whose requests were all sent.
    pub sent: usize,
    /// Shipments held by a blocking exception.
    pub blocked: usize,
    /// Shipments left for a later cycle.
    pub deferred: usize,
}

/// The dispatch job.
pub struct DispatchJob {
    services: Services,
    plugin: Plugin,
    reporter: Reporter,
}

impl DispatchJob {
    /// A job over `services`.
    pub fn new(services: Services) -> DispatchJob {
        DispatchJob {
            plugin: Plugin::new(services.runtime.clone()),
            reporter: Reporter::new(services.store.clone(), services.runtime.clone()),
            services,
        }
    }

    /// Where a read starts: `cursor` less `[dispatch] overlap` (the cursor itself when it is
    /// not a readable time; Fulfil then refuses it and the cycle reports why).
    fn read_from(&self, cursor: &str) -> String {
        match overlapped(cursor, self.services.config.dispatch.overlap.0) {
            Some(at) => at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            None => cursor.to_string(),
        }
    }

    /// One cycle: refresh carriers if due, read shipments done since the cursor, plan and
    /// send each, re-plan blocked ones, confirm sent ones, advance the cursor.
    pub async fn run_cycle(&mut self) -> anyhow::Result<DispatchReport> {
        let mut report = DispatchReport::default();
        let carriers = self.carriers(false).await?;
        let cursor = self.services.store.cursor(CURSOR)?;
        let since = cursor.as_deref().map(|c| self.read_from(c));
        let shipments = match self
            .services
            .fulfil
            .shipments_done_since(since.as_deref())
            .await
        {
            Ok(shipments) => {
                self.reporter.reachable(Service::Fulfil).await?;
                shipments
            }
            Err(e) => {
                self.reporter.unavailable(Service::Fulfil, &e).await?;
                return Err(anyhow::anyhow!("read Fulfil shipments: {e}"));
            }
        };
        report.fetched = shipments.len();
        let mut high_water = cursor;
        for shipment in &shipments {
            if high_water
                .as_deref()
                .is_none_or(|h| later(&shipment.write_date, h))
            {
                high_water = Some(shipment.write_date.clone());
            }
            let state = self.services.store.shipment(shipment.id)?.map(|s| s.state);
            if matches!(state, Some(ShipmentState::Done | ShipmentState::Sent)) {
                continue;
            }
            self.process(shipment, carriers.as_deref(), &mut report)
                .await?;
        }
        if let Some(h) = high_water {
            self.services.store.set_cursor(CURSOR, &h)?;
        }
        // Blocked and unfinished shipments are planned again: a person may have fixed the
        // carrier table or the shipment since.
        let seen: Vec<i64> = shipments.iter().map(|s| s.id).collect();
        let mut again = self.services.store.shipments_in(ShipmentState::Blocked)?;
        again.extend(self.services.store.shipments_in(ShipmentState::Pending)?);
        for record in again.into_iter().filter(|r| !seen.contains(&r.shipment_id)) {
            if let Ok(shipment) = serde_json::from_str::<FulfilShipment>(&record.source) {
                self.process(&shipment, carriers.as_deref(), &mut report)
                    .await?;
            }
        }
        self.confirm_sent().await?;
        Ok(report)
    }

    /// Plans and sends one shipment.
    async fn process(
        &mut self,
        shipment: &FulfilShipment,
        carriers: Option<&str>,
        report: &mut DispatchReport,
    ) -> anyhow::Result<()> {
        let Some(order_id) = shipment.order.clone() else {
            return Ok(()); // not a John Lewis sale
        };
        if self.services.store.order(&order_id)?.is_none() {
            return Ok(()); // an order this connector never imported
        }
        let store = self.services.store.clone();
        let planned = Shipment {
            id: shipment.id,
            order: order_id.clone(),
            carrier: shipment.carrier.clone().unwrap_or_default(),
            service: shipment.service.clone(),
            tracking_number: shipment.tracking_number.clone(),
            lines: shipment
                .lines
                .iter()
                .map(|l| ShipmentLine {
                    line_id: l.line_id.clone().unwrap_or_default(),
                    sku: l.sku.clone(),
                    quantity: l.quantity.round() as i64,
                })
                .collect(),
        };
        let source = serde_json::to_string(shipment)?;
        let lines_json = json!(
            planned
                .lines
                .iter()
                .map(|l| json!({"line_id": l.line_id, "quantity": l.quantity}))
                .collect::<Vec<_>>()
        )
        .to_string();
        let save = |state: ShipmentState, plan: &str, complete: bool| {
            store.save_shipment(
                shipment.id,
                &order_id,
                state,
                shipment.carrier.as_deref(),
                shipment.service.as_deref(),
                &lines_json,
                &source,
                plan,
                complete,
                &shipment.write_date,
            )
        };
        // Recorded before anything can defer it: a cycle that cannot finish it (John Lewis
        // unreachable, a component fault) leaves it pending, to be tried again next cycle
        // however far the cursor has moved.
        save(ShipmentState::Pending, "", false)?;
        let order = match self.services.mirakl.order_by_id(&order_id).await {
            Ok(order) => order,
            Err(e) => {
                self.reporter.unavailable(Service::Mirakl, &e).await?;
                report.deferred += 1;
                return Ok(());
            }
        };
        let Some(order) = order else {
            let fact = Fact::ShipmentOrphaned(OrphanedShipment {
                shipment_id: shipment.id.to_string(),
                order_id: order_id.clone(),
            });
            self.reporter.fact(fact).await?;
            save(ShipmentState::Blocked, "", false)?;
            return Ok(());
        };
        remember(&store, &order_id, &order)?;
        let raw = order.json().to_string();

        if !self
            .settle_in_doubt(&order_id, &shipment.id.to_string(), order.json())
            .await?
        {
            report.deferred += 1;
            return Ok(());
        }
        let shipped = self.shipped_before(&order_id, shipment.id)?;
        let policy = self.services.config.dispatch_policy();
        let sid = shipment.id.to_string();
        let carriers = carriers.map(str::to_string);
        let planned = self
            .plugin
            .call(&format!("shipment {sid}"), move |session| {
                session.plan_dispatch(&raw, &planned, carriers.as_deref(), &policy, &shipped)
            })
            .await?;
        let plan = match planned {
            Ok(Ok(plan)) => plan,
            Ok(Err(e)) => {
                let fact = Fact::ShipmentUnusable(Unusable {
                    subject: sid.clone(),
                    order_id: order_id.clone(),
                    error: PlanError {
                        code: e.code,
                        message: e.message,
                    },
                });
                self.reporter.fact(fact).await?;
                save(ShipmentState::Blocked, "", false)?;
                report.blocked += 1;
                return Ok(());
            }
            Err(fault) => {
                self.reporter.plugin_fault(
                    &sid,
                    &fault,
                    "Nothing was sent to John Lewis for the shipment; it is planned again on the next cycle.",
                )?;
                return Ok(());
            }
        };
        settle(&store, &plan.exceptions, &plan.resolves)?;
        let plan_json = plan.to_json();
        let blocked = plan
            .exceptions
            .iter()
            .any(|e| e.severity == Severity::Blocking);
        let state = if blocked {
            ShipmentState::Blocked
        } else {
            ShipmentState::Pending
        };
        save(state, &plan_json, plan.complete)?;
        if blocked {
            report.blocked += 1;
            return Ok(());
        }
        self.send_plan(shipment, &order_id, &plan, report).await
    }
}
