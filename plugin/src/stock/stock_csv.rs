//! The STO01 stock file: `"offer-sku";"quantity";"warehouse-code";"update-delete"`,
//! `;`-separated, every field double-quoted (quotes doubled inside), CRLF line ends.
//! Quantities are written as plain integers, never in scientific notation.

use std::fmt::Write;

/// The header line of a STO01 file.
pub const HEADER: &str = "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n";

/// Appends one quoted field.
fn field(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Appends one line: an absolute quantity for an offer (and warehouse, if any).
pub fn push_line(out: &mut String, sku: &str, quantity: i64, warehouse: Option<&str>) {
    field(out, sku);
    out.push(';');
    out.push('"');
    let _ = write!(out, "{quantity}");
    out.push('"');
    out.push(';');
    field(out, warehouse.unwrap_or(""));
    out.push_str(";\"\"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_separators_stay_inside_fields() {
        let mut csv = String::from(HEADER);
        push_line(&mut csv, "JL \"BIG\";MUG", 5, None);
        push_line(&mut csv, "5012345678900", 1_000_000, Some("WH-1"));
        assert_eq!(
            csv,
            "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n\"JL \"\"BIG\"\";MUG\";\"5\";\"\";\"\"\r\n\"5012345678900\";\"1000000\";\"WH-1\";\"\"\r\n"
        );
    }
}
