//! Typed readers for JSON request fields with Fulfil-style `UserError`s naming the field:
//! objects, lists, strings, enums, exact money, quantities, dates, allowed keys.

use serde_json::{Map, Value};

use super::UserError;
use crate::sandbox::decimal::Decimal;

/// A check's result.
pub(super) type Check<T> = Result<T, UserError>;

/// A money value: a decimal string (`"12.50"`), a tagged decimal
/// (`{"__class__":"Decimal","decimal":"12.50"}`) or an integer. JSON floats are rejected.
pub(super) fn money(value: &Value, path: &str) -> Check<Decimal> {
    match value {
        Value::String(text) => Decimal::parse(text)
            .ok_or_else(|| invalid(path, &format!("'{text}' is not a decimal number"))),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                Ok(Decimal::from_int(i128::from(int)))
            } else if let Some(int) = number.as_u64() {
                Ok(Decimal::from_int(i128::from(int)))
            } else {
                Err(invalid(
                    path,
                    &format!(
                        "must be a decimal string like \"12.50\", not the JSON float {number}"
                    ),
                ))
            }
        }
        Value::Object(map) => {
            tagged_decimal(map).ok_or_else(|| invalid(path, "is not a valid tagged Decimal"))
        }
        _ => Err(invalid(path, "must be a decimal string like \"12.50\"")),
    }
}

/// Parses `{"__class__":"Decimal","decimal":"12.50"}` (exactly those keys).
pub(super) fn tagged_decimal(map: &Map<String, Value>) -> Option<Decimal> {
    if map.len() != 2 || map.get("__class__").and_then(Value::as_str) != Some("Decimal") {
        return None;
    }
    Decimal::parse(map.get("decimal")?.as_str()?)
}

/// A quantity: a JSON number, decimal string or tagged decimal, not zero (negative on the
/// lines of a return sale).
pub(super) fn signed_quantity(value: &Value, path: &str) -> Check<Decimal> {
    let parsed = match value {
        Value::Number(number) => Decimal::parse(&number.to_string())
            .ok_or_else(|| invalid(path, &format!("{number} is not a plain number")))?,
        other => money(other, path)?,
    };
    if parsed == Decimal::ZERO {
        return Err(invalid(path, "must not be zero"));
    }
    Ok(parsed)
}

/// A date or date-time: an ISO 8601 string or a tagged `date`/`datetime`.
pub(super) fn date_time(value: &Value, path: &str) -> Check<()> {
    let text = match value {
        Value::String(text) => Some(text.as_str()),
        Value::Object(map) => match map.get("__class__").and_then(Value::as_str) {
            Some("datetime" | "date") => map.get("iso_string").and_then(Value::as_str),
            _ => None,
        },
        _ => None,
    };
    let valid = text.is_some_and(|t| {
        chrono::DateTime::parse_from_rfc3339(t).is_ok()
            || ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .any(|f| chrono::NaiveDateTime::parse_from_str(t, f).is_ok())
            || chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(invalid(path, "must be an ISO 8601 date-time"))
    }
}

/// `a + b`, or a user error on overflow.
pub(super) fn add(a: Decimal, b: Decimal, path: &str) -> Check<Decimal> {
    a.checked_add(b)
        .ok_or_else(|| invalid(path, "amounts are too large"))
}

/// `value` as an object.
pub(super) fn object<'a>(value: &'a Value, path: &str) -> Check<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| invalid(path, "must be an object"))
}

/// `value` as an array.
pub(super) fn array<'a>(value: &'a Value, path: &str) -> Check<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| invalid(path, "must be a list"))
}

/// `value` as a string.
pub(super) fn string<'a>(value: &'a Value, path: &str) -> Check<&'a str> {
    value
        .as_str()
        .ok_or_else(|| invalid(path, "must be a string"))
}

/// `value` as one of `allowed`.
pub(super) fn one_of(value: &Value, allowed: &[&str], path: &str) -> Check<()> {
    let text = string(value, path)?;
    if allowed.contains(&text) {
        Ok(())
    } else {
        Err(invalid(
            path,
            &format!("'{text}' is not one of {}", allowed.join(", ")),
        ))
    }
}

/// Rejects keys of `map` outside `allowed`.
pub(super) fn keys(map: &Map<String, Value>, allowed: &[&str], path: &str) -> Check<()> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(UserError::new(
            "unknown_field",
            format!("Unknown field '{key}' in {path}"),
            field(path, key),
        )),
        None => Ok(()),
    }
}

/// The non-null value of `key`, if any.
pub(super) fn optional<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// The non-null value of a required `key`.
pub(super) fn required<'a>(map: &'a Map<String, Value>, key: &str, path: &str) -> Check<&'a Value> {
    optional(map, key).ok_or_else(|| {
        let name = field(path, key);
        UserError::new(
            "missing_field",
            format!("Missing required field '{name}'"),
            name,
        )
    })
}

/// The non-empty string value of a required `key`.
pub(super) fn required_string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Check<&'a str> {
    let name = field(path, key);
    let text = string(required(map, key, path)?, &name)?;
    if text.trim().is_empty() {
        return Err(invalid(&name, "must not be empty"));
    }
    Ok(text)
}

/// `path.key` (or `key` at the root).
pub(super) fn field(path: &str, key: &str) -> String {
    if path.is_empty() || path == "order" {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// An invalid-value user error for `path`.
pub(super) fn invalid(path: &str, problem: &str) -> UserError {
    UserError::new(
        "invalid_value",
        format!("Invalid value for '{path}': {problem}"),
        path.to_string(),
    )
}
