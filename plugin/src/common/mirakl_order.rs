//! The parts of a Mirakl OR11 order the connector reads. Everything Mirakl documents as
//! optional is an `Option` (absent and `null` alike); unknown fields are skipped (Mirakl adds
//! fields without notice). Text is borrowed from the document and amounts are exact decimals.

use crate::common::error::PlanError;
use crate::common::json_reader::{JsonError, Reader, Text};
use crate::common::money::Decimal;

mod adjustments;

pub use adjustments::{LineAdjustment, all_listed};

/// Order (and order line) states that mean the goods left the seller.
pub const DISPATCHED_STATES: &[&str] = &["SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"];

/// One object of OR11's `orders[]`.
#[derive(Debug, Default)]
pub struct MiraklOrder<'a> {
    /// Mirakl order id; the Fulfil `channel_identifier`.
    pub order_id: Text<'a>,
    /// Customer-facing order number.
    pub commercial_id: Option<Text<'a>>,
    /// Order state code.
    pub order_state: Text<'a>,
    /// When the customer placed the order.
    pub created_date: Option<Text<'a>>,
    /// ISO 4217 currency.
    pub currency_iso_code: Option<Text<'a>>,
    /// Customer and addresses (addresses are null before acceptance).
    pub customer: Option<Customer<'a>>,
    /// Anonymised relay address for customer notifications.
    pub customer_notification_email: Option<Text<'a>>,
    /// Operator-defined order fields (gift messages live here).
    pub order_additional_fields: Vec<AdditionalField<'a>>,
    /// Order lines.
    pub order_lines: Vec<OrderLine<'a>>,
    /// `TAX_INCLUDED` or `TAX_EXCLUDED`.
    pub order_tax_mode: Option<Text<'a>>,
    /// Label of the shipping method chosen by the customer.
    pub shipping_type_label: Option<Text<'a>>,
    /// The order's `total_price` (lines, shipping and fees, less order-level promotions).
    pub total_price: Option<Decimal>,
    /// Code of the Mirakl fulfilment centre the order ships from (`fulfillment.center.code`).
    pub fulfillment_center: Option<Text<'a>>,
    /// John Lewis allows cancelling the whole order (OR29).
    pub can_cancel: bool,
}

/// The order's customer.
#[derive(Debug, Default)]
pub struct Customer<'a> {
    /// First name.
    pub firstname: Option<Text<'a>>,
    /// Last name.
    pub lastname: Option<Text<'a>>,
    /// Billing address (null before acceptance).
    pub billing_address: Option<Address<'a>>,
    /// Shipping address (null before acceptance).
    pub shipping_address: Option<Address<'a>>,
}

/// A Mirakl address.
#[derive(Debug, Default)]
pub struct Address<'a> {
    /// First name.
    pub firstname: Option<Text<'a>>,
    /// Last name.
    pub lastname: Option<Text<'a>>,
    /// Company.
    pub company: Option<Text<'a>>,
    /// Street, line 1.
    pub street_1: Option<Text<'a>>,
    /// Street, line 2.
    pub street_2: Option<Text<'a>>,
    /// Town.
    pub city: Option<Text<'a>>,
    /// Postcode.
    pub zip_code: Option<Text<'a>>,
    /// ISO 3166-1 country code (alpha-3 in practice).
    pub country_iso_code: Option<Text<'a>>,
    /// Country name.
    pub country: Option<Text<'a>>,
    /// Phone number.
    pub phone: Option<Text<'a>>,
    /// Second phone number.
    pub phone_secondary: Option<Text<'a>>,
    /// State, county or region.
    pub state: Option<Text<'a>>,
    /// Delivery instructions (shipping address only): door codes, where to leave parcels.
    pub additional_info: Option<Text<'a>>,
}

/// One order line.
#[derive(Debug)]
pub struct OrderLine<'a> {
    /// Mirakl order line id.
    pub order_line_id: Text<'a>,
    /// Line state code.
    pub order_line_state: Option<Text<'a>>,
    /// Our offer SKU.
    pub offer_sku: Text<'a>,
    /// Product title on John Lewis.
    pub product_title: Option<Text<'a>>,
    /// Units ordered.
    pub quantity: i64,
    /// Line price (quantity × unit price), excluding shipping.
    pub price: Decimal,
    /// Shipping price of the line.
    pub shipping_price: Option<Decimal>,
    /// Line price + shipping + fees (excluding tax in `TAX_EXCLUDED` mode).
    pub total_price: Option<Decimal>,
    /// Taxes on the line price.
    pub taxes: Vec<Tax<'a>>,
    /// Taxes on the line's shipping price.
    pub shipping_taxes: Vec<Tax<'a>>,
    /// Operator-defined line fields.
    pub order_line_additional_fields: Vec<AdditionalField<'a>>,
    /// When the line was shipped (`shipped_date`).
    pub shipped_date: Option<Text<'a>>,
    /// When the customer received it (`received_date`).
    pub received_date: Option<Text<'a>>,
    /// Refunds John Lewis already made on the line.
    pub refunds: Vec<LineAdjustment<'a>>,
    /// Units John Lewis cancelled on the line, with the money taken off.
    pub cancelations: Vec<LineAdjustment<'a>>,
}

