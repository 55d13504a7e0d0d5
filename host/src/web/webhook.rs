//! `POST /webhooks/fulfil`: Fulfil's inventory-level webhook.
//!
//! In order: the raw body is read up to [`WebState::max_body_bytes`] (413 beyond, nothing
//! queued), the `X-Fulfil-Hmac-SHA256` signature is checked over those exact bytes (401 when
//! missing or wrong, nothing queued), the events are parsed and queued (400 when the body is
//! not a JSON array, nothing queued; an event that cannot be read is skipped, logged and
//! named in the answer, and the others are queued), and the answer
//! `{"accepted":N,"stale":M,"skipped":[…]}` goes back once the queue has committed them to
//! the store (503, nothing queued, when it could not: Fulfil sends them again, whereas it
//! never resends what it saw acknowledged): Fulfil gives up after 5 s, so
//! publishing is left to the stock job, woken through [`WebState::wake`]. Every delivery is
//! counted in `jlm_webhooks_total{outcome=…}` and every event in
//! `jlm_stock_events_total{outcome="accepted"|"stale"|"skipped"}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::WebState;
use super::hmac::{SIGNATURE_HEADER, verify_fulfil_signature};
use crate::stock::events::PushError;

/// Counter of webhook deliveries by `outcome`: `accepted`, `unauthorized`, `too_large`,
/// `malformed`, `unsaved` (the store failed), `ignored` (another event type).
pub const WEBHOOKS_TOTAL: &str = "jlm_webhooks_total";

/// Counter of stock events by `outcome`: `accepted`, `stale` or `skipped` (unreadable).
pub const STOCK_EVENTS_TOTAL: &str = "jlm_stock_events_total";

/// The Fulfil event this endpoint handles.
pub const INVENTORY_EVENT: &str = "product.product.inventory_level_changed";

/// Header naming the Fulfil event of a delivery.
pub const EVENT_HEADER: &str = "X-Fulfil-Event";

/// A JSON error answer, counted under `outcome`.
fn reject(state: &WebState, status: StatusCode, outcome: &str, message: &str) -> Response {
    state.metrics.inc(WEBHOOKS_TOTAL, &[("outcome", outcome)]);
    (status, Json(json!({ "error": message }))).into_response()
}

/// Handles one delivery (see the module docs).
pub(super) async fn receive(
    State(state): State<WebState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            tracing::warn!(
                limit = state.max_body_bytes,
                "webhook body over the size limit"
            );
            let message = format!("body is larger than {} bytes", state.max_body_bytes);
            return reject(&state, StatusCode::PAYLOAD_TOO_LARGE, "too_large", &message);
        }
        Err(rejection) => {
            tracing::warn!(error = %rejection, "webhook body could not be read");
            return reject(
                &state,
                StatusCode::BAD_REQUEST,
                "malformed",
                "body could not be read",
            );
        }
    };
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !verify_fulfil_signature(&state.webhook_secret, &body, signature) {
        tracing::warn!(
            signature_present = signature.is_some(),
            "webhook rejected: bad or missing {SIGNATURE_HEADER}"
        );
        return reject(
            &state,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid X-Fulfil-Hmac-SHA256 signature",
        );
    }
    let event = headers.get(EVENT_HEADER).and_then(|v| v.to_str().ok());
    if let Some(event) = event.filter(|e| e.trim() != INVENTORY_EVENT) {
        // Acknowledge events we do not handle so Fulfil does not retry (and archive) them.
        tracing::info!(event, "ignoring Fulfil webhook event");
        state.metrics.inc(WEBHOOKS_TOTAL, &[("outcome", "ignored")]);
        return Json(json!({ "accepted": 0, "stale": 0, "skipped": [], "ignored": event }))
            .into_response();
    }
    match state.events.push_payload(&body) {
        Ok(outcome) => {
            state
                .metrics
                .inc(WEBHOOKS_TOTAL, &[("outcome", "accepted")]);
            let events = STOCK_EVENTS_TOTAL;
            state
                .metrics
                .add(events, &[("outcome", "accepted")], outcome.accepted as u64);
            state
                .metrics
                .add(events, &[("outcome", "stale")], outcome.stale as u64);
            state.metrics.add(
                events,
                &[("outcome", "skipped")],
                outcome.skipped.len() as u64,
            );
            if !outcome.skipped.is_empty() {
                tracing::warn!(
                    skipped = ?outcome.skipped,
                    "stock webhook events that could not be read were skipped"
                );
            }
            if outcome.accepted > 0 {
                state.wake.notify_one();
            }
            tracing::debug!(
                accepted = outcome.accepted,
                stale = outcome.stale,
                "stock webhook queued"
            );
            Json(json!({
                "accepted": outcome.accepted,
                "stale": outcome.stale,
                "skipped": outcome.skipped,
            }))
            .into_response()
        }
        Err(PushError::Malformed(message)) => {
            tracing::warn!(error = %message, "malformed stock webhook");
            reject(&state, StatusCode::BAD_REQUEST, "malformed", &message)
        }
        Err(error @ PushError::Unsaved(_)) => {
            // Not acknowledged: Fulfil sends it again, and nothing was queued meanwhile.
            tracing::error!(%error, "stock webhook not saved; answered 503 so Fulfil retries");
            reject(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "unsaved",
                "the stock changes could not be saved; send them again",
            )
        }
    }
}
