//! `PUT /api/v2/model/{model}/search_read` for the models of `models` (`product.product`,
//! `stock.location`, `sale.sale`, `sale.line`, `stock.shipment.out`, `stock.move`).
//!
//! Body either positional `[domain, offset, limit, order, fields]` (trailing elements optional,
//! any may be null) or an object `{"filters", "fields", "limit", "offset", "order",
//! "context"}`. The context (that key, or the `context` query parameter, which wins) may name
//! `locations`: product quantities are then summed over those (see `locations`). `limit` is
//! capped at 500 (more is a `UserError`); results are ordered by id unless `order`
//! (`[[field, "ASC"|"DESC"], ...]`) says otherwise. Every record carries `id` plus the
//! requested fields (all fields when `fields` is null); dotted fields (`carrier.rec_name`) come
//! back as flat keys. A field the model does not have, in `fields`, `order` or the domain, is a
//! `UserError`.

use std::cmp::Ordering;

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::domain::{self, Domain, Fields};
use super::{FulfilState, UserError};
use super::{locations, models};

pub(super) use models::MODELS;

/// Largest `limit`.
const MAX_LIMIT: u64 = 500;

/// Handles one `search_read` call on `model` (one of [`MODELS`]); `context` is the `context`
/// query parameter, if any.
pub(super) fn search_read(
    fulfil: &FulfilState,
    model: &str,
    body: &[u8],
    context: Option<&str>,
) -> Response {
    match run(fulfil, model, body, context) {
        Ok(records) => axum::Json(records).into_response(),
        Err(error) => error.into_response(),
    }
}

/// A parsed request.
struct Request {
    domain: Domain,
    offset: usize,
    limit: usize,
    order: Vec<(String, bool)>,
    fields: Option<Vec<String>>,
}

/// Parses, filters, sorts, pages and projects.
fn run(
    fulfil: &FulfilState,
    model: &str,
    body: &[u8],
    context: Option<&str>,
) -> Result<Vec<Value>, UserError> {
    let args: Value = serde_json::from_slice(body)
        .map_err(|e| UserError::new("invalid_json", format!("Invalid JSON body: {e}"), "body"))?;
    let context = match context {
        Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|e| {
            UserError::new(
                "invalid_context",
                format!("The context is not JSON: {e}"),
                "context",
            )
        })?),
        None => args.get("context").cloned(),
    };
    let locations = locations::context_locations(context.as_ref())?;
    let Some(table) = models::table(fulfil, model, locations.as_deref()) else {
        return Err(UserError::new(
            "unknown_model",
            format!("Unknown model {model}"),
            model.to_string(),
        ));
    };
    let request = parse(&args, model, table.fields)?;
    let mut selected: Vec<Map<String, Value>> = table
        .rows
        .into_iter()
        .filter(|row| domain::matches(&request.domain, row))
        .collect();
    selected.sort_by(|a, b| {
        for (field, descending) in &request.order {
            let ordering = order_values(a.get(field), b.get(field));
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        order_values(a.get("id"), b.get("id"))
    });
    Ok(selected
        .into_iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|row| project(row, request.fields.as_deref()))
        .collect())
}

/// Parses the arguments (positional or object form).
fn parse(args: &Value, model: &str, fields: Fields<'_>) -> Result<Request, UserError> {
    let null = Value::Null;
    let [domain, offset, limit, order, wanted] = match args {
        Value::Array(items) if items.len() <= 5 => {
            let at = |i: usize| items.get(i).unwrap_or(&null);
            [at(0), at(1), at(2), at(3), at(4)]
        }
        Value::Object(map) => {
            if let Some(key) = map.keys().find(|k| {
                !["filters", "fields", "limit", "offset", "order", "context"].contains(&k.as_str())
            }) {
                return Err(UserError::new(
                    "invalid_arguments",
                    format!("Unknown search_read argument '{key}'"),
                    key.clone(),
                ));
            }
            let at = |k: &str| map.get(k).unwrap_or(&null);
            [
                at("filters"),
                at("offset"),
                at("limit"),
                at("order"),
                at("fields"),
            ]
        }
        _ => {
            return Err(UserError::new(
                "invalid_arguments",
                "search_read expects [domain, offset, limit, order, fields] or an object",
                "body",
            ));
        }
    };
    let domain = domain::parse(domain, fields)
        .map_err(|message| UserError::new("invalid_domain", message, "filters"))?;
    let limit = match limit {
        Value::Null => MAX_LIMIT,
        value => {
            let limit = non_negative(value, "limit")?;
            if limit > MAX_LIMIT {
                return Err(UserError::new(
                    "limit_exceeded",
                    format!("limit cannot exceed {MAX_LIMIT}"),
                    "limit",
                ));
            }
            limit
        }
    };
    let offset = match offset {
        Value::Null => 0,
        value => non_negative(value, "offset")?,
    };
    Ok(Request {
        domain,
        offset: usize::try_from(offset).unwrap_or(usize::MAX),
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
        order: parse_order(order, model, fields.all)?,
        fields: parse_fields(wanted, model, fields.all)?,
    })
}

