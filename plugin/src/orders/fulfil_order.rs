//! The Fulfil `sale.channel/create_order` body for an accepted, paid John Lewis order.
//!
//! Fulfil recomputes the total from what it is sent (quantity × unit price rounded per line,
//! plus tax lines, plus shipping lines and their taxes) and rejects a mismatch, so every
//! amount here is derived in integer minor units and the parts add up to `amount` exactly.

mod address;
mod checks;

pub use address::{Customer, SaleAddress};

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Severity, Team};
use crate::common::fulfil_tax::TaxLine;
use crate::common::json_reader::Text;
use crate::common::json_writer::to_json;
use crate::common::mirakl_order::{MiraklOrder, field_text};
use crate::common::money::{
    Decimal, Money, currency_exponent, format_minor, minor_units, rate_fraction, unit_price_for,
};
use crate::orders::inputs::OrderPolicy;
use checks::{TaxUse, total_mismatch};

/// Bound on every sum of an order's amounts, in minor units (10^16 pounds): far above any
/// real order, and small enough that negating or adding two sums never overflows.
const MAX_TOTAL: u64 = 1_000_000_000_000_000_000;

/// The `create_order` order object.
pub struct SaleOrder<'a> {
    /// The Mirakl order id: unique per sale, Fulfil's dedup key.
    pub channel_identifier: &'a str,
    /// The customer's order number (Mirakl `commercial_id`).
    pub reference: &'a str,
    /// When the customer placed the order.
    pub confirmed_at: &'a str,
    /// Name and contacts.
    pub customer: Customer<'a>,
    /// Billing address (the shipping address when John Lewis sends none).
    pub billing_address: SaleAddress<'a>,
    /// Delivery address.
    pub shipping_address: SaleAddress<'a>,
    /// One per live order line.
    pub sale_lines: Vec<SaleLine<'a>>,
    /// Shipping charged to the customer, when there is any.
    pub shipping_lines: Vec<ShippingLine<'a>>,
    /// What the customer paid: lines, shipping and every tax.
    pub amount: Decimal,
    /// ISO 4217 currency.
    pub currency_code: &'a str,
    /// Order-level gift message.
    pub gift_message: Option<Text<'a>>,
    /// The sale's notes: delivery instructions, a county given by name, the fulfilment centre.
    pub comment: Option<String>,
}

/// A Fulfil sale line.
#[derive(Serialize)]
pub struct SaleLine<'a> {
    /// The Mirakl order line id.
    pub channel_identifier: &'a str,
    /// Product code.
    pub sku: &'a str,
    /// Product title on John Lewis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// Units.
    pub quantity: i64,
    /// Net unit price such that quantity × unit price rounds to `amount`.
    pub unit_price: Decimal,
    /// Net line amount.
    pub amount: Decimal,
    /// Taxes on the line.
    pub tax_lines: Vec<TaxLine<'a>>,
    /// Line-level gift message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gift_message: Option<Text<'a>>,
}

/// Shipping charged on the sale.
#[derive(Serialize)]
pub struct ShippingLine<'a> {
    /// `<order id>-shipping`.
    pub channel_identifier: String,
    /// The customer's shipping method, or "Shipping".
    pub description: &'a str,
    /// Net shipping amount.
    pub amount: Decimal,
    /// Taxes on shipping, one per tax code.
    pub tax_lines: Vec<TaxLine<'a>>,
}

impl SaleOrder<'_> {
    /// The order object as JSON text.
    pub fn to_json(&self) -> String {
        to_json(self, 1024 + 512 * self.sale_lines.len())
    }
}

impl Serialize for SaleOrder<'_> {
    /// The `create_order` order object; absent options and no shipping leave their keys out.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut o = serializer.serialize_struct("SaleOrder", 15)?;
        o.serialize_field("channel_identifier", self.channel_identifier)?;
        o.serialize_field("reference", self.reference)?;
        o.serialize_field("confirmed_at", self.confirmed_at)?;
        o.serialize_field("customer", &self.customer)?;
        o.serialize_field("billing_address", &self.billing_address)?;
        o.serialize_field("shipping_address", &self.shipping_address)?;
        o.serialize_field("sale_lines", &self.sale_lines)?;
        if !self.shipping_lines.is_empty() {
            o.serialize_field("shipping_lines", &self.shipping_lines)?;
        }
        o.serialize_field("amount", &self.amount)?;
        o.serialize_field("currency_code", self.currency_code)?;
        // Fulfil confirms and processes the sale; John Lewis has collected the payment.
        o.serialize_field("status", "pending")?;
        o.serialize_field("financial_status", "paid")?;
        o.serialize_field("fulfillment_status", "unshipped")?;
        if let Some(gift_message) = &self.gift_message {
            o.serialize_field("gift_message", gift_message)?;
        }
        if let Some(comment) = &self.comment {
            o.serialize_field("comment", comment)?;
        }
        o.end()
    }
}

