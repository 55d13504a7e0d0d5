//! [`FulfilConfig`]: where and how to reach a Fulfil workspace.

use std::fmt;
use std::time::Duration;

use crate::http::RetryPolicy;

/// Connection settings for one Fulfil workspace. `Debug` never shows the API key.
#[derive(Clone)]
pub struct FulfilConfig {
    /// Workspace root, e.g. `https://acme.fulfil.io` (`/api/v2` is appended; a base that
    /// already ends in `/api/v2` is accepted too).
    pub base_url: String,
    /// Personal access token of the integration user, sent as `X-API-KEY`.
    pub api_key: String,
    /// `sale.channel` id that John Lewis orders are created in.
    pub channel_id: i64,
    /// `product.product` field holding the EAN/GTIN-13 (default `upc`).
    pub ean_field: String,
    /// Retry policy for every call.
    pub retry: RetryPolicy,
    /// Minimum gap between any two Fulfil calls.
    pub min_interval: Duration,
    /// Warehouses whose stock counts, by code (or id); empty = every warehouse.
    pub warehouses: Vec<String>,
}

impl FulfilConfig {
    /// Settings for `base_url`, `api_key` and `channel_id` with the defaults: EAN in `upc`,
    /// default retries, 100 ms between calls, every warehouse counted.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>, channel_id: i64) -> Self {
        FulfilConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            channel_id,
            ean_field: "upc".into(),
            retry: RetryPolicy::default(),
            min_interval: Duration::from_millis(100),
            warehouses: Vec::new(),
        }
    }
}

impl fmt::Debug for FulfilConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FulfilConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("channel_id", &self.channel_id)
            .field("ean_field", &self.ean_field)
            .field("retry", &self.retry)
            .field("min_interval", &self.min_interval)
            .field("warehouses", &self.warehouses)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let config = FulfilConfig::new("https://acme.fulfil.io", "sk_live_abc", 7);
        let text = format!("{config:?}");
        assert!(!text.contains("sk_live_abc"), "{text}");
        assert_eq!(config.ean_field, "upc");
        assert_eq!(config.min_interval, Duration::from_millis(100));
    }
}
