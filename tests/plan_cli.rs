//! The `jlm plan order` contract, through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn jlm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jlm"))
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/orders").join(name)
}

fn plan(case_dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let output = jlm()
        .args(["plan", "order", "--catalogue"])
        .arg(case_dir.join("catalogue.json"))
        .arg("--offers")
        .arg(case_dir.join("offers.json"))
        .args(["--now", "2026-11-27T12:00:00Z"])
        .args(extra)
        .arg(case_dir.join("order.json"))
        .output()
        .expect("run jlm");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&output.stderr).to_string())
}

#[test]
fn prints_the_contract_fields() {
    let (code, json, _) = plan(&case("out-of-stock-line"), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["action"], "refuse");
    assert_eq!(json["order_id"], "JL-20261126-0007-A");
    let lines = json["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["line_id"].is_string() && l["accepted"].is_boolean()));
    assert!(json["fulfil_order"].is_null());
    let exceptions = json["exceptions"].as_array().expect("exceptions");
    assert_eq!(exceptions[0]["code"], "insufficient_stock");
    for key in ["code", "team", "severity", "subject", "message"] {
        assert!(exceptions[0][key].is_string(), "{key}");
    }
}

#[test]
fn matches_the_golden_file_and_the_fulfil_order_adds_up() {
    let dir = case("awkward-vat");
    let (code, json, _) = plan(&dir, &[]);
    assert_eq!(code, 0);
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("golden")).expect("json");
    assert_eq!(json, expected);
    assert_eq!(json["fulfil_order"]["amount"], "29.97");
}

#[test]
fn config_with_only_the_orders_section_is_enough() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jlm.toml");
    std::fs::write(&config, "[orders]\nrefuse_out_of_stock = false\n[orders.tax_names]\n\"GB-VAT-STANDARD\" = \"UK Standard VAT\"\n").expect("write");
    let (code, json, _) = plan(&case("out-of-stock-line"), &["--config", config.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert_eq!(json["action"], "hold", "refusing is switched off, so a person decides");
    let (code, json, _) = plan(&case("awkward-vat"), &["--config", config.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert_eq!(json["fulfil_order"]["sale_lines"][0]["tax_lines"][0]["name"], "UK Standard VAT");
}

#[test]
fn unusable_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("order.json");
    std::fs::write(&bad, "{\"order_id\": \"X\", \"order_state\": \"TELEPORTED\", \"order_lines\": []}").expect("write");
    let output = jlm()
        .args(["plan", "order", "--catalogue"])
        .arg(case("accept-two-lines").join("catalogue.json"))
        .arg(&bad)
        .output()
        .expect("run jlm");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(output.stdout.is_empty());

    let output = jlm()
        .args(["plan", "order", "--catalogue", "/nonexistent/catalogue.json"])
        .arg(case("accept-two-lines").join("order.json"))
        .output()
        .expect("run jlm");
    assert_eq!(output.status.code(), Some(2));
}
