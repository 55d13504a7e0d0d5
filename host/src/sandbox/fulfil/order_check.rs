//! Validation of a `sale.channel.create_order` order, as strict as Fulfil: unknown fields,
//! missing required fields, float money, unknown SKUs, line amounts that are not
//! `quantity × unit_price` (rounded half-even to 2 places) and totals that do not add up are
//! all `UserError`s naming the field.
//!
//! A return sale is an order whose lines all have negative quantities (and so negative
//! amounts): it needs an `origin` (checked against the sales by `return_sale`), may omit the
//! shipping address, and may carry a `return_reason`. Lines of both signs are rejected.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::UserError;
use super::fields::{
    Check, add, array, date_time, field, invalid, keys, money, object, one_of, optional, required,
    required_string, signed_quantity, string,
};
use crate::sandbox::SandboxProduct;
use crate::sandbox::decimal::Decimal;

/// Keys allowed on the order.
const ORDER_KEYS: &[&str] = &[
    "channel_identifier",
    "reference",
    "confirmed_at",
    "customer",
    "billing_address",
    "shipping_address",
    "sale_lines",
    "shipping_lines",
    "amount",
    "currency_code",
    "status",
    "financial_status",
    "fulfillment_status",
    "gift_message",
    "comment",
    "payments",
    "requested_shipping_service",
    "payment_term",
    "priority",
    "origin",
    "return_reason",
];
/// Keys allowed on `customer`.
const CUSTOMER_KEYS: &[&str] = &["name", "contacts"];
/// Contact mechanism types.
const CONTACT_TYPES: &[&str] = &[
    "phone",
    "mobile",
    "fax",
    "email",
    "website",
    "skype",
    "twitter",
    "facebook",
    "instagram",
    "pigeon-post",
];
/// Keys allowed on an address.
const ADDRESS_KEYS: &[&str] = &[
    "name",
    "address1",
    "address2",
    "city",
    "zip",
    "subdivision_code",
    "country_code",
    "email",
    "phone",
    "channel_identifier",
];
/// Keys allowed on a sale line.
const SALE_LINE_KEYS: &[&str] = &[
    "channel_identifier",
    "sku",
    "variant_identifier",
    "quantity",
    "unit_price",
    "amount",
    "description",
    "list_price",
    "comment",
    "metadata",
    "shipping_date",
    "fulfil_strategy",
    "gift_message",
    "warehouse",
    "delivery_address",
    "recipient_name",
    "recipient_email",
    "tax_lines",
];
/// Keys allowed on a tax line.
const TAX_LINE_KEYS: &[&str] = &["name", "rate", "amount"];
/// Keys allowed on a shipping line.
const SHIPPING_LINE_KEYS: &[&str] = &[
    "carrier_service_code",
    "description",
    "amount",
    "channel_identifier",
    "tax_lines",
];
/// Keys allowed on a payment.
const PAYMENT_KEYS: &[&str] = &["amount", "provider_reference", "method", "state"];
/// Order `status` values.
const STATUSES: &[&str] = &["pending", "completed", "cancelled"];
/// Order `financial_status` values.
const FINANCIAL_STATUSES: &[&str] = &["paid", "unpaid", "refunded"];
/// Order `fulfillment_status` values.
const FULFILLMENT_STATUSES: &[&str] = &["unshipped", "partial", "shipped"];
/// Sale line `fulfil_strategy` values.
const FULFIL_STRATEGIES: &[&str] = &["ship", "pick_up", "dropship", "backorder", "make_on_order"];

/// What a valid order adds up to.
#[derive(Debug)]
pub(super) struct Checked {
    /// The order total (equal to `amount`).
    pub total: Decimal,
    /// Number of sale lines.
    pub lines: usize,
    /// Whether it is a return sale (every quantity negative).
    pub is_return: bool,
}

