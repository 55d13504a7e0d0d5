//! Mirakl seller (shop) API client, as used by John Lewis Marketplace.
//!
//! [`Client`] carries auth (`Authorization: <raw key>`), the optional `shop_id`, pacing
//! ([`MiraklConfig::page_interval`] between any two calls, [`MiraklConfig::orders_poll_interval`]
//! between OR11 polls, [`MiraklConfig::stock_import_interval`] between STO01 uploads,
//! [`MiraklConfig::stock_status_interval`] between STO02/STO03 calls and
//! [`MiraklConfig::export_poll_interval`] between OF52/OF53 calls) and retries. Orders are
//! returned as raw JSON objects: the component interprets them, the host only fetches and
//! sends. Stock goes up as a STO01 CSV file; offers come back as [`MiraklOffer`]s.

mod client;
mod config;
pub mod csv;
mod dispatch;
mod lenient;
mod offers;
mod orders;
mod raw_order;
mod shipments;
mod stock;

pub use client::Client;
pub use config::MiraklConfig;
pub use dispatch::INVALID_REQUEST_CODE;
pub use offers::{MiraklOffer, OFFERS_PAGE_SIZE};
pub use orders::ORDERS_PAGE_SIZE;
pub use raw_order::RawOrder;
pub use stock::{StockErrorLine, StockImportStatus};
