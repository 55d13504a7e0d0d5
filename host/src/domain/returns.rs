//! What the host exchanges with the component's `returns` interface, and the `jlm plan
//! return` JSON of a plan.

use serde::Serialize;

use super::orders::TaxName;
use super::types::{Exception, MiraklRequest, Money, Resolution, plan_json, raw_json};

/// Units of one order line the connector confirmed shipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippedUnits {
    /// Mirakl order line id.
    pub line_id: String,
    /// Units shipped.
    pub quantity: i64,
}

/// Units of one order line a return of the same order takes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnedUnits {
    /// Mirakl return id.
    pub return_id: String,
    /// Mirakl order line id.
    pub line_id: String,
    /// Units returned.
    pub quantity: i64,
}

/// A Mirakl return reason and the return reason Fulfil records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReasonName {
    /// Mirakl reason code.
    pub code: String,
    /// What Fulfil records.
    pub name: String,
}

/// `[returns]` as the component takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnPolicy {
    /// Days after delivery a customer may open a return.
    pub window_days: u32,
    /// Mirakl reason → Fulfil reason.
    pub reasons: Vec<ReasonName>,
    /// Mirakl tax code → Fulfil tax name.
    pub tax_names: Vec<TaxName>,
    /// Most decimals a unit price may have in Fulfil.
    pub unit_price_digits: u8,
}

/// Everything `plan-return` needs besides the order and the return.
pub struct ReturnInput<'a> {
    /// Units the connector confirmed shipped, per order line.
    pub shipped: &'a [ShippedUnits],
    /// Units other returns of the order take back.
    pub earlier: &'a [ReturnedUnits],
    /// The order's Fulfil sale id, once it exists.
    pub sale_id: Option<i64>,
    /// Seller policy.
    pub policy: &'a ReturnPolicy,
    /// RFC 3339 time of planning.
    pub now: &'a str,
    /// A person's refusal (Mirakl rejection reason code).
    pub refusal: Option<&'a str>,
}

/// The plan for one return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReturnPlan {
    /// Mirakl return id.
    pub return_id: String,
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// The Fulfil return sale (JSON text), when one is made.
    #[serde(serialize_with = "raw_json")]
    pub fulfil_return: Option<String>,
    /// RT21 accepting or refusing the return.
    pub requests: Vec<MiraklRequest>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// Open exceptions the plan settles.
    pub resolves: Vec<Resolution>,
}

impl ReturnPlan {
    /// The `jlm plan return` JSON: `fulfil_return` (or `null`), `requests` and `exceptions`,
    /// with the plan's other fields.
    pub fn to_json(&self) -> String {
        plan_json(self)
    }
}

/// What the warehouse recorded about one returned SKU that is not as sold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// Offer SKU.
    pub sku: String,
    /// What the warehouse recorded.
    pub note: String,
}

/// What Fulfil shows of a return once it is back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The Fulfil return shipment, as people name it.
    pub shipment: String,
    /// The return shipment is done.
    pub received: bool,
    /// SKUs the inspection found not as sold.
    pub non_compliant: Vec<Inspection>,
}

/// How much of a line's shipping a refund gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShippingRefund {
    /// Shipping stays paid.
    Never,
    /// All of it, with the return that brings a line's last unit back.
    FullReturn,
    /// Each returned unit's share.
    ProRata,
}

/// Seller policy for refunds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundPolicy {
    /// What shipping a refund gives back.
    pub shipping: ShippingRefund,
    /// The Mirakl refund reason code OR28 sends.
    pub reason_code: String,
    /// Fulfil inspection note → Mirakl non-compliance reason code.
    pub non_compliance: Vec<ReasonName>,
    /// The non-compliance reason code for an unmapped note.
    pub non_compliance_default: String,
}

/// What one order line gets back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefundedLine {
    /// Mirakl order line id.
    pub line_id: String,
    /// Units refunded.
    pub quantity: i64,
    /// Price, shipping and taxes refunded.
    pub total: Money,
}

/// The plan for refunding one received return; serialises to the `jlm plan refund` JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefundPlan {
    /// Mirakl return id.
    pub return_id: String,
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// RT25, RT26 and OR28, in that order.
    pub requests: Vec<MiraklRequest>,
    /// What the OR28 refunds, per line.
    pub refunds: Vec<RefundedLine>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// Open exceptions the plan settles.
    pub resolves: Vec<Resolution>,
}

impl RefundPlan {
    /// The `jlm plan refund` JSON.
    pub fn to_json(&self) -> String {
        plan_json(self)
    }
}
