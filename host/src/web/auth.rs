//! Token protection of the dashboard and `/metrics` when a token is configured.
//!
//! The token is accepted as `Authorization: Bearer <token>` (scrapers, scripts) or as the
//! password of HTTP Basic authentication with any user name, so a browser opens the dashboard
//! with its own login prompt.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use subtle::ConstantTimeEq;

/// Passes the request on only when it presents the token (compared in constant time);
/// otherwise 401 challenging for Basic (browsers) and Bearer.
pub(super) async fn require_token(
    State(token): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(presented_token);
    let ok = presented.is_some_and(|p| bool::from(p.ct_eq(token.as_bytes())));
    if ok {
        return next.run(request).await;
    }
    let mut response =
        (StatusCode::UNAUTHORIZED, "the jlm web token is required\n").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"jlm\", charset=\"UTF-8\""),
    );
    headers.append(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"jlm\""),
    );
    response
}

/// The token an `Authorization` value presents: a Bearer token, or a Basic password.
fn presented_token(value: &str) -> Option<Vec<u8>> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(credentials.as_bytes().to_vec())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()?;
        let colon = decoded.iter().position(|&b| b == b':')?;
        Some(decoded[colon + 1..].to_vec())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_and_basic_passwords_are_presented_tokens() {
        let basic = |user_password: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(user_password)
            )
        };
        assert_eq!(presented_token("Bearer abc"), Some(b"abc".to_vec()));
        assert_eq!(presented_token(" bearer  abc "), Some(b"abc".to_vec()));
        assert_eq!(presented_token(&basic("ops:abc")), Some(b"abc".to_vec()));
        assert_eq!(presented_token(&basic(":a:b")), Some(b"a:b".to_vec()));
        assert_eq!(presented_token(&basic("no-colon")), None);
        assert_eq!(presented_token("Basic !!notbase64"), None);
        assert_eq!(presented_token("Digest abc"), None);
        assert_eq!(presented_token("abc"), None);
    }
}
