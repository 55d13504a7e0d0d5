//! Golden tests of `plan-dispatch` on the native build: every case under `fixtures/dispatch/`.
//! Each case holds `order.json` (one OR11 order), `shipment.json`, `policy.json`, and
//! optionally `carriers.json` (the SH21 body) and `shipped.json` (units confirmed earlier).
//! `JLM_BLESS=1 cargo test -p plugin --test golden_dispatch` rewrites `expected.json`.

use std::path::{Path, PathBuf};

use plugin::dispatch::{DispatchPolicy, Shipment, ShippedLine, plan_dispatch};
use plugin::exceptions::catalogue::find;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/dispatch");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/dispatch exists")
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

fn read_optional(path: &Path) -> Option<String> {
    path.exists().then(|| {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    let cases = cases();
    assert!(
        cases.len() >= 9,
        "expected the dispatch fixtures, found {}",
        cases.len()
    );
    let bless = std::env::var_os("JLM_BLESS").is_some();
    for case in cases {
        let order = std::fs::read_to_string(case.join("order.json")).expect("order.json");
        let shipment: Shipment = read_json(&case.join("shipment.json"));
        let policy: DispatchPolicy = read_json(&case.join("policy.json"));
        let carriers = read_optional(&case.join("carriers.json"));
        let shipped: Vec<ShippedLine> = match read_optional(&case.join("shipped.json")) {
            Some(_) => read_json(&case.join("shipped.json")),
            None => Vec::new(),
        };
        let plan = plan_dispatch(&order, &shipment, carriers.as_deref(), &policy, &shipped)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        for e in &plan.exceptions {
            assert!(
                find(&e.code, e.team, e.severity).is_some(),
                "{}: {} is not in the exception catalogue",
                case.display(),
                e.code
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
