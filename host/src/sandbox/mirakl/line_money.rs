//! Money on Mirakl order lines, exact: the amounts OR28 (refunds) and OR29 / OR30
//! (cancellations) read from request bodies (the raw JSON number text, never a float) and from
//! the stored lines, what is left of a line after its earlier refunds or cancellations, and the
//! entries they append to a line's `refunds[]` / `cancelations[]`.
//!
//! A line's money is its `price` (the offer part), `shipping_price`, and per tax code the
//! amounts of `taxes[]` and `shipping_taxes[]`. A refund or cancellation takes a [`Portion`]
//! of it; the sum of the portions already taken plus the new ones may not exceed the line.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::{MiraklError, bad_request};
use crate::sandbox::decimal::Decimal;

/// Order line states from which a line no longer ships: a cancellation is refused on them.
pub(super) const SHIPPED_OR_LATER: &[&str] = &[
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUNDED",
    "INCIDENT_OPEN",
    "INCIDENT_CLOSED",
];

/// A `{code, amount}` tax entry of a request body, its amount kept as the raw number text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTax<'a> {
    /// Tax code, as on the order line.
    pub code: String,
    /// The amount, as sent.
    #[serde(borrow)]
    pub amount: &'a RawValue,
}

/// A `{code, amount}` fee entry of a request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFee<'a> {
    /// Fee code.
    pub code: Option<String>,
    /// The amount, as sent.
    #[serde(borrow)]
    pub amount: Option<&'a RawValue>,
}

/// The part of a line's money a refund or cancellation takes.
#[derive(Debug, Default, Clone)]
pub(super) struct Portion {
    /// Offer part.
    pub amount: Decimal,
    /// Shipping part.
    pub shipping_amount: Decimal,
    /// Units (informative for refunds).
    pub quantity: i64,
    /// Taxes on the offer part, by code; `None` when the request gave none.
    pub taxes: Option<BTreeMap<String, Decimal>>,
    /// Taxes on the shipping part, by code; `None` when the request gave none.
    pub shipping_taxes: Option<BTreeMap<String, Decimal>>,
}

impl Portion {
    /// `self + other` (taxes added code by code).
    pub fn plus(&self, other: &Portion) -> Portion {
        let add = |a: Decimal, b: Decimal| a.checked_add(b).unwrap_or(a);
        let merge = |a: &Option<BTreeMap<String, Decimal>>,
                     b: &Option<BTreeMap<String, Decimal>>| {
            let mut sum = a.clone().unwrap_or_default();
            for (code, amount) in b.iter().flatten() {
                let entry = sum.entry(code.clone()).or_insert(Decimal::ZERO);
                *entry = add(*entry, *amount);
            }
            Some(sum)
        };
        Portion {
            amount: add(self.amount, other.amount),
            shipping_amount: add(self.shipping_amount, other.shipping_amount),
            quantity: self.quantity.saturating_add(other.quantity),
            taxes: merge(&self.taxes, &other.taxes),
            shipping_taxes: merge(&self.shipping_taxes, &other.shipping_taxes),
        }
    }
}

/// A request amount from its raw JSON text: a number (exponent allowed), never negative.
pub(super) fn request_amount(raw: &RawValue, path: &str) -> Result<Decimal, MiraklError> {
    let text = raw.get().trim();
    let is_number = text
        .bytes()
        .next()
        .is_some_and(|b| b == b'-' || b.is_ascii_digit());
    let value = is_number
        .then(|| Decimal::parse_json_number(text))
        .flatten()
        .ok_or_else(|| {
            bad_request(
                &format!("{path} must be a number, got {text}"),
                "VALIDATION_ERROR",
            )
        })?;
    if value.is_negative() {
        return Err(bad_request(
            &format!("{path} must not be negative, got {text}"),
            "VALIDATION_ERROR",
        ));
    }
    Ok(value)
}

