//! Dispatch: SH21 (approved carriers), OR23 (order tracking), OR24 (ship an order), ST01
//! (create shipments), and [`Client::send_planned`] for the calls the component plans
//! (OR23, OR24, ST01, ST23, ST24).
//!
//! Idempotency, which decides what a 5xx or a timeout after sending means:
//!
//! | call | method | idempotent | why |
//! |---|---|---|---|
//! | SH21 | GET | yes | read only |
//! | OR23 | PUT | no | sets the tracking, once: re-read the order's tracking (OR11) |
//! | OR24 | PUT | no | a repeat on a shipped order is rejected; re-read the order (OR11) |
//! | ST01 | POST | no | a repeat creates a second shipment |
//! | ST23 | POST | yes | sets the tracking of existing shipments |
//! | ST24 | PUT | no | a repeat on a shipped shipment is rejected; re-read it (ST11) |
//!
//! A non-idempotent call that fails after it was sent is [`ApiError::OutcomeUnknown`]; the same
//! holds when ST01/ST24 answer 2xx with a body that cannot be read, since the per-shipment
//! results (`shipment_success[]`, `shipment_errors[]`) are then unknown.

use reqwest::{Method, Response, Url};
use serde_json::Value;

use super::client::Client;
use crate::http::{self, ApiError};

/// `code` of the [`ApiError::Rejected`] returned (with `status` 0) when a request is refused
/// locally, before anything is sent: a blank order id, or a planned request whose operation,
/// path or body is not acceptable.
pub const INVALID_REQUEST_CODE: &str = "INVALID_REQUEST";

/// Which planned operations exist and how each is sent.
struct Operation {
    method: Method,
    idempotent: bool,
    /// The request carries a JSON object body (every operation but OR24).
    has_body: bool,
    /// The response body carries per-item results worth returning (the ST* calls).
    returns_body: bool,
}

impl Operation {
    /// The operation for `api`, `None` when it is not one [`Client::send_planned`] sends.
    fn of(api: &str) -> Option<Operation> {
        let (method, idempotent, has_body, returns_body) = match api {
            "OR23" => (Method::PUT, false, true, false),
            "OR24" => (Method::PUT, false, false, false),
            "ST01" => (Method::POST, false, true, true),
            "ST23" => (Method::POST, true, true, true),
            "ST24" => (Method::PUT, false, true, true),
            _ => return None,
        };
        Some(Operation {
            method,
            idempotent,
            has_body,
            returns_body,
        })
    }
}

impl Client {
    /// SH21: the carriers John Lewis approves, as the raw body
    /// (`{"carriers":[{"code","label","standard_code","tracking_url"}]}`). Idempotent.
    ///
    /// Mirakl asks for this once per day: cache the result rather than calling it per
    /// shipment.
    pub async fn carriers(&self) -> Result<Value, ApiError> {
        self.request_json(
            Method::GET,
            &["api", "shipping", "carriers"],
            &[],
            None,
            true,
        )
        .await
    }

    /// OR23: sets the carrier and tracking number of `order_id` (`body` as planned:
    /// `carrier_code` or `carrier_name`/`carrier_url`, plus `tracking_number`). Success is the
    /// 2xx itself (204). Not retried after it may have been applied (a timeout, a 500/502/504
    /// or a reset answer is `OutcomeUnknown`): each OR23 is applied once, and the order's
    /// tracking (OR11) shows whether it was.
    pub async fn set_tracking(&self, order_id: &str, body: &Value) -> Result<(), ApiError> {
        let order_id = non_blank(order_id)?;
        self.request(
            Method::PUT,
            &["api", "orders", order_id, "tracking"],
            &[],
            Some(body),
            false,
        )
        .await
        .map(|_| ())
    }