/// A payload that adds up, with what the customer paid.
pub struct Built {
    /// The `create_order` order object, as JSON text.
    pub payload: String,
    /// Lines + shipping + all taxes.
    pub total: Money,
    /// Warnings for the exception queue: Mirakl's own totals disagreeing with the sum of the
    /// parts (`order_total_mismatch`), taxes without a Fulfil name or a rate (`tax_unmapped`).
    pub warnings: Vec<Exception>,
}

/// One shipping tax, summed over the lines, in minor units.
struct TaxAmount<'a> {
    code: &'a str,
    rate: Option<Decimal>,
    minor: i64,
}

/// Builds the payload, or the exceptions that prevent it. Unusable amounts are plan errors.
pub fn build(
    order: &MiraklOrder,
    policy: &OrderPolicy,
) -> Result<Result<Built, Vec<Exception>>, PlanError> {
    let oid = &*order.order_id;
    let currency = order
        .currency_iso_code
        .as_deref()
        .ok_or_else(|| PlanError::invalid("currency_iso_code is missing"))?;
    let exp = currency_exponent(currency);
    let confirmed_at = order
        .created_date
        .as_deref()
        .ok_or_else(|| PlanError::invalid("created_date is missing"))?;
    if let Some(mode) = order.unknown_tax_mode() {
        return Ok(Err(vec![Exception::new(
            "unknown_tax_mode",
            Team::Finance,
            Severity::Blocking,
            oid,
            format!(
                "Order {oid} has order_tax_mode {mode:?}, which this connector does not know, so it cannot tell whether its prices include tax: it is not created in Fulfil. Create it in Fulfil by hand from the John Lewis back office."
            ),
        )]));
    }
    let mut problems = Vec::new();
    let mut taxes = TaxUse::default();
    let default_country = policy.default_country.as_deref();

    let customer = order.customer.as_ref();
    let shipping = customer.and_then(|c| c.shipping_address.as_ref());
    let billing = customer
        .and_then(|c| c.billing_address.as_ref())
        .or(shipping);
    let email = order
        .customer_notification_email
        .as_deref()
        .filter(|e| !e.trim().is_empty());
    let shipping_address = match shipping {
        Some(a) => address::address(a, email, default_country, oid, "shipping", &mut problems),
        None => {
            problems.push(Exception::new(
                "address_missing",
                Team::Operations,
                Severity::Blocking,
                oid,
                format!("Order {oid} is accepted and paid but John Lewis sent no shipping address, so it cannot be created in Fulfil. Check the order on John Lewis; the connector retries on its next update."),
            ));
            None
        }
    };
    let billing_address = billing
        .and_then(|a| address::address(a, email, default_country, oid, "billing", &mut problems));

    let tax_excluded = order.tax_excluded();
    let mut sale_lines = Vec::with_capacity(order.order_lines.len());
    let mut total: i64 = 0;
    let mut shipping_net: i64 = 0;
    let mut shipping_taxes: Vec<TaxAmount> = Vec::new();
    let mut mirakl_taxes: i64 = 0;
    // Mirakl's own total of the live lines; `None` once a line lacks one.
    let mut mirakl_total: Option<i64> = Some(0);
    for (i, line) in order.order_lines.iter().enumerate() {
        if line.is_dropped() {
            continue;
        }
        let at = |field: &'static str| move || format!("order_lines[{i}].{field}");
        let price = minor_units(line.price, exp, at("price"))?;
        let mut tax_lines = Vec::with_capacity(line.taxes.len());
        let mut tax_sum: i64 = 0;
        for (t, tax) in line.taxes.iter().enumerate() {
            let minor = minor_units(tax.amount, exp, || {
                format!("order_lines[{i}].taxes[{t}].amount")
            })?;
            tax_sum = add(tax_sum, minor)?;
            taxes.note(policy, &tax.code, tax.rate.is_some(), &line.order_line_id);
            tax_lines.push(TaxLine {
                name: policy.tax_name(&tax.code),
                rate: tax.rate.map(rate_fraction),
                amount: Decimal::of_minor(minor, exp),
            });
        }
        let net = if tax_excluded {
            price
        } else {
            add(price, -tax_sum)?
        };
        let Some(unit) =
            unit_price_for(net, line.quantity, exp, u32::from(policy.unit_price_digits))
        else {
            problems.push(Exception::new(
                "price_unrepresentable",
                Team::Finance,
                Severity::Blocking,
                oid,
                format!(
                    "Order {oid} line {}: a net amount of {} for {} units has no unit price with at most {} decimals that Fulfil would add up exactly. Create this order in Fulfil by hand.",
                    line.order_line_id,
                    format_minor(net, exp),
                    line.quantity,
                    policy.unit_price_digits
                ),
            ));
            continue;
        };
        let line_total = line
            .total_price
            .map(|t| minor_units(t, exp, at("total_price")))
            .transpose()?;
        mirakl_total = mirakl_total.zip(line_total).map(|(sum, t)| sum + t);
        sale_lines.push(SaleLine {
            channel_identifier: &line.order_line_id,
            sku: &line.offer_sku,
            description: line
                .product_title
                .as_deref()
                .filter(|t| !t.trim().is_empty()),
            quantity: line.quantity,
            unit_price: unit.with_min_scale(exp),
            amount: Decimal::of_minor(net, exp),
            tax_lines,
            gift_message: field_text(
                &line.order_line_additional_fields,
                &policy.gift_message_line_codes,
            ),
        });
        total = add(total, add(net, tax_sum)?)?;
        mirakl_taxes = add(mirakl_taxes, tax_sum)?;

        let ship = line
            .shipping_price
            .map(|p| minor_units(p, exp, at("shipping_price")))
            .transpose()?
            .unwrap_or(0);
        let mut ship_tax_sum: i64 = 0;
        for (t, tax) in line.shipping_taxes.iter().enumerate() {
            let minor = minor_units(tax.amount, exp, || {
                format!("order_lines[{i}].shipping_taxes[{t}].amount")
            })?;
            ship_tax_sum = add(ship_tax_sum, minor)?;
            taxes.note(policy, &tax.code, tax.rate.is_some(), &line.order_line_id);
            match shipping_taxes
                .iter_mut()
                .find(|known| known.code == tax.code)
            {
                Some(known) => known.minor = add(known.minor, minor)?,
                None => shipping_taxes.push(TaxAmount {
                    code: &tax.code,
                    rate: tax.rate,
                    minor,
                }),
            }
        }
        let (ship_net, ship_paid) = if tax_excluded {
            (ship, add(ship, ship_tax_sum)?)
        } else {
            (add(ship, -ship_tax_sum)?, ship)
        };
        shipping_net = add(shipping_net, ship_net)?;
        total = add(total, ship_paid)?;
        mirakl_taxes = add(mirakl_taxes, ship_tax_sum)?;
    }
    if sale_lines.is_empty() && problems.is_empty() {
        problems.push(Exception::new(
            "order_empty",
            Team::Operations,
            Severity::Info,
            oid,
            format!("Order {oid} has no live lines (all refused or cancelled); nothing is created in Fulfil."),
        ));
    }
    let (Some(shipping_address), Some(billing_address), true) =
        (shipping_address, billing_address, problems.is_empty())
    else {
        return Ok(Err(problems));
    };

    let mut shipping_lines = Vec::new();
    if shipping_net != 0 || !shipping_taxes.is_empty() {
        // One line per tax code, in code order, so the payload does not depend on line order.
        shipping_taxes.sort_by(|a, b| a.code.cmp(b.code));
        shipping_lines.push(ShippingLine {
            channel_identifier: format!("{oid}-shipping"),
            description: order.shipping_type_label.as_deref().unwrap_or("Shipping"),
            amount: Decimal::of_minor(shipping_net, exp),
            tax_lines: shipping_taxes
                .iter()
                .map(|t| TaxLine {
                    name: policy.tax_name(t.code),
                    rate: t.rate.map(rate_fraction),
                    amount: Decimal::of_minor(t.minor, exp),
                })
                .collect(),
        });
    }
    let customer = address::customer_of(order, shipping, billing, email);
    let comment = address::notes(order, shipping, billing, &customer);
    let sale = SaleOrder {
        channel_identifier: oid,
        reference: order.commercial_id(),
        confirmed_at,
        customer,
        billing_address,
        shipping_address,
        sale_lines,
        shipping_lines,
        amount: Decimal::of_minor(total, exp),
        currency_code: currency,
        gift_message: field_text(
            &order.order_additional_fields,
            &policy.gift_message_order_codes,
        ),
        comment,
    };
    let payload = sale.to_json();

    let order_total = order
        .total_price
        .map(|t| minor_units(t, exp, || "total_price".to_string()))
        .transpose()?;
    let with_taxes = |t: Option<i64>| match t {
        Some(t) if tax_excluded => add(t, mirakl_taxes).map(Some),
        other => Ok(other),
    };
    let figures = checks::Figures {
        lines: with_taxes(mirakl_total)?,
        order: with_taxes(order_total)?,
        parts: total,
        exp,
        currency,
    };
    let mut warnings: Vec<Exception> = total_mismatch(oid, &figures).into_iter().collect();
    if !policy.tax_pass_through {
        warnings.extend(taxes.exception(oid));
    }

    Ok(Ok(Built {
        payload,
        total: Money {
            minor: total,
            currency: currency.to_string(),
        },
        warnings,
    }))
}

