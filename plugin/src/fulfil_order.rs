//! The Fulfil `sale.channel/create_order` body for an accepted, paid John Lewis order.
//!
//! Fulfil recomputes the total from what it is sent (quantity × unit price rounded per line,
//! plus tax lines, plus shipping lines and their taxes) and rejects a mismatch, so every
//! amount here is derived in integer minor units and the parts add up to `amount` exactly.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::country;
use crate::error::PlanError;
use crate::exception::{Exception, Severity, Team};
use crate::mirakl_order::{Address, MiraklOrder, Tax, field_text};
use crate::money::{Decimal, currency_exponent, format_minor, minor_units_of, unit_price_for};
use crate::orders::{Money, OrderPolicy};

/// A payload that adds up, with what the customer paid.
pub struct Built {
    /// The `create_order` order object.
    pub payload: Value,
    /// Lines + shipping + all taxes.
    pub total: Money,
    /// Set when Mirakl's own total disagrees with the sum of the parts.
    pub total_mismatch: Option<Exception>,
}

/// Builds the payload, or the exceptions that prevent it. Unusable amounts are plan errors.
pub fn build(
    order: &MiraklOrder,
    policy: &OrderPolicy,
) -> Result<Result<Built, Vec<Exception>>, PlanError> {
    let oid = order.order_id.as_str();
    let currency = order
        .currency_iso_code
        .as_deref()
        .ok_or_else(|| PlanError::invalid("currency_iso_code is missing"))?;
    let exp = currency_exponent(currency);
    let confirmed_at = order
        .created_date
        .as_deref()
        .ok_or_else(|| PlanError::invalid("created_date is missing"))?;
    let mut problems = Vec::new();

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
        Some(a) => address(a, email, oid, "shipping", &mut problems),
        None => {
            problems.push(Exception::new(
                "address_missing",
                Team::Operations,
                Severity::Blocking,
                oid,
                format!("Order {oid} is accepted and paid but John Lewis sent no shipping address, so it cannot be created in Fulfil. Check the order on John Lewis; the connector retries on its next update."),
            ));
            Value::Null
        }
    };
    let billing_address = billing.map_or(Value::Null, |a| {
        address(a, email, oid, "billing", &mut problems)
    });

    let tax_excluded = order.tax_excluded();
    let mut sale_lines = Vec::new();
    let mut total: i64 = 0;
    let mut shipping_net: i64 = 0;
    let mut shipping_taxes: BTreeMap<String, (Option<f64>, i64)> = BTreeMap::new();
    let mut mirakl_taxes: i64 = 0;
    // Mirakl's own total of the live lines; `None` once a line lacks one.
    let mut mirakl_total: Option<i64> = Some(0);
    for (i, line) in order.order_lines.iter().enumerate() {
        if line.is_dropped() {
            continue;
        }
        let at = |field: &'static str| move || format!("order_lines[{i}].{field}");
        let price = minor_units_of(line.price, exp, at("price"))?;
        let taxes = tax_amounts(line.taxes.as_deref(), exp, at("taxes"))?;
        let tax_sum: i64 = taxes.iter().map(|(_, _, a)| a).sum();
        let net = if tax_excluded { price } else { price - tax_sum };
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
            .map(|t| minor_units_of(t, exp, at("total_price")))
            .transpose()?;
        mirakl_total = mirakl_total.zip(line_total).map(|(sum, t)| sum + t);
        let mut sale_line = Map::new();
        sale_line.insert("channel_identifier".into(), json!(line.order_line_id));
        sale_line.insert("sku".into(), json!(line.offer_sku));
        if let Some(title) = line
            .product_title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            sale_line.insert("description".into(), json!(title));
        }
        sale_line.insert("quantity".into(), json!(line.quantity));
        sale_line.insert("unit_price".into(), json!(unit.to_string_min_scale(exp)));
        sale_line.insert("amount".into(), json!(format_minor(net, exp)));
        sale_line.insert("tax_lines".into(), tax_lines(&taxes, policy, exp));
        if let Some(gift) = field_text(
            line.order_line_additional_fields.as_deref(),
            &policy.gift_message_line_codes,
        ) {
            sale_line.insert("gift_message".into(), json!(gift));
        }
        sale_lines.push(Value::Object(sale_line));
        total += net + tax_sum;
        mirakl_taxes += tax_sum;

        let ship = line
            .shipping_price
            .map(|p| minor_units_of(p, exp, at("shipping_price")))
            .transpose()?
            .unwrap_or(0);
        let ship_taxes = tax_amounts(line.shipping_taxes.as_deref(), exp, at("shipping_taxes"))?;
        let ship_tax_sum: i64 = ship_taxes.iter().map(|(_, _, a)| a).sum();
        shipping_net += if tax_excluded {
            ship
        } else {
            ship - ship_tax_sum
        };
        for (code, rate, amount) in ship_taxes {
            let entry = shipping_taxes.entry(code).or_insert((rate, 0));
            entry.1 += amount;
        }
        total += if tax_excluded {
            ship + ship_tax_sum
        } else {
            ship
        };
        mirakl_taxes += ship_tax_sum;
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
    if !problems.is_empty() {
        return Ok(Err(problems));
    }

    let mut payload = Map::new();
    payload.insert("channel_identifier".into(), json!(oid));
    payload.insert("reference".into(), json!(order.commercial_id()));
    payload.insert("confirmed_at".into(), json!(confirmed_at));
    payload.insert(
        "customer".into(),
        customer_json(order, shipping, billing, email),
    );
    payload.insert("billing_address".into(), billing_address);
    payload.insert("shipping_address".into(), shipping_address);
    payload.insert("sale_lines".into(), Value::Array(sale_lines));
    let shipping_tax_list: Vec<(String, Option<f64>, i64)> = shipping_taxes
        .into_iter()
        .map(|(code, (rate, amount))| (code, rate, amount))
        .collect();
    if shipping_net != 0 || !shipping_tax_list.is_empty() {
        let description = order.shipping_type_label.as_deref().unwrap_or("Shipping");
        payload.insert(
            "shipping_lines".into(),
            json!([{
                "channel_identifier": format!("{oid}-shipping"),
                "description": description,
                "amount": format_minor(shipping_net, exp),
                "tax_lines": tax_lines(&shipping_tax_list, policy, exp),
            }]),
        );
    }
    payload.insert("amount".into(), json!(format_minor(total, exp)));
    payload.insert("currency_code".into(), json!(currency));
    payload.insert("status".into(), json!("pending"));
    payload.insert("financial_status".into(), json!("paid"));
    payload.insert("fulfillment_status".into(), json!("unshipped"));
    if let Some(gift) = field_text(
        order.order_additional_fields.as_deref(),
        &policy.gift_message_order_codes,
    ) {
        payload.insert("gift_message".into(), json!(gift));
    }

    let total_mismatch = mirakl_total
        .map(|t| if tax_excluded { t + mirakl_taxes } else { t })
        .filter(|expected| *expected != total)
        .map(|expected| {
            Exception::new(
                "order_total_mismatch",
                Team::Finance,
                Severity::Warning,
                oid,
                format!(
                    "Order {oid}: John Lewis' total {} {currency} (its lines' total_price) differs from their prices, shipping and taxes ({} {currency}); Fulfil receives the latter. Check the order's fees and promotions.",
                    format_minor(expected, exp),
                    format_minor(total, exp)
                ),
            )
        });

    Ok(Ok(Built {
        payload: Value::Object(payload),
        total: Money {
            minor: total,
            currency: currency.to_string(),
        },
        total_mismatch,
    }))
}

