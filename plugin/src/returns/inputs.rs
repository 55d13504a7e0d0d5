//! What `plan-return` reads besides the order and the return: what shipped, what earlier
//! returns took back, the Fulfil sale, and the seller's return policy.

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
