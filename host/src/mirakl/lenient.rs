//! Lenient readers of the scalars in Mirakl's JSON answers: identifiers, counts and booleans
//! that may come as numbers or strings.

use serde_json::Value;

/// An identifier given as a non-blank string or a number.
pub(super) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A non-negative count given as a number (integral float allowed) or a numeric string.
pub(super) fn lenient_u64(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean given as JSON `true`/`false` or the strings `"true"`/`"false"`.
pub(super) fn lenient_bool(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lenient_scalars() {
        assert_eq!(lenient_u64(Some(&json!(4))), Some(4));
        assert_eq!(lenient_u64(Some(&json!(4.0))), Some(4));
        assert_eq!(lenient_u64(Some(&json!(4.5))), None);
        assert_eq!(lenient_u64(Some(&json!("7"))), Some(7));
        assert_eq!(lenient_u64(Some(&json!(-1))), None);
        assert_eq!(lenient_u64(None), None);
        assert_eq!(lenient_bool(Some(&json!("TRUE"))), Some(true));
        assert_eq!(lenient_bool(Some(&json!(false))), Some(false));
        assert_eq!(lenient_bool(Some(&json!(1))), None);
        assert_eq!(id_text(&json!(" 5 ")), Some("5".into()));
        assert_eq!(id_text(&json!(12)), Some("12".into()));
        assert_eq!(id_text(&json!("")), None);
    }
}
