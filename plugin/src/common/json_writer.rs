//! How the component writes JSON: `serde` derives on the payload structs, `serde_json` for the
//! text. Amounts ([`Decimal`]) serialise as decimal strings (`"12.50"`), as Fulfil's wire
//! wants them; key order is the order of the struct's fields.

use serde::{Serialize, Serializer};

use crate::common::money::Decimal;

impl Serialize for Decimal {
    /// The amount as a JSON string in plain notation with exactly `scale` decimals: `"-0.05"`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.text().as_str())
    }
}

/// An amount Mirakl wants as a JSON number: written with exactly its decimal digits
/// (`12.50`), never through a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonNumber(pub Decimal);

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_json::value::RawValue::from_string(self.0.text().as_str().to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// `value` as compact JSON text, written into a buffer of `capacity` bytes to start with.
///
/// Only for values that cannot fail to serialise (structs, sequences, strings, integers and
/// decimals; no maps with non-string keys): a failure is a bug, reported by a panic.
pub fn to_json<T: Serialize + ?Sized>(value: &T, capacity: usize) -> String {
    let mut out = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut out, value).expect("payloads always serialise");
    // serde_json writes only UTF-8.
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Serialises JSON text held in an `Option<String>` as the JSON value it holds (`null` when
/// absent): for plan fields carrying a payload as text.
pub fn as_raw_json<S: Serializer>(json: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    let raw = json
        .as_ref()
        .map(|text| serde_json::value::RawValue::from_string(text.clone()))
        .transpose()
        .map_err(serde::ser::Error::custom)?;
    raw.serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample<'a> {
        text: &'a str,
        n: i64,
        amount: Decimal,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<&'a str>,
        pairs: Vec<(&'static str, &'a str)>,
    }

    #[test]
    fn writes_compact_json_in_field_order_with_decimal_strings() {
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} nul \u{0} é ✓ 😀 \u{7f}";
        let sample = Sample {
            text: nasty,
            n: -42,
            amount: Decimal::of_minor(-5, 2),
            absent: None,
            pairs: vec![("phone", "01234")],
        };
        let text = to_json(&sample, 0);
        let escaped = r#""quote \" backslash \\ newline \n tab \t bell \u0007 nul \u0000 é ✓ 😀 "#;
        assert_eq!(
            text,
            format!(
                "{{\"text\":{escaped}\u{7f}\",\"n\":-42,\"amount\":\"-0.05\",\"pairs\":[[\"phone\",\"01234\"]]}}"
            )
        );
        assert_eq!(to_json(&Decimal::of_minor(7, 0), 0), "\"7\"");
        assert_eq!(to_json(&Decimal::of_minor(1250, 2), 0), "\"12.50\"");
    }
}
