//! The `returns` interface: `plan-return`.

use super::exports::jlm::connector::returns as wit;
use super::{Component, exceptions, plan_error, requests, resolutions, wit_types};
use crate::returns::{self, ReturnInput, ReturnPolicy, ReturnedUnits, ShippedUnits};

fn policy(policy: wit::ReturnPolicy) -> ReturnPolicy {
    ReturnPolicy {
        window_days: policy.window_days,
        reasons: policy
            .reasons
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect(),
        tax_names: policy
            .tax_names
            .into_iter()
            .map(|t| (t.code, t.name))
            .collect(),
        unit_price_digits: policy.unit_price_digits,
    }
}

impl wit::Guest for Component {
    #[allow(clippy::too_many_arguments)]
    fn plan_return(
        order: String,
        mirakl_return: String,
        shipped: Vec<wit::ShippedUnits>,
        earlier: Vec<wit::ReturnedUnits>,
        sale_id: Option<i64>,
        return_policy: wit::ReturnPolicy,
        now: String,
        refusal: Option<String>,
    ) -> Result<wit::ReturnPlan, wit_types::PlanError> {
        let shipped: Vec<ShippedUnits> = shipped
            .into_iter()
            .map(|s| ShippedUnits {
                line_id: s.line_id,
                quantity: s.quantity,
            })
            .collect();
        let earlier: Vec<ReturnedUnits> = earlier
            .into_iter()
            .map(|e| ReturnedUnits {
                return_id: e.return_id,
                line_id: e.line_id,
                quantity: e.quantity,
            })
            .collect();
        let policy = policy(return_policy);
        let input = ReturnInput {
            shipped: &shipped,
            earlier: &earlier,
            sale_id,
            policy: &policy,
            now: &now,
            refusal: refusal.as_deref(),
        };
        let plan = returns::plan_return(&order, &mirakl_return, &input).map_err(plan_error)?;
        Ok(wit::ReturnPlan {
            return_id: plan.return_id,
            order_id: plan.order_id,
            commercial_id: plan.commercial_id,
            fulfil_return: plan.fulfil_return,
            requests: requests(plan.requests),
            exceptions: exceptions(plan.exceptions),
            resolves: resolutions(plan.resolves),
        })
    }
}