/// `a + b` for amounts of one order (each below 10^15 minor units, see [`minor_units`]); an
/// error when the sum reaches [`MAX_TOTAL`], as a line with thousands of taxes can make it.
fn add(a: i64, b: i64) -> Result<i64, PlanError> {
    a.checked_add(b)
        .filter(|sum| sum.unsigned_abs() < MAX_TOTAL)
        .ok_or_else(|| PlanError::invalid("the order's amounts add up to a total out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(name: &str, optional: Option<&'static str>) -> SaleAddress<'static> {
        SaleAddress {
            name: name.to_string(),
            address1: "1 High St",
            address2: optional,
            city: "Leeds",
            zip: "LS1 1AA",
            subdivision_code: optional,
            country_code: "GB",
            phone: optional,
            email: optional,
        }
    }

    /// The golden plans compare parsed JSON; this pins the text itself: key order, keys left
    /// out when absent, amounts as strings, quantity as a number.
    #[test]
    fn the_order_object_is_written_in_fulfils_key_order() {
        let tax = |rate| TaxLine {
            name: "VAT",
            rate,
            amount: Decimal::of_minor(50, 2),
        };
        let mut sale = SaleOrder {
            channel_identifier: "O-1",
            reference: "R\"1",
            confirmed_at: "2026-11-27T10:00:00Z",
            customer: Customer {
                name: "A B".into(),
                contacts: vec![("email", "a@b.c"), ("phone", "0113")],
            },
            billing_address: address("A", None),
            shipping_address: address("B", Some("x")),
            sale_lines: vec![SaleLine {
                channel_identifier: "O-1-1",
                sku: "SKU",
                description: Some("Mug"),
                quantity: 3,
                unit_price: Decimal::of_minor(8323, 3),
                amount: Decimal::of_minor(2497, 2),
                tax_lines: vec![tax(Some(Decimal::of_minor(20, 2))), tax(None)],
                gift_message: Some("Hi\n".into()),
            }],
            shipping_lines: vec![ShippingLine {
                channel_identifier: "O-1-shipping".into(),
                description: "Standard",
                amount: Decimal::of_minor(0, 2),
                tax_lines: vec![],
            }],
            amount: Decimal::of_minor(2997, 2),
            currency_code: "GBP",
            gift_message: Some("Card".into()),
            comment: Some("Leave at door".into()),
        };
        let billing = r#"{"name":"A","address1":"1 High St","city":"Leeds","zip":"LS1 1AA","country_code":"GB"}"#;
        let shipping = r#"{"name":"B","address1":"1 High St","address2":"x","city":"Leeds","zip":"LS1 1AA","subdivision_code":"x","country_code":"GB","phone":"x","email":"x"}"#;
        let line = r#"{"channel_identifier":"O-1-1","sku":"SKU","description":"Mug","quantity":3,"unit_price":"8.323","amount":"24.97","tax_lines":[{"name":"VAT","rate":"0.20","amount":"0.50"},{"name":"VAT","amount":"0.50"}],"gift_message":"Hi\n"}"#;
        let ship = r#"{"channel_identifier":"O-1-shipping","description":"Standard","amount":"0.00","tax_lines":[]}"#;
        let head = r#"{"channel_identifier":"O-1","reference":"R\"1","confirmed_at":"2026-11-27T10:00:00Z","customer":{"name":"A B","contacts":[["email","a@b.c"],["phone","0113"]]}"#;
        let tail = r#""amount":"29.97","currency_code":"GBP","status":"pending","financial_status":"paid","fulfillment_status":"unshipped""#;
        assert_eq!(
            sale.to_json(),
            format!(
                r#"{head},"billing_address":{billing},"shipping_address":{shipping},"sale_lines":[{line}],"shipping_lines":[{ship}],{tail},"gift_message":"Card","comment":"Leave at door"}}"#
            )
        );
        sale.shipping_lines.clear();
        sale.gift_message = None;
        sale.comment = None;
        assert_eq!(
            sale.to_json(),
            format!(
                r#"{head},"billing_address":{billing},"shipping_address":{shipping},"sale_lines":[{line}],{tail}}}"#
            )
        );
    }
}