/// Reads a tax list as (code, rate, amount in minor units).
fn tax_amounts(
    taxes: Option<&[Tax]>,
    exp: u32,
    field: impl Fn() -> String,
) -> Result<Vec<(String, Option<f64>, i64)>, PlanError> {
    taxes
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Ok((
                t.code.clone(),
                t.rate,
                minor_units_of(t.amount, exp, || format!("{}[{i}].amount", field()))?,
            ))
        })
        .collect()
}

/// Fulfil `tax_lines`: `{name, rate, amount}` with the rate as a fraction ("0.20").
fn tax_lines(taxes: &[(String, Option<f64>, i64)], policy: &OrderPolicy, exp: u32) -> Value {
    Value::Array(
        taxes
            .iter()
            .map(|(code, rate, amount)| {
                let mut line = Map::new();
                let name = policy.tax_names.get(code).unwrap_or(code);
                line.insert("name".into(), json!(name));
                if let Some(rate) = rate.and_then(rate_fraction) {
                    line.insert("rate".into(), json!(rate));
                }
                line.insert("amount".into(), json!(format_minor(*amount, exp)));
                Value::Object(line)
            })
            .collect(),
    )
}

/// A Mirakl percentage (20.0) as Fulfil's fraction string ("0.20").
fn rate_fraction(percent: f64) -> Option<String> {
    let number = serde_json::Number::from_f64(percent)?;
    let d = Decimal::from_json_number(&number)?;
    let fraction = Decimal {
        mantissa: d.mantissa,
        scale: d.scale + 2,
    }
    .normalized();
    Some(fraction.to_string_min_scale(2))
}