/// Validates `order` against the products Fulfil knows.
pub(super) fn check(order: &Value, products: &BTreeMap<i64, SandboxProduct>) -> Check<Checked> {
    let map = object(order, "order")?;
    keys(map, ORDER_KEYS, "order")?;
    required_string(map, "channel_identifier", "")?;
    required_string(map, "reference", "")?;
    date_time(required(map, "confirmed_at", "")?, "confirmed_at")?;
    customer(required(map, "customer", "")?)?;
    let is_return = returns_goods(map);
    match optional(map, "shipping_address") {
        Some(shipping) => address(shipping, "shipping_address")?,
        None if is_return => {}
        None => {
            required(map, "shipping_address", "")?;
        }
    }
    if is_return {
        required_string(map, "origin", "")?;
    } else if let Some(origin) = optional(map, "origin") {
        string(origin, "origin")?;
    }
    if let Some(reason) = optional(map, "return_reason") {
        string(reason, "return_reason")?;
    }
    if let Some(billing) = optional(map, "billing_address") {
        address(billing, "billing_address")?;
    }
    one_of(required(map, "status", "")?, STATUSES, "status")?;
    if let Some(value) = optional(map, "financial_status") {
        one_of(value, FINANCIAL_STATUSES, "financial_status")?;
    }
    if let Some(value) = optional(map, "fulfillment_status") {
        one_of(value, FULFILLMENT_STATUSES, "fulfillment_status")?;
    }
    if let Some(value) = optional(map, "currency_code") {
        let code = string(value, "currency_code")?;
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "currency_code",
                "must be an ISO 4217 code like GBP",
            ));
        }
    }
    for key in [
        "gift_message",
        "comment",
        "requested_shipping_service",
        "payment_term",
    ] {
        if let Some(value) = optional(map, key) {
            string(value, key)?;
        }
    }
    if let Some(value) = optional(map, "priority")
        && !value.is_i64()
    {
        return Err(invalid("priority", "must be an integer"));
    }
    if let Some(value) = optional(map, "payments") {
        for (index, payment) in array(value, "payments")?.iter().enumerate() {
            let path = format!("payments[{index}]");
            let payment_map = object(payment, &path)?;
            keys(payment_map, PAYMENT_KEYS, &path)?;
            money(
                required(payment_map, "amount", &path)?,
                &field(&path, "amount"),
            )?;
        }
    }

    let amount = money(required(map, "amount", "")?, "amount")?;
    let sale_lines = array(required(map, "sale_lines", "")?, "sale_lines")?;
    if sale_lines.is_empty() {
        return Err(invalid("sale_lines", "must contain at least one line"));
    }
    let mut total = Decimal::ZERO;
    let mut identifiers = BTreeSet::new();
    for (index, line) in sale_lines.iter().enumerate() {
        let path = format!("sale_lines[{index}]");
        let (line_total, identifier, negative) = sale_line(line, &path, products)?;
        if negative != is_return {
            return Err(UserError::new(
                "mixed_quantities",
                format!(
                    "Sale line {path} has a quantity of the other sign: a sale either sells \
                     (every quantity positive) or takes back (every quantity negative)"
                ),
                field(&path, "quantity"),
            ));
        }
        if !identifiers.insert(identifier.to_string()) {
            return Err(UserError::new(
                "duplicate_line",
                format!("Duplicate sale line channel_identifier '{identifier}' ({path})"),
                field(&path, "channel_identifier"),
            ));
        }
        total = add(total, line_total, &path)?;
    }
    if let Some(value) = optional(map, "shipping_lines") {
        for (index, line) in array(value, "shipping_lines")?.iter().enumerate() {
            let path = format!("shipping_lines[{index}]");
            total = add(total, shipping_line(line, &path)?, &path)?;
        }
    }
    if total != amount {
        return Err(UserError::new(
            "total_mismatch",
            format!(
                "Order total {} does not match computed total {}",
                amount.to_string_min_scale(2),
                total.to_string_min_scale(2)
            ),
            "amount",
        ));
    }
    Ok(Checked {
        total,
        lines: sale_lines.len(),
        is_return,
    })
}

/// Whether the first sale line takes goods back (a negative quantity): the order is then a
/// return sale, and every other line must be negative too.
fn returns_goods(map: &Map<String, Value>) -> bool {
    let first = map
        .get("sale_lines")
        .and_then(Value::as_array)
        .and_then(|lines| lines.first())
        .and_then(|line| line.get("quantity"));
    first.is_some_and(|q| signed_quantity(q, "").is_ok_and(Decimal::is_negative))
}