    /// OR24: confirms `order_id` as shipped (no body; the order must be in `SHIPPING`).
    /// Success is the 2xx itself (204). Not idempotent: a timeout or a 500/502/504 after
    /// sending is [`ApiError::OutcomeUnknown`], and a repeat on a shipped order is rejected,
    /// so re-read the order with OR11 before trying again.
    pub async fn ship_order(&self, order_id: &str) -> Result<(), ApiError> {
        let order_id = non_blank(order_id)?;
        self.request(
            Method::PUT,
            &["api", "orders", order_id, "ship"],
            &[],
            None,
            false,
        )
        .await
        .map(|_| ())
    }

    /// ST01: creates the shipments in `body` (`{"shipments":[…]}`) and returns Mirakl's
    /// answer as it came (`shipment_success[]`, `shipment_errors[]{order_id,message}`): a 2xx
    /// may still refuse some shipments, so inspect both arrays. Not idempotent: a timeout, a
    /// 500/502/504 or an unreadable 2xx body is [`ApiError::OutcomeUnknown`].
    pub async fn create_shipments(&self, body: &Value) -> Result<Value, ApiError> {
        let response = self
            .request(Method::POST, &["api", "shipments"], &[], Some(body), false)
            .await?;
        self.read_results("ST01", response, false).await
    }

    /// Sends one request planned by the component: `api` is `OR23`, `OR24`, `ST01`, `ST23` or
    /// `ST24`; `path` the path below the instance base URL with its segments already
    /// URL-encoded (e.g. `/api/orders/JL-1/tracking`); `body` the JSON body (`None`, or JSON
    /// `null`, for OR24 only).
    ///
    /// Methods: OR23 PUT, OR24 PUT, ST01 POST, ST23 POST, ST24 PUT; idempotency as in the
    /// module table. Returns `Some(body)` (a JSON object) for the ST* calls and `None` for
    /// OR23/OR24, whose success is the 2xx itself; a 2xx ST* answer without a readable object
    /// body is [`ApiError::Decode`] for ST23 and [`ApiError::OutcomeUnknown`] for ST01/ST24.
    ///
    /// Nothing is sent, and the result is [`ApiError::Rejected`] with status 0 and code
    /// [`INVALID_REQUEST_CODE`], when `api` is unknown, the body does not fit the operation,
    /// or `path` is not the operation's path: it must start with `/api/`, contain no `..`, no
    /// dot segments (`%2e` included), no empty segments, no query or fragment and only URL
    /// path characters, and be `/api/orders/{order_id}/tracking` (OR23),
    /// `/api/orders/{order_id}/ship` (OR24), `/api/shipments` (ST01),
    /// `/api/shipments/tracking` (ST23) or `/api/shipments/ship` (ST24).
    pub async fn send_planned(
        &self,
        api: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ApiError> {
        let operation = Operation::of(api).ok_or_else(|| {
            invalid(format!(
                "`{api}` is not a dispatch call (expected OR23, OR24, ST01, ST23 or ST24)"
            ))
        })?;
        check_planned_path(api, path).map_err(invalid)?;
        let body = match body {
            Some(Value::Null) | None => None,
            Some(body) => Some(body),
        };
        match (operation.has_body, body) {
            (true, Some(Value::Object(_))) | (false, None) => {}
            (true, _) => return Err(invalid(format!("{api} needs a JSON object body"))),
            (false, Some(_)) => return Err(invalid(format!("{api} takes no body"))),
        }
        let url = self.planned_url(path).map_err(invalid)?;
        let response = http::send(
            &self.http,
            &self.page_pacer,
            &self.retry,
            operation.idempotent,
            || {
                let request = self.http.request(operation.method.clone(), url.clone());
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            },
        )
        .await
        .map_err(|e| e.redacted(&self.api_key))?;
        if !operation.returns_body {
            return Ok(None);
        }
        self.read_results(api, response, operation.idempotent)
            .await
            .map(Some)
    }

    /// The base URL followed by the already-encoded `path`, plus `shop_id` when configured.
    /// Fails when the URL parser would not keep `path` byte for byte.
    fn planned_url(&self, path: &str) -> Result<Url, String> {
        let mut url = self.base.clone();
        let wanted = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&wanted);
        if url.path() != wanted {
            return Err(format!(
                "path `{path}` does not survive URL parsing unchanged"
            ));
        }
        if let Some(shop_id) = &self.shop_id {
            url.query_pairs_mut().append_pair("shop_id", shop_id);
        }
        Ok(url)
    }

