//! The `orders` interface: `plan-order`, `sku-keys` and `still-waiting`.

use super::exports::jlm::connector::orders as wit;
use super::{Component, committed, exceptions, plan_error, requests, resolutions, wit_types};
use crate::orders::waiting::{OrderStage, still_waiting};
use crate::orders::{self, sku};

fn policy(policy: wit::OrderPolicy) -> orders::OrderPolicy {
    orders::OrderPolicy {
        refuse_out_of_stock: policy.refuse_out_of_stock,
        gift_message_order_codes: policy.gift_message_order_codes,
        gift_message_line_codes: policy.gift_message_line_codes,
        tax_names: policy
            .tax_names
            .into_iter()
            .map(|t| (t.code, t.name))
            .collect(),
        acceptance_window_minutes: policy.acceptance_window_minutes,
        unit_price_digits: policy.unit_price_digits,
        currency: policy.currency,
        default_country: policy.default_country,
        tax_pass_through: policy.tax_pass_through,
    }
}

fn action(action: orders::Action) -> wit::Action {
    match action {
        orders::Action::Accept => wit::Action::Accept,
        orders::Action::Refuse => wit::Action::Refuse,
        orders::Action::Hold => wit::Action::Hold,
        orders::Action::None => wit::Action::None,
    }
}

impl wit::Guest for Component {
    fn plan_order(
        order: String,
        catalogue: Vec<wit::Product>,
        offers: Vec<wit::Offer>,
        held: Vec<wit_types::Committed>,
        order_policy: wit::OrderPolicy,
        now: String,
    ) -> Result<wit::OrderPlan, wit_types::PlanError> {
        let catalogue: Vec<orders::Product> = catalogue
            .into_iter()
            .map(|p| orders::Product {
                sku: p.sku,
                ean: p.ean,
                available: p.available,
            })
            .collect();
        let offers: Vec<orders::Offer> = offers
            .into_iter()
            .map(|o| orders::Offer {
                sku: o.sku,
                ean: o.ean,
            })
            .collect();
        let plan = orders::plan_order(
            &order,
            &catalogue,
            &offers,
            &committed(held),
            &policy(order_policy),
            &now,
        )
        .map_err(plan_error)?;
        Ok(wit::OrderPlan {
            order_id: plan.order_id,
            commercial_id: plan.commercial_id,
            state: plan.state,
            action: action(plan.action),
            lines: plan
                .lines
                .into_iter()
                .map(|l| wit::LineDecision {
                    line_id: l.line_id,
                    accepted: l.accepted,
                })
                .collect(),
            fulfil_order: plan.fulfil_order,
            total: plan.total.map(|m| wit_types::Money {
                minor: m.minor,
                currency: m.currency,
            }),
            exceptions: exceptions(plan.exceptions),
            requests: requests(plan.requests),
            resolves: resolutions(plan.resolves),
        })
    }

    fn sku_keys(skus: Vec<String>) -> Vec<String> {
        sku::sku_keys(&skus)
    }

    fn still_waiting(orders: Vec<wit::StoredOrder>) -> Vec<bool> {
        orders
            .iter()
            .map(|o| still_waiting(stage(o.stage), &o.state))
            .collect()
    }
}

fn stage(stage: wit::OrderStage) -> OrderStage {
    match stage {
        wit::OrderStage::New => OrderStage::New,
        wit::OrderStage::Held => OrderStage::Held,
        wit::OrderStage::Accepted => OrderStage::Accepted,
        wit::OrderStage::Refused => OrderStage::Refused,
        wit::OrderStage::Created => OrderStage::Created,
        wit::OrderStage::Closed => OrderStage::Closed,
    }
}
