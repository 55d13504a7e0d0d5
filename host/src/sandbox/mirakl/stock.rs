//! Stock imports: STO01 `POST /api/offers/stock/imports`, STO02
//! `GET /api/offers/stock/imports/{import_id}/status`, STO03
//! `GET /api/offers/stock/imports/{import_id}/error_report`.
//!
//! STO01 takes a `multipart/form-data` body whose part `file` is the stock CSV
//! (`"offer-sku";"quantity";"warehouse-code";"update-delete"`) and answers 201
//! `{"import_id": "<string>"}` with a `Location` header pointing at STO02. The sandbox's own
//! rate limits come first: 429 (with `Retry-After`, not applied) while the previous import is
//! still processing, or when the upload arrives sooner than `stock_import_min_interval` after
//! the previous accepted one. A body that is not multipart is a 415; one without a `file`
//! part a 400.
//!
//! Processing happens `stock_import_processing` after the upload (`WAITING` for the first
//! half, `RUNNING` for the second), like Mirakl's asynchronous import:
//! - the whole import is `FAILED` (no report) when the file is not UTF-8, not CSV, or its
//!   header is not exactly the four STO01 columns;
//! - otherwise each line is applied or rejected with a reason: wrong number of columns, an
//!   empty `offer-sku`, an `update-delete` other than empty/`update`/`delete`, a
//!   `warehouse-code` (the sandbox has only the global quantity), a quantity that is not a
//!   plain non-negative integer fitting in 32 bits (`1e3`, `-1`, `2.5`, empty), the same offer
//!   twice in one file, or an offer that does not exist ("The offer does not exist").
//!   `delete` sets the quantity to 0. The import is `COMPLETE` with the counts.
//!
//! STO03 answers the rejected lines as CSV in the submitted format with an `error-message`
//! column appended (ready to fix and re-import); 404 when the import has no error report.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::files::{self, Part, push_csv_line};
use super::{MiraklError, OfferBook, SHOP_ID, bad_request, error, now_string, too_many_requests};
use crate::sandbox::state::{Api, Ctx, SandboxState, handle};

/// The STO01 columns, in order.
pub(crate) const COLUMNS: [&str; 4] = ["offer-sku", "quantity", "warehouse-code", "update-delete"];
/// Name of the reason column STO03 appends.
pub(crate) const ERROR_COLUMN: &str = "error-message";
/// Reason given for lines about offers that do not exist.
pub(crate) const UNKNOWN_OFFER: &str = "The offer does not exist";

/// STO01 imports and the state of the STO01 rate limit.
#[derive(Debug, Default)]
pub(crate) struct StockImports {
    min_interval: Duration,
    processing: Duration,
    /// By sequence number (creation order).
    imports: BTreeMap<u64, StockImport>,
    last_accepted: Option<Instant>,
}

/// One STO01 import.
#[derive(Debug)]
struct StockImport {
    id: String,
    date_created: String,
    uploaded: Instant,
    /// The uploaded file, processed when the processing time is over.
    file: Vec<u8>,
    outcome: Option<Outcome>,
}

/// A processed import.
#[derive(Debug)]
enum Outcome {
    /// The file as a whole was rejected.
    Failed,
    /// Lines were applied or rejected.
    Complete {
        success: u64,
        errors: Vec<ErrorLine>,
    },
}

/// A rejected line: its fields as submitted and the reason.
#[derive(Debug)]
struct ErrorLine {
    fields: Vec<String>,
    message: String,
}

impl StockImports {
    /// No imports yet; uploads at least `min_interval` apart, processed after `processing`.
    pub fn new(min_interval: Duration, processing: Duration) -> Self {
        StockImports {
            min_interval,
            processing,
            ..StockImports::default()
        }
    }

    /// Processes (in upload order) every import whose processing time is over at `now`.
    pub fn settle(&mut self, offers: &mut OfferBook, now: Instant) {
        for import in self.imports.values_mut() {
            if import.outcome.is_none() && now >= import.uploaded + self.processing {
                import.outcome = Some(process(&import.file, offers));
            }
        }
    }

    /// Why an upload at `now` must wait, and for how long; `None` when it may go ahead.
    fn must_wait(&self, now: Instant) -> Option<(&'static str, Duration)> {
        if let Some(busy) = self.imports.values().find(|i| i.outcome.is_none()) {
            let left = (busy.uploaded + self.processing).saturating_duration_since(now);
            return Some(("The previous stock import is not finished yet", left));
        }
        let last = self.last_accepted?;
        let left = (last + self.min_interval).saturating_duration_since(now);
        (!left.is_zero()).then_some(("Stock imports are limited to one per minute", left))
    }

    fn find(&self, import_id: &str) -> Option<&StockImport> {
        self.imports.values().find(|i| i.id == import_id)
    }
}

/// The stock routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/api/offers/stock/imports", post(upload))
        .route("/api/offers/stock/imports/{import_id}/status", get(status))
        .route(
            "/api/offers/stock/imports/{import_id}/error_report",
            get(error_report),
        )
}

/// STO01.
async fn upload(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let parts = files::multipart(&headers, body).await;
    handle(&ctx, Api::Mirakl, "STO01", &headers, |state| {
        accept_upload(state, parts, Instant::now())
    })
    .await
}

