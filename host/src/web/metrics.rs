//! The connector's metrics on `prometheus-client` (OpenMetrics text exposition).
//!
//! Counters are keyed by name and label set, gauges by name, and one histogram records
//! `jlm_stock_change_to_published_seconds` (the time from receiving a Fulfil stock change to
//! its quantity being published on Mirakl), plus a ring of the last [`LATENCY_SAMPLES`] raw
//! samples for exact quantiles in benchmarks and the status page (a histogram only bounds
//! them). Metrics are registered on first use, so jobs name them where they count. Label
//! values are escaped here: the library's text encoder writes them as given.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Name of the latency histogram.
pub const LATENCY_METRIC: &str = "jlm_stock_change_to_published_seconds";

/// Upper bounds (seconds) of the latency histogram's finite buckets; `+Inf` is implicit.
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

/// How many raw latency samples are kept for [`Metrics::latency_quantile`].
pub const LATENCY_SAMPLES: usize = 100_000;

/// Help text of the metrics jlm records; others get a generic line.
const KNOWN_HELP: &[(&str, &str)] = &[
    ("jlm_webhooks_total", "Fulfil webhook deliveries by outcome"),
    (
        "jlm_stock_events_total",
        "Fulfil stock events by outcome (accepted or stale)",
    ),
    ("jlm_stock_uploads_total", "STO01 uploads by outcome"),
    (
        "jlm_stock_queue_depth",
        "SKUs with a stock change waiting to be published",
    ),
    (
        "jlm_stock_oldest_change_age_seconds",
        "Age of the oldest unpublished stock change, 0 when none",
    ),
    (
        LATENCY_METRIC,
        "Time from receiving a Fulfil stock change to publishing it on Mirakl",
    ),
];

/// The labels of one counter series: sorted, sanitised pairs.
type Labels = Vec<(String, String)>;

/// A gauge holding an `f64`.
type FloatGauge = Gauge<f64, AtomicU64>;

/// The last [`LATENCY_SAMPLES`] latency observations (a ring once full).
#[derive(Debug, Default)]
struct Samples {
    values: Vec<f64>,
    /// Where the next sample goes once the ring is full.
    next: usize,
}

/// Registry state behind the mutex.
#[derive(Debug)]
struct Inner {
    registry: Registry,
    counters: HashMap<String, Family<Labels, Counter>>,
    gauges: HashMap<String, FloatGauge>,
    latency: Histogram,
    samples: Samples,
}

impl Default for Inner {
    fn default() -> Self {
        let mut registry = Registry::default();
        let latency = Histogram::new(LATENCY_BUCKETS);
        registry.register(LATENCY_METRIC, help_for(LATENCY_METRIC), latency.clone());
        Inner {
            registry,
            counters: HashMap::new(),
            gauges: HashMap::new(),
            latency,
            samples: Samples::default(),
        }
    }
}

impl Inner {
    /// Counter `name` (sanitised), registered on first use.
    fn counter(&mut self, name: String) -> &Family<Labels, Counter> {
        let Inner {
            registry, counters, ..
        } = self;
        counters.entry(name).or_insert_with_key(|name| {
            let family = Family::default();
            // The encoder adds the `_total` suffix of a counter itself.
            let base = name.strip_suffix("_total").unwrap_or(name);
            registry.register(base, help_for(name), family.clone());
            family
        })
    }

    /// Gauge `name` (sanitised), registered on first use.
    fn gauge(&mut self, name: String) -> &FloatGauge {
        let Inner {
            registry, gauges, ..
        } = self;
        gauges.entry(name).or_insert_with_key(|name| {
            let gauge = FloatGauge::default();
            registry.register(name, help_for(name), gauge.clone());
            gauge
        })
    }
}

/// The help line of metric `name` (the library adds the final full stop).
fn help_for(name: &str) -> String {
    KNOWN_HELP
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, help)| (*help).to_string())
        .unwrap_or_else(|| format!("jlm metric {name}"))
}

