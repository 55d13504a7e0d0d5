//! The `cancellations` interface: `plan-cancel`.

use super::exports::jlm::connector::cancellations as wit;
use super::{Component, exceptions, plan_error, requests, resolutions, wit_types};
use crate::cancellations::{
    CancelPolicy, FulfilSale, FulfilSaleLine, ShippedLine, Side, plan_cancel,
};
use crate::common::fulfil_request::FulfilRequest;

fn fulfil_requests(list: Vec<FulfilRequest>) -> Vec<wit_types::FulfilRequest> {
    list.into_iter()
        .map(|r| wit_types::FulfilRequest {
            call: r.call,
            path: r.path,
            body: r.body,
        })
        .collect()
}

impl wit::Guest for Component {
    fn plan_cancel(
        order: String,
        sale: wit::FulfilSale,
        shipped: Vec<wit::ShippedLine>,
        policy: wit::CancelPolicy,
    ) -> Result<wit::CancelPlan, wit_types::PlanError> {
        let sale = FulfilSale {
            id: sale.id,
            cancelled: sale.cancelled,
            lines: sale
                .lines
                .into_iter()
                .map(|l| FulfilSaleLine {
                    id: l.id,
                    line_id: l.line_id,
                    quantity: l.quantity,
                })
                .collect(),
        };
        let shipped: Vec<ShippedLine> = shipped
            .into_iter()
            .map(|s| ShippedLine {
                line_id: s.line_id,
                quantity: s.quantity,
                shipment: s.shipment,
            })
            .collect();
        let policy = CancelPolicy {
            reason_code: policy.reason_code,
        };
        let plan = plan_cancel(&order, &sale, &shipped, &policy).map_err(plan_error)?;
        Ok(wit::CancelPlan {
            order_id: plan.order_id,
            commercial_id: plan.commercial_id,
            fulfil: fulfil_requests(plan.fulfil),
            requests: requests(plan.requests),
            lines: plan
                .lines
                .into_iter()
                .map(|l| wit::CancelledLine {
                    line_id: l.line_id,
                    side: match l.side {
                        Side::Fulfil => wit::CancelSide::Fulfil,
                        Side::JohnLewis => wit::CancelSide::JohnLewis,
                    },
                    quantity: l.quantity,
                })
                .collect(),
            exceptions: exceptions(plan.exceptions),
            resolves: resolutions(plan.resolves),
        })
    }
}
