//! The jlm component: every business rule of the Fulfil ⇄ John Lewis connector.
//!
//! One folder per flow: [`orders`] (plan-order), [`stock`] (plan-stock), [`dispatch`]
//! (plan-dispatch and the clocks), [`returns`] (plan-return and plan-refund),
//! [`cancellations`] (plan-cancel) and [`exceptions`] (the catalogue of codes and the facts
//! the host reports). [`common`] holds what several flows share; it imports no flow, and no flow
//! imports another. The modules are pure Rust, tested natively; the `wasm32` build exports
//! them through the WIT package in `wit/` (the glue in `component/` is all that is
//! wasm-specific).

pub mod cancellations;
pub mod common;
pub mod dispatch;
pub mod exceptions;
pub mod orders;
pub mod returns;
pub mod stock;

/// The Fx hash collections, at the path the host uses (`plugin::fast_hash`).
pub use common::fast_hash;
/// The clocks, at the path the host uses (`plugin::clocks`).
pub use dispatch::clocks;

/// The version of the `jlm:connector` WIT package this component implements.
pub const API_VERSION: &str = "0.4.0";

#[cfg(target_arch = "wasm32")]
mod component;