/// The taxes of a request by code (a code given twice is summed); `None` when absent.
pub(super) fn request_taxes(
    taxes: Option<&[RawTax<'_>]>,
    path: &str,
) -> Result<Option<BTreeMap<String, Decimal>>, MiraklError> {
    let Some(taxes) = taxes else {
        return Ok(None);
    };
    let mut by_code = BTreeMap::new();
    for (index, tax) in taxes.iter().enumerate() {
        let amount = request_amount(tax.amount, &format!("{path}[{index}].amount"))?;
        let entry = by_code.entry(tax.code.clone()).or_insert(Decimal::ZERO);
        *entry = entry.checked_add(amount).unwrap_or(*entry);
    }
    Ok(Some(by_code))
}

/// A stored amount (a JSON number, read through its text); zero when absent or not a number.
pub(super) fn stored(value: Option<&Value>) -> Decimal {
    match value {
        Some(Value::Number(number)) => {
            Decimal::parse_json_number(&number.to_string()).unwrap_or(Decimal::ZERO)
        }
        _ => Decimal::ZERO,
    }
}

/// `value` as a JSON number of the same value.
pub(super) fn number(value: Decimal) -> Value {
    serde_json::from_str(&value.to_string()).unwrap_or(Value::Null)
}

/// A tax list `[{code, amount}]` of a stored line or entry, by code.
fn stored_taxes(value: Option<&Value>) -> BTreeMap<String, Decimal> {
    let mut by_code = BTreeMap::new();
    for tax in value.and_then(Value::as_array).into_iter().flatten() {
        if let Some(code) = tax.get("code").and_then(Value::as_str) {
            let entry = by_code.entry(code.to_string()).or_insert(Decimal::ZERO);
            *entry = entry
                .checked_add(stored(tax.get("amount")))
                .unwrap_or(*entry);
        }
    }
    by_code
}

/// The whole money of a line.
pub(super) fn line_total(line: &Value) -> Portion {
    Portion {
        amount: stored(line.get("price")),
        shipping_amount: stored(line.get("shipping_price")),
        quantity: line.get("quantity").and_then(Value::as_i64).unwrap_or(0),
        taxes: Some(stored_taxes(line.get("taxes"))),
        shipping_taxes: Some(stored_taxes(line.get("shipping_taxes"))),
    }
}

/// What the entries of `key` (`refunds` or `cancelations`) of a line already took.
pub(super) fn taken(line: &Value, key: &str) -> Portion {
    let mut sum = Portion::default();
    for entry in line
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        sum = sum.plus(&Portion {
            amount: stored(entry.get("amount")),
            shipping_amount: stored(entry.get("shipping_amount")),
            quantity: entry.get("quantity").and_then(Value::as_i64).unwrap_or(0),
            taxes: Some(stored_taxes(entry.get("taxes"))),
            shipping_taxes: Some(stored_taxes(entry.get("shipping_taxes"))),
        });
    }
    sum
}

