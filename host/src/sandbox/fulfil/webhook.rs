//! Fulfil stock changes and the `product.product.inventory_level_changed` webhook.
//!
//! [`FulfilState::change_stock`] updates the products and, when asked, prepares ONE delivery:
//! a JSON array with an entry per change in Fulfil's format, signed as Fulfil signs
//! (`X-Fulfil-Hmac-SHA256` = base64 HMAC-SHA256 of the raw body under the base64-decoded
//! secret, computed by [`crate::web::hmac::sign`]). The sandbox sends it outside the state
//! lock ([`Delivery::send`]) and then records it ([`FulfilState::record_delivery`]).

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::Serialize;

use super::FulfilState;
use super::locations::{MAIN, STORE};

/// How long a delivery waits for the receiver's answer.
pub(crate) const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Value of `X-Fulfil-Event`.
pub(crate) const EVENT: &str = "product.product.inventory_level_changed";
/// Value of `X-Fulfil-Organization`.
pub(crate) const ORGANIZATION: &str = "sandbox";

/// Where webhooks go and how they are signed.
#[derive(Clone, Debug)]
pub(crate) struct WebhookTarget {
    url: String,
    secret_b64: String,
}

/// A prepared webhook.
#[derive(Debug)]
pub(crate) struct Delivery {
    url: String,
    /// The exact bytes sent and signed.
    pub body: Vec<u8>,
    /// The `X-Fulfil-Hmac-SHA256` value.
    pub signature: String,
}

impl Delivery {
    /// POSTs the webhook; the receiver's status.
    pub async fn send(&self, client: &reqwest::Client) -> anyhow::Result<u16> {
        let response = client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Fulfil-Event", EVENT)
            .header("X-Fulfil-Organization", ORGANIZATION)
            .header(crate::web::hmac::SIGNATURE_HEADER, &self.signature)
            .body(self.body.clone())
            .send()
            .await
            .with_context(|| format!("deliver the inventory webhook to {}", self.url))?;
        Ok(response.status().as_u16())
    }
}

/// One element of the webhook body, fields in Fulfil's order.
#[derive(Serialize)]
struct Event<'a> {
    timestamp: String,
    product_code: &'a str,
    /// One entry per warehouse: `MAIN`, then `STORE`.
    warehouse_quantities: [WarehouseQuantity; 2],
    product_id: i64,
    listing_quantities: [(); 0],
}

#[derive(Serialize)]
struct WarehouseQuantity {
    warehouse_id: i64,
    quantity_on_hand: serde_json::Number,
    quantity_available: serde_json::Number,
    warehouse_code: &'static str,
}

/// A quantity as Fulfil writes it: an integer when it is one, else a float.
fn number(value: f64) -> serde_json::Number {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serde_json::Number::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).unwrap_or_else(|| serde_json::Number::from(0))
    }
}

impl FulfilState {
    /// Sets the webhook target.
    pub(crate) fn set_webhook_target(&mut self, url: String, secret_b64: String) {
        self.webhook = Some(WebhookTarget { url, secret_b64 });
    }

