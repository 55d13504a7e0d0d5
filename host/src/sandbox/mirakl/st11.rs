//! ST11 `GET /api/shipments`: lists shipments created by ST01, with seek paging.
//!
//! Filter: `order_id` (repeatable, or a comma list). Paging: `limit` (1..=100, default 10);
//! the answer carries `next_page_token` while shipments remain, and a request with
//! `page_token` ignores every other parameter (the token carries them), as Mirakl documents.
//! Other parameters are accepted and ignored.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{MiraklError, bad_request};
use crate::sandbox::state::{Api, Ctx, handle};

/// Largest page.
const MAX_PAGE: usize = 100;
/// Page size when `limit` is absent.
const DEFAULT_PAGE: usize = 10;

/// The ST11 handler.
pub(super) async fn list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    handle(
        &ctx,
        Api::Mirakl,
        "ST11",
        &headers,
        |state| match Params::parse(&pairs) {
            Ok(params) => {
                let matching: Vec<&Value> = state
                    .mirakl
                    .shipments
                    .list
                    .iter()
                    .filter(|s| {
                        params.order_ids.is_empty()
                            || s["order_id"]
                                .as_str()
                                .is_some_and(|id| params.order_ids.iter().any(|o| o == id))
                    })
                    .collect();
                let end = (params.offset + params.limit).min(matching.len());
                let data: Vec<&Value> = matching
                    .get(params.offset.min(end)..end)
                    .unwrap_or_default()
                    .to_vec();
                let mut body = json!({"data": data});
                if end < matching.len() {
                    body["next_page_token"] = json!(params.token_for(end));
                }
                if params.offset > 0 {
                    body["previous_page_token"] =
                        json!(params.token_for(params.offset.saturating_sub(params.limit)));
                }
                axum::Json(body).into_response()
            }
            Err(error) => error.into_response(),
        },
    )
    .await
}

/// The request, from its query or from a page token.
struct Params {
    order_ids: Vec<String>,
    limit: usize,
    offset: usize,
}

impl Params {
    fn parse(pairs: &[(String, String)]) -> Result<Params, MiraklError> {
        if let Some((_, token)) = pairs.iter().find(|(k, _)| k == "page_token") {
            return Params::from_token(token)
                .ok_or_else(|| bad_request("page_token is not valid", "INVALID_PAGE_TOKEN"));
        }
        let mut order_ids = Vec::new();
        let mut limit = DEFAULT_PAGE;
        for (key, value) in pairs {
            match key.as_str() {
                "order_id" => order_ids.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_string),
                ),
                "limit" => {
                    limit = value
                        .parse()
                        .ok()
                        .filter(|l| (1..=MAX_PAGE).contains(l))
                        .ok_or_else(|| {
                            bad_request("limit must be between 1 and 100", "INVALID_PARAMETER")
                        })?;
                }
                _ => {}
            }
        }
        Ok(Params {
            order_ids,
            limit,
            offset: 0,
        })
    }

    /// An opaque token for the page starting at `offset` of this request.
    fn token_for(&self, offset: usize) -> String {
        format!("{offset}:{}:{}", self.limit, self.order_ids.join(","))
    }

    fn from_token(token: &str) -> Option<Params> {
        let mut parts = token.splitn(3, ':');
        let offset = parts.next()?.parse().ok()?;
        let limit = parts.next()?.parse().ok()?;
        let ids = parts.next()?;
        Some(Params {
            order_ids: ids
                .split(',')
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect(),
            limit,
            offset,
        })
    }
}
