//! A Fulfil call a plan asks for besides creating a sale, exactly as the host sends it.

use serde::Serialize;

use crate::common::json_writer::{as_raw_json, to_json};

/// One Fulfil call to make, in plan order: `PUT` of `path` with `body`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FulfilRequest {
    /// What it does: "sale.cancel" (cancel a sale) or "sale.line.write" (change lines).
    pub call: String,
    /// Path below the API root (`…/api/v2`), e.g. "/model/sale.sale/4711/cancel".
    pub path: String,
    /// JSON body text (positional arguments), or `None` for calls without one.
    #[serde(serialize_with = "as_raw_json")]
    pub body: Option<String>,
}

impl FulfilRequest {
    /// Cancels sale `sale_id`.
    pub fn cancel_sale(sale_id: i64) -> FulfilRequest {
        FulfilRequest {
            call: "sale.cancel".into(),
            path: format!("/model/sale.sale/{sale_id}/cancel"),
            body: None,
        }
    }

    /// Sets sale line `line_id` to `quantity` units.
    pub fn set_line_quantity(line_id: i64, quantity: i64) -> FulfilRequest {
        FulfilRequest {
            call: "sale.line.write".into(),
            path: "/model/sale.line/write".into(),
            body: Some(to_json(
                &(vec![line_id], serde_json::json!({ "quantity": quantity })),
                64,
            )),
        }
    }
}
