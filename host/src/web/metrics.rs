//! A small Prometheus registry (text exposition format 0.0.4) with no external crates.
//!
//! Counters are keyed by name and label set, gauges by name, and one histogram records
//! `jlm_stock_change_to_published_seconds` (the time from receiving a Fulfil stock change to
//! its quantity being published on Mirakl) in fixed buckets, plus a ring of the last
//! [`LATENCY_SAMPLES`] raw samples for exact quantiles in benchmarks and the status page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

/// Name of the latency histogram.
pub const LATENCY_METRIC: &str = "jlm_stock_change_to_published_seconds";

/// Upper bounds (seconds) of the latency histogram's finite buckets; `+Inf` is implicit.
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// How many raw latency samples are kept for [`Metrics::latency_quantile`].
pub const LATENCY_SAMPLES: usize = 100_000;

/// Help text of the metrics jlm records; others get a generic line unless
/// [`Metrics::describe`]d.
const KNOWN_HELP: &[(&str, &str)] = &[
    (
        "jlm_webhooks_total",
        "Fulfil webhook deliveries by outcome.",
    ),
    (
        "jlm_stock_events_total",
        "Fulfil stock events by outcome (accepted or stale).",
    ),
    (
        "jlm_stock_queue_depth",
        "SKUs with a stock change waiting to be published.",
    ),
    (
        "jlm_stock_oldest_change_age_seconds",
        "Age of the oldest unpublished stock change, 0 when none.",
    ),
    (
        LATENCY_METRIC,
        "Time from receiving a Fulfil stock change to publishing it on Mirakl.",
    ),
];

/// The latency histogram and its raw-sample ring.
#[derive(Debug)]
struct Latency {
    /// Non-cumulative counts per finite bucket; the `+Inf` bucket is `count`.
    buckets: [u64; LATENCY_BUCKETS.len()],
    sum: f64,
    count: u64,
    /// The last [`LATENCY_SAMPLES`] observations (a ring once full).
    samples: Vec<f64>,
    /// Where the next sample goes once the ring is full.
    next: usize,
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            buckets: [0; LATENCY_BUCKETS.len()],
            sum: 0.0,
            count: 0,
            samples: Vec::new(),
            next: 0,
        }
    }
}

/// Registry state behind the mutex.
#[derive(Debug, Default)]
struct Registry {
    /// name → (sorted label pairs → value).
    counters: BTreeMap<String, BTreeMap<Vec<(String, String)>, u64>>,
    gauges: BTreeMap<String, f64>,
    help: BTreeMap<String, String>,
    latency: Latency,
}

impl Registry {
    fn help_for(&self, name: &str) -> String {
        self.help
            .get(name)
            .cloned()
            .or_else(|| {
                KNOWN_HELP
                    .iter()
                    .find(|(known, _)| *known == name)
                    .map(|(_, help)| (*help).to_string())
            })
            .unwrap_or_else(|| format!("jlm metric {name}."))
    }
}

/// Thread-safe metrics registry; clones share the same values.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Registry>>,
}

/// `name` made a valid metric or label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`; `:` not allowed in
/// label names): invalid characters become `_`.
fn sanitize(name: &str, allow_colon: bool) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || (allow_colon && c == ':') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The sorted, sanitised label pairs identifying one series of a counter.
fn series_key(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut key: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (sanitize(k, false), (*v).to_string()))
        .collect();
    key.sort();
    key
}

