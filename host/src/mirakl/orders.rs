//! Orders: OR11 (list, paged, deduplicated) and OR21 (accept/refuse every line).

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::client::Client;
use super::raw_order::RawOrder;
use crate::http::ApiError;

/// OR11 page size (`max`); Mirakl's ceiling for offset pagination.
pub const ORDERS_PAGE_SIZE: usize = 100;

/// Most OR11 pages read in one call before giving up (guards against a server that never
/// reaches `total_count`).
const MAX_PAGES: usize = 10_000;

impl Client {
    /// OR11: every order updated at or after `since` (all orders when `None`), paged 100 at a
    /// time until `offset >= total_count` or an empty page, as raw order objects (the text
    /// Mirakl sent) deduplicated by `order_id` (the last copy seen wins, in first-seen
    /// position).
    ///
    /// Waits on the OR11 poll pacer once, then on the call pacer for every page. Mirakl
    /// subtracts a safety delta from `start_update_date`, so expect orders seen before.
    pub async fn orders_updated_since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<RawOrder>, ApiError> {
        self.poll_pacer.wait().await;
        let since = since.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
        let mut query = Vec::new();
        if let Some(since) = &since {
            query.push(("start_update_date", since.as_str()));
        }
        let mut orders = OrderSet::default();
        self.page_orders(&query, &mut orders).await?;
        Ok(orders.into_vec())
    }

    /// One order re-read by id (OR11 `order_ids`); `None` when Mirakl does not return it.
    pub async fn order_by_id(&self, order_id: &str) -> Result<Option<RawOrder>, ApiError> {
        let orders = self.orders_by_ids(&[order_id.to_string()]).await?;
        Ok(orders.into_iter().find(|o| o.id() == Some(order_id)))
    }

    /// OR11 by `order_ids` (comma list, 100 ids per request), deduplicated by `order_id`.
    /// Paced by the call pacer only, not the OR11 poll pacer. Blank ids are skipped; ids
    /// Mirakl does not know are simply absent from the result.
    pub async fn orders_by_ids(&self, ids: &[String]) -> Result<Vec<RawOrder>, ApiError> {
        let mut wanted: Vec<&str> = Vec::new();
        for id in ids.iter().map(|id| id.trim()).filter(|id| !id.is_empty()) {
            if !wanted.contains(&id) {
                wanted.push(id);
            }
        }
        let mut orders = OrderSet::default();
        for chunk in wanted.chunks(ORDERS_PAGE_SIZE) {
            let list = chunk.join(",");
            self.page_orders(&[("order_ids", list.as_str())], &mut orders)
                .await?;
        }
        Ok(orders.into_vec())
    }

    /// OR21: sends the component's decision `body` (`{"order_lines": [{"id", "accepted"}]}`,
    /// every line of the order) as it is. Not idempotent:
    /// a timeout or 5xx after sending is [`ApiError::OutcomeUnknown`] (re-read the order with
    /// OR11 first); re-sending after success is rejected with `ORDER_INVALID_STATE`.
    pub async fn accept_order(&self, order_id: &str, body: &Value) -> Result<(), ApiError> {
        // Success is the 2xx itself (204); the body, if any, is not needed.
        self.request(
            Method::PUT,
            &["api", "orders", order_id, "accept"],
            &[],
            Some(body),
            false,
        )
        .await
        .map(|_| ())
    }

    /// Reads OR11 pages for `filter` into `orders`.
    async fn page_orders(
        &self,
        filter: &[(&str, &str)],
        orders: &mut OrderSet,
    ) -> Result<(), ApiError> {
        let max = ORDERS_PAGE_SIZE.to_string();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let offset_text = offset.to_string();
            let mut query = filter.to_vec();
            query.push(("max", max.as_str()));
            query.push(("offset", offset_text.as_str()));
            let body: Page = self
                .request_parsed(Method::GET, &["api", "orders"], &query, None, true)
                .await?;
            let (page, total) = body.split()?;
            let received = page.len();
            for order in page {
                orders.insert(RawOrder::new(String::from(Box::<str>::from(order))));
            }
            offset += received;
            let done = match total {
                Some(total) => offset >= total,
                None => received < ORDERS_PAGE_SIZE,
            };
            if received == 0 || done {
                return Ok(());
            }
        }
        Err(ApiError::Decode {
            reason: format!(
                "OR11 paging did not reach total_count after {MAX_PAGES} pages; narrow the query"
            ),
        })
    }
}

