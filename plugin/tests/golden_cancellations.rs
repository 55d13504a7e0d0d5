//! Golden tests of `plan-cancel` on the native build: every case under `fixtures/cancellations/`.
//! A case holds `order.json` (OR11 as John Lewis shows it now, cancellations included),
//! `input.json` (`sale`: the Fulfil sale as it is now; `shipped`: units on packed or done
//! Fulfil shipments) and an optional `policy.json`.
//! `JLM_BLESS=1 cargo test -p plugin --test golden_cancellations` rewrites `expected.json`.

use std::path::{Path, PathBuf};

use plugin::cancellations::{CancelPolicy, FulfilSale, ShippedLine, plan_cancel};
use plugin::exceptions::catalogue::find;

/// A case's `input.json`.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CaseInput {
    sale: FulfilSale,
    shipped: Vec<ShippedLine>,
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cancellations");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/cancellations exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("order.json").exists())
        .collect();
    cases.sort();
    cases
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "expected the cancellation fixtures, found {}",
        cases.len()
    );
    let bless = std::env::var_os("JLM_BLESS").is_some();
    for case in cases {
        let input: CaseInput =
            serde_json::from_str(&read(&case.join("input.json"))).expect("input");
        let policy_path = case.join("policy.json");
        let policy: CancelPolicy = if policy_path.exists() {
            serde_json::from_str(&read(&policy_path)).expect("policy")
        } else {
            CancelPolicy::default()
        };
        let plan = plan_cancel(
            &read(&case.join("order.json")),
            &input.sale,
            &input.shipped,
            &policy,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        for e in &plan.exceptions {
            assert!(
                find(&e.code, e.team, e.severity).is_some(),
                "{}: {} is not in the catalogue with its team and severity",
                case.display(),
                e.code
            );
        }
        let actual = serde_json::to_string_pretty(&plan).expect("plan") + "\n";
        let expected_path = case.join("expected.json");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expected.json");
        } else {
            assert_eq!(actual, read(&expected_path), "{}", case.display());
        }
    }
}
