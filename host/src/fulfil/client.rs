//! [`Client`]: authenticated, paced, retried access to Fulfil's REST v2 model API.

use std::fmt;
use std::sync::Arc;

use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use super::config::FulfilConfig;
use crate::http::{self, ApiError, Pacer, RetryPolicy};

/// Largest `limit` Fulfil serves in one `search_read`.
pub const SEARCH_READ_MAX: u32 = 500;

/// A Fulfil REST v2 client. Clones share the connection pool and the pacer.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `…/api/v2`.
    api_root: Url,
    /// Kept only to scrub it from error texts; sent via the client's default headers.
    api_key: String,
    channel_id: i64,
    pub(super) ean_field: String,
    /// Warehouses whose stock counts, as configured (codes or ids); empty = all.
    pub(super) warehouses: Vec<String>,
    /// Their location ids, once resolved (shared by clones).
    pub(super) counted_locations: Arc<OnceCell<Vec<i64>>>,
    retry: RetryPolicy,
    pacer: Pacer,
}

impl Client {
    /// Builds a client from `config`. Fails (without echoing the key) when the base URL is not
    /// an http(s) URL, the API key is empty or not a valid header value, or the EAN field name
    /// is blank.
    pub fn new(config: FulfilConfig) -> anyhow::Result<Self> {
        let base = http::parse_base_url(&config.base_url, "Fulfil base URL")?;
        let api_root = if base.path().trim_end_matches('/').ends_with("/api/v2") {
            base
        } else {
            http::endpoint(&base, &["api", "v2"], &[])
        };
        let api_key = config.api_key.trim().to_owned();
        if api_key.is_empty() {
            anyhow::bail!(
                "the Fulfil API key is empty; set it (JLM_FULFIL_API_KEY) to a personal access token"
            );
        }
        let ean_field = config.ean_field.trim().to_owned();
        if ean_field.is_empty() {
            anyhow::bail!("the Fulfil EAN field name is empty; the default is `upc`");
        }
        let mut key = HeaderValue::from_str(&api_key).map_err(|_| {
            anyhow::anyhow!("the Fulfil API key contains characters not allowed in an HTTP header")
        })?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static("x-api-key"), key);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = http::api_client_builder(headers)
            .build()
            .map_err(|e| anyhow::anyhow!("could not set up the Fulfil HTTP client: {e}"))?;
        Ok(Client {
            http,
            api_root,
            api_key,
            channel_id: config.channel_id,
            ean_field,
            warehouses: config
                .warehouses
                .iter()
                .map(|w| w.trim().to_owned())
                .filter(|w| !w.is_empty())
                .collect(),
            counted_locations: Arc::new(OnceCell::new()),
            retry: config.retry,
            pacer: Pacer::new(config.min_interval),
        })
    }

    /// The configured `sale.channel` id.
    pub fn channel_id(&self) -> i64 {
        self.channel_id
    }

    /// The pacer every Fulfil call waits on (shared by clones).
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// Calls `PUT /api/v2/model/{model}/{method}` with the positional `args` array (and the
    /// `context` query parameter when given) and returns the JSON result (`Null` for an empty
    /// body). `idempotent` decides whether 5xx/timeouts are retried or reported as
    /// [`ApiError::OutcomeUnknown`].
    pub async fn call(
        &self,
        model: &str,
        method: &str,
        args: &(impl Serialize + ?Sized),
        idempotent: bool,
        context: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let context = context.map(Value::to_string);
        let query: Vec<(&str, &str)> = context.iter().map(|c| ("context", c.as_str())).collect();
        let url = http::endpoint(&self.api_root, &["model", model, method], &query);
        let result = async {
            let response = http::send(&self.http, &self.pacer, &self.retry, idempotent, || {
                self.http.put(url.clone()).json(args)
            })
            .await?;
            http::read_json::<Value>(response).await
        }
        .await;
        result.map_err(|e| e.redacted(&self.api_key))
    }

    /// `sale.channel.create_order(channel_id, order)`: creates the sale for `order` in the
    /// configured channel, or returns the existing one — Fulfil deduplicates on the order's
    /// `channel_identifier`, so this is retried like an idempotent call. Returns the sale
    /// record exactly as Fulfil sends it. `order` is the component's body, sent byte for byte.
    pub async fn create_order(&self, order: &RawValue) -> Result<Value, ApiError> {
        let record = self
            .call(
                "sale.channel",
                "create_order",
                &(self.channel_id, order),
                true,
                None,
            )
            .await?;
        if record.is_null() {
            return Err(ApiError::Decode {
                reason: "create_order answered without the sale record".into(),
            });
        }
        Ok(record)
    }

    /// `search_read` on `model`: records matching the Tryton `domain`, `fields` only, from
    /// `offset`, at most `limit` (clamped to 1..=[`SEARCH_READ_MAX`]), in Fulfil's default
    /// order. A page shorter than `limit` is the last.
    pub async fn search_read(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        offset: u32,
        limit: u32,
    ) -> Result<Vec<Value>, ApiError> {
        self.search_read_ordered(model, domain, fields, offset, limit, Value::Null, None)
            .await
    }

    /// [`Client::search_read`] with an explicit `order` (e.g. `[["id","ASC"]]`), needed for
    /// stable paging, and an optional `context` (e.g. `{"locations":[1]}`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn search_read_ordered(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        offset: u32,
        limit: u32,
        order: Value,
        context: Option<&Value>,
    ) -> Result<Vec<Value>, ApiError> {
        let limit = limit.clamp(1, SEARCH_READ_MAX);
        let args = json!([domain, offset, limit, order, fields]);
        match self
            .call(model, "search_read", &args, true, context)
            .await?
        {
            Value::Array(records) => Ok(records),
            _ => Err(ApiError::Decode {
                reason: format!("{model}.search_read did not return a list of records"),
            }),
        }
    }

    /// Every record of `model` matching `domain` (a list of clauses), read
    /// [`SEARCH_READ_MAX`] at a time in id order, each page asking for ids above the last one
    /// read. Unlike offset paging, a record that leaves the domain or changes while the pages
    /// are read never shifts another record out of the reading. `fields` must include `id`.
    pub(super) async fn search_read_all(
        &self,
        model: &str,
        domain: Value,
        fields: &[&str],
        context: Option<&Value>,
    ) -> Result<Vec<Value>, ApiError> {
        let mut records = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let page_domain = match after {
                None => domain.clone(),
                Some(id) => after_id(&domain, id),
            };
            let page = self
                .search_read_ordered(
                    model,
                    page_domain,
                    fields,
                    0,
                    SEARCH_READ_MAX,
                    json!([["id", "ASC"]]),
                    context,
                )
                .await?;
            let full = page.len() >= SEARCH_READ_MAX as usize;
            let last = page
                .iter()
                .filter_map(|r| r.get("id").and_then(super::wire::int))
                .max();
            records.extend(page);
            if !full {
                return Ok(records);
            }
            match last {
                Some(id) if after.is_none_or(|a| id > a) => after = Some(id),
                _ => {
                    return Err(ApiError::Decode {
                        reason: format!(
                            "{model}.search_read returned a full page without ids above {}",
                            after.unwrap_or_default()
                        ),
                    });
                }
            }
        }
    }

    /// The sale created for channel identifier `id` (the John Lewis `order_id`), with fields
    /// `id`, `channel_identifier`, `reference` and `state`; `None` if there is none.
    pub async fn sale_by_channel_identifier(&self, id: &str) -> Result<Option<Value>, ApiError> {
        let records = self
            .search_read(
                "sale.sale",
                json!([["channel_identifier", "=", id]]),
                &["id", "channel_identifier", "reference", "state"],
                0,
                1,
            )
            .await?;
        Ok(records.into_iter().next())
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("fulfil::Client")
            .field("api_root", &self.api_root.as_str())
            .field("channel_id", &self.channel_id)
            .field("ean_field", &self.ean_field)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// `domain` narrowed to ids above `id`: the clause is appended to a plain list of clauses,
/// and an `"OR"` domain becomes a sub-domain of the narrowed one.
fn after_id(domain: &Value, id: i64) -> Value {
    let above = json!(["id", ">", id]);
    match domain {
        Value::Array(clauses) if clauses.first().and_then(Value::as_str) != Some("OR") => {
            let mut clauses = clauses.clone();
            clauses.push(above);
            Value::Array(clauses)
        }
        Value::Null => json!([above]),
        other => json!([other, above]),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    use super::*;
    use crate::http::test_server::{fast_policy, json_body, serve};

    /// (method, path, x-api-key, body) of each request.
    pub(crate) type Log = Arc<Mutex<Vec<(String, String, Option<String>, Value)>>>;

    pub(crate) fn test_client(base: &str) -> Client {
        let mut config = FulfilConfig::new(base, "fulfil-key", 3);
        config.retry = fast_policy();
        config.min_interval = Duration::from_millis(1);
        Client::new(config).expect("client")
    }

    /// Serves `reply(body)` for every request, logging what came in.
    pub(crate) async fn scripted(
        log: Log,
        reply: impl Fn(&Value) -> axum::response::Response + Send + Sync + 'static,
    ) -> String {
        let reply = Arc::new(reply);
        serve(move |request| {
            let log = log.clone();
            let reply = reply.clone();
            async move {
                let method = request.method().to_string();
                let path = request.uri().path().to_owned();
                let key = request
                    .headers()
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = json_body(request).await;
                let response = reply(&body);
                log.lock().expect("log").push((method, path, key, body));
                response
            }
        })
        .await
    }

    #[test]
    fn api_root_is_appended_once() {
        let a = test_client("https://acme.fulfil.io");
        let b = test_client("https://acme.fulfil.io/api/v2/");
        assert_eq!(a.api_root.as_str(), "https://acme.fulfil.io/api/v2");
        assert_eq!(
            http::endpoint(&b.api_root, &["model", "sale.sale", "search_read"], &[]).as_str(),
            "https://acme.fulfil.io/api/v2/model/sale.sale/search_read"
        );
        assert!(!format!("{a:?}").contains("fulfil-key"));
    }

    #[tokio::test]
    async fn create_order_sends_channel_and_order() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_| {
            axum::Json(json!({"id": 55, "channel_identifier": "JL-1", "state": "draft"}))
                .into_response()
        })
        .await;
        let client = test_client(&base);
        let order = json!({"channel_identifier": "JL-1", "reference": "JL-1"});
        let sale = client.create_order(&raw(&order)).await.expect("sale");
        assert_eq!(sale["id"], 55);
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen.len(), 1);
        let (method, path, key, body) = &seen[0];
        assert_eq!(method, "PUT");
        assert_eq!(path, "/api/v2/model/sale.channel/create_order");
        assert_eq!(key.as_deref(), Some("fulfil-key"));
        assert_eq!(body, &json!([3, order]));
    }

    /// `value` as the raw JSON text the component hands over.
    fn raw(value: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(value).expect("json")
    }

    #[tokio::test]
    async fn create_order_sends_the_component_body_byte_for_byte() {
        let seen: Arc<Mutex<Vec<u8>>> = Arc::default();
        let sink = seen.clone();
        let base = serve(move |request: axum::extract::Request| {
            let sink = sink.clone();
            async move {
                let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
                    .await
                    .expect("body");
                *sink.lock().expect("seen") = bytes.to_vec();
                axum::Json(json!({"id": 1})).into_response()
            }
        })
        .await;
        // Key order, spacing and decimal strings as the component wrote them.
        let body = r#"{"reference": "JL-1", "channel_identifier":"JL-1","lines":[{"unit_price":"10.5000"}]}"#;
        let order = RawValue::from_string(body.to_string()).expect("json");
        test_client(&base).create_order(&order).await.expect("sale");
        let sent = String::from_utf8(seen.lock().expect("seen").clone()).expect("utf-8");
        assert_eq!(sent, format!("[3,{body}]"));
    }

    #[tokio::test]
    async fn create_order_is_retried_on_502_because_it_is_idempotent() {
        let log: Log = Arc::default();
        let calls = Arc::new(Mutex::new(0));
        let c = calls.clone();
        let base = scripted(log, move |_| {
            let mut n = c.lock().expect("calls");
            *n += 1;
            if *n == 1 {
                StatusCode::BAD_GATEWAY.into_response()
            } else {
                axum::Json(json!({"id": 1})).into_response()
            }
        })
        .await;
        test_client(&base)
            .create_order(&raw(&json!({"channel_identifier": "X"})))
            .await
            .expect("retried");
        assert_eq!(*calls.lock().expect("calls"), 2);
    }

    #[tokio::test]
    async fn user_error_becomes_rejected_with_its_message() {
        let log: Log = Arc::default();
        let base = scripted(log, |_| {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "type": "UserError",
                    "code": "E1000",
                    "message": "The amount does not match the total of the lines."
                })),
            )
                .into_response()
        })
        .await;
        let err = test_client(&base)
            .create_order(&raw(&json!({"channel_identifier": "JL-9"})))
            .await
            .expect_err("user error");
        assert_eq!(
            err,
            ApiError::Rejected {
                status: 400,
                code: Some("E1000".into()),
                message: "The amount does not match the total of the lines.".into()
            }
        );
    }

    #[tokio::test]
    async fn search_read_is_positional_and_clamped() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_| {
            axum::Json(json!([{"id": 1, "reference": "SO1", "state": "confirmed",
                               "channel_identifier": "JL-1"}]))
            .into_response()
        })
        .await;
        let client = test_client(&base);
        let records = client
            .search_read(
                "sale.sale",
                json!([["state", "=", "confirmed"]]),
                &["id"],
                10,
                9_999,
            )
            .await
            .expect("records");
        assert_eq!(records.len(), 1);
        let sale = client
            .sale_by_channel_identifier("JL-1")
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(sale["reference"], "SO1");
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen[0].1, "/api/v2/model/sale.sale/search_read");
        assert_eq!(
            seen[0].3,
            json!([[["state", "=", "confirmed"]], 10, 500, null, ["id"]])
        );
        assert_eq!(
            seen[1].3,
            json!([
                [["channel_identifier", "=", "JL-1"]],
                0,
                1,
                null,
                ["id", "channel_identifier", "reference", "state"]
            ])
        );
    }

    #[tokio::test]
    async fn non_list_search_read_is_a_decode_error() {
        let log: Log = Arc::default();
        let base = scripted(log, |_| axum::Json(json!({"oops": true})).into_response()).await;
        let err = test_client(&base)
            .sale_by_channel_identifier("JL-1")
            .await
            .expect_err("decode");
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    }
}
