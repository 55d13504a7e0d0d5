//! `jlm`: keeps Fulfil (system of record) and John Lewis Marketplace (Mirakl) in step.
//!
//! The host fetches, paces, retries, stores, schedules and sends; every business decision is
//! taken by the embedded WebAssembly component (see `runtime`).

pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod fulfil;
pub mod http;
pub mod jobs;
pub mod mirakl;
pub mod private_fs;
pub mod runtime;
pub mod sandbox;
pub mod stock;
pub mod store;
pub mod web;