/// One tax amount on a line or its shipping.
#[derive(Debug)]
pub struct Tax<'a> {
    /// Mirakl tax code.
    pub code: Text<'a>,
    /// Amount in currency units.
    pub amount: Decimal,
    /// Rate in percent.
    pub rate: Option<Decimal>,
}

/// An operator-defined field: `{code, type, value}`.
#[derive(Debug)]
pub struct AdditionalField<'a> {
    /// Field code.
    pub code: Text<'a>,
    /// Field value.
    pub value: FieldValue<'a>,
}

/// The value of an additional field: text, a multiple-value list, or another type (a number,
/// a boolean) that never carries a message.
#[derive(Debug)]
pub enum FieldValue<'a> {
    /// A single text value.
    Text(Text<'a>),
    /// The text items of a multiple-value list.
    List(Vec<Text<'a>>),
    /// Absent, null or not text.
    Other,
}

/// The error for a required field the document lacks.
fn missing(field: &str) -> JsonError {
    JsonError::shape(format!("missing field `{field}`"))
}

impl<'a> MiraklOrder<'a> {
    /// Reads one order object.
    fn read(r: &mut Reader<'a>) -> Result<MiraklOrder<'a>, JsonError> {
        let mut order = MiraklOrder::default();
        let (mut id, mut state, mut lines) = (None, None, None);
        // `orders` and `total_count` are the keys of an OR11 page, not of an order.
        let mut page_orders: Option<usize> = None;
        r.object(|r, key| {
            match key {
                "orders" if id.is_none() => {
                    let mut count = 0;
                    r.nullable(|r| {
                        r.array(|r, _| {
                            count += 1;
                            r.skip()
                        })
                    })?;
                    page_orders = Some(count);
                }
                "order_id" => id = Some(r.string()?),
                "commercial_id" => order.commercial_id = r.opt_string()?,
                "order_state" => state = Some(r.string()?),
                "created_date" => order.created_date = r.opt_string()?,
                "currency_iso_code" => order.currency_iso_code = r.opt_string()?,
                "customer" => order.customer = r.nullable(Customer::read)?,
                "customer_notification_email" => {
                    order.customer_notification_email = r.opt_string()?
                }
                "order_additional_fields" => {
                    order.order_additional_fields = AdditionalField::read_list(r)?
                }
                "order_lines" => lines = Some(r.vec(OrderLine::read)?),
                "order_tax_mode" => order.order_tax_mode = r.opt_string()?,
                "shipping_type_label" => order.shipping_type_label = r.opt_string()?,
                "total_price" => order.total_price = r.opt_decimal()?,
                "can_cancel" => order.can_cancel = r.nullable(|r| r.boolean())?.unwrap_or(false),
                "fulfillment" => order.fulfillment_center = r.nullable(read_center_code)?.flatten(),
                _ => r.skip()?,
            }
            Ok(())
        })?;
        if let (None, Some(count)) = (&id, page_orders) {
            return Err(JsonError::shape(format!(
                "this is an OR11 page (an `orders` list of {count} orders), not one order: pass one object of its `orders` list, e.g. `jq '.orders[0]' page.json > order.json`"
            )));
        }
        order.order_id = id.ok_or_else(|| missing("order_id"))?;
        order.order_state = state.ok_or_else(|| missing("order_state"))?;
        order.order_lines = lines.ok_or_else(|| missing("order_lines"))?;
        Ok(order)
    }
}

/// Reads `fulfillment`: `{"center": {"code": …}}`, keeping the code.
fn read_center_code<'a>(r: &mut Reader<'a>) -> Result<Option<Text<'a>>, JsonError> {
    let mut code = None;
    r.object(|r, key| match key {
        "center" => {
            code = r
                .nullable(|r| {
                    let mut code = None;
                    r.object(|r, key| match key {
                        "code" => {
                            code = r.opt_string()?;
                            Ok(())
                        }
                        _ => r.skip(),
                    })?;
                    Ok(code)
                })?
                .flatten();
            Ok(())
        }
        _ => r.skip(),
    })?;
    Ok(code)
}

