//! [`RetryPolicy`] and [`send`]: one paced, retried HTTP exchange.
//!
//! Classification (what is safe to retry) follows the "not applied / maybe applied" rule:
//!
//! | outcome | idempotent call | non-idempotent call |
//! |---|---|---|
//! | 2xx | returned | returned |
//! | 429 (not applied) | retried after `Retry-After`, pacer deferred | same |
//! | 503 (not applied) | retried | retried |
//! | connect error (never sent) | retried | retried |
//! | 500/502/504, other 5xx, timeout, connection dropped after sending | retried | [`ApiError::OutcomeUnknown`] at once |
//! | other 4xx | [`ApiError::Rejected`] | same |

use std::error::Error as _;
use std::time::Duration;

use rand::Rng as _;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use tokio::time::Instant;

use super::error::{ApiError, truncate_chars};
use super::pacing::Pacer;

/// Most bytes of an error body read to build a [`ApiError::Rejected`] message.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// How often and how patiently one call is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (at least 1 is always made).
    pub max_attempts: u32,
    /// Smallest backoff between attempts; the backoff ceiling doubles per attempt from here.
    pub base_delay: Duration,
    /// Largest backoff between attempts.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; longer requests are shortened to this.
    pub retry_after_cap: Duration,
    /// Per-attempt timeout, from connecting until the response body has been read.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 500 ms base, 30 s max backoff, `Retry-After` capped at 15 min, 30 s timeout.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Backoff before attempt `failures + 1`: uniformly random ("full jitter") between
    /// `base_delay` and `min(max_delay, base_delay · 2^(failures-1))`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let base = self.base_delay.min(self.max_delay);
        let factor = 1u32 << failures.saturating_sub(1).min(20);
        let ceiling = base.saturating_mul(factor).min(self.max_delay);
        if ceiling <= base {
            return base;
        }
        let low = u64::try_from(base.as_nanos()).unwrap_or(u64::MAX);
        let high = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(low..=high))
    }
}

/// What one attempt told us.
enum Attempt {
    /// Final answer (success or a non-retryable error).
    Done(Result<Response, ApiError>),
    /// Worth another attempt after `delay`; `give_up` is the error if the budget is spent.
    Retry {
        delay: Option<Duration>,
        defer_pacer: bool,
        give_up: ApiError,
        what: String,
    },
}

