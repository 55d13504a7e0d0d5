//! The HTTP client every credentialed API client is built from.

use reqwest::header::HeaderMap;

/// A client builder sending `headers` (the API key among them) with every request and
/// following no redirect: a redirect could carry the key to another host (reqwest strips
/// `Authorization` across hosts, but not a custom header such as Fulfil's `X-API-KEY`), so a
/// 3xx answer is reported instead (see `send`).
pub fn api_client_builder(headers: HeaderMap) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(concat!("jlm/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use reqwest::Method;
    use serde_json::json;

    use super::super::test_server::{fast_policy, serve};
    use crate::fulfil::{self, FulfilConfig};
    use crate::mirakl::{self, MiraklConfig};

    #[tokio::test]
    async fn api_keys_never_follow_a_redirect_to_another_host() {
        // What reaches the other server: every header value of every request.
        let elsewhere_saw: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = elsewhere_saw.clone();
        let elsewhere = serve(move |request| {
            let log = log.clone();
            async move {
                let mut seen = log.lock().expect("log");
                for value in request.headers().values() {
                    seen.push(value.to_str().unwrap_or_default().to_owned());
                }
                seen.push(request.uri().to_string());
                StatusCode::OK.into_response()
            }
        })
        .await;
        let target = elsewhere.clone();
        let redirecting = serve(move |request| {
            let location = format!("{target}{}", request.uri());
            async move {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(header::LOCATION, location)],
                )
                    .into_response()
            }
        })
        .await;

        let mut config = FulfilConfig::new(redirecting.as_str(), "fulfil-secret-key", 3);
        config.retry = fast_policy();
        let fulfil = fulfil::Client::new(config).expect("client");
        let err = fulfil
            .call("sale.sale", "search_read", &json!([[]]), true, None)
            .await
            .expect_err("a redirect is not followed");
        assert!(err.to_string().contains("redirect"), "{err}");

        let mut config = MiraklConfig::new(redirecting.as_str(), "mirakl-secret-key");
        config.retry = fast_policy();
        let mirakl = mirakl::Client::new(config).expect("client");
        let err = mirakl
            .request_json(Method::GET, &["api", "orders"], &[], None, true)
            .await
            .expect_err("a redirect is not followed");
        assert!(err.to_string().contains("redirect"), "{err}");

        let seen = elsewhere_saw.lock().expect("log").clone();
        assert!(
            !seen
                .iter()
                .any(|v| v.contains("fulfil-secret-key") || v.contains("mirakl-secret-key")),
            "a key reached the other host: {seen:?}"
        );
        assert!(seen.is_empty(), "nothing is sent there at all: {seen:?}");
    }
}
