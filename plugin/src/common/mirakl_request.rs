//! A Mirakl call a plan asks for, exactly as the host sends it.

use serde::Serialize;
use serde_json::Value;

/// One Mirakl call to make, in plan order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MiraklRequest {
    /// Mirakl operation: "OR21", "OR23", "OR24" or "ST01" (ST23/ST24 are never planned).
    pub api: String,
    /// Path below the instance base URL, order id URL-encoded.
    pub path: String,
    /// JSON body, or `None` for calls without one (OR24).
    pub body: Option<Value>,
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
