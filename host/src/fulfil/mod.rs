//! Fulfil REST v2 client (`/api/v2/model/{model}/{method}`, `X-API-KEY`).
//!
//! [`Client`] paces ([`FulfilConfig::min_interval`]) and retries every call; [`wire`] reads
//! Fulfil's extended JSON (tagged Decimals, `false` for empty Char fields).

mod client;
mod config;
mod products;
mod shipments;
mod warehouses;
pub mod wire;

pub use client::{Client, SEARCH_READ_MAX};
pub use config::FulfilConfig;
pub use products::FulfilProduct;
pub use shipments::{FulfilShipment, FulfilShipmentLine};
pub use warehouses::ProductsError;
