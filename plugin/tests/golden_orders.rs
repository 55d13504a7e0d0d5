//! Golden tests of `plan-order` on the native build: every case under `fixtures/orders/`.
//! The host runs the same cases through the real `.wasm` (`tests/golden_wasm.rs`).
//! A case's optional `policy.json` holds the policy fields it sets (the rest are defaults).
//! `JLM_BLESS=1 cargo test -p plugin --test golden_orders` rewrites `expected.json`.

use std::path::{Path, PathBuf};

use plugin::common::committed::Committed;
use plugin::exceptions::catalogue::find;
use plugin::orders::{Offer, OrderPolicy, Product, plan_order};

/// The fixed clock of every golden case.
const NOW: &str = "2026-11-27T12:00:00Z";

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/orders");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/orders exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("order.json").exists())
        .collect();
    cases.sort();
    cases
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "expected the order fixtures, found {}",
        cases.len()
    );
    let bless = std::env::var_os("JLM_BLESS").is_some();
    for case in cases {
        let order = std::fs::read_to_string(case.join("order.json")).expect("order.json");
        let catalogue: Vec<Product> = read_json(&case.join("catalogue.json"));
        let offers: Vec<Offer> = read_json(&case.join("offers.json"));
        let policy_path = case.join("policy.json");
        let policy: OrderPolicy = if policy_path.exists() {
            read_json(&policy_path)
        } else {
            OrderPolicy::default()
        };
        let committed_path = case.join("committed.json");
        let committed: Vec<Committed> = if committed_path.exists() {
            read_json(&committed_path)
        } else {
            Vec::new()
        };
        let plan = plan_order(&order, &catalogue, &offers, &committed, &policy, NOW)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        for e in &plan.exceptions {
            assert!(
                find(&e.code, e.team, e.severity).is_some(),
                "{}: {} ({:?}, {:?}) is not in the exception catalogue",
                case.display(),
                e.code,
                e.team,
                e.severity
            );
        }
        let actual = serde_json::to_value(&plan).expect("plan serialises");
        let expected_path = case.join("expected.json");
        if bless {
            let text = serde_json::to_string_pretty(&actual).expect("json") + "\n";
            std::fs::write(&expected_path, text).expect("write expected.json");
            continue;
        }
        let expected: serde_json::Value = read_json(&expected_path);
        assert_eq!(actual, expected, "{}", case.display());
    }
}
