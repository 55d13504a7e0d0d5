//! Reading a successful response body as JSON, with typed errors.

use reqwest::Response;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Reads a 2xx response body and parses it as JSON into `T`.
///
/// A body that cannot be read (connection dropped mid-body, timeout) is
/// [`ApiError::Unavailable`]; a body that is not the expected JSON is [`ApiError::Decode`].
/// An empty body parses as JSON `null`. Error texts never quote the body, which may hold
/// customer data.
pub async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let bytes = response.bytes().await.map_err(|e| ApiError::Unavailable {
        reason: format!("could not read the response body: {e}"),
    })?;
    let slice: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        &bytes
    };
    serde_json::from_slice(slice).map_err(|e| ApiError::Decode {
        reason: format!(
            "response body ({} bytes) is not the expected JSON: {e}",
            bytes.len()
        ),
    })
}
