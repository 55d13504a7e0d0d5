//! A small exact decimal (integer mantissa + scale) for validating money the way Fulfil
//! (Tryton, Python `Decimal`) does: no binary floating point anywhere.

use std::fmt;

/// Most digits accepted when parsing (keeps every operation inside `i128` for realistic input).
const MAX_DIGITS: usize = 30;

/// An exact decimal number `mantissa × 10^-scale`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// Parses plain decimal notation: optional sign, digits, optional `.` and digits
    /// (`"12.50"`, `"-3"`, `"0.5"`, `".5"`). No exponent, no spaces.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = match body.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (body, ""),
        };
        let digits = whole.len() + fraction.len();
        if digits == 0
            || digits > MAX_DIGITS
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut mantissa: i128 = 0;
        for byte in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(byte - b'0'))?;
        }
        Some(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale: u32::try_from(fraction.len()).ok()?,
        })
    }

    /// An integer as a decimal.
    pub fn from_int(value: i128) -> Decimal {
        Decimal {
            mantissa: value,
            scale: 0,
        }
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let a = self.rescaled(scale)?;
        let b = other.rescaled(scale)?;
        Some(Decimal {
            mantissa: a.checked_add(b)?,
            scale,
        })
    }

    /// `self × other`, or `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        Some(Decimal {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            scale: self.scale.checked_add(other.scale)?,
        })
    }

    /// Rounded to `scale` places, ties to even (Python's `ROUND_HALF_EVEN`, Tryton's default).
    pub fn round_half_even(self, scale: u32) -> Decimal {
        if self.scale <= scale {
            return self;
        }
        let Some(divisor) = 10i128.checked_pow(self.scale - scale) else {
            return Decimal::ZERO;
        };
        let magnitude = self.mantissa.unsigned_abs();
        let divisor = divisor.unsigned_abs();
        let (quotient, remainder) = (magnitude / divisor, magnitude % divisor);
        let half = divisor / 2;
        let rounded = if remainder > half || (remainder == half && quotient % 2 == 1) {
            quotient + 1
        } else {
            quotient
        };
        // `rounded` <= |mantissa| / 10 + 1, so it fits back into i128.
        let rounded = i128::try_from(rounded).unwrap_or(i128::MAX);
        Decimal {
            mantissa: if self.mantissa < 0 { -rounded } else { rounded },
            scale,
        }
    }

    /// Parses a JSON number's text exactly: [`Decimal::parse`]'s notation plus an optional
    /// exponent (`1.5e2`, `25E-1`), as JSON allows.
    pub fn parse_json_number(text: &str) -> Option<Decimal> {
        let Some((base, exponent)) = text.split_once(['e', 'E']) else {
            return Decimal::parse(text);
        };
        let base = Decimal::parse(base)?;
        let exponent: i32 = exponent.parse().ok()?;
        if exponent >= 0 {
            let factor = 10i128.checked_pow(u32::try_from(exponent).ok()?)?;
            base.checked_mul(Decimal::from_int(factor))
        } else {
            let scale = base.scale.checked_add(exponent.unsigned_abs())?;
            (scale <= 60).then_some(Decimal {
                mantissa: base.mantissa,
                scale,
            })
        }
    }

    /// `self - other`, or `None` on overflow.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.checked_add(Decimal {
            mantissa: other.mantissa.checked_neg()?,
            scale: other.scale,
        })
    }

    /// `self × numerator / denominator` rounded half-even to `scale` places (`None` when the
    /// denominator is not positive or on overflow).
    pub fn ratio(self, numerator: i128, denominator: i128, scale: u32) -> Option<Decimal> {
        if denominator <= 0 {
            return None;
        }
        // self = m / 10^s, so the result × 10^scale = m × numerator × 10^scale / (den × 10^s).
        let top = self
            .mantissa
            .checked_mul(numerator)?
            .checked_mul(10i128.checked_pow(scale)?)?;
        let bottom = denominator.checked_mul(10i128.checked_pow(self.scale)?)?;
        let (quotient, remainder) = (top.abs() / bottom, top.abs() % bottom);
        let twice = remainder.checked_mul(2)?;
        let rounded = if twice > bottom || (twice == bottom && quotient % 2 == 1) {
            quotient + 1
        } else {
            quotient
        };
        Some(Decimal {
            mantissa: if top < 0 { -rounded } else { rounded },
            scale,
        })
    }

    /// Whether the value is less than zero.
    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// Trailing zeros removed (`12.50` -> `12.5`), so equal values have equal parts.
    fn normalized(self) -> Decimal {
        let mut value = self;
        while value.scale > 0 && value.mantissa % 10 == 0 {
            value.mantissa /= 10;
            value.scale -= 1;
        }
        value
    }

    /// The mantissa at a larger `scale`.
    fn rescaled(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    /// Formatted with at least `min_scale` fraction digits (`84.5` -> `"84.50"`), never losing
    /// digits.
    pub fn to_string_min_scale(self, min_scale: u32) -> String {
        let value = self.normalized();
        match value.rescaled(min_scale.max(value.scale)) {
            Some(mantissa) => Decimal {
                mantissa,
                scale: min_scale.max(value.scale),
            }
            .to_string(),
            None => value.to_string(),
        }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        let (a, b) = (self.normalized(), other.normalized());
        a.mantissa == b.mantissa && a.scale == b.scale
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    /// Compares by value; values too large to bring to a common scale compare by sign, then
    /// by their integer parts.
    fn cmp(&self, other: &Decimal) -> std::cmp::Ordering {
        let (a, b) = (self.normalized(), other.normalized());
        let scale = a.scale.max(b.scale);
        match (a.rescaled(scale), b.rescaled(scale)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => {
                let whole = |d: Decimal| d.mantissa / 10i128.pow(d.scale.min(38));
                whole(a).cmp(&whole(b))
            }
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn parses_plain_notation_only() {
        assert_eq!(d("12.50"), d("12.5"));
        assert_eq!(d("-3"), Decimal::from_int(-3));
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("+7.").to_string(), "7");
        for bad in [
            "", "-", ".", "1e3", "1.2.3", " 1", "1 ", "abc", "1,5", "NaN",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
        assert!(Decimal::parse(&"9".repeat(31)).is_none());
    }

    #[test]
    fn adds_and_multiplies_exactly() {
        let sum = d("0.1").checked_add(d("0.2")).unwrap();
        assert_eq!(sum, d("0.3"));
        assert_eq!(d("3").checked_mul(d("19.99")).unwrap(), d("59.97"));
        assert_eq!(d("-1.5").checked_add(d("1.5")).unwrap(), Decimal::ZERO);
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(d("2.345").round_half_even(2), d("2.34"));
        assert_eq!(d("2.355").round_half_even(2), d("2.36"));
        assert_eq!(d("2.3451").round_half_even(2), d("2.35"));
        assert_eq!(d("-2.345").round_half_even(2), d("-2.34"));
        assert_eq!(d("-2.355").round_half_even(2), d("-2.36"));
        assert_eq!(d("0.005").round_half_even(2), d("0.00"));
        assert_eq!(d("0.015").round_half_even(2), d("0.02"));
        assert_eq!(d("1.2").round_half_even(2), d("1.2"));
    }

    #[test]
    fn json_numbers_compare_subtract_and_split() {
        assert_eq!(Decimal::parse_json_number("1.5e2").unwrap(), d("150"));
        assert_eq!(Decimal::parse_json_number("25E-1").unwrap(), d("2.5"));
        assert_eq!(Decimal::parse_json_number("-0.10").unwrap(), d("-0.1"));
        assert!(Decimal::parse_json_number("1e").is_none());
        assert!(d("10.00") > d("9.999"));
        assert!(d("-1") < Decimal::ZERO);
        assert_eq!(d("56.00").checked_sub(d("0.01")).unwrap(), d("55.99"));
        assert_eq!(d("9.33").ratio(1, 2, 2).unwrap(), d("4.66"));
        assert_eq!(d("9.35").ratio(1, 2, 2).unwrap(), d("4.68"));
        assert_eq!(d("10.00").ratio(1, 3, 2).unwrap(), d("3.33"));
        assert_eq!(d("-2.5").ratio(1, 2, 2).unwrap(), d("-1.25"));
        assert!(d("1").ratio(1, 0, 2).is_none());
        assert!(d("-0.01").is_negative());
    }

    #[test]
    fn formats_with_a_minimum_scale() {
        assert_eq!(d("84.5").to_string_min_scale(2), "84.50");
        assert_eq!(d("84.520").to_string_min_scale(2), "84.52");
        assert_eq!(d("0.125").to_string_min_scale(2), "0.125");
        assert_eq!(d("-0.05").to_string_min_scale(2), "-0.05");
        assert_eq!(Decimal::from_int(3).to_string_min_scale(2), "3.00");
    }
}
