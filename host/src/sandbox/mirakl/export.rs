//! The asynchronous offer export: OF52 `POST /api/offers/export/async`, OF53
//! `GET /api/offers/export/async/status/{tracking_id}`, OF54 `GET <url from OF53>`.
//!
//! OF52 takes a JSON body (`Content-Type: application/json`, else 415) with the fields of
//! Mirakl's schema only (others are a 400): `export_type` `application/json` or `text/csv`
//! (the default), `include_fields` (JSON field names for JSON, column names for CSV; names the
//! schema does not know are a 400; known fields the sandbox has no data for are left out),
//! `include_inactive_offers`, `last_request_date` (differential mode: offers changed since,
//! inactive ones included, and deleted offers as `{"shop_sku", "offer_id", "deleted": true}`;
//! combining it with `include_inactive_offers: true` is a 400, as documented),
//! `items_per_chunk` (1..=1,000,000, default 10,000; the sandbox, like Mirakl's TEST
//! environments, accepts values under the production minimum), `megabytes_per_chunk`
//! (1..=1000, not enforced), `rename_fields` (CSV only), `channel_codes`, `shipping_zones`,
//! `ongoing_discount_campaign_identifiers` (accepted, not filtering). The offers are taken
//! when the export is requested. It answers `{"tracking_id"}`; an identical request while an
//! export is still pending gets that export's id back.
//!
//! OF53 answers `PENDING` on the first poll of an export and `COMPLETED` afterwards, with
//! `urls` on the sandbox itself (`<base>/api/offers/export/async/file/<tracking_id>
//! ?file=of52-export%offers/<n>.json`, the unescaped `%` as in Mirakl's examples), one per
//! chunk. OF54 (same API key) answers a chunk: a JSON array of offers, or CSV.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::files::push_csv_line;
use super::offers::OfferRecord;
use super::{MiraklError, OfferBook, SHOP_ID, bad_request, error, is_json, now_string};
use crate::sandbox::state::{Api, Ctx, SandboxState, handle};

/// Fields of an OF52 request.
const REQUEST_FIELDS: &[&str] = &[
    "channel_codes",
    "export_type",
    "include_fields",
    "include_inactive_offers",
    "items_per_chunk",
    "last_request_date",
    "megabytes_per_chunk",
    "ongoing_discount_campaign_identifiers",
    "rename_fields",
    "shipping_zones",
];

/// Every field of an OF54 JSON offer in Mirakl's schema.
const JSON_FIELDS: &[&str] = &[
    "active",
    "allow_quote_requests",
    "available_end_date",
    "available_start_date",
    "channels",
    "currency_iso_code",
    "date_created",
    "deleted",
    "description",
    "eco_contributions",
    "favorite_rank",
    "fulfillment",
    "is_professional",
    "last_updated",
    "leadtime_to_ship",
    "logistic_class",
    "max_order_quantity",
    "measurement",
    "measurement_units",
    "min_order_quantity",
    "min_shipping_price",
    "min_shipping_price_additional",
    "min_shipping_type",
    "min_shipping_zone",
    "msrp",
    "offer_additional_fields",
    "offer_id",
    "ongoing_discount_campaigns",
    "package_quantity",
    "premium",
    "price_additional_info",
    "prices",
    "product_sku",
    "product_tax_code",
    "quantity",
    "retail_prices",
    "shipping_types",
    "shop_id",
    "shop_name",
    "shop_sku",
    "state_code",
    "warehouses",
];

/// Every CSV column of an OF52 CSV export in Mirakl's documentation (besides
/// `price[channel=<code>]`).
const CSV_COLUMNS: &[&str] = &[
    "active",
    "allow-quote-requests",
    "available-end-date",
    "available-start-date",
    "channels",
    "currency-iso-code",
    "date-created",
    "deleted",
    "description",
    "discount-end-date",
    "discount-price",
    "discount-ranges",
    "discount-start-date",
    "favorite-rank",
    "fulfillment-center-code",
    "last-updated",
    "leadtime-to-ship",
    "logistic-class",
    "measurement-units",
    "min-shipping-price",
    "min-shipping-price-additional",
    "min-shipping-type",
    "min-shipping-zone",
    "offer-id",
    "ongoing-discount-campaigns",
    "origin-price",
    "premium",
    "price",
    "price-additional-info",
    "price-ranges",
    "product-sku",
    "professional",
    "quantity",
    "shop-id",
    "shop-name",
    "shop-sku",
    "state-code",
    "total-price",
];

