//! Typed calls of the component's `inventory` interface.

use std::time::Duration;

use serde_json::{Value, json};

use super::exports::jlm::connector::inventory::{
    PendingOrder, Published, StockLevel, StockPlan, StockPolicy,
};
use super::exports::jlm::connector::types::{Committed, PlanError};
use super::{PluginFault, Session, exceptions_to_json, resolutions_to_json};

/// Deadline for one stock plan (200,000 SKUs take well under a second).
const PLAN_STOCK_DEADLINE: Duration = Duration::from_secs(20);

impl Session {
    /// Plans a stock publication.
    pub fn plan_stock(
        &mut self,
        snapshot: &[StockLevel],
        ledger: &[Published],
        offers: Option<&[String]>,
        policy: &StockPolicy,
        committed: &[Committed],
        full: bool,
    ) -> Result<Result<StockPlan, PlanError>, PluginFault> {
        self.call("plan-stock", PLAN_STOCK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_inventory()
                .call_plan_stock(store, snapshot, ledger, offers, policy, committed, full)
        })
    }

    /// Plans the correction after a full comparison with what John Lewis shows.
    pub fn reconcile_stock(
        &mut self,
        snapshot: &[StockLevel],
        shown: &[Published],
        offers: Option<&[String]>,
        policy: &StockPolicy,
        committed: &[Committed],
    ) -> Result<Result<StockPlan, PlanError>, PluginFault> {
        self.call("reconcile-stock", PLAN_STOCK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_inventory()
                .call_reconcile_stock(store, snapshot, shown, offers, policy, committed)
        })
    }

    /// What each of `orders` holds on John Lewis, per offer SKU (one list per order).
    pub fn order_holds(
        &mut self,
        orders: &[PendingOrder],
    ) -> Result<Vec<Vec<Committed>>, PluginFault> {
        self.call("order-holds", PLAN_STOCK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_inventory()
                .call_order_holds(store, orders)
        })
    }
}

/// The `jlm plan stock` JSON of a plan.
pub fn stock_plan_to_json(plan: &StockPlan) -> Value {
    json!({
        "csv": plan.csv,
        "lines": plan.lines.iter().map(|l| {
            let mut line = json!({"sku": l.sku, "quantity": l.quantity, "previous": l.previous});
            if let Some(w) = &l.warehouse {
                line["warehouse"] = json!(w);
            }
            line
        }).collect::<Vec<_>>(),
        "exceptions": exceptions_to_json(&plan.exceptions),
        "resolves": resolutions_to_json(&plan.resolves),
    })
}
