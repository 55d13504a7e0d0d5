//! Building endpoint URLs from a configured base URL, with every path segment and query
//! value percent-encoded.

use reqwest::Url;

/// Parses a configured base URL; it must be absolute `http` or `https`. `what` names the
/// setting in the error (e.g. "Mirakl base URL").
pub fn parse_base_url(text: &str, what: &str) -> anyhow::Result<Url> {
    // The text is never quoted back: a key pasted into the wrong setting stays private.
    let url = Url::parse(text.trim()).map_err(|e| {
        anyhow::anyhow!("{what} is not a valid URL ({e}); expected e.g. https://host.example")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        anyhow::bail!("{what} must be an http:// or https:// URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        anyhow::bail!("{what} must not carry a query string or fragment");
    }
    if !url.username().is_empty() || url.password().is_some() {
        anyhow::bail!("{what} must not embed credentials; use the API key setting instead");
    }
    Ok(url)
}

/// `base` followed by `segments` (each percent-encoded as one segment, so `/` inside an id
/// stays inside it) and `query` (form-encoded).
pub fn endpoint(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_segments_and_query() {
        let base = parse_base_url("https://x.mirakl.net/", "base").expect("base");
        let url = endpoint(
            &base,
            &["api", "orders", "A/1 b?", "accept"],
            &[
                ("start_update_date", "2024-01-02T03:04:05.000+01:00"),
                ("order_ids", "a,b"),
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://x.mirakl.net/api/orders/A%2F1%20b%3F/accept?start_update_date=2024-01-02T03%3A04%3A05.000%2B01%3A00&order_ids=a%2Cb"
        );
        let prefixed = parse_base_url("http://127.0.0.1:9/mirakl", "base").expect("base");
        assert_eq!(
            endpoint(&prefixed, &["api", "orders"], &[]).as_str(),
            "http://127.0.0.1:9/mirakl/api/orders"
        );
    }

    #[test]
    fn rejects_bad_bases() {
        assert!(parse_base_url("ftp://x", "base").is_err());
        assert!(parse_base_url("not a url", "base").is_err());
        assert!(parse_base_url("https://u:p@x", "base").is_err());
        assert!(parse_base_url("https://x/?a=1", "base").is_err());
    }
}
