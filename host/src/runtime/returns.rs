//! Typed calls of the component's `returns` interface.

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::returns::{ReturnInput, ReturnPlan};
use crate::domain::types::PlanError;

/// Deadline for planning one return.
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
}
