//! A Mirakl call a plan asks for, exactly as the host sends it.

use serde::Serialize;

use crate::common::json_writer::{as_raw_json, to_json};

/// One Mirakl call to make, in plan order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MiraklRequest {
    /// Mirakl operation: "OR21", "OR23", "OR24" or "ST01" (ST23/ST24 are never planned).
    pub api: String,
    /// Path below the instance base URL, order id URL-encoded.
    pub path: String,
    /// JSON body text, exactly as sent (amounts keep their decimal digits), or `None` for
    /// calls without one (OR24, OR29).
    #[serde(serialize_with = "as_raw_json")]
    pub body: Option<String>,
}

impl MiraklRequest {
    /// A call with `body` serialised as compact JSON.
    pub fn with_body<T: Serialize + ?Sized>(api: &str, path: String, body: &T) -> MiraklRequest {
        MiraklRequest {
            api: api.to_string(),
            path,
            body: Some(to_json(body, 256)),
        }
    }

    /// A call without a body.
    pub fn bodiless(api: &str, path: String) -> MiraklRequest {
        MiraklRequest {
            api: api.to_string(),
            path,
            body: None,
        }
    }

    /// The body as a JSON value (`Null` when absent or unreadable): for judging and tests,
    /// never for sending.
    pub fn body_value(&self) -> serde_json::Value {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (safe in a path segment
/// and in a query value).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
