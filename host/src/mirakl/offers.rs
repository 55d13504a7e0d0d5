//! Offers as Mirakl sees them: the asynchronous full export (OF52 → OF53 → OF54) used for
//! reconciliation, and OF21 paging as a fallback where the export is not available.
//!
//! Pacing, on top of the pacer every Mirakl call waits on: the OF52 request and every OF53
//! poll are at least
//! [`MiraklConfig::export_poll_interval`](super::MiraklConfig::export_poll_interval) apart.

use std::collections::HashMap;

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Value, json};

use super::client::Client;
use super::stock::{id_text, lenient_bool, lenient_u64};
use crate::http::{self, ApiError};

/// OF21 listings made at most in one [`Client::list_offers`] when offers move while paging.
const LISTING_PASSES: usize = 3;
/// OF21 page size (`max`); Mirakl's ceiling for offset pagination.
pub const OFFERS_PAGE_SIZE: usize = 100;

/// Most OF21 pages read in one call (guards against a server that never reaches
/// `total_count`).
const MAX_PAGES: usize = 10_000;

/// Most OF53 polls for one export before giving up (2 h at the default 10 s).
const MAX_EXPORT_POLLS: u32 = 720;

/// Fields asked of the OF52 JSON export. The export has no product references (no EAN) in
/// Mirakl's schema; `product_sku` is Mirakl's own product id.
const EXPORT_FIELDS: &[&str] = &["shop_sku", "product_sku", "quantity", "active"];

/// One of our offers on Mirakl, reduced to what stock reconciliation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiraklOffer {
    /// Our SKU for the offer (`shop_sku`).
    pub sku: String,
    /// The product's EAN: the `product_references` entry whose `reference_type` is `EAN` (any
    /// letter case), else `product_id` when `product_id_type` is `EAN`. OF21 carries
    /// `product_references`; the OF52 export does not, so this is `None` for exported offers
    /// unless Mirakl adds it.
    pub ean: Option<String>,
    /// Available quantity (`quantity`), when given as an integer.
    pub quantity: Option<i64>,
    /// Whether the offer is active (`active`), when given.
    pub active: Option<bool>,
}

impl Client {
    /// OF52 → OF53 → OF54: a full JSON export of every offer of the shop, inactive ones
    /// included, deduplicated by SKU (last copy wins, first-seen position kept). Offers
    /// without a `shop_sku` and offers flagged `deleted` are left out.
    ///
    /// Requests the export (OF52, `export_type` `application/json`, `include_inactive_offers`,
    /// `include_fields` = `shop_sku`, `product_sku`, `quantity`, `active`), then polls its status
    /// (OF53) every `export_poll_interval` until `COMPLETED`, then downloads each URL of
    /// `urls[]` (OF54). The API key goes only to URLs on the configured Mirakl host (an
    /// `http://` URL on that host is upgraded to the base URL's scheme); any other host gets
    /// the request without it.
    ///
    /// Mirakl allows one full export per day: call this for nightly reconciliation only.
    /// A `FAILED` (or cancelled) export, or one still pending after 720 polls, is
    /// [`ApiError::Unavailable`] carrying Mirakl's error code and detail, so a later run may
    /// simply try again.
    pub async fn export_offers(&self) -> Result<Vec<MiraklOffer>, ApiError> {
        let body = json!({
            "export_type": "application/json",
            "include_inactive_offers": true,
            "include_fields": EXPORT_FIELDS,
        });
        self.export_pacer.wait().await;
        // Repeating the request at worst starts a second export: nothing is changed.
        let created = self
            .request_json(
                Method::POST,
                &["api", "offers", "export", "async"],
                &[],
                Some(&body),
                true,
            )
            .await?;
        let tracking_id = created
            .get("tracking_id")
            .and_then(id_text)
            .ok_or_else(|| ApiError::Decode {
                reason: "OF52 response has no `tracking_id`".into(),
            })?;
        let urls = self.await_export(&tracking_id).await?;
        let mut offers = OfferSet::default();
        let mut bare_client = None;
        for raw in &urls {
            let (url, authorised) = self.export_file_url(raw)?;
            let client = if authorised {
                &self.http
            } else {
                bare_client.get_or_insert(plain_client()?)
            };
            let response = http::send(client, &self.page_pacer, &self.retry, true, || {
                client.get(url.clone()).header(
                    ACCEPT,
                    HeaderValue::from_static("application/json, */*;q=0.1"),
                )
            })
            .await
            .map_err(|e| e.redacted(&self.api_key))?;
            let chunk: Value = http::read_json(response)
                .await
                .map_err(|e| e.redacted(&self.api_key))?;
            let items = match chunk {
                Value::Array(items) => items,
                Value::Object(mut object) => match object.remove("offers") {
                    Some(Value::Array(items)) => items,
                    _ => return Err(decode("an OF54 export file has no offers array")),
                },
                Value::Null => Vec::new(),
                _ => return Err(decode("an OF54 export file is not a JSON array")),
            };
            for item in &items {
                offers.insert(item);
            }
        }
        offers.finish("OF54")
    }

