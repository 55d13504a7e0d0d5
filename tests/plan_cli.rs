//! The `jlm plan order` contract, through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn jlm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jlm"))
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/orders")
        .join(name)
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
    (
        output.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn prints_the_contract_fields() {
    let (code, json, _) = plan(&case("out-of-stock-line"), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["action"], "refuse");
    assert_eq!(json["order_id"], "JL-20261126-0007-A");
    let lines = json["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|l| l["line_id"].is_string() && l["accepted"].is_boolean())
    );
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
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("golden"))
            .expect("json");
    assert_eq!(json, expected);
    assert_eq!(json["fulfil_order"]["amount"], "29.97");
}

#[test]
fn config_with_only_the_orders_section_is_enough() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jlm.toml");
    std::fs::write(&config, "[orders]\nrefuse_out_of_stock = false\n[orders.tax_names]\n\"GB-VAT-STANDARD\" = \"UK Standard VAT\"\n").expect("write");
    let (code, json, _) = plan(
        &case("out-of-stock-line"),
        &["--config", config.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0);
    assert_eq!(
        json["action"], "hold",
        "refusing is switched off, so a person decides"
    );
    let (code, json, _) = plan(
        &case("awkward-vat"),
        &["--config", config.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0);
    assert_eq!(
        json["fulfil_order"]["sale_lines"][0]["tax_lines"][0]["name"],
        "UK Standard VAT"
    );
}

#[test]
fn unusable_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("order.json");
    std::fs::write(
        &bad,
        "{\"order_id\": \"X\", \"order_state\": \"SHIPPING\", \"order_lines\": []}",
    )
    .expect("write");
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
        .args([
            "plan",
            "order",
            "--catalogue",
            "/nonexistent/catalogue.json",
        ])
        .arg(case("accept-two-lines").join("order.json"))
        .output()
        .expect("run jlm");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn an_or11_page_is_refused_with_what_to_pass() {
    let dir = case("or11-page");
    let output = jlm()
        .args(["plan", "order", "--catalogue"])
        .arg(dir.join("catalogue.json"))
        .arg(dir.join("page.json"))
        .output()
        .expect("run jlm");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("OR11 page")
            && stderr.contains("2 orders")
            && stderr.contains(".orders[0]"),
        "{stderr}"
    );
}

#[test]
fn an_order_in_an_unknown_state_is_planned_not_refused() {
    let (code, json, stderr) = plan(&case("unknown-order-state"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["action"], "none");
    assert_eq!(json["exceptions"][0]["code"], "unknown_order_state");
    assert_eq!(json["exceptions"][0]["severity"], "info");
}

#[test]
fn currency_and_tax_settings_of_the_config_reach_the_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jlm.toml");
    let config_arg = config.to_str().expect("utf-8").to_string();
    // Default configuration: GB-VAT-STANDARD is not mapped.
    let (_, json, _) = plan(&case("awkward-vat"), &[]);
    assert_eq!(json["exceptions"][0]["code"], "tax_unmapped");
    assert!(json["fulfil_order"].is_object(), "a warning, not a block");

    std::fs::write(&config, "[orders]\ntax_pass_through = true\n").expect("write");
    let (code, json, _) = plan(&case("awkward-vat"), &["--config", &config_arg]);
    assert_eq!(code, 0);
    assert_eq!(json["exceptions"], serde_json::json!([]));

    let (_, json, _) = plan(&case("currency-unexpected"), &["--config", &config_arg]);
    assert_eq!(json["exceptions"][0]["code"], "currency_unexpected");
    assert!(json["fulfil_order"].is_null());
    std::fs::write(
        &config,
        "[orders]\ncurrency = \"EUR\"\ntax_pass_through = true\n",
    )
    .expect("write");
    let (_, json, _) = plan(&case("currency-unexpected"), &["--config", &config_arg]);
    assert_eq!(json["exceptions"], serde_json::json!([]));
    assert_eq!(json["fulfil_order"]["currency_code"], "EUR");

    std::fs::write(&config, "[orders]\ntax_pass_through = true\n").expect("write");
    let (_, json, _) = plan(&case("default-country"), &["--config", &config_arg]);
    assert_eq!(json["exceptions"][0]["code"], "address_invalid");
    std::fs::write(
        &config,
        "[orders]\ndefault_country = \"GB\"\ntax_pass_through = true\n",
    )
    .expect("write");
    let (_, json, _) = plan(&case("default-country"), &["--config", &config_arg]);
    assert_eq!(
        json["fulfil_order"]["shipping_address"]["country_code"],
        "GB"
    );
}

#[test]
fn plan_stock_matches_every_golden_file_through_the_wasm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/stock");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/stock")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5);
    for case in cases {
        let mut command = jlm();
        command
            .args(["plan", "stock", "--snapshot"])
            .arg(case.join("snapshot.json"));
        for (flag, file) in [
            ("--ledger", "ledger.json"),
            ("--offers", "offers.json"),
            ("--config", "config.toml"),
        ] {
            if case.join(file).exists() {
                command.arg(flag).arg(case.join(file));
            }
        }
        if case.join("options.json").exists() {
            command.arg("--full");
        }
        let output = command.output().expect("run jlm");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let actual: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("expected.json")).expect("golden"),
        )
        .expect("json");
        assert_eq!(actual, expected, "{}", case.display());
    }
}

#[test]
fn plan_stock_rejects_a_bad_policy_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jlm.toml");
    std::fs::write(&config, "[stock]\npercent = 150\n").expect("write");
    let output = jlm()
        .args(["plan", "stock", "--snapshot"])
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/stock/changes-only/snapshot.json"),
        )
        .arg("--config")
        .arg(&config)
        .output()
        .expect("run jlm");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr)
            .trim()
            .lines()
            .count(),
        1
    );
}

