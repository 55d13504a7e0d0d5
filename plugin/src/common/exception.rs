//! Exceptions: problems a person must act on, each with a stable code and an owning team.

use serde::Serialize;

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

/// How urgently a person must act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For the record.
    Info,
    /// Wrong, but the flow carried on.
    Warning,
    /// The flow stopped for this subject.
    Blocking,
}

/// One problem for the exception queue; deduplicated on (`code`, `subject`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// Stable code such as `unknown_sku`.
    pub code: String,
    /// Owning team.
    pub team: Team,
    /// Urgency.
    pub severity: Severity,
    /// Order id, SKU or shipment id the problem is about.
    pub subject: String,
    /// What happened and what to do.
    pub message: String,
}

impl Exception {
    /// Builds an exception.
    pub fn new(
        code: &str,
        team: Team,
        severity: Severity,
        subject: &str,
        message: String,
    ) -> Exception {
        Exception {
            code: code.to_string(),
            team,
            severity,
            subject: subject.to_string(),
            message,
        }
    }

    /// True when the flow must stop for a person.
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Blocking
    }
}

/// Open exceptions a plan or a fact settles: every open exception with one of `codes` about
/// `subject` (any subject when `None`), except those raised with the same plan or fact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// Codes whose condition was examined again.
    pub codes: Vec<String>,
    /// What they are about; `None`: every subject.
    pub subject: Option<String>,
}

impl Resolution {
    /// Settles `codes` for `subject` (every subject when `None`).
    pub fn new(codes: &[&str], subject: Option<&str>) -> Resolution {
        Resolution {
            codes: codes.iter().map(|c| c.to_string()).collect(),
            subject: subject.map(str::to_string),
        }
    }
}
