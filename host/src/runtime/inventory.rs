//! Typed calls of the component's `inventory` interface.

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::inventory::{PendingOrder, Published, StockLevel, StockPlan, StockPolicy};
use crate::domain::types::{Committed, PlanError};

/// Deadline for one stock plan (200,000 SKUs take well under a second).
const PLAN_STOCK_DEADLINE: Duration = Duration::from_secs(20);

impl Session {
    /// Plans a stock publication. The snapshot and ledger move into the call (no copy).
    pub fn plan_stock(
        &mut self,
        snapshot: Vec<StockLevel>,
        ledger: Vec<Published>,
        offers: Option<&[String]>,
        policy: &StockPolicy,
        committed: &[Committed],
        full: bool,
    ) -> Result<Result<StockPlan, PlanError>, PluginFault> {
        let snapshot: Vec<_> = snapshot.cross();
        let ledger: Vec<_> = ledger.cross();
        let policy = policy.clone().cross();
        let committed: Vec<_> = committed.to_vec().cross();
        self.call("plan-stock", PLAN_STOCK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_inventory()
                .call_plan_stock(store, &snapshot, &ledger, offers, &policy, &committed, full)
        })
        .map(Cross::cross)
    }

    /// Plans the correction after a full comparison with what John Lewis shows.
    pub fn reconcile_stock(
        &mut self,
        snapshot: Vec<StockLevel>,
        shown: Vec<Published>,
        offers: Option<&[String]>,
        policy: &StockPolicy,
        committed: &[Committed],
    ) -> Result<Result<StockPlan, PlanError>, PluginFault> {
        let snapshot: Vec<_> = snapshot.cross();
        let shown: Vec<_> = shown.cross();
        let policy = policy.clone().cross();
        let committed: Vec<_> = committed.to_vec().cross();
        self.call("reconcile-stock", PLAN_STOCK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_inventory()
                .call_reconcile_stock(store, &snapshot, &shown, offers, &policy, &committed)
        })
        .map(Cross::cross)
    }

    /// What each of `orders` holds on John Lewis, per offer SKU (one list per order).
    pub fn order_holds(
        &mut self,
        orders: Vec<PendingOrder>,
    ) -> Result<Vec<Vec<Committed>>, PluginFault> {
        let orders: Vec<_> = orders.cross();
        self.call("order-holds", PLAN_STOCK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_inventory()
                .call_order_holds(store, &orders)
        })
        .map(Cross::cross)
    }
}
