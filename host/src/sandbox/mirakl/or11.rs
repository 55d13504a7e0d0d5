//! OR11 `GET /api/orders`: list orders with offset pagination.
//!
//! Supported filters: `order_ids`, `order_state_codes` (comma lists), `start_update_date` /
//! `end_update_date` (moved back by the safety delta / inclusive), `start_date` / `end_date`
//! (creation). Paging: `max` (1..=100, default 10), `offset` (default 0). Sorting: `sort`
//! may only be `dateCreated` (creation date, then order id), `order` is `asc` or `desc`.
//! Other parameters are accepted and ignored.

use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{MiraklError, MiraklState, bad_request, public_view};
use crate::sandbox::state::{Api, Ctx, handle};

/// Every order state code Mirakl knows.
const STATE_CODES: [&str; 11] = [
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUSED",
    "CANCELED",
];
/// Largest page.
const MAX_PAGE: i64 = 100;
/// Page size when `max` is absent.
const DEFAULT_PAGE: i64 = 10;
/// Most ids accepted in `order_ids`.
const MAX_ORDER_IDS: usize = 100;

/// OR11's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders", get(list))
}

/// The OR11 handler.
async fn list(State(ctx): State<Ctx>, headers: HeaderMap, uri: Uri) -> Response {
    handle(
        &ctx,
        Api::Mirakl,
        "OR11",
        &headers,
        |state| match Params::parse(&uri, state.update_safety_delta) {
            Ok(params) => axum::Json(page(&state.mirakl, &params)).into_response(),
            Err(error) => error.into_response(),
        },
    )
    .await
}

/// Parsed OR11 query.
#[derive(Debug, Default)]
struct Params {
    order_ids: Option<Vec<String>>,
    states: Option<Vec<String>>,
    /// Already moved back by the safety delta.
    start_update: Option<DateTime<Utc>>,
    end_update: Option<DateTime<Utc>>,
    start_created: Option<DateTime<Utc>>,
    end_created: Option<DateTime<Utc>>,
    max: usize,
    offset: usize,
    descending: bool,
}

impl Params {
    /// Parses and validates the query string; a 400 on bad values.
    fn parse(uri: &Uri, safety_delta: Duration) -> Result<Params, MiraklError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|e| bad_request(&format!("Invalid query string: {e}"), "VALIDATION_ERROR"))?;
        let mut params = Params {
            max: DEFAULT_PAGE as usize,
            ..Params::default()
        };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "order_ids" => extend(&mut params.order_ids, value),
                "order_state_codes" => extend(&mut params.states, value),
                "start_update_date" => {
                    let start = date(&key, value)?;
                    let delta = chrono::Duration::from_std(safety_delta)
                        .unwrap_or(chrono::Duration::zero());
                    params.start_update = Some(start - delta);
                }
                "end_update_date" => params.end_update = Some(date(&key, value)?),
                "start_date" => params.start_created = Some(date(&key, value)?),
                "end_date" => params.end_created = Some(date(&key, value)?),
                "max" => {
                    let max = integer(&key, value)?;
                    if !(1..=MAX_PAGE).contains(&max) {
                        return Err(bad_request(
                            &format!("max must be between 1 and {MAX_PAGE}, got {max}"),
                            "VALIDATION_ERROR",
                        ));
                    }
                    params.max = max as usize;
                }
                "offset" => {
                    let offset = integer(&key, value)?;
                    params.offset = usize::try_from(offset).map_err(|_| {
                        bad_request("offset must not be negative", "VALIDATION_ERROR")
                    })?;
                }
                "sort" if value != "dateCreated" => {
                    return Err(bad_request(
                        &format!("Unsupported sort field '{value}' (only dateCreated)"),
                        "VALIDATION_ERROR",
                    ));
                }
                "order" => match value.to_ascii_lowercase().as_str() {
                    "asc" => params.descending = false,
                    "desc" => params.descending = true,
                    _ => {
                        return Err(bad_request(
                            &format!("order must be asc or desc, got '{value}'"),
                            "VALIDATION_ERROR",
                        ));
                    }
                },
                _ => {}
            }
        }
        if let Some(ids) = &params.order_ids
            && ids.len() > MAX_ORDER_IDS
        {
            return Err(bad_request(
                &format!("order_ids accepts at most {MAX_ORDER_IDS} values"),
                "VALIDATION_ERROR",
            ));
        }
        if let Some(unknown) = params
            .states
            .iter()
            .flatten()
            .find(|s| !STATE_CODES.contains(&s.as_str()))
        {
            return Err(bad_request(
                &format!("Unknown order state code '{unknown}'"),
                "VALIDATION_ERROR",
            ));
        }
        Ok(params)
    }

    /// Whether `order` passes the filters.
    fn matches(&self, order: &Value) -> bool {
        let text = |key: &str| order.get(key).and_then(Value::as_str);
        if let Some(ids) = &self.order_ids
            && !text("order_id").is_some_and(|id| ids.iter().any(|i| i == id))
        {
            return false;
        }
        if let Some(states) = &self.states
            && !text("order_state").is_some_and(|s| states.iter().any(|i| i == s))
        {
            return false;
        }
        within(
            text("last_updated_date"),
            self.start_update,
            self.end_update,
        ) && within(text("created_date"), self.start_created, self.end_created)
    }
}

