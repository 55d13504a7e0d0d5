//! The asynchronous offer export: OF52 `POST /api/offers/export/async`, OF53
//! `GET /api/offers/export/async/status/{tracking_id}`, OF54 `GET <url from OF53>`.
//!
//! OF52 takes a JSON body (`Content-Type: application/json`, else 415) with the fields of
//! Mirakl's schema only (others are a 400): `export_type` `application/json` or `text/csv`
//! (the default), `include_fields` (JSON field names for JSON, column names for CSV; names the
//! schema does not know are a 400; known fields the sandbox has no data for are left out),
//! `include_inactive_offers`, `last_request_date` (differential mode: offers changed since,
//! inactive ones included, and deleted offers as `{"shop_sku", "offer_id", "deleted": true}`;
//! combining it with `include_inactive_offers: true` is a 400, as documented),
//! `items_per_chunk` (1..=1,000,000, default 10,000; the sandbox, like Mirakl's TEST
//! environments, accepts values under the production minimum), `megabytes_per_chunk`
//! (1..=1000, not enforced), `rename_fields` (CSV only), `channel_codes`, `shipping_zones`,
//! `ongoing_discount_campaign_identifiers` (accepted, not filtering). The offers are taken
//! when the export is requested. It answers `{"tracking_id"}`; an identical request while an
//! export is still pending gets that export's id back.
//!
//! OF53 answers `PENDING` on the first poll of an export and `COMPLETED` afterwards, with
//! `urls` on the sandbox itself (`<base>/api/offers/export/async/file/<tracking_id>
//! ?file=of52-export%offers/<n>.json`, the unescaped `%` as in Mirakl's examples), one per
//! chunk. OF54 (same API key) answers a chunk: a JSON array of offers, or CSV.

mod render;
mod request;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{MiraklError, bad_request, error, is_json, now_string};
use crate::sandbox::state::{Api, Ctx, SandboxState, handle};

use render::render;
use request::parse;

/// OF52 exports by tracking id.
#[derive(Debug, Default)]
pub(crate) struct Exports {
    exports: BTreeMap<String, Export>,
    next: u64,
}

/// One export.
#[derive(Debug)]
struct Export {
    /// The request body, to recognise duplicates.
    request: Value,
    polls: u64,
    csv: bool,
    /// The files' contents.
    chunks: Vec<String>,
    last_updated: String,
}

/// The export routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/api/offers/export/async", post(request_export))
        .route(
            "/api/offers/export/async/status/{tracking_id}",
            get(export_status),
        )
        .route(
            "/api/offers/export/async/file/{tracking_id}",
            get(export_file),
        )
}

/// OF52.
async fn request_export(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&ctx, Api::Mirakl, "OF52", &headers, |state| {
        match create(state, &headers, &body) {
            Ok(tracking_id) => axum::Json(json!({"tracking_id": tracking_id})).into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// Validates the request and snapshots the offers.
fn create(
    state: &mut SandboxState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, MiraklError> {
    if !is_json(headers) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
            None,
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(&format!("Invalid JSON body: {e}"), "INVALID_JSON"))?;
    let request = parse(&value)?;
    let exports = &mut state.mirakl.exports;
    if let Some((id, _)) = exports
        .exports
        .iter()
        .find(|(_, e)| e.polls == 0 && e.request == value)
    {
        return Ok(id.clone());
    }
    exports.next += 1;
    let n = exports.next;
    let tracking_id = format!("{n:08x}-5a4d-4b0c-8e52-{:012x}", n * 7919);
    let chunks = render(&state.mirakl.offers, &request);
    state.mirakl.exports.exports.insert(
        tracking_id.clone(),
        Export {
            request: value,
            polls: 0,
            csv: request.csv,
            chunks,
            last_updated: now_string(),
        },
    );
    Ok(tracking_id)
}

/// OF53.
async fn export_status(
    State(ctx): State<Ctx>,
    Path(tracking_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    handle(&ctx, Api::Mirakl, "OF53", &headers, |state| {
        let base = state.mirakl.base_url.clone();
        let Some(export) = state.mirakl.exports.exports.get_mut(&tracking_id) else {
            return not_found(&tracking_id).into_response();
        };
        export.polls += 1;
        if export.polls == 1 {
            return axum::Json(json!({"status": "PENDING", "last_updated": export.last_updated}))
                .into_response();
        }
        let extension = if export.csv { "csv" } else { "json" };
        let urls: Vec<String> = (0..export.chunks.len())
            .map(|n| {
                format!(
                    "{base}/api/offers/export/async/file/{tracking_id}?file=of52-export%offers/{n}.{extension}"
                )
            })
            .collect();
        axum::Json(json!({
            "status": "COMPLETED",
            "last_updated": export.last_updated,
            "urls": urls,
        }))
        .into_response()
    })
    .await
}

/// OF54.
async fn export_file(
    State(ctx): State<Ctx>,
    Path(tracking_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    handle(&ctx, Api::Mirakl, "OF54", &headers, |state| {
        let Some(export) = state.mirakl.exports.exports.get(&tracking_id) else {
            return not_found(&tracking_id).into_response();
        };
        let extension = if export.csv { "csv" } else { "json" };
        let chunk = file_param(&uri)
            .and_then(|file| {
                file.strip_prefix("of52-export%offers/")?
                    .strip_suffix(&format!(".{extension}"))?
                    .parse::<usize>()
                    .ok()
            })
            .filter(|_| export.polls >= 2)
            .and_then(|n| export.chunks.get(n));
        let Some(chunk) = chunk else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Export file not found for '{tracking_id}'"),
                None,
            )
            .into_response();
        };
        let content_type = if export.csv {
            "text/csv; charset=UTF-8"
        } else {
            "application/json"
        };
        ([(header::CONTENT_TYPE, content_type)], chunk.clone()).into_response()
    })
    .await
}

/// The `file` query parameter, with `%25` and `%2F` decoded (a lone `%` is kept as sent).
fn file_param(uri: &Uri) -> Option<String> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("file="))
        .map(|raw| {
            raw.replace("%25", "%")
                .replace("%2F", "/")
                .replace("%2f", "/")
        })
}

fn not_found(tracking_id: &str) -> MiraklError {
    error(
        StatusCode::NOT_FOUND,
        &format!("Offer export '{tracking_id}' not found"),
        None,
    )
}

#[cfg(test)]
mod tests;