impl<'a> Customer<'a> {
    /// Reads the customer object.
    fn read(r: &mut Reader<'a>) -> Result<Customer<'a>, JsonError> {
        let mut customer = Customer::default();
        r.object(|r, key| {
            match key {
                "firstname" => customer.firstname = r.opt_string()?,
                "lastname" => customer.lastname = r.opt_string()?,
                "billing_address" => customer.billing_address = r.nullable(Address::read)?,
                "shipping_address" => customer.shipping_address = r.nullable(Address::read)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(customer)
    }
}

impl<'a> Address<'a> {
    /// Reads an address object.
    fn read(r: &mut Reader<'a>) -> Result<Address<'a>, JsonError> {
        let mut a = Address::default();
        r.object(|r, key| {
            let slot = match key {
                "firstname" => &mut a.firstname,
                "lastname" => &mut a.lastname,
                "company" => &mut a.company,
                "street_1" => &mut a.street_1,
                "street_2" => &mut a.street_2,
                "city" => &mut a.city,
                "zip_code" => &mut a.zip_code,
                "country_iso_code" => &mut a.country_iso_code,
                "country" => &mut a.country,
                "phone" => &mut a.phone,
                "phone_secondary" => &mut a.phone_secondary,
                "state" => &mut a.state,
                "additional_info" => &mut a.additional_info,
                _ => return r.skip(),
            };
            *slot = r.opt_string()?;
            Ok(())
        })?;
        Ok(a)
    }
}

impl<'a> OrderLine<'a> {
    /// Reads one order line object.
    fn read(r: &mut Reader<'a>) -> Result<OrderLine<'a>, JsonError> {
        let (mut id, mut state, mut sku, mut title) = (None, None, None, None);
        let (mut quantity, mut price, mut shipping_price, mut total_price) =
            (None, None, None, None);
        let (mut taxes, mut shipping_taxes, mut fields) = (Vec::new(), Vec::new(), Vec::new());
        let (mut shipped_date, mut received_date) = (None, None);
        let (mut refunds, mut cancelations) = (Vec::new(), Vec::new());
        r.object(|r, key| {
            match key {
                "order_line_id" => id = Some(r.string()?),
                "order_line_state" => state = r.opt_string()?,
                "offer_sku" => sku = Some(r.string()?),
                "product_title" => title = r.opt_string()?,
                "quantity" => quantity = Some(r.integer()?),
                "price" => price = Some(r.decimal()?),
                "shipping_price" => shipping_price = r.opt_decimal()?,
                "total_price" => total_price = r.opt_decimal()?,
                "taxes" => taxes = Tax::read_list(r)?,
                "shipping_taxes" => shipping_taxes = Tax::read_list(r)?,
                "order_line_additional_fields" => fields = AdditionalField::read_list(r)?,
                "shipped_date" => shipped_date = r.opt_string()?,
                "received_date" => received_date = r.opt_string()?,
                "refunds" => refunds = LineAdjustment::read_list(r)?,
                "cancelations" => cancelations = LineAdjustment::read_list(r)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(OrderLine {
            order_line_id: id.ok_or_else(|| missing("order_line_id"))?,
            order_line_state: state,
            offer_sku: sku.ok_or_else(|| missing("offer_sku"))?,
            product_title: title,
            quantity: quantity.ok_or_else(|| missing("quantity"))?,
            price: price.ok_or_else(|| missing("price"))?,
            shipping_price,
            total_price,
            taxes,
            shipping_taxes,
            order_line_additional_fields: fields,
            shipped_date,
            received_date,
            refunds,
            cancelations,
        })
    }
}

impl<'a> Tax<'a> {
    /// Reads a tax list; `null` is an empty list.
    fn read_list(r: &mut Reader<'a>) -> Result<Vec<Tax<'a>>, JsonError> {
        Ok(r.nullable(|r| r.vec(Tax::read))?.unwrap_or_default())
    }

    /// Reads one tax object.
    fn read(r: &mut Reader<'a>) -> Result<Tax<'a>, JsonError> {
        let (mut code, mut amount, mut rate) = (None, None, None);
        r.object(|r, key| {
            match key {
                "code" => code = Some(r.string()?),
                "amount" => amount = Some(r.decimal()?),
                "rate" => rate = r.opt_decimal()?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(Tax {
            code: code.ok_or_else(|| missing("code"))?,
            amount: amount.ok_or_else(|| missing("amount"))?,
            rate,
        })
    }
}

impl<'a> AdditionalField<'a> {
    /// Reads a list of additional fields; `null` is an empty list.
    fn read_list(r: &mut Reader<'a>) -> Result<Vec<AdditionalField<'a>>, JsonError> {
        Ok(r.nullable(|r| r.vec(AdditionalField::read))?
            .unwrap_or_default())
    }

    /// Reads one `{code, type, value}` object.
    fn read(r: &mut Reader<'a>) -> Result<AdditionalField<'a>, JsonError> {
        let (mut code, mut value) = (None, FieldValue::Other);
        r.object(|r, key| {
            match key {
                "code" => code = Some(r.string()?),
                "value" => value = FieldValue::read(r)?,
                _ => r.skip()?,
            }
            Ok(())
        })?;
        Ok(AdditionalField {
            code: code.ok_or_else(|| missing("code"))?,
            value,
        })
    }
}

impl<'a> FieldValue<'a> {
    /// Reads a value of any type, keeping text and the text items of lists.
    fn read(r: &mut Reader<'a>) -> Result<FieldValue<'a>, JsonError> {
        if r.at_string() {
            return Ok(FieldValue::Text(r.string()?));
        }
        if r.at_array() {
            let mut items = Vec::new();
            r.array(|r, _| {
                if r.at_string() {
                    items.push(r.string()?);
                    Ok(())
                } else {
                    r.skip()
                }
            })?;
            return Ok(FieldValue::List(items));
        }
        r.skip()?;
        Ok(FieldValue::Other)
    }
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

impl<'a> MiraklOrder<'a> {
    /// Parses and checks one order document.
    pub fn parse(json: &'a str) -> Result<MiraklOrder<'a>, PlanError> {
        PlanError::check_size("order", json)?;
        let mut reader = Reader::new(json);
        let order = MiraklOrder::read(&mut reader)
            .and_then(|order| reader.end().map(|()| order))
            .map_err(|e| e.into_plan_error("order"))?;
        order.check()?;
        Ok(order)
    }

    /// Rejects documents that parse but cannot describe a real order. Values outside the
    /// documented enums (states, tax mode) are not errors: Mirakl adds values without notice,
    /// so the order still parses and its planner decides what is safe (see
    /// [`MiraklOrder::state_known`]).
    fn check(&self) -> Result<(), PlanError> {
        if self.order_id.trim().is_empty() {
            return Err(PlanError::invalid("order_id is empty"));
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
            if !seen.insert(&*line.order_line_id) {
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
        }
        Ok(())
    }

    /// True when `order_state` is one of the documented [`ORDER_STATES`].
    pub fn state_known(&self) -> bool {
        ORDER_STATES.contains(&&*self.order_state)
    }

    /// The tax mode, or the unknown value given (absent means `TAX_INCLUDED`).
    pub fn unknown_tax_mode(&self) -> Option<&str> {
        self.order_tax_mode
            .as_deref()
            .filter(|mode| !matches!(*mode, "TAX_INCLUDED" | "TAX_EXCLUDED"))
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

impl OrderLine<'_> {
    /// The line's state when it is not a documented order or line state.
    pub fn unknown_state(&self) -> Option<&str> {
        self.order_line_state
            .as_deref()
            .filter(|s| !ORDER_STATES.contains(s) && !LINE_ONLY_STATES.contains(s))
    }

    /// True when the line was refused or cancelled and must not reach Fulfil.
    pub fn is_dropped(&self) -> bool {
        matches!(
            self.order_line_state.as_deref(),
            Some("REFUSED" | "CANCELED")
        )
    }
}

/// The first non-empty text value among `fields` whose code is one of `codes` (list items
/// joined with ", "), trimmed.
pub fn field_text<'f>(fields: &'f [AdditionalField<'_>], codes: &[String]) -> Option<Text<'f>> {
    fields
        .iter()
        .filter(|f| codes.iter().any(|c| *c == f.code))
        .find_map(|f| match &f.value {
            FieldValue::Text(s) if !s.trim().is_empty() => Some(Text::Borrowed(s.trim())),
            FieldValue::List(items) if !items.is_empty() => Some(Text::Owned(items.join(", "))),
            _ => None,
        })
}

#[cfg(test)]
mod tests;
