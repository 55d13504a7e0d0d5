//! RT21 `PUT /api/returns/accept`: accept or refuse returns waiting for acceptance.
//!
//! Body `{"returns":[{"id", "accepted", "rejection_reason_code"?}]}` (1 to 100; any other
//! field, a missing `id` or `accepted`, or a wrong type is a 400 and nothing changes). Each
//! return is then decided on its own: a `WAITING_ACCEPTANCE` return becomes `IN_PROGRESS`
//! when accepted, or `REFUSED` with its `rejection_reason_code` (required, one of the
//! documented codes) when refused. An unknown return, one in another state, or a refusal
//! without a valid reason is listed in `return_errors` instead of `return_success`; the answer
//! is 200 either way.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::put;
use serde::Deserialize;

use super::returns::run_batch;
use crate::sandbox::state::{Api, Ctx, handle};

/// Rejection reason codes RT21 documents.
const REJECTION_REASONS: &[&str] = &[
    "RETURN_REJECTION_NOT_ELIGIBLE",
    "RETURN_REJECTION_NOT_NEEDED",
    "RETURN_REJECTION_WINDOW_CLOSED",
];

/// RT21's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/returns/accept", put(accept))
}

/// One decision of the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    id: String,
    accepted: bool,
    rejection_reason_code: Option<String>,
}

/// The RT21 handler.
async fn accept(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&ctx, Api::Mirakl, "RT21", &headers, |state| {
        run_batch(
            &mut state.mirakl,
            &headers,
            &body,
            |d: &Decision| d.id.as_str(),
            |returns, decision| {
                let reason = decision.rejection_reason_code.as_deref();
                if !decision.accepted {
                    match reason {
                        None => {
                            return Err(
                                "A refused return needs a rejection_reason_code.".to_string()
                            );
                        }
                        Some(code) if !REJECTION_REASONS.contains(&code) => {
                            return Err(format!("Unknown rejection reason code '{code}'."));
                        }
                        Some(_) => {}
                    }
                }
                let item = returns.in_state(&decision.id, "WAITING_ACCEPTANCE")?;
                if decision.accepted {
                    item["state"] = "IN_PROGRESS".into();
                } else {
                    item["state"] = "REFUSED".into();
                    item["rejection_reason_code"] = reason.into();
                }
                Ok(())
            },
        )
    })
    .await
}