    /// Reads the JSON object result body of a 2xx `api` answer. When the call was not
    /// idempotent, a body that is missing or cannot be read or parsed is
    /// [`ApiError::OutcomeUnknown`]: the request was applied, but which items succeeded is
    /// unknown.
    async fn read_results(
        &self,
        api: &str,
        response: Response,
        idempotent: bool,
    ) -> Result<Value, ApiError> {
        let result = http::read_json::<Value>(response).await.and_then(|body| {
            if body.is_object() {
                Ok(body)
            } else {
                Err(ApiError::Decode {
                    reason: format!("{api} response is not a JSON object"),
                })
            }
        });
        result.map_err(|e| {
            let e = match e {
                ApiError::Decode { reason } | ApiError::Unavailable { reason } if !idempotent => {
                    ApiError::OutcomeUnknown {
                        reason: format!(
                            "{api} was accepted but its per-item results could not be read ({reason})"
                        ),
                    }
                }
                e => e,
            };
            e.redacted(&self.api_key)
        })
    }
}

/// A local refusal: nothing was sent.
fn invalid(message: String) -> ApiError {
    ApiError::Rejected {
        status: 0,
        code: Some(INVALID_REQUEST_CODE.into()),
        message: format!("not sent: {message}"),
    }
}

/// `id` trimmed, or a local refusal when it is blank.
fn non_blank(id: &str) -> Result<&str, ApiError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(invalid("the order id is blank".into()));
    }
    Ok(id)
}

