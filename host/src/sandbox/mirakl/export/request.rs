//! Validating an OF52 request body against Mirakl's schema: the fields it may carry, the JSON
//! fields and CSV columns an export can include, and the values each field takes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::sandbox::mirakl::{MiraklError, bad_request};

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

/// Default `items_per_chunk`.
const DEFAULT_CHUNK: usize = 10_000;

/// A validated OF52 request.
pub(super) struct Request {
    pub(super) csv: bool,
    /// JSON field names (CSV columns are mapped to them); `None` = all.
    pub(super) fields: Option<Vec<String>>,
    /// CSV column -> header to write.
    pub(super) renames: BTreeMap<String, String>,
    pub(super) include_inactive: bool,
    pub(super) since: Option<DateTime<Utc>>,
    pub(super) chunk: usize,
}

/// Validates an OF52 body.
pub(super) fn parse(value: &Value) -> Result<Request, MiraklError> {
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