/// The JSON fields the sandbox has data for, in output order.
const PRODUCED: &[&str] = &[
    "offer_id",
    "shop_sku",
    "product_sku",
    "quantity",
    "active",
    "deleted",
    "state_code",
    "currency_iso_code",
    "shop_id",
    "shop_name",
    "date_created",
    "last_updated",
];

/// Default `items_per_chunk`.
const DEFAULT_CHUNK: usize = 10_000;

/// OF52 exports by tracking id.
#[derive(Debug, Default)]
pub(crate) struct Exports {
    exports: BTreeMap<String, Export>,
    next: u64,
}

/// One export.
#[derive(Debug)]
struct Export {
    /// The request body, to recognise duplicates.
    request: Value,
    polls: u64,
    csv: bool,
    /// The files' contents.
    chunks: Vec<String>,
    last_updated: String,
}

/// A validated OF52 request.
struct Request {
    csv: bool,
    /// JSON field names (CSV columns are mapped to them); `None` = all.
    fields: Option<Vec<String>>,
    /// CSV column -> header to write.
    renames: BTreeMap<String, String>,
    include_inactive: bool,
    since: Option<DateTime<Utc>>,
    chunk: usize,
}

/// The export routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/api/offers/export/async", post(request_export))
        .route(
            "/api/offers/export/async/status/{tracking_id}",
            get(export_status),
        )
        .route(
            "/api/offers/export/async/file/{tracking_id}",
            get(export_file),
        )
}

