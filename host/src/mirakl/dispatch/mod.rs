//! Dispatch: SH21 (approved carriers), OR23 (order tracking), OR24 (ship an order), ST01
//! (create shipments), and [`Client::send_planned`] for the calls the component plans
//! (OR23, OR24, ST01, ST23, ST24).
//!
//! Idempotency, which decides what a 5xx or a timeout after sending means:
//!
//! | call | method | idempotent | why |
//! |---|---|---|---|
//! | SH21 | GET | yes | read only |
//! | OR23 | PUT | no | sets the tracking, once: re-read the order's tracking (OR11) |
//! | OR24 | PUT | no | a repeat on a shipped order is rejected; re-read the order (OR11) |
//! | ST01 | POST | no | a repeat creates a second shipment |
//! | ST23 | POST | yes | sets the tracking of existing shipments |
//! | ST24 | PUT | no | a repeat on a shipped shipment is rejected; re-read it (ST11) |
//!
//! A non-idempotent call that fails after it was sent is [`ApiError::OutcomeUnknown`]; the same
//! holds when ST01/ST24 answer 2xx with a body that cannot be read, since the per-shipment
//! results (`shipment_success[]`, `shipment_errors[]`) are then unknown.

mod planned;

use reqwest::{Method, Response};
use serde_json::Value;

use super::client::Client;
use crate::http::{self, ApiError};

/// `code` of the [`ApiError::Rejected`] returned (with `status` 0) when a request is refused
/// locally, before anything is sent: a blank order id, or a planned request whose operation,
/// path or body is not acceptable.
pub const INVALID_REQUEST_CODE: &str = "INVALID_REQUEST";

impl Client {
    /// SH21: the carriers John Lewis approves, as the raw body
    /// (`{"carriers":[{"code","label","standard_code","tracking_url"}]}`). Idempotent.
    ///
    /// Mirakl asks for this once per day: cache the result rather than calling it per
    /// shipment.
    pub async fn carriers(&self) -> Result<Value, ApiError> {
        self.request_json(
            Method::GET,
            &["api", "shipping", "carriers"],
            &[],
            None,
            true,
        )
        .await
    }

    /// OR23: sets the carrier and tracking number of `order_id` (`body` as planned:
    /// `carrier_code` or `carrier_name`/`carrier_url`, plus `tracking_number`). Success is the
    /// 2xx itself (204). Not retried after it may have been applied (a timeout, a 500/502/504
    /// or a reset answer is `OutcomeUnknown`): each OR23 is applied once, and the order's
    /// tracking (OR11) shows whether it was.
    pub async fn set_tracking(&self, order_id: &str, body: &Value) -> Result<(), ApiError> {
        let order_id = non_blank(order_id)?;
        self.request(
            Method::PUT,
            &["api", "orders", order_id, "tracking"],
            &[],
            Some(body),
            false,
        )
        .await
        .map(|_| ())
    }

    /// OR24: confirms `order_id` as shipped (no body; the order must be in `SHIPPING`).
    /// Success is the 2xx itself (204). Not idempotent: a timeout or a 500/502/504 after
    /// sending is [`ApiError::OutcomeUnknown`], and a repeat on a shipped order is rejected,
    /// so re-read the order with OR11 before trying again.
    pub async fn ship_order(&self, order_id: &str) -> Result<(), ApiError> {
        let order_id = non_blank(order_id)?;
        self.request(
            Method::PUT,
            &["api", "orders", order_id, "ship"],
            &[],
            None,
            false,
        )
        .await
        .map(|_| ())
    }

    /// ST01: creates the shipments in `body` (`{"shipments":[…]}`) and returns Mirakl's
    /// answer as it came (`shipment_success[]`, `shipment_errors[]{order_id,message}`): a 2xx
    /// may still refuse some shipments, so inspect both arrays. Not idempotent: a timeout, a
    /// 500/502/504 or an unreadable 2xx body is [`ApiError::OutcomeUnknown`].
    pub async fn create_shipments(&self, body: &Value) -> Result<Value, ApiError> {
        let response = self
            .request(Method::POST, &["api", "shipments"], &[], Some(body), false)
            .await?;
        self.read_results("ST01", response, false).await
    }

    /// Reads the JSON object result body of a 2xx `api` answer. When the call was not
    /// idempotent, a body that is missing or cannot be read or parsed is
    /// [`ApiError::OutcomeUnknown`]: the request was applied, but which items succeeded is
    /// unknown.
    async fn read_results(
        &self,
        api: &str,
        response: Response,
        idempotent: bool,
    ) -> Result<Value, ApiError> {
        let result = http::read_json::<Value>(response).await.and_then(|body| {
            if body.is_object() {
                Ok(body)
            } else {
                Err(ApiError::Decode {
                    reason: format!("{api} response is not a JSON object"),
                })
            }
        });
        result.map_err(|e| {
            let e = match e {
                ApiError::Decode { reason } | ApiError::Unavailable { reason } if !idempotent => {
                    ApiError::OutcomeUnknown {
                        reason: format!(
                            "{api} was accepted but its per-item results could not be read ({reason})"
                        ),
                    }
                }
                e => e,
            };
            e.redacted(&self.api_key)
        })
    }
}

/// A local refusal: nothing was sent.
fn invalid(message: String) -> ApiError {
    ApiError::Rejected {
        status: 0,
        code: Some(INVALID_REQUEST_CODE.into()),
        message: format!("not sent: {message}"),
    }
}

/// `id` trimmed, or a local refusal when it is blank.
fn non_blank(id: &str) -> Result<&str, ApiError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(invalid("the order id is blank".into()));
    }
    Ok(id)
}

#[cfg(test)]
mod tests;
