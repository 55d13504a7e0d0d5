//! The HTTP layer shared by the Mirakl and Fulfil clients: pacing ([`Pacer`]), retries
//! ([`RetryPolicy`], [`send`]), typed errors ([`ApiError`]), body decoding ([`read_json`]) and endpoint URLs
//! ([`endpoint`]).

mod body;
mod client;
mod error;
mod pacing;
mod retry;
#[cfg(test)]
pub(crate) mod test_server;
mod url;

pub use body::read_json;
pub use client::api_client_builder;
pub use error::{ApiError, MAX_RAW_BODY_CHARS};
pub use pacing::Pacer;
pub use retry::{RetryPolicy, retry_after, send};
pub use url::{endpoint, parse_base_url};