/// Rate limits, then takes the file.
fn accept_upload(
    state: &mut SandboxState,
    parts: Result<Vec<Part>, MiraklError>,
    now: Instant,
) -> Response {
    if let Some((message, wait)) = state.mirakl.stock.must_wait(now) {
        return too_many_requests(message, wait);
    }
    let parts = match parts {
        Ok(parts) => parts,
        Err(error) => return error.into_response(),
    };
    let Some(file) = parts.into_iter().find(|p| p.name == "file") else {
        return bad_request("The multipart part 'file' is missing", "FILE_MISSING").into_response();
    };
    let imports = &mut state.mirakl.stock;
    let sequence = imports.imports.keys().next_back().map_or(1, |n| n + 1);
    let id = format!("{}", 7000 + sequence);
    imports.imports.insert(
        sequence,
        StockImport {
            id: id.clone(),
            date_created: now_string(),
            uploaded: now,
            file: file.data,
            outcome: None,
        },
    );
    imports.last_accepted = Some(now);
    state.stats.sto01_accepted.push(now);
    // With no processing time the import is done before the answer.
    state.mirakl.settle(now);
    let location = format!(
        "{}/api/offers/stock/imports/{id}/status",
        state.mirakl.base_url
    );
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(json!({"import_id": id})),
    )
        .into_response()
}

/// Validates and applies one file.
fn process(file: &[u8], offers: &mut OfferBook) -> Outcome {
    let Ok(text) = std::str::from_utf8(file) else {
        return Outcome::Failed;
    };
    let Ok(rows) = files::read_csv(text) else {
        return Outcome::Failed;
    };
    let mut rows = rows.into_iter();
    if rows.next().is_none_or(|header| header != COLUMNS) {
        return Outcome::Failed;
    }
    let mut success = 0;
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for fields in rows {
        match check_line(&fields, &mut seen, offers) {
            Ok((sku, quantity)) => {
                offers.set_quantity(&sku, quantity);
                success += 1;
            }
            Err(message) => errors.push(ErrorLine { fields, message }),
        }
    }
    Outcome::Complete { success, errors }
}

/// The offer and quantity a line sets, or why it is rejected.
fn check_line(
    fields: &[String],
    seen: &mut BTreeSet<String>,
    offers: &OfferBook,
) -> Result<(String, i64), String> {
    let [sku, quantity, warehouse, update_delete] = fields else {
        return Err(format!(
            "The line has {} columns, {} expected",
            fields.len(),
            COLUMNS.len()
        ));
    };
    if sku.is_empty() {
        return Err("The offer-sku is mandatory".to_string());
    }
    let delete = match update_delete.to_ascii_lowercase().as_str() {
        "" | "update" => false,
        "delete" => true,
        _ => {
            return Err(format!(
                "Invalid update-delete value '{update_delete}' (expected empty, update or delete)"
            ));
        }
    };
    if !warehouse.is_empty() {
        return Err(format!("The warehouse '{warehouse}' does not exist"));
    }
    let quantity = if delete { 0 } else { parse_quantity(quantity)? };
    if !seen.insert(sku.clone()) {
        return Err("The offer appears more than once in the file".to_string());
    }
    if !offers.contains(sku) {
        return Err(UNKNOWN_OFFER.to_string());
    }
    Ok((sku.clone(), quantity))
}

/// A quantity: ASCII digits only, at most `i32::MAX`.
fn parse_quantity(text: &str) -> Result<i64, String> {
    if text.is_empty() {
        return Err("The quantity is mandatory".to_string());
    }
    let invalid = || format!("Invalid quantity '{text}': must be a non-negative integer");
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    text.parse::<i32>().map(i64::from).map_err(|_| invalid())
}

/// STO02.
async fn status(
    State(ctx): State<Ctx>,
    Path(import_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    handle(&ctx, Api::Mirakl, "STO02", &headers, |state| {
        let imports = &state.mirakl.stock;
        let Some(import) = imports.find(&import_id) else {
            return not_found(&import_id).into_response();
        };
        let (status, success, errors) = match &import.outcome {
            Some(Outcome::Failed) => ("FAILED", 0, 0),
            Some(Outcome::Complete { success, errors }) => ("COMPLETE", *success, errors.len()),
            None if Instant::now() < import.uploaded + imports.processing / 2 => ("WAITING", 0, 0),
            None => ("RUNNING", 0, 0),
        };
        axum::Json(json!({
            "import_id": import.id,
            "shop_id": SHOP_ID,
            "status": status,
            "lines_in_success": success,
            "lines_in_error": errors,
            "has_error_report": errors > 0,
            "date_created": import.date_created,
        }))
        .into_response()
    })
    .await
}

/// STO03.
async fn error_report(
    State(ctx): State<Ctx>,
    Path(import_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    handle(&ctx, Api::Mirakl, "STO03", &headers, |state| {
        let Some(import) = state.mirakl.stock.find(&import_id) else {
            return not_found(&import_id).into_response();
        };
        let Some(Outcome::Complete { errors, .. }) = &import.outcome else {
            return no_report(&import_id).into_response();
        };
        if errors.is_empty() {
            return no_report(&import_id).into_response();
        }
        let mut csv = String::new();
        let mut header_row: Vec<&str> = COLUMNS.to_vec();
        header_row.push(ERROR_COLUMN);
        push_csv_line(&mut csv, &header_row);
        for line in errors {
            // Padded or cut to the STO01 columns so the report can be re-imported.
            let mut row: Vec<&str> = (0..COLUMNS.len())
                .map(|i| line.fields.get(i).map_or("", String::as_str))
                .collect();
            row.push(&line.message);
            push_csv_line(&mut csv, &row);
        }
        ([(header::CONTENT_TYPE, "text/csv; charset=UTF-8")], csv).into_response()
    })
    .await
}

fn not_found(import_id: &str) -> MiraklError {
    error(
        StatusCode::NOT_FOUND,
        &format!("Stock import '{import_id}' not found"),
        None,
    )
}

fn no_report(import_id: &str) -> MiraklError {
    error(
        StatusCode::NOT_FOUND,
        &format!("Stock import '{import_id}' has no error report"),
        None,
    )
}

#[cfg(test)]
#[path = "stock_tests.rs"]
mod tests;
