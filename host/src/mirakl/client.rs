//! [`Client`]: authenticated, paced, retried access to the Mirakl seller API.
//!
//! Endpoint methods live next to their flow (`orders.rs` for OR11/OR21, `stock/` for
//! STO01/02/03, `offers/` for OF21/OF52/53/54, `dispatch/` for SH21/OR23/OR24/ST01 and the
//! planned calls); this file holds the connection itself and the generic
//! [`Client::request_json`] they share.

use std::fmt;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::config::MiraklConfig;
use crate::http::{self, ApiError, Pacer, RetryPolicy};

/// A Mirakl seller API client. Clones share the connection pool and the pacers.
#[derive(Clone)]
pub struct Client {
    pub(super) http: reqwest::Client,
    pub(super) base: Url,
    /// Kept only to scrub it from error texts; sent via the client's default headers.
    pub(super) api_key: String,
    pub(super) shop_id: Option<String>,
    pub(super) retry: RetryPolicy,
    /// Gap between OR11 polls.
    pub(super) poll_pacer: Pacer,
    /// Gap between any two calls.
    pub(super) page_pacer: Pacer,
    /// Gap between STO01 stock uploads.
    pub(super) stock_import_pacer: Pacer,
    /// Gap between STO02 status checks and STO03 error-report downloads.
    pub(super) stock_status_pacer: Pacer,
    /// Gap between OF52 export requests and OF53 status polls.
    pub(super) export_pacer: Pacer,
}

impl Client {
    /// Builds a client from `config`. Fails (without echoing the key) when the base URL is not
    /// an http(s) URL or the API key is empty or not a valid header value.
    pub fn new(config: MiraklConfig) -> anyhow::Result<Self> {
        let base = http::parse_base_url(&config.base_url, "Mirakl base URL")?;
        let api_key = config.api_key.trim().to_owned();
        if api_key.is_empty() {
            anyhow::bail!(
                "the Mirakl API key is empty; set it (JLM_MIRAKL_API_KEY) to the shop's key"
            );
        }
        let mut auth = HeaderValue::from_str(&api_key).map_err(|_| {
            anyhow::anyhow!("the Mirakl API key contains characters not allowed in an HTTP header")
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = http::api_client_builder(headers)
            .build()
            .map_err(|e| anyhow::anyhow!("could not set up the Mirakl HTTP client: {e}"))?;
        Ok(Client {
            http,
            base,
            api_key,
            shop_id: config.shop_id.filter(|s| !s.trim().is_empty()),
            retry: config.retry,
            poll_pacer: Pacer::new(config.orders_poll_interval),
            page_pacer: Pacer::new(config.page_interval),
            stock_import_pacer: Pacer::new(config.stock_import_interval),
            stock_status_pacer: Pacer::new(config.stock_status_interval),
            export_pacer: Pacer::new(config.export_poll_interval),
        })
    }

    /// The pacer every Mirakl call waits on (shared by clones), for callers that add their own
    /// endpoint-specific pacing on top.
    pub fn pacer(&self) -> &Pacer {
        &self.page_pacer
    }

    /// Sends one paced, retried request to `/<path segments…>` with `query` (plus `shop_id`
    /// when configured) and an optional JSON body, and returns the 2xx response unread (for
    /// calls whose body does not matter, such as OR21's 204).
    ///
    /// `idempotent` decides whether 5xx/timeouts are retried or reported as
    /// [`ApiError::OutcomeUnknown`].
    pub async fn request(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<reqwest::Response, ApiError> {
        let url = self.url(path, query);
        http::send(
            &self.http,
            &self.page_pacer,
            &self.retry,
            idempotent,
            || {
                let request = self.http.request(method.clone(), url.clone());
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            },
        )
        .await
        .map_err(|e| e.redacted(&self.api_key))
    }

    /// [`Client::request`], then the response body parsed as JSON (`Null` when empty).
    pub async fn request_json(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Value, ApiError> {
        self.request_parsed(method, path, query, body, idempotent)
            .await
    }

    /// [`Client::request`], then the response body parsed as JSON into `T`.
    pub async fn request_parsed<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<T, ApiError> {
        let response = self.request(method, path, query, body, idempotent).await?;
        http::read_json::<T>(response)
            .await
            .map_err(|e| e.redacted(&self.api_key))
    }

    /// The endpoint URL for `path` and `query`, with `shop_id` appended when configured.
    pub(super) fn url(&self, path: &[&str], query: &[(&str, &str)]) -> Url {
        let mut pairs: Vec<(&str, &str)> = query.to_vec();
        if let Some(shop_id) = &self.shop_id {
            pairs.push(("shop_id", shop_id));
        }
        http::endpoint(&self.base, path, &pairs)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mirakl::Client")
            .field("base", &self.base.as_str())
            .field("shop_id", &self.shop_id)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_errors_never_echo_the_key() {
        let err = Client::new(MiraklConfig::new("https://x.mirakl.net", "bad\nkey-secret"))
            .expect_err("invalid header");
        assert!(!err.to_string().contains("key-secret"));
        assert!(Client::new(MiraklConfig::new("https://x.mirakl.net", " ")).is_err());
        assert!(Client::new(MiraklConfig::new("mirakl.net", "k")).is_err());
        let client =
            Client::new(MiraklConfig::new("https://x.mirakl.net", "key-secret")).expect("client");
        assert!(!format!("{client:?}").contains("key-secret"));
    }

    #[test]
    fn shop_id_is_added_to_every_url() {
        let mut config = MiraklConfig::new("https://x.mirakl.net", "k");
        config.shop_id = Some("2001".into());
        let client = Client::new(config).expect("client");
        assert_eq!(
            client.url(&["api", "orders"], &[("max", "100")]).as_str(),
            "https://x.mirakl.net/api/orders?max=100&shop_id=2001"
        );
    }
}
