//! The benchmark table, measured side by side in one run (`cargo bench -p jlm`) so the ratios
//! come from one machine state:
//! - `plan-order` on the three-line fixture natively, in wasmtime, and its boundary cost
//!   (criterion, [`plan_order`]);
//! - the same order under Node/jco ([`node`]);
//! - `plan-stock` over 200,000 SKUs natively and in wasmtime, and change→published latency
//!   against the sandbox ([`stock`]);
//!
//! then one summary table of figures, targets, ratios and pass/fail ([`summary`]), also
//! written to `bench-summary.json` in the target directory. `cargo test --benches` runs every
//! part once, as a smoke test.

mod component;
mod node;
mod plan_order;
mod stock;
mod summary;

use criterion::Criterion;

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let order = plan_order::run(&mut criterion);
    criterion.final_summary();
    let node = node::plan_order();
    let stock = stock::plan_stock_figures();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio")
        .block_on(stock::latency_figures());
    summary::report(&summary::Measured { order, node, stock });
}
