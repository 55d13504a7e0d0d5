//! [`MiraklConfig`]: where and how to reach the Mirakl seller API.

use std::fmt;
use std::time::Duration;

use crate::http::RetryPolicy;

/// Connection settings for one Mirakl shop. `Debug` never shows the API key.
#[derive(Clone)]
pub struct MiraklConfig {
    /// Instance root, e.g. `https://<instance>.mirakl.net` (endpoints live under `/api/...`).
    pub base_url: String,
    /// Shop API key, sent raw in `Authorization` (no `Bearer`).
    pub api_key: String,
    /// `shop_id` query parameter, needed only when the key can reach several shops.
    pub shop_id: Option<String>,
    /// Retry policy for every call.
    pub retry: RetryPolicy,
    /// Minimum gap between two OR11 polls (Mirakl's call frequency: 60 s).
    pub orders_poll_interval: Duration,
    /// Minimum gap between any two Mirakl calls, pages included.
    pub page_interval: Duration,
    /// Minimum gap between two STO01 stock uploads (Mirakl's call frequency: once per minute).
    pub stock_import_interval: Duration,
    /// Minimum gap between two STO02 status checks or STO03 error-report downloads (Mirakl's
    /// call frequency for STO02: every 15 s).
    pub stock_status_interval: Duration,
    /// Minimum gap between an OF52 export request and each OF53 status poll that follows
    /// (Mirakl's call frequency for OF53: every 10 s).
    pub export_poll_interval: Duration,
}

impl MiraklConfig {
    /// Settings for `base_url` and `api_key` with the documented defaults: no `shop_id`,
    /// default retries, 60 s between OR11 polls, 1 s between calls, 60 s between STO01
    /// uploads, 15 s between STO02/STO03 calls and 10 s between OF52/OF53 calls.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        MiraklConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            shop_id: None,
            retry: RetryPolicy::default(),
            orders_poll_interval: Duration::from_secs(60),
            page_interval: Duration::from_secs(1),
            stock_import_interval: Duration::from_secs(60),
            stock_status_interval: Duration::from_secs(15),
            export_poll_interval: Duration::from_secs(10),
        }
    }
}

impl fmt::Debug for MiraklConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiraklConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("shop_id", &self.shop_id)
            .field("retry", &self.retry)
            .field("orders_poll_interval", &self.orders_poll_interval)
            .field("page_interval", &self.page_interval)
            .field("stock_import_interval", &self.stock_import_interval)
            .field("stock_status_interval", &self.stock_status_interval)
            .field("export_poll_interval", &self.export_poll_interval)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let config = MiraklConfig::new("https://x.mirakl.net", "secret-key-123");
        let text = format!("{config:?}");
        assert!(!text.contains("secret-key-123"), "{text}");
        assert_eq!(config.orders_poll_interval, Duration::from_secs(60));
        assert_eq!(config.page_interval, Duration::from_secs(1));
        assert_eq!(config.stock_import_interval, Duration::from_secs(60));
        assert_eq!(config.stock_status_interval, Duration::from_secs(15));
        assert_eq!(config.export_poll_interval, Duration::from_secs(10));
    }
}
