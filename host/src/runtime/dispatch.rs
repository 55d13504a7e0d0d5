//! Typed calls of the component's `dispatch` interface.

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::dispatch::{
    CarrierCheck, ClockPolicy, DispatchPlan, DispatchPolicy, Shipment, ShippedLine,
};
use crate::domain::types::{Exception, PlanError, Resolution};

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
        let shipment = shipment.clone().cross();
        let policy = policy.clone().cross();
        let shipped: Vec<_> = shipped.to_vec().cross();
        self.call(
            "plan-dispatch",
            PLAN_DISPATCH_DEADLINE,
            |instance, store| {
                instance
                    .jlm_connector_dispatch()
                    .call_plan_dispatch(store, order, &shipment, carriers, &policy, &shipped)
            },
        )
        .map(Cross::cross)
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
        let policy = policy.clone().cross();
        self.call("check-carrier", CHECK_DEADLINE, |instance, store| {
            instance
                .jlm_connector_dispatch()
                .call_check_carrier(store, carrier, service, &policy, carriers)
        })
        .map(Cross::cross)
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
                policy.cross(),
            )
        })
        .map(Cross::cross)
    }

    /// The codes the clocks raise, to settle those no check raised again.
    pub fn clock_codes(&mut self) -> Result<Resolution, PluginFault> {
        self.call("clock-codes", CHECK_DEADLINE, |instance, store| {
            instance.jlm_connector_dispatch().call_clock_codes(store)
        })
        .map(Cross::cross)
    }
}