/// A `jlm.toml` holding only `[[carriers.map]]` and `[dispatch]`, written from a fixture's
/// `policy.json` with the user keys of the configuration file.
fn dispatch_config(policy: &serde_json::Value) -> String {
    const KEYS: [&str; 7] = [
        "fulfil_carrier",
        "fulfil_service",
        "jl_code",
        "tracking_format",
        "registered",
        "name",
        "tracking_url_template",
    ];
    let mut toml = String::new();
    for entry in policy["carriers"].as_array().expect("policy.carriers") {
        toml.push_str("[[carriers.map]]\n");
        for (key, value) in entry.as_object().expect("carrier entry") {
            assert!(KEYS.contains(&key.as_str()), "unexpected carrier key {key}");
            match value {
                // A JSON string literal is a valid TOML basic string.
                serde_json::Value::String(_) | serde_json::Value::Bool(_) => {
                    toml.push_str(&format!("{key} = {value}\n"));
                }
                other => panic!("carrier key {key} has {other}"),
            }
        }
        toml.push('\n');
    }
    let multi = policy["multi_shipment"].as_bool().unwrap_or(false);
    toml.push_str(&format!("[dispatch]\nmulti_shipment = {multi}\n"));
    toml
}

fn dispatch_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/dispatch")
        .join(name)
}

#[test]
fn plan_dispatch_matches_every_golden_file_through_the_wasm() {
    let root = dispatch_fixture("");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/dispatch")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 9, "found {} cases", cases.len());
    let dir = tempfile::tempdir().expect("tempdir");
    for case in cases {
        let policy: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("policy.json")).expect("policy.json"),
        )
        .expect("json");
        let config = dir.path().join("jlm.toml");
        std::fs::write(&config, dispatch_config(&policy)).expect("write config");
        let mut command = jlm();
        command
            .args(["plan", "dispatch", "--order"])
            .arg(case.join("order.json"))
            .arg("--shipment")
            .arg(case.join("shipment.json"))
            .arg("--config")
            .arg(&config);
        for (flag, file) in [
            ("--carriers", "carriers.json"),
            ("--shipped", "shipped.json"),
        ] {
            if case.join(file).exists() {
                command.arg(flag).arg(case.join(file));
            }
        }
        let output = command.output().expect("run jlm");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let actual: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("expected.json")).expect("golden"),
        )
        .expect("json");
        assert_eq!(
            actual["requests"],
            expected["requests"],
            "{}",
            case.display()
        );
        assert_eq!(
            actual["exceptions"],
            expected["exceptions"],
            "{}",
            case.display()
        );
        assert_eq!(
            actual["complete"],
            expected["complete"],
            "{}",
            case.display()
        );
        assert_eq!(actual, expected, "{}", case.display());
    }
}

#[test]
fn plan_dispatch_without_config_has_an_empty_carrier_table() {
    let case = dispatch_fixture("complete-royal-mail");
    let output = jlm()
        .args(["plan", "dispatch", "--order"])
        .arg(case.join("order.json"))
        .arg("--shipment")
        .arg(case.join("shipment.json"))
        .output()
        .expect("run jlm");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(json["requests"], serde_json::json!([]));
    assert_eq!(json["exceptions"][0]["code"], "unmapped_carrier");
    assert_eq!(json["exceptions"][0]["subject"], "30201");
    assert_eq!(json["complete"], false);
}

#[test]
fn plan_dispatch_rejects_unusable_input_with_exit_2() {
    let case = dispatch_fixture("complete-royal-mail");
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |shipment: &Path, extra: &[&std::ffi::OsStr]| {
        jlm()
            .args(["plan", "dispatch", "--order"])
            .arg(case.join("order.json"))
            .arg("--shipment")
            .arg(shipment)
            .args(extra)
            .output()
            .expect("run jlm")
    };
    let malformed = [
        ("not-json.json", "{\"id\": 30201,"),
        (
            "no-lines.json",
            "{\"id\": 30201, \"order\": \"JL-20261126-0012-A\", \"carrier\": \"Royal Mail\"}",
        ),
        (
            "string-quantity.json",
            "{\"id\": 30201, \"order\": \"JL-20261126-0012-A\", \"carrier\": \"Royal Mail\", \"lines\": [{\"line_id\": \"JL-20261126-0012-A-1\", \"sku\": \"JL-MUG-002\", \"quantity\": \"2\"}]}",
        ),
        (
            "typo.json",
            "{\"id\": 30201, \"order\": \"JL-20261126-0012-A\", \"carrier\": \"Royal Mail\", \"tracking\": \"TT482019412GB\", \"lines\": []}",
        ),
        (
            "other-order.json",
            "{\"id\": 30201, \"order\": \"JL-OTHER\", \"carrier\": \"Royal Mail\", \"lines\": []}",
        ),
    ];
    for (name, text) in malformed {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let output = run(&path, &[]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}");
    }

    // A carrier list that is not an SH21 body, and a configuration with a bad carrier table.
    let bad_carriers = dir.path().join("carriers.json");
    std::fs::write(&bad_carriers, "[1, 2]").expect("write");
    let output = run(
        &case.join("shipment.json"),
        &["--carriers".as_ref(), bad_carriers.as_os_str()],
    );
    assert_eq!(output.status.code(), Some(2));
    let config = dir.path().join("jlm.toml");
    std::fs::write(&config, "[[carriers.map]]\nfulfil_carrier = \"Royal Mail\"\njl_code = \"ROYAL-MAIL\"\ntracking_format = \"AA99||\"\n").expect("write");
    let output = run(
        &case.join("shipment.json"),
        &["--config".as_ref(), config.as_os_str()],
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr)
            .trim()
            .lines()
            .count(),
        1
    );
}
