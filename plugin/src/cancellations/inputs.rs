//! What `plan-cancel` reads besides the order: the Fulfil sale as it is now, what has left the
//! warehouse, and the seller's cancellation policy.

/// The order's Fulfil sale as Fulfil shows it now.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FulfilSale {
    /// `sale.sale` id.
    pub id: i64,
    /// The sale is cancelled (`state` = `cancel`).
    pub cancelled: bool,
    /// Its lines.
    pub lines: Vec<FulfilSaleLine>,
}

/// One `sale.line` of the sale.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FulfilSaleLine {
    /// `sale.line` id.
    pub id: i64,
    /// The Mirakl order line it sells (`channel_identifier`).
    pub line_id: String,
    /// Units it sells now.
    pub quantity: i64,
}

/// Units of an order line on one Fulfil customer shipment that is packed or done.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShippedLine {
    /// Mirakl order line id.
    pub line_id: String,
    /// Units.
    pub quantity: i64,
    /// The shipment, as people name it (its number).
    pub shipment: String,
}

/// Seller policy for cancellations (`[cancellations]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CancelPolicy {
    /// The Mirakl cancellation reason code (RE01) OR30 sends when Fulfil cancels.
    pub reason_code: String,
}

impl Default for CancelPolicy {
    fn default() -> CancelPolicy {
        CancelPolicy {
            reason_code: "SELLER_CANCELLATION".into(),
        }
    }
}
