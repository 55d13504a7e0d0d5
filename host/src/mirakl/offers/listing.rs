//! OF21: paging through the offers, the fallback where the export is not available.

use reqwest::Method;
use serde_json::Value;

use super::{MiraklOffer, OfferSet, decode};
use crate::http::ApiError;
use crate::mirakl::Client;
use crate::mirakl::lenient::lenient_u64;

/// OF21 listings made at most in one [`Client::list_offers`] when offers move while paging.
const LISTING_PASSES: usize = 3;
/// OF21 page size (`max`); Mirakl's ceiling for offset pagination.
pub const OFFERS_PAGE_SIZE: usize = 100;

/// Most OF21 pages read in one call (guards against a server that never reaches
/// `total_count`).
const MAX_PAGES: usize = 10_000;

impl Client {
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
}

/// Splits an OF21 body into its `offers` and a leniently read `total_count`.
pub(super) fn parse_page(body: Value) -> Result<(Vec<Value>, Option<usize>), ApiError> {
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