    /// OF21: every offer of the shop, paged 100 at a time until `offset >= total_count` or an
    /// empty page, deduplicated by SKU (last copy wins). Offers without a `shop_sku` are left
    /// out.
    ///
    /// OF21 sorts by price, so an offer repriced while the pages are read moves and can slide
    /// another past the reading: when a listing holds fewer offers than `total_count`, it is
    /// read again (three times at most in all) and the passes are merged.
    ///
    /// Meant for interactive use by Mirakl and prone to 429s when paged quickly: prefer
    /// [`Client::export_offers`]. Paced by the call pacer only.
    pub async fn list_offers(&self) -> Result<Vec<MiraklOffer>, ApiError> {
        let mut offers = OfferSet::default();
        for pass in 1..=LISTING_PASSES {
            offers.without_sku = 0;
            let total = self.list_offers_once(&mut offers).await?;
            let read = offers.offers.len() + offers.without_sku;
            match total {
                Some(total) if read < total => tracing::info!(
                    pass,
                    read,
                    total,
                    "OF21 listed fewer offers than total_count (offers moved while paging)"
                ),
                _ => break,
            }
        }
        offers.finish("OF21")
    }

    /// One OF21 listing into `offers`; returns the last `total_count` Mirakl gave.
    async fn list_offers_once(&self, offers: &mut OfferSet) -> Result<Option<usize>, ApiError> {
        let max = OFFERS_PAGE_SIZE.to_string();
        let mut offset = 0usize;
        for _ in 0..MAX_PAGES {
            let offset_text = offset.to_string();
            let body = self
                .request_json(
                    Method::GET,
                    &["api", "offers"],
                    &[("max", max.as_str()), ("offset", offset_text.as_str())],
                    None,
                    true,
                )
                .await?;
            let (page, total) = parse_page(body)?;
            for item in &page {
                offers.insert(item);
            }
            offset += page.len();
            let done = match total {
                Some(total) => offset >= total,
                None => page.len() < OFFERS_PAGE_SIZE,
            };
            if page.is_empty() || done {
                return Ok(total);
            }
        }
        Err(decode(&format!(
            "OF21 paging did not reach total_count after {MAX_PAGES} pages"
        )))
    }

