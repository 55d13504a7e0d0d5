//! The exact-SKU rule and the key used to recognise near-spellings of a SKU.

/// [`sku_key`] of each SKU, in order: one call for a whole batch.
pub fn sku_keys(skus: &[String]) -> Vec<String> {
    skus.iter().map(|sku| sku_key(sku)).collect()
}

/// The comparison key for near-spellings: non-printing characters removed, whitespace
/// trimmed and collapsed to single spaces, case-folded.
pub fn sku_key(sku: &str) -> String {
    let printable: String = sku.chars().filter(|c| !is_non_printing(*c)).collect();
    printable
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Control and format characters (zero-width spaces, BOMs, soft hyphens) that do not print
/// but make two SKUs differ.
fn is_non_printing(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(
            c,
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        )
}

/// How an order line's offer SKU relates to the Fulfil catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkuMatch<'a, T> {
    /// A product whose code is exactly the offer SKU.
    Exact(&'a T),
    /// No exact match; these products match only after normalising (see [`sku_key`]).
    FormatMismatch(Vec<&'a T>),
    /// Nothing matches, even after normalising.
    Unknown,
}

/// Finds the catalogue entry for `offer_sku` by the exact-SKU rule.
pub fn match_sku<'a, T>(
    offer_sku: &str,
    catalogue: &'a [T],
    code: impl Fn(&'a T) -> &'a str,
) -> SkuMatch<'a, T> {
    if let Some(product) = catalogue.iter().find(|p| code(p) == offer_sku) {
        return SkuMatch::Exact(product);
    }
    let key = sku_key(offer_sku);
    let near: Vec<&T> = catalogue
        .iter()
        .filter(|p| !key.is_empty() && sku_key(code(p)) == key)
        .collect();
    if near.is_empty() {
        SkuMatch::Unknown
    } else {
        SkuMatch::FormatMismatch(near)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ignores_case_spacing_and_invisible_characters() {
        assert_eq!(sku_key(" JL-MUG-001 "), "jl-mug-001");
        assert_eq!(sku_key("JL\u{200B}-MUG-001"), "jl-mug-001");
        assert_eq!(sku_key("JL  MUG\t001"), "jl mug 001");
        assert_eq!(sku_key("\u{FEFF}jl-mug-001"), "jl-mug-001");
    }

    #[test]
    fn only_exact_codes_match() {
        let catalogue = vec!["JL-MUG-001".to_string(), "JL-MUG-002".to_string()];
        let code = String::as_str;
        assert!(matches!(
            match_sku("JL-MUG-001", &catalogue, code),
            SkuMatch::Exact(_)
        ));
        match match_sku("jl-mug-001 ", &catalogue, code) {
            SkuMatch::FormatMismatch(near) => assert_eq!(near, vec![&catalogue[0]]),
            other => panic!("expected a format mismatch, got {other:?}"),
        }
        assert_eq!(match_sku("JL-MUG-003", &catalogue, code), SkuMatch::Unknown);
        assert_eq!(match_sku("   ", &catalogue, code), SkuMatch::Unknown);
    }
}
