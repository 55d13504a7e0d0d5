//! Exact money: integer minor units inside, decimal strings on the Fulfil wire.
//!
//! Mirakl sends amounts as JSON numbers (`3.95`). They are read through the shortest decimal
//! representation of the parsed number, which round-trips exactly for any amount with up to
//! 15 significant digits, and rejected when they carry more decimals than the currency has.

use crate::error::PlanError;

/// An exact decimal: `mantissa × 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// Digits as an integer.
    pub mantissa: i128,
    /// Number of digits after the decimal point.
    pub scale: u32,
}

impl Decimal {
    /// Parses a plain decimal string such as `-12.50`, `20` or `0.175` (no exponent).
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        if int_part.len() + frac_part.len() > 30 {
            return None;
        }
        let mut mantissa: i128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        let scale = u32::try_from(frac_part.len()).ok()?;
        Some(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }

    /// Reads a JSON number exactly (see the module note). Integers stay integers.
    pub fn from_json_number(number: &serde_json::Number) -> Option<Decimal> {
        if let Some(i) = number.as_i64() {
            return Some(Decimal {
                mantissa: i128::from(i),
                scale: 0,
            });
        }
        let f = number.as_f64()?;
        if !f.is_finite() {
            return None;
        }
        // `Display` for f64 prints the shortest string that parses back to the same value,
        // never in exponent form.
        Decimal::parse(&format!("{f}")).map(Decimal::normalized)
    }

    /// Drops trailing zero decimals (`24.50` → `24.5`).
    pub fn normalized(self) -> Decimal {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// The same value with exactly `scale` decimals, if that loses nothing.
    pub fn rescaled(self, scale: u32) -> Option<Decimal> {
        if scale >= self.scale {
            let factor = 10i128.checked_pow(scale - self.scale)?;
            Some(Decimal {
                mantissa: self.mantissa.checked_mul(factor)?,
                scale,
            })
        } else {
            let factor = 10i128.checked_pow(self.scale - scale)?;
            (self.mantissa % factor == 0).then_some(Decimal {
                mantissa: self.mantissa / factor,
                scale,
            })
        }
    }

    /// Formats with at least `min_scale` decimals: `Decimal{2000,2}` → `"20.00"`.
    pub fn to_string_min_scale(self, min_scale: u32) -> String {
        let d = self.rescaled(self.scale.max(min_scale)).unwrap_or(self);
        let negative = d.mantissa < 0;
        let digits = d.mantissa.unsigned_abs().to_string();
        let scale = d.scale as usize;
        let (int_part, frac_part) = if scale == 0 {
            (digits, String::new())
        } else if digits.len() > scale {
            let (i, f) = digits.split_at(digits.len() - scale);
            (i.to_string(), f.to_string())
        } else {
            ("0".to_string(), format!("{digits:0>scale$}"))
        };
        let sign = if negative { "-" } else { "" };
        if frac_part.is_empty() {
            format!("{sign}{int_part}")
        } else {
            format!("{sign}{int_part}.{frac_part}")
        }
    }
}

/// Decimal places of a currency's minor unit (ISO 4217); 2 unless listed.
pub fn currency_exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "HUF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// Reads a Mirakl amount (a JSON number in currency units) as minor units. `field` names
/// the field in errors.
pub fn minor_units(value: f64, exponent: u32, field: &str) -> Result<i64, PlanError> {
    minor_units_of(value, exponent, || field.to_string())
}

/// [`minor_units`] naming the field only when there is an error to report.
pub fn minor_units_of(
    value: f64,
    exponent: u32,
    field: impl FnOnce() -> String,
) -> Result<i64, PlanError> {
    // Fast path: `m / 10^e` computed in f64 is the double nearest to that decimal, so if it
    // equals `value`, `value` was read from exactly that decimal (|m| < 2^53).
    let scale = 10f64.powi(exponent as i32);
    let scaled = (value * scale).round();
    if scaled.is_finite() && scaled.abs() < 1e15 && scaled / scale == value {
        return Ok(scaled as i64);
    }
    let field = field();
    let number = serde_json::Number::from_f64(value)
        .ok_or_else(|| PlanError::invalid(format!("{field} is not a finite number")))?;
    let decimal = Decimal::from_json_number(&number)
        .ok_or_else(|| PlanError::invalid(format!("{field} ({value}) is not a usable amount")))?;
    let exact = decimal.rescaled(exponent).ok_or_else(|| {
        PlanError::invalid(format!(
            "{field} ({value}) has more than {exponent} decimal places"
        ))
    })?;
    i64::try_from(exact.mantissa)
        .ok()
        .filter(|m| m.unsigned_abs() < 1_000_000_000_000_000)
        .ok_or_else(|| PlanError::invalid(format!("{field} ({value}) is out of range")))
}

/// Formats minor units as a decimal string for the Fulfil wire: `1250` → `"12.50"`.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    Decimal {
        mantissa: i128::from(minor),
        scale: exponent,
    }
    .to_string_min_scale(exponent)
}