    /// Polls OF53 for `tracking_id` until the export completes; returns its file URLs.
    async fn await_export(&self, tracking_id: &str) -> Result<Vec<String>, ApiError> {
        for _ in 0..MAX_EXPORT_POLLS {
            self.export_pacer.wait().await;
            let body = self
                .request_json(
                    Method::GET,
                    &["api", "offers", "export", "async", "status", tracking_id],
                    &[],
                    None,
                    true,
                )
                .await?;
            let status = body
                .get("status")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_ascii_uppercase())
                .unwrap_or_default();
            match status.as_str() {
                "COMPLETED" => {
                    let urls = match body.get("urls") {
                        Some(Value::Array(urls)) => urls,
                        None | Some(Value::Null) => return Ok(Vec::new()),
                        Some(_) => return Err(decode("OF53 `urls` is not an array")),
                    };
                    return urls
                        .iter()
                        .map(|u| {
                            u.as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| decode("OF53 `urls` holds a non-string entry"))
                        })
                        .collect();
                }
                "FAILED" | "CANCELED" | "CANCELLED" => {
                    let error = body.get("error");
                    let field = |key: &str| error.and_then(|e| e.get(key)).and_then(id_text);
                    let mut reason = format!("OF52 offer export {tracking_id} ended {status}");
                    if let Some(code) = field("code") {
                        reason.push_str(&format!(" (code {code})"));
                    }
                    if let Some(detail) = field("detail") {
                        reason.push_str(&format!(": {detail}"));
                    }
                    return Err(ApiError::Unavailable { reason }.redacted(&self.api_key));
                }
                "" => return Err(decode("OF53 response has no `status`")),
                // PENDING, or a state Mirakl added since: keep polling.
                _ => {}
            }
        }
        Err(ApiError::Unavailable {
            reason: format!(
                "OF52 offer export {tracking_id} still not complete after {MAX_EXPORT_POLLS} status polls"
            ),
        })
    }

    /// Resolves an OF53 URL (absolute, or relative to the base URL) and says whether it is on
    /// the Mirakl host, i.e. may receive the API key. Adds `shop_id` to Mirakl URLs that lack
    /// it; URLs elsewhere (e.g. pre-signed storage links) are left untouched.
    fn export_file_url(&self, raw: &str) -> Result<(Url, bool), ApiError> {
        let mut url = self
            .base
            .join(raw.trim())
            .map_err(|e| decode(&format!("OF53 returned an unusable file URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(decode("OF53 returned a file URL that is not http(s)"));
        }
        let same_host = url.host_str().is_some()
            && url.host_str().map(str::to_ascii_lowercase)
                == self.base.host_str().map(str::to_ascii_lowercase);
        if same_host && url.scheme() != self.base.scheme() {
            // Mirakl is HTTPS-only; never send the key over plain HTTP. A URL with a port
            // explicitly stated keeps it, and the origin check below then decides.
            let _ = url.set_scheme(self.base.scheme());
        }
        let same_origin =
            same_host && url.port_or_known_default() == self.base.port_or_known_default();
        if same_origin
            && let Some(shop_id) = &self.shop_id
            && !url.query_pairs().any(|(k, _)| k == "shop_id")
        {
            url.query_pairs_mut().append_pair("shop_id", shop_id);
        }
        Ok((url, same_origin))
    }
}

/// A client without the Mirakl default headers (no API key), for export files hosted
/// elsewhere.
fn plain_client() -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .user_agent(concat!("jlm/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ApiError::Unavailable {
            reason: format!("could not set up an HTTP client for the export files: {e}"),
        })
}

fn decode(reason: &str) -> ApiError {
    ApiError::Decode {
        reason: reason.to_owned(),
    }
}

/// Splits an OF21 body into its `offers` and a leniently read `total_count`.
fn parse_page(body: Value) -> Result<(Vec<Value>, Option<usize>), ApiError> {
    let Value::Object(mut body) = body else {
        return Err(decode("OF21 response is not a JSON object"));
    };
    let total = lenient_u64(body.get("total_count")).and_then(|n| usize::try_from(n).ok());
    match body.remove("offers") {
        Some(Value::Array(offers)) => Ok((offers, total)),
        Some(Value::Null) | None if total == Some(0) => Ok((Vec::new(), total)),
        _ => Err(decode("OF21 response has no `offers` array")),
    }
}

/// Reads one offer object; `None` when it has no SKU or is flagged deleted.
fn parse_offer(value: &Value) -> Option<MiraklOffer> {
    if lenient_bool(value.get("deleted")) == Some(true) {
        return None;
    }
    let sku = value.get("shop_sku").and_then(id_text)?;
    Some(MiraklOffer {
        sku,
        ean: ean_of(value),
        quantity: lenient_i64(value.get("quantity")),
        active: lenient_bool(value.get("active")),
    })
}

/// The EAN of an offer's product (see [`MiraklOffer::ean`]).
fn ean_of(value: &Value) -> Option<String> {
    let is_ean = |t: Option<&Value>| {
        t.and_then(Value::as_str)
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("EAN"))
    };
    value
        .get("product_references")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| is_ean(r.get("reference_type")))
        .find_map(|r| r.get("reference").and_then(id_text))
        .or_else(|| {
            is_ean(value.get("product_id_type"))
                .then(|| value.get("product_id").and_then(id_text))
                .flatten()
        })
}

