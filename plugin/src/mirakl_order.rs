//! The parts of a Mirakl OR11 order the connector reads. Everything Mirakl documents as
//! optional is an `Option`; unknown fields are ignored (Mirakl adds fields without notice).

use serde::Deserialize;
use serde_json::Value;

use crate::error::PlanError;

/// One object of OR11's `orders[]`.
#[derive(Debug, Deserialize)]
pub struct MiraklOrder {
    /// Mirakl order id; the Fulfil `channel_identifier`.
    pub order_id: String,
    /// Customer-facing order number.
    pub commercial_id: Option<String>,
    /// Order state code.
    pub order_state: String,
    /// When the customer placed the order.
    pub created_date: Option<String>,
    /// ISO 4217 currency.
    pub currency_iso_code: Option<String>,
    /// Customer and addresses (addresses are null before acceptance).
    pub customer: Option<Customer>,
    /// Anonymised relay address for customer notifications.
    pub customer_notification_email: Option<String>,
    /// Operator-defined order fields (gift messages live here).
    pub order_additional_fields: Option<Vec<AdditionalField>>,
    /// Order lines.
    pub order_lines: Vec<OrderLine>,
    /// `TAX_INCLUDED` or `TAX_EXCLUDED`.
    pub order_tax_mode: Option<String>,
    /// Label of the shipping method chosen by the customer.
    pub shipping_type_label: Option<String>,
    /// Code of the shipping method chosen by the customer.
    pub shipping_type_code: Option<String>,
}

/// The order's customer.
#[derive(Debug, Deserialize)]
pub struct Customer {
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// Billing address (null before acceptance).
    pub billing_address: Option<Address>,
    /// Shipping address (null before acceptance).
    pub shipping_address: Option<Address>,
}

/// A Mirakl address.
#[derive(Debug, Deserialize)]
pub struct Address {
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Street, line 1.
    pub street_1: Option<String>,
    /// Street, line 2.
    pub street_2: Option<String>,
    /// Town.
    pub city: Option<String>,
    /// Postcode.
    pub zip_code: Option<String>,
    /// Region / county.
    pub state: Option<String>,
    /// ISO 3166-1 country code (alpha-3 in practice).
    pub country_iso_code: Option<String>,
    /// Country name.
    pub country: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// One order line.
#[derive(Debug, Deserialize)]
pub struct OrderLine {
    /// Mirakl order line id.
    pub order_line_id: String,
    /// Line state code.
    pub order_line_state: Option<String>,
    /// Our offer SKU.
    pub offer_sku: String,
    /// Product title on John Lewis.
    pub product_title: Option<String>,
    /// Units ordered.
    pub quantity: i64,
    /// Line price (quantity × unit price), excluding shipping.
    pub price: f64,
    /// Shipping price of the line.
    pub shipping_price: Option<f64>,
    /// Line price + shipping + fees (excluding tax in `TAX_EXCLUDED` mode).
    pub total_price: Option<f64>,
    /// Taxes on the line price.
    pub taxes: Option<Vec<Tax>>,
    /// Taxes on the line's shipping price.
    pub shipping_taxes: Option<Vec<Tax>>,
    /// Operator-defined line fields.
    pub order_line_additional_fields: Option<Vec<AdditionalField>>,
}

/// One tax amount on a line or its shipping.
#[derive(Debug, Deserialize)]
pub struct Tax {
    /// Mirakl tax code.
    pub code: String,
    /// Amount in currency units.
    pub amount: f64,
    /// Rate in percent.
    pub rate: Option<f64>,
}

/// An operator-defined field: `{code, type, value}`; `value` is a string except for
/// multiple-value lists.
#[derive(Debug, Deserialize)]
pub struct AdditionalField {
    /// Field code.
    pub code: String,
    /// Field value.
    #[serde(default)]
    pub value: Value,
}

/// Mirakl order states (SDK `AbstractOrderStatus`).
pub const ORDER_STATES: &[&str] = &[
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUSED",
    "CANCELED",
];

/// Line-only states in addition to the order states.
const LINE_ONLY_STATES: &[&str] = &["INCIDENT_OPEN", "INCIDENT_CLOSED", "REFUNDED"];

impl MiraklOrder {
    /// Parses and checks one order document.
    pub fn parse(json: &str) -> Result<MiraklOrder, PlanError> {
        let order: MiraklOrder = PlanError::parse_json("order", json)?;
        order.check()?;
        Ok(order)
    }

    /// Rejects documents that parse but cannot describe a real order.
    fn check(&self) -> Result<(), PlanError> {
        if self.order_id.trim().is_empty() {
            return Err(PlanError::invalid("order_id is empty"));
        }
        if !ORDER_STATES.contains(&self.order_state.as_str()) {
            return Err(PlanError::unknown_value("order_state", &self.order_state));
        }
        if let Some(mode) = &self.order_tax_mode
            && mode != "TAX_INCLUDED"
            && mode != "TAX_EXCLUDED"
        {
            return Err(PlanError::unknown_value("order_tax_mode", mode));
        }
        if self.order_lines.is_empty() {
            return Err(PlanError::invalid("order_lines is empty"));
        }
        if self.order_lines.len() > 1000 {
            return Err(PlanError::invalid("order_lines has more than 1000 lines"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, line) in self.order_lines.iter().enumerate() {
            if line.order_line_id.trim().is_empty() {
                return Err(PlanError::invalid(format!(
                    "order_lines[{i}].order_line_id is empty"
                )));
            }
            if !seen.insert(line.order_line_id.as_str()) {
                return Err(PlanError::invalid(format!(
                    "order_lines[{i}].order_line_id {:?} appears twice",
                    line.order_line_id
                )));
            }
            if line.quantity <= 0 || line.quantity > 1_000_000 {
                return Err(PlanError::invalid(format!(
                    "order_lines[{i}].quantity ({}) must be between 1 and 1000000",
                    line.quantity
                )));
            }
            if let Some(state) = &line.order_line_state
                && !ORDER_STATES.contains(&state.as_str())
                && !LINE_ONLY_STATES.contains(&state.as_str())
            {
                return Err(PlanError::unknown_value(
                    &format!("order_lines[{i}].order_line_state"),
                    state,
                ));
            }
        }
        Ok(())
    }

    /// True when prices exclude tax.
    pub fn tax_excluded(&self) -> bool {
        self.order_tax_mode.as_deref() == Some("TAX_EXCLUDED")
    }

    /// The customer order number, falling back to the order id.
    pub fn commercial_id(&self) -> &str {
        self.commercial_id.as_deref().unwrap_or(&self.order_id)
    }
}

impl OrderLine {
    /// True when the line was refused or cancelled and must not reach Fulfil.
    pub fn is_dropped(&self) -> bool {
        matches!(
            self.order_line_state.as_deref(),
            Some("REFUSED" | "CANCELED")
        )
    }
}

/// The first non-empty text value among `fields` whose code is one of `codes`.
pub fn field_text(fields: Option<&[AdditionalField]>, codes: &[String]) -> Option<String> {
    fields?
        .iter()
        .filter(|f| codes.contains(&f.code))
        .find_map(|f| match &f.value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Array(items) => {
                let parts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            _ => None,
        })
}