/// Checks that `path` is a safe, already-encoded URL path and the one `api` uses.
fn check_planned_path(api: &str, path: &str) -> Result<(), String> {
    if !path.starts_with("/api/") {
        return Err(format!("path `{path}` does not start with /api/"));
    }
    if path.contains("..") {
        return Err(format!("path `{path}` contains `..`"));
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3).unwrap_or_default();
            if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(format!("path `{path}` has a malformed %-escape"));
            }
            i += 3;
            continue;
        }
        let allowed = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'/' | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if !allowed {
            return Err(format!(
                "path `{path}` has a character that must be URL-encoded (or a query or fragment)"
            ));
        }
        i += 1;
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    for segment in &segments {
        if segment.is_empty() {
            return Err(format!("path `{path}` has an empty segment"));
        }
        let decoded_dots = segment.to_ascii_lowercase().replace("%2e", ".");
        if decoded_dots == "." || decoded_dots == ".." {
            return Err(format!("path `{path}` has a dot segment"));
        }
    }
    let fits = matches!(
        (api, segments.as_slice()),
        ("OR23", ["api", "orders", _, "tracking"])
            | ("OR24", ["api", "orders", _, "ship"])
            | ("ST01", ["api", "shipments"])
            | ("ST23", ["api", "shipments", "tracking"])
            | ("ST24", ["api", "shipments", "ship"])
    );
    if !fits {
        return Err(format!("path `{path}` is not the {api} path"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response as AxumResponse};
    use serde_json::json;

    use super::*;
    use crate::http::test_server::{fast_policy, serve};
    use crate::mirakl::MiraklConfig;

    /// What the scripted server saw of one request.
    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        path: String,
        query: Option<String>,
        authorization: Option<String>,
        content_type: Option<String>,
        body: Vec<u8>,
    }

    impl Seen {
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap_or(Value::Null)
        }
    }

    type Log = Arc<Mutex<Vec<Seen>>>;

    /// Serves `reply(hit number from 0, request)` for every request, logging what came in.
    async fn scripted(
        log: Log,
        reply: impl Fn(usize, &Seen) -> AxumResponse + Send + Sync + 'static,
    ) -> String {
        let reply = Arc::new(reply);
        serve(move |request: Request| {
            let log = log.clone();
            let reply = reply.clone();
            async move {
                let mut seen = Seen {
                    method: request.method().to_string(),
                    path: request.uri().path().to_owned(),
                    query: request.uri().query().map(str::to_owned),
                    authorization: header(&request, "authorization"),
                    content_type: header(&request, "content-type"),
                    body: Vec::new(),
                };
                seen.body = axum::body::to_bytes(request.into_body(), 1 << 20)
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                let n = {
                    let mut log = log.lock().expect("log");
                    log.push(seen.clone());
                    log.len() - 1
                };
                reply(n, &seen)
            }
        })
        .await
    }

    fn header(request: &Request, name: &str) -> Option<String> {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    fn client(base: &str) -> Client {
        let mut config = MiraklConfig::new(base, "shop-key");
        config.shop_id = Some("2001".into());
        config.retry = fast_policy();
        config.page_interval = Duration::ZERO;
        Client::new(config).expect("client")
    }

    fn seen(log: &Log) -> Vec<Seen> {
        log.lock().expect("log").clone()
    }

    fn no_content() -> AxumResponse {
        StatusCode::NO_CONTENT.into_response()
    }

    #[tokio::test]
    async fn sh21_returns_the_raw_body_and_is_retried() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |n, _| {
            if n == 0 {
                StatusCode::BAD_GATEWAY.into_response()
            } else {
                axum::Json(json!({"carriers": [
                    {"code": "ROYAL-MAIL", "label": "Royal Mail", "standard_code": "RM",
                     "tracking_url": "https://track.example/{trackingId}"}
                ]}))
                .into_response()
            }
        })
        .await;
        let body = client(&base).carriers().await.expect("carriers");
        assert_eq!(body["carriers"][0]["code"], "ROYAL-MAIL");
        let seen = seen(&log);
        assert_eq!(seen.len(), 2, "502 retried");
        assert_eq!(seen[1].method, "GET");
        assert_eq!(seen[1].path, "/api/shipping/carriers");
        assert_eq!(seen[1].query.as_deref(), Some("shop_id=2001"));
        assert_eq!(seen[1].authorization.as_deref(), Some("shop-key"));
    }

    #[tokio::test]
    async fn or23_puts_the_body_and_a_502_leaves_its_outcome_unknown() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |n, _| {
            if n == 0 {
                StatusCode::BAD_GATEWAY.into_response()
            } else {
                no_content()
            }
        })
        .await;
        let body = json!({"carrier_code": "ROYAL-MAIL", "tracking_number": "TT482019412GB"});
        let error = client(&base)
            .set_tracking("JL/42", &body)
            .await
            .expect_err("a 502 may have been applied");
        assert!(
            matches!(error, ApiError::OutcomeUnknown { .. }),
            "{error:?}"
        );
        let seen = seen(&log);
        assert_eq!(seen.len(), 1, "OR23 is not sent twice: {seen:?}");
        let request = &seen[0];
        assert_eq!(request.method, "PUT");
        assert_eq!(request.path, "/api/orders/JL%2F42/tracking");
        assert_eq!(request.query.as_deref(), Some("shop_id=2001"));
        assert_eq!(request.authorization.as_deref(), Some("shop-key"));
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
        assert_eq!(request.json(), body);
    }

    #[tokio::test]
    async fn or23_rejection_carries_the_code() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| {
            (
                StatusCode::BAD_REQUEST,
                r#"{"status":400,"code":"ORDER_INVALID_STATE","message":"Order is not in a valid state"}"#,
            )
                .into_response()
        })
        .await;
        let err = client(&base)
            .set_tracking("JL-1", &json!({"carrier_code": "DPD-UK"}))
            .await
            .expect_err("rejected");
        assert_eq!(
            err,
            ApiError::Rejected {
                status: 400,
                code: Some("ORDER_INVALID_STATE".into()),
                message: "Order is not in a valid state".into()
            }
        );
        assert_eq!(seen(&log).len(), 1);
    }

    #[tokio::test]
    async fn or24_puts_without_a_body() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| no_content()).await;
        client(&base)
            .ship_order("JL-20261126-0012-A")
            .await
            .expect("shipped");
        let seen = seen(&log);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "PUT");
        assert_eq!(seen[0].path, "/api/orders/JL-20261126-0012-A/ship");
        assert_eq!(seen[0].query.as_deref(), Some("shop_id=2001"));
        assert_eq!(seen[0].authorization.as_deref(), Some("shop-key"));
        assert!(seen[0].body.is_empty());
        assert_eq!(seen[0].content_type, None);
    }

    #[tokio::test]
    async fn or24_server_error_is_outcome_unknown_after_one_request() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
        .await;
        let err = client(&base).ship_order("JL-1").await.expect_err("500");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
        assert_eq!(seen(&log).len(), 1, "never repeated");
    }

    #[tokio::test]
    async fn blank_order_ids_are_not_sent() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| no_content()).await;
        let client = client(&base);
        let err = client.ship_order(" ").await.expect_err("blank");
        assert_eq!(err.status(), Some(0));
        let err = client
            .set_tracking("", &json!({}))
            .await
            .expect_err("blank");
        assert_eq!(err.status(), Some(0));
        assert!(seen(&log).is_empty());
    }

    #[tokio::test]
    async fn st01_posts_and_returns_the_results() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| {
            (
                StatusCode::CREATED,
                axum::Json(json!({
                    "shipment_success": [{"order_id": "JL-1", "id": "S-1"}],
                    "shipment_errors": [{"order_id": "JL-2", "message": "Order not found"}]
                })),
            )
                .into_response()
        })
        .await;
        let body = json!({"shipments": [{"order_id": "JL-1", "shipped": true}]});
        let answer = client(&base)
            .create_shipments(&body)
            .await
            .expect("created");
        assert_eq!(answer["shipment_success"][0]["id"], "S-1");
        assert_eq!(answer["shipment_errors"][0]["order_id"], "JL-2");
        let seen = seen(&log);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "POST");
        assert_eq!(seen[0].path, "/api/shipments");
        assert_eq!(seen[0].query.as_deref(), Some("shop_id=2001"));
        assert_eq!(seen[0].authorization.as_deref(), Some("shop-key"));
        assert_eq!(seen[0].json(), body);
    }

    #[tokio::test]
    async fn st01_failures_after_sending_are_outcome_unknown() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |n, _| {
            if n == 0 {
                StatusCode::BAD_GATEWAY.into_response()
            } else {
                (StatusCode::CREATED, "<html>oops</html>").into_response()
            }
        })
        .await;
        let client = client(&base);
        let body = json!({"shipments": []});
        let err = client.create_shipments(&body).await.expect_err("502");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
        assert_eq!(seen(&log).len(), 1, "not retried");
        let err = client
            .create_shipments(&body)
            .await
            .expect_err("garbage 201");
        let ApiError::OutcomeUnknown { reason } = &err else {
            panic!("{err:?}");
        };
        assert!(reason.contains("ST01"), "{reason}");
        assert_eq!(seen(&log).len(), 2);
        let err = client
            .send_planned("ST24", "/api/shipments/ship", Some(&body))
            .await
            .expect_err("garbage 201");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
        let err = client
            .send_planned("ST23", "/api/shipments/tracking", Some(&body))
            .await
            .expect_err("garbage 201");
        assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
        assert_eq!(seen(&log).len(), 4);
    }

    #[tokio::test]
    async fn send_planned_uses_each_operations_method_and_idempotency() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, seen| {
            if seen.authorization.as_deref() != Some("shop-key") {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            if seen.path.starts_with("/api/shipments") {
                axum::Json(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []}))
                    .into_response()
            } else {
                no_content()
            }
        })
        .await;
        let client = client(&base);
        let tracking = json!({"carrier_code": "DPD-UK", "tracking_number": "15501234567890"});
        let shipments = json!({"shipments": [{"id": "S-1"}]});
        // (api, path, body sent, method expected, answer expected)
        type Case<'a> = (&'a str, &'a str, Option<&'a Value>, &'a str, Option<Value>);
        let cases: [Case; 5] = [
            (
                "OR23",
                "/api/orders/JL-1/tracking",
                Some(&tracking),
                "PUT",
                None,
            ),
            ("OR24", "/api/orders/JL-1/ship", None, "PUT", None),
            (
                "ST01",
                "/api/shipments",
                Some(&shipments),
                "POST",
                Some(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []})),
            ),
            (
                "ST23",
                "/api/shipments/tracking",
                Some(&shipments),
                "POST",
                Some(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []})),
            ),
            (
                "ST24",
                "/api/shipments/ship",
                Some(&shipments),
                "PUT",
                Some(json!({"shipment_success": [{"id": "S-1"}], "shipment_errors": []})),
            ),
        ];
        for (i, (api, path, body, method, expected)) in cases.iter().enumerate() {
            let answer = client
                .send_planned(api, path, *body)
                .await
                .unwrap_or_else(|e| panic!("{api}: {e}"));
            assert_eq!(&answer, expected, "{api}");
            let seen = seen(&log);
            assert_eq!(seen.len(), i + 1, "{api}");
            let request = &seen[i];
            assert_eq!(request.method, *method, "{api}");
            assert_eq!(request.path, *path, "{api}");
            assert_eq!(request.query.as_deref(), Some("shop_id=2001"), "{api}");
            assert_eq!(
                request.json(),
                body.cloned().unwrap_or(Value::Null),
                "{api}"
            );
        }
        // OR24 with an explicit JSON null body is the same as no body.
        client
            .send_planned("OR24", "/api/orders/JL-1/ship", Some(&Value::Null))
            .await
            .expect("null body");
        assert!(seen(&log)[5].body.is_empty());
    }

    #[tokio::test]
    async fn send_planned_retries_only_idempotent_operations() {
        for (api, path, body, hits) in [
            (
                "OR23",
                "/api/orders/JL-1/tracking",
                Some(json!({"a": 1})),
                1,
            ),
            ("ST23", "/api/shipments/tracking", Some(json!({"a": 1})), 2),
            ("OR24", "/api/orders/JL-1/ship", None, 1),
            ("ST01", "/api/shipments", Some(json!({"a": 1})), 1),
            ("ST24", "/api/shipments/ship", Some(json!({"a": 1})), 1),
        ] {
            let log: Log = Arc::default();
            let base = scripted(log.clone(), |n, _| {
                if n == 0 {
                    StatusCode::BAD_GATEWAY.into_response()
                } else {
                    axum::Json(json!({"shipment_success": []})).into_response()
                }
            })
            .await;
            let result = client(&base).send_planned(api, path, body.as_ref()).await;
            if hits == 1 {
                let err = result.expect_err(api);
                assert!(
                    matches!(err, ApiError::OutcomeUnknown { .. }),
                    "{api}: {err:?}"
                );
            } else {
                result.unwrap_or_else(|e| panic!("{api}: {e}"));
            }
            assert_eq!(seen(&log).len(), hits, "{api}");
        }
    }

    #[tokio::test]
    async fn send_planned_keeps_encoded_segments_and_base_prefix() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| no_content()).await;
        let mut config = MiraklConfig::new(format!("{base}/mirakl/"), "shop-key");
        config.retry = fast_policy();
        config.page_interval = Duration::ZERO;
        let client = Client::new(config).expect("client");
        let body = json!({"carrier_name": "Aire Valley Couriers", "tracking_number": "AVC 48213"});
        let answer = client
            .send_planned("OR23", "/api/orders/JL%2F7%20A/tracking", Some(&body))
            .await
            .expect("sent");
        assert_eq!(answer, None);
        let seen = seen(&log);
        assert_eq!(seen[0].path, "/mirakl/api/orders/JL%2F7%20A/tracking");
        assert_eq!(seen[0].query, None, "no shop_id configured");
    }

    #[tokio::test]
    async fn send_planned_rejects_bad_requests_without_sending() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), |_, _| no_content()).await;
        let client = client(&base);
        let object = json!({"shipments": []});
        let cases: &[(&str, &str, Option<&Value>)] = &[
            ("OR23", "/api/orders/../tracking", Some(&object)),
            ("OR23", "/api/orders/a..b/tracking", Some(&object)),
            ("OR23", "/api/orders/%2e%2E/tracking", Some(&object)),
            ("OR23", "/api/orders/./tracking", Some(&object)),
            ("OR24", "/api/orders/%2E/ship", None),
            ("OR24", "/api/orders//ship", None),
            ("OR24", "api/orders/X/ship", None),
            ("OR24", "/v1/orders/X/ship", None),
            ("OR24", "https://evil.example/api/orders/X/ship", None),
            ("OR24", "//evil.example/api/orders/X/ship", None),
            ("OR24", "/api/orders/X/ship?shop_id=9", None),
            ("OR24", "/api/orders/X/ship#x", None),
            ("OR24", "/api/orders/X Y/ship", None),
            ("OR24", "/api/orders/X\\Y/ship", None),
            ("OR24", "/api/orders/X%zz/ship", None),
            ("OR24", "/api/orders/X%4/ship", None),
            ("OR24", "/api/orders/X/ship/", None),
            ("OR24", "/api/orders/é/ship", None),
            ("OR24", "/api/orders/X/accept", None),
            ("OR24", "/api/orders/X/tracking", None),
            ("OR23", "/api/orders/X/ship", Some(&object)),
            ("ST01", "/api/shipments/ship", Some(&object)),
            ("ST24", "/api/shipments", Some(&object)),
            ("OR21", "/api/orders/X/accept", Some(&object)),
            ("or23", "/api/orders/X/tracking", Some(&object)),
            ("OR23", "/api/orders/X/tracking", None),
            ("ST01", "/api/shipments", Some(&Value::Null)),
            ("ST01", "/api/shipments", Some(&json!([1]))),
            ("OR24", "/api/orders/X/ship", Some(&object)),
        ];
        for (api, path, body) in cases {
            let err = client
                .send_planned(api, path, *body)
                .await
                .expect_err(&format!("{api} {path} {body:?}"));
            let ApiError::Rejected {
                status,
                code,
                message,
            } = &err
            else {
                panic!("{api} {path}: {err:?}");
            };
            assert_eq!(*status, 0, "{api} {path}");
            assert_eq!(code.as_deref(), Some(INVALID_REQUEST_CODE));
            assert!(message.starts_with("not sent"), "{message}");
        }
        assert!(seen(&log).is_empty(), "nothing may reach the server");
    }

    #[test]
    fn planned_paths_from_the_component_pass() {
        for (api, path) in [
            ("OR23", "/api/orders/JL-20261126-0012-A/tracking"),
            ("OR24", "/api/orders/JL-20261126-0012-A/ship"),
            ("OR24", "/api/orders/JL.1~x_y/ship"),
            ("ST01", "/api/shipments"),
            ("ST23", "/api/shipments/tracking"),
            ("ST24", "/api/shipments/ship"),
        ] {
            check_planned_path(api, path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
