//! Whether an OR29 whose outcome was unknown took effect: the order is cancelled on John
//! Lewis. (OR30 cancellations are found on their lines:
//! [`crate::common::mirakl_order::all_listed`].)

use serde_json::Value;

/// True when the OR11 `order` is cancelled.
pub fn order_cancelled(order: &Value) -> bool {
    order.get("order_state").and_then(Value::as_str) == Some("CANCELED")
}
