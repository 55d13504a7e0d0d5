//! Golden tests of `plan-stock` on the native build: every case under `fixtures/stock/`.
//! The host runs the same cases through the real `.wasm` (`tests/plan_cli.rs`).
//! `JLM_BLESS=1 cargo test -p plugin --test golden_stock` rewrites `expected.json`.

use std::path::{Path, PathBuf};

use plugin::common::committed::Committed;
use plugin::exceptions::catalogue::find;
use plugin::stock::{Published, RuleOverride, StockLevel, StockPolicy, plan_stock};

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The `[stock]` section of a case's `config.toml`, read the way the host reads it.
fn policy(case: &Path) -> StockPolicy {
    let mut policy = StockPolicy::default();
    let Ok(text) = std::fs::read_to_string(case.join("config.toml")) else {
        return policy;
    };
    let value: toml::Value = toml::from_str(&text).expect("config.toml");
    let Some(stock) = value.get("stock") else {
        return policy;
    };
    let int = |v: &toml::Value, key: &str| v.get(key).and_then(toml::Value::as_integer);
    policy.defaults.buffer = int(stock, "buffer").unwrap_or(0);
    policy.defaults.percent = int(stock, "percent").unwrap_or(100);
    policy.defaults.max = int(stock, "max");
    policy.defaults.zero_below = int(stock, "zero_below").unwrap_or(0);
    if let Some(exclude) = stock.get("exclude").and_then(toml::Value::as_array) {
        policy.exclude = exclude
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
    }
    if let Some(skus) = stock.get("sku").and_then(toml::Value::as_table) {
        for (sku, o) in skus {
            policy.overrides.insert(
                sku.clone(),
                RuleOverride {
                    buffer: int(o, "buffer"),
                    percent: int(o, "percent"),
                    max: int(o, "max"),
                    zero_below: int(o, "zero_below"),
                },
            );
        }
    }
    policy
}

#[derive(serde::Deserialize)]
struct Offer {
    sku: String,
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/stock");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/stock exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("snapshot.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "found {} cases", cases.len());
    let bless = std::env::var_os("JLM_BLESS").is_some();
    for case in cases {
        let snapshot: Vec<StockLevel> = read_json(&case.join("snapshot.json")).expect("snapshot");
        let ledger: Vec<Published> = read_json(&case.join("ledger.json")).unwrap_or_default();
        let offers: Option<Vec<Offer>> = read_json(&case.join("offers.json"));
        let known: Option<plugin::fast_hash::FastSet<&str>> = offers
            .as_ref()
            .map(|o| o.iter().map(|o| o.sku.as_str()).collect());
        let full = read_json::<serde_json::Value>(&case.join("options.json"))
            .is_some_and(|o| o["full"] == true);
        let committed: Vec<Committed> = read_json(&case.join("committed.json")).unwrap_or_default();
        let plan = plan_stock(
            &snapshot,
            &ledger,
            known.as_ref(),
            &policy(&case),
            &committed,
            full,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        for e in &plan.exceptions {
            assert!(
                find(&e.code, e.team, e.severity).is_some(),
                "{}: {} is not in the exception catalogue",
                case.display(),
                e.code
            );
        }
        let actual = serde_json::to_value(&plan).expect("serialises");
        let expected_path = case.join("expected.json");
        if bless {
            std::fs::write(
                &expected_path,
                serde_json::to_string_pretty(&actual).expect("json") + "\n",
            )
            .expect("write");
            continue;
        }
        let expected: serde_json::Value = read_json(&expected_path).expect("expected.json");
        assert_eq!(actual, expected, "{}", case.display());
    }
}
