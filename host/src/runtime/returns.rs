//! Typed calls of the component's `returns` interface (`plan-return`, `plan-refund`) and of
//! its `cancellations` interface (`plan-cancel`).

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::cancellations::{CancelPlan, CancelPolicy, FulfilSale, ShippedLine};
use crate::domain::returns::{
    Receipt, RefundPlan, RefundPolicy, ReturnInput, ReturnPlan, ReturnedUnits,
};
use crate::domain::types::PlanError;

/// Deadline for planning one return, refund or cancellation.
const PLAN_RETURN_DEADLINE: Duration = Duration::from_secs(2);

impl Session {
    /// Plans one RT11 return (`mirakl_return`, JSON text) of the OR11 `order` as stored.
    pub fn plan_return(
        &mut self,
        order: &str,
        mirakl_return: &str,
        input: &ReturnInput,
    ) -> Result<Result<ReturnPlan, PlanError>, PluginFault> {
        let shipped: Vec<_> = input.shipped.to_vec().cross();
        let earlier: Vec<_> = input.earlier.to_vec().cross();
        let policy = input.policy.clone().cross();
        self.call("plan-return", PLAN_RETURN_DEADLINE, |instance, store| {
            instance.jlm_connector_returns().call_plan_return(
                store,
                order,
                mirakl_return,
                &shipped,
                &earlier,
                input.sale_id,
                &policy,
                input.now,
                input.refusal,
            )
        })
        .map(Cross::cross)
    }

    /// Plans the refund of one RT11 return of the OR11 `order` as John Lewis shows it now.
    pub fn plan_refund(
        &mut self,
        order: &str,
        mirakl_return: &str,
        receipt: &Receipt,
        refunded: &[ReturnedUnits],
        policy: &RefundPolicy,
    ) -> Result<Result<RefundPlan, PlanError>, PluginFault> {
        let receipt = receipt.clone().cross();
        let refunded: Vec<_> = refunded.to_vec().cross();
        let policy = policy.clone().cross();
        self.call("plan-refund", PLAN_RETURN_DEADLINE, |instance, store| {
            instance.jlm_connector_returns().call_plan_refund(
                store,
                order,
                mirakl_return,
                &receipt,
                &refunded,
                &policy,
            )
        })
        .map(Cross::cross)
    }

    /// Plans what the OR11 `order` and its Fulfil `sale` need to agree again.
    pub fn plan_cancel(
        &mut self,
        order: &str,
        sale: &FulfilSale,
        shipped: &[ShippedLine],
        policy: &CancelPolicy,
    ) -> Result<Result<CancelPlan, PlanError>, PluginFault> {
        let sale = sale.clone().cross();
        let shipped: Vec<_> = shipped.to_vec().cross();
        let policy = policy.clone().cross();
        self.call("plan-cancel", PLAN_RETURN_DEADLINE, |instance, store| {
            instance
                .jlm_connector_cancellations()
                .call_plan_cancel(store, order, &sale, &shipped, &policy)
        })
        .map(Cross::cross)
    }
}