/// OF52.
async fn request_export(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    handle(&ctx, Api::Mirakl, "OF52", &headers, |state| {
        match create(state, &headers, &body) {
            Ok(tracking_id) => axum::Json(json!({"tracking_id": tracking_id})).into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// Validates the request and snapshots the offers.
fn create(
    state: &mut SandboxState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, MiraklError> {
    if !is_json(headers) {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
            None,
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(&format!("Invalid JSON body: {e}"), "INVALID_JSON"))?;
    let request = parse(&value)?;
    let exports = &mut state.mirakl.exports;
    if let Some((id, _)) = exports
        .exports
        .iter()
        .find(|(_, e)| e.polls == 0 && e.request == value)
    {
        return Ok(id.clone());
    }
    exports.next += 1;
    let n = exports.next;
    let tracking_id = format!("{n:08x}-5a4d-4b0c-8e52-{:012x}", n * 7919);
    let chunks = render(&state.mirakl.offers, &request);
    state.mirakl.exports.exports.insert(
        tracking_id.clone(),
        Export {
            request: value,
            polls: 0,
            csv: request.csv,
            chunks,
            last_updated: now_string(),
        },
    );
    Ok(tracking_id)
}

/// Validates an OF52 body.
fn parse(value: &Value) -> Result<Request, MiraklError> {
    let invalid = |message: String| bad_request(&message, "VALIDATION_ERROR");
    let Value::Object(body) = value else {
        return Err(invalid("The body must be a JSON object".into()));
    };
    if let Some(key) = body.keys().find(|k| !REQUEST_FIELDS.contains(&k.as_str())) {
        return Err(invalid(format!("Unknown field '{key}'")));
    }
    let csv = match body.get("export_type") {
        None | Some(Value::Null) => true,
        Some(Value::String(t)) if t == "text/csv" => true,
        Some(Value::String(t)) if t == "application/json" => false,
        Some(other) => {
            return Err(invalid(format!(
                "export_type must be text/csv or application/json, got {other}"
            )));
        }
    };
    let strings = |key: &str| -> Result<Option<Vec<String>>, MiraklError> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| invalid(format!("{key} must hold strings")))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(invalid(format!("{key} must be a list of strings"))),
        }
    };
    for key in [
        "channel_codes",
        "shipping_zones",
        "ongoing_discount_campaign_identifiers",
    ] {
        strings(key)?;
    }
    let fields = match strings("include_fields")? {
        None => None,
        Some(names) => {
            let mut fields = Vec::new();
            for name in names {
                let known = if csv {
                    CSV_COLUMNS.contains(&name.as_str())
                        || (name.starts_with("price[channel=") && name.ends_with(']'))
                } else {
                    JSON_FIELDS.contains(&name.as_str())
                };
                if !known {
                    return Err(invalid(format!("Unknown field '{name}' in include_fields")));
                }
                fields.push(if csv { name.replace('-', "_") } else { name });
            }
            Some(fields)
        }
    };
    let renames = match body.get("rename_fields") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) if csv => map
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_string()))
                    .ok_or_else(|| invalid("rename_fields values must be strings".into()))
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Object(_)) => {
            return Err(invalid(
                "rename_fields is only supported for CSV exports".into(),
            ));
        }
        Some(_) => return Err(invalid("rename_fields must be an object".into())),
    };
    let include_inactive = match body.get("include_inactive_offers") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("include_inactive_offers must be a boolean".into())),
    };
    let since = match body.get("last_request_date") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| invalid(format!("last_request_date '{text}' is not a date-time")))?
                .with_timezone(&Utc),
        ),
        Some(_) => {
            return Err(invalid(
                "last_request_date must be a date-time string".into(),
            ));
        }
    };
    if since.is_some() && include_inactive {
        return Err(invalid(
            "include_inactive_offers cannot be used with last_request_date (differential mode)"
                .into(),
        ));
    }
    let range = |key: &str, max: u64| -> Result<Option<u64>, MiraklError> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .ok_or_else(|| invalid(format!("{key} must be an integer between 1 and {max}"))),
        }
    };
    let chunk = range("items_per_chunk", 1_000_000)?.map_or(DEFAULT_CHUNK, |n| n as usize);
    range("megabytes_per_chunk", 1000)?;
    Ok(Request {
        csv,
        fields,
        renames,
        include_inactive,
        since,
        chunk,
    })
}

/// The export files for `request`.
fn render(book: &OfferBook, request: &Request) -> Vec<String> {
    let mut items: Vec<Map<String, Value>> = Vec::new();
    for record in book.records() {
        let selected = match request.since {
            Some(since) => record.updated >= since,
            None => record.offer.active || request.include_inactive,
        };
        if selected {
            items.push(offer_fields(record));
        }
    }
    if let Some(since) = request.since {
        for (sku, offer_id, at) in book.removed() {
            if at >= since {
                let mut map = Map::new();
                map.insert("offer_id".into(), json!(offer_id));
                map.insert("shop_sku".into(), json!(sku));
                map.insert("deleted".into(), json!(true));
                map.insert("last_updated".into(), json!(date(at)));
                items.push(map);
            }
        }
    }
    let columns: Vec<&str> = PRODUCED
        .iter()
        .copied()
        .filter(|f| {
            request
                .fields
                .as_ref()
                .is_none_or(|w| w.iter().any(|x| x == f))
        })
        .collect();
    let mut chunks: Vec<String> = items
        .chunks(request.chunk.max(1))
        .map(|chunk| {
            if request.csv {
                csv_chunk(chunk, &columns, &request.renames)
            } else {
                json_chunk(chunk, &columns)
            }
        })
        .collect();
    if chunks.is_empty() {
        chunks.push(if request.csv {
            csv_chunk(&[], &columns, &request.renames)
        } else {
            "[]".to_string()
        });
    }
    chunks
}