/// One OR11 page: the orders as raw text, `total_count` as any JSON value.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    orders: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    total_count: Option<Value>,
}

impl Page {
    /// The page's orders and its leniently read `total_count`.
    fn split(self) -> Result<(Vec<Box<RawValue>>, Option<usize>), ApiError> {
        let total = self.total_count.as_ref().and_then(lenient_count);
        match self.orders {
            Some(orders) => Ok((orders, total)),
            None if total == Some(0) => Ok((Vec::new(), total)),
            None => Err(ApiError::Decode {
                reason: "OR11 response has no `orders` array".into(),
            }),
        }
    }
}

/// A count given as a JSON number (integer or integral float) or numeric string.
fn lenient_count(value: &Value) -> Option<usize> {
    let n = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        })?,
        Value::String(s) => s.trim().parse::<u64>().ok()?,
        _ => return None,
    };
    usize::try_from(n).ok()
}

/// Orders in first-seen order, deduplicated by `order_id` (last copy wins). Orders without
/// an id are kept as they are, for the component to report.
#[derive(Default)]
struct OrderSet {
    orders: Vec<RawOrder>,
    index: HashMap<String, usize>,
}

impl OrderSet {
    fn insert(&mut self, order: RawOrder) {
        match order.id().map(str::to_string) {
            Some(id) => match self.index.get(&id) {
                Some(&at) => self.orders[at] = order,
                None => {
                    self.index.insert(id, self.orders.len());
                    self.orders.push(order);
                }
            },
            None => self.orders.push(order),
        }
    }

    fn into_vec(self) -> Vec<RawOrder> {
        self.orders
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::json;
    use std::time::Duration;

    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use chrono::TimeZone;

    use super::*;
    use crate::http::test_server::{fast_policy, json_body, query_pairs, serve};
    use crate::mirakl::MiraklConfig;

    /// What the scripted server saw of one request.
    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        path: String,
        raw_query: String,
        query: Vec<(String, String)>,
        authorization: Option<String>,
        body: Value,
    }

    type Log = Arc<Mutex<Vec<Seen>>>;

