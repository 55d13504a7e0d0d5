//! The jlm component: every business rule of the Fulfil ⇄ John Lewis connector.
//!
//! The modules are pure Rust, tested natively; the `wasm32` build exports them through the
//! WIT package in `wit/` (the glue at the bottom of this file is all that is wasm-specific).

pub mod clocks;
pub mod commitments;
pub mod country;
pub mod dispatch;
pub mod ean;
pub mod error;
pub mod exception;
pub mod fast_hash;
pub mod fulfil_order;
pub mod json_bytes;
pub mod json_reader;
pub mod json_writer;
pub mod mirakl_order;
pub mod money;
pub mod orders;
pub mod sku;
pub mod stock;
pub mod stock_csv;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod component {
    //! wit-bindgen export glue: converts WIT records to the native types and back.

    use crate::exception::{Exception, Severity, Team};
    use crate::{clocks, commitments, dispatch, error::PlanError, orders, sku, stock};

    wit_bindgen::generate!({ path: "../wit", world: "connector" });

    use exports::jlm::connector::dispatch as dsp;
    use exports::jlm::connector::inventory as inv;
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
                currency: policy.currency,
                default_country: policy.default_country,
                tax_pass_through: policy.tax_pass_through,
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
                fulfil_order: plan.fulfil_order,
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
            exceptions: plan.exceptions.into_iter().map(exception).collect(),
        }
    }

    /// The offer mirror as the set `plan-stock` checks against.
    fn known_offers(offers: &Option<Vec<String>>) -> Option<crate::fast_hash::FastSet<&str>> {
        offers
            .as_ref()
            .map(|o| o.iter().map(String::as_str).collect())
    }

    impl exports::jlm::connector::inventory::Guest for Component {
        fn plan_stock(
            snapshot: Vec<inv::StockLevel>,
            ledger: Vec<inv::Published>,
            offers: Option<Vec<String>>,
            policy: inv::StockPolicy,
            full: bool,
        ) -> Result<inv::StockPlan, wit_types::PlanError> {
            let plan = stock::plan_stock(
                &stock_levels(snapshot),
                &published(ledger),
                known_offers(&offers).as_ref(),
                &stock_policy(policy),
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
        ) -> Result<inv::StockPlan, wit_types::PlanError> {
            let plan = stock::reconcile_stock(
                &stock_levels(snapshot),
                &published(shown),
                known_offers(&offers).as_ref(),
                &stock_policy(policy),
            )
            .map_err(plan_error)?;
            Ok(stock_plan(plan))
        }

        fn committed_stock(orders: Vec<inv::PendingOrder>) -> Vec<inv::Committed> {
            let orders: Vec<commitments::PendingOrder> = orders
                .into_iter()
                .map(|o| commitments::PendingOrder {
                    order: o.order,
                    refused_lines: o.refused_lines,
                })
                .collect();
            commitments::committed_stock(&orders)
                .into_iter()
                .map(|c| inv::Committed {
                    sku: c.sku,
                    quantity: c.quantity,
                })
                .collect()
        }
    }

    fn dispatch_policy(policy: dsp::DispatchPolicy) -> dispatch::DispatchPolicy {
        dispatch::DispatchPolicy {
            carriers: policy
                .carriers
                .into_iter()
                .map(|c| dispatch::CarrierMapping {
                    fulfil_carrier: c.fulfil_carrier,
                    fulfil_service: c.fulfil_service,
                    jl_code: c.jl_code,
                    tracking_format: c.tracking_format,
                    registered: c.registered,
                    name: c.name,
                    tracking_url_template: c.tracking_url_template,
                })
                .collect(),
            multi_shipment: policy.multi_shipment,
        }
    }

    impl exports::jlm::connector::dispatch::Guest for Component {
        fn plan_dispatch(
            order: String,
            shipment: dsp::Shipment,
            carriers: Option<String>,
            policy: dsp::DispatchPolicy,
            shipped: Vec<dsp::ShippedLine>,
        ) -> Result<dsp::DispatchPlan, wit_types::PlanError> {
            let shipment = dispatch::Shipment {
                id: shipment.id,
                order: shipment.order,
                carrier: shipment.carrier,
                service: shipment.service,
                tracking_number: shipment.tracking_number,
                lines: shipment
                    .lines
                    .into_iter()
                    .map(|l| dispatch::ShipmentLine {
                        line_id: l.line_id,
                        sku: l.sku,
                        quantity: l.quantity,
                    })
                    .collect(),
            };
            let policy = dispatch_policy(policy);
            let shipped: Vec<dispatch::ShippedLine> = shipped
                .into_iter()
                .map(|s| dispatch::ShippedLine {
                    line_id: s.line_id,
                    quantity: s.quantity,
                })
                .collect();
            let plan =
                dispatch::plan_dispatch(&order, &shipment, carriers.as_deref(), &policy, &shipped)
                    .map_err(plan_error)?;
            Ok(dsp::DispatchPlan {
                requests: plan
                    .requests
                    .into_iter()
                    .map(|r| dsp::MiraklRequest {
                        api: r.api,
                        path: r.path,
                        body: r.body.map(|b| b.to_string()),
                    })
                    .collect(),
                exceptions: plan.exceptions.into_iter().map(exception).collect(),
                complete: plan.complete,
            })
        }

        fn check_carrier(
            carrier: String,
            service: Option<String>,
            policy: dsp::DispatchPolicy,
            carriers: Option<String>,
        ) -> Result<dsp::CarrierCheck, wit_types::PlanError> {
            let check = dispatch::check_carrier(
                &carrier,
                service.as_deref(),
                &dispatch_policy(policy),
                carriers.as_deref(),
            )
            .map_err(plan_error)?;
            Ok(dsp::CarrierCheck {
                status: check.status,
                jl_code: check.jl_code,
                label: check.label,
            })
        }

        fn check_clocks(
            order: String,
            fulfil_shipped_at: Option<String>,
            now: String,
            policy: dsp::ClockPolicy,
        ) -> Result<Vec<wit_types::Exception>, wit_types::PlanError> {
            let policy = clocks::ClockPolicy {
                acceptance_window_minutes: policy.acceptance_window_minutes,
                acceptance_margin_minutes: policy.acceptance_margin_minutes,
                dispatch_margin_minutes: policy.dispatch_margin_minutes,
                unconfirmed_after_minutes: policy.unconfirmed_after_minutes,
            };
            let exceptions =
                clocks::check_clocks(&order, fulfil_shipped_at.as_deref(), &now, &policy)
                    .map_err(plan_error)?;
            Ok(exceptions.into_iter().map(exception).collect())
        }
    }

    export!(Component);
}
