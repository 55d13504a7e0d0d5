//! Tryton/Fulfil search domains: a list of `[field, operator, value]` clauses, ANDed, with an
//! optional leading `"AND"`/`"OR"` and nested sub-domains.
//!
//! Operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, `like`, `not like`, `ilike`,
//! `not ilike` (`%` matches any run of characters, `_` exactly one).
//!
//! Datetime fields (the `datetimes` given to [`parse`]) take a tagged datetime (or a naive
//! `YYYY-MM-DD HH:MM:SS` string, which Tryton accepts too) or null; values are compared as
//! datetimes, so `["write_date", ">=", {"__class__":"datetime",…}]` works. Field names may be
//! dotted (`carrier.rec_name`) when the model lists them.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::tagged;

/// A parsed domain.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Domain {
    /// All sub-domains hold (an empty list matches everything).
    And(Vec<Domain>),
    /// At least one sub-domain holds.
    Or(Vec<Domain>),
    /// One comparison.
    Clause {
        /// Field name.
        field: String,
        /// Operator.
        op: Op,
        /// Right-hand side.
        value: Value,
    },
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `like`
    Like,
    /// `not like`
    NotLike,
    /// `ilike` (case-insensitive)
    ILike,
    /// `not ilike`
    NotILike,
}

impl Op {
    /// Parses an operator.
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "in" => Op::In,
            "not in" => Op::NotIn,
            "like" => Op::Like,
            "not like" => Op::NotLike,
            "ilike" => Op::ILike,
            "not ilike" => Op::NotILike,
            _ => return None,
        })
    }
}

/// The fields a domain may name.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fields<'a> {
    /// Every field of the model.
    pub all: &'a [&'a str],
    /// Those that are datetimes.
    pub datetimes: &'a [&'a str],
}

/// Parses `value` (null is the empty domain); every field must be in `fields`.
pub(super) fn parse(value: &Value, fields: Fields<'_>) -> Result<Domain, String> {
    match value {
        Value::Null => Ok(Domain::And(Vec::new())),
        Value::Array(items) => parse_list(items, fields),
        other => Err(format!("A domain must be a list, got {other}")),
    }
}

/// Parses a list of clauses / sub-domains with an optional leading `"AND"`/`"OR"`.
fn parse_list(items: &[Value], fields: Fields<'_>) -> Result<Domain, String> {
    let (or, rest) = match items.first().and_then(Value::as_str) {
        Some("AND") => (false, &items[1..]),
        Some("OR") => (true, &items[1..]),
        _ => (false, items),
    };
    let mut parts = Vec::with_capacity(rest.len());
    for item in rest {
        let Some(list) = item.as_array() else {
            return Err(format!("Invalid domain element {item}"));
        };
        parts.push(if is_clause(list) {
            parse_clause(list, fields)?
        } else {
            parse_list(list, fields)?
        });
    }
    Ok(if or {
        Domain::Or(parts)
    } else {
        Domain::And(parts)
    })
}

/// Whether `list` is a `[field, operator, value]` clause rather than a sub-domain.
fn is_clause(list: &[Value]) -> bool {
    matches!(list, [Value::String(first), _, _] if first != "AND" && first != "OR")
}

/// Parses one clause.
fn parse_clause(list: &[Value], fields: Fields<'_>) -> Result<Domain, String> {
    let [field, op_text, value] = list else {
        return Err(format!(
            "Invalid domain clause {}",
            Value::from(list.to_vec())
        ));
    };
    let field = field.as_str().unwrap_or_default();
    if !fields.all.contains(&field) {
        return Err(format!("Unknown field '{field}' in domain"));
    }
    let op = op_text
        .as_str()
        .and_then(Op::parse)
        .ok_or_else(|| format!("Unknown domain operator {op_text}"))?;
    let is_datetime = fields.datetimes.contains(&field);
    let value = match op {
        Op::In | Op::NotIn if !value.is_array() => {
            return Err(format!("The value of '{field}' {op_text} must be a list"));
        }
        Op::Like | Op::NotLike | Op::ILike | Op::NotILike if is_datetime => {
            return Err(format!("'{field}' is a datetime: {op_text} does not apply"));
        }
        Op::Like | Op::NotLike | Op::ILike | Op::NotILike if !value.is_string() => {
            return Err(format!("The value of '{field}' {op_text} must be a string"));
        }
        Op::In | Op::NotIn if is_datetime => Value::Array(
            value
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|v| datetime_value(field, v))
                .collect::<Result<_, _>>()?,
        ),
        _ if is_datetime => datetime_value(field, value)?,
        _ => value.clone(),
    };
    Ok(Domain::Clause {
        field: field.to_string(),
        op,
        value,
    })
}

