//! Typed calls of the component's `dispatch` interface.

use std::time::Duration;

use serde_json::{Value, json};

use super::exports::jlm::connector::dispatch::{
    CarrierCheck, ClockPolicy, DispatchPlan, DispatchPolicy, Shipment, ShippedLine,
};
use super::exports::jlm::connector::types::{Exception, PlanError, Resolution};
use super::{PluginFault, Session, exceptions_to_json, requests_to_json, resolutions_to_json};

/// Deadline for planning one shipment.
const PLAN_DISPATCH_DEADLINE: Duration = Duration::from_secs(2);
/// Deadline for checking one carrier or the clocks of one order.
const CHECK_DEADLINE: Duration = Duration::from_secs(1);

impl Session {
    /// Plans the Mirakl calls for one Fulfil shipment. `order` is one OR11 order object (raw
    /// JSON), `carriers` the SH21 response body (`None` skips the approved-carrier check),
    /// `shipped` the units confirmed by earlier shipments of the order.
    pub fn plan_dispatch(
        &mut self,
        order: &str,
        shipment: &Shipment,
        carriers: Option<&str>,
        policy: &DispatchPolicy,
        shipped: &[ShippedLine],
    ) -> Result<Result<DispatchPlan, PlanError>, PluginFault> {
        self.call(
            "plan-dispatch",
            PLAN_DISPATCH_DEADLINE,
            |instance, store| {
                instance
                    .jlm_connector_dispatch()
                    .call_plan_dispatch(store, order, shipment, carriers, policy, shipped)
            },
        )
    }

    /// Checks one Fulfil carrier and service against the carrier table and, with `carriers`
    /// (the SH21 response body), John Lewis' approved list: `status` "mapped", "unmapped" or
    /// "not_approved" (`jlm carriers check`).
    pub fn check_carrier(
        &mut self,
        carrier: &str,
        service: Option<&str>,
        policy: &DispatchPolicy,
        carriers: Option<&str>,
    ) -> Result<Result<CarrierCheck, PlanError>, PluginFault> {
        self.call("check-carrier", CHECK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_dispatch()
                .call_check_carrier(store, carrier, service, policy, carriers)
        })
    }

    /// The clock exceptions due at `now` (RFC 3339) for one stored OR11 order object (raw
    /// JSON): `acceptance_overdue`, `dispatch_overdue`, `dispatch_unconfirmed`.
    /// `fulfil_shipped_at` is when Fulfil's last shipment of the order was sent to John Lewis.
    pub fn check_clocks(
        &mut self,
        order: &str,
        fulfil_shipped_at: Option<&str>,
        now: &str,
        policy: ClockPolicy,
    ) -> Result<Result<Vec<Exception>, PlanError>, PluginFault> {
        self.call("check-clocks", CHECK_DEADLINE, |instance, store| {
            instance.jlm_connector_dispatch().call_check_clocks(
                store,
                order,
                fulfil_shipped_at,
                now,
                policy,
            )
        })
    }

    /// The codes the clocks raise, to settle those no check raised again.
    pub fn clock_codes(&mut self) -> Result<Resolution, PluginFault> {
        self.call("clock-codes", CHECK_DEADLINE, |instance, store| {
            instance.jlm_connector_dispatch().call_clock_codes(store)
        })
    }
}

/// The `jlm plan dispatch` JSON of a plan: `{"requests": [{"api", "path", "body"}],
/// "exceptions": [...], "complete": bool}`, each body parsed back to JSON (`null` for none).
pub fn dispatch_plan_to_json(plan: &DispatchPlan) -> Value {
    json!({
        "requests": requests_to_json(&plan.requests),
        "exceptions": exceptions_to_json(&plan.exceptions),
        "complete": plan.complete,
        "resolves": resolutions_to_json(&plan.resolves),
    })
}