    /// Applies `changes` (product code, new `quantity_available` in `MAIN`; `quantity_on_hand`
    /// keeps its margin over it) and, when `deliver` and a target is set, prepares the webhook.
    /// Unknown codes or non-finite quantities fail before anything changes.
    pub(crate) fn change_stock(
        &mut self,
        changes: &[(String, f64)],
        deliver: bool,
    ) -> anyhow::Result<Option<Delivery>> {
        let mut ids = Vec::with_capacity(changes.len());
        for (code, quantity) in changes {
            if !quantity.is_finite() {
                bail!("sandbox: quantity {quantity} for product {code} is not a number");
            }
            let id = self
                .products
                .values()
                .find(|p| p.code == *code)
                .map(|p| p.id)
                .with_context(|| format!("sandbox: no product with code {code}"))?;
            ids.push(id);
        }
        let mut events = Vec::with_capacity(changes.len());
        for ((code, quantity), id) in changes.iter().zip(ids) {
            let Some(product) = self.products.get_mut(&id) else {
                continue;
            };
            let reserved = (product.quantity_on_hand - product.quantity_available).max(0.0);
            product.quantity_available = *quantity;
            product.quantity_on_hand = *quantity + reserved;
            let on_hand = product.quantity_on_hand;
            let store = product.store_available;
            let timestamp = self.next_timestamp();
            events.push(Event {
                timestamp: timestamp.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                product_code: code,
                warehouse_quantities: [
                    WarehouseQuantity {
                        warehouse_id: MAIN.0,
                        quantity_on_hand: number(on_hand),
                        quantity_available: number(*quantity),
                        warehouse_code: MAIN.1,
                    },
                    WarehouseQuantity {
                        warehouse_id: STORE.0,
                        quantity_on_hand: number(store),
                        quantity_available: number(store),
                        warehouse_code: STORE.1,
                    },
                ],
                product_id: id,
                listing_quantities: [],
            });
        }
        let Some(target) = self.webhook.as_ref().filter(|_| deliver) else {
            return Ok(None);
        };
        let body = serde_json::to_vec(&events)?;
        let signature = crate::web::hmac::sign(&target.secret_b64, &body);
        Ok(Some(Delivery {
            url: target.url.clone(),
            body,
            signature,
        }))
    }

    /// Remembers the last delivered webhook.
    pub(crate) fn record_delivery(&mut self, body: Vec<u8>, signature: String) {
        self.last_webhook = Some((body, signature));
    }