/// Divides `numerator / denominator` and rounds half to even (banker's rounding).
pub fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let remainder = numerator.rem_euclid(denominator);
    let twice = remainder * 2;
    if twice > denominator || (twice == denominator && quotient % 2 != 0) {
        quotient + 1
    } else {
        quotient
    }
}

/// The unit price (with as few decimals as possible, at least the currency's and at most
/// `max_digits`) such that `quantity × unit price`, rounded to the currency either half-up or
/// half-even, is exactly `line_minor`. `None` when no such price exists within `max_digits`.
pub fn unit_price_for(
    line_minor: i64,
    quantity: i64,
    exponent: u32,
    max_digits: u32,
) -> Option<Decimal> {
    if quantity <= 0 {
        return None;
    }
    for digits in exponent..=max_digits.max(exponent) {
        let shift = 10i128.checked_pow(digits - exponent)?;
        let target = i128::from(line_minor).checked_mul(shift)?;
        let unit = div_round_half_even(target, i128::from(quantity));
        let product = unit.checked_mul(i128::from(quantity))?;
        // Strictly less than half a minor unit away: both rounding modes agree.
        if (product - target).abs() * 2 < shift {
            return Some(Decimal {
                mantissa: unit,
                scale: digits,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_amounts_exactly() {
        assert_eq!(minor_units(3.95, 2, "x").ok(), Some(395));
        assert_eq!(minor_units(24.0, 2, "x").ok(), Some(2400));
        assert_eq!(
            minor_units(0.1 + 0.2, 2, "x").ok(),
            None,
            "0.30000000000000004 is not money"
        );
        assert_eq!(minor_units(1.005, 2, "x").ok(), None);
        assert_eq!(minor_units(-9.99, 2, "x").ok(), Some(-999));
        assert_eq!(minor_units(1e300, 2, "x").ok(), None);
    }

    #[test]
    fn formats_minor_units_as_decimal_strings() {
        assert_eq!(format_minor(1250, 2), "12.50");
        assert_eq!(format_minor(5, 2), "0.05");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(0, 2), "0.00");
        assert_eq!(format_minor(7, 0), "7");
    }

    #[test]
    fn parses_and_rescales_decimals() {
        let d = Decimal::parse("20").and_then(|d| d.rescaled(2));
        assert_eq!(d.map(|d| d.to_string_min_scale(2)), Some("20.00".into()));
        assert_eq!(Decimal::parse("1e5"), None);
        assert_eq!(Decimal::parse("."), None);
        assert_eq!(
            Decimal::parse("0.175").map(|d| d.to_string_min_scale(2)),
            Some("0.175".into())
        );
    }

    #[test]
    fn unit_price_adds_up_for_awkward_vat() {
        // 3 × £9.99 with £5.00 VAT included: net £24.97.
        let unit = unit_price_for(2497, 3, 2, 4).map(|d| d.to_string_min_scale(2));
        assert_eq!(unit.as_deref(), Some("8.323"));
        assert_eq!(
            unit_price_for(2400, 2, 2, 4)
                .map(|d| d.to_string_min_scale(2))
                .as_deref(),
            Some("12.00")
        );
        // 1000 units whose net cannot be split within four decimals.
        assert_eq!(unit_price_for(100_001, 1000, 2, 4), None);
        assert_eq!(
            unit_price_for(100_001, 1000, 2, 6)
                .map(|d| d.to_string_min_scale(2))
                .as_deref(),
            Some("1.00001")
        );
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(div_round_half_even(25, 10), 2);
        assert_eq!(div_round_half_even(35, 10), 4);
        assert_eq!(div_round_half_even(-25, 10), -2);
        assert_eq!(div_round_half_even(26, 10), 3);
    }
}
