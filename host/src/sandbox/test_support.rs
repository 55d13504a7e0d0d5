//! Helpers shared by the sandbox's tests (test builds only).

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::{Sandbox, SandboxConfig, SandboxOffer, SandboxProduct};

/// A sandbox with the default configuration and two products (`SKU-A`, `SKU-B`).
pub(crate) async fn start() -> Sandbox {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("start sandbox");
    sandbox.seed_products(vec![product(1, "SKU-A"), product(2, "SKU-B")]);
    sandbox
}

/// A product with some stock.
pub(crate) fn product(id: i64, code: &str) -> SandboxProduct {
    SandboxProduct {
        id,
        code: code.to_string(),
        upc: Some(format!("50123456000{id:02}")),
        quantity_available: 10.0,
        quantity_on_hand: 12.0,
        store_available: 0.0,
    }
}

/// Offer `S-<i:03>`: quantity `i`, an EAN when `i` is even, inactive when `i` is a multiple
/// of 3.
pub(crate) fn sample_offer(i: usize) -> SandboxOffer {
    SandboxOffer {
        sku: format!("S-{i:03}"),
        ean: i.is_multiple_of(2).then(|| format!("50123456{i:05}")),
        quantity: i as i64,
        active: !i.is_multiple_of(3),
    }
}

/// A client sending the default Mirakl key the right way.
pub(crate) fn mirakl_client(_sandbox: &Sandbox) -> reqwest::Client {
    client("authorization", "sandbox-mirakl-key")
}

/// A client sending the default Fulfil key the right way.
pub(crate) fn fulfil_client(_sandbox: &Sandbox) -> reqwest::Client {
    client("x-api-key", "sandbox-fulfil-key")
}

fn client(header: &'static str, key: &'static str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(header, HeaderValue::from_static(key));
    reqwest::Client::builder()
        .default_headers(headers)
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("client")
}

/// A full OR11 order (addresses included) with `lines` lines `<id>-1`, `<id>-2`, ...
pub(crate) fn sample_order(order_id: &str, state: &str, lines: usize) -> Value {
    let order_lines: Vec<Value> = (1..=lines)
        .map(|n| {
            json!({
                "order_line_id": format!("{order_id}-{n}"),
                "order_line_index": n,
                "order_line_state": state,
                "offer_sku": if n % 2 == 1 { "SKU-A" } else { "SKU-B" },
                "quantity": 2,
                "price_unit": 28.0,
                "price": 56.0,
                "shipping_price": 3.95,
                "total_price": 59.95,
                "debited_date": null,
                "created_date": "2026-11-26T08:14:09Z",
                "last_updated_date": "2026-11-26T08:14:57Z"
            })
        })
        .collect();
    json!({
        "order_id": order_id,
        "order_state": state,
        "created_date": "2026-11-26T08:14:09Z",
        "last_updated_date": "2026-11-26T08:14:57Z",
        "acceptance_decision_date": null,
        "customer_debited_date": null,
        "transaction_date": null,
        "can_shop_ship": false,
        "can_cancel": false,
        "currency_iso_code": "GBP",
        "customer_notification_email": "relay-123@marketplace.example",
        "customer": {
            "customer_id": "C-1",
            "firstname": "Priya",
            "lastname": "Raman",
            "billing_address": {
                "firstname": "Priya", "lastname": "Raman", "street_1": "1 High Street",
                "city": "London", "zip_code": "N1 1AA", "country_iso_code": "GBR"
            },
            "shipping_address": {
                "firstname": "Priya", "lastname": "Raman", "street_1": "1 High Street",
                "city": "London", "zip_code": "N1 1AA", "country_iso_code": "GBR"
            }
        },
        "order_lines": order_lines
    })
}

/// An OR21 body accepting every line the sandbox holds for `order_id`.
pub(crate) fn accept_all_body(sandbox: &Sandbox, order_id: &str) -> Value {
    let order = sandbox.order(order_id).unwrap_or(Value::Null);
    let lines: Vec<Value> = order["order_lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|l| json!({"id": l["order_line_id"], "accepted": true}))
                .collect()
        })
        .unwrap_or_default();
    json!({ "order_lines": lines })
}

/// A valid `create_order` order: two lines (2 × 28.00 and 1 × 12.50 with VAT) and shipping.
/// Total = 56.00 + 9.33 + 12.50 + 2.08 + 3.95 + 0.66 = 84.52.
pub(crate) fn fulfil_order(channel_identifier: &str) -> Value {
    json!({
        "channel_identifier": channel_identifier,
        "reference": channel_identifier,
        "confirmed_at": "2026-11-26T08:14:09Z",
        "customer": {"name": "Priya Raman", "contacts": [["email", "relay@example.com"]]},
        "billing_address": {
            "name": "Priya Raman", "address1": "1 High Street", "city": "London",
            "zip": "N1 1AA", "country_code": "GB"
        },
        "shipping_address": {
            "name": "Priya Raman", "address1": "1 High Street", "city": "London",
            "zip": "N1 1AA", "country_code": "GB", "phone": "+44 20 0000 0000"
        },
        "sale_lines": [
            {
                "channel_identifier": format!("{channel_identifier}-1"),
                "sku": "SKU-A", "quantity": 2, "unit_price": "28.00", "amount": "56.00",
                "tax_lines": [{"name": "UK VAT", "rate": "0.20", "amount": "9.33"}]
            },
            {
                "channel_identifier": format!("{channel_identifier}-2"),
                "sku": "SKU-B", "quantity": 1,
                "unit_price": {"__class__": "Decimal", "decimal": "12.50"},
                "amount": "12.50",
                "tax_lines": [{"name": "UK VAT", "rate": "0.20", "amount": "2.08"}]
            }
        ],
        "shipping_lines": [
            {"description": "Standard", "amount": "3.95",
             "tax_lines": [{"name": "UK VAT", "rate": "0.20", "amount": "0.66"}]}
        ],
        "amount": "84.52",
        "currency_code": "GBP",
        "status": "pending"
    })
}

/// SH21 carriers: `RM` (Royal Mail, URL needs the tracking number), `DPD`, and `UPS`.
pub(crate) fn sample_carriers() -> Vec<Value> {
    vec![
        json!({"code": "RM", "label": "Royal Mail", "standard_code": "RM",
               "tracking_url":
                   "https://www.royalmail.com/track-your-item#/tracking-results/{trackingId}"}),
        json!({"code": "DPD", "label": "DPD", "standard_code": "DPD",
               "tracking_url": "http://www.dpd.co.uk/apps/tracking/?parcel={trackingId}"}),
        json!({"code": "UPS", "label": "UPS", "standard_code": "UPS", "tracking_url": null}),
    ]
}
