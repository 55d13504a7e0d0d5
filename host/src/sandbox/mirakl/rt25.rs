//! RT25 `PUT /api/returns/receive`: mark returns as received.
//!
//! Body `{"returns":[{"id"}]}` (1 to 100; anything else is a 400). An `IN_PROGRESS` return
//! becomes `RECEIVED`; an unknown return or one in another state is listed in
//! `return_errors`. The answer is 200 either way.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::put;
use serde::Deserialize;

use super::returns::run_batch;
use crate::sandbox::state::{Api, Ctx, handle};

/// RT25's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/returns/receive", put(receive))
}

/// One return of the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Received {
    id: String,
}

/// The RT25 handler.
async fn receive(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&ctx, Api::Mirakl, "RT25", &headers, |state| {
        run_batch(
            &mut state.mirakl,
            &headers,
            &body,
            |r: &Received| r.id.as_str(),
            |returns, received| {
                let item = returns.in_state(&received.id, "IN_PROGRESS")?;
                item["state"] = "RECEIVED".into();
                Ok(())
            },
        )
    })
    .await
}
