//! Tests of the sandbox offer export (OF52, OF53, OF54): JSON and CSV chunks, full and
//! differential exports, and bad or repeated requests.

use serde_json::{Value, json};

use crate::sandbox::test_support::{mirakl_client, sample_offer, start};
use crate::sandbox::{Sandbox, SandboxOffer};

async fn post(sandbox: &Sandbox, body: &Value) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .post(format!("{}/api/offers/export/async", sandbox.mirakl_url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(sandbox: &Sandbox, url: &str) -> (u16, String) {
    let response = mirakl_client(sandbox).get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// OF52 -> OF53 (PENDING, then COMPLETED) -> the URLs.
async fn export(sandbox: &Sandbox, body: &Value) -> Vec<String> {
    let (status, created) = post(sandbox, body).await;
    assert_eq!(status, 200, "{created}");
    let id = created["tracking_id"].as_str().unwrap();
    let status_url = format!("{}/api/offers/export/async/status/{id}", sandbox.mirakl_url);
    let (_, first) = get(sandbox, &status_url).await;
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["status"], "PENDING");
    assert!(first.get("urls").is_none());
    // Not downloadable before completion.
    let early = format!(
        "{}/api/offers/export/async/file/{id}?file=of52-export%offers/0.json",
        sandbox.mirakl_url
    );
    assert_eq!(get(sandbox, &early).await.0, 404);
    let (_, done) = get(sandbox, &status_url).await;
    let done: Value = serde_json::from_str(&done).unwrap();
    assert_eq!(done["status"], "COMPLETED");
    done["urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn of52_of53_of54_json_flow_in_chunks() {
    let sandbox = start().await;
    sandbox.seed_offers((1..=5).map(sample_offer).collect());
    let body = json!({
        "export_type": "application/json",
        "include_inactive_offers": true,
        "include_fields": ["shop_sku", "product_sku", "quantity", "active"],
        "items_per_chunk": 2
    });
    let urls = export(&sandbox, &body).await;
    assert_eq!(urls.len(), 3);
    let mut offers = Vec::new();
    for (n, url) in urls.iter().enumerate() {
        assert!(url.starts_with(&format!(
            "{}/api/offers/export/async/file/",
            sandbox.mirakl_url
        )));
        assert!(
            url.ends_with(&format!("?file=of52-export%offers/{n}.json")),
            "{url}"
        );
        let (status, text) = get(&sandbox, url).await;
        assert_eq!(status, 200);
        let chunk: Vec<Value> = serde_json::from_str(&text).unwrap();
        offers.extend(chunk);
    }
    assert_eq!(offers.len(), 5);
    assert_eq!(
        offers[0],
        json!({"shop_sku": "S-001", "product_sku": "MKP000002001", "quantity": 1, "active": true})
    );
    assert_eq!(offers[2]["active"], false, "S-003 is inactive and included");
    // Without the key the file is refused.
    let response = reqwest::Client::new().get(&urls[0]).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let stats = sandbox.stats();
    assert_eq!(stats.requests["OF52"], 1);
    assert_eq!(stats.requests["OF53"], 2);
    assert_eq!(stats.requests["OF54"], 5);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn full_export_leaves_inactive_out_and_csv_works() {
    let sandbox = start().await;
    sandbox.seed_offers((1..=3).map(sample_offer).collect());
    let urls = export(&sandbox, &json!({"export_type": "application/json"})).await;
    let (_, text) = get(&sandbox, &urls[0]).await;
    let offers: Vec<Value> = serde_json::from_str(&text).unwrap();
    let skus: Vec<&str> = offers
        .iter()
        .map(|o| o["shop_sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["S-001", "S-002"]);
    assert_eq!(offers[0]["shop_id"], 2001);
    assert_eq!(offers[0]["deleted"], false);

    let urls = export(
        &sandbox,
        &json!({"include_fields": ["shop-sku", "quantity"], "rename_fields": {"shop-sku": "sku"},
                "include_inactive_offers": true}),
    )
    .await;
    assert!(urls[0].ends_with("/0.csv"));
    let (_, text) = get(&sandbox, &urls[0]).await;
    assert_eq!(
        text,
        "\"sku\";\"quantity\"\r\n\"S-001\";\"1\"\r\n\"S-002\";\"2\"\r\n\"S-003\";\"3\"\r\n"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn differential_export_lists_changes_and_deletions() {
    let sandbox = start().await;
    sandbox.seed_offers((1..=3).map(sample_offer).collect());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now().to_rfc3339();
    sandbox.set_offer_quantity("S-003", 30);
    sandbox.remove_offer("S-002");
    let urls = export(
        &sandbox,
        &json!({"export_type": "application/json", "last_request_date": since,
                "include_fields": ["shop_sku", "quantity", "deleted"]}),
    )
    .await;
    let (_, text) = get(&sandbox, &urls[0]).await;
    let offers: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(
        offers,
        vec![
            json!({"shop_sku": "S-003", "quantity": 30, "deleted": false}),
            json!({"shop_sku": "S-002", "deleted": true}),
        ]
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_requests_and_duplicates() {
    let sandbox = start().await;
    sandbox.seed_offers(vec![SandboxOffer {
        sku: "A".into(),
        ean: None,
        quantity: 1,
        active: true,
    }]);
    for body in [
        json!([]),
        json!({"export_type": "application/xml"}),
        json!({"exportType": "application/json"}),
        json!({"export_type": "application/json", "include_fields": ["product_references"]}),
        json!({"export_type": "application/json", "include_fields": ["shop-sku"]}),
        json!({"include_fields": ["shop_sku"]}),
        json!({"export_type": "application/json", "rename_fields": {"a": "b"}}),
        json!({"last_request_date": "2026-01-01T00:00:00Z", "include_inactive_offers": true}),
        json!({"last_request_date": "yesterday"}),
        json!({"items_per_chunk": 0}),
        json!({"megabytes_per_chunk": 1001}),
    ] {
        let (status, answer) = post(&sandbox, &body).await;
        assert_eq!(status, 400, "{body} -> {answer}");
    }
    let response = mirakl_client(&sandbox)
        .post(format!("{}/api/offers/export/async", sandbox.mirakl_url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let body = json!({"export_type": "application/json"});
    let (_, first) = post(&sandbox, &body).await;
    let (_, again) = post(&sandbox, &body).await;
    assert_eq!(
        first["tracking_id"], again["tracking_id"],
        "duplicate while pending"
    );
    let (_, other) = post(&sandbox, &json!({})).await;
    assert_ne!(first["tracking_id"], other["tracking_id"]);
    let (status, _) = get(
        &sandbox,
        &format!("{}/api/offers/export/async/status/nope", sandbox.mirakl_url),
    )
    .await;
    assert_eq!(status, 404);
    sandbox.shutdown().await;
}
