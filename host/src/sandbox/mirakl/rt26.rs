//! RT26 `PUT /api/returns/compliance`: record whether the returned goods are compliant.
//!
//! Body `{"returns":[{"id", "return_lines":[{"order_line_id", "compliant",
//! "non_compliance_reason_code"?, "non_compliance_additional_info"?}]}]}` (1 to 100; anything
//! else is a 400). Only a `RECEIVED` return can be marked; every line of the body must be a
//! line of the return, and a non-compliant line needs a documented
//! `non_compliance_reason_code`. A return passing these checks gets each line's
//! `{compliant, non_compliance_reason_code, non_compliance_additional_info}` appended to that
//! return line's `compliance[]` and stays `RECEIVED` (the OpenAPI documents no state change);
//! a return failing one is listed in `return_errors` and left as it was. 200 either way.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::put;
use serde::Deserialize;
use serde_json::{Value, json};

use super::returns::run_batch;
use crate::sandbox::state::{Api, Ctx, handle};

/// Non-compliance reason codes RT26 documents.
const NON_COMPLIANCE_REASONS: &[&str] = &[
    "RETURN_NON_COMPLIANT_MISSING_ITEM",
    "RETURN_NON_COMPLIANT_WRONG_PRODUCT",
    "RETURN_NON_COMPLIANT_DAMAGED_PRODUCT",
    "RETURN_NON_COMPLIANT_WINDOW_CLOSED",
    "RETURN_NON_COMPLIANT_OTHER",
];

/// RT26's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/returns/compliance", put(compliance))
}

/// One return of the body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Marked {
    id: String,
    return_lines: Vec<MarkedLine>,
}

/// One line's verdict.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkedLine {
    order_line_id: String,
    compliant: bool,
    non_compliance_reason_code: Option<String>,
    non_compliance_additional_info: Option<String>,
}

/// The RT26 handler.
async fn compliance(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&ctx, Api::Mirakl, "RT26", &headers, |state| {
        run_batch(
            &mut state.mirakl,
            &headers,
            &body,
            |m: &Marked| m.id.as_str(),
            |returns, marked| {
                let item = returns.in_state(&marked.id, "RECEIVED")?;
                if marked.return_lines.is_empty() {
                    return Err("return_lines must not be empty.".into());
                }
                for line in &marked.return_lines {
                    let on_return = item["return_lines"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|l| l["order_line_id"] == line.order_line_id.as_str());
                    if !on_return {
                        return Err(format!(
                            "The order line '{}' is not a line of the return.",
                            line.order_line_id
                        ));
                    }
                    match line.non_compliance_reason_code.as_deref() {
                        None if !line.compliant => {
                            return Err(format!(
                                "The non-compliant line '{}' needs a \
                                 non_compliance_reason_code.",
                                line.order_line_id
                            ));
                        }
                        Some(code) if !NON_COMPLIANCE_REASONS.contains(&code) => {
                            return Err(format!("Unknown non-compliance reason code '{code}'."));
                        }
                        _ => {}
                    }
                }
                for line in &marked.return_lines {
                    let verdict = json!({
                        "compliant": line.compliant,
                        "non_compliance_reason_code": line.non_compliance_reason_code,
                        "non_compliance_additional_info": line.non_compliance_additional_info,
                    });
                    let target = item["return_lines"]
                        .as_array_mut()
                        .into_iter()
                        .flatten()
                        .find(|l| l["order_line_id"] == line.order_line_id.as_str());
                    if let Some(target) = target {
                        match target.get_mut("compliance") {
                            Some(Value::Array(list)) => list.push(verdict),
                            _ => target["compliance"] = json!([verdict]),
                        }
                    }
                }
                Ok(())
            },
        )
    })
    .await
}
