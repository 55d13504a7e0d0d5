//! Our offers on John Lewis ([`OfferBook`]) and OF21 `GET /api/offers`.
//!
//! OF21 pages with `max` (1..=100, default 10) and `offset` (default 0) over the offers in SKU
//! order, answering `{"offers": [...], "total_count": N}`; `sku` keeps only that offer (exact
//! match). `sort` may be `totalPrice`, `price` or `productTitle` (the sandbox has no prices,
//! so every sort is by SKU) and `order` `asc` or `desc`; other parameters are ignored. Each
//! offer carries every field the OF21 schema requires, with fixed values where the sandbox
//! holds nothing (prices, shipping, category), plus `product_references` with the EAN.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{MiraklError, bad_request};
use crate::sandbox::SandboxOffer;
use crate::sandbox::state::{Api, Ctx, handle};

/// Largest OF21 page.
const MAX_PAGE: usize = 100;
/// OF21 page size when `max` is absent.
const DEFAULT_PAGE: usize = 10;

/// One offer and what Mirakl keeps about it.
#[derive(Clone, Debug)]
pub(crate) struct OfferRecord {
    /// The offer as the sandbox's API shows it.
    pub offer: SandboxOffer,
    /// Mirakl's `offer_id`.
    pub offer_id: i64,
    /// When it was created (seeded).
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
}

impl OfferRecord {
    /// Mirakl's product SKU for the offer's product.
    pub fn product_sku(&self) -> String {
        format!("MKP{:09}", self.offer_id)
    }
}

/// Our offers by SKU, plus the offers deleted (for differential exports).
#[derive(Debug, Default)]
pub(crate) struct OfferBook {
    offers: BTreeMap<String, OfferRecord>,
    /// SKU -> (offer id, deletion time).
    removed: BTreeMap<String, (i64, DateTime<Utc>)>,
    next_id: i64,
}

impl OfferBook {
    /// Adds or replaces offers by SKU (a replaced offer keeps its id and creation time).
    pub fn seed(&mut self, offers: Vec<SandboxOffer>) {
        let now = Utc::now();
        for offer in offers {
            self.removed.remove(&offer.sku);
            let (offer_id, created) = match self.offers.get(&offer.sku) {
                Some(existing) => (existing.offer_id, existing.created),
                None => {
                    self.next_id += 1;
                    (2000 + self.next_id, now)
                }
            };
            self.offers.insert(
                offer.sku.clone(),
                OfferRecord {
                    offer,
                    offer_id,
                    created,
                    updated: now,
                },
            );
        }
    }

    /// Every offer, by SKU.
    pub fn list(&self) -> Vec<SandboxOffer> {
        self.offers.values().map(|r| r.offer.clone()).collect()
    }

    /// Every record, by SKU.
    pub fn records(&self) -> impl Iterator<Item = &OfferRecord> {
        self.offers.values()
    }

    /// Deleted offers: SKU, offer id, deletion time.
    pub fn removed(&self) -> impl Iterator<Item = (&String, i64, DateTime<Utc>)> {
        self.removed.iter().map(|(sku, (id, at))| (sku, *id, *at))
    }

    /// Deletes an offer; whether it existed.
    pub fn remove(&mut self, sku: &str) -> bool {
        match self.offers.remove(sku) {
            Some(record) => {
                self.removed
                    .insert(sku.to_string(), (record.offer_id, Utc::now()));
                true
            }
            None => false,
        }
    }

    /// Whether the offer exists.
    pub fn contains(&self, sku: &str) -> bool {
        self.offers.contains_key(sku)
    }

    /// Sets an offer's quantity; whether it exists.
    pub fn set_quantity(&mut self, sku: &str, quantity: i64) -> bool {
        match self.offers.get_mut(sku) {
            Some(record) => {
                record.offer.quantity = quantity;
                record.updated = Utc::now();
                true
            }
            None => false,
        }
    }
}

/// OF21's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/offers", get(list))
}

/// The OF21 handler.
async fn list(State(ctx): State<Ctx>, headers: HeaderMap, uri: Uri) -> Response {
    handle(
        &ctx,
        Api::Mirakl,
        "OF21",
        &headers,
        |state| match Params::parse(&uri) {
            Ok(params) => axum::Json(page(&state.mirakl.offers, &params)).into_response(),
            Err(error) => error.into_response(),
        },
    )
    .await
}

/// Parsed OF21 query.
#[derive(Debug)]
struct Params {
    max: usize,
    offset: usize,
    sku: Option<String>,
    descending: bool,
}

impl Params {
    fn parse(uri: &Uri) -> Result<Params, MiraklError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|e| bad_request(&format!("Invalid query string: {e}"), "VALIDATION_ERROR"))?;
        let mut params = Params {
            max: DEFAULT_PAGE,
            offset: 0,
            sku: None,
            descending: false,
        };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "max" => {
                    params.max = number(&key, value)?;
                    if !(1..=MAX_PAGE).contains(&params.max) {
                        return Err(bad_request(
                            &format!("max must be between 1 and {MAX_PAGE}, got {value}"),
                            "VALIDATION_ERROR",
                        ));
                    }
                }
                "offset" => params.offset = number(&key, value)?,
                "sku" => params.sku = Some(value.to_string()),
                "sort" if !["totalPrice", "price", "productTitle"].contains(&value) => {
                    return Err(bad_request(
                        &format!("Unsupported sort field '{value}'"),
                        "VALIDATION_ERROR",
                    ));
                }
                "order" => match value.to_ascii_lowercase().as_str() {
                    "asc" => params.descending = false,
                    "desc" => params.descending = true,
                    _ => {
                        return Err(bad_request(
                            &format!("order must be asc or desc, got '{value}'"),
                            "VALIDATION_ERROR",
                        ));
                    }
                },
                _ => {}
            }
        }
        Ok(params)
    }
}