    fn param<'a>(seen: &'a Seen, key: &str) -> Option<&'a str> {
        seen.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A Mirakl stand-in holding `count` orders `O-0..`, honouring `max`/`offset`/`order_ids`.
    async fn orders_server(count: usize, log: Log) -> String {
        serve(move |request| {
            let log = log.clone();
            async move {
                let mut seen = Seen {
                    method: request.method().to_string(),
                    path: request.uri().path().to_owned(),
                    raw_query: request.uri().query().unwrap_or_default().to_owned(),
                    query: query_pairs(&request),
                    authorization: request
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                    body: Value::Null,
                };
                seen.body = json_body(request).await;
                log.lock().expect("log").push(seen.clone());
                if seen.authorization.as_deref() != Some("shop-key") {
                    return (
                        StatusCode::UNAUTHORIZED,
                        r#"{"status":401,"message":"Unauthorized"}"#,
                    )
                        .into_response();
                }
                if seen.method == "PUT" {
                    return StatusCode::NO_CONTENT.into_response();
                }
                let max: usize = param(&seen, "max")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(10);
                if max > 100 {
                    return (
                        StatusCode::BAD_REQUEST,
                        r#"{"status":400,"message":"max > 100"}"#,
                    )
                        .into_response();
                }
                let all: Vec<String> = match param(&seen, "order_ids") {
                    Some(ids) => ids.split(',').map(str::to_owned).collect(),
                    None => (0..count).map(|i| format!("O-{i}")).collect(),
                };
                let offset: usize = param(&seen, "offset")
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0);
                let page: Vec<Value> = all
                    .iter()
                    .skip(offset)
                    .take(max)
                    .map(|id| json!({ "order_id": id, "order_state": "SHIPPING" }))
                    .collect();
                axum::Json(json!({ "orders": page, "total_count": all.len() })).into_response()
            }
        })
        .await
    }

    fn client(base: &str, poll: Duration) -> Client {
        let mut config = MiraklConfig::new(base, "shop-key");
        config.shop_id = Some("2001".into());
        config.retry = fast_policy();
        config.orders_poll_interval = poll;
        config.page_interval = Duration::from_millis(1);
        Client::new(config).expect("client")
    }

    #[tokio::test]
    async fn or11_pages_through_250_orders() {
        let log: Log = Arc::default();
        let base = orders_server(250, log.clone()).await;
        let client = client(&base, Duration::ZERO);
        let since = Utc
            .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
            .single()
            .expect("date");
        let orders = client
            .orders_updated_since(Some(since))
            .await
            .expect("orders");
        assert_eq!(orders.len(), 250);
        let unique: std::collections::HashSet<_> =
            orders.iter().map(|o| o.id().map(str::to_string)).collect();
        assert_eq!(unique.len(), 250);
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen.len(), 3);
        for (i, request) in seen.iter().enumerate() {
            assert_eq!(request.path, "/api/orders");
            assert_eq!(request.authorization.as_deref(), Some("shop-key"));
            assert_eq!(param(request, "max"), Some("100"));
            assert_eq!(
                param(request, "offset"),
                Some((i * 100).to_string().as_str())
            );
            assert_eq!(param(request, "shop_id"), Some("2001"));
            assert_eq!(
                param(request, "start_update_date"),
                Some("2025-01-02T03:04:05.000Z")
            );
            assert!(
                request
                    .raw_query
                    .contains("start_update_date=2025-01-02T03%3A04%3A05.000Z"),
                "{}",
                request.raw_query
            );
        }
    }

    #[tokio::test]
    async fn or11_dedupes_lenient_total_and_stops_on_empty_page() {
        let calls = Arc::new(Mutex::new(0usize));
        let c = calls.clone();
        let base = serve(move |request| {
            let c = c.clone();
            async move {
                *c.lock().expect("calls") += 1;
                let offset = query_pairs(&request)
                    .into_iter()
                    .find(|(k, _)| k == "offset")
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                let body = match offset.as_str() {
                    "0" => json!({"total_count": "9", "orders": [
                        {"order_id": "A", "v": 1}, {"order_id": "B", "v": 1}]}),
                    "2" => json!({"total_count": 9.0, "orders": [
                        {"order_id": "B", "v": 2}, {"order_id": "C", "v": 1}]}),
                    _ => json!({"total_count": 9, "orders": []}),
                };
                axum::Json(body).into_response()
            }
        })
        .await;
        let mut config = MiraklConfig::new(&base, "shop-key");
        config.retry = fast_policy();
        config.page_interval = Duration::ZERO;
        let client = Client::new(config).expect("client");
        let orders = client.orders_updated_since(None).await.expect("orders");
        let ids: Vec<_> = orders.iter().map(RawOrder::id).collect();
        assert_eq!(ids, [Some("A"), Some("B"), Some("C")]);
        let second: serde_json::Value = serde_json::from_str(orders[1].json()).expect("json");
        assert_eq!(second["v"], 2, "last copy wins");
        assert_eq!(*calls.lock().expect("calls"), 3);
    }

    #[tokio::test]
    async fn or11_poll_pacer_gates_polls_not_id_lookups() {
        let log: Log = Arc::default();
        let base = orders_server(3, log.clone()).await;
        let client = client(&base, Duration::from_millis(300));
        let started = tokio::time::Instant::now();
        client.orders_updated_since(None).await.expect("first poll");
        let ids: Vec<String> = (0..150).map(|i| format!("X-{i}")).collect();
        let found = client.orders_by_ids(&ids).await.expect("by ids");
        assert_eq!(found.len(), 150);
        assert!(
            started.elapsed() < Duration::from_millis(300),
            "id lookups must not wait for the poll pacer"
        );
        client
            .orders_updated_since(None)
            .await
            .expect("second poll");
        assert!(started.elapsed() >= Duration::from_millis(300));
        let seen = log.lock().expect("log").clone();
        let chunks: Vec<usize> = seen
            .iter()
            .filter_map(|s| param(s, "order_ids"))
            .map(|ids| ids.split(',').count())
            .collect();
        assert_eq!(chunks, [100, 50]);
    }

    #[tokio::test]
    async fn or21_sends_every_line() {
        let log: Log = Arc::default();
        let base = orders_server(0, log.clone()).await;
        let client = client(&base, Duration::ZERO);
        let decision = json!({"order_lines": [
            {"id": "L-1", "accepted": true},
            {"id": "L-2", "accepted": false},
            {"id": "L-3", "accepted": true}
        ]});
        client
            .accept_order("JL/42", &decision)
            .await
            .expect("accepted");
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "PUT");
        assert_eq!(seen[0].path, "/api/orders/JL%2F42/accept");
        assert_eq!(param(&seen[0], "shop_id"), Some("2001"));
        assert_eq!(
            seen[0].body,
            json!({"order_lines": [
                {"id": "L-1", "accepted": true},
                {"id": "L-2", "accepted": false},
                {"id": "L-3", "accepted": true}
            ]})
        );
    }

    #[tokio::test]
    async fn or21_rejection_carries_the_code() {
        let base = serve(|_request| async {
            (
                StatusCode::BAD_REQUEST,
                r#"{"status":400,"code":"ORDER_LINE_ACCEPTANCE_DECISION_MISSING","message":"Line L-2 has no decision"}"#,
            )
                .into_response()
        })
        .await;
        let client = client(&base, Duration::ZERO);
        let err = client
            .accept_order(
                "1",
                &json!({"order_lines": [{"id": "L-1", "accepted": true}]}),
            )
            .await
            .expect_err("rejected");
        assert_eq!(
            err,
            ApiError::Rejected {
                status: 400,
                code: Some("ORDER_LINE_ACCEPTANCE_DECISION_MISSING".into()),
                message: "Line L-2 has no decision".into()
            }
        );
    }

    #[tokio::test]
    async fn wrong_key_is_rejected_and_not_echoed() {
        let log: Log = Arc::default();
        let base = orders_server(1, log).await;
        let mut config = MiraklConfig::new(&base, "wrong-key");
        config.retry = fast_policy();
        config.page_interval = Duration::ZERO;
        let err = Client::new(config)
            .expect("client")
            .orders_updated_since(None)
            .await
            .expect_err("401");
        assert_eq!(err.status(), Some(401));
        assert!(!err.to_string().contains("wrong-key"));
    }

    #[test]
    fn lenient_counts() {
        assert_eq!(lenient_count(&json!(3)), Some(3));
        assert_eq!(lenient_count(&json!("12")), Some(12));
        assert_eq!(lenient_count(&json!(4.0)), Some(4));
        assert_eq!(lenient_count(&json!(-1)), None);
        assert_eq!(lenient_count(&json!(null)), None);
        let page = |body: Value| serde_json::from_value::<Page>(body).map(Page::split);
        assert!(matches!(page(json!({"total_count": 0})), Ok(Ok(_))));
        assert!(matches!(page(json!({"total_count": 5})), Ok(Err(_))));
        assert!(!matches!(page(json!([])), Ok(Ok(_))), "not an object");
    }
}