/// Appends the comma-separated values of `value` to `list`.
fn extend(list: &mut Option<Vec<String>>, value: &str) {
    list.get_or_insert_with(Vec::new).extend(
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string),
    );
}

/// Parses an RFC 3339 date-time parameter.
fn date(key: &str, value: &str) -> Result<DateTime<Utc>, MiraklError> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            bad_request(
                &format!("{key} must be an ISO 8601 date-time with offset, got '{value}'"),
                "VALIDATION_ERROR",
            )
        })
}

/// Parses an integer parameter.
fn integer(key: &str, value: &str) -> Result<i64, MiraklError> {
    value.parse().map_err(|_| {
        bad_request(
            &format!("{key} must be an integer, got '{value}'"),
            "VALIDATION_ERROR",
        )
    })
}

/// Parses a stored date.
fn stored_date(value: Option<&str>) -> Option<DateTime<Utc>> {
    value
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// Whether the stored date `value` lies in `[start, end]` (open bounds when absent). A missing
/// or unreadable date only passes when there are no bounds.
fn within(value: Option<&str>, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> bool {
    if start.is_none() && end.is_none() {
        return true;
    }
    let Some(date) = stored_date(value) else {
        return false;
    };
    start.is_none_or(|s| date >= s) && end.is_none_or(|e| date <= e)
}

/// One page of matching orders with the total count.
fn page(mirakl: &MiraklState, params: &Params) -> Value {
    let mut selected: Vec<&Value> = mirakl
        .orders
        .values()
        .filter(|order| params.matches(order))
        .collect();
    selected.sort_by(|a, b| {
        let key = |o: &Value| {
            (
                stored_date(o.get("created_date").and_then(Value::as_str)),
                o.get("order_id")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        };
        key(a).cmp(&key(b))
    });
    if params.descending {
        selected.reverse();
    }
    let total = selected.len();
    let orders: Vec<Value> = selected
        .into_iter()
        .skip(params.offset)
        .take(params.max)
        .map(public_view)
        .collect();
    json!({"orders": orders, "total_count": total})
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use crate::sandbox::test_support::{mirakl_client, sample_order, start};

    async fn get(sandbox: &crate::sandbox::Sandbox, query: &str) -> (u16, Value) {
        let response = mirakl_client(sandbox)
            .get(format!("{}/api/orders?{query}", sandbox.mirakl_url))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn wrong_auth_forms_are_401() {
        let sandbox = start().await;
        let client = reqwest::Client::new();
        let url = format!("{}/api/orders", sandbox.mirakl_url);
        for auth in [Some("Bearer sandbox-mirakl-key"), Some("wrong"), None] {
            let mut request = client.get(&url);
            if let Some(auth) = auth {
                request = request.header("Authorization", auth);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{auth:?}");
        }
        let response = client
            .get(&url)
            .header("Authorization", "sandbox-mirakl-key")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let stats = sandbox.stats();
        assert_eq!(stats.requests["OR11"], 4);
        assert_eq!(stats.rejected, 3);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn max_out_of_range_is_400() {
        let sandbox = start().await;
        for query in [
            "max=101",
            "max=0",
            "max=ten",
            "offset=-1",
            "sort=lastUpdated",
        ] {
            let (status, body) = get(&sandbox, query).await;
            assert_eq!(status, 400, "{query}");
            assert_eq!(body["status"], 400);
        }
        let (status, _) = get(&sandbox, "max=100").await;
        assert_eq!(status, 200);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn paging_returns_every_order_exactly_once() {
        let sandbox = start().await;
        let orders = (0..23)
            .map(|i| {
                let mut order = sample_order(&format!("O-{i:02}"), "SHIPPING", 1);
                // Creation dates out of id order, some equal.
                order["created_date"] = format!("2026-11-26T08:{:02}:00Z", (i * 7) % 5).into();
                order
            })
            .collect();
        sandbox.seed_orders(orders);
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let (status, body) = get(&sandbox, &format!("max=5&offset={offset}")).await;
            assert_eq!(status, 200);
            assert_eq!(body["total_count"], 23);
            let page = body["orders"].as_array().unwrap();
            seen.extend(
                page.iter()
                    .map(|o| o["order_id"].as_str().unwrap().to_string()),
            );
            offset += 5;
            if offset >= 23 {
                break;
            }
        }
        assert_eq!(seen.len(), 23);
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 23);
        let (_, body) = get(&sandbox, "offset=100").await;
        assert_eq!(body["orders"].as_array().unwrap().len(), 0);
        assert_eq!(body["total_count"], 23);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn pii_hidden_while_waiting_acceptance() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![
            sample_order("O-1", "WAITING_ACCEPTANCE", 1),
            sample_order("O-2", "SHIPPING", 1),
        ]);
        let (_, body) = get(&sandbox, "order_ids=O-1,O-2").await;
        let orders = body["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2);
        let by_id = |id: &str| orders.iter().find(|o| o["order_id"] == id).unwrap().clone();
        let waiting = by_id("O-1");
        assert!(waiting["customer"]["shipping_address"].is_null());
        assert!(waiting["customer"]["billing_address"].is_null());
        assert!(waiting["customer_notification_email"].is_null());
        let shipping = by_id("O-2");
        assert_eq!(shipping["customer"]["shipping_address"]["city"], "London");
        assert!(shipping["customer"]["billing_address"].is_object());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn filters_by_state_and_update_date_with_safety_delta() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![
            sample_order("O-1", "WAITING_ACCEPTANCE", 1),
            sample_order("O-2", "SHIPPING", 1),
        ]);
        let (_, body) = get(&sandbox, "order_state_codes=WAITING_ACCEPTANCE").await;
        assert_eq!(body["total_count"], 1);
        assert_eq!(body["orders"][0]["order_id"], "O-1");
        let (status, _) = get(&sandbox, "order_state_codes=NOPE").await;
        assert_eq!(status, 400);

        // A cursor one second after the last update still sees the orders (2 s delta).
        let later = chrono::Utc::now() + chrono::Duration::seconds(1);
        let cursor = later.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let encoded = cursor.replace(':', "%3A").replace('+', "%2B");
        let (status, body) = get(&sandbox, &format!("start_update_date={encoded}")).await;
        assert_eq!(status, 200);
        assert_eq!(body["total_count"], 2);
        // Ten seconds later they are gone.
        let later = chrono::Utc::now() + chrono::Duration::seconds(10);
        let cursor = later.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (_, body) = get(&sandbox, &format!("start_update_date={cursor}")).await;
        assert_eq!(body["total_count"], 0);
        let (status, _) = get(&sandbox, "start_update_date=yesterday").await;
        assert_eq!(status, 400);
        sandbox.shutdown().await;
    }
}
