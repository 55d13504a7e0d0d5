//! DNS-rebinding protection: a request is served only when its `Host` names this server —
//! its bound address and port, `localhost` when bound to loopback, or a name configured in
//! `[web] allowed_hosts` — otherwise 421 Misdirected Request. A web page that points its own
//! domain at 127.0.0.1 therefore cannot read the dashboard or post webhooks.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The `Host` values this server answers to (lower case).
#[derive(Clone, Debug)]
pub(super) struct AllowedHosts(BTreeSet<String>);

impl AllowedHosts {
    /// The hosts of a server bound to `addr`, plus `configured` names (`name` or
    /// `name:port`; a name without a port is accepted bare and with the bound port).
    pub(super) fn new(addr: SocketAddr, configured: &[String]) -> AllowedHosts {
        let port = addr.port();
        let mut names = BTreeSet::new();
        let mut add = |host: String| {
            if port == 80 {
                names.insert(host.clone());
            }
            names.insert(format!("{host}:{port}"));
        };
        let ip = addr.ip().to_canonical();
        if ip.is_unspecified() || ip.is_loopback() {
            add("localhost".into());
            add("127.0.0.1".into());
            add("[::1]".into());
        }
        if !ip.is_unspecified() {
            add(match ip {
                std::net::IpAddr::V4(v4) => v4.to_string(),
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            });
        }
        for name in configured {
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            if has_port(&name) {
                names.insert(name);
            } else {
                names.insert(name.clone());
                names.insert(format!("{name}:{port}"));
            }
        }
        AllowedHosts(names)
    }

    /// True when `host` (a `Host` header value) is one of ours.
    pub(super) fn allows(&self, host: &str) -> bool {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        self.0.contains(&host)
    }
}

/// True when `host` ends in `:port` (after an IPv6 literal's bracket, if any).
fn has_port(host: &str) -> bool {
    let tail = host.rsplit_once(']').map_or(host, |(_, tail)| tail);
    tail.rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
}

/// Passes the request on only when its `Host` (or HTTP/2 authority) is allowed; 421 otherwise.
pub(super) async fn require_own_host(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    if host.as_deref().is_some_and(|h| allowed.allows(h)) {
        return next.run(request).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        "this jlm server does not answer to that host name; add it to [web] allowed_hosts if it is yours\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_addresses_and_configured_names_only() {
        let loopback = AllowedHosts::new(([127, 0, 0, 1], 8780).into(), &[]);
        for ok in [
            "127.0.0.1:8780",
            "localhost:8780",
            "LOCALHOST:8780",
            "[::1]:8780",
        ] {
            assert!(loopback.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example:8780",
            "evil.example",
            "127.0.0.1",
            "127.0.0.1:8781",
            "localhost",
            "",
        ] {
            assert!(!loopback.allows(refused), "{refused}");
        }

        let public = AllowedHosts::new(
            ([10, 0, 0, 5], 8780).into(),
            &["jlm.shop.example".into(), "proxy.example:8443".into()],
        );
        for ok in [
            "10.0.0.5:8780",
            "jlm.shop.example",
            "jlm.shop.example:8780",
            "proxy.example:8443",
        ] {
            assert!(public.allows(ok), "{ok}");
        }
        for refused in ["localhost:8780", "proxy.example", "other.example"] {
            assert!(!public.allows(refused), "{refused}");
        }
        assert!(has_port("[::1]:80") && !has_port("[::1]") && !has_port("name"));
    }
}
