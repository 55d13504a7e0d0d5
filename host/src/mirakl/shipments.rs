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

/// True when `shipments` (ST11 `data`) hold the one shipment of the ST01 `body`: a shipment
/// of the same order with the same lines and quantities and, when the body gives one, the same
/// tracking number.
pub fn st01_applied(shipments: &[Value], body: &Value) -> bool {
    let Some(wanted) = body
        .get("shipments")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
    else {
        return false;
    };
    let lines = |shipment: &Value| {
        let mut lines: Vec<(String, i64)> = shipment
            .get("shipment_lines")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|l| {
                Some((
                    l.get("order_line_id")?.as_str()?.to_string(),
                    l.get("quantity")?.as_i64()?,
                ))
            })
            .collect();
        lines.sort();
        lines
    };
    let tracking = |shipment: &Value| {
        shipment
            .get("tracking")
            .and_then(|t| t.get("tracking_number"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (order, want_lines, want_tracking) =
        (wanted.get("order_id"), lines(wanted), tracking(wanted));
    !want_lines.is_empty()
        && shipments.iter().any(|s| {
            s.get("order_id") == order
                && lines(s) == want_lines
                && (want_tracking.is_none() || tracking(s) == want_tracking)
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_st01_is_applied_only_when_a_shipment_has_its_lines_and_tracking() {
        let body = json!({"shipments": [{"order_id": "JL-1", "shipped": true,
            "shipment_lines": [{"order_line_id": "JL-1-2", "quantity": 2}, {"order_line_id": "JL-1-1", "quantity": 1}],
            "tracking": {"carrier_code": "EVRI", "tracking_number": "T1"}}]});
        let shipment = |lines: serde_json::Value, tracking: &str| {
            json!({"id": "s", "order_id": "JL-1", "shipment_lines": lines,
                   "tracking": {"tracking_number": tracking}})
        };
        let same = json!([{"order_line_id": "JL-1-1", "quantity": 1}, {"order_line_id": "JL-1-2", "quantity": 2}]);
        assert!(st01_applied(&[shipment(same.clone(), "T1")], &body));
        assert!(!st01_applied(&[shipment(same, "T2")], &body));
        assert!(!st01_applied(
            &[shipment(
                json!([{"order_line_id": "JL-1-2", "quantity": 2}]),
                "T1"
            )],
            &body
        ));
        assert!(!st01_applied(&[], &body));
    }
}
