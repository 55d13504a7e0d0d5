//! Reading a STO03 error report: finding the SKU, quantity and reason columns, with or
//! without a header row.

use super::StockErrorLine;
use crate::http::ApiError;
use crate::mirakl::csv;

/// Header names (lower case) that hold the error text in a STO03 report, best first.
const ERROR_HEADERS: &[&str] = &[
    "error-message",
    "error_message",
    "error message",
    "error-reason",
    "error_reason",
    "error",
    "errors",
    "message",
    "reason",
];

/// Header names (lower case) that hold the offer SKU in a STO03 report.
const SKU_HEADERS: &[&str] = &["offer-sku", "offer_sku", "sku", "shop-sku", "shop_sku"];

/// Columns of the STO01 file itself; never taken for the error column.
const STOCK_COLUMNS: &[&str] = &["offer-sku", "quantity", "warehouse-code", "update-delete"];

/// Which column holds what in a STO03 report.
struct Columns {
    sku: usize,
    quantity: Option<usize>,
    /// `None`: the last column of each row.
    message: Option<usize>,
}

/// Parses a STO03 report (see
/// [`Client::stock_error_report`](crate::mirakl::Client::stock_error_report)).
pub(super) fn parse_error_report(text: &str) -> Result<Vec<StockErrorLine>, ApiError> {
    let rows = csv::parse(text, ';').map_err(|e| ApiError::Decode {
        reason: format!("STO03 error report is not valid CSV: {e}"),
    })?;
    let mut rows = rows.into_iter().peekable();
    let Some(first) = rows.peek() else {
        return Ok(Vec::new());
    };
    let headers: Vec<String> = first
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let columns = match find_columns(&headers) {
        Some(columns) => {
            rows.next();
            columns
        }
        // No header row: the STO01 column order, reason last.
        None => Columns {
            sku: 0,
            quantity: Some(1),
            message: None,
        },
    };
    let mut lines = Vec::new();
    for row in rows {
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| row.get(i).map(|f| f.trim()).unwrap_or_default();
        let message = match columns.message {
            Some(i) => cell(i),
            None => row.last().map(|f| f.trim()).unwrap_or_default(),
        };
        lines.push(StockErrorLine {
            sku: cell(columns.sku).to_owned(),
            quantity: columns
                .quantity
                .map(cell)
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            message: if message.is_empty() {
                "Mirakl gave no reason for this line".to_owned()
            } else {
                message.to_owned()
            },
        });
    }
    Ok(lines)
}

/// Finds the columns from a header row (lower-cased); `None` when it is not a header row.
fn find_columns(headers: &[String]) -> Option<Columns> {
    let position = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let sku = position(SKU_HEADERS)?;
    let quantity = position(&["quantity"]);
    let is_line_number = |h: &str| {
        matches!(
            h,
            "line"
                | "line-number"
                | "line_number"
                | "line number"
                | "error-line"
                | "error_line"
                | "#"
        )
    };
    let message = position(ERROR_HEADERS)
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.contains("error") && !is_line_number(h))
        })
        .or_else(|| {
            (headers.len() >= 2
                && is_line_number(&headers[0])
                && !STOCK_COLUMNS.contains(&headers[1].as_str()))
            .then_some(1)
        })
        .or_else(|| {
            headers
                .iter()
                .rposition(|h| !STOCK_COLUMNS.contains(&h.as_str()) && !is_line_number(h))
        })
        .unwrap_or(headers.len() - 1);
    Some(Columns {
        sku,
        quantity,
        message: Some(message),
    })
}
