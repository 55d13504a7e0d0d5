//! Products (`product.product`): SKU, EAN and available quantity in the counted warehouses,
//! by code or all of them.

use serde_json::{Value, json};

use super::client::Client;
use super::warehouses::ProductsError;
use super::wire;

/// Codes per `search_read` when looking products up by code (keeps requests small).
const CODES_PER_REQUEST: usize = 100;

/// A Fulfil product variant as the stock flows need it.
#[derive(Debug, Clone, PartialEq)]
pub struct FulfilProduct {
    /// `product.product` id.
    pub id: i64,
    /// The SKU (`code`), exactly as stored in Fulfil.
    pub code: String,
    /// EAN/GTIN read from the configured field; `None` when empty.
    pub ean: Option<String>,
    /// `quantity_available` summed over the counted warehouses (0 when Fulfil sends none).
    pub quantity_available: f64,
}

impl Client {
    /// Products whose `code` is one of `codes` (exact match; 100 codes per request). Blank
    /// and repeated codes are ignored; unknown codes are simply absent from the result.
    pub async fn products_by_codes(
        &self,
        codes: &[String],
    ) -> Result<Vec<FulfilProduct>, ProductsError> {
        let mut wanted: Vec<&str> = Vec::new();
        for code in codes.iter().map(String::as_str) {
            if !code.trim().is_empty() && !wanted.contains(&code) {
                wanted.push(code);
            }
        }
        let mut products = Vec::new();
        for chunk in wanted.chunks(CODES_PER_REQUEST) {
            let domain = json!([["code", "in", chunk]]);
            products.extend(self.all_pages(domain).await?);
        }
        Ok(products)
    }

    /// Every product, read 500 at a time in id order, each page asking for ids above the
    /// last one read (a product archived meanwhile never hides another).
    pub async fn all_products(&self) -> Result<Vec<FulfilProduct>, ProductsError> {
        self.all_pages(json!([])).await
    }