    /// Now (naive UTC, microseconds), strictly after the previous event's timestamp.
    fn next_timestamp(&mut self) -> NaiveDateTime {
        let now = DateTime::from_timestamp_micros(Utc::now().timestamp_micros())
            .unwrap_or_default()
            .naive_utc();
        let next = match self.last_event_time {
            Some(last) if now <= last => last + TimeDelta::microseconds(1),
            _ => now,
        };
        self.last_event_time = Some(next);
        next
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use serde_json::{Value, json};

    use crate::sandbox::test_support::{fulfil_client, start};
    use crate::stock::events::StockEvents;
    use crate::web::hmac::verify_fulfil_signature;

    const SECRET: &str = "c2FuZGJveC13ZWJob29rLXNlY3JldA==";

    type Seen = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

    /// A receiver recording what it gets and answering `status`.
    async fn receiver(status: StatusCode) -> (String, Seen) {
        let seen: Seen = Arc::default();
        let s = seen.clone();
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let s = s.clone();
                async move {
                    s.lock().unwrap().push((headers, body.to_vec()));
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (url, seen)
    }

    #[tokio::test]
    async fn change_stock_delivers_one_signed_webhook() {
        let sandbox = start().await;
        let (url, seen) = receiver(StatusCode::OK).await;
        sandbox.set_webhook_target(url, SECRET.to_string());
        let status = sandbox
            .change_stock(&[("SKU-A".into(), 4.0), ("SKU-B".into(), 2.5)], true)
            .await
            .unwrap();
        assert_eq!(status, 200);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "one webhook for the batch");
        let (headers, body) = &seen[0];
        assert_eq!(
            headers["x-fulfil-event"],
            "product.product.inventory_level_changed"
        );
        assert_eq!(headers["x-fulfil-organization"], "sandbox");
        assert_eq!(headers["content-type"], "application/json");
        let signature = headers["x-fulfil-hmac-sha256"].to_str().unwrap();
        assert!(verify_fulfil_signature(SECRET, body, Some(signature)));
        assert!(!verify_fulfil_signature(
            "d3Jvbmcta2V5",
            body,
            Some(signature)
        ));
        assert_eq!(
            sandbox.last_webhook(),
            Some((body.clone(), signature.to_string()))
        );

        let events: Vec<Value> = serde_json::from_slice(body).unwrap();
        assert_eq!(events.len(), 2);
        let a = &events[0];
        assert_eq!(a["product_code"], "SKU-A");
        assert_eq!(a["product_id"], 1);
        assert_eq!(a["listing_quantities"], json!([]));
        // test_support products: 10 available, 12 on hand (2 reserved, kept).
        assert_eq!(
            a["warehouse_quantities"],
            json!([{"warehouse_id": 1, "warehouse_code": "MAIN",
                    "quantity_on_hand": 6, "quantity_available": 4},
                   {"warehouse_id": 2, "warehouse_code": "STORE",
                    "quantity_on_hand": 0, "quantity_available": 0}])
        );
        assert_eq!(
            events[1]["warehouse_quantities"][0]["quantity_available"],
            2.5
        );
        let t0 = a["timestamp"].as_str().unwrap();
        let t1 = events[1]["timestamp"].as_str().unwrap();
        assert!(chrono::NaiveDateTime::parse_from_str(t0, "%Y-%m-%dT%H:%M:%S%.6f").is_ok());
        assert_eq!(t0.len(), "2019-03-19T21:34:49.296368".len(), "{t0}");
        assert!(t1 > t0, "timestamps increase");
        // The body starts like Fulfil's example.
        assert!(body.starts_with(b"[{\"timestamp\":"));

        // Our own webhook parser takes it as it is.
        let queue = StockEvents::new(Vec::new());
        let outcome = queue.push_payload(body).unwrap();
        assert_eq!(outcome.accepted, 2);

        // The change is visible through search_read.
        let records: Value = fulfil_client(&sandbox)
            .put(format!(
                "{}/api/v2/model/product.product/search_read",
                sandbox.fulfil_url
            ))
            .json(&json!([
                [["code", "=", "SKU-A"]],
                null,
                null,
                null,
                ["quantity_available", "quantity_on_hand"]
            ]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            records,
            json!([{"id": 1, "quantity_available": 4.0, "quantity_on_hand": 6.0}])
        );
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn undelivered_changes_and_errors() {
        let sandbox = start().await;
        // No target: applied, not delivered.
        assert_eq!(
            sandbox
                .change_stock(&[("SKU-A".into(), 1.0)], true)
                .await
                .unwrap(),
            0
        );
        let (url, seen) = receiver(StatusCode::UNAUTHORIZED).await;
        sandbox.set_webhook_target(url, SECRET.to_string());
        // Not asked to deliver.
        assert_eq!(
            sandbox
                .change_stock(&[("SKU-A".into(), 2.0)], false)
                .await
                .unwrap(),
            0
        );
        assert!(seen.lock().unwrap().is_empty());
        assert_eq!(sandbox.last_webhook(), None);
        // The receiver's status is passed through.
        assert_eq!(
            sandbox
                .change_stock(&[("SKU-B".into(), 0.0)], true)
                .await
                .unwrap(),
            401
        );
        assert!(sandbox.last_webhook().is_some());
        // Unknown codes change nothing.
        assert!(
            sandbox
                .change_stock(&[("SKU-A".into(), 9.0), ("NOPE".into(), 1.0)], true)
                .await
                .is_err()
        );
        assert_eq!(seen.lock().unwrap().len(), 1);
        let available =
            crate::sandbox::state::lock(&sandbox.state).fulfil.products[&1].quantity_available;
        assert_eq!(available, 2.0);
        // A receiver that is gone is an error.
        let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gone_url = format!("http://{}/hook", gone.local_addr().unwrap());
        drop(gone);
        sandbox.set_webhook_target(gone_url, SECRET.to_string());
        assert!(
            sandbox
                .change_stock(&[("SKU-A".into(), 3.0)], true)
                .await
                .is_err()
        );
        sandbox.shutdown().await;
    }
}
