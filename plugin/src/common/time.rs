//! RFC 3339 timestamps without a clock: the host passes `now`, the component only computes.

use crate::common::error::PlanError;

/// Seconds since the Unix epoch, UTC.
pub type UnixSeconds = i64;

/// Parses `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)` into Unix seconds (fraction dropped).
pub fn parse_rfc3339(text: &str) -> Option<UnixSeconds> {
    let b = text.trim().as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
    {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = std::str::from_utf8(b.get(range)?).ok()?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (hours, minutes) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let minutes = hours * 60 + minutes;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// Formats Unix seconds as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_rfc3339(seconds: UnixSeconds) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Parses a required timestamp argument or field, naming it in the error.
pub fn require(field: &str, text: &str) -> Result<UnixSeconds, PlanError> {
    parse_rfc3339(text).ok_or_else(|| {
        PlanError::invalid(format!("{field} ({text:?}) is not an RFC 3339 timestamp"))
    })
}

/// Days in `month` (1-12) of `year`, in the proleptic Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Describes how far `deadline` is from `now`.
pub(crate) fn remaining(deadline: UnixSeconds, now: UnixSeconds) -> String {
    let when = format_rfc3339(deadline);
    if now >= deadline {
        let late = (now - deadline) / 60;
        format!("{when}, passed {}h{:02} ago", late / 60, late % 60)
    } else {
        let left = (deadline - now) / 60;
        format!("{when}, {}h{:02} left", left / 60, left % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_mirakl_timestamps() {
        let t = parse_rfc3339("2026-01-13T23:59:59.999Z");
        assert_eq!(
            t.map(format_rfc3339).as_deref(),
            Some("2026-01-13T23:59:59Z")
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-27T10:00:00+01:00")
                .map(format_rfc3339)
                .as_deref(),
            Some("2026-11-27T09:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T12:00:00Z")
                .map(format_rfc3339)
                .as_deref(),
            Some("2024-02-29T12:00:00Z")
        );
    }

    #[test]
    fn every_day_from_1900_to_2100_round_trips_and_nothing_else_parses() {
        // Walk the calendar one day at a time, the slow way, next to the arithmetic.
        let mut days = days_from_civil(1900, 1, 1);
        for year in 1900..=2100_i64 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            for month in 1..=12_i64 {
                let length = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=length {
                    assert_eq!(civil_from_days(days), (year, month, day));
                    let text = format!("{year:04}-{month:02}-{day:02}T13:45:07Z");
                    let seconds = days * 86_400 + 13 * 3_600 + 45 * 60 + 7;
                    assert_eq!(parse_rfc3339(&text), Some(seconds), "{text}");
                    assert_eq!(format_rfc3339(seconds), text);
                    days += 1;
                }
                // The day after the month's last is no date.
                let text = format!("{year:04}-{month:02}-{:02}T00:00:00Z", length + 1);
                assert_eq!(parse_rfc3339(&text), None, "{text}");
            }
        }
        // Offsets move the instant, within a day either way.
        let utc = parse_rfc3339("2024-02-29T23:30:00Z");
        assert_eq!(parse_rfc3339("2024-03-01T01:00:00+01:30"), utc);
        assert_eq!(parse_rfc3339("2024-02-29T00:30:00-23:00"), utc);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+01:60",
            "2026-13-01T00:00:00Z",
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "２026-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
