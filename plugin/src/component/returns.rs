//! The `returns` interface: `plan-return` and `plan-refund`.

use super::exports::jlm::connector::returns as wit;
use super::{Component, exceptions, plan_error, requests, resolutions, wit_types};
use crate::returns::refund::plan_refund;
use crate::returns::{
    self, Receipt, RefundPolicy, ReturnInput, ReturnPolicy, ReturnedUnits, ShippedUnits,
    ShippingRefund,
};

fn returned_units(list: Vec<wit::ReturnedUnits>) -> Vec<ReturnedUnits> {
    list.into_iter()
        .map(|e| ReturnedUnits {
            return_id: e.return_id,
            line_id: e.line_id,
            quantity: e.quantity,
        })
        .collect()
}

fn refund_policy(policy: wit::RefundPolicy) -> RefundPolicy {
    RefundPolicy {
        shipping: match policy.shipping {
            wit::ShippingRefund::Never => ShippingRefund::Never,
            wit::ShippingRefund::FullReturn => ShippingRefund::FullReturn,
            wit::ShippingRefund::ProRata => ShippingRefund::ProRata,
        },
        reason_code: policy.reason_code,
        non_compliance: policy
            .non_compliance
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect(),
        non_compliance_default: policy.non_compliance_default,
    }
}

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
        let earlier = returned_units(earlier);
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

    fn plan_refund(
        order: String,
        mirakl_return: String,
        receipt: wit::Receipt,
        refunded: Vec<wit::ReturnedUnits>,
        policy: wit::RefundPolicy,
    ) -> Result<wit::RefundPlan, wit_types::PlanError> {
        let receipt = Receipt {
            shipment: receipt.shipment,
            received: receipt.received,
            non_compliant: receipt
                .non_compliant
                .into_iter()
                .map(|i| (i.sku, i.note))
                .collect(),
        };
        let plan = plan_refund(
            &order,
            &mirakl_return,
            &receipt,
            &returned_units(refunded),
            &refund_policy(policy),
        )
        .map_err(plan_error)?;
        Ok(wit::RefundPlan {
            return_id: plan.return_id,
            order_id: plan.order_id,
            commercial_id: plan.commercial_id,
            requests: requests(plan.requests),
            refunds: plan
                .refunds
                .into_iter()
                .map(|r| wit::RefundedLine {
                    line_id: r.line_id,
                    quantity: r.quantity,
                    total: wit_types::Money {
                        minor: r.total.minor,
                        currency: r.total.currency,
                    },
                })
                .collect(),
            exceptions: exceptions(plan.exceptions),
            resolves: resolutions(plan.resolves),
        })
    }
}