/// A non-negative integer argument.
fn non_negative(value: &Value, name: &str) -> Result<u64, UserError> {
    value.as_u64().ok_or_else(|| {
        UserError::new(
            "invalid_arguments",
            format!("{name} must be a non-negative integer, got {value}"),
            name,
        )
    })
}

/// Parses `order`: `[[field, "ASC"|"DESC"], ...]`; returns `(field, descending)` pairs.
fn parse_order(
    value: &Value,
    model: &str,
    fields: &[&str],
) -> Result<Vec<(String, bool)>, UserError> {
    let invalid = |detail: String| UserError::new("invalid_order", detail, "order");
    let Some(items) = value.as_array() else {
        return match value {
            Value::Null => Ok(Vec::new()),
            other => Err(invalid(format!("order must be a list, got {other}"))),
        };
    };
    let mut order = Vec::with_capacity(items.len());
    for item in items {
        let pair = item.as_array().map(Vec::as_slice).unwrap_or_default();
        let (Some(field), direction) = (
            pair.first().and_then(Value::as_str),
            pair.get(1).and_then(Value::as_str).unwrap_or("ASC"),
        ) else {
            return Err(invalid(format!("Invalid order element {item}")));
        };
        known_field(field, model, fields)?;
        let descending = match direction.to_ascii_uppercase().as_str() {
            "ASC" => false,
            "DESC" => true,
            _ => return Err(invalid(format!("Invalid order direction '{direction}'"))),
        };
        order.push((field.to_string(), descending));
    }
    Ok(order)
}

/// Parses `fields` (null means all).
fn parse_fields(
    value: &Value,
    model: &str,
    fields: &[&str],
) -> Result<Option<Vec<String>>, UserError> {
    let Some(items) = value.as_array() else {
        return match value {
            Value::Null => Ok(None),
            other => Err(UserError::new(
                "invalid_arguments",
                format!("fields must be a list, got {other}"),
                "fields",
            )),
        };
    };
    let mut wanted = Vec::with_capacity(items.len());
    for item in items {
        let name = item.as_str().ok_or_else(|| {
            UserError::new(
                "invalid_arguments",
                format!("Invalid field name {item}"),
                "fields",
            )
        })?;
        known_field(name, model, fields)?;
        wanted.push(name.to_string());
    }
    Ok(Some(wanted))
}

/// Rejects fields the model does not have.
fn known_field(name: &str, model: &str, fields: &[&str]) -> Result<(), UserError> {
    if fields.contains(&name) {
        Ok(())
    } else {
        Err(UserError::new(
            "unknown_field",
            format!("Unknown field '{name}' on model {model}"),
            name,
        ))
    }
}

/// Sort order of two field values: nulls first, then by value.
fn order_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let a = a.unwrap_or(&Value::Null);
    let b = b.unwrap_or(&Value::Null);
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => domain::compare(a, b).unwrap_or(Ordering::Equal),
    }
}

