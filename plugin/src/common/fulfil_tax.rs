//! A tax line of a Fulfil sale, shared by the sale of an order and the sale of its return.

use serde::Serialize;

use crate::common::money::Decimal;

/// A Fulfil tax line: `{name, rate, amount}` with the rate as a fraction ("0.20").
#[derive(Serialize)]
pub struct TaxLine<'a> {
    /// Fulfil tax name (the Mirakl code when unmapped).
    pub name: &'a str,
    /// Rate as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Decimal>,
    /// Tax amount.
    pub amount: Decimal,
}
