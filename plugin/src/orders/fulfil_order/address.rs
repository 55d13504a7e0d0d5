//! The customer, addresses and notes of a Fulfil sale, from a Mirakl order's customer.
//!
//! Nothing the warehouse, the carrier or customer service needs is dropped: a company next to
//! a person's name joins the addressee, a second phone becomes a contact (and the address
//! phone when there is no first one), a state given as a code is the `subdivision_code`, and
//! what Fulfil's address has no field for (delivery instructions, a county by name, the
//! Mirakl fulfilment centre) goes in the sale's notes (`comment`).

use serde::Serialize;

use crate::common::country::{self, CountryProblem};
use crate::common::exception::{Exception, Severity, Team};
use crate::common::json_reader::Text;
use crate::common::mirakl_order::{Address, MiraklOrder};

/// The Fulfil customer of a sale.
#[derive(Serialize)]
pub struct Customer<'a> {
    /// Full name.
    pub name: String,
    /// `["email", …]` and `["phone", …]` pairs.
    pub contacts: Vec<(&'static str, &'a str)>,
}

/// A Fulfil address; absent options leave their keys out.
#[derive(Serialize)]
pub struct SaleAddress<'a> {
    /// Addressee: the person, with the company after a comma when both are given (the
    /// company alone when no person is named).
    pub name: String,
    /// Street, line 1.
    pub address1: &'a str,
    /// Street, line 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address2: Option<&'a str>,
    /// Town.
    pub city: &'a str,
    /// Postcode.
    pub zip: &'a str,
    /// The state when Mirakl gives it as a code ("CA", "NSW"); a name goes in the notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<&'a str>,
    /// ISO 3166-1 alpha-2.
    pub country_code: &'static str,
    /// Phone number (the second one when the first is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    /// The order's notification email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
}

/// Joins non-empty name parts with `separator`.
fn join(parts: &[Option<&str>], separator: &str) -> String {
    let mut joined = String::new();
    for part in parts.iter().flatten().map(|s| s.trim()) {
        if !part.is_empty() {
            if !joined.is_empty() {
                joined.push_str(separator);
            }
            joined.push_str(part);
        }
    }
    joined
}

/// Joins non-empty name parts.
fn full_name(parts: &[Option<&str>]) -> String {
    join(parts, " ")
}

/// A field's trimmed text, when it has any.
fn present<'a>(field: &'a Option<Text>) -> Option<&'a str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A state written as a code ("CA", "NSW", "GB-WYK") rather than a name ("West Yorkshire").
fn state_code(state: &str) -> bool {
    let code = state.rsplit('-').next().unwrap_or(state);
    (1..=3).contains(&code.len())
        && state.len() <= 6
        && state
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// A Fulfil address from a Mirakl one (country from its ISO code, else its name, else the
/// configured default); `None`, with the problem recorded, when no country can be told.
pub fn address<'a>(
    a: &'a Address,
    email: Option<&'a str>,
    default_country: Option<&str>,
    oid: &str,
    kind: &str,
    problems: &mut Vec<Exception>,
) -> Option<SaleAddress<'a>> {
    let person = full_name(&[a.firstname.as_deref(), a.lastname.as_deref()]);
    let name = join(&[Some(person.as_str()), a.company.as_deref()], ", ");
    let (code, country_name) = (present(&a.country_iso_code), present(&a.country));
    let country_code = match country::resolve(code, country_name, default_country) {
        Ok(country_code) => country_code,
        Err(problem) => {
            let given = match (code, country_name) {
                (Some(code), Some(name)) => format!("country code {code:?} and country {name:?}"),
                (Some(code), None) => format!("country code {code:?}"),
                (None, Some(name)) => format!("country {name:?}"),
                (None, None) => "no country".to_string(),
            };
            let advice = match problem {
                CountryProblem::Unknown => "which is not an ISO 3166 country",
                CountryProblem::Missing => {
                    "and [orders] default_country is not set (set it only if every order without a country ships to one)"
                }
            };
            problems.push(Exception::new(
                "address_invalid",
                Team::Operations,
                Severity::Blocking,
                oid,
                format!(
                    "Order {oid}: the {kind} address has {given}, {advice}. Correct the address with John Lewis customer service, then retry the order."
                ),
            ));
            return None;
        }
    };
    let text = |field: &'a Option<Text>| field.as_deref().unwrap_or("").trim();
    Some(SaleAddress {
        name,
        address1: text(&a.street_1),
        address2: present(&a.street_2),
        city: text(&a.city),
        zip: text(&a.zip_code),
        subdivision_code: present(&a.state).filter(|s| state_code(s)),
        country_code,
        phone: present(&a.phone).or_else(|| present(&a.phone_secondary)),
        email,
    })
}

/// The Fulfil customer: name and contacts (the notification email and the phone numbers).
pub fn customer_of<'a>(
    order: &'a MiraklOrder,
    shipping: Option<&'a Address>,
    billing: Option<&'a Address>,
    email: Option<&'a str>,
) -> Customer<'a> {
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
        contacts.push(("email", email));
    }
    // The customer's numbers: the billing address's (the shipping address's when it has none).
    let number = |pick: fn(&'a Address) -> Option<&'a str>| {
        billing.and_then(pick).or_else(|| shipping.and_then(pick))
    };
    let phones = [
        number(|a| present(&a.phone)),
        number(|a| present(&a.phone_secondary)),
    ];
    for phone in phones.into_iter().flatten() {
        if !contacts.contains(&("phone", phone)) {
            contacts.push(("phone", phone));
        }
    }
    Customer { name, contacts }
}

/// The sale's notes: what the customer and John Lewis said that no Fulfil field holds, one
/// line each (`customer` tells which phone numbers its contacts already carry); `None` when
/// there is nothing.
pub fn notes(
    order: &MiraklOrder,
    shipping: Option<&Address>,
    billing: Option<&Address>,
    customer: &Customer,
) -> Option<String> {
    let mut lines = Vec::new();
    if let Some(info) = shipping.and_then(|a| present(&a.additional_info)) {
        lines.push(format!("Delivery instructions: {info}"));
    }
    let separate_billing = billing.filter(|b| shipping.is_none_or(|s| !std::ptr::eq(*b, s)));
    for (kind, a) in [("Shipping", shipping), ("Billing", separate_billing)] {
        let Some(a) = a else { continue };
        if let Some(state) = present(&a.state).filter(|s| !state_code(s)) {
            lines.push(format!("{kind} address county/state: {state}"));
        }
        // The address's own phone field holds its first number (or this one when it has none).
        if let (Some(_), Some(second)) = (present(&a.phone), present(&a.phone_secondary))
            && !customer.contacts.contains(&("phone", second))
        {
            lines.push(format!("{kind} address second phone: {second}"));
        }
    }
    if let Some(center) = present(&order.fulfillment_center) {
        lines.push(format!("John Lewis fulfilment centre: {center}"));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::state_code;

    #[test]
    fn tells_state_codes_from_names() {
        for code in ["CA", "NSW", "GB-WYK", "75"] {
            assert!(state_code(code), "{code}");
        }
        for name in ["West Yorkshire", "Kent", "Ca", "Île-de-France", ""] {
            assert!(!state_code(name), "{name}");
        }
    }
}
