//! Fulfil's tagged JSON values for datetimes and decimals, as records carry them and domains
//! compare them.
//!
//! A datetime is `{"__class__":"datetime","year",…,"microsecond","iso_string"}`, naive UTC,
//! `iso_string` in Python's `isoformat()` form (`2026-11-26T14:03:07`, microseconds only when
//! there are some). A decimal is `{"__class__":"Decimal","decimal":"12.50"}`.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveDateTime, Timelike as _, Utc};
use serde_json::{Value, json};

use crate::sandbox::decimal::Decimal;

/// `t` as Fulfil's tagged datetime (naive UTC).
pub(super) fn datetime(t: DateTime<Utc>) -> Value {
    naive_datetime(t.naive_utc())
}

/// A naive (UTC) datetime as Fulfil's tagged datetime.
pub(super) fn naive_datetime(t: NaiveDateTime) -> Value {
    let microsecond = t.nanosecond().min(999_999_999) / 1_000;
    let iso = if microsecond == 0 {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    };
    json!({
        "__class__": "datetime",
        "year": t.year(),
        "month": t.month(),
        "day": t.day(),
        "hour": t.hour(),
        "minute": t.minute(),
        "second": t.second(),
        "microsecond": microsecond,
        "iso_string": iso,
    })
}

/// The naive UTC datetime of a tagged datetime (its `iso_string`, else its `year` …
/// `microsecond` parts) or of a string `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]` (what Tryton accepts
/// for a datetime field). `None` for anything else, offsets included.
pub(super) fn parse_datetime(value: &Value) -> Option<NaiveDateTime> {
    match value {
        Value::String(text) => parse_naive(text),
        Value::Object(map) => {
            if map.get("__class__").and_then(Value::as_str) != Some("datetime") {
                return None;
            }
            if let Some(iso) = map.get("iso_string").and_then(Value::as_str) {
                return parse_naive(iso);
            }
            let part = |key: &str| -> Option<u32> {
                match map.get(key) {
                    None | Some(Value::Null) if !["year", "month", "day"].contains(&key) => Some(0),
                    Some(v) => v.as_u64().and_then(|n| u32::try_from(n).ok()),
                    None => None,
                }
            };
            NaiveDate::from_ymd_opt(
                i32::try_from(part("year")?).ok()?,
                part("month")?,
                part("day")?,
            )?
            .and_hms_micro_opt(
                part("hour")?,
                part("minute")?,
                part("second")?,
                part("microsecond")?,
            )
        }
        _ => None,
    }
}

/// Whether `value` is a tagged datetime object.
pub(super) fn is_datetime(value: &Value) -> bool {
    value.get("__class__").and_then(Value::as_str) == Some("datetime")
}

/// A naive `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]`.
fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
}

/// `d` as Fulfil's tagged date: `{"__class__":"date","year","month","day","iso_string"}`.
pub(super) fn date(d: NaiveDate) -> Value {
    json!({
        "__class__": "date",
        "year": d.year(),
        "month": d.month(),
        "day": d.day(),
        "iso_string": d.format("%Y-%m-%d").to_string(),
    })
}

/// `value` as Fulfil's tagged Decimal with at least `min_scale` decimals.
pub(super) fn decimal(value: Decimal, min_scale: u32) -> Value {
    json!({"__class__": "Decimal", "decimal": value.to_string_min_scale(min_scale)})
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn datetimes_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 14, 3, 7).unwrap();
        let tagged = datetime(t);
        assert_eq!(tagged["iso_string"], "2026-11-26T14:03:07");
        assert_eq!(
            (&tagged["hour"], &tagged["microsecond"]),
            (&json!(14), &json!(0))
        );
        assert_eq!(parse_datetime(&tagged), Some(t.naive_utc()));
        let precise = t + chrono::Duration::microseconds(120_000);
        assert_eq!(
            datetime(precise)["iso_string"],
            "2026-11-26T14:03:07.120000"
        );
        let parts = json!({"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                           "hour": 14, "minute": 3, "second": 7});
        assert_eq!(parse_datetime(&parts), Some(t.naive_utc()));
        assert_eq!(
            parse_datetime(&json!("2026-11-26 14:03:07")),
            Some(t.naive_utc())
        );
        for bad in [
            json!("2026-11-26T14:03:07Z"),
            json!("2026-11-26"),
            json!({"__class__": "date", "iso_string": "2026-11-26"}),
            json!({"__class__": "datetime", "year": 2026, "month": 13, "day": 1}),
            json!(1_764_165_787),
        ] {
            assert_eq!(parse_datetime(&bad), None, "{bad}");
        }
    }
}