/// A non-negative integer parameter.
fn number(key: &str, value: &str) -> Result<usize, MiraklError> {
    value.parse().map_err(|_| {
        bad_request(
            &format!("{key} must be a non-negative integer, got '{value}'"),
            "VALIDATION_ERROR",
        )
    })
}

/// One OF21 page.
fn page(book: &OfferBook, params: &Params) -> Value {
    let mut selected: Vec<&OfferRecord> = book
        .records()
        .filter(|r| params.sku.as_ref().is_none_or(|sku| *sku == r.offer.sku))
        .collect();
    if params.descending {
        selected.reverse();
    }
    let total = selected.len();
    let offers: Vec<Value> = selected
        .into_iter()
        .skip(params.offset)
        .take(params.max)
        .map(of21_offer)
        .collect();
    json!({"offers": offers, "total_count": total})
}

/// An offer as OF21 shows it.
fn of21_offer(record: &OfferRecord) -> Value {
    let offer = &record.offer;
    let references: Vec<Value> = offer
        .ean
        .iter()
        .map(|ean| json!({"reference_type": "EAN", "reference": ean}))
        .collect();
    json!({
        "offer_id": record.offer_id,
        "shop_sku": offer.sku,
        "product_sku": record.product_sku(),
        "product_title": offer.sku,
        "product_references": references,
        "quantity": offer.quantity,
        "active": offer.active,
        "state_code": "11",
        "currency_iso_code": "GBP",
        "all_prices": [],
        "category_code": "SANDBOX",
        "category_label": "Sandbox",
        "channels": [],
        "description": "",
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "leadtime_to_ship": 2,
        "logistic_class": {"code": "M", "label": "Medium"},
        "max_order_quantity": 100,
        "min_order_quantity": 1,
        "min_quantity_alert": 0,
        "min_shipping_price": 0,
        "min_shipping_price_additional": 0,
        "min_shipping_type": "STD",
        "min_shipping_zone": "UK",
        "package_quantity": 1,
        "shipping_deadline": (Utc::now() + chrono::Duration::days(2))
            .format("%Y-%m-%dT23:59:59.999Z")
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::sandbox::test_support::{mirakl_client, sample_offer as offer, start};
    use crate::sandbox::{Sandbox, SandboxOffer};

    async fn get(sandbox: &Sandbox, query: &str) -> (u16, Value) {
        let response = mirakl_client(sandbox)
            .get(format!("{}/api/offers?{query}", sandbox.mirakl_url))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn of21_pages_by_max_and_offset_with_total_count() {
        let sandbox = start().await;
        sandbox.seed_offers((0..250).map(offer).collect());
        let mut seen = Vec::new();
        for offset in [0, 100, 200] {
            let (status, body) =
                get(&sandbox, &format!("max=100&offset={offset}&shop_id=2001")).await;
            assert_eq!(status, 200);
            assert_eq!(body["total_count"], 250);
            for o in body["offers"].as_array().unwrap() {
                seen.push(o["shop_sku"].as_str().unwrap().to_string());
            }
        }
        let expected: Vec<String> = (0..250).map(|i| format!("S-{i:03}")).collect();
        assert_eq!(seen, expected);

        let (_, body) = get(&sandbox, "").await;
        assert_eq!(body["offers"].as_array().unwrap().len(), 10, "default max");
        let (_, body) = get(&sandbox, "sku=S-004").await;
        assert_eq!(body["total_count"], 1);
        let o = &body["offers"][0];
        assert_eq!(o["quantity"], 4);
        assert_eq!(o["active"], true);
        assert_eq!(
            o["product_references"],
            serde_json::json!([{"reference_type": "EAN", "reference": "5012345600004"}])
        );
        let (_, body) = get(&sandbox, "sku=S-003").await;
        assert_eq!(
            body["offers"][0]["product_references"],
            serde_json::json!([])
        );
        assert_eq!(body["offers"][0]["active"], false);
        let (_, body) = get(&sandbox, "offset=300").await;
        assert_eq!(body["offers"], serde_json::json!([]));
        assert_eq!(body["total_count"], 250);

        for bad in [
            "max=101",
            "max=0",
            "max=x",
            "offset=-1",
            "sort=name",
            "order=up",
        ] {
            let (status, body) = get(&sandbox, bad).await;
            assert_eq!(status, 400, "{bad}");
            assert_eq!(body["status"], 400);
        }
        assert_eq!(sandbox.stats().requests["OF21"], 13);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn offers_can_be_removed_and_drift() {
        let sandbox = start().await;
        sandbox.seed_offers(vec![offer(1), offer(2)]);
        assert!(sandbox.set_offer_quantity("S-001", 99));
        assert!(!sandbox.set_offer_quantity("nope", 1));
        assert!(sandbox.remove_offer("S-002"));
        assert!(!sandbox.remove_offer("S-002"));
        assert_eq!(
            sandbox.offers(),
            vec![SandboxOffer {
                quantity: 99,
                ..offer(1)
            }]
        );
        let (_, body) = get(&sandbox, "").await;
        assert_eq!(body["total_count"], 1);
        sandbox.shutdown().await;
    }

    #[test]
    fn offers_deserialise_with_defaults() {
        let offer: SandboxOffer = serde_json::from_str(r#"{"sku": "A"}"#).unwrap();
        assert_eq!(
            offer,
            SandboxOffer {
                sku: "A".into(),
                ean: None,
                quantity: 0,
                active: true,
            }
        );
    }
}
