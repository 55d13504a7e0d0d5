//! The jlm component: every business rule of the Fulfil ⇄ John Lewis connector.
//!
//! The modules are pure Rust, tested natively; the `wasm32` build exports them through the
//! WIT package in `wit/` (the glue at the bottom of this file is all that is wasm-specific).

pub mod country;
pub mod ean;
pub mod error;
pub mod exception;
pub mod fulfil_order;
pub mod mirakl_order;
pub mod money;
pub mod orders;
pub mod sku;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod component {
    //! wit-bindgen export glue: converts WIT records to the native types and back.

    use crate::exception::{Exception, Severity, Team};
    use crate::{error::PlanError, orders, sku};

    wit_bindgen::generate!({ path: "../wit", world: "connector" });

    use exports::jlm::connector::orders as wit;
    use exports::jlm::connector::types as wit_types;

    struct Component;

    fn team(team: Team) -> wit_types::Team {
        match team {
            Team::Operations => wit_types::Team::Operations,
            Team::Finance => wit_types::Team::Finance,
            Team::Ecommerce => wit_types::Team::Ecommerce,
        }
    }

    fn severity(severity: Severity) -> wit_types::Severity {
        match severity {
            Severity::Info => wit_types::Severity::Info,
            Severity::Warning => wit_types::Severity::Warning,
            Severity::Blocking => wit_types::Severity::Blocking,
        }
    }

    fn exception(e: Exception) -> wit_types::Exception {
        wit_types::Exception {
            code: e.code,
            team: team(e.team),
            severity: severity(e.severity),
            subject: e.subject,
            message: e.message,
        }
    }

    fn plan_error(e: PlanError) -> wit_types::PlanError {
        wit_types::PlanError {
            code: e.code,
            message: e.message,
        }
    }

    impl wit::Guest for Component {
        fn plan_order(
            order: String,
            catalogue: Vec<wit::Product>,
            offers: Vec<wit::Offer>,
            policy: wit::OrderPolicy,
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
            let policy = orders::OrderPolicy {
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
            };
            let plan = orders::plan_order(&order, &catalogue, &offers, &policy, &now)
                .map_err(plan_error)?;
            Ok(wit::OrderPlan {
                order_id: plan.order_id,
                commercial_id: plan.commercial_id,
                state: plan.state,
                action: match plan.action {
                    orders::Action::Accept => wit::Action::Accept,
                    orders::Action::Refuse => wit::Action::Refuse,
                    orders::Action::Hold => wit::Action::Hold,
                    orders::Action::None => wit::Action::None,
                },
                lines: plan
                    .lines
                    .into_iter()
                    .map(|l| wit::LineDecision {
                        line_id: l.line_id,
                        accepted: l.accepted,
                    })
                    .collect(),
                fulfil_order: plan.fulfil_order.map(|v| v.to_string()),
                total: plan.total.map(|m| wit_types::Money {
                    minor: m.minor,
                    currency: m.currency,
                }),
                exceptions: plan.exceptions.into_iter().map(exception).collect(),
            })
        }

        fn sku_key(sku: String) -> String {
            sku::sku_key(&sku)
        }
    }

    export!(Component);
}
