//! The summary table: every figure of the run beside its target, the ratios taken within the
//! run (wasm/native, Node/wasm), and pass or fail; printed last and written as JSON to
//! `bench-summary.json` in the target directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

/// `plan-order` in wasmtime: at most this long...
const ORDER_WASM_MAX: Duration = Duration::from_micros(20);
/// ...and at most this many times the native call.
const ORDER_WASM_PER_NATIVE: f64 = 2.5;
/// `plan-order` under Node: at most this many times the wasmtime call.
const NODE_PER_WASM: f64 = 5.0;
/// `plan-stock` over 200,000 SKUs in wasmtime: at most this long.
const STOCK_WASM_MAX: Duration = Duration::from_millis(300);
/// No figure may be more than 10 % slower than before.
const BEFORE_SLACK: f64 = 1.10;

/// The figures before the hot-path work of the benchmark-table change (the baseline;
/// Node's on this order with this warm-up, measured on the component of that time).
mod before {
    use std::time::Duration;
    pub const ORDER_NATIVE: Duration = Duration::from_nanos(13_650);
    pub const ORDER_WASM: Duration = Duration::from_nanos(33_800);
    pub const ORDER_BOUNDARY: Duration = Duration::from_nanos(4_200);
    pub const ORDER_NODE: Duration = Duration::from_micros(75);
    pub const STOCK_NATIVE: Duration = Duration::from_millis(125);
    pub const STOCK_WASM: Duration = Duration::from_millis(240);
}

/// Everything the run measured; `Err` says why a figure is missing.
pub struct Measured {
    /// `plan-order` natively, in wasmtime, and its boundary.
    pub order: crate::plan_order::Figures,
    /// `plan-order` under Node/jco.
    pub node: Result<Duration, String>,
    /// `plan-stock` over 200,000 SKUs.
    pub stock: crate::stock::Figures,
}

/// How a figure prints.
#[derive(Clone, Copy)]
enum Unit {
    Micros,
    Millis,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Micros => "µs",
            Unit::Millis => "ms",
        }
    }

    fn value(self, d: Duration) -> f64 {
        match self {
            Unit::Micros => d.as_secs_f64() * 1e6,
            Unit::Millis => d.as_secs_f64() * 1e3,
        }
    }

    fn show(self, d: Duration) -> String {
        match self {
            Unit::Micros => format!("{:.2} µs", self.value(d)),
            Unit::Millis => format!("{:.1} ms", self.value(d)),
        }
    }
}

/// One target and whether the figure meets it.
struct Check {
    target: String,
    pass: bool,
}

/// One line of the table.
struct Row {
    name: &'static str,
    unit: Unit,
    figure: Result<Duration, String>,
    before: Option<Duration>,
    /// The figure over another of the run, and what that other is.
    ratio: Option<(f64, &'static str)>,
    checks: Vec<Check>,
}

impl Row {
    fn new(name: &'static str, unit: Unit, figure: Result<Duration, String>) -> Row {
        Row {
            name,
            unit,
            figure,
            before: None,
            ratio: None,
            checks: Vec::new(),
        }
    }

    /// Compares with the figure before: at most [`BEFORE_SLACK`] times it.
    fn before(mut self, before: Duration) -> Row {
        self.before = Some(before);
        if let Ok(figure) = self.figure {
            self.checks.push(Check {
                target: format!(
                    "≤ {} (before +10 %)",
                    self.unit.show(before.mul_f64(BEFORE_SLACK))
                ),
                pass: figure.as_secs_f64() <= before.as_secs_f64() * BEFORE_SLACK,
            });
        }
        self
    }

    /// The figure over `other`'s, at most `max` times it when `max` is given.
    fn ratio(
        mut self,
        other: &Result<Duration, String>,
        of: &'static str,
        max: Option<f64>,
    ) -> Row {
        if let (Ok(figure), Ok(other)) = (&self.figure, other) {
            let ratio = figure.as_secs_f64() / other.as_secs_f64();
            self.ratio = Some((ratio, of));
            if let Some(max) = max {
                self.checks.push(Check {
                    target: format!("≤ {max}× {of}"),
                    pass: ratio <= max,
                });
            }
        }
        self
    }

    /// At most `max`.
    fn at_most(mut self, max: Duration) -> Row {
        if let Ok(figure) = self.figure {
            self.checks.push(Check {
                target: format!("≤ {}", self.unit.show(max)),
                pass: figure <= max,
            });
        }
        self
    }