/// Checks that `portion`, on top of `already` (earlier entries plus earlier items of the same
/// call), fits in `line`; `what` names the operation in messages (`refund`, `cancelation`).
pub(super) fn check_fits(
    line: &Value,
    already: &Portion,
    portion: &Portion,
    what: &str,
) -> Result<(), String> {
    let id = line["order_line_id"].as_str().unwrap_or_default();
    let total = line_total(line);
    let over = |label: &str, asked: Decimal, before: Decimal, limit: Decimal| {
        let left = limit.checked_sub(before).unwrap_or(Decimal::ZERO);
        (asked > left).then(|| {
            format!(
                "The {what} {label} {} on order line '{id}' exceeds what is left of it ({})",
                asked.to_string_min_scale(2),
                left.max(Decimal::ZERO).to_string_min_scale(2)
            )
        })
    };
    if let Some(message) = over("amount", portion.amount, already.amount, total.amount) {
        return Err(message);
    }
    if let Some(message) = over(
        "shipping amount",
        portion.shipping_amount,
        already.shipping_amount,
        total.shipping_amount,
    ) {
        return Err(message);
    }
    for (label, asked, before, limit) in [
        ("taxes", &portion.taxes, &already.taxes, &total.taxes),
        (
            "shipping_taxes",
            &portion.shipping_taxes,
            &already.shipping_taxes,
            &total.shipping_taxes,
        ),
    ] {
        let limit = limit.clone().unwrap_or_default();
        let Some(asked) = asked else {
            if !limit.is_empty() {
                return Err(format!(
                    "The {what} on order line '{id}' must give {label}: the line has taxes"
                ));
            }
            continue;
        };
        for (code, amount) in asked {
            let Some(line_tax) = limit.get(code) else {
                return Err(format!(
                    "The tax code '{code}' in {label} is not a tax of order line '{id}'"
                ));
            };
            let before = before
                .as_ref()
                .and_then(|b| b.get(code))
                .copied()
                .unwrap_or(Decimal::ZERO);
            if let Some(message) = over(&format!("{label} '{code}'"), *amount, before, *line_tax) {
                return Err(message);
            }
        }
    }
    Ok(())
}

/// A tax map as the JSON list an entry stores and an answer shows (`rate` from the line).
pub(super) fn tax_list(
    taxes: &Option<BTreeMap<String, Decimal>>,
    line: &Value,
    line_key: &str,
) -> Value {
    let rate = |code: &str| {
        line.get(line_key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|t| t.get("code").and_then(Value::as_str) == Some(code))
            .and_then(|t| t.get("rate").cloned())
    };
    Value::Array(
        taxes
            .iter()
            .flatten()
            .map(|(code, amount)| {
                let mut tax = json!({"code": code, "amount": number(*amount)});
                if let Some(rate) = rate(code) {
                    tax["rate"] = rate;
                }
                tax
            })
            .collect(),
    )
}

