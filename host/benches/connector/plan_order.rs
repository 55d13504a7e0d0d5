//! `plan-order` on a realistic three-line UK order (`fixtures/orders/shipping-gift-multiline/`),
//! as one criterion group: natively (`plugin::orders::plan_order`), through the real `.wasm`
//! in wasmtime, the boundary (the same call with an empty order, rejected at once: what every
//! call pays before any planning). The order is the full OR11 object as the orders job passes
//! it to the component: the text Mirakl sent, compact (6.4 KB).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Bencher, Criterion};

use crate::component::Orders;

const ORDER_FIXTURE: &str =
    include_str!("../../../fixtures/orders/shipping-gift-multiline/order.json");
const CATALOGUE: &str =
    include_str!("../../../fixtures/orders/shipping-gift-multiline/catalogue.json");
const OFFERS: &str = include_str!("../../../fixtures/orders/shipping-gift-multiline/offers.json");
const NOW: &str = "2026-11-27T12:00:00Z";
/// Criterion's samples per benchmark; the summary's figure is their median.
const SAMPLES: usize = 100;

/// Time per call of each benchmark of the group (`None`: filtered out of this run).
pub struct Figures {
    /// Natively.
    pub native: Option<Duration>,
    /// In wasmtime, as `jlm` runs it.
    pub wasm: Option<Duration>,
    /// The same call with an empty order.
    pub boundary: Option<Duration>,
}

/// What criterion timed, sample by sample: (iterations, elapsed).
#[derive(Default)]
struct Samples(Vec<(u64, Duration)>);

impl Samples {
    /// Times `call` the way criterion's `iter` does, keeping each sample.
    fn time<R>(&mut self, b: &mut Bencher, mut call: impl FnMut() -> R) {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(call());
            }
            let elapsed = start.elapsed();
            self.0.push((iters, elapsed));
            elapsed
        });
    }

    /// The median time per call of the measured samples (the last `SAMPLES`; the ones before
    /// them are criterion's warm-up).
    fn median(&self) -> Option<Duration> {
        let measured = &self.0[self.0.len().saturating_sub(SAMPLES)..];
        let mut per_call: Vec<Duration> = measured
            .iter()
            .map(|&(iters, elapsed)| elapsed.div_f64(iters.max(1) as f64))
            .collect();
        per_call.sort();
        per_call.get(per_call.len() / 2).copied()
    }
}

/// Runs the group; the figures of the benchmarks that ran.
pub fn run(c: &mut Criterion) -> Figures {
    // What `jobs::orders` hands the component: the OR11 object as Mirakl sends it (compact).
    let order: serde_json::Value = serde_json::from_str(ORDER_FIXTURE).expect("order");
    let order = order.to_string();
    let order = order.as_str();
    let catalogue: Vec<plugin::orders::Product> =
        serde_json::from_str(CATALOGUE).expect("catalogue");
    let offers: Vec<plugin::orders::Offer> = serde_json::from_str(OFFERS).expect("offers");
    let policy = plugin::orders::OrderPolicy::default();
    let mut wasm = Orders::new(&catalogue, &offers, NOW);
    assert!(
        wasm.plan(order),
        "the benchmark order builds a Fulfil order"
    );

    let [mut native, mut guarded, mut boundary]: [Samples; 3] = Default::default();
    let mut group = c.benchmark_group("plan_order_3_lines");
    group.sample_size(SAMPLES);
    group.bench_function("native", |b| {
        native.time(b, || {
            plugin::orders::plan_order(black_box(order), &catalogue, &offers, &[], &policy, NOW)
                .expect("plan")
        })
    });
    group.bench_function("wasm", |b| guarded.time(b, || wasm.plan(black_box(order))));
    group.bench_function("wasm_boundary", |b| boundary.time(b, || wasm.boundary()));
    group.finish();
    Figures {
        native: native.median(),
        wasm: guarded.median(),
        boundary: boundary.median(),
    }
}