/// Thread-safe metrics registry; clones share the same values.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Inner>>,
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
fn series_key(labels: &[(&str, &str)]) -> Labels {
    let mut key: Labels = labels
        .iter()
        .map(|(k, v)| (sanitize(k, false), escape_label(v)))
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

impl Metrics {
    /// An empty registry (holding only the latency histogram).
    pub fn new() -> Self {
        Metrics::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds 1 to counter `name` with `labels` (order does not matter). Counter names end in
    /// `_total`; invalid characters in names become `_`.
    pub fn inc(&self, name: &str, labels: &[(&str, &str)]) {
        self.add(name, labels, 1);
    }

    /// Adds `n` to counter `name` with `labels` (see [`Metrics::inc`]).
    pub fn add(&self, name: &str, labels: &[(&str, &str)], n: u64) {
        let key = series_key(labels);
        self.lock()
            .counter(sanitize(name, true))
            .get_or_create(&key)
            .inc_by(n);
    }

    /// The current value of counter `name` with exactly `labels` (0 if never incremented).
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let key = series_key(labels);
        self.lock()
            .counters
            .get(&sanitize(name, true))
            .and_then(|family| family.get(&key).map(|c| c.get()))
            .unwrap_or(0)
    }

    /// Sets gauge `name` to `value`; a value that is not finite is ignored (the exposition
    /// has no agreed spelling for it in every scraper).
    pub fn set(&self, name: &str, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.lock().gauge(sanitize(name, true)).set(value);
    }

    /// The current value of gauge `name`, if it was ever set.
    pub fn gauge(&self, name: &str) -> Option<f64> {
        self.lock()
            .gauges
            .get(&sanitize(name, true))
            .map(FloatGauge::get)
    }

    /// Records one change-to-published latency in seconds (negative values count as 0;
    /// NaN is ignored).
    pub fn observe_latency(&self, seconds: f64) {
        if seconds.is_nan() {
            return;
        }
        let seconds = seconds.max(0.0);
        let mut inner = self.lock();
        inner.latency.observe(seconds);
        let samples = &mut inner.samples;
        if samples.values.len() < LATENCY_SAMPLES {
            samples.values.push(seconds);
        } else {
            samples.values[samples.next] = seconds;
            samples.next = (samples.next + 1) % LATENCY_SAMPLES;
        }
    }

    /// The `q`-quantile (0 ≤ q ≤ 1, nearest rank) of the last [`LATENCY_SAMPLES`] latencies;
    /// `None` when nothing was recorded or `q` is out of range.
    pub fn latency_quantile(&self, q: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        let mut samples = self.lock().samples.values.clone();
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        let rank = (q * samples.len() as f64).ceil() as usize;
        samples.get(rank.saturating_sub(1)).copied()
    }

    /// Every metric in the OpenMetrics text format, each with `# HELP` and `# TYPE`, ending
    /// with `# EOF`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.lock().registry);
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
            if line.starts_with("# HELP ") || line == "# EOF" {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap_or_default();
            assert!(value.parse::<f64>().is_ok_and(f64::is_finite), "{line}");
            let name = series.split('{').next().unwrap_or_default();
            assert!(
                typed.iter().any(|t| name == t
                    || name
                        .strip_prefix(t.as_str())
                        .is_some_and(
                            |suffix| ["_total", "_bucket", "_sum", "_count"].contains(&suffix)
                        )),
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
        assert!(text.contains("# TYPE jlm_webhooks counter\n"));
        assert!(text.contains("# HELP jlm_webhooks Fulfil webhook deliveries by outcome.\n"));
        assert!(text.contains("jlm_webhooks_total{outcome=\"accepted\"} 2\n"));
        assert!(text.contains("jlm_webhooks_total{outcome=\"unauthorized\"} 1\n"));
        assert!(text.contains("jlm_jobs_total{job=\"stock\",result=\"ok\"} 2\n"));
        assert_eq!(text.matches("# TYPE jlm_jobs counter").count(), 1);
        assert!(text.ends_with("# EOF\n"));
        assert_valid_exposition(&text);
    }

    #[test]
    fn label_values_and_names_are_escaped() {
        let m = Metrics::new();
        m.inc("bad name-total", &[("k-1", "a\"b\\c\nd")]);
        let text = m.render();
        assert!(
            text.contains("bad_name_total{k_1=\"a\\\"b\\\\c\\nd\"} 1\n"),
            "{text}"
        );
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
        assert!(text.contains("# TYPE jlm_stock_queue_depth gauge\njlm_stock_queue_depth 4.0\n"));
        assert!(text.contains("jlm_stock_oldest_change_age_seconds 1.25\n"));
        assert_eq!(m.gauge("jlm_weird"), None, "not finite: ignored");
        assert!(!text.contains("jlm_weird"));
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
            ("1.0", 4),
            ("2.0", 4),
            ("5.0", 5),
            ("10.0", 5),
            ("30.0", 5),
            ("60.0", 6),
            ("120.0", 6),
            ("300.0", 6),
            ("600.0", 6),
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
        let text = m.render();
        // An unlabelled series keeps empty braces (valid OpenMetrics).
        assert!(text.contains("jlm_x_total{} 5\n"), "{text}");
    }
}
