//! ST11: the shipments of an order (multi-shipment), read back to settle an ST01 whose
//! outcome is unknown before anything is sent again.

use reqwest::Method;
use serde_json::Value;

use super::client::Client;
use crate::http::ApiError;

/// Most ST11 pages read for one order before giving up (guards against a server whose
/// `next_page_token` never ends).
const MAX_PAGES: usize = 1_000;

impl Client {
    /// ST11: every shipment of `order_id`, as raw objects, following `next_page_token` (seek
    /// paging: a token carries the other parameters, so it is sent alone). Idempotent (a
    /// read), paced by the call pacer.
    pub async fn shipments_of_order(&self, order_id: &str) -> Result<Vec<Value>, ApiError> {
        let mut shipments = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let query: Vec<(&str, &str)> = match &token {
                Some(token) => vec![("page_token", token.as_str())],
                None => vec![("order_id", order_id)],
            };
            let page = self
                .request_json(Method::GET, &["api", "shipments"], &query, None, true)
                .await?;
            let Some(data) = page.get("data").and_then(Value::as_array) else {
                return Err(ApiError::Decode {
                    reason: "ST11 answered without a `data` array".into(),
                });
            };
            shipments.extend(data.iter().cloned());
            match page.get("next_page_token").and_then(Value::as_str) {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next) => {
                    token = Some(next.to_string());
                }
                _ => return Ok(shipments),
            }
        }
        Err(ApiError::Decode {
            reason: format!("ST11 for order {order_id} did not end after {MAX_PAGES} pages"),
        })
    }
}
