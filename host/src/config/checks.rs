//! Checks that keep secrets safe: base URLs are `https://` (plain `http://` only to this
//! machine), and configuration errors never quote a value, which could be a key pasted in
//! the wrong place.

use std::net::IpAddr;

use anyhow::bail;

/// Checks that a URL key is set, is http(s), and is `https://` unless it names this machine
/// (127.0.0.0/8, ::1, `localhost`): an API key sent over plain HTTP can be read on the way.
pub(super) fn check_url(key: &str, value: &str, what: &str) -> anyhow::Result<()> {
    let value = value.trim();
    if value.is_empty() {
        bail!("{key} is not set: put {what} there");
    }
    let Ok(url) = reqwest::Url::parse(value) else {
        bail!("{key} is not a valid URL: use {what}");
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(is_loopback_host) => Ok(()),
        "http" => bail!(
            "{key} is a plain http:// URL to another machine: the API key would cross the \
             network unencrypted; use {what} (http:// is accepted only for 127.0.0.1, ::1 or \
             localhost)"
        ),
        _ => bail!("{key} is not an http(s) URL: use {what}"),
    }
}

/// True for `localhost`, 127.0.0.0/8 and ::1 (`host` as a URL shows it, IPv6 in brackets).
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// A TOML error as the user sees it: where (line, column, section and key) and what, but
/// never the offending line, nor any part of its value the parser's message quotes.
pub(super) fn toml_error(text: &str, error: &toml::de::Error) -> anyhow::Error {
    let message = error.message().trim();
    let Some(start) = error.span().map(|s| s.start.min(text.len())) else {
        return anyhow::anyhow!("{}", scrub(message, ""));
    };
    let before = text.get(..start).unwrap_or("");
    let line_number = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line = text[line_start..].split('\n').next().unwrap_or("");
    let section = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.split('#').next().unwrap_or(l).trim().to_owned());
    let (key, value) = match line.split_once('=') {
        Some((key, value)) if is_key(key) => (Some(key.trim()), value),
        _ => (None, line),
    };
    let mut place = format!("line {line_number}, column {column}");
    if let Some(section) = section {
        place.push_str(&format!(", in {section}"));
    }
    if let Some(key) = key {
        place.push_str(&format!(", key {key}"));
    }
    anyhow::anyhow!(
        "invalid TOML at {place}: {} (the value is not repeated here, in case it is a secret)",
        scrub(message, value)
    )
}

/// True when `text` looks like a TOML key (bare or dotted, possibly quoted).
fn is_key(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | ' '))
}

/// `message` with every quoted string, and every part of `value` it repeats, replaced by `…`.
fn scrub(message: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    // Quoted strings: serde names a wrong value as `string "…"`.
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        match rest[open + 1..].find('"') {
            Some(close) => {
                out.push_str("\"…\"");
                rest = &rest[open + 1 + close + 1..];
            }
            None => {
                out.push('…');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    for token in value
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']'))
        .filter(|t| t.chars().count() >= 4)
    {
        out = out.replace(token, "…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    const KEY: &str = "sk-live-9f8e7d6c5b4a39281706";

    #[test]
    fn toml_errors_never_echo_a_value_that_could_be_a_key() {
        for text in [
            // A syntax error: the key pasted without quotes.
            format!("[fulfil]\nchannel_id = 3\nbase_url = {KEY}\n"),
            // An unterminated string.
            format!("[mirakl]\nshop_id = \"{KEY}\n"),
            // A wrong type: serde names the value.
            format!("[fulfil]\nchannel_id = \"{KEY}\"\n"),
            // A bad duration.
            format!("[retry]\ntimeout = \"{KEY}\"\n"),
        ] {
            let err = Config::parse(&text).expect_err("invalid");
            let shown = format!("{err:#}");
            assert!(!shown.contains(KEY), "{shown}");
            assert!(!shown.contains("9f8e7d6c"), "{shown}");
            assert!(shown.contains("line "), "says where: {shown}");
        }
        let err = Config::parse(&format!("[fulfil]\nchannel_id = 3\nbase_url = {KEY}\n"))
            .expect_err("invalid");
        let shown = err.to_string();
        assert!(
            shown.contains("line 3") && shown.contains("[fulfil]") && shown.contains("base_url"),
            "{shown}"
        );
    }

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        for ok in [
            "https://jl.mirakl.net",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000/api",
            "http://localhost:3000",
        ] {
            assert!(check_url("mirakl.base_url", ok, "x").is_ok(), "{ok}");
        }
        for refused in [
            "http://jl.mirakl.net",
            "http://10.0.0.5",
            "http://localhost.evil.example",
            "ftp://127.0.0.1",
        ] {
            let err = check_url("mirakl.base_url", refused, "x").expect_err(refused);
            assert!(err.to_string().contains("mirakl.base_url"), "{err}");
        }
        let err = check_url("fulfil.base_url", "https://user:secret-pass@x/?", "x");
        assert!(
            err.is_ok(),
            "credentials in URLs are refused by the clients"
        );
        let err = check_url("fulfil.base_url", "not a url secret-pass", "x").expect_err("bad");
        assert!(!err.to_string().contains("secret-pass"), "{err}");
    }
}
