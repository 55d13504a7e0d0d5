//! Fulfil datetimes: reading them (tagged or plain) as RFC 3339 in UTC, and writing a `since`
//! bound as the tagged datetime a domain takes.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::fulfil::wire;
use crate::http::ApiError;

/// A Fulfil datetime as RFC 3339 in UTC (`2026-11-26T14:03:07Z`, with a fraction only when
/// there is one). Accepts a tagged `{"__class__":"datetime","iso_string":…}` (or, without
/// `iso_string`, its `year` … `microsecond` parts) and plain strings: RFC 3339 with any
/// offset, or naive `YYYY-MM-DD[ T]HH:MM:SS[.ffffff]`, which Fulfil means as UTC. `None` for
/// anything else (`false`, `null`, dates without a time).
pub(crate) fn datetime_utc(value: &Value) -> Option<String> {
    let utc = match value {
        Value::String(s) => parse_datetime(s)?,
        Value::Object(object) => {
            if object.get("__class__").and_then(Value::as_str) != Some("datetime") {
                return None;
            }
            match object.get("iso_string").and_then(Value::as_str) {
                Some(iso) => parse_datetime(iso)?,
                None => from_parts(value)?,
            }
        }
        _ => return None,
    };
    Some(utc.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// An RFC 3339 date-time, or a naive one taken as UTC.
fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // RFC 3339 allows a space separator too; chrono's parser wants the `T`.
    if let Ok(t) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// A datetime from the parts of a tagged datetime (`year`, `month`, `day`, `hour`, `minute`,
/// `second`, `microsecond`; missing time parts are 0), as UTC.
fn from_parts(value: &Value) -> Option<DateTime<Utc>> {
    let part = |key: &str| value.get(key).and_then(wire::int);
    let part_or_zero = |key: &str| match value.get(key) {
        None | Some(Value::Null) => Some(0),
        Some(v) => wire::int(v),
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(part("year")?).ok()?,
        u32::try_from(part("month")?).ok()?,
        u32::try_from(part("day")?).ok()?,
    )?;
    let time = date.and_hms_micro_opt(
        u32::try_from(part_or_zero("hour")?).ok()?,
        u32::try_from(part_or_zero("minute")?).ok()?,
        u32::try_from(part_or_zero("second")?).ok()?,
        u32::try_from(part_or_zero("microsecond")?).ok()?,
    )?;
    Some(time.and_utc())
}

/// `since` as a tagged datetime for a domain (UTC, as Fulfil stores datetimes), or a local
/// refusal when it is not a date-time.
pub(super) fn tagged_since(since: &str) -> Result<Value, ApiError> {
    let Some(t) = parse_datetime(since) else {
        return Err(ApiError::Rejected {
            status: 0,
            code: Some("INVALID_REQUEST".into()),
            message: format!(
                "not sent: `{since}` is not a date-time (expected RFC 3339, e.g. 2026-11-26T14:03:07Z)"
            ),
        });
    };
    Ok(tagged_datetime(t))
}

/// `t` as Fulfil's tagged datetime, e.g. `{"__class__":"datetime","year":2026,…,
/// "iso_string":"2026-11-26T14:03:07.000001"}` (naive UTC).
fn tagged_datetime(t: DateTime<Utc>) -> Value {
    use chrono::{Datelike as _, Timelike as _};
    let naive = t.naive_utc();
    json!({
        "__class__": "datetime",
        "year": naive.year(),
        "month": naive.month(),
        "day": naive.day(),
        "hour": naive.hour(),
        "minute": naive.minute(),
        "second": naive.second(),
        "microsecond": naive.nanosecond().min(999_999_999) / 1_000,
        "iso_string": naive.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    })
}
