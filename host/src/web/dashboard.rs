//! `GET /`: a small self-contained HTML dashboard (no scripts, no external assets).
//!
//! Shows the live stock queue and latency quantiles, then the `status` JSON of
//! [`WebState`](super::WebState) rendered as nested tables. The page refreshes itself every
//! 10 seconds.

use axum::extract::State;
use axum::response::Html;
use serde_json::{Value, json};

use super::WebState;
use super::webhook::WEBHOOKS_TOTAL;

/// Deepest JSON nesting rendered; anything deeper is shown as compact JSON text.
const MAX_DEPTH: usize = 12;

/// Text escaped for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `value` as HTML: objects as key/value tables, arrays as lists, scalars as text.
fn render_value(value: &Value, depth: usize, out: &mut String) {
    if depth >= MAX_DEPTH {
        out.push_str(&format!("<code>{}</code>", escape(&value.to_string())));
        return;
    }
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("<em>none</em>"),
        Value::Object(map) => {
            out.push_str("<table>");
            for (key, v) in map {
                out.push_str(&format!(
                    "<tr><th>{}</th><td>",
                    escape(&key.replace('_', " "))
                ));
                render_value(v, depth + 1, out);
                out.push_str("</td></tr>");
            }
            out.push_str("</table>");
        }
        Value::Array(items) if items.is_empty() => out.push_str("<em>none</em>"),
        Value::Array(items) => {
            out.push_str("<ul>");
            for item in items {
                out.push_str("<li>");
                render_value(item, depth + 1, out);
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        Value::Null => out.push_str("<em>—</em>"),
        Value::String(s) => out.push_str(&escape(s)),
        Value::Bool(b) => out.push_str(if *b { "yes" } else { "no" }),
        Value::Number(n) => out.push_str(&escape(&n.to_string())),
    }
}

/// Seconds rounded to milliseconds, or `null`.
fn seconds(value: Option<f64>) -> Value {
    value.map_or(Value::Null, |s| json!((s * 1000.0).round() / 1000.0))
}

/// The live queue figures shown above the status.
fn queue_summary(state: &WebState) -> Value {
    let m = &state.metrics;
    let webhooks = |outcome: &str| m.counter(WEBHOOKS_TOTAL, &[("outcome", outcome)]);
    json!({
        "pending_skus": state.events.depth(),
        "oldest_change_age_seconds": seconds(state.events.oldest_age().map(|a| a.as_secs_f64())),
        "change_to_published_seconds": {
            "p50": seconds(m.latency_quantile(0.5)),
            "p95": seconds(m.latency_quantile(0.95)),
            "p99": seconds(m.latency_quantile(0.99)),
        },
        "webhooks": {
            "accepted": webhooks("accepted"),
            "unauthorized": webhooks("unauthorized"),
            "malformed": webhooks("malformed"),
            "too_large": webhooks("too_large"),
        },
    })
}

/// The whole page.
fn page_html(state: &WebState) -> String {
    let mut queue = String::new();
    render_value(&queue_summary(state), 0, &mut queue);
    let mut status = String::new();
    render_value(&(state.status)(), 0, &mut status);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="10">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jlm — Fulfil ⇄ John Lewis Marketplace</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; background: #fafafa; }}
h1 {{ font-size: 1.3rem; }} h2 {{ font-size: 1.05rem; margin-top: 1.5rem; }}
table {{ border-collapse: collapse; background: #fff; }}
th, td {{ border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; vertical-align: top; }}
th {{ font-weight: 600; background: #f0f0f0; white-space: nowrap; }}
ul {{ margin: 0; padding-left: 1.2rem; }} em {{ color: #888; }}
footer {{ margin-top: 2rem; color: #888; font-size: .85rem; }}
</style>
</head>
<body>
<h1>jlm — Fulfil ⇄ John Lewis Marketplace</h1>
<h2>Stock queue</h2>
{queue}
<h2>Status</h2>
{status}
<footer>Refreshes every 10 s · <a href="/metrics">metrics</a> · <a href="/health">health</a></footer>
</body>
</html>
"#
    )
}

/// `GET /`: the dashboard.
pub(super) async fn page(State(state): State<WebState>) -> Html<String> {
    Html(page_html(&state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_json_readably_and_escaped() {
        let mut out = String::new();
        render_value(
            &json!({"queue_depth": 3, "jobs": [{"name": "<stock>", "ok": true}], "none": null}),
            0,
            &mut out,
        );
        assert!(
            out.contains("<tr><th>queue depth</th><td>3</td></tr>"),
            "{out}"
        );
        assert!(out.contains("&lt;stock&gt;"));
        assert!(!out.contains("<stock>"));
        assert!(out.contains("<td>yes</td>"));
        assert!(out.contains("<em>—</em>"));
    }

    #[test]
    fn deep_json_is_cut_off() {
        let mut value = json!(1);
        for _ in 0..100 {
            value = json!([value]);
        }
        let mut out = String::new();
        render_value(&value, 0, &mut out);
        assert_eq!(out.matches("<ul>").count(), MAX_DEPTH);
        assert!(out.contains("<code>"));
    }
}
