//! Typed calls of the component's `rereads` interface: whether a request whose outcome was
//! unknown took effect, judged from what John Lewis shows when read again.

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::types::MiraklRequest;

/// Deadline for one judgement.
const REREAD_DEADLINE: Duration = Duration::from_secs(1);

impl Session {
    /// True when `shown` (the OR11 order for OR21, OR23 and OR24; the order's ST11 shipments,
    /// a JSON array, for ST01) proves `request` took effect.
    pub fn request_applied(
        &mut self,
        request: &MiraklRequest,
        shown: &str,
    ) -> Result<bool, PluginFault> {
        let request = request.clone().cross();
        self.call("request-applied", REREAD_DEADLINE, |instance, store| {
            instance
                .jlm_connector_rereads()
                .call_request_applied(store, &request, shown)
        })
    }

    /// True when the OR11 `order` is shipped or later on John Lewis.
    pub fn order_shipped(&mut self, order: &str) -> Result<bool, PluginFault> {
        self.call("order-shipped", REREAD_DEADLINE, |instance, store| {
            instance
                .jlm_connector_rereads()
                .call_order_shipped(store, order)
        })
    }
}
