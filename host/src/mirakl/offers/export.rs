//! OF52 → OF53 → OF54: the asynchronous full offer export, its status polls and the download
//! of its files (the API key only for files on the Mirakl host).

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, Url};
use serde_json::{Value, json};

use super::{MiraklOffer, OfferSet, decode};
use crate::http::{self, ApiError};
use crate::mirakl::Client;
use crate::mirakl::lenient::id_text;

/// Most OF53 polls for one export before giving up (2 h at the default 10 s).
const MAX_EXPORT_POLLS: u32 = 720;

/// Fields asked of the OF52 JSON export. The export has no product references (no EAN) in
/// Mirakl's schema; `product_sku` is Mirakl's own product id.
const EXPORT_FIELDS: &[&str] = &["shop_sku", "product_sku", "quantity", "active"];

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
    pub(super) fn export_file_url(&self, raw: &str) -> Result<(Url, bool), ApiError> {
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
