//! The golden order fixtures through the real `.wasm` in wasmtime: same expected plans as
//! the native build (`plugin/tests/golden_orders.rs`).

use std::path::{Path, PathBuf};

use jlm::runtime::exports::jlm::connector::orders::{Offer, Product};
use jlm::runtime::{OrderInput, Runtime, plan_to_json};
use serde::Deserialize;

const NOW: &str = "2026-11-27T12:00:00Z";

#[derive(Deserialize)]
struct CatalogueItem {
    sku: String,
    ean: Option<String>,
    available: i64,
}

#[derive(Deserialize)]
struct OfferItem {
    sku: String,
    ean: Option<String>,
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn wasm_plans_match_the_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/orders");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/orders")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "found {} cases", cases.len());

    let runtime = Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads");
    let mut session = runtime.session().expect("instantiate");
    let policy = jlm::config::Config::default().orders.policy();
    for case in cases {
        let order = std::fs::read_to_string(case.join("order.json")).expect("order.json");
        let catalogue: Vec<Product> = read::<Vec<CatalogueItem>>(&case.join("catalogue.json"))
            .into_iter()
            .map(|c| Product { sku: c.sku, ean: c.ean, available: c.available })
            .collect();
        let offers: Vec<Offer> = read::<Vec<OfferItem>>(&case.join("offers.json"))
            .into_iter()
            .map(|o| Offer { sku: o.sku, ean: o.ean })
            .collect();
        let input = OrderInput { catalogue: &catalogue, offers: &offers, policy: &policy, now: NOW };
        let plan = session
            .plan_order(&order, &input)
            .expect("no trap")
            .unwrap_or_else(|e| panic!("{}: {}: {}", case.display(), e.code, e.message));
        let expected: serde_json::Value = read(&case.join("expected.json"));
        assert_eq!(plan_to_json(&plan), expected, "{}", case.display());
    }
}
