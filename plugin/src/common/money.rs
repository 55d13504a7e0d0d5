//! Hand-written Decimal: only parse, rescale, half-even division and Fulfil unit prices are needed, with 64-bit fast paths (128-bit arithmetic is a slow library call in wasm).
//!
//! Exact money: integer minor units inside, decimal strings on the Fulfil wire.
//!
//! Mirakl sends amounts as JSON numbers (`3.95`). Order documents are read exactly from their
//! text (see [`crate::common::json_reader`]); amounts with more decimals than the currency has are
//! rejected, never rounded.

use serde::Serialize;

use crate::common::error::PlanError;

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
        if let Ok(mut mantissa) = i64::try_from(d.mantissa) {
            while d.scale > 0 && mantissa % 10 == 0 {
                mantissa /= 10;
                d.scale -= 1;
            }
            d.mantissa = i128::from(mantissa);
            return d;
        }
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// The same value with exactly `scale` decimals, if that loses nothing.
    pub fn rescaled(self, scale: u32) -> Option<Decimal> {
        // Amounts fit in 64 bits; 128-bit arithmetic is a slow library call in wasm.
        let shift = scale.abs_diff(self.scale);
        if let (Ok(mantissa), Some(factor)) =
            (i64::try_from(self.mantissa), 10i64.checked_pow(shift))
        {
            let mantissa = if scale >= self.scale {
                mantissa.checked_mul(factor)
            } else {
                (mantissa % factor == 0).then_some(mantissa / factor)
            };
            if let Some(mantissa) = mantissa {
                return Some(Decimal {
                    mantissa: i128::from(mantissa),
                    scale,
                });
            }
            if scale < self.scale {
                return None;
            }
        }
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

    /// The same value with at least `min_scale` decimals (`20` → `20.00`).
    pub fn with_min_scale(self, min_scale: u32) -> Decimal {
        self.rescaled(self.scale.max(min_scale)).unwrap_or(self)
    }

    /// An amount in minor units of a currency with `exponent` decimals (`1250, 2` → 12.50).
    pub fn of_minor(minor: i64, exponent: u32) -> Decimal {
        Decimal {
            mantissa: i128::from(minor),
            scale: exponent,
        }
    }
}

impl std::fmt::Display for Decimal {
    /// Plain notation with exactly `scale` decimals: `Decimal{-5,2}` → `-0.05`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// A decimal written out in plain notation, on the stack (no allocation, no formatter).
pub struct DecimalText {
    buf: [u8; 48],
    start: usize,
}

impl DecimalText {
    /// The text, e.g. `-0.05`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }
}

impl Decimal {
    /// The value in plain notation with exactly `scale` decimals (at most 40).
    pub fn text(self) -> DecimalText {
        // The magnitude's digits, least significant last.
        let mut digits = [b'0'; 40];
        let mut first = digits.len();
        let magnitude = self.mantissa.unsigned_abs();
        match u64::try_from(magnitude) {
            Ok(mut n) => {
                while n > 0 {
                    first -= 1;
                    digits[first] = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            }
            Err(_) => {
                let mut n = magnitude;
                while n > 0 {
                    first -= 1;
                    digits[first] = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            }
        }
        // At least one integer digit; zeros pad the fraction on the left.
        let scale = (self.scale as usize).min(digits.len() - 1);
        let first = first.min(digits.len() - scale - 1);
        let (int_part, frac_part) = digits[first..].split_at(digits.len() - first - scale);
        // Written right to left: fraction, point, integer part, sign.
        let mut buf = [0u8; 48];
        let mut start = buf.len();
        let mut prepend = |bytes: &[u8]| {
            start -= bytes.len();
            buf[start..start + bytes.len()].copy_from_slice(bytes);
        };
        if !frac_part.is_empty() {
            prepend(frac_part);
            prepend(b".");
        }
        prepend(int_part);
        if self.mantissa < 0 {
            prepend(b"-");
        }
        DecimalText { buf, start }
    }
}

/// Decimal places of a currency's minor unit, from the ISO 4217 table of the `iso_currency`
/// crate (`currency` is the upper-case alphabetic code). 2 for a code the table does not know
/// and for one ISO gives no minor unit (gold, the testing code).
pub fn currency_exponent(currency: &str) -> u32 {
    iso_currency::Currency::from_code(currency)
        .and_then(|c| c.exponent())
        .map_or(2, u32::from)
}

/// A Mirakl amount in minor units of a currency with `exponent` decimals. `field` names the
/// field, and is called only when there is an error to report.
pub fn minor_units(
    amount: Decimal,
    exponent: u32,
    field: impl FnOnce() -> String,
) -> Result<i64, PlanError> {
    let Some(exact) = amount.rescaled(exponent) else {
        return Err(PlanError::invalid(format!(
            "{} ({amount}) has more than {exponent} decimal places",
            field()
        )));
    };
    i64::try_from(exact.mantissa)
        .ok()
        .filter(|m| m.unsigned_abs() < 1_000_000_000_000_000)
        .ok_or_else(|| PlanError::invalid(format!("{} ({amount}) is out of range", field())))
}

/// Formats minor units as a decimal string: `1250` → `"12.50"`.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    Decimal::of_minor(minor, exponent).to_string()
}

/// Divides `numerator / denominator` and rounds half to even (banker's rounding).
pub fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    if let (Ok(n), Ok(d)) = (i64::try_from(numerator), i64::try_from(denominator))
        && n.checked_rem_euclid(d).is_some()
    {
        // The same steps in 64 bits: 128-bit division is a slow library call in wasm.
        let (quotient, remainder) = (n.div_euclid(d), n.rem_euclid(d));
        let round_up = match remainder.checked_mul(2) {
            Some(twice) => twice > d || (twice == d && quotient % 2 != 0),
            None => true,
        };
        return i128::from(quotient) + i128::from(round_up);
    }
    let quotient = numerator.div_euclid(denominator);
    let remainder = numerator.rem_euclid(denominator);
    let twice = remainder * 2;
    if twice > denominator || (twice == denominator && quotient % 2 != 0) {
        quotient + 1
    } else {
        quotient
    }
}

/// A Mirakl percentage (20.0) as Fulfil's fraction (0.20).
pub fn rate_fraction(percent: Decimal) -> Decimal {
    Decimal {
        mantissa: percent.mantissa,
        scale: percent.scale + 2,
    }
    .normalized()
    .with_min_scale(2)
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
        let extra = digits - exponent;
        // 64-bit arithmetic first: 128-bit multiplication is a slow library call in wasm.
        let found = match unit_within_half(line_minor, quantity, extra) {
            Some(found) => found,
            None => unit_within_half_wide(line_minor, quantity, extra)?,
        };
        if let Some(unit) = found {
            return Some(Decimal {
                mantissa: unit,
                scale: digits,
            });
        }
    }
    None
}

