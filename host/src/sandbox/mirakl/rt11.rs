//! RT11 `GET /api/returns`: lists returns with seek paging.
//!
//! Filters (each repeatable, values ORed): `return_id`, `return_state` (a documented state,
//! else 400), `order_commercial_id`, `order_line_id`, `return_rma`; and the inclusive ranges
//! `return_creation_date_from`/`_to` and `return_last_updated_from`/`_to` (ISO 8601 with
//! offset, else 400). Paging: `limit` (1..=100, default 10, else 400). Sorting: `sort` may only
//! be `date_created` (the documented field and default), optionally with `,ASC` or `,DESC`;
//! ties are broken by id, so pages are stable. The answer `{data, next_page_token?,
//! previous_page_token?}` carries a token while returns remain after (before) the page; a
//! request with `page_token` ignores every other parameter (the token carries them and the
//! seek position), as Mirakl documents. Other parameters are accepted and ignored.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::returns::RETURN_STATES;
use super::{MiraklError, bad_request};
use crate::sandbox::state::{Api, Ctx, handle};

/// Largest page.
const MAX_PAGE: usize = 100;
/// Page size when `limit` is absent.
const DEFAULT_PAGE: usize = 10;

/// RT11's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/returns", get(list))
}

/// The RT11 handler.
async fn list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    handle(
        &ctx,
        Api::Mirakl,
        "RT11",
        &headers,
        |state| match Params::parse(&pairs) {
            Ok(params) => {
                let returns: Vec<&Value> = state.mirakl.returns.list.values().collect();
                axum::Json(page(&returns, &params)).into_response()
            }
            Err(error) => error.into_response(),
        },
    )
    .await
}

/// The request (filters, page size, order and seek position), also what a token carries.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Params {
    ids: Vec<String>,
    states: Vec<String>,
    commercial_ids: Vec<String>,
    line_ids: Vec<String>,
    rmas: Vec<String>,
    created: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    updated: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    limit: usize,
    descending: bool,
    /// Seek: the page starts after this key ...
    after: Option<(String, String)>,
    /// ... or ends before this one.
    before: Option<(String, String)>,
}

impl Params {
    /// Parses the query (or the page token it carries).
    fn parse(pairs: &[(String, String)]) -> Result<Params, MiraklError> {
        if let Some((_, token)) = pairs.iter().find(|(k, _)| k == "page_token") {
            return URL_SAFE_NO_PAD
                .decode(token.trim())
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| bad_request("page_token is not valid", "INVALID_PAGE_TOKEN"));
        }
        let mut params = Params {
            limit: DEFAULT_PAGE,
            ..Params::default()
        };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let text = value.to_string();
            match key.as_str() {
                "return_id" => params.ids.push(text),
                "return_state" => {
                    if !RETURN_STATES.contains(&value) {
                        return Err(bad_request(
                            &format!("Unknown return state '{value}'"),
                            "VALIDATION_ERROR",
                        ));
                    }
                    params.states.push(text);
                }
                "order_commercial_id" => params.commercial_ids.push(text),
                "order_line_id" => params.line_ids.push(text),
                "return_rma" => params.rmas.push(text),
                "return_creation_date_from" => params.created.0 = Some(date(key, value)?),
                "return_creation_date_to" => params.created.1 = Some(date(key, value)?),
                "return_last_updated_from" => params.updated.0 = Some(date(key, value)?),
                "return_last_updated_to" => params.updated.1 = Some(date(key, value)?),
                "limit" => {
                    params.limit = value
                        .parse()
                        .ok()
                        .filter(|l| (1..=MAX_PAGE).contains(l))
                        .ok_or_else(|| {
                            bad_request(
                                &format!("limit must be between 1 and {MAX_PAGE}, got {value}"),
                                "INVALID_PARAMETER",
                            )
                        })?;
                }
                "sort" => {
                    let (field, direction) = value.split_once(',').unwrap_or((value, "ASC"));
                    if field.trim() != "date_created" {
                        return Err(bad_request(
                            &format!("Unsupported sort field '{field}' (only date_created)"),
                            "INVALID_PARAMETER",
                        ));
                    }
                    params.descending = match direction.trim().to_ascii_uppercase().as_str() {
                        "ASC" => false,
                        "DESC" => true,
                        other => {
                            return Err(bad_request(
                                &format!("Sort direction must be ASC or DESC, got '{other}'"),
                                "INVALID_PARAMETER",
                            ));
                        }
                    };
                }
                _ => {}
            }
        }
        Ok(params)
    }

    /// Whether `item` passes the filters.
    fn matches(&self, item: &Value) -> bool {
        let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
        let any = |wanted: &[String], actual: &str| {
            wanted.is_empty() || wanted.iter().any(|w| w == actual)
        };
        let lines: Vec<&str> = item["return_lines"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["order_line_id"].as_str())
            .collect();
        any(&self.ids, text("id"))
            && any(&self.states, text("state"))
            && any(&self.commercial_ids, text("order_commercial_id"))
            && any(&self.rmas, text("rma"))
            && (self.line_ids.is_empty() || lines.iter().any(|l| any(&self.line_ids, l)))
            && within(text("date_created"), self.created)
            && within(text("last_updated"), self.updated)
    }

    /// A token for the same request seeking `after` or `before` a key.
    fn token(&self, after: Option<(String, String)>, before: Option<(String, String)>) -> String {
        let params = Params {
            after,
            before,
            ..self.clone()
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&params).unwrap_or_default())
    }
}

