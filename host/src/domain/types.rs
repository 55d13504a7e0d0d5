//! Records shared by every flow (WIT `types`), and the JSON every plan prints them as.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// An exact amount: integer minor units and an ISO 4217 currency code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Money {
    /// Amount in minor units; negative for refunds and debits.
    pub minor: i64,
    /// ISO 4217 code, e.g. "GBP".
    pub currency: String,
}

/// The team that owns an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Team {
    /// Warehouse, dispatch and customer service.
    Operations,
    /// Accounts, settlement and reconciliation.
    Finance,
    /// Catalogue, listings and marketplace set-up.
    Ecommerce,
}

impl Team {
    /// The name in the exception contract.
    pub fn name(self) -> &'static str {
        match self {
            Team::Operations => "operations",
            Team::Finance => "finance",
            Team::Ecommerce => "ecommerce",
        }
    }
}

/// How urgently a person must act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For the record; nothing is blocked.
    Info,
    /// Something is wrong but the flow carried on.
    Warning,
    /// The flow stopped for this subject until a person acts.
    Blocking,
}

impl Severity {
    /// The name in the exception contract.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Blocking => "blocking",
        }
    }
}

/// A problem a person must act on, deduplicated on (`code`, `subject`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// Stable code, e.g. "unknown_sku".
    pub code: String,
    /// Owning team.
    pub team: Team,
    /// Urgency.
    pub severity: Severity,
    /// What it is about: an order id, a SKU, a shipment id.
    pub subject: String,
    /// What happened and what to do.
    pub message: String,
}

/// Input the component could not use at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// Stable code, e.g. "invalid_json".
    pub code: String,
    /// What was wrong, naming the field where possible.
    pub message: String,
}

/// Open exceptions a plan settles: `codes` for `subject` (any subject when `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// Codes resolved.
    pub codes: Vec<String>,
    /// The subject they are resolved for.
    pub subject: Option<String>,
}

/// One Mirakl call a plan asks for; serialises with its body as the JSON it holds, digits
/// exactly as they will be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MiraklRequest {
    /// Mirakl API code, e.g. "OR21".
    pub api: String,
    /// Request path.
    pub path: String,
    /// JSON body text, sent as is.
    #[serde(serialize_with = "raw_json")]
    pub body: Option<String>,
}

/// One Fulfil call a plan asks for besides creating a sale: `PUT` of `path` with `body`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FulfilRequest {
    /// What it does: "sale.cancel" or "sale.line.write".
    pub call: String,
    /// Path below the API root (`…/api/v2`).
    pub path: String,
    /// JSON body text, sent as is.
    #[serde(serialize_with = "raw_json")]
    pub body: Option<String>,
}

/// Units held on John Lewis for one offer SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Offer SKU.
    pub sku: String,
    /// Units held.
    pub quantity: i64,
}

/// Serialises JSON text as the JSON value it holds, unparsed (amounts keep their digits), or
/// as a JSON string when it holds none; `null` when absent.
pub fn raw_json<S: Serializer>(text: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    match text.as_deref() {
        None => serializer.serialize_none(),
        Some(text) => match serde_json::from_str::<&RawValue>(text) {
            Ok(raw) => raw.serialize(serializer),
            Err(_) => serializer.serialize_str(text),
        },
    }
}

/// Compact JSON text of a plan view (views hold strings, numbers and raw JSON only).
pub fn plan_json<T: Serialize>(view: &T) -> String {
    serde_json::to_string(view).expect("plan views always serialise")
}