/// The unit price with `extra` digits beyond the currency's whose product with `quantity`
/// both roundings make the line (see [`rounds_to_line`]); the outer `None` when 64 bits are
/// not enough.
fn unit_within_half(line_minor: i64, quantity: i64, extra: u32) -> Option<Option<i128>> {
    let shift = 10i64.checked_pow(extra)?;
    let target = line_minor.checked_mul(shift)?;
    let nearest = i64::try_from(div_round_half_even(
        i128::from(target),
        i128::from(quantity),
    ))
    .ok()?;
    // The nearest price, or else the one just below (exactly half a minor unit short).
    for unit in [nearest, target.div_euclid(quantity)] {
        let twice_offset = unit
            .checked_mul(quantity)?
            .checked_sub(target)?
            .checked_mul(2)?;
        if rounds_to_line(i128::from(twice_offset), i128::from(shift), line_minor) {
            return Some(Some(i128::from(unit)));
        }
    }
    Some(None)
}

/// [`unit_within_half`] in 128 bits; `None` when even those overflow.
fn unit_within_half_wide(line_minor: i64, quantity: i64, extra: u32) -> Option<Option<i128>> {
    let shift = 10i128.checked_pow(extra)?;
    let target = i128::from(line_minor).checked_mul(shift)?;
    let nearest = div_round_half_even(target, i128::from(quantity));
    for unit in [nearest, target.div_euclid(i128::from(quantity))] {
        let twice_offset = unit
            .checked_mul(i128::from(quantity))?
            .checked_sub(target)?
            .checked_mul(2)?;
        if rounds_to_line(twice_offset, shift, line_minor) {
            return Some(Some(unit));
        }
    }
    Some(None)
}

/// Whether a product `twice_offset / 2` away from the line (in units of `1 / shift` minor
/// units) rounds to the line both half-up and half-even: when it is strictly less than half a
/// minor unit away, or exactly half below a positive even line (`9.975` → `9.98` either way).
fn rounds_to_line(twice_offset: i128, shift: i128, line_minor: i64) -> bool {
    twice_offset.abs() < shift || (twice_offset == -shift && line_minor > 0 && line_minor % 2 == 0)
}