/// A datetime field's domain value in canonical tagged form (null stays null).
fn datetime_value(field: &str, value: &Value) -> Result<Value, String> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    tagged::parse_datetime(value)
        .map(tagged::naive_datetime)
        .ok_or_else(|| {
            format!(
                "The value of '{field}' must be a datetime \
                 ({{\"__class__\":\"datetime\",...}} or 'YYYY-MM-DD HH:MM:SS'), got {value}"
            )
        })
}

/// Whether `record` satisfies `domain`.
pub(super) fn matches(domain: &Domain, record: &Map<String, Value>) -> bool {
    match domain {
        Domain::And(parts) => parts.iter().all(|d| matches(d, record)),
        Domain::Or(parts) => parts.iter().any(|d| matches(d, record)),
        Domain::Clause { field, op, value } => {
            let actual = record.get(field).unwrap_or(&Value::Null);
            let list = || value.as_array().map(Vec::as_slice).unwrap_or_default();
            let pattern = || value.as_str().unwrap_or_default();
            match op {
                Op::Eq => equal(actual, value),
                Op::Ne => !equal(actual, value),
                Op::Lt => compare(actual, value) == Some(Ordering::Less),
                Op::Le => matches!(
                    compare(actual, value),
                    Some(Ordering::Less | Ordering::Equal)
                ),
                Op::Gt => compare(actual, value) == Some(Ordering::Greater),
                Op::Ge => matches!(
                    compare(actual, value),
                    Some(Ordering::Greater | Ordering::Equal)
                ),
                Op::In => list().iter().any(|v| equal(actual, v)),
                Op::NotIn => !list().iter().any(|v| equal(actual, v)),
                Op::Like => like(actual, pattern(), false),
                Op::NotLike => !like(actual, pattern(), false),
                Op::ILike => like(actual, pattern(), true),
                Op::NotILike => !like(actual, pattern(), true),
            }
        }
    }
}

