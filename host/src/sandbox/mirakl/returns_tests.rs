//! Tests of the sandbox returns: opening, RT11 filters and seek paging, and the per-item
//! answers of RT21, RT25 and RT26.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::sandbox::Sandbox;
use crate::sandbox::test_support::{mirakl_client, sample_order, start};

async fn get(sandbox: &Sandbox, query: &str) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .get(format!("{}/api/returns?{query}", sandbox.mirakl_url))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn put(sandbox: &Sandbox, action: &str, body: &Value) -> (u16, Value) {
    let response = mirakl_client(sandbox)
        .put(format!("{}/api/returns/{action}", sandbox.mirakl_url))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn shipped() -> Sandbox {
    let sandbox = start().await;
    sandbox.seed_orders(vec![sample_order("O-1", "SHIPPED", 2)]);
    sandbox
}

fn seeded(i: usize, state: &str) -> Value {
    json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "state": state,
           "order_id": "O-1", "order_commercial_id": "C-1", "reason_code": "RETURN_OTHER",
           "method_code": "RETURN_METHOD_BY_MAIL",
           "return_lines": [{"order_line_id": "O-1-1", "quantity": 1, "compliance": []}],
           "date_created": format!("2026-12-01T10:{:02}:00Z", 59 - i),
           "last_updated": format!("2026-12-02T10:{i:02}:00Z")})
}

