//! GTIN-13 (EAN-13) validation with the GS1 check digit.

/// Why an EAN is not a valid GTIN-13.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EanProblem {
    /// Not exactly 13 ASCII digits.
    NotThirteenDigits,
    /// The last digit is not the GS1 check digit of the first twelve.
    WrongCheckDigit {
        /// The check digit the first twelve digits require.
        expected: u8,
    },
}

/// The GS1 check digit for the first twelve digits of a GTIN-13.
fn check_digit(first_twelve: &[u8]) -> u8 {
    let sum: u32 = first_twelve
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Checks that `ean` is exactly 13 digits with a correct GS1 check digit.
pub fn validate_gtin13(ean: &str) -> Result<(), EanProblem> {
    let bytes = ean.as_bytes();
    if bytes.len() != 13 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(EanProblem::NotThirteenDigits);
    }
    let digits: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
    let expected = check_digit(&digits[..12]);
    if digits[12] == expected {
        Ok(())
    } else {
        Err(EanProblem::WrongCheckDigit { expected })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_gtin13() {
        assert_eq!(validate_gtin13("5012345678900"), Ok(()));
        assert_eq!(validate_gtin13("4006381333931"), Ok(()));
    }

    #[test]
    fn names_the_problem() {
        assert_eq!(
            validate_gtin13("5012345678901"),
            Err(EanProblem::WrongCheckDigit { expected: 0 })
        );
        assert_eq!(
            validate_gtin13("501234567890"),
            Err(EanProblem::NotThirteenDigits)
        );
        assert_eq!(
            validate_gtin13("50123456789O0"),
            Err(EanProblem::NotThirteenDigits)
        );
        assert_eq!(
            validate_gtin13("５012345678900"),
            Err(EanProblem::NotThirteenDigits)
        );
    }
}