/// `row` reduced to `id` plus `fields` (all when `None`).
fn project(row: Map<String, Value>, fields: Option<&[String]>) -> Value {
    let Some(fields) = fields else {
        return Value::Object(row);
    };
    let mut shown = Map::new();
    for (key, value) in row {
        if key == "id" || fields.contains(&key) {
            shown.insert(key, value);
        }
    }
    Value::Object(shown)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sandbox::Sandbox;
    use crate::sandbox::test_support::{fulfil_client, fulfil_order, product, start};

    async fn search(sandbox: &Sandbox, model: &str, body: &Value) -> (u16, Value) {
        search_with(sandbox, model, "", body).await
    }

    /// [`search`] with a query string (`?context=…`).
    async fn search_with(
        sandbox: &Sandbox,
        model: &str,
        query: &str,
        body: &Value,
    ) -> (u16, Value) {
        let response = fulfil_client(sandbox)
            .put(format!(
                "{}/api/v2/model/{model}/search_read{query}",
                sandbox.fulfil_url
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn ids(records: &Value) -> Vec<i64> {
        records
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn quantities_follow_the_context_locations() {
        let sandbox = start().await;
        let mut shop_stock = product(1, "SKU-A");
        shop_stock.store_available = 5.0;
        sandbox.seed_products(vec![shop_stock]);
        let body = json!([
            [["code", "=", "SKU-A"]],
            0,
            10,
            null,
            ["quantity_available"]
        ]);
        let available = |records: &Value| records[0]["quantity_available"].clone();
        for (query, expected) in [
            ("", 15.0),
            ("?context=%7B%22locations%22%3A%5B1%5D%7D", 10.0),
            ("?context=%7B%22locations%22%3A%5B2%2C3%5D%7D", 5.0),
        ] {
            let (status, records) = search_with(&sandbox, "product.product", query, &body).await;
            assert_eq!(
                (status, available(&records)),
                (200, json!(expected)),
                "{query}"
            );
        }
        // The object form's own context.
        let (status, records) = search(
            &sandbox,
            "product.product",
            &json!({"filters": [], "fields": ["quantity_available"],
                    "context": {"locations": [2]}}),
        )
        .await;
        assert_eq!((status, available(&records)), (200, json!(5.0)));
        // A context that is not JSON, or locations that are not ids, is a UserError.
        for query in [
            "?context=%7Blocations",
            "?context=%7B%22locations%22%3A%22MAIN%22%7D",
        ] {
            let (status, error) = search_with(&sandbox, "product.product", query, &body).await;
            assert_eq!(
                (status, &error["type"]),
                (400, &json!("UserError")),
                "{query}"
            );
        }
        // Warehouses are stock locations of type `warehouse`.
        let (status, records) = search(
            &sandbox,
            "stock.location",
            &json!([[["type", "=", "warehouse"]], 0, 10, null, ["code"]]),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            records,
            json!([{"id": 1, "code": "MAIN"}, {"id": 2, "code": "STORE"}])
        );
    }

    #[tokio::test]
    async fn positional_and_object_forms() {
        let sandbox = start().await;
        sandbox.seed_products(vec![product(3, "JL-MUG-001")]);
        let (status, records) = search(
            &sandbox,
            "product.product",
            &json!([
                [["code", "=", "SKU-A"]],
                null,
                null,
                null,
                ["code", "quantity_available"]
            ]),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            records,
            json!([{"id": 1, "code": "SKU-A", "quantity_available": 10.0}])
        );

        let (status, records) = search(
            &sandbox,
            "product.product",
            &json!({"filters": [["code", "ilike", "sku-%"]], "fields": ["rec_name"],
                    "order": [["code", "DESC"]], "limit": 10, "offset": 0}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(ids(&records), vec![2, 1]);
        assert_eq!(records[0]["rec_name"], "[SKU-B] SKU-B");

        let (_, records) = search(&sandbox, "product.product", &json!([])).await;
        assert_eq!(ids(&records), vec![1, 2, 3]);
        assert_eq!(records[2]["upc"], "5012345600003");
        assert_eq!(records[2]["active"], true);
        let (_, records) = search(&sandbox, "product.product", &json!([[], 1, 1])).await;
        assert_eq!(ids(&records), vec![2]);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn limit_over_500_and_unknown_fields_are_user_errors() {
        let sandbox = start().await;
        for (model, body) in [
            ("product.product", json!([[], 0, 501, null, ["code"]])),
            ("product.product", json!({"filters": [], "limit": 501})),
            ("product.product", json!([[], 0, 10, null, ["name"]])),
            ("product.product", json!([[["name", "=", "x"]]])),
            (
                "sale.sale",
                json!({"filters": [], "order": [["sale_date", "DESC"]]}),
            ),
            ("sale.sale", json!({"filters": [], "page": 2})),
            ("sale.sale", json!([[], -1])),
            ("sale.sale", json!("nope")),
        ] {
            let (status, error) = search(&sandbox, model, &body).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(error["type"], "UserError");
        }
        let (_, error) = search(&sandbox, "product.product", &json!([[], 0, 501])).await;
        assert_eq!(error["message"], "limit cannot exceed 500");
        let (status, _) = search(&sandbox, "product.product", &json!([[], 0, 500])).await;
        assert_eq!(status, 200);
        assert_eq!(sandbox.stats().requests["search_read"], 10);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn finds_sales_by_channel_identifier() {
        let sandbox = start().await;
        for id in ["O-1", "O-2"] {
            let response = fulfil_client(&sandbox)
                .put(format!(
                    "{}/api/v2/model/sale.channel/create_order",
                    sandbox.fulfil_url
                ))
                .json(&json!([1, fulfil_order(id)]))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
        let (status, records) = search(
            &sandbox,
            "sale.sale",
            &json!({"filters": [["channel_identifier", "in", ["O-2", "O-9"]]],
                    "fields": ["channel_identifier", "state", "total_amount"]}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            records,
            json!([{"id": 2, "channel_identifier": "O-2", "state": "confirmed",
                    "total_amount": "84.52"}])
        );
        sandbox.shutdown().await;
    }
}
