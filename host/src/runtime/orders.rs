//! Typed calls of the component's `orders` interface.

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::orders::{Offer, OrderPlan, OrderPolicy, Product, StoredOrder};
use crate::domain::types::{Committed, PlanError};

/// Deadline for planning one order.
const PLAN_ORDER_DEADLINE: Duration = Duration::from_secs(2);

/// Everything `plan-order` needs besides the order itself.
pub struct OrderInput<'a> {
    /// Fulfil products for the order's SKUs and their near-spellings.
    pub catalogue: &'a [Product],
    /// John Lewis offer mirror entries for them.
    pub offers: &'a [Offer],
    /// Units other orders without a Fulfil sale hold, per offer SKU.
    pub committed: &'a [Committed],
    /// Seller policy.
    pub policy: &'a OrderPolicy,
    /// RFC 3339 time of planning.
    pub now: &'a str,
}

impl Session {
    /// Plans one OR11 order: `order` is the order object's JSON text exactly as OR11 sent it.
    pub fn plan_order(
        &mut self,
        order: &str,
        input: &OrderInput,
    ) -> Result<Result<OrderPlan, PlanError>, PluginFault> {
        let catalogue: Vec<_> = input.catalogue.to_vec().cross();
        let offers: Vec<_> = input.offers.to_vec().cross();
        let committed: Vec<_> = input.committed.to_vec().cross();
        let policy = input.policy.clone().cross();
        self.call("plan-order", PLAN_ORDER_DEADLINE, |instance, store| {
            instance.jlm_connector_orders().call_plan_order(
                store, order, &catalogue, &offers, &committed, &policy, input.now,
            )
        })
        .map(Cross::cross)
    }

    /// The near-spelling keys of SKUs (trimmed, collapsed, case-folded), one per SKU.
    pub fn sku_keys(&mut self, skus: &[String]) -> Result<Vec<String>, PluginFault> {
        self.call("sku-keys", PLAN_ORDER_DEADLINE, |instance, store| {
            instance.jlm_connector_orders().call_sku_keys(store, skus)
        })
    }

    /// For each stored order, whether it still waits for the connector (planned again).
    pub fn still_waiting(&mut self, orders: Vec<StoredOrder>) -> Result<Vec<bool>, PluginFault> {
        let orders: Vec<_> = orders.cross();
        self.call("still-waiting", PLAN_ORDER_DEADLINE, |instance, store| {
            instance
                .jlm_connector_orders()
                .call_still_waiting(store, &orders)
        })
    }
}
