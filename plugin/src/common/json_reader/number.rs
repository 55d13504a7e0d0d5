//! Numbers as the reader finds them, and their exact value.

use super::JsonError;
use crate::common::money::Decimal;

/// Most significant digits read into an exact number.
const MAX_DIGITS: u32 = 18;

/// The end of the run of ASCII digits that starts at `from`.
#[inline(always)]
pub(super) fn digits_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// The parts of a number as written.
pub(super) struct Number<'a> {
    pub(super) text: &'a str,
    pub(super) negative: bool,
    pub(super) int: &'a [u8],
    pub(super) frac: Option<&'a [u8]>,
    pub(super) exp: Option<&'a str>,
}

impl Number<'_> {
    /// The exact value; an error when it has more significant digits than an amount can.
    pub(super) fn decimal(&self) -> Result<Decimal, JsonError> {
        let too_precise =
            || JsonError::shape(format!("{} has more digits than an amount can", self.text));
        // Trailing zeros of the fraction do not change the value (`45.000…0` is 45).
        let frac = self.frac.unwrap_or_default();
        let frac = &frac[..frac
            .iter()
            .rposition(|&b| b != b'0')
            .map_or(0, |last| last + 1)];
        let mut mantissa: u64 = 0;
        let mut significant = 0;
        for &b in self.int.iter().chain(frac) {
            if mantissa != 0 || b != b'0' {
                significant += 1;
                if significant > MAX_DIGITS {
                    return Err(too_precise());
                }
            }
            mantissa = mantissa * 10 + u64::from(b - b'0');
        }
        let exp: i64 = match self.exp {
            Some(e) => e.parse().map_err(|_| too_precise())?,
            None => 0,
        };
        let scale = frac.len() as i64 - exp;
        let mut mantissa = i128::from(mantissa);
        if self.negative {
            mantissa = -mantissa;
        }
        if scale < 0 {
            let factor = u32::try_from(-scale)
                .ok()
                .filter(|s| *s <= 2 * MAX_DIGITS)
                .ok_or_else(too_precise)?;
            let mantissa = mantissa
                .checked_mul(10i128.pow(factor))
                .ok_or_else(too_precise)?;
            return Ok(Decimal { mantissa, scale: 0 });
        }
        let scale = u32::try_from(scale)
            .ok()
            .filter(|s| *s <= 2 * MAX_DIGITS)
            .ok_or_else(too_precise)?;
        Ok(Decimal { mantissa, scale })
    }
}
