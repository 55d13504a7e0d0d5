//! [`ApiError`]: the one typed error every remote call returns.
//!
//! Callers match on the variant to decide what to do next: fix the data (`Rejected`), wait
//! (`RateLimited`, `Unavailable`), re-read remote state before doing anything else
//! (`OutcomeUnknown`), or report a protocol problem (`Decode`). Messages are written for the
//! person who will read them in the exception queue and never contain credentials.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// Longest raw body (in characters) kept in a [`ApiError::Rejected`] message.
pub const MAX_RAW_BODY_CHARS: usize = 500;

/// Why a remote call failed, classified by what the caller must do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The remote refused the request (a 4xx other than 429). Retrying the same request will
    /// fail the same way; the data or the configuration has to change.
    Rejected {
        /// HTTP status code.
        status: u16,
        /// Remote error code when the body carried one (Mirakl `code`, Fulfil `code`).
        code: Option<String>,
        /// Remote message, or the start of the raw body when it had no recognisable message.
        message: String,
    },
    /// Still rate limited (429) after the retry budget was spent.
    RateLimited {
        /// The last `Retry-After` the remote asked for, if it sent one.
        retry_after: Option<Duration>,
    },
    /// The remote could not be reached or kept failing (5xx, connection errors, timeouts of
    /// idempotent calls) after the retry budget was spent. Nothing was applied that a retry
    /// later would duplicate.
    Unavailable {
        /// What failed last.
        reason: String,
    },
    /// A non-idempotent request may or may not have been applied (timeout, 500/502/504 or a
    /// dropped connection after the request was sent). Never retried automatically: re-read
    /// the remote state before doing anything else.
    OutcomeUnknown {
        /// What happened.
        reason: String,
    },
    /// The remote answered 2xx but the body could not be understood.
    Decode {
        /// What could not be parsed.
        reason: String,
    },
}

impl ApiError {
    /// Builds a [`ApiError::Rejected`] from a 4xx status and its raw body, reading the message
    /// leniently from Mirakl (`{"status","message","code"}`) and Fulfil
    /// (`{"type":"UserError","message","code","description"}`) error shapes and falling back to
    /// the raw body, truncated to [`MAX_RAW_BODY_CHARS`] characters.
    pub fn rejected(status: u16, body: &[u8]) -> Self {
        let (code, message) = parse_error_body(body);
        let message = match message {
            Some(message) => message,
            None => {
                let raw = String::from_utf8_lossy(body);
                let raw = raw.trim();
                if raw.is_empty() {
                    format!("HTTP {status} with an empty body")
                } else {
                    truncate_chars(raw, MAX_RAW_BODY_CHARS)
                }
            }
        };
        ApiError::Rejected {
            status,
            code,
            message,
        }
    }