/// Parses an ISO 8601 date-time parameter.
fn date(key: &str, value: &str) -> Result<DateTime<Utc>, MiraklError> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            bad_request(
                &format!("{key} must be an ISO 8601 date-time with offset, got '{value}'"),
                "INVALID_PARAMETER",
            )
        })
}

/// Whether the stored date `value` lies in the inclusive `range` (open ends when absent).
fn within(value: &str, range: (Option<DateTime<Utc>>, Option<DateTime<Utc>>)) -> bool {
    if range.0.is_none() && range.1.is_none() {
        return true;
    }
    let Ok(date) = DateTime::parse_from_rfc3339(value).map(|d| d.with_timezone(&Utc)) else {
        return false;
    };
    range.0.is_none_or(|s| date >= s) && range.1.is_none_or(|e| date <= e)
}

/// The sort key of a return: its creation instant (as fixed-width text) and its id.
fn key(item: &Value) -> (String, String) {
    let created = item["date_created"]
        .as_str()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map(|d| {
            d.with_timezone(&Utc)
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string()
        })
        .unwrap_or_default();
    (created, item["id"].as_str().unwrap_or_default().to_string())
}

/// One page of the matching returns, with its tokens.
fn page(returns: &[&Value], params: &Params) -> Value {
    let mut selected: Vec<(&Value, (String, String))> = returns
        .iter()
        .filter(|r| params.matches(r))
        .map(|r| (*r, key(r)))
        .collect();
    selected.sort_by(|a, b| a.1.cmp(&b.1));
    if params.descending {
        selected.reverse();
    }
    // Position of a key in the chosen order.
    let ahead = |a: &(String, String), b: &(String, String)| {
        if params.descending { a > b } else { a < b }
    };
    let (start, end) = match (&params.after, &params.before) {
        (Some(after), _) => {
            let start = selected
                .iter()
                .position(|(_, k)| ahead(after, k))
                .unwrap_or(selected.len());
            (start, (start + params.limit).min(selected.len()))
        }
        (None, Some(before)) => {
            let end = selected
                .iter()
                .position(|(_, k)| !ahead(k, before))
                .unwrap_or(selected.len());
            (end.saturating_sub(params.limit), end)
        }
        (None, None) => (0, params.limit.min(selected.len())),
    };
    let shown = &selected[start..end];
    let data: Vec<&Value> = shown.iter().map(|(r, _)| *r).collect();
    let mut body = json!({"data": data});
    if end < selected.len()
        && let Some((_, last)) = shown.last()
    {
        body["next_page_token"] = json!(params.token(Some(last.clone()), None));
    }
    if start > 0
        && let Some((_, first)) = shown.first()
    {
        body["previous_page_token"] = json!(params.token(None, Some(first.clone())));
    }
    body
}
