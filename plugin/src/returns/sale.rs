//! The Fulfil return sale for an accepted John Lewis return: a sale on the same channel whose
//! lines carry the returned SKUs with negative quantities, `reference` the Customer Order
//! Number (so the return shipment and the credit note carry it too), `origin` the original
//! sale, and `channel_identifier` the Mirakl return id (Fulfil's dedup key: sent twice, made
//! once).

use serde::Serialize;

use crate::common::fulfil_tax::TaxLine;
use crate::common::money::Decimal;

/// The `create_order` object of the return sale.
#[derive(Serialize)]
pub struct ReturnSale<'a> {
    /// The Mirakl return id.
    pub channel_identifier: &'a str,
    /// The customer's order number (Mirakl `commercial_id`).
    pub reference: &'a str,
    /// The original sale, as a Fulfil reference (`sale.sale,<id>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// When the customer opened the return.
    pub confirmed_at: &'a str,
    /// The customer, by name.
    pub customer: ReturnCustomer,
    /// One per returned order line, quantities negative.
    pub sale_lines: Vec<ReturnSaleLine<'a>>,
    /// What the return is worth: lines and their taxes, negative.
    pub amount: Decimal,
    /// ISO 4217 currency.
    pub currency_code: &'a str,
    /// The return reason, mapped through `[returns] reasons`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<&'a str>,
    /// Fulfil confirms the return; stock comes back when the warehouse receives it.
    pub status: &'static str,
    /// Where the return comes from, for the people who open it.
    pub comment: String,
}

/// The customer of the return sale.
#[derive(Serialize)]
pub struct ReturnCustomer {
    /// First and last name, as John Lewis gives them.
    pub name: String,
}

/// One returned line.
#[derive(Serialize)]
pub struct ReturnSaleLine<'a> {
    /// `<return id>-<order line id>`.
    pub channel_identifier: String,
    /// Product code.
    pub sku: &'a str,
    /// Product title on John Lewis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// Units taken back, negative.
    pub quantity: i64,
    /// Net unit price such that the quantity times it rounds to `amount`.
    pub unit_price: Decimal,
    /// Net amount taken back, negative.
    pub amount: Decimal,
    /// Taxes taken back, amounts negative.
    pub tax_lines: Vec<TaxLine<'a>>,
}
