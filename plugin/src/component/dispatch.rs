//! The `dispatch` interface: `plan-dispatch`, `check-carrier`, `check-clocks`, `clock-codes`.

use super::exports::jlm::connector::dispatch as dsp;
use super::{Component, exceptions, plan_error, requests, resolutions, wit_types};
use crate::dispatch::{self, clocks};

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

impl dsp::Guest for Component {
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
            requests: requests(plan.requests),
            exceptions: exceptions(plan.exceptions),
            complete: plan.complete,
            resolves: resolutions(plan.resolves),
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
        let due = clocks::check_clocks(&order, fulfil_shipped_at.as_deref(), &now, &policy)
            .map_err(plan_error)?;
        Ok(exceptions(due))
    }

    fn clock_codes() -> wit_types::Resolution {
        let codes = clocks::clock_codes();
        wit_types::Resolution {
            codes: codes.codes,
            subject: codes.subject,
        }
    }
}
