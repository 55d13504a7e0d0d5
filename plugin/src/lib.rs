//! The jlm component: every business rule of the Fulfil ⇄ John Lewis connector.
//!
//! The modules are pure Rust, tested natively; the `wasm32` build exports them through the
//! WIT package in `wit/` (the glue in `component/` is all that is wasm-specific).

pub mod catalogue;
pub mod clocks;
pub mod commitments;
pub mod country;
pub mod dispatch;
pub mod ean;
pub mod error;
pub mod exception;
pub mod facts;
pub mod fast_hash;
pub mod fulfil_order;
pub mod json_bytes;
pub mod json_reader;
pub mod json_writer;
pub mod mirakl_order;
pub mod mirakl_request;
pub mod money;
pub mod orders;
pub mod sku;
pub mod stock;
pub mod stock_csv;
pub mod time;

/// The version of the `jlm:connector` WIT package this component implements.
pub const API_VERSION: &str = "0.2.0";

#[cfg(target_arch = "wasm32")]
mod component;
