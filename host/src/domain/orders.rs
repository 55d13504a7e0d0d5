//! What the host exchanges with the component's `orders` interface, and the `jlm plan order`
//! JSON of a plan.

use serde::Serialize;

use super::types::{Exception, MiraklRequest, Money, Resolution, plan_json, raw_json};

/// A Fulfil product the order may name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Fulfil product `code` (the SKU), exactly as stored.
    pub sku: String,
    /// The product's EAN, if Fulfil holds one.
    pub ean: Option<String>,
    /// Units available to promise, rounded down.
    pub available: i64,
}

/// A John Lewis offer from the offer mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// Our offer SKU on John Lewis.
    pub sku: String,
    /// The EAN John Lewis has for it, if known.
    pub ean: Option<String>,
}

/// A Mirakl tax code and the Fulfil tax name it maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxName {
    /// Mirakl tax code, e.g. "GB-VAT-STANDARD".
    pub code: String,
    /// Fulfil tax name, e.g. "UK Standard VAT".
    pub name: String,
}

/// The seller's order policy (from `[orders]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPolicy {
    /// Refuse out-of-stock lines automatically when the rest of the order is clean.
    pub refuse_out_of_stock: bool,
    /// Order-level additional field codes that carry a gift message.
    pub gift_message_order_codes: Vec<String>,
    /// Line-level additional field codes that carry a gift message.
    pub gift_message_line_codes: Vec<String>,
    /// Mirakl tax code to Fulfil tax name.
    pub tax_names: Vec<TaxName>,
    /// Minutes John Lewis allows between order creation and the acceptance decision.
    pub acceptance_window_minutes: u32,
    /// Most decimal places Fulfil stores on a unit price.
    pub unit_price_digits: u8,
    /// ISO 4217 currency the channel sells in.
    pub currency: String,
    /// Country of an address that names none.
    pub default_country: Option<String>,
    /// Unmapped tax codes and rate-less taxes are sent as they are on purpose.
    pub tax_pass_through: bool,
}

/// The acceptance action of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Accept every line (OR21).
    Accept,
    /// Refuse every line (OR21).
    Refuse,
    /// Hold for a person.
    Hold,
    /// Nothing to decide.
    None,
}

impl Action {
    /// The name in the `jlm plan order` contract.
    pub fn name(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Refuse => "refuse",
            Action::Hold => "hold",
            Action::None => "none",
        }
    }
}

/// One line's acceptance decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineDecision {
    /// Mirakl `order_line_id`.
    pub line_id: String,
    /// Accepted (true) or refused (false).
    pub accepted: bool,
}

/// The component's plan for one order; serialises to the `jlm plan order` JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderPlan {
    /// Mirakl `order_id`.
    pub order_id: String,
    /// Mirakl `commercial_id`, the customer's order number.
    pub commercial_id: String,
    /// Mirakl `order_state` as received.
    pub state: String,
    /// Acceptance action.
    pub action: Action,
    /// Every line's decision when `action` is accept or refuse.
    pub lines: Vec<LineDecision>,
    /// The Fulfil `create_order` body, final JSON text, stored and sent as is.
    #[serde(serialize_with = "raw_json")]
    pub fulfil_order: Option<String>,
    /// What the customer paid, when `fulfil_order` is present.
    pub total: Option<Money>,
    /// Exceptions the plan raises.
    pub exceptions: Vec<Exception>,
    /// The Mirakl calls the decision makes (OR21).
    pub requests: Vec<MiraklRequest>,
    /// The order's open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

impl OrderPlan {
    /// The `jlm plan order` JSON of the plan.
    pub fn to_json(&self) -> String {
        plan_json(self)
    }
}

/// Where the connector has taken an order (WIT `order-stage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStage {
    /// Seen, not decided yet (or not awaiting acceptance yet).
    New,
    /// Waiting for a person (blocking exception).
    Held,
    /// OR21 accepting every line is recorded (sent or to be sent).
    Accepted,
    /// OR21 refusing at least one line is recorded.
    Refused,
    /// The Fulfil sale exists.
    Created,
    /// Nothing more to do (refused entirely, cancelled, or past the connector's scope).
    Closed,
}

impl OrderStage {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStage::New => "new",
            OrderStage::Held => "held",
            OrderStage::Accepted => "accepted",
            OrderStage::Refused => "refused",
            OrderStage::Created => "created",
            OrderStage::Closed => "closed",
        }
    }

    /// The stage of a stored name (`new` for an unknown one).
    pub fn parse(text: &str) -> OrderStage {
        match text {
            "held" => OrderStage::Held,
            "accepted" => OrderStage::Accepted,
            "refused" => OrderStage::Refused,
            "created" => OrderStage::Created,
            "closed" => OrderStage::Closed,
            _ => OrderStage::New,
        }
    }
}

/// A stored order as `still-waiting` judges it.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    /// Where the connector has taken it.
    pub stage: OrderStage,
    /// Mirakl `order_state` as OR11 last returned it.
    pub state: String,
}