/// Checks a sale line; returns its amount plus taxes, its `channel_identifier`, and whether
/// its quantity is negative.
fn sale_line<'a>(
    line: &'a Value,
    path: &str,
    products: &BTreeMap<i64, SandboxProduct>,
) -> Check<(Decimal, &'a str, bool)> {
    let map = object(line, path)?;
    keys(map, SALE_LINE_KEYS, path)?;
    let identifier = required_string(map, "channel_identifier", path)?;
    let sku = required_string(map, "sku", path)?;
    if !products.values().any(|p| p.code == sku) {
        return Err(UserError::new(
            "product_not_found",
            format!("Product with SKU '{sku}' not found"),
            field(path, "sku"),
        ));
    }
    let quantity = signed_quantity(required(map, "quantity", path)?, &field(path, "quantity"))?;
    let unit_price = money(
        required(map, "unit_price", path)?,
        &field(path, "unit_price"),
    )?;
    let amount = money(required(map, "amount", path)?, &field(path, "amount"))?;
    let expected = quantity
        .checked_mul(unit_price)
        .ok_or_else(|| invalid(&field(path, "amount"), "is too large"))?
        .round_half_even(2);
    if amount != expected {
        return Err(UserError::new(
            "line_amount_mismatch",
            format!(
                "Sale line '{identifier}' ({path}): amount {amount} does not equal quantity \
                 {quantity} × unit_price {unit_price} = {}",
                expected.to_string_min_scale(2)
            ),
            field(path, "amount"),
        ));
    }
    if let Some(value) = optional(map, "list_price") {
        money(value, &field(path, "list_price"))?;
    }
    for key in [
        "variant_identifier",
        "description",
        "comment",
        "gift_message",
        "recipient_name",
        "recipient_email",
    ] {
        if let Some(value) = optional(map, key) {
            string(value, &field(path, key))?;
        }
    }
    if let Some(value) = optional(map, "shipping_date") {
        date_time(value, &field(path, "shipping_date"))?;
    }
    if let Some(value) = optional(map, "fulfil_strategy") {
        one_of(value, FULFIL_STRATEGIES, &field(path, "fulfil_strategy"))?;
    }
    if let Some(value) = optional(map, "delivery_address") {
        address(value, &field(path, "delivery_address"))?;
    }
    let taxes = tax_lines(map, path)?;
    Ok((
        add(amount, taxes, path)?,
        identifier,
        quantity.is_negative(),
    ))
}

/// Checks a shipping line; returns its amount plus taxes.
fn shipping_line(line: &Value, path: &str) -> Check<Decimal> {
    let map = object(line, path)?;
    keys(map, SHIPPING_LINE_KEYS, path)?;
    let amount = money(required(map, "amount", path)?, &field(path, "amount"))?;
    for key in ["carrier_service_code", "description", "channel_identifier"] {
        if let Some(value) = optional(map, key) {
            string(value, &field(path, key))?;
        }
    }
    let taxes = tax_lines(map, path)?;
    add(amount, taxes, path)
}

/// Checks the optional `tax_lines` of a line; returns the sum of their amounts.
fn tax_lines(line: &Map<String, Value>, path: &str) -> Check<Decimal> {
    let Some(value) = optional(line, "tax_lines") else {
        return Ok(Decimal::ZERO);
    };
    let mut sum = Decimal::ZERO;
    for (index, tax) in array(value, &field(path, "tax_lines"))?.iter().enumerate() {
        let tax_path = format!("{path}.tax_lines[{index}]");
        let map = object(tax, &tax_path)?;
        keys(map, TAX_LINE_KEYS, &tax_path)?;
        if let Some(name) = optional(map, "name") {
            string(name, &field(&tax_path, "name"))?;
        }
        if let Some(rate) = optional(map, "rate") {
            money(rate, &field(&tax_path, "rate"))?;
        }
        let amount = money(
            required(map, "amount", &tax_path)?,
            &field(&tax_path, "amount"),
        )?;
        sum = add(sum, amount, &tax_path)?;
    }
    Ok(sum)
}

/// Checks `customer`.
fn customer(value: &Value) -> Check<()> {
    let map = object(value, "customer")?;
    keys(map, CUSTOMER_KEYS, "customer")?;
    required_string(map, "name", "customer")?;
    let Some(contacts) = optional(map, "contacts") else {
        return Ok(());
    };
    for (index, contact) in array(contacts, "customer.contacts")?.iter().enumerate() {
        let path = format!("customer.contacts[{index}]");
        let Some([kind, value]) = contact.as_array().map(Vec::as_slice) else {
            return Err(invalid(&path, "must be a [type, value] pair"));
        };
        one_of(kind, CONTACT_TYPES, &path)?;
        string(value, &path)?;
    }
    Ok(())
}

/// Checks an address object.
fn address(value: &Value, path: &str) -> Check<()> {
    let map = object(value, path)?;
    keys(map, ADDRESS_KEYS, path)?;
    for key in [
        "name",
        "address1",
        "address2",
        "city",
        "zip",
        "subdivision_code",
        "email",
        "phone",
    ] {
        if let Some(value) = optional(map, key) {
            string(value, &field(path, key))?;
        }
    }
    if let Some(value) = optional(map, "channel_identifier")
        && !(value.is_string() || value.is_i64() || value.is_u64())
    {
        return Err(invalid(
            &field(path, "channel_identifier"),
            "must be a string",
        ));
    }
    if let Some(value) = optional(map, "country_code") {
        let code = string(value, &field(path, "country_code"))?;
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                &field(path, "country_code"),
                &format!("must be an ISO 3166-1 alpha-2 code like GB, got '{code}'"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "order_check_tests.rs"]
mod tests;