/// An integer given as a JSON integer, an integral float or a numeric string.
fn lenient_i64(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Offers in first-seen order, deduplicated by SKU (last copy wins).
#[derive(Default)]
struct OfferSet {
    offers: Vec<MiraklOffer>,
    index: HashMap<String, usize>,
    without_sku: usize,
}

impl OfferSet {
    fn insert(&mut self, value: &Value) {
        if !value.is_object() {
            self.without_sku += 1;
            return;
        }
        let Some(offer) = parse_offer(value) else {
            if value.get("shop_sku").and_then(id_text).is_none() {
                self.without_sku += 1;
            }
            return;
        };
        match self.index.get(&offer.sku) {
            Some(&at) => self.offers[at] = offer,
            None => {
                self.index.insert(offer.sku.clone(), self.offers.len());
                self.offers.push(offer);
            }
        }
    }

    fn finish(self, source: &str) -> Result<Vec<MiraklOffer>, ApiError> {
        if self.without_sku > 0 {
            tracing::warn!(
                source,
                skipped = self.without_sku,
                "offers without a shop_sku were left out"
            );
        }
        Ok(self.offers)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use tokio::time::Instant;

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
        at: Instant,
    }

    type Log = Arc<Mutex<Vec<Seen>>>;

    async fn record(request: Request, log: &Log) -> Seen {
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
            at: Instant::now(),
        };
        seen.body = json_body(request).await;
        log.lock().expect("log").push(seen.clone());
        seen
    }

    fn param<'a>(seen: &'a Seen, key: &str) -> Option<&'a str> {
        seen.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn client(base: &str) -> Client {
        let mut config = MiraklConfig::new(base, "shop-key");
        config.shop_id = Some("2001".into());
        config.retry = fast_policy();
        config.page_interval = Duration::ZERO;
        config.export_poll_interval = Duration::from_millis(80);
        Client::new(config).expect("client")
    }

    /// A Mirakl stand-in for OF52/53/54: the export stays PENDING for `pending` polls, then
    /// completes with two files; `file_host` replaces `127.0.0.1` in the file URLs.
    async fn export_server(log: Log, pending: usize, file_host: &'static str) -> String {
        let polls = Arc::new(Mutex::new(0usize));
        let base = Arc::new(Mutex::new(String::new()));
        let b = base.clone();
        let url = serve(move |request| {
            let log = log.clone();
            let polls = polls.clone();
            let base = b.lock().expect("base").replace("127.0.0.1", file_host);
            async move {
                let seen = record(request, &log).await;
                match (seen.method.as_str(), seen.path.as_str()) {
                    ("POST", "/api/offers/export/async") => {
                        axum::Json(json!({"tracking_id": "T-1"})).into_response()
                    }
                    ("GET", "/api/offers/export/async/status/T-1") => {
                        let n = {
                            let mut polls = polls.lock().expect("polls");
                            *polls += 1;
                            *polls
                        };
                        if n <= pending {
                            axum::Json(json!({
                                "last_updated": "2021-09-23T08:14:06.095Z",
                                "status": "PENDING"
                            }))
                            .into_response()
                        } else {
                            axum::Json(json!({
                                "last_updated": "2021-09-15T08:52:30.348Z",
                                "status": "COMPLETED",
                                "urls": [
                                    format!("{base}/api/offers/export/async/file/T-1?file=of52-export%offers/0.json"),
                                    format!("{base}/api/offers/export/async/file/T-1?file=of52-export%offers/1.json"),
                                ]
                            }))
                            .into_response()
                        }
                    }
                    ("GET", "/api/offers/export/async/file/T-1") => {
                        let body = if seen.raw_query.contains("0.json") {
                            json!([
                                {"shop_sku": "S1", "product_sku": "MKP1", "quantity": 56,
                                 "active": true, "offer_id": 2003, "shop_id": 2001},
                                {"shop_sku": "S2", "quantity": 0, "active": false,
                                 "product_references": [
                                     {"reference_type": "ean", "reference": "5012345678900"}]},
                                {"product_sku": "MKP9", "quantity": 3}
                            ])
                        } else {
                            json!([
                                {"shop_sku": "S1", "quantity": 50.0, "active": "true"},
                                {"shop_sku": "S3", "quantity": 1, "deleted": true},
                                {"shop_sku": "S4", "product_id": "4006381333931",
                                 "product_id_type": "EAN"}
                            ])
                        };
                        axum::Json(body).into_response()
                    }
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }
        })
        .await;
        *base.lock().expect("base") = url.clone();
        url
    }

    #[tokio::test]
    async fn of52_of53_of54_flow() {
        let log: Log = Arc::default();
        let base = export_server(log.clone(), 2, "127.0.0.1").await;
        let offers = client(&base).export_offers().await.expect("export");
        assert_eq!(
            offers,
            vec![
                MiraklOffer {
                    sku: "S1".into(),
                    ean: None,
                    quantity: Some(50),
                    active: Some(true),
                },
                MiraklOffer {
                    sku: "S2".into(),
                    ean: Some("5012345678900".into()),
                    quantity: Some(0),
                    active: Some(false),
                },
                MiraklOffer {
                    sku: "S4".into(),
                    ean: Some("4006381333931".into()),
                    quantity: None,
                    active: None,
                },
            ]
        );
        let seen = log.lock().expect("log").clone();
        let calls: Vec<(&str, &str)> = seen
            .iter()
            .map(|s| (s.method.as_str(), s.path.as_str()))
            .collect();
        assert_eq!(
            calls,
            [
                ("POST", "/api/offers/export/async"),
                ("GET", "/api/offers/export/async/status/T-1"),
                ("GET", "/api/offers/export/async/status/T-1"),
                ("GET", "/api/offers/export/async/status/T-1"),
                ("GET", "/api/offers/export/async/file/T-1"),
                ("GET", "/api/offers/export/async/file/T-1"),
            ]
        );
        for request in &seen {
            assert_eq!(request.authorization.as_deref(), Some("shop-key"));
            assert_eq!(param(request, "shop_id"), Some("2001"));
        }
        assert_eq!(
            seen[0].body,
            json!({
                "export_type": "application/json",
                "include_inactive_offers": true,
                "include_fields": ["shop_sku", "product_sku", "quantity", "active"]
            })
        );
        // OF52 and every OF53 poll are export_poll_interval apart.
        for pair in seen[..4].windows(2) {
            assert!(
                pair[1].at - pair[0].at >= Duration::from_millis(75),
                "{:?}",
                pair[1].at - pair[0].at
            );
        }
        // The file URL is used as given (its odd `%of` escape included), plus shop_id.
        assert_eq!(
            seen[4].raw_query,
            "file=of52-export%offers/0.json&shop_id=2001"
        );
    }

    #[tokio::test]
    async fn export_files_on_another_host_get_no_api_key() {
        let log: Log = Arc::default();
        let base = export_server(log.clone(), 0, "localhost").await;
        let offers = client(&base).export_offers().await.expect("export");
        assert_eq!(offers.len(), 3);
        let seen = log.lock().expect("log").clone();
        let files: Vec<&Seen> = seen.iter().filter(|s| s.path.contains("/file/")).collect();
        assert_eq!(files.len(), 2);
        for file in files {
            assert_eq!(file.authorization, None);
            assert_eq!(param(file, "shop_id"), None);
        }
    }

    #[tokio::test]
    async fn failed_export_is_unavailable_with_mirakl_detail() {
        let base = serve(|request| async move {
            if request.method() == "POST" {
                axum::Json(json!({"tracking_id": "T-9"})).into_response()
            } else {
                axum::Json(json!({
                    "error": {"code": "1", "detail": "Internal error"},
                    "last_updated": "2021-09-23T08:14:06.095Z",
                    "status": "FAILED"
                }))
                .into_response()
            }
        })
        .await;
        let err = client(&base).export_offers().await.expect_err("failed");
        let ApiError::Unavailable { reason } = &err else {
            panic!("{err:?}");
        };
        assert!(reason.contains("T-9"), "{reason}");
        assert!(
            reason.contains("FAILED (code 1): Internal error"),
            "{reason}"
        );
        assert!(err.is_transient());
    }

    #[test]
    fn file_urls_and_who_gets_the_key() {
        let mut config = MiraklConfig::new("https://jl.mirakl.net", "k");
        config.shop_id = Some("7".into());
        let client = Client::new(config).expect("client");
        let (url, authorised) = client
            .export_file_url(
                "http://JL.mirakl.net/api/offers/export/async/file/x?file=a%offers/0.json",
            )
            .expect("url");
        assert!(authorised);
        assert_eq!(
            url.as_str(),
            "https://jl.mirakl.net/api/offers/export/async/file/x?file=a%offers/0.json&shop_id=7"
        );
        let (url, authorised) = client
            .export_file_url("/api/offers/export/async/file/y?shop_id=7")
            .expect("relative");
        assert!(authorised);
        assert_eq!(
            url.as_str(),
            "https://jl.mirakl.net/api/offers/export/async/file/y?shop_id=7"
        );
        let (url, authorised) = client
            .export_file_url("https://bucket.s3.amazonaws.com/0.json?X-Amz-Signature=abc")
            .expect("foreign");
        assert!(!authorised);
        assert_eq!(
            url.as_str(),
            "https://bucket.s3.amazonaws.com/0.json?X-Amz-Signature=abc"
        );
        let (_, authorised) = client
            .export_file_url("https://jl.mirakl.net:8443/f")
            .expect("other port");
        assert!(!authorised);
        assert!(client.export_file_url("ftp://jl.mirakl.net/f").is_err());
    }

    #[tokio::test]
    async fn of21_pages_through_250_offers() {
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let l = l.clone();
            async move {
                let seen = record(request, &l).await;
                let max: usize = param(&seen, "max")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(10);
                if max > 100 {
                    return (StatusCode::BAD_REQUEST, r#"{"message":"max > 100"}"#).into_response();
                }
                let offset: usize = param(&seen, "offset")
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0);
                let page: Vec<Value> = (0..250)
                    .skip(offset)
                    .take(max)
                    .map(|i| {
                        json!({
                            "shop_sku": format!("S-{i}"),
                            "quantity": i,
                            "active": i % 2 == 0,
                            "product_references": [
                                {"reference_type": "UPC", "reference": "012345678905"},
                                {"reference_type": "EAN", "reference": format!("{:013}", i)}
                            ]
                        })
                    })
                    .collect();
                axum::Json(json!({"offers": page, "total_count": 250})).into_response()
            }
        })
        .await;
        let offers = client(&base).list_offers().await.expect("offers");
        assert_eq!(offers.len(), 250);
        assert_eq!(
            offers[7],
            MiraklOffer {
                sku: "S-7".into(),
                ean: Some("0000000000007".into()),
                quantity: Some(7),
                active: Some(false),
            }
        );
        assert_eq!(offers[249].sku, "S-249");
        let seen = log.lock().expect("log").clone();
        assert_eq!(seen.len(), 3);
        for (i, request) in seen.iter().enumerate() {
            assert_eq!(request.path, "/api/offers");
            assert_eq!(request.authorization.as_deref(), Some("shop-key"));
            assert_eq!(param(request, "max"), Some("100"));
            assert_eq!(
                param(request, "offset"),
                Some((i * 100).to_string().as_str())
            );
            assert_eq!(param(request, "shop_id"), Some("2001"));
        }
    }

    #[tokio::test]
    async fn of21_reads_again_when_an_offer_moved_while_paging() {
        // OF21 sorts by price: S-5 is repriced to the top once the first page is read, so
        // S-100 slides onto the first page and the rest of the first listing misses it.
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let log: Log = Arc::default();
        let l = log.clone();
        let base = serve(move |request| {
            let (l, requests) = (l.clone(), requests.clone());
            async move {
                let seen = record(request, &l).await;
                let offset: usize = param(&seen, "offset")
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0);
                let mut order: Vec<usize> = (0..250).collect();
                if requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                    order.retain(|i| *i != 5);
                    order.push(5);
                }
                let page: Vec<Value> = order
                    .into_iter()
                    .skip(offset)
                    .take(100)
                    .map(|i| json!({"shop_sku": format!("S-{i}"), "quantity": i}))
                    .collect();
                axum::Json(json!({"offers": page, "total_count": 250})).into_response()
            }
        })
        .await;
        let offers = client(&base).list_offers().await.expect("offers");
        let mut skus: Vec<&str> = offers.iter().map(|o| o.sku.as_str()).collect();
        skus.sort_unstable();
        let mut every: Vec<String> = (0..250).map(|i| format!("S-{i}")).collect();
        every.sort_unstable();
        assert_eq!(skus, every);
        assert_eq!(log.lock().expect("log").len(), 6, "two listings of 3 pages");
    }

    #[test]
    fn of21_page_shapes() {
        assert!(parse_page(json!({"total_count": 0})).is_ok());
        assert!(parse_page(json!({"total_count": 3})).is_err());
        assert!(parse_page(json!([])).is_err());
        let (page, total) =
            parse_page(json!({"offers": [{"shop_sku": "A"}], "total_count": "1"})).expect("page");
        assert_eq!((page.len(), total), (1, Some(1)));
    }

    #[test]
    fn lenient_offer_fields() {
        assert_eq!(lenient_i64(Some(&json!(-3))), Some(-3));
        assert_eq!(lenient_i64(Some(&json!("12"))), Some(12));
        assert_eq!(lenient_i64(Some(&json!(2.5))), None);
        assert_eq!(lenient_i64(Some(&json!(null))), None);
        assert_eq!(
            parse_offer(
                &json!({"shop_sku": 123, "product_id": "X", "product_id_type": "SHOP_SKU"})
            ),
            Some(MiraklOffer {
                sku: "123".into(),
                ean: None,
                quantity: None,
                active: None,
            })
        );
        assert_eq!(parse_offer(&json!({"shop_sku": " "})), None);
    }
}