/// The request's fees as stored: `[{code, amount}]`.
pub(super) fn fee_list(fees: Option<&[RawFee<'_>]>, path: &str) -> Result<Value, MiraklError> {
    let mut list = Vec::new();
    for (index, fee) in fees.into_iter().flatten().enumerate() {
        let amount = match fee.amount {
            Some(raw) => number(request_amount(raw, &format!("{path}[{index}].amount"))?),
            None => Value::Null,
        };
        list.push(json!({"code": fee.code, "amount": amount}));
    }
    Ok(Value::Array(list))
}

/// The portion that cancels `quantity` of the units still open on `line`: all that is left
/// when they are the last ones, else the line's money pro rata (half-even to the penny).
pub(super) fn remaining_portion(line: &Value, quantity: i64) -> Portion {
    let total = line_total(line);
    let done = taken(line, "cancelations");
    let open = total.quantity - done.quantity;
    let left = |whole: Decimal, used: Decimal| whole.checked_sub(used).unwrap_or(Decimal::ZERO);
    let share = |whole: Decimal, used: Decimal| {
        if quantity >= open {
            left(whole, used)
        } else {
            whole
                .ratio(i128::from(quantity), i128::from(total.quantity), 2)
                .unwrap_or(Decimal::ZERO)
                .min(left(whole, used))
        }
    };
    let taxes = |whole: &Option<BTreeMap<String, Decimal>>,
                 used: &Option<BTreeMap<String, Decimal>>| {
        let used = used.clone().unwrap_or_default();
        Some(
            whole
                .iter()
                .flatten()
                .map(|(code, amount)| {
                    let before = used.get(code).copied().unwrap_or(Decimal::ZERO);
                    (code.clone(), share(*amount, before))
                })
                .collect(),
        )
    };
    Portion {
        amount: share(total.amount, done.amount),
        shipping_amount: share(total.shipping_amount, done.shipping_amount),
        quantity: quantity.min(open),
        taxes: taxes(&total.taxes, &done.taxes),
        shipping_taxes: taxes(&total.shipping_taxes, &done.shipping_taxes),
    }
}

/// Appends a cancellation of `portion` to `line` (an object) and moves the line to
/// `CANCELED` once every unit is cancelled; returns the stored entry.
pub(super) fn record_cancelation(
    line: &mut Value,
    id: String,
    portion: &Portion,
    reason_code: Option<&str>,
    now: &str,
) -> Value {
    let entry = json!({
        "id": id,
        "quantity": portion.quantity,
        "amount": number(portion.amount),
        "shipping_amount": number(portion.shipping_amount),
        "reason_code": reason_code,
        "taxes": tax_list(&portion.taxes, line, "taxes"),
        "shipping_taxes": tax_list(&portion.shipping_taxes, line, "shipping_taxes"),
        "created_date": now,
    });
    push(line, "cancelations", entry.clone());
    let open = line_total(line).quantity - taken(line, "cancelations").quantity;
    if open <= 0
        && let Some(map) = line.as_object_mut()
    {
        map.insert("order_line_state".into(), "CANCELED".into());
    }
    entry
}

/// Appends `entry` to the array `key` of `line`, creating it when absent or null.
pub(super) fn push(line: &mut Value, key: &str, entry: Value) {
    let Some(map) = line.as_object_mut() else {
        return;
    };
    match map.get_mut(key) {
        Some(Value::Array(list)) => list.push(entry),
        _ => {
            map.insert(key.to_string(), Value::Array(vec![entry]));
        }
    }
}

/// After cancellations: once no line is left to ship (`SHIPPING` or before), the order
/// becomes `SHIPPED` when a line shipped, else `CANCELED` when a line was cancelled (it can
/// then no longer be cancelled).
pub(super) fn settle_order_state(order: &mut Value) {
    let states: Vec<String> = order["order_lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["order_line_state"].as_str().map(str::to_string))
        .collect();
    let closed = |s: &String| s == "CANCELED" || s == "REFUSED";
    let shipped = |s: &String| SHIPPED_OR_LATER.contains(&s.as_str());
    if states.is_empty() || !states.iter().all(|s| closed(s) || shipped(s)) {
        return;
    }
    let Some(map) = order.as_object_mut() else {
        return;
    };
    if states.iter().any(shipped) {
        map.insert("order_state".into(), "SHIPPED".into());
    } else if states.iter().any(|s| s == "CANCELED") {
        map.insert("order_state".into(), "CANCELED".into());
        map.insert("can_cancel".into(), false.into());
        map.insert("can_shop_ship".into(), false.into());
    }
}

/// Finds the order holding the line `line_id`: `(order id, index of the line)`.
pub(super) fn find_line(
    orders: &BTreeMap<String, Value>,
    line_id: &str,
) -> Option<(String, usize)> {
    orders.iter().find_map(|(order_id, order)| {
        order["order_lines"]
            .as_array()?
            .iter()
            .position(|l| l["order_line_id"] == line_id)
            .map(|index| (order_id.clone(), index))
    })
}

/// Ids for refunds and cancellations (numeric strings, as Mirakl gives them).
#[derive(Debug, Default)]
pub(crate) struct MoneyIds {
    refunds: u64,
    cancelations: u64,
    groups: u64,
}

impl MoneyIds {
    /// The next refund id.
    pub fn refund(&mut self) -> String {
        self.refunds += 1;
        (1000 + self.refunds).to_string()
    }

    /// The next cancellation id.
    pub fn cancelation(&mut self) -> String {
        self.cancelations += 1;
        (5000 + self.cancelations).to_string()
    }

    /// The next `order_refund_id` (a uuid-like group id).
    pub fn group(&mut self) -> String {
        self.groups += 1;
        super::uuid_like(self.groups, 0x0f28)
    }
}