    /// The HTTP status, for [`ApiError::Rejected`] only.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when waiting and trying again later may succeed without changing anything
    /// (`RateLimited`, `Unavailable`).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. } | ApiError::Unavailable { .. }
        )
    }

    /// Returns the error with every occurrence of `secret` in its text replaced by
    /// `<redacted>`, as a guard against a remote echoing a credential back. Empty secrets are
    /// ignored.
    pub fn redacted(self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let scrub = |text: String| {
            if text.contains(secret) {
                text.replace(secret, "<redacted>")
            } else {
                text
            }
        };
        match self {
            ApiError::Rejected {
                status,
                code,
                message,
            } => ApiError::Rejected {
                status,
                code: code.map(scrub),
                message: scrub(message),
            },
            ApiError::RateLimited { retry_after } => ApiError::RateLimited { retry_after },
            ApiError::Unavailable { reason } => ApiError::Unavailable {
                reason: scrub(reason),
            },
            ApiError::OutcomeUnknown { reason } => ApiError::OutcomeUnknown {
                reason: scrub(reason),
            },
            ApiError::Decode { reason } => ApiError::Decode {
                reason: scrub(reason),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Rejected {
                status,
                code,
                message,
            } => {
                write!(f, "request rejected (HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, ", code {code}")?;
                }
                write!(f, "): {message}")?;
                match status {
                    401 | 403 => write!(f, " — check the API key and the API user's permissions"),
                    404 => write!(f, " — check the base URL and that the record exists"),
                    _ => Ok(()),
                }
            }
            ApiError::RateLimited { retry_after } => {
                write!(f, "rate limited by the remote API after all retries")?;
                match retry_after {
                    Some(wait) => write!(f, "; it asked to wait {} s", wait.as_secs_f64()),
                    None => write!(f, "; try again later or lengthen the pacing interval"),
                }
            }
            ApiError::Unavailable { reason } => write!(
                f,
                "remote API unavailable after all retries: {reason} — it will be retried later"
            ),
            ApiError::OutcomeUnknown { reason } => write!(
                f,
                "outcome unknown: {reason} — the request may have been applied; re-read the remote state before retrying"
            ),
            ApiError::Decode { reason } => {
                write!(f, "could not understand the remote response: {reason}")
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// Reads `(code, message)` from a JSON error body; both `None` when the body is not JSON or
/// carries neither.
fn parse_error_body(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let Some(object) = value.as_object() else {
        return (None, None);
    };
    let code = object.get("code").and_then(scalar_text);
    let message = ["description", "message", "error", "errorDescription"]
        .iter()
        .filter_map(|key| object.get(*key))
        .find_map(|v| v.as_str().map(str::trim).filter(|s| !s.is_empty()))
        .map(|message| {
            let details = field_errors(object.get("errors"));
            let message = if details.is_empty() {
                message.to_owned()
            } else {
                format!("{message} ({details})")
            };
            truncate_chars(&message, MAX_RAW_BODY_CHARS * 2)
        });
    (code, message)
}

/// Flattens an `errors: [{field, message}]` array (Mirakl's newer APIs) into one line.
fn field_errors(errors: Option<&Value>) -> String {
    let Some(errors) = errors.and_then(Value::as_array) else {
        return String::new();
    };
    errors
        .iter()
        .filter_map(|e| {
            let message = e.get("message").and_then(Value::as_str)?;
            Some(match e.get("field").and_then(Value::as_str) {
                Some(field) => format!("{field}: {message}"),
                None => message.to_owned(),
            })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A string or number as text; anything else is `None`.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first `max` characters of `text`, with `…` appended when something was cut.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirakl_error_body() {
        let e = ApiError::rejected(
            400,
            br#"{"status":400,"message":"Order line missing","code":"ORDER_LINE_ACCEPTANCE_DECISION_MISSING"}"#,
        );
        assert_eq!(
            e,
            ApiError::Rejected {
                status: 400,
                code: Some("ORDER_LINE_ACCEPTANCE_DECISION_MISSING".into()),
                message: "Order line missing".into()
            }
        );
    }

    #[test]
    fn fulfil_user_error_prefers_description() {
        let e = ApiError::rejected(
            422,
            br#"{"type":"UserError","code":"E1000","message":"short","description":"can't update sales order in this state"}"#,
        );
        let ApiError::Rejected { code, message, .. } = e else {
            panic!("not rejected");
        };
        assert_eq!(code.as_deref(), Some("E1000"));
        assert_eq!(message, "can't update sales order in this state");
    }

    #[test]
    fn numeric_code_and_error_key() {
        let e = ApiError::rejected(404, br#"{"code":404,"error":"Not here"}"#);
        assert_eq!(e.status(), Some(404));
        let ApiError::Rejected { code, message, .. } = e else {
            panic!("not rejected");
        };
        assert_eq!(code.as_deref(), Some("404"));
        assert_eq!(message, "Not here");
    }

    #[test]
    fn raw_body_is_truncated() {
        let body = "x".repeat(2_000);
        let ApiError::Rejected { message, code, .. } = ApiError::rejected(400, body.as_bytes())
        else {
            panic!("not rejected");
        };
        assert_eq!(code, None);
        assert_eq!(message.chars().count(), MAX_RAW_BODY_CHARS + 1);
        let ApiError::Rejected { message, .. } = ApiError::rejected(400, b"") else {
            panic!("not rejected");
        };
        assert!(message.contains("empty body"));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("ééé", 2), "éé…");
        assert_eq!(truncate_chars("ab", 2), "ab");
    }

    #[test]
    fn redaction_and_display() {
        let e = ApiError::rejected(401, br#"{"message":"bad key sk_live_123"}"#)
            .redacted("sk_live_123");
        let text = e.to_string();
        assert!(!text.contains("sk_live_123"), "{text}");
        assert!(text.contains("<redacted>"));
        assert!(text.contains("check the API key"));
        assert!(
            ApiError::OutcomeUnknown {
                reason: "timeout".into()
            }
            .to_string()
            .contains("re-read")
        );
    }
}
