//! Stock: STO01 (upload a stock CSV), STO02 (import status) and STO03 (error report).
//!
//! Pacing, on top of the pacer every Mirakl call waits on: STO01 uploads are at least
//! [`MiraklConfig::stock_import_interval`](super::MiraklConfig::stock_import_interval) apart,
//! STO02 and STO03 calls at least
//! [`MiraklConfig::stock_status_interval`](super::MiraklConfig::stock_status_interval) apart.

mod error_report;

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::multipart::{Form, Part};
use serde_json::{Map, Value};

use super::client::Client;
use super::lenient::{id_text, lenient_bool, lenient_u64};
use crate::http::{self, ApiError};

use error_report::parse_error_report;

/// File name given to the STO01 `file` part.
const STOCK_FILE_NAME: &str = "stock.csv";

/// Where a STO01 import stands (STO02).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockImportStatus {
    /// The import identifier (as sent back by Mirakl; the requested one when it sent none).
    pub import_id: String,
    /// `WAITING`, `RUNNING`, `COMPLETE` or `FAILED`, kept as Mirakl sent it (trimmed) so new
    /// values pass through. See [`StockImportStatus::is_finished`].
    pub status: String,
    /// Lines imported (0 when absent).
    pub lines_in_success: u64,
    /// Lines rejected (0 when absent); their reasons are in the STO03 report.
    pub lines_in_error: u64,
    /// Whether STO03 has an error report for this import (false when absent).
    pub has_error_report: bool,
}

impl StockImportStatus {
    /// True once Mirakl will not change the import any more (`COMPLETE` or `FAILED`, in any
    /// letter case).
    pub fn is_finished(&self) -> bool {
        self.status.eq_ignore_ascii_case("COMPLETE") || self.status.eq_ignore_ascii_case("FAILED")
    }
}

/// One rejected line of a STO01 import, from the STO03 error report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockErrorLine {
    /// The `offer-sku` of the rejected line (empty when the line had none).
    pub sku: String,
    /// The `quantity` as submitted (`None` when the report has no such column or it is empty).
    pub quantity: Option<String>,
    /// Mirakl's reason for rejecting the line.
    pub message: String,
}

impl Client {
    /// Holds STO01 uploads back until `when` (an earlier run uploaded less than an interval
    /// ago); never shortens an existing hold.
    pub fn hold_stock_imports_until(&self, when: tokio::time::Instant) {
        self.stock_import_pacer.defer_until(when);
    }

    /// STO01: uploads `csv` (the stock file, `"offer-sku";"quantity";"warehouse-code";
    /// "update-delete"`) as the multipart part `file` named `stock.csv` (`text/csv`) and
    /// returns Mirakl's `import_id` (a number is accepted and returned as text).
    ///
    /// Waits for the STO01 pacer first, so uploads are at least `stock_import_interval` apart.
    /// Not idempotent: a 429 is retried after `Retry-After` (nothing was applied), but a
    /// timeout, a dropped connection or a 500/502/504 after sending is
    /// [`ApiError::OutcomeUnknown`]; the quantities are absolute, so the caller may simply
    /// send them again in the next upload.
    pub async fn upload_stock(&self, csv: &str) -> Result<String, ApiError> {
        self.stock_import_pacer.wait().await;
        let url = self.url(&["api", "offers", "stock", "imports"], &[]);
        let response = http::send(&self.http, &self.page_pacer, &self.retry, false, || {
            self.http
                .post(url.clone())
                .multipart(Form::new().part("file", stock_file_part(csv)))
        })
        .await
        .map_err(|e| e.redacted(&self.api_key))?;
        let body: Value = http::read_json(response)
            .await
            .map_err(|e| e.redacted(&self.api_key))?;
        body.get("import_id")
            .and_then(id_text)
            .ok_or_else(|| ApiError::Decode {
                reason: "STO01 response has no `import_id`".into(),
            })
    }

    /// STO02: the status and line counts of stock import `import_id`, read leniently (missing
    /// counts are 0, a missing `has_error_report` is false).
    ///
    /// Waits for the STO02/STO03 pacer first (`stock_status_interval`). Idempotent.
    pub async fn stock_import_status(
        &self,
        import_id: &str,
    ) -> Result<StockImportStatus, ApiError> {
        self.stock_status_pacer.wait().await;
        let body = self
            .request_json(
                Method::GET,
                &["api", "offers", "stock", "imports", import_id, "status"],
                &[],
                None,
                true,
            )
            .await?;
        parse_status(&body, import_id)
    }

    /// STO03: the rejected lines of stock import `import_id`, from its CSV error report.
    ///
    /// The report repeats the submitted lines with the reason added. Columns are found by
    /// header: the SKU in `offer-sku` (or `sku`), the quantity in `quantity`, the reason in
    /// `error-message`, `error` or a similar header; failing that, the second column when the
    /// first is a line number (as Mirakl's description puts it), else the last column that is
    /// not one of the submitted ones. A report without a recognisable header row is read in
    /// the STO01 column order with the reason in the last column.
    ///
    /// Waits for the STO02/STO03 pacer first (`stock_status_interval`). Idempotent.
    pub async fn stock_error_report(
        &self,
        import_id: &str,
    ) -> Result<Vec<StockErrorLine>, ApiError> {
        self.stock_status_pacer.wait().await;
        let url = self.url(
            &[
                "api",
                "offers",
                "stock",
                "imports",
                import_id,
                "error_report",
            ],
            &[],
        );
        let response = http::send(&self.http, &self.page_pacer, &self.retry, true, || {
            self.http.get(url.clone()).header(
                ACCEPT,
                HeaderValue::from_static("text/csv, application/json;q=0.5, */*;q=0.1"),
            )
        })
        .await
        .map_err(|e| e.redacted(&self.api_key))?;
        let text = read_text(response).await?;
        parse_error_report(&text)
    }
}

/// The STO01 `file` part for `csv`.
fn stock_file_part(csv: &str) -> Part {
    let part = || Part::text(csv.to_owned()).file_name(STOCK_FILE_NAME);
    // "text/csv" always parses; the fallback only keeps this free of panics.
    part().mime_str("text/csv").unwrap_or_else(|_| part())
}

/// Reads a 2xx body as text (UTF-8, invalid bytes replaced).
pub(super) async fn read_text(response: reqwest::Response) -> Result<String, ApiError> {
    let bytes = response.bytes().await.map_err(|e| ApiError::Unavailable {
        reason: format!("could not read the response body: {e}"),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads a STO02 body.
fn parse_status(body: &Value, requested: &str) -> Result<StockImportStatus, ApiError> {
    let empty = Map::new();
    let object = match body {
        Value::Object(object) => object,
        Value::Null => &empty,
        _ => {
            return Err(ApiError::Decode {
                reason: "STO02 response is not a JSON object".into(),
            });
        }
    };
    let status = object
        .get("status")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::Decode {
            reason: format!("STO02 response for import {requested} has no `status`"),
        })?;
    Ok(StockImportStatus {
        import_id: object
            .get("import_id")
            .and_then(id_text)
            .unwrap_or_else(|| requested.to_owned()),
        status: status.to_owned(),
        lines_in_success: lenient_u64(object.get("lines_in_success")).unwrap_or(0),
        lines_in_error: lenient_u64(object.get("lines_in_error")).unwrap_or(0),
        has_error_report: lenient_bool(object.get("has_error_report")).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests;
