//! What `plan-order` reads besides the order: the Fulfil catalogue, the John Lewis offers
//! and the seller's order policy.

use serde::Serialize;

/// A Fulfil product (the Fulfil side of a SKU).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Product {
    /// Fulfil product code, exactly as stored.
    pub sku: String,
    /// EAN held in Fulfil.
    pub ean: Option<String>,
    /// Units available to promise.
    pub available: i64,
}

/// What John Lewis holds for one of our offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Offer {
    /// Offer SKU.
    pub sku: String,
    /// EAN on John Lewis.
    pub ean: Option<String>,
}

/// Seller policy for order import (see the WIT `order-policy`). Deserialises from a JSON
/// object holding any subset of the fields (golden cases' `policy.json`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderPolicy {
    /// Refuse out-of-stock lines automatically when the rest is clean.
    pub refuse_out_of_stock: bool,
    /// Order-level gift message field codes.
    pub gift_message_order_codes: Vec<String>,
    /// Line-level gift message field codes.
    pub gift_message_line_codes: Vec<String>,
    /// Mirakl tax code → Fulfil tax name.
    pub tax_names: Vec<(String, String)>,
    /// Minutes between order creation and John Lewis' acceptance deadline.
    pub acceptance_window_minutes: u32,
    /// Most decimals Fulfil keeps on a unit price.
    pub unit_price_digits: u8,
    /// ISO 4217 currency of the John Lewis channel; orders in another raise
    /// `currency_unexpected`.
    pub currency: String,
    /// Country (code or name) of addresses that name none at all, when configured.
    pub default_country: Option<String>,
    /// Unmapped Mirakl tax codes are sent to Fulfil as tax names on purpose (no `tax_unmapped`).
    pub tax_pass_through: bool,
}

impl Default for OrderPolicy {
    fn default() -> Self {
        OrderPolicy {
            refuse_out_of_stock: true,
            gift_message_order_codes: vec!["gift-message".into()],
            gift_message_line_codes: vec!["gift-message".into()],
            tax_names: Vec::new(),
            acceptance_window_minutes: 48 * 60,
            unit_price_digits: 4,
            currency: "GBP".into(),
            default_country: None,
            tax_pass_through: false,
        }
    }
}

impl OrderPolicy {
    /// The Fulfil tax name for a Mirakl tax code (the code itself when unmapped).
    pub fn tax_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.mapped_tax_name(code).unwrap_or(code)
    }

    /// The Fulfil tax name `[orders] tax_names` gives a Mirakl tax code, if any.
    pub fn mapped_tax_name(&self, code: &str) -> Option<&str> {
        self.tax_names
            .iter()
            .find(|(mirakl, _)| mirakl == code)
            .map(|(_, fulfil)| fulfil.as_str())
    }
}
