//! The `jlm plan return` contract, through the real binary and the embedded `.wasm`: every
//! case under `fixtures/returns/` (but the one a person refuses, which `plan return` does not
//! take) prints `fulfil_return`, `requests` and `exceptions` exactly as the native golden plan.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The clock of the golden cases.
const NOW: &str = "2026-12-07T12:00:00Z";

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/returns");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures/returns")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("return.json").exists())
        .collect();
    cases.sort();
    cases
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

/// A `[returns]` + `[orders]` configuration holding a case's `policy.json`.
fn config(policy: &Value) -> String {
    let table = |key: &str| {
        policy[key]
            .as_array()
            .map(|pairs| {
                pairs
                    .iter()
                    .map(|p| format!("{} = {}\n", p[0], p[1]))
                    .collect::<String>()
            })
            .unwrap_or_default()
    };
    format!(
        "[orders.tax_names]\n{}\n[returns.reasons]\n{}",
        table("tax_names"),
        table("reasons")
    )
}

#[test]
fn plan_return_prints_the_golden_plan_of_every_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut planned = 0;
    for case in cases() {
        let input = json(&case.join("input.json"));
        if input.get("refusal").is_some() {
            continue;
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
        command
            .args(["plan", "return", "--now", NOW, "--order"])
            .arg(case.join("order.json"));
        if let Some(sale) = input["sale_id"].as_i64() {
            command.args(["--sale", &sale.to_string()]);
        }
        for key in ["shipped", "earlier"] {
            if let Some(list) = input.get(key) {
                let path = dir.path().join(format!("{key}.json"));
                std::fs::write(&path, list.to_string()).expect("write");
                command.arg(format!("--{key}")).arg(path);
            }
        }
        if case.join("policy.json").exists() {
            let path = dir.path().join("jlm.toml");
            std::fs::write(&path, config(&json(&case.join("policy.json")))).expect("write");
            command.arg("--config").arg(path);
        }
        let output = command
            .arg(case.join("return.json"))
            .output()
            .expect("run jlm");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
        let expected = json(&case.join("expected.json"));
        for key in ["fulfil_return", "requests", "exceptions"] {
            assert_eq!(printed[key], expected[key], "{}: {key}", case.display());
        }
        if let Some(sale) = printed["fulfil_return"].as_object() {
            let quantities = sale["sale_lines"].as_array().expect("lines");
            assert!(
                quantities
                    .iter()
                    .all(|l| l["quantity"].as_i64() < Some(0) && l["sku"].is_string()),
                "{}: every line carries its SKU and a negative quantity",
                case.display()
            );
            assert_eq!(
                sale["reference"],
                printed["commercial_id"],
                "{}",
                case.display()
            );
            assert_eq!(
                sale["channel_identifier"],
                printed["return_id"],
                "{}",
                case.display()
            );
        }
        planned += 1;
    }
    assert!(planned >= 9, "planned {planned} cases");
}

#[test]
fn a_return_that_is_not_json_exits_2_with_one_line() {
    let case = cases().into_iter().next().expect("a case");
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("return.json");
    std::fs::write(&broken, "{\"id\": ").expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_jlm"))
        .args(["plan", "return", "--order"])
        .arg(case.join("order.json"))
        .arg(&broken)
        .output()
        .expect("run jlm");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(output.stdout.is_empty());
}
