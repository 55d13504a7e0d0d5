//! The `rereads` interface: whether a request whose outcome was unknown took effect. Routes
//! each request to the flow that made it (OR21: orders; OR23, OR24, ST01: dispatch; RT21,
//! RT25, RT26: returns; OR29: cancellations; OR28 and OR30 are found on the order's lines).

use serde_json::Value;

use super::Component;
use super::exports::jlm::connector::rereads as wit;
use super::wit_types::MiraklRequest;
use crate::cancellations::reread::order_cancelled;
use crate::common::mirakl_order::all_listed;
use crate::dispatch::reread::{order_shipped, shipment_listed, tracking_applied};
use crate::orders::reread::decision_applied;
use crate::returns::reread::return_request_applied;

impl wit::Guest for Component {
    fn request_applied(request: MiraklRequest, shown: String) -> bool {
        let list = match request.api.as_str() {
            "OR28" => Some("refunds"),
            "OR30" => Some("cancelations"),
            _ => None,
        };
        if let Some(list) = list {
            return all_listed(&shown, request.body.as_deref().unwrap_or_default(), list);
        }
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
            "OR29" => order_cancelled(&shown),
            "RT21" | "RT25" | "RT26" => return_request_applied(&request.api, &shown, &body),
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
