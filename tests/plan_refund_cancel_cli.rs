//! `jlm plan refund` and `jlm plan cancel` through the real binary and the embedded `.wasm`:
//! every case under `fixtures/refunds/` and `fixtures/cancellations/` prints the native golden
//! plan, request bodies to the byte (amounts keep their digits).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

fn cases(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(dir);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    cases
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&text(path)).expect("json")
}

/// The requests of a plan, bodies as their exact text.
#[derive(Deserialize)]
struct Bodies {
    requests: Vec<Request>,
}

#[derive(Deserialize)]
struct Request {
    api: String,
    body: Option<Box<RawValue>>,
}

fn bodies(text: &str) -> Vec<(String, Option<String>)> {
    let plan: Bodies = serde_json::from_str(text).expect("plan");
    plan.requests
        .into_iter()
        .map(|r| (r.api, r.body.map(|b| b.get().to_string())))
        .collect()
}

/// Runs `jlm plan …` and checks it printed the case's `expected.json` for `keys`.
fn check(case: &Path, mut command: Command, keys: &[&str]) {
    let output = command.output().expect("run jlm");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}: {}",
        case.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let printed_text = String::from_utf8(output.stdout).expect("utf-8");
    let printed: Value = serde_json::from_str(&printed_text).expect("one JSON object");
    let expected_text = text(&case.join("expected.json"));
    let expected: Value = serde_json::from_str(&expected_text).expect("expected");
    for key in keys {
        assert_eq!(printed[key], expected[key], "{}: {key}", case.display());
    }
    assert_eq!(
        bodies(&printed_text),
        bodies(&expected_text),
        "{}: request bodies",
        case.display()
    );
}

fn config_file(dir: &Path, toml: String) -> PathBuf {
    let path = dir.join("jlm.toml");
    std::fs::write(&path, toml).expect("write config");
    path
}

#[test]
fn plan_refund_prints_the_golden_plan_of_every_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = cases("refunds");
    assert!(cases.len() >= 10, "{} refund cases", cases.len());
    for case in cases {
        let input = json(&case.join("input.json"));
        let receipt = &input["receipt"];
        let receipt = serde_json::json!({
            "shipment": receipt["shipment"],
            "received": receipt["received"],
            "non_compliant": receipt["non_compliant"].as_array().into_iter().flatten()
                .map(|pair| serde_json::json!({"sku": pair[0], "note": pair[1]}))
                .collect::<Vec<_>>(),
        });
        let receipt_path = dir.path().join("receipt.json");
        std::fs::write(&receipt_path, receipt.to_string()).expect("write");
        let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
        command
            .args(["plan", "refund", "--order"])
            .arg(case.join("order.json"))
            .arg("--receipt")
            .arg(&receipt_path);
        if let Some(list) = input.get("refunded") {
            let path = dir.path().join("refunded.json");
            std::fs::write(&path, list.to_string()).expect("write");
            command.arg("--refunded").arg(path);
        }
        if case.join("policy.json").exists() {
            let policy = json(&case.join("policy.json"));
            let mut toml = String::from("[returns]\n");
            if let Some(shipping) = policy["shipping"].as_str() {
                toml += &format!("refund_shipping = \"{shipping}\"\n");
            }
            toml += "[returns.non_compliance]\n";
            for pair in policy["non_compliance"].as_array().into_iter().flatten() {
                toml += &format!("{} = {}\n", pair[0], pair[1]);
            }
            command.arg("--config").arg(config_file(dir.path(), toml));
        }
        command.arg(case.join("return.json"));
        check(
            &case,
            command,
            &["refunds", "exceptions", "return_id", "resolves"],
        );
    }
}

#[test]
fn plan_cancel_prints_the_golden_plan_of_every_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = cases("cancellations");
    assert!(cases.len() >= 10, "{} cancellation cases", cases.len());
    for case in cases {
        let input = json(&case.join("input.json"));
        let sale_path = dir.path().join("sale.json");
        std::fs::write(&sale_path, input["sale"].to_string()).expect("write");
        let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
        command.args(["plan", "cancel", "--sale"]).arg(&sale_path);
        if let Some(list) = input.get("shipped") {
            let path = dir.path().join("shipped.json");
            std::fs::write(&path, list.to_string()).expect("write");
            command.arg("--shipped").arg(path);
        }
        if case.join("policy.json").exists() {
            let policy = json(&case.join("policy.json"));
            let toml = format!("[cancellations]\nreason = {}\n", policy["reason_code"]);
            command.arg("--config").arg(config_file(dir.path(), toml));
        }
        command.arg(case.join("order.json"));
        check(
            &case,
            command,
            &["fulfil", "lines", "exceptions", "resolves"],
        );
    }
}
