//! Fulfil's extended JSON: reading values that may arrive plain or tagged.
//!
//! Fulfil (Tryton underneath) tags Python types, e.g. a Decimal as
//! `{"__class__":"Decimal","decimal":"200.00"}`, a record reference as
//! `{"__class__":"Model","id":7,…}`, and returns `false` (or `null`) for empty Char fields.
//! These helpers accept every form seen and return `None` for anything else; they never panic.

use serde_json::{Value, json};

/// The `__class__` tag of an extended-JSON object, if `value` is one.
fn class(value: &Value) -> Option<&str> {
    value.get("__class__").and_then(Value::as_str)
}

/// A number from a JSON number, a numeric string or a tagged Decimal. Use
/// [`decimal_text`] instead for money, where binary floats would lose exactness.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Value::Object(_) if class(value) == Some("Decimal") => {
            value.get("decimal").and_then(number)
        }
        _ => None,
    }
}

/// The exact decimal text of a number (`"200.00"`) from a tagged Decimal, a numeric string
/// or a JSON number; `None` if it is not a finite number.
pub fn decimal_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<f64>().ok().filter(|f| f.is_finite())?;
            Some(s.to_owned())
        }
        Value::Object(_) if class(value) == Some("Decimal") => {
            value.get("decimal").and_then(decimal_text)
        }
        _ => None,
    }
}

/// An integer id or count from a JSON integer, an integral float, an integer string, a tagged
/// Decimal with no fraction, or a tagged record reference (`{"__class__":"Model","id":…}`).
pub fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Object(_) => match class(value) {
            Some("Model") => value.get("id").and_then(int),
            Some("Decimal") => value.get("decimal").and_then(int),
            _ => None,
        },
        _ => None,
    }
}

/// A Char field: the trimmed string, or `None` for `null`, `false` (Tryton's "empty") and
/// blank strings. Numbers are accepted as their text (e.g. an EAN stored as an integer).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A product code: the string exactly as Fulfil stores it (never trimmed: a SKU matches only
/// by exact spelling, and a near-spelling must be reported, not hidden), or `None` for `null`,
/// `false` and blank strings.
pub fn code(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A tagged Decimal for sending, e.g. `decimal("12.50")` →
/// `{"__class__":"Decimal","decimal":"12.50"}`.
pub fn decimal(text: &str) -> Value {
    json!({ "__class__": "Decimal", "decimal": text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_plain_and_tagged() {
        assert_eq!(
            number(&json!({"__class__":"Decimal","decimal":"200.00"})),
            Some(200.0)
        );
        assert_eq!(number(&json!(12.5)), Some(12.5));
        assert_eq!(number(&json!(3)), Some(3.0));
        assert_eq!(number(&json!(" 4.25 ")), Some(4.25));
        assert_eq!(
            number(&json!({"__class__":"date","iso_string":"2024-01-15"})),
            None
        );
        assert_eq!(number(&json!({"decimal":"1"})), None);
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(number(&json!(false)), None);
        assert_eq!(number(&json!(null)), None);
    }

    #[test]
    fn decimal_text_keeps_exact_digits() {
        assert_eq!(
            decimal_text(&json!({"__class__":"Decimal","decimal":"19.90"})).as_deref(),
            Some("19.90")
        );
        assert_eq!(decimal_text(&json!("0.10")).as_deref(), Some("0.10"));
        assert_eq!(decimal_text(&json!(7)).as_deref(), Some("7"));
        assert_eq!(decimal_text(&json!("abc")), None);
        assert_eq!(decimal(" 1.5").get("__class__"), Some(&json!("Decimal")));
    }

    #[test]
    fn ints_and_references() {
        assert_eq!(int(&json!(42)), Some(42));
        assert_eq!(int(&json!(42.0)), Some(42));
        assert_eq!(int(&json!(42.5)), None);
        assert_eq!(int(&json!("17")), Some(17));
        assert_eq!(
            int(&json!({"__class__":"Model","model_name":"sale.sale","id":9})),
            Some(9)
        );
        assert_eq!(int(&json!({"__class__":"Decimal","decimal":"3"})), Some(3));
        assert_eq!(int(&json!(false)), None);
    }

    #[test]
    fn char_fields_treat_false_and_null_as_empty() {
        assert_eq!(text(&json!(false)), None);
        assert_eq!(text(&json!(null)), None);
        assert_eq!(text(&json!("  ")), None);
        assert_eq!(
            text(&json!(" 5012345678900 ")).as_deref(),
            Some("5012345678900")
        );
        assert_eq!(
            text(&json!(5012345678900u64)).as_deref(),
            Some("5012345678900")
        );
        assert_eq!(text(&json!(true)), None);
    }

    #[test]
    fn product_codes_keep_their_exact_spelling() {
        assert_eq!(code(&json!("JL-MUG-001 ")).as_deref(), Some("JL-MUG-001 "));
        assert_eq!(
            code(&json!("\u{200b}JL-MUG-001")).as_deref(),
            Some("\u{200b}JL-MUG-001")
        );
        assert_eq!(code(&json!(12345)).as_deref(), Some("12345"));
        assert_eq!(code(&json!(" ")), None);
        assert_eq!(code(&json!(false)), None);
        assert_eq!(code(&json!(null)), None);
    }
}