    /// `Some(true)` when every target is met, `None` without a figure or a target.
    fn pass(&self) -> Option<bool> {
        match (&self.figure, self.checks.is_empty()) {
            (Ok(_), false) => Some(self.checks.iter().all(|c| c.pass)),
            _ => None,
        }
    }

    fn result(&self) -> String {
        match (&self.figure, self.pass()) {
            (Err(why), _) => why.clone(),
            (Ok(_), None) => "info".into(),
            (Ok(_), Some(true)) => "pass".into(),
            (Ok(_), Some(false)) => {
                let missed: Vec<&str> = self
                    .checks
                    .iter()
                    .filter(|c| !c.pass)
                    .map(|c| c.target.as_str())
                    .collect();
                format!("FAIL ({})", missed.join("; "))
            }
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "row": self.name,
            "unit": self.unit.name(),
            "figure": self.figure.as_ref().ok().map(|d| self.unit.value(*d)),
            "missing": self.figure.as_ref().err(),
            "before": self.before.map(|d| self.unit.value(d)),
            "ratio": self.ratio.map(|(value, of)| json!({"value": value, "of": of})),
            "targets": self.checks.iter().map(|c| json!({"target": c.target, "pass": c.pass})).collect::<Vec<_>>(),
            "pass": self.pass(),
        })
    }
}

/// The rows of the table, targets applied.
fn rows(m: &Measured) -> Vec<Row> {
    let known = |d: Option<Duration>| d.ok_or_else(|| "not run (filtered out)".to_string());
    let native = known(m.order.native);
    let wasm = known(m.order.wasm);
    let stock_native = Ok(m.stock.native);
    vec![
        Row::new("plan-order native", Unit::Micros, native.clone()).before(before::ORDER_NATIVE),
        Row::new("plan-order wasmtime", Unit::Micros, wasm.clone())
            .ratio(&native, "native", Some(ORDER_WASM_PER_NATIVE))
            .at_most(ORDER_WASM_MAX)
            .before(before::ORDER_WASM),
        Row::new("plan-order boundary", Unit::Micros, known(m.order.boundary))
            .ratio(&wasm, "wasmtime", None)
            .before(before::ORDER_BOUNDARY),
        Row::new("plan-order Node/jco", Unit::Micros, m.node.clone())
            .ratio(&wasm, "wasmtime", Some(NODE_PER_WASM))
            .before(before::ORDER_NODE),
        Row::new("plan-stock 200k native", Unit::Millis, stock_native.clone())
            .before(before::STOCK_NATIVE),
        Row::new("plan-stock 200k wasmtime", Unit::Millis, Ok(m.stock.wasm))
            .ratio(&stock_native, "native", None)
            .at_most(STOCK_WASM_MAX)
            .before(before::STOCK_WASM),
    ]
}

/// Prints the table and writes it as JSON; the path written.
pub fn report(m: &Measured) -> PathBuf {
    let rows = rows(m);
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.name.to_string(),
                r.figure
                    .as_ref()
                    .map(|d| r.unit.show(*d))
                    .unwrap_or_else(|_| "—".into()),
                r.before
                    .map(|d| r.unit.show(d))
                    .unwrap_or_else(|| "—".into()),
                r.ratio
                    .map(|(v, of)| format!("{v:.2}× {of}"))
                    .unwrap_or_else(|| "—".into()),
                r.result(),
            ]
        })
        .collect();
    let head = ["", "measured", "before", "ratio", "result"];
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[&str]| {
        let mut out = format!("{:<w$}", c[0], w = widths[0]);
        for i in 1..4 {
            out.push_str(&format!("  {:>w$}", c[i], w = widths[i]));
        }
        format!("{out}  {}", c[4])
    };
    println!(
        "\nsummary (one run; targets: plan-order wasmtime ≤ 20 µs and ≤ 2.5× native, Node ≤ 5× wasmtime, plan-stock wasmtime ≤ 300 ms, nothing > 10 % slower than before)"
    );
    println!("{}", line(&head));
    for c in &cells {
        println!("{}", line(&c.each_ref().map(String::as_str)));
    }
    let all: Vec<bool> = rows.iter().filter_map(Row::pass).collect();
    let summary = json!({
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
        "pass": all.iter().all(|p| *p),
    });
    let path = target_dir().join("bench-summary.json");
    let text = serde_json::to_string_pretty(&summary).expect("json");
    std::fs::write(&path, text + "\n").unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    println!("written to {}", path.display());
    path
}

/// The target directory this benchmark was built in (the parent of cargo's `tmp` in it).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .to_path_buf()
}