/// A label value escaped for the exposition format (`\`, `"` and newline).
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A help text escaped for the exposition format (`\` and newline).
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value as Prometheus writes it (`+Inf`, `-Inf`, `NaN`, else Rust's shortest form).
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        value.to_string()
    }
}

/// `{a="1",b="2"}` for non-empty labels, else nothing.
fn label_set(labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        Metrics::default()
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the `# HELP` text of metric `name` (otherwise a built-in or generic one is used).
    pub fn describe(&self, name: &str, help: &str) {
        self.lock()
            .help
            .insert(sanitize(name, true), help.to_string());
    }

    /// Adds 1 to counter `name` with `labels` (order does not matter). Counter names should
    /// end in `_total`; invalid characters in names become `_`.
    pub fn inc(&self, name: &str, labels: &[(&str, &str)]) {
        self.add(name, labels, 1);
    }

    /// Adds `n` to counter `name` with `labels` (see [`Metrics::inc`]).
    pub fn add(&self, name: &str, labels: &[(&str, &str)], n: u64) {
        let key = series_key(labels);
        let mut registry = self.lock();
        let value = registry
            .counters
            .entry(sanitize(name, true))
            .or_default()
            .entry(key)
            .or_insert(0);
        *value = value.saturating_add(n);
    }

    /// The current value of counter `name` with exactly `labels` (0 if never incremented).
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let key = series_key(labels);
        self.lock()
            .counters
            .get(&sanitize(name, true))
            .and_then(|series| series.get(&key))
            .copied()
            .unwrap_or(0)
    }

    /// Sets gauge `name` to `value`.
    pub fn set(&self, name: &str, value: f64) {
        self.lock().gauges.insert(sanitize(name, true), value);
    }

    /// The current value of gauge `name`, if it was ever set.
    pub fn gauge(&self, name: &str) -> Option<f64> {
        self.lock().gauges.get(&sanitize(name, true)).copied()
    }

    /// Records one change-to-published latency in seconds (negative values count as 0;
    /// NaN is ignored).
    pub fn observe_latency(&self, seconds: f64) {
        if seconds.is_nan() {
            return;
        }
        let seconds = seconds.max(0.0);
        let mut registry = self.lock();
        let latency = &mut registry.latency;
        if let Some(bucket) = LATENCY_BUCKETS.iter().position(|le| seconds <= *le) {
            latency.buckets[bucket] += 1;
        }
        latency.sum += seconds;
        latency.count += 1;
        if latency.samples.len() < LATENCY_SAMPLES {
            latency.samples.push(seconds);
        } else {
            latency.samples[latency.next] = seconds;
            latency.next = (latency.next + 1) % LATENCY_SAMPLES;
        }
    }

    /// The `q`-quantile (0 ≤ q ≤ 1, nearest rank) of the last [`LATENCY_SAMPLES`] latencies;
    /// `None` when nothing was recorded or `q` is out of range.
    pub fn latency_quantile(&self, q: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        let mut samples = self.lock().latency.samples.clone();
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        let rank = (q * samples.len() as f64).ceil() as usize;
        samples.get(rank.saturating_sub(1)).copied()
    }

    /// Every metric in the Prometheus text exposition format, each with `# HELP` and `# TYPE`.
    pub fn render(&self) -> String {
        let registry = self.lock();
        let mut out = String::new();
        for (name, series) in &registry.counters {
            let _ = writeln!(
                out,
                "# HELP {name} {}",
                escape_help(&registry.help_for(name))
            );
            let _ = writeln!(out, "# TYPE {name} counter");
            for (labels, value) in series {
                let _ = writeln!(out, "{name}{} {value}", label_set(labels));
            }
        }
        for (name, value) in &registry.gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {}",
                escape_help(&registry.help_for(name))
            );
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {}", number(*value));
        }
        let latency = &registry.latency;
        let name = LATENCY_METRIC;
        let _ = writeln!(
            out,
            "# HELP {name} {}",
            escape_help(&registry.help_for(name))
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (le, count) in LATENCY_BUCKETS.iter().zip(latency.buckets) {
            cumulative += count;
            let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {cumulative}", number(*le));
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", latency.count);
        let _ = writeln!(out, "{name}_sum {}", number(latency.sum));
        let _ = writeln!(out, "{name}_count {}", latency.count);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-comment line of an exposition is `name{labels} value` with a parsable value,
    /// and each metric has HELP and TYPE before its samples.
    fn assert_valid_exposition(text: &str) {
        let mut typed: Vec<String> = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let mut parts = rest.split(' ');
                let name = parts.next().unwrap_or_default().to_string();
                let kind = parts.next().unwrap_or_default();
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                assert!(
                    text.contains(&format!("# HELP {name} ")),
                    "no HELP for {name}"
                );
                typed.push(name);
                continue;
            }
            if line.starts_with("# HELP ") {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap_or_default();
            assert!(
                value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
                "{line}"
            );
            let name = series.split('{').next().unwrap_or_default();
            assert!(
                typed.iter().any(|t| name == t
                    || name
                        .strip_prefix(t.as_str())
                        .is_some_and(|suffix| ["_bucket", "_sum", "_count"].contains(&suffix))),
                "sample before TYPE: {line}"
            );
        }
    }

    #[test]
    fn counters_with_labels() {
        let m = Metrics::new();
        m.inc("jlm_webhooks_total", &[("outcome", "accepted")]);
        m.inc("jlm_webhooks_total", &[("outcome", "accepted")]);
        m.inc("jlm_webhooks_total", &[("outcome", "unauthorized")]);
        m.inc("jlm_jobs_total", &[("job", "stock"), ("result", "ok")]);
        m.inc("jlm_jobs_total", &[("result", "ok"), ("job", "stock")]);
        assert_eq!(
            m.counter("jlm_webhooks_total", &[("outcome", "accepted")]),
            2
        );
        assert_eq!(m.counter("jlm_webhooks_total", &[("outcome", "stale")]), 0);
        let text = m.render();
        assert!(text.contains("# TYPE jlm_webhooks_total counter\n"));
        assert!(text.contains("# HELP jlm_webhooks_total Fulfil webhook deliveries by outcome.\n"));
        assert!(text.contains("jlm_webhooks_total{outcome=\"accepted\"} 2\n"));
        assert!(text.contains("jlm_webhooks_total{outcome=\"unauthorized\"} 1\n"));
        assert!(text.contains("jlm_jobs_total{job=\"stock\",result=\"ok\"} 2\n"));
        assert_eq!(text.matches("# TYPE jlm_jobs_total").count(), 1);
        assert_valid_exposition(&text);
    }

    #[test]
    fn label_values_and_names_are_escaped() {
        let m = Metrics::new();
        m.inc("bad name-total", &[("k-1", "a\"b\\c\nd")]);
        m.describe("bad name-total", "line one\nline two");
        let text = m.render();
        assert!(
            text.contains("bad_name_total{k_1=\"a\\\"b\\\\c\\nd\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("# HELP bad_name_total line one\\nline two\n"));
        assert_valid_exposition(&text);
    }

    #[test]
    fn gauges() {
        let m = Metrics::new();
        m.set("jlm_stock_queue_depth", 3.0);
        m.set("jlm_stock_queue_depth", 4.0);
        m.set("jlm_stock_oldest_change_age_seconds", 1.25);
        m.set("jlm_weird", f64::INFINITY);
        assert_eq!(m.gauge("jlm_stock_queue_depth"), Some(4.0));
        let text = m.render();
        assert!(text.contains("# TYPE jlm_stock_queue_depth gauge\njlm_stock_queue_depth 4\n"));
        assert!(text.contains("jlm_stock_oldest_change_age_seconds 1.25\n"));
        assert!(text.contains("jlm_weird +Inf\n"));
        assert_valid_exposition(&text);
    }

    #[test]
    fn histogram_buckets_sum_and_count() {
        let m = Metrics::new();
        let empty = m.render();
        assert!(empty.contains(&format!("{LATENCY_METRIC}_bucket{{le=\"+Inf\"}} 0\n")));
        assert!(empty.contains(&format!("{LATENCY_METRIC}_count 0\n")));
        for s in [0.05, 0.1, 0.7, 3.0, 45.0, 700.0, -1.0, f64::NAN] {
            m.observe_latency(s);
        }
        let text = m.render();
        assert!(text.contains(&format!("# TYPE {LATENCY_METRIC} histogram\n")));
        let expect = [
            ("0.1", 3), // 0.05, 0.1, and -1 clamped to 0
            ("0.5", 3),
            ("1", 4),
            ("2", 4),
            ("5", 5),
            ("10", 5),
            ("30", 5),
            ("60", 6),
            ("120", 6),
            ("300", 6),
            ("600", 6),
            ("+Inf", 7),
        ];
        for (le, n) in expect {
            let line = format!("{LATENCY_METRIC}_bucket{{le=\"{le}\"}} {n}\n");
            assert!(text.contains(&line), "missing {line:?} in\n{text}");
        }
        let sum = text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{LATENCY_METRIC}_sum ")))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_default();
        assert!((sum - 748.85).abs() < 1e-9, "{sum}");
        assert!(text.contains(&format!("{LATENCY_METRIC}_count 7\n")));
        assert_valid_exposition(&text);
    }

    #[test]
    fn quantiles_from_raw_samples() {
        let m = Metrics::new();
        assert_eq!(m.latency_quantile(0.5), None);
        for i in (1..=100).rev() {
            m.observe_latency(f64::from(i));
        }
        assert_eq!(m.latency_quantile(0.0), Some(1.0));
        assert_eq!(m.latency_quantile(0.5), Some(50.0));
        assert_eq!(m.latency_quantile(0.95), Some(95.0));
        assert_eq!(m.latency_quantile(0.99), Some(99.0));
        assert_eq!(m.latency_quantile(1.0), Some(100.0));
        assert_eq!(m.latency_quantile(1.5), None);
        assert_eq!(m.latency_quantile(f64::NAN), None);
    }

    #[test]
    fn sample_ring_keeps_the_last_hundred_thousand() {
        let m = Metrics::new();
        // 100k samples of 1000 s, then 100k of 1 s: the ring holds only the latter.
        for _ in 0..LATENCY_SAMPLES {
            m.observe_latency(1000.0);
        }
        for _ in 0..LATENCY_SAMPLES {
            m.observe_latency(1.0);
        }
        assert_eq!(m.latency_quantile(1.0), Some(1.0));
        // The histogram still counts everything.
        assert!(
            m.render()
                .contains(&format!("{LATENCY_METRIC}_count 200000\n"))
        );
        m.observe_latency(5.0);
        assert_eq!(m.latency_quantile(1.0), Some(5.0));
    }

    #[test]
    fn clones_share_values() {
        let m = Metrics::new();
        let other = m.clone();
        other.inc("jlm_x_total", &[]);
        other.add("jlm_x_total", &[], 4);
        assert_eq!(m.counter("jlm_x_total", &[]), 5);
        assert!(m.render().contains("jlm_x_total 5\n"));
    }
}
