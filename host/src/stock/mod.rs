//! Stock sync: Fulfil's available quantities published as John Lewis (Mirakl) offer stock.
//!
//! - `events`: the coalescing queue of stock changes received from Fulfil webhooks.

pub mod events;