    /// All products matching `domain` (read in id order, [`SEARCH_READ_MAX`] at a time).
    async fn all_pages(&self, domain: Value) -> Result<Vec<FulfilProduct>, ProductsError> {
        let context = self
            .counted_locations()
            .await?
            .map(|ids| json!({ "locations": ids }));
        let mut fields: Vec<&str> = Vec::new();
        for field in ["id", "code", self.ean_field.as_str(), "quantity_available"] {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        let records = self
            .search_read_all("product.product", domain, &fields, context.as_ref())
            .await?;
        Ok(records.iter().filter_map(|r| self.product(r)).collect())
    }

    /// Reads one product record; records without an id or a code are skipped (logged), as
    /// nothing can be matched to them.
    fn product(&self, record: &Value) -> Option<FulfilProduct> {
        let id = record.get("id").and_then(wire::int);
        let code = record.get("code").and_then(wire::code);
        let (Some(id), Some(code)) = (id, code) else {
            tracing::debug!(id = ?id, "skipping a Fulfil product without an id or code");
            return None;
        };
        Some(FulfilProduct {
            id,
            code,
            ean: record.get(&self.ean_field).and_then(wire::text),
            quantity_available: record
                .get("quantity_available")
                .and_then(wire::number)
                .unwrap_or(0.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::response::IntoResponse;

    use super::*;
    use crate::fulfil::client::tests::{Log, scripted, test_client};

    /// `count` products `SKU-0..` with ids 1.., honouring offset/limit and `code in` and
    /// `id >` clauses; the products `archived` after the first request are gone from later
    /// ones (archiving takes a product out of Fulfil's searches).
    fn catalogue_archiving(
        count: usize,
        archived: &'static [usize],
    ) -> impl Fn(&Value) -> axum::response::Response + Send + Sync {
        let requests = std::sync::atomic::AtomicUsize::new(0);
        move |body: &Value| {
            let gone: &[usize] = match requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => &[],
                _ => archived,
            };
            let clauses = body[0].as_array().cloned().unwrap_or_default();
            let offset = body[1].as_u64().unwrap_or(0) as usize;
            let limit = body[2].as_u64().unwrap_or(0) as usize;
            let holds = |id: usize, code: &str| {
                clauses
                    .iter()
                    .all(|c| match (c[0].as_str(), c[1].as_str()) {
                        (Some("code"), Some("in")) => c[2]
                            .as_array()
                            .is_some_and(|codes| codes.contains(&json!(code))),
                        (Some("id"), Some(">")) => c[2].as_u64().is_some_and(|n| id as u64 > n),
                        _ => panic!("unexpected clause {c}"),
                    })
            };
            let records: Vec<Value> = (0..count)
                .map(|i| (i + 1, format!("SKU-{i}")))
                .filter(|(id, code)| !gone.contains(id) && holds(*id, code))
                .skip(offset)
                .take(limit)
                .map(|(id, code)| {
                    let i = id - 1;
                    json!({
                        "id": id,
                        "code": code,
                        "upc": if i % 2 == 0 { json!(format!("50{i:011}")) } else { json!(false) },
                        "quantity_available": {"__class__": "Decimal", "decimal": format!("{i}.00")}
                    })
                })
                .collect();
            axum::Json(records).into_response()
        }
    }

    /// `count` products that do not change.
    fn catalogue(count: usize) -> impl Fn(&Value) -> axum::response::Response + Send + Sync {
        catalogue_archiving(count, &[])
    }

    #[tokio::test]
    async fn all_products_pages_by_id_until_a_short_page() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), catalogue(1_203)).await;
        let products = test_client(&base).all_products().await.expect("products");
        assert_eq!(products.len(), 1_203);
        assert_eq!(
            products[2],
            FulfilProduct {
                id: 3,
                code: "SKU-2".into(),
                ean: Some("5000000000002".into()),
                quantity_available: 2.0
            }
        );
        assert_eq!(products[1].ean, None);
        let seen = log.lock().expect("log").clone();
        let pages: Vec<_> = seen
            .iter()
            .map(|(_, _, _, b)| (b[0].clone(), b[1].clone(), b[2].clone(), b[3].clone()))
            .collect();
        let by_id = json!([["id", "ASC"]]);
        assert_eq!(
            pages,
            [
                (json!([]), json!(0), json!(500), by_id.clone()),
                (
                    json!([["id", ">", 500]]),
                    json!(0),
                    json!(500),
                    by_id.clone()
                ),
                (json!([["id", ">", 1000]]), json!(0), json!(500), by_id)
            ]
        );
        assert_eq!(seen[0].1, "/api/v2/model/product.product/search_read");
        assert_eq!(
            seen[0].3[4],
            json!(["id", "code", "upc", "quantity_available"])
        );
    }

    #[tokio::test]
    async fn products_archived_while_paging_do_not_hide_others() {
        // Products 7 and 12 (on the first page) are archived once it has been read: with
        // offset paging, products 501 and 502 would slide onto the first page and be missed.
        let log: Log = Arc::default();
        let base = scripted(log, catalogue_archiving(1_203, &[7, 12])).await;
        let products = test_client(&base).all_products().await.expect("products");
        let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
        assert_eq!(ids, (1..=1_203).collect::<Vec<i64>>());
    }

    #[tokio::test]
    async fn products_by_codes_chunks_by_100() {
        let log: Log = Arc::default();
        let base = scripted(log.clone(), catalogue(300)).await;
        let mut codes: Vec<String> = (0..250).map(|i| format!("SKU-{i}")).collect();
        codes.push("SKU-1".into());
        codes.push(" ".into());
        codes.push("NOPE".into());
        let products = test_client(&base)
            .products_by_codes(&codes)
            .await
            .expect("products");
        assert_eq!(products.len(), 250);
        let seen = log.lock().expect("log").clone();
        let sizes: Vec<usize> = seen
            .iter()
            .map(|(_, _, _, b)| b[0][0][2].as_array().map_or(0, Vec::len))
            .collect();
        assert_eq!(sizes, [100, 100, 51]);
        assert_eq!(seen[0].3[0][0][1], "in");
    }

    #[tokio::test]
    async fn malformed_records_are_skipped() {
        let log: Log = Arc::default();
        let base = scripted(log, |_| {
            axum::Json(json!([
                {"id": 1, "code": false, "quantity_available": 1},
                {"code": "NO-ID"},
                {"id": "7", "code": "OK", "upc": null, "quantity_available": "3.5"},
                {"id": 8, "code": " ", "quantity_available": 2},
                {"id": 9, "code": "JL-MUG-001 ", "upc": "5012345600010", "quantity_available": 4}
            ]))
            .into_response()
        })
        .await;
        let products = test_client(&base).all_products().await.expect("products");
        // A code is kept exactly as spelled, so a trailing space is a near-spelling to report,
        // not silently the same SKU.
        assert_eq!(
            products,
            [
                FulfilProduct {
                    id: 7,
                    code: "OK".into(),
                    ean: None,
                    quantity_available: 3.5
                },
                FulfilProduct {
                    id: 9,
                    code: "JL-MUG-001 ".into(),
                    ean: Some("5012345600010".into()),
                    quantity_available: 4.0
                }
            ]
        );
    }
}