/// Money in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Money {
    /// Minor units.
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_amounts_exactly() {
        let minor = |text: &str| {
            let amount = Decimal::parse(text).expect("decimal");
            minor_units(amount, 2, || "x".into()).ok()
        };
        assert_eq!(minor("3.95"), Some(395));
        assert_eq!(minor("24.0"), Some(2400));
        assert_eq!(minor("24.500"), Some(2450));
        assert_eq!(minor("0.30000000000000004"), None, "not money");
        assert_eq!(minor("1.005"), None);
        assert_eq!(minor("-9.99"), Some(-999));
        assert_eq!(minor("10000000000000000"), None, "out of range");
        let err = minor_units(Decimal::parse("1.005").expect("d"), 2, || "price".into());
        assert_eq!(
            err.map_err(|e| e.message),
            Err("price (1.005) has more than 2 decimal places".into())
        );
    }

    #[test]
    fn formats_minor_units_as_decimal_strings() {
        assert_eq!(format_minor(1250, 2), "12.50");
        assert_eq!(format_minor(5, 2), "0.05");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(0, 2), "0.00");
        assert_eq!(format_minor(7, 0), "7");
        assert_eq!(format_minor(i64::MIN, 2), "-92233720368547758.08");
        let big = Decimal {
            mantissa: -(10i128.pow(30)),
            scale: 3,
        };
        assert_eq!(big.to_string(), format!("-1{}.000", "0".repeat(27)));
    }

    #[test]
    fn parses_and_rescales_decimals() {
        let d = Decimal::parse("20").and_then(|d| d.rescaled(2));
        assert_eq!(
            d.map(|d| d.with_min_scale(2).to_string()),
            Some("20.00".into())
        );
        assert_eq!(Decimal::parse("1e5"), None);
        assert_eq!(Decimal::parse("."), None);
        assert_eq!(
            Decimal::parse("0.175").map(|d| d.with_min_scale(2).to_string()),
            Some("0.175".into())
        );
    }

    #[test]
    fn unit_price_adds_up_for_awkward_vat() {
        // 3 × £9.99 with £5.00 VAT included: net £24.97.
        let unit = unit_price_for(2497, 3, 2, 4).map(|d| d.with_min_scale(2).to_string());
        assert_eq!(unit.as_deref(), Some("8.323"));
        assert_eq!(
            unit_price_for(2400, 2, 2, 4)
                .map(|d| d.with_min_scale(2).to_string())
                .as_deref(),
            Some("12.00")
        );
        // 105 × £0.095 = £9.975, which rounds to £9.98 half-up and half-even alike.
        assert_eq!(
            unit_price_for(998, 105, 2, 4)
                .map(|d| d.with_min_scale(2).to_string())
                .as_deref(),
            Some("0.095")
        );
        // 1000 units whose net cannot be split within four decimals.
        assert_eq!(unit_price_for(100_001, 1000, 2, 4), None);
        assert_eq!(
            unit_price_for(100_001, 1000, 2, 6)
                .map(|d| d.with_min_scale(2).to_string())
                .as_deref(),
            Some("1.00001")
        );
    }

    /// `quantity × unit` (a price with `digits` decimals) rounded to pence, half-up and
    /// half-even, as Fulfil may round it.
    fn line_amounts(unit: i128, quantity: i64, digits: u32) -> (i128, i128) {
        let shift = 10i128.pow(digits - 2);
        let product = unit * i128::from(quantity);
        let half_up = (2 * product + shift).div_euclid(2 * shift);
        (half_up, div_round_half_even(product, shift))
    }

    #[test]
    fn unit_prices_add_up_to_every_net_amount_or_none_exists() {
        // Nets from 1p to £2,000 in awkward steps, every quantity a marketplace line has.
        let nets = (1..2_000_i64).map(|i| i * 997 % 200_000 + 1);
        for net in nets {
            for quantity in 1..=120_i64 {
                match unit_price_for(net, quantity, 2, 4) {
                    Some(unit) => {
                        assert!((2..=4).contains(&unit.scale), "{net}/{quantity}: {unit}");
                        let (up, even) = line_amounts(unit.mantissa, quantity, unit.scale);
                        assert_eq!(
                            (up, even),
                            (i128::from(net), i128::from(net)),
                            "{quantity} × {unit} must be {net}p whichever way it is rounded"
                        );
                    }
                    None => {
                        // No four-decimal price adds up either way: check the neighbours of
                        // the exact quotient.
                        let exact = i128::from(net) * 100 / i128::from(quantity);
                        for unit in exact - 1..=exact + 1 {
                            let (up, even) = line_amounts(unit, quantity, 4);
                            assert!(
                                up != i128::from(net) || even != i128::from(net),
                                "{quantity} × {unit} (4 decimals) adds up to {net}p"
                            );
                        }
                    }
                }
            }
        }
        // Below 100 units a four-decimal price always exists.
        assert!((1..100).all(|q| unit_price_for(123_457, q, 2, 4).is_some()));
    }

    #[test]
    fn currency_exponents_follow_iso_4217() {
        for (code, exponent) in [
            ("GBP", 2),
            ("EUR", 2),
            ("HUF", 2),
            ("JPY", 0),
            ("UGX", 0),
            ("XOF", 0),
            ("BHD", 3),
            ("CLF", 4),
        ] {
            assert_eq!(currency_exponent(code), exponent, "{code}");
        }
        // Unknown codes, lower case and codes without a minor unit get 2, as before.
        for code in ["ZZZ", "", "gbp", "jpy", "GBPX", "XAU", "XTS"] {
            assert_eq!(currency_exponent(code), 2, "{code:?}");
        }
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(div_round_half_even(25, 10), 2);
        assert_eq!(div_round_half_even(35, 10), 4);
        assert_eq!(div_round_half_even(-25, 10), -2);
        assert_eq!(div_round_half_even(26, 10), 3);
    }
}