/// Sends the request made by `build` (called afresh for each attempt) on `client`, waiting on
/// `pacer` before every attempt and retrying per `policy` and the table in the module docs.
///
/// `idempotent` says whether repeating the request after it may have been applied is harmless.
/// Returns the first 2xx response; its body is still to be read (see [`super::read_json`]).
pub async fn send(
    client: &reqwest::Client,
    pacer: &Pacer,
    policy: &RetryPolicy,
    idempotent: bool,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Response, ApiError> {
    let max_attempts = policy.max_attempts.max(1);
    let mut failures = 0u32;
    loop {
        pacer.wait().await;
        let request =
            build()
                .timeout(policy.timeout)
                .build()
                .map_err(|e| ApiError::Unavailable {
                    reason: format!("could not build the request: {}", describe(&e)),
                })?;
        let method = request.method().clone();
        let path = request.url().path().to_owned();
        let outcome = match client.execute(request).await {
            Ok(response) => classify_response(response, idempotent, policy).await,
            Err(error) => classify_error(&error, idempotent, policy),
        };
        match outcome {
            Attempt::Done(result) => return result,
            Attempt::Retry {
                delay,
                defer_pacer,
                give_up,
                what,
            } => {
                failures += 1;
                if failures >= max_attempts {
                    tracing::warn!(
                        %method, %path, attempts = failures, reason = %what,
                        "giving up after the retry budget"
                    );
                    return Err(give_up);
                }
                let delay = delay.unwrap_or_else(|| policy.backoff(failures));
                if defer_pacer {
                    pacer.defer_until(Instant::now() + delay);
                }
                tracing::warn!(
                    %method, %path, attempt = failures, delay_ms = delay.as_millis() as u64,
                    reason = %what, "retrying"
                );
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Classifies a response that arrived.
async fn classify_response(response: Response, idempotent: bool, policy: &RetryPolicy) -> Attempt {
    let status = response.status();
    if status.is_success() {
        return Attempt::Done(Ok(response));
    }
    let what = describe_status(status, response.headers());
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            let retry_after = retry_after(response.headers(), policy.retry_after_cap);
            Attempt::Retry {
                delay: retry_after,
                defer_pacer: true,
                give_up: ApiError::RateLimited { retry_after },
                what,
            }
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            let retry_after = retry_after(response.headers(), policy.retry_after_cap);
            Attempt::Retry {
                delay: retry_after,
                defer_pacer: retry_after.is_some(),
                give_up: ApiError::Unavailable {
                    reason: what.clone(),
                },
                what,
            }
        }
        s if s.is_server_error() => retry_if_idempotent(what, idempotent),
        s if s.is_redirection() => {
            let target = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| response.url().join(l).ok())
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "elsewhere".into());
            Attempt::Done(Err(ApiError::Unavailable {
                reason: format!(
                    "the API answered {status} redirecting to {target}; jlm follows no \
                     redirect with the API key: set the base URL to the address the API \
                     answers on"
                ),
            }))
        }
        _ => {
            let body = read_capped(response, MAX_ERROR_BODY_BYTES).await;
            Attempt::Done(Err(ApiError::rejected(status.as_u16(), &body)))
        }
    }
}

/// Classifies a transport error (no response).
fn classify_error(error: &reqwest::Error, idempotent: bool, policy: &RetryPolicy) -> Attempt {
    let detail = describe(error);
    if error.is_builder() || error.is_redirect() {
        return Attempt::Done(Err(ApiError::Unavailable { reason: detail }));
    }
    if error.is_connect() {
        // Never reached the server: safe to retry whatever the call.
        return Attempt::Retry {
            delay: None,
            defer_pacer: false,
            give_up: ApiError::Unavailable {
                reason: format!("could not connect: {detail}"),
            },
            what: format!("could not connect: {detail}"),
        };
    }
    let what = if error.is_timeout() {
        format!("no complete response within {:?}", policy.timeout)
    } else {
        format!("connection failed: {detail}")
    };
    retry_if_idempotent(what, idempotent)
}

/// A failure after the request was sent: retried when the call is idempotent, otherwise an
/// unknown outcome the caller must settle by re-reading remote state.
fn retry_if_idempotent(what: String, idempotent: bool) -> Attempt {
    if idempotent {
        Attempt::Retry {
            delay: None,
            defer_pacer: false,
            give_up: ApiError::Unavailable {
                reason: what.clone(),
            },
            what,
        }
    } else {
        Attempt::Done(Err(ApiError::OutcomeUnknown {
            reason: format!("{what} after the request was sent"),
        }))
    }
}

/// Parses `Retry-After` as (decimal) seconds or an HTTP date, capped at `cap`.
pub fn retry_after(headers: &HeaderMap, cap: Duration) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(seconds) = text.parse::<f64>() {
        if !seconds.is_finite() {
            return None;
        }
        Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(cap)
    } else {
        let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
        (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(cap))
}

/// "HTTP 503 Service Unavailable", plus Fulfil's Sentry id when present (quote it to support).
fn describe_status(status: StatusCode, headers: &HeaderMap) -> String {
    let mut text = format!("HTTP {status}");
    if let Some(id) = headers.get("x-sentry-id").and_then(|v| v.to_str().ok()) {
        text.push_str(&format!(" (Sentry id {})", truncate_chars(id, 64)));
    }
    text
}

/// A transport error with its causes ("error sending request …: connection reset …").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Reads at most `max` bytes of a body, keeping whatever arrived if reading fails.
async fn read_capped(mut response: Response, max: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < max {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(max);
    body
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};

    use super::*;
    use crate::http::test_server::{fast_policy, serve};

    fn status(code: StatusCode) -> Response {
        code.into_response()
    }

    #[test]
    fn retry_after_forms() {
        let cap = Duration::from_secs(60);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, cap), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers, cap), Some(Duration::from_secs(2)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("0.25"));
        assert_eq!(retry_after(&headers, cap), Some(Duration::from_millis(250)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(retry_after(&headers, cap), Some(cap));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-5"));
        assert_eq!(retry_after(&headers, cap), Some(Duration::ZERO));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers, cap), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, cap), None);
    }

    #[test]
    fn backoff_stays_within_bounds() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1_000),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        for failures in 1..40 {
            let delay = policy.backoff(failures);
            assert!(delay >= Duration::from_millis(100), "{delay:?}");
            assert!(delay <= Duration::from_millis(1_000), "{delay:?}");
        }
        assert!(policy.backoff(3) <= Duration::from_millis(400));
    }

    #[tokio::test]
    async fn retry_after_is_honoured_then_success() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            let n = h.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    let mut r = status(StatusCode::TOO_MANY_REQUESTS);
                    r.headers_mut()
                        .insert("retry-after", HeaderValue::from_static("1"));
                    r
                } else {
                    "ok".into_response()
                }
            }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let started = Instant::now();
        // Non-idempotent on purpose: a 429 means "not applied", so it is still retried.
        let response = send(&client, &pacer, &fast_policy(), false, || {
            client.post(&base)
        })
        .await
        .expect("success after 429");
        assert_eq!(response.text().await.expect("body"), "ok");
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn rate_limited_after_budget() {
        let base = serve(|_req| async {
            let mut r = status(StatusCode::TOO_MANY_REQUESTS);
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_static("0.01"));
            r
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let err = send(&client, &pacer, &fast_policy(), true, || client.get(&base))
            .await
            .expect_err("429 storm");
        assert_eq!(
            err,
            ApiError::RateLimited {
                retry_after: Some(Duration::from_millis(10))
            }
        );
    }

    #[tokio::test]
    async fn service_unavailable_storm_then_success() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            let n = h.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 3 {
                    status(StatusCode::SERVICE_UNAVAILABLE)
                } else {
                    "ok".into_response()
                }
            }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        send(&client, &pacer, &fast_policy(), false, || client.put(&base))
            .await
            .expect("success after 503s");
        assert_eq!(hits.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn server_error_on_non_idempotent_is_outcome_unknown_after_one_request() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            h.fetch_add(1, Ordering::SeqCst);
            async { status(StatusCode::INTERNAL_SERVER_ERROR) }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let err = send(&client, &pacer, &fast_policy(), false, || client.put(&base))
            .await
            .expect_err("500");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn server_error_on_idempotent_is_retried_then_unavailable() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            h.fetch_add(1, Ordering::SeqCst);
            async {
                let mut r = status(StatusCode::BAD_GATEWAY);
                r.headers_mut()
                    .insert("x-sentry-id", HeaderValue::from_static("abc123"));
                r
            }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let policy = fast_policy();
        let err = send(&client, &pacer, &policy, true, || client.get(&base))
            .await
            .expect_err("502 storm");
        let ApiError::Unavailable { reason } = &err else {
            panic!("{err:?}");
        };
        assert!(
            reason.contains("502") && reason.contains("abc123"),
            "{reason}"
        );
        assert_eq!(hits.load(Ordering::SeqCst), policy.max_attempts as usize);
    }

    #[tokio::test]
    async fn timeout_on_idempotent_is_retried() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            let n = h.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                "ok".into_response()
            }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let response = send(&client, &pacer, &fast_policy(), true, || client.get(&base))
            .await
            .expect("retried after timeout");
        assert_eq!(response.text().await.expect("body"), "ok");
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn timeout_on_non_idempotent_is_outcome_unknown() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            h.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(400)).await;
                "late".into_response()
            }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let err = send(&client, &pacer, &fast_policy(), false, || {
            client.post(&base)
        })
        .await
        .expect_err("timeout");
        assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn connection_refused_is_retried_even_when_not_idempotent() {
        // Bind then drop a listener to get a port nobody listens on.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let url = format!("http://{addr}/");
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let policy = RetryPolicy {
            max_attempts: 2,
            ..fast_policy()
        };
        let err = send(&client, &pacer, &policy, false, || client.post(&url))
            .await
            .expect_err("refused");
        let ApiError::Unavailable { reason } = &err else {
            panic!("{err:?}");
        };
        assert!(reason.contains("connect"), "{reason}");
    }

    #[tokio::test]
    async fn client_error_is_rejected_without_retry() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let base = serve(move |_req| {
            h.fetch_add(1, Ordering::SeqCst);
            async {
                (
                    StatusCode::BAD_REQUEST,
                    r#"{"status":400,"message":"max must be <= 100"}"#,
                )
                    .into_response()
            }
        })
        .await;
        let client = reqwest::Client::new();
        let pacer = Pacer::new(Duration::ZERO);
        let err = send(&client, &pacer, &fast_policy(), true, || client.get(&base))
            .await
            .expect_err("400");
        assert_eq!(
            err,
            ApiError::Rejected {
                status: 400,
                code: None,
                message: "max must be <= 100".into()
            }
        );
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