/// An offer with every field the sandbox produces.
fn offer_fields(record: &OfferRecord) -> Map<String, Value> {
    let offer = &record.offer;
    let mut map = Map::new();
    map.insert("offer_id".into(), json!(record.offer_id));
    map.insert("shop_sku".into(), json!(offer.sku));
    map.insert("product_sku".into(), json!(record.product_sku()));
    map.insert("quantity".into(), json!(offer.quantity));
    map.insert("active".into(), json!(offer.active));
    map.insert("deleted".into(), json!(false));
    map.insert("state_code".into(), json!("11"));
    map.insert("currency_iso_code".into(), json!("GBP"));
    map.insert("shop_id".into(), json!(SHOP_ID));
    map.insert("shop_name".into(), json!("Sandbox shop"));
    map.insert("date_created".into(), json!(date(record.created)));
    map.insert("last_updated".into(), json!(date(record.updated)));
    map
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn json_chunk(items: &[Map<String, Value>], columns: &[&str]) -> String {
    let offers: Vec<Value> = items
        .iter()
        .map(|item| {
            let shown: Map<String, Value> = item
                .iter()
                .filter(|(k, _)| columns.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::Object(shown)
        })
        .collect();
    Value::Array(offers).to_string()
}

fn csv_chunk(
    items: &[Map<String, Value>],
    columns: &[&str],
    renames: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    let headers: Vec<String> = columns
        .iter()
        .map(|c| {
            let column = c.replace('_', "-");
            renames.get(&column).cloned().unwrap_or(column)
        })
        .collect();
    push_csv_line(&mut out, &headers);
    for item in items {
        let row: Vec<String> = columns
            .iter()
            .map(|c| match item.get(*c) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        push_csv_line(&mut out, &row);
    }
    out
}

/// OF53.
async fn export_status(
    State(ctx): State<Ctx>,
    Path(tracking_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    handle(&ctx, Api::Mirakl, "OF53", &headers, |state| {
        let base = state.mirakl.base_url.clone();
        let Some(export) = state.mirakl.exports.exports.get_mut(&tracking_id) else {
            return not_found(&tracking_id).into_response();
        };
        export.polls += 1;
        if export.polls == 1 {
            return axum::Json(json!({"status": "PENDING", "last_updated": export.last_updated}))
                .into_response();
        }
        let extension = if export.csv { "csv" } else { "json" };
        let urls: Vec<String> = (0..export.chunks.len())
            .map(|n| {
                format!(
                    "{base}/api/offers/export/async/file/{tracking_id}?file=of52-export%offers/{n}.{extension}"
                )
            })
            .collect();
        axum::Json(json!({
            "status": "COMPLETED",
            "last_updated": export.last_updated,
            "urls": urls,
        }))
        .into_response()
    })
    .await
}

/// OF54.
async fn export_file(
    State(ctx): State<Ctx>,
    Path(tracking_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    handle(&ctx, Api::Mirakl, "OF54", &headers, |state| {
        let Some(export) = state.mirakl.exports.exports.get(&tracking_id) else {
            return not_found(&tracking_id).into_response();
        };
        let extension = if export.csv { "csv" } else { "json" };
        let chunk = file_param(&uri)
            .and_then(|file| {
                file.strip_prefix("of52-export%offers/")?
                    .strip_suffix(&format!(".{extension}"))?
                    .parse::<usize>()
                    .ok()
            })
            .filter(|_| export.polls >= 2)
            .and_then(|n| export.chunks.get(n));
        let Some(chunk) = chunk else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Export file not found for '{tracking_id}'"),
                None,
            )
            .into_response();
        };
        let content_type = if export.csv {
            "text/csv; charset=UTF-8"
        } else {
            "application/json"
        };
        ([(header::CONTENT_TYPE, content_type)], chunk.clone()).into_response()
    })
    .await
}

/// The `file` query parameter, with `%25` and `%2F` decoded (a lone `%` is kept as sent).
fn file_param(uri: &Uri) -> Option<String> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("file="))
        .map(|raw| {
            raw.replace("%25", "%")
                .replace("%2F", "/")
                .replace("%2f", "/")
        })
}

fn not_found(tracking_id: &str) -> MiraklError {
    error(
        StatusCode::NOT_FOUND,
        &format!("Offer export '{tracking_id}' not found"),
        None,
    )
}

#[cfg(test)]
mod tests {
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
}
