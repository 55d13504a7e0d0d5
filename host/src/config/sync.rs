//! `[stock_sync]` (timing of the stock job) and `[web]` (webhooks, dashboard, metrics).

use std::time::Duration;

use serde::Deserialize;

use super::ConfigDuration;

/// `[stock_sync]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StockSyncSection {
    /// Minimum gap between STO01 uploads (Mirakl: once per minute).
    pub interval: ConfigDuration,
    /// Gap between STO02 status polls of the import in flight (Mirakl: at most every 15 s).
    pub status_interval: ConfigDuration,
    /// Full reconciliation against Fulfil and John Lewis (also run at start).
    pub reconcile_every: ConfigDuration,
    /// Fulfil warehouses whose availability counts (codes), for stock published to John Lewis
    /// and for order acceptance alike; empty = all.
    pub warehouses: Vec<String>,
    /// `stock_sync_delayed` is raised when the oldest unpublished change is older than this
    /// many intervals.
    pub delayed_after_intervals: u32,
}

impl Default for StockSyncSection {
    fn default() -> Self {
        StockSyncSection {
            interval: ConfigDuration(Duration::from_secs(60)),
            status_interval: ConfigDuration(Duration::from_secs(15)),
            reconcile_every: ConfigDuration(Duration::from_secs(3_600)),
            warehouses: Vec::new(),
            delayed_after_intervals: 3,
        }
    }
}

/// `[web]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSection {
    /// Address to serve on; loopback by default. Any other address needs `JLM_WEB_TOKEN`.
    pub bind: String,
    /// Largest webhook body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Host names (`name` or `name:port`) the web server answers to besides its bind
    /// address, e.g. the name of a reverse proxy; requests for any other `Host` get 421.
    pub allowed_hosts: Vec<String>,
}

impl Default for WebSection {
    fn default() -> Self {
        WebSection {
            bind: "127.0.0.1:8780".into(),
            max_body_bytes: 1 << 20,
            allowed_hosts: Vec::new(),
        }
    }
}