/// Equality with numbers compared by value (`1` equals `1.0`) and tagged datetimes by instant.
fn equal(a: &Value, b: &Value) -> bool {
    if tagged::is_datetime(a) && tagged::is_datetime(b) {
        return compare(a, b) == Some(Ordering::Equal);
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Orders two values of the same kind (numbers, strings, booleans, tagged datetimes); `None`
/// otherwise.
pub(super) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    if tagged::is_datetime(a) && tagged::is_datetime(b) {
        return Some(tagged::parse_datetime(a)?.cmp(&tagged::parse_datetime(b)?));
    }
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// SQL `LIKE` on a string value (`%` any run, `_` one character).
fn like(value: &Value, pattern: &str, case_insensitive: bool) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let fold = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    wildcard(&fold(text), &fold(pattern))
}

/// Iterative wildcard match with backtracking on the last `%`.
fn wildcard(text: &[char], pattern: &[char]) -> bool {
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || (pattern[p] != '%' && pattern[p] == text[t]))
        {
            t += 1;
            p += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '%')
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;

    const FIELDS: Fields<'static> = Fields {
        all: &["id", "code", "upc", "quantity_available", "write_date"],
        datetimes: &["write_date"],
    };

    fn record() -> Map<String, Value> {
        json!({"id": 7, "code": "JL-MUG-001", "upc": null, "quantity_available": 4.0,
               "write_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                              "hour": 14, "minute": 3, "second": 7, "microsecond": 0,
                              "iso_string": "2026-11-26T14:03:07"}})
        .as_object()
        .cloned()
        .unwrap()
    }

    fn holds(domain: Value) -> bool {
        matches(&parse(&domain, FIELDS).unwrap(), &record())
    }

    #[test]
    fn clauses_and_operators() {
        assert!(holds(json!([])));
        assert!(holds(Value::Null));
        assert!(holds(json!([["code", "=", "JL-MUG-001"]])));
        assert!(!holds(json!([["code", "=", "jl-mug-001"]])));
        assert!(holds(json!([["code", "!=", "X"], ["id", ">=", 7]])));
        assert!(!holds(json!([["code", "!=", "X"], ["id", ">", 7]])));
        assert!(holds(json!([["quantity_available", "<", 5]])));
        assert!(holds(json!([["quantity_available", "=", 4]])));
        assert!(holds(json!([["id", "in", [1, 7]]])));
        assert!(holds(json!([["id", "not in", [1, 2]]])));
        assert!(holds(json!([["upc", "=", null]])));
        assert!(holds(json!([["code", "ilike", "jl-mug%"]])));
        assert!(holds(json!([["code", "ilike", "%MUG%"]])));
        assert!(holds(json!([["code", "like", "JL-MUG-00_"]])));
        assert!(!holds(json!([["code", "like", "jl%"]])));
        assert!(holds(json!([["code", "not ilike", "%lamp%"]])));
        assert!(!holds(json!([["upc", "ilike", "%"]])));
    }

    #[test]
    fn and_or_and_nesting() {
        assert!(holds(json!(["OR", ["id", "=", 1], ["id", "=", 7]])));
        assert!(!holds(json!(["AND", ["id", "=", 1], ["id", "=", 7]])));
        assert!(holds(json!([
            ["code", "ilike", "jl%"],
            ["OR", ["id", "=", 1], ["id", "=", 7]]
        ])));
    }

    #[test]
    fn bad_domains_are_errors() {
        for domain in [
            json!([["name", "=", "x"]]),
            json!([["code", "~", "x"]]),
            json!([["id", "in", 7]]),
            json!([["code", "ilike", 7]]),
            json!(["code", "=", "x"]),
            json!("code"),
            json!([["write_date", ">=", "2026-11-26T14:03:07Z"]]),
            json!([["write_date", ">=", 1_764_165_787]]),
            json!([["write_date", "ilike", "2026%"]]),
            json!([["write_date", "in", ["yesterday"]]]),
        ] {
            assert!(parse(&domain, FIELDS).is_err(), "{domain}");
        }
    }

    #[test]
    fn datetimes_compare_as_instants() {
        let at = |iso: &str| json!({"__class__": "datetime", "iso_string": iso});
        assert!(holds(json!([[
            "write_date",
            ">=",
            at("2026-11-26T14:03:07.000000")
        ]])));
        assert!(holds(json!([[
            "write_date",
            "=",
            at("2026-11-26T14:03:07.000000")
        ]])));
        assert!(!holds(json!([[
            "write_date",
            ">",
            at("2026-11-26T14:03:07")
        ]])));
        assert!(holds(json!([[
            "write_date",
            "<",
            at("2026-11-26T14:03:07.000001")
        ]])));
        assert!(!holds(json!([[
            "write_date",
            ">=",
            at("2026-11-26T14:03:08")
        ]])));
        assert!(holds(json!([["write_date", ">=", "2026-11-26 09:00:00"]])));
        assert!(holds(json!([[
            "write_date",
            "in",
            [at("2026-11-26T14:03:07")]
        ]])));
        assert!(holds(json!([["write_date", "!=", null]])));
    }

    #[test]
    fn wildcards() {
        let w = |t: &str, p: &str| {
            wildcard(
                &t.chars().collect::<Vec<_>>(),
                &p.chars().collect::<Vec<_>>(),
            )
        };
        assert!(w("", ""));
        assert!(w("", "%"));
        assert!(!w("a", ""));
        assert!(w("abcabc", "%bc"));
        assert!(w("abcabd", "a%b_"));
        assert!(!w("abc", "a%d"));
        assert!(w("a%c", "a%"));
    }
}
