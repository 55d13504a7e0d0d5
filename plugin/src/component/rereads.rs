//! The `rereads` interface: whether a request whose outcome was unknown took effect. Routes
//! each request to the flow that made it (OR21: orders; OR23, OR24, ST01: dispatch).

use serde_json::Value;

use super::Component;
use super::exports::jlm::connector::rereads as wit;
use super::wit_types::MiraklRequest;
use crate::dispatch::reread::{order_shipped, shipment_listed, tracking_applied};
use crate::orders::reread::decision_applied;

impl wit::Guest for Component {
    fn request_applied(request: MiraklRequest, shown: String) -> bool {
        let body: Value = request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(Value::Null);
        let Ok(shown) = serde_json::from_str::<Value>(&shown) else {
            return false;
        };
        match request.api.as_str() {
            "OR21" => decision_applied(&shown, &body),
            "OR23" => tracking_applied(&shown, &body),
            "OR24" => order_shipped(&shown),
            "ST01" => shown
                .as_array()
                .is_some_and(|shipments| shipment_listed(shipments, &body)),
            _ => false,
        }
    }

    fn order_shipped(order: String) -> bool {
        serde_json::from_str(&order).is_ok_and(|order: Value| order_shipped(&order))
    }
}
