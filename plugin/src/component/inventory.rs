//! The `inventory` interface: `plan-stock`, `reconcile-stock` and `order-holds`.

use super::exports::jlm::connector::inventory as inv;
use super::{Component, committed, exceptions, plan_error, resolutions, wit_types};
use crate::orders::commitments;
use crate::stock;

fn stock_levels(snapshot: Vec<inv::StockLevel>) -> Vec<stock::StockLevel> {
    snapshot
        .into_iter()
        .map(|l| stock::StockLevel {
            sku: l.sku,
            warehouse: l.warehouse,
            available: l.available,
        })
        .collect()
}

fn published(ledger: Vec<inv::Published>) -> Vec<stock::Published> {
    ledger
        .into_iter()
        .map(|p| stock::Published {
            sku: p.sku,
            warehouse: p.warehouse,
            quantity: p.quantity,
        })
        .collect()
}

fn stock_policy(policy: inv::StockPolicy) -> stock::StockPolicy {
    let d = policy.defaults;
    stock::StockPolicy {
        defaults: stock::StockRule {
            buffer: d.buffer,
            percent: i64::from(d.percent),
            max: d.max,
            zero_below: d.zero_below,
        },
        overrides: policy
            .overrides
            .into_iter()
            .map(|o| {
                (
                    o.sku,
                    stock::RuleOverride {
                        buffer: o.buffer,
                        percent: o.percent.map(i64::from),
                        max: o.max,
                        zero_below: o.zero_below,
                    },
                )
            })
            .collect(),
        exclude: policy.exclude.into_iter().collect(),
    }
}

fn stock_plan(plan: stock::StockPlan) -> inv::StockPlan {
    inv::StockPlan {
        csv: plan.csv,
        lines: plan
            .lines
            .into_iter()
            .map(|l| inv::StockLine {
                sku: l.sku,
                warehouse: l.warehouse,
                quantity: l.quantity,
                previous: l.previous,
            })
            .collect(),
        exceptions: exceptions(plan.exceptions),
        resolves: resolutions(plan.resolves),
    }
}

/// The offer mirror as the set `plan-stock` checks against.
fn known_offers(offers: &Option<Vec<String>>) -> Option<crate::common::fast_hash::FastSet<&str>> {
    offers
        .as_ref()
        .map(|o| o.iter().map(String::as_str).collect())
}

impl inv::Guest for Component {
    fn plan_stock(
        snapshot: Vec<inv::StockLevel>,
        ledger: Vec<inv::Published>,
        offers: Option<Vec<String>>,
        policy: inv::StockPolicy,
        held: Vec<wit_types::Committed>,
        full: bool,
    ) -> Result<inv::StockPlan, wit_types::PlanError> {
        let plan = stock::plan_stock(
            &stock_levels(snapshot),
            &published(ledger),
            known_offers(&offers).as_ref(),
            &stock_policy(policy),
            &committed(held),
            full,
        )
        .map_err(plan_error)?;
        Ok(stock_plan(plan))
    }

    fn reconcile_stock(
        snapshot: Vec<inv::StockLevel>,
        shown: Vec<inv::Published>,
        offers: Option<Vec<String>>,
        policy: inv::StockPolicy,
        held: Vec<wit_types::Committed>,
    ) -> Result<inv::StockPlan, wit_types::PlanError> {
        let plan = stock::reconcile_stock(
            &stock_levels(snapshot),
            &published(shown),
            known_offers(&offers).as_ref(),
            &stock_policy(policy),
            &committed(held),
        )
        .map_err(plan_error)?;
        Ok(stock_plan(plan))
    }

    fn order_holds(orders: Vec<inv::PendingOrder>) -> Vec<Vec<wit_types::Committed>> {
        orders
            .into_iter()
            .map(|o| {
                let pending = commitments::PendingOrder {
                    order: o.order,
                    refused_lines: o.refused_lines,
                };
                commitments::order_holds(&pending)
                    .into_iter()
                    .map(|c| wit_types::Committed {
                        sku: c.sku,
                        quantity: c.quantity,
                    })
                    .collect()
            })
            .collect()
    }
}
