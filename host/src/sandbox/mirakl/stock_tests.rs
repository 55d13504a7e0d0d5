//! Tests of the sandbox stock imports (STO01, STO02, STO03): processing, the rate limit, rejected
//! lines and their report, and malformed requests.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::*;
use crate::sandbox::test_support::{mirakl_client, sample_offer};
use crate::sandbox::{Sandbox, SandboxConfig};

const HEADER: &str = "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n";

async fn sandbox(min_interval: Duration, processing: Duration) -> Sandbox {
    let sandbox = Sandbox::start(SandboxConfig {
        stock_import_min_interval: min_interval,
        stock_import_processing: processing,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    sandbox.seed_offers((1..=4).map(sample_offer).collect());
    sandbox
}

async fn upload(sandbox: &Sandbox, csv: &str) -> reqwest::Response {
    let part = Part::text(csv.to_string())
        .file_name("stock.csv")
        .mime_str("text/csv")
        .unwrap();
    mirakl_client(sandbox)
        .post(format!("{}/api/offers/stock/imports", sandbox.mirakl_url))
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn upload_ok(sandbox: &Sandbox, csv: &str) -> String {
    let response = upload(sandbox, csv).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["import_id"]
        .as_str()
        .expect("string import_id")
        .to_string()
}

async fn status(sandbox: &Sandbox, id: &str) -> Value {
    let response = mirakl_client(sandbox)
        .get(format!(
            "{}/api/offers/stock/imports/{id}/status",
            sandbox.mirakl_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn report(sandbox: &Sandbox, id: &str) -> (u16, String) {
    let response = mirakl_client(sandbox)
        .get(format!(
            "{}/api/offers/stock/imports/{id}/error_report",
            sandbox.mirakl_url
        ))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn quantity(sandbox: &Sandbox, sku: &str) -> i64 {
    sandbox
        .offers()
        .into_iter()
        .find(|o| o.sku == sku)
        .map(|o| o.quantity)
        .unwrap()
}

#[tokio::test]
async fn import_waits_then_completes_and_applies() {
    let sandbox = sandbox(Duration::ZERO, Duration::from_millis(400)).await;
    let csv = format!("{HEADER}\"S-001\";\"7\";\"\";\"\"\r\n\"S-002\";\"0\";\"\";\"update\"\r\n");
    let response = upload(&sandbox, &csv).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let id = response.json::<Value>().await.unwrap()["import_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        location,
        format!(
            "{}/api/offers/stock/imports/{id}/status",
            sandbox.mirakl_url
        )
    );
    let first = status(&sandbox, &id).await;
    assert_eq!(first["status"], "WAITING");
    assert_eq!(first["import_id"], id.as_str());
    assert_eq!(first["shop_id"], SHOP_ID);
    assert_eq!(first["has_error_report"], false);
    assert!(first["date_created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        quantity(&sandbox, "S-001"),
        1,
        "not applied before completion"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(status(&sandbox, &id).await["status"], "RUNNING");
    // One import in flight: another upload is refused until this one is done.
    let busy = upload(&sandbox, HEADER).await;
    assert_eq!(busy.status(), 429);
    assert_eq!(busy.headers()["retry-after"], "1");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let done = status(&sandbox, &id).await;
    assert_eq!(done["status"], "COMPLETE");
    assert_eq!(done["lines_in_success"], 2);
    assert_eq!(done["lines_in_error"], 0);
    assert_eq!(done["has_error_report"], false);
    assert_eq!(quantity(&sandbox, "S-001"), 7);
    assert_eq!(quantity(&sandbox, "S-002"), 0);
    assert_eq!(report(&sandbox, &id).await.0, 404);
    let stats = sandbox.stats();
    assert_eq!(stats.sto01_accepted.len(), 1);
    assert_eq!(stats.rate_limited["STO01"], 1);
    assert_eq!(stats.requests["STO01"], 2);
    assert_eq!(stats.requests["STO02"], 3);
    assert_eq!(stats.requests["STO03"], 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn second_upload_within_the_interval_is_429_and_not_applied() {
    let sandbox = sandbox(Duration::from_secs(60), Duration::ZERO).await;
    let id = upload_ok(&sandbox, &format!("{HEADER}\"S-001\";\"5\";\"\";\"\"\r\n")).await;
    assert_eq!(status(&sandbox, &id).await["status"], "COMPLETE");
    assert_eq!(quantity(&sandbox, "S-001"), 5);
    let response = upload(&sandbox, &format!("{HEADER}\"S-001\";\"9\";\"\";\"\"\r\n")).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((59..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 429);
    assert_eq!(quantity(&sandbox, "S-001"), 5, "not applied");
    let stats = sandbox.stats();
    assert_eq!(stats.sto01_accepted.len(), 1);
    assert_eq!(stats.rate_limited.get("STO01"), Some(&1));
    assert_eq!(stats.faults_injected, 0);
    assert_eq!(stats.rejected, 0, "a rate limit is not a bad request");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn uploads_after_the_interval_are_accepted() {
    let sandbox = sandbox(Duration::from_millis(150), Duration::ZERO).await;
    upload_ok(&sandbox, &format!("{HEADER}\"S-001\";\"5\";\"\";\"\"\r\n")).await;
    tokio::time::sleep(Duration::from_millis(170)).await;
    upload_ok(&sandbox, &format!("{HEADER}\"S-001\";\"6\";\"\";\"\"\r\n")).await;
    assert_eq!(quantity(&sandbox, "S-001"), 6);
    let accepted = sandbox.stats().sto01_accepted;
    assert_eq!(accepted.len(), 2);
    assert!(accepted[1] - accepted[0] >= Duration::from_millis(150));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_lines_are_reported_and_good_ones_applied() {
    let sandbox = sandbox(Duration::ZERO, Duration::ZERO).await;
    let csv = format!(
        "{HEADER}\"S-001\";\"1e3\";\"\";\"\"\r\n\"S-002\";\"-1\";\"\";\"\"\r\n\"S-003\";\"2.5\";\"\";\"\"\r\n\
         \"NOPE \"\"X\"\";Y\";\"4\";\"\";\"\"\r\n\"S-004\";\"8\";\"\";\"\"\r\n\"S-004\";\"9\";\"\";\"\"\r\n\
         \"S-001\";\"\";\"\";\"\"\r\n\"S-002\";\"3\";\"WH-1\";\"\"\r\n\"S-003\";\"1\"\r\n"
    );
    let id = upload_ok(&sandbox, &csv).await;
    let done = status(&sandbox, &id).await;
    assert_eq!(done["status"], "COMPLETE");
    assert_eq!(done["lines_in_success"], 1);
    assert_eq!(done["lines_in_error"], 8);
    assert_eq!(done["has_error_report"], true);
    assert_eq!(quantity(&sandbox, "S-004"), 8);
    assert_eq!(quantity(&sandbox, "S-001"), 1);
    let (code, text) = report(&sandbox, &id).await;
    assert_eq!(code, 200);
    let rows = files::read_csv(&text).unwrap();
    assert_eq!(
        rows[0],
        [
            "offer-sku",
            "quantity",
            "warehouse-code",
            "update-delete",
            "error-message"
        ]
    );
    let reasons: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "S-001",
                "1e3",
                "Invalid quantity '1e3': must be a non-negative integer"
            ),
            (
                "S-002",
                "-1",
                "Invalid quantity '-1': must be a non-negative integer"
            ),
            (
                "S-003",
                "2.5",
                "Invalid quantity '2.5': must be a non-negative integer"
            ),
            ("NOPE \"X\";Y", "4", UNKNOWN_OFFER),
            ("S-004", "9", "The offer appears more than once in the file"),
            ("S-001", "", "The quantity is mandatory"),
            ("S-002", "3", "The warehouse 'WH-1' does not exist"),
            ("S-003", "1", "The line has 2 columns, 4 expected"),
        ]
    );
    assert!(rows[1..].iter().all(|r| r.len() == 5));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_bad_header_fails_the_whole_import() {
    let sandbox = sandbox(Duration::ZERO, Duration::ZERO).await;
    for csv in [
        "\"sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n\"S-001\";\"5\";\"\";\"\"\r\n",
        "\"offer-sku\";\"quantity\"\r\n\"S-001\";\"5\"\r\n",
        "\"S-001\";\"5\";\"\";\"\"\r\n",
        "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n\"S-001\";\"5",
        "",
    ] {
        let id = upload_ok(&sandbox, csv).await;
        let done = status(&sandbox, &id).await;
        assert_eq!(done["status"], "FAILED", "{csv}");
        assert_eq!(done["lines_in_success"], 0);
        assert_eq!(done["has_error_report"], false);
        assert_eq!(report(&sandbox, &id).await.0, 404);
    }
    assert_eq!(quantity(&sandbox, "S-001"), 1);
    // Unquoted header and LF line ends are the same CSV.
    let id = upload_ok(
        &sandbox,
        "offer-sku;quantity;warehouse-code;update-delete\nS-001;5;;\n",
    )
    .await;
    assert_eq!(status(&sandbox, &id).await["status"], "COMPLETE");
    assert_eq!(quantity(&sandbox, "S-001"), 5);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_and_unknown_imports() {
    let sandbox = sandbox(Duration::ZERO, Duration::ZERO).await;
    let client = mirakl_client(&sandbox);
    let url = format!("{}/api/offers/stock/imports", sandbox.mirakl_url);
    let response = client.post(&url).body(HEADER).send().await.unwrap();
    assert_eq!(response.status(), 415);
    let part = Part::text(HEADER.to_string()).file_name("stock.csv");
    let response = client
        .post(&url)
        .multipart(Form::new().part("stock", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let missing = client
        .get(format!("{url}/404/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(report(&sandbox, "404").await.0, 404);
    let stats = sandbox.stats();
    assert!(stats.sto01_accepted.is_empty());
    assert_eq!(stats.rejected, 5);
    sandbox.shutdown().await;
}

#[test]
fn quantities() {
    assert_eq!(parse_quantity("0"), Ok(0));
    assert_eq!(parse_quantity("2147483647"), Ok(2_147_483_647));
    for bad in ["2147483648", "+1", " 1", "1 ", "0x1", "１"] {
        assert!(parse_quantity(bad).is_err(), "{bad}");
    }
}