#[tokio::test]
async fn an_opened_return_is_waiting_and_listed() {
    let sandbox = shipped().await;
    assert!(
        sandbox
            .open_return("O-1", vec![("O-1-9".into(), 1)], "RETURN_OTHER")
            .is_err()
    );
    assert!(
        sandbox
            .open_return("O-1", vec![("O-1-1".into(), 3)], "RETURN_OTHER")
            .is_err()
    );
    assert!(
        sandbox
            .open_return("O-9", vec![("O-9-1".into(), 1)], "RETURN_OTHER")
            .is_err()
    );
    let id = sandbox
        .open_return(
            "O-1",
            vec![("O-1-1".into(), 1), ("O-1-2".into(), 2)],
            "RETURN_CHANGED_MIND",
        )
        .unwrap();
    assert_eq!(id.len(), 36);
    let item = sandbox.return_by_id(&id).unwrap();
    assert_eq!(item["state"], "WAITING_ACCEPTANCE");
    assert_eq!(item["order_commercial_id"], "O-1");
    assert_eq!(item["return_lines"][1]["quantity"], 2);
    assert_eq!(item["date_created"], item["last_updated"]);
    let (status, body) = get(
        &sandbox,
        &format!("return_id={id}&return_state=WAITING_ACCEPTANCE"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], json!([item]));
    assert!(body.get("next_page_token").is_none());
    assert!(body.get("previous_page_token").is_none());
    let (_, body) = get(&sandbox, "return_state=IN_PROGRESS").await;
    assert_eq!(body["data"], json!([]));
    for bad in [
        "return_state=OPEN",
        "limit=101",
        "limit=0",
        "sort=last_updated",
        "return_last_updated_from=yesterday",
        "page_token=nope",
    ] {
        assert_eq!(get(&sandbox, bad).await.0, 400, "{bad}");
    }
    assert_eq!(sandbox.returns().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rt11_pages_over_the_updated_ones_both_ways() {
    let sandbox = shipped().await;
    sandbox.seed_returns((0..12).map(|i| seeded(i, "IN_PROGRESS")).collect());
    let from = "return_last_updated_from=2026-12-02T10%3A03%3A00Z";
    let (status, first) = get(&sandbox, &format!("{from}&limit=4")).await;
    assert_eq!(status, 200);
    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Nine returns updated since 10:03, oldest created first.
    assert_eq!(ids(&first).len(), 4);
    assert_eq!(ids(&first)[0], "00000000-0000-4000-8000-000000000011");
    assert!(first.get("previous_page_token").is_none());
    let mut seen = ids(&first);
    let mut page = first;
    let mut pages = 1;
    while let Some(token) = page["next_page_token"].as_str() {
        // The token carries the filters: other parameters are ignored.
        let (status, next) = get(&sandbox, &format!("page_token={token}&limit=1")).await;
        assert_eq!(status, 200);
        seen.extend(ids(&next));
        page = next;
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 9);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 9);
    assert!(!seen.contains(&"00000000-0000-4000-8000-000000000002".to_string()));
    // Back from the last page.
    let back = page["previous_page_token"].as_str().unwrap();
    let (_, previous) = get(&sandbox, &format!("page_token={back}")).await;
    assert_eq!(ids(&previous), seen[4..8].to_vec());
    let (_, descending) = get(&sandbox, &format!("{from}&sort=date_created,DESC&limit=2")).await;
    assert_eq!(ids(&descending)[0], "00000000-0000-4000-8000-000000000003");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn accept_receive_and_mark_compliance_with_per_item_errors() {
    let sandbox = shipped().await;
    let a = sandbox
        .open_return("O-1", vec![("O-1-1".into(), 1)], "RETURN_OTHER")
        .unwrap();
    let b = sandbox
        .open_return("O-1", vec![("O-1-2".into(), 1)], "RETURN_OTHER")
        .unwrap();
    let c = sandbox
        .open_return("O-1", vec![("O-1-2".into(), 1)], "RETURN_OTHER")
        .unwrap();
    let stamp = sandbox.return_by_id(&a).unwrap()["last_updated"].clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, answer) = put(
        &sandbox,
        "accept",
        &json!({"returns": [
            {"id": a, "accepted": true},
            {"id": b, "accepted": false, "rejection_reason_code": "RETURN_REJECTION_NOT_ELIGIBLE"},
            {"id": c, "accepted": false},
            {"id": "no-such-return", "accepted": true}
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["return_success"], json!([{"id": a}, {"id": b}]));
    let errors = answer["return_errors"].as_array().unwrap();
    assert_eq!(errors[0]["id"], c);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("rejection_reason_code")
    );
    assert_eq!(errors[1]["message"], "The return does not exist.");
    let accepted = sandbox.return_by_id(&a).unwrap();
    assert_eq!(accepted["state"], "IN_PROGRESS");
    assert_ne!(accepted["last_updated"], stamp);
    let refused = sandbox.return_by_id(&b).unwrap();
    assert_eq!(refused["state"], "REFUSED");
    assert_eq!(
        refused["rejection_reason_code"],
        "RETURN_REJECTION_NOT_ELIGIBLE"
    );

    // RT21 on a return that is no longer waiting: an error item, still 200.
    let (status, answer) = put(
        &sandbox,
        "accept",
        &json!({"returns": [{"id": a, "accepted": true}]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["return_success"], json!([]));
    assert!(
        answer["return_errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid state")
    );

    // Compliance only once received.
    let verdict = json!({"returns": [{"id": a, "return_lines": [
        {"order_line_id": "O-1-1", "compliant": false,
         "non_compliance_reason_code": "RETURN_NON_COMPLIANT_DAMAGED_PRODUCT",
         "non_compliance_additional_info": "Box crushed"}]}]});
    let (_, answer) = put(&sandbox, "compliance", &verdict).await;
    assert_eq!(answer["return_errors"][0]["id"], a);
    let (status, answer) = put(
        &sandbox,
        "receive",
        &json!({"returns": [{"id": a}, {"id": b}]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(answer["return_success"], json!([{"id": a}]));
    assert_eq!(answer["return_errors"][0]["id"], b);
    assert_eq!(sandbox.return_by_id(&a).unwrap()["state"], "RECEIVED");

    // A non-compliant line without its reason, or a line not on the return, changes nothing.
    for lines in [
        json!([{"order_line_id": "O-1-1", "compliant": false}]),
        json!([{"order_line_id": "O-1-1", "compliant": true}, {"order_line_id": "O-1-2", "compliant": true}]),
    ] {
        let (status, answer) = put(
            &sandbox,
            "compliance",
            &json!({"returns": [{"id": a, "return_lines": lines}]}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(answer["return_success"], json!([]), "{answer}");
        assert_eq!(answer["return_errors"][0]["id"], a);
    }
    assert_eq!(
        sandbox.return_by_id(&a).unwrap()["return_lines"][0]["compliance"],
        json!([])
    );
    let (_, answer) = put(&sandbox, "compliance", &verdict).await;
    assert_eq!(answer["return_success"], json!([{"id": a}]));
    let marked = sandbox.return_by_id(&a).unwrap();
    assert_eq!(marked["state"], "RECEIVED");
    assert_eq!(
        marked["return_lines"][0]["compliance"],
        json!([{"compliant": false, "non_compliance_reason_code": "RETURN_NON_COMPLIANT_DAMAGED_PRODUCT",
                "non_compliance_additional_info": "Box crushed"}])
    );

    // Bodies outside the schema are 400s.
    for (action, body) in [
        ("accept", json!({"returns": [{"id": a}]})),
        ("accept", json!({"returns": []})),
        ("receive", json!({"returns": [{"id": a, "note": "x"}]})),
        ("compliance", json!({"items": []})),
    ] {
        assert_eq!(put(&sandbox, action, &body).await.0, 400, "{action} {body}");
    }
    let too_many: Vec<Value> = (0..101).map(|_| json!({"id": a})).collect();
    assert_eq!(
        put(&sandbox, "receive", &json!({"returns": too_many}))
            .await
            .0,
        400
    );
    let stats = sandbox.stats();
    assert_eq!(stats.requests["RT21"], 4);
    assert_eq!(stats.rejected_by_op["RT25"], 2);
    sandbox.shutdown().await;
}
