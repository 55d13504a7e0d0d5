//! What `plan-return` and `plan-refund` read besides the order and the return: what shipped,
//! what earlier returns took back, the Fulfil sale, what the warehouse received, and the
//! seller's return and refund policies.

/// Units of one order line the connector confirmed shipped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ShippedUnits {
    /// Mirakl order line id.
    pub line_id: String,
    /// Units shipped.
    pub quantity: i64,
}

/// Units of one order line another return of the same order already takes back.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ReturnedUnits {
    /// The Mirakl return id (a line of this very return is ignored: planning it again is
    /// idempotent).
    pub return_id: String,
    /// Mirakl order line id.
    pub line_id: String,
    /// Units returned.
    pub quantity: i64,
}

/// Seller policy for returns (see the WIT `return-policy`). Deserialises from a JSON object
/// holding any subset of the fields (golden cases' `policy.json`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnPolicy {
    /// Days from delivery (or shipping, when John Lewis shows no delivery) a customer may
    /// open a return; John Lewis: 35.
    pub window_days: u32,
    /// Mirakl return reason code → the return reason Fulfil records.
    pub reasons: Vec<(String, String)>,
    /// Mirakl tax code → Fulfil tax name (the orders table).
    pub tax_names: Vec<(String, String)>,
    /// Most decimals a unit price may have in Fulfil.
    pub unit_price_digits: u8,
}

impl Default for ReturnPolicy {
    fn default() -> ReturnPolicy {
        ReturnPolicy {
            window_days: 35,
            reasons: Vec::new(),
            tax_names: Vec::new(),
            unit_price_digits: 4,
        }
    }
}

impl ReturnPolicy {
    /// The Fulfil reason for a Mirakl reason code (the code itself when unmapped).
    pub fn reason<'a>(&'a self, code: &'a str) -> &'a str {
        self.reasons
            .iter()
            .find(|(mirakl, _)| mirakl == code)
            .map_or(code, |(_, fulfil)| fulfil.as_str())
    }

    /// The Fulfil tax name for a Mirakl tax code (the code itself when unmapped).
    pub fn tax_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.tax_names
            .iter()
            .find(|(mirakl, _)| mirakl == code)
            .map_or(code, |(_, fulfil)| fulfil.as_str())
    }
}

/// What Fulfil shows of a return once it is back: its return shipment and the inspection.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Receipt {
    /// The Fulfil return shipment, as messages name it.
    pub shipment: String,
    /// The warehouse received it (the return shipment is done).
    pub received: bool,
    /// SKUs the inspection found not compliant, with what the warehouse recorded.
    pub non_compliant: Vec<(String, String)>,
}

/// How much of a line's shipping a refund gives back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShippingRefund {
    /// Never: shipping stays paid.
    Never,
    /// All of a line's shipping, with the return that brings its last unit back.
    #[default]
    FullReturn,
    /// Each returned unit's share of the line's shipping.
    ProRata,
}

/// Seller policy for refunds (see the WIT `refund-policy`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefundPolicy {
    /// What shipping a refund gives back.
    pub shipping: ShippingRefund,
    /// The Mirakl refund reason code (RE01) OR28 sends.
    pub reason_code: String,
    /// What Fulfil's inspection records → the Mirakl non-compliance reason code (RT26).
    pub non_compliance: Vec<(String, String)>,
    /// The non-compliance reason code for an inspection note no mapping names.
    pub non_compliance_default: String,
}

impl Default for RefundPolicy {
    fn default() -> RefundPolicy {
        RefundPolicy {
            shipping: ShippingRefund::FullReturn,
            reason_code: "RETURN".into(),
            non_compliance: Vec::new(),
            non_compliance_default: "DAMAGED".into(),
        }
    }
}

impl RefundPolicy {
    /// The Mirakl non-compliance reason for what the warehouse recorded.
    pub fn non_compliance_code<'a>(&'a self, note: &str) -> &'a str {
        self.non_compliance
            .iter()
            .find(|(fulfil, _)| fulfil.eq_ignore_ascii_case(note.trim()))
            .map_or(&self.non_compliance_default, |(_, code)| code)
    }
}
