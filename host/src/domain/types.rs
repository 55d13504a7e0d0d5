//! Records shared by every flow (WIT `types`), and the JSON every plan prints them as.

use serde_json::{Value, json};

/// An exact amount: integer minor units and an ISO 4217 currency code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    /// Amount in minor units; negative for refunds and debits.
    pub minor: i64,
    /// ISO 4217 code, e.g. "GBP".
    pub currency: String,
}

/// The team that owns an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// Codes resolved.
    pub codes: Vec<String>,
    /// The subject they are resolved for.
    pub subject: Option<String>,
}

/// One Mirakl call a plan asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MiraklRequest {
    /// Mirakl API code, e.g. "OR21".
    pub api: String,
    /// Request path.
    pub path: String,
    /// JSON body text, sent as is.
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

/// The JSON of exceptions, as every plan prints them.
pub fn exceptions_to_json(exceptions: &[Exception]) -> Value {
    exceptions
        .iter()
        .map(|e| {
            json!({
                "code": e.code,
                "team": e.team.name(),
                "severity": e.severity.name(),
                "subject": e.subject,
                "message": e.message,
            })
        })
        .collect()
}

/// The JSON of Mirakl requests: each body as the JSON value it holds.
pub fn requests_to_json(requests: &[MiraklRequest]) -> Value {
    requests
        .iter()
        .map(|r| {
            json!({
                "api": r.api,
                "path": r.path,
                "body": r.body.as_deref().map(json_or_text),
            })
        })
        .collect()
}

/// The JSON of resolutions.
pub fn resolutions_to_json(resolutions: &[Resolution]) -> Value {
    resolutions
        .iter()
        .map(|r| json!({"codes": r.codes, "subject": r.subject}))
        .collect()
}

/// `text` as the JSON it holds, or as a JSON string when it holds none.
pub fn json_or_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}
