//! Rendering an export's files: the offers an OF52 request selects, as JSON or CSV chunks of
//! the fields the sandbox has data for.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::request::Request;
use crate::sandbox::mirakl::files::push_csv_line;
use crate::sandbox::mirakl::offers::OfferRecord;
use crate::sandbox::mirakl::{OfferBook, SHOP_ID};

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

/// The export files for `request`.
pub(super) fn render(book: &OfferBook, request: &Request) -> Vec<String> {
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
