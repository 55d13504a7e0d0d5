//! Mirakl seller (shop) API client, as used by John Lewis Marketplace.
//!
//! [`Client`] carries auth (`Authorization: <raw key>`), the optional `shop_id`, pacing
//! ([`MiraklConfig::page_interval`] between any two calls, [`MiraklConfig::orders_poll_interval`]
//! between OR11 polls) and retries. Orders are returned as raw JSON objects: the component
//! interprets them, the host only fetches and sends.

mod client;
mod config;
mod orders;

pub use client::Client;
pub use config::MiraklConfig;
pub use orders::ORDERS_PAGE_SIZE;
