//! Requests planned by the component ([`Client::send_planned`]): which operations exist, how
//! each is sent, and the checks a planned path must pass before anything goes out.

use reqwest::{Method, Url};
use serde_json::Value;

use super::invalid;
use crate::http::{self, ApiError};
use crate::mirakl::Client;

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
    /// Sends one request planned by the component: `api` is `OR23`, `OR24`, `ST01`, `ST23` or
    /// `ST24`; `path` the path below the instance base URL with its segments already
    /// URL-encoded (e.g. `/api/orders/JL-1/tracking`); `body` the JSON body (`None`, or JSON
    /// `null`, for OR24 only).
    ///
    /// Methods: OR23 PUT, OR24 PUT, ST01 POST, ST23 POST, ST24 PUT; idempotency as in the
    /// table of the [`dispatch`](super) module. Returns `Some(body)` (a JSON object) for the
    /// ST* calls and `None` for OR23/OR24, whose success is the 2xx itself; a 2xx ST* answer
    /// without a readable object body is [`ApiError::Decode`] for ST23 and
    /// [`ApiError::OutcomeUnknown`] for ST01/ST24.
    ///
    /// Nothing is sent, and the result is [`ApiError::Rejected`] with status 0 and code
    /// [`INVALID_REQUEST_CODE`](super::INVALID_REQUEST_CODE), when `api` is unknown, the body
    /// does not fit the operation, or `path` is not the operation's path: it must start with
    /// `/api/`, contain no `..`, no dot segments (`%2e` included), no empty segments, no query
    /// or fragment and only URL path characters, and be `/api/orders/{order_id}/tracking` (OR23),
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
}

/// Checks that `path` is a safe, already-encoded URL path and the one `api` uses.
pub(super) fn check_planned_path(api: &str, path: &str) -> Result<(), String> {
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