/// Joins non-empty name parts.
fn full_name(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Fulfil address from a Mirakl one (ISO-3 country converted to ISO-2).
fn address(
    a: &Address,
    email: Option<&str>,
    oid: &str,
    kind: &str,
    problems: &mut Vec<Exception>,
) -> Value {
    let mut out = Map::new();
    let name = full_name(&[a.firstname.as_deref(), a.lastname.as_deref()]);
    let name = if name.is_empty() {
        full_name(&[a.company.as_deref()])
    } else {
        name
    };
    out.insert("name".into(), json!(name));
    out.insert(
        "address1".into(),
        json!(a.street_1.as_deref().unwrap_or("").trim()),
    );
    if let Some(street_2) = a.street_2.as_deref().filter(|s| !s.trim().is_empty()) {
        out.insert("address2".into(), json!(street_2.trim()));
    }
    out.insert("city".into(), json!(a.city.as_deref().unwrap_or("").trim()));
    out.insert(
        "zip".into(),
        json!(a.zip_code.as_deref().unwrap_or("").trim()),
    );
    let given = a.country_iso_code.as_deref().unwrap_or("");
    match country::alpha2(given) {
        Some(code) => {
            out.insert("country_code".into(), json!(code));
        }
        None => problems.push(Exception::new(
            "address_invalid",
            Team::Operations,
            Severity::Blocking,
            oid,
            format!(
                "Order {oid}: the {kind} address has country code {given:?} ({}), which is not an ISO 3166 country. Correct the address with John Lewis customer service, then retry the order.",
                a.country.as_deref().unwrap_or("no country name")
            ),
        )),
    }
    if let Some(phone) = a.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        out.insert("phone".into(), json!(phone.trim()));
    }
    if let Some(email) = email {
        out.insert("email".into(), json!(email));
    }
    Value::Object(out)
}

/// The Fulfil customer: name and contacts (the notification email and a phone number).
fn customer_json(
    order: &MiraklOrder,
    shipping: Option<&Address>,
    billing: Option<&Address>,
    email: Option<&str>,
) -> Value {
    let customer = order.customer.as_ref();
    let mut name = full_name(&[
        customer.and_then(|c| c.firstname.as_deref()),
        customer.and_then(|c| c.lastname.as_deref()),
    ]);
    if name.is_empty() {
        name = full_name(&[
            billing.and_then(|a| a.firstname.as_deref()),
            billing.and_then(|a| a.lastname.as_deref()),
        ]);
    }
    if name.is_empty() {
        name = format!("John Lewis customer {}", order.commercial_id());
    }
    let mut contacts = Vec::new();
    if let Some(email) = email {
        contacts.push(json!(["email", email]));
    }
    let phone = billing
        .and_then(|a| a.phone.as_deref())
        .or_else(|| shipping.and_then(|a| a.phone.as_deref()))
        .filter(|p| !p.trim().is_empty());
    if let Some(phone) = phone {
        contacts.push(json!(["phone", phone.trim()]));
    }
    json!({ "name": name, "contacts": contacts })
}
