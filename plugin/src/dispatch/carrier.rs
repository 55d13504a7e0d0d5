//! The carrier table: Fulfil carrier + service → John Lewis carrier, and the SH21 list.
//!
//! Names are compared after trimming surrounding whitespace, case-insensitively (Unicode
//! lower case); inner spacing and punctuation must match. An entry with a service beats the
//! carrier-wide entry (no service) of the same carrier.

use serde::Deserialize;

use super::CarrierMapping;
use super::tracking::TrackingFormat;
use crate::common::error::PlanError;

/// Most entries accepted in the carrier table.
pub const MAX_CARRIERS: usize = 1000;

/// The comparison form of a carrier or service name.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A service name, or `None` when absent or blank.
fn service_key(service: Option<&str>) -> Option<String> {
    service.map(name_key).filter(|s| !s.is_empty())
}

/// The mapping for a Fulfil carrier and service: the service-specific entry if there is one,
/// else the carrier-wide entry.
pub fn find<'a>(
    table: &'a [CarrierMapping],
    carrier: &str,
    service: Option<&str>,
) -> Option<&'a CarrierMapping> {
    let carrier = name_key(carrier);
    if carrier.is_empty() {
        return None;
    }
    let service = service_key(service);
    let of_carrier: Vec<&CarrierMapping> = table
        .iter()
        .filter(|m| name_key(&m.fulfil_carrier) == carrier)
        .collect();
    let specific = service.as_ref().and_then(|s| {
        of_carrier
            .iter()
            .find(|m| service_key(m.fulfil_service.as_deref()).as_ref() == Some(s))
    });
    specific
        .or_else(|| {
            of_carrier
                .iter()
                .find(|m| service_key(m.fulfil_service.as_deref()).is_none())
        })
        .copied()
}

/// Checks the carrier table: names present, registered entries with a code, unregistered
/// entries with a usable URL template, valid tracking formats, no duplicate keys.
pub fn check_table(table: &[CarrierMapping]) -> Result<(), PlanError> {
    if table.len() > MAX_CARRIERS {
        return Err(PlanError::argument(format!(
            "the carrier table has {} entries; the limit is {MAX_CARRIERS}",
            table.len()
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, m) in table.iter().enumerate() {
        let what = format!("carriers[{i}]");
        if name_key(&m.fulfil_carrier).is_empty() {
            return Err(PlanError::argument(format!(
                "{what}.fulfil_carrier is empty"
            )));
        }
        let key = (
            name_key(&m.fulfil_carrier),
            service_key(m.fulfil_service.as_deref()),
        );
        if !seen.insert(key) {
            return Err(PlanError::argument(format!(
                "{what} maps {:?} / {:?} a second time; keep one entry per carrier and service",
                m.fulfil_carrier.trim(),
                m.fulfil_service
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or("(every service)")
            )));
        }
        if m.registered && m.jl_code.trim().is_empty() {
            return Err(PlanError::argument(format!(
                "{what}.jl_code is empty; a registered carrier needs its John Lewis (SH21) code"
            )));
        }
        if let Some(format) = &m.tracking_format {
            TrackingFormat::parse(format).map_err(|problem| {
                PlanError::argument(format!("{what}.tracking_format {format:?} {problem}"))
            })?;
        }
        if let Some(name) = &m.name
            && name.trim().is_empty()
        {
            return Err(PlanError::argument(format!("{what}.name is blank")));
        }
        if let Some(template) = &m.tracking_url_template {
            let t = template.trim();
            if !(t.starts_with("https://") || t.starts_with("http://"))
                || t.chars().any(char::is_whitespace)
            {
                return Err(PlanError::argument(format!(
                    "{what}.tracking_url_template {template:?} must be an http(s) URL without spaces"
                )));
            }
        }
    }
    Ok(())
}

/// SH21 response body.
#[derive(Debug, Deserialize)]
pub struct CarrierList {
    /// Carriers the operator approved.
    pub carriers: Vec<ApprovedCarrier>,
}

/// One SH21 carrier.
#[derive(Debug, Deserialize)]
pub struct ApprovedCarrier {
    /// Carrier code, the value of OR23 `carrier_code`.
    pub code: String,
    /// Display label.
    #[serde(default)]
    pub label: Option<String>,
}

impl CarrierList {
    /// Parses an SH21 response body. The body is an argument the host fetched, not the
    /// order: malformed JSON is `invalid_json`, JSON of the wrong shape `invalid_argument`.
    pub fn parse(json: &str) -> Result<CarrierList, PlanError> {
        PlanError::parse_json("carriers (SH21)", json).map_err(|e| {
            if e.code == "invalid_order" {
                PlanError::argument(e.message)
            } else {
                e
            }
        })
    }

    /// The display label of `code` (exact match), when the list gives a non-blank one.
    pub fn label(&self, code: &str) -> Option<&str> {
        self.carriers
            .iter()
            .filter(|c| c.code == code)
            .find_map(|c| c.label.as_deref().map(str::trim).filter(|l| !l.is_empty()))
    }

    /// True when `code` is on the list (exact match; codes are identifiers).
    pub fn approves(&self, code: &str) -> bool {
        self.carriers.iter().any(|c| c.code == code)
    }

    /// The list as `CODE (Label)`, for messages; at most 12 entries.
    pub fn describe(&self) -> String {
        if self.carriers.is_empty() {
            return "SH21 lists no carriers".into();
        }
        let mut shown: Vec<String> = self
            .carriers
            .iter()
            .take(12)
            .map(|c| match c.label.as_deref().map(str::trim) {
                Some(label) if !label.is_empty() && label != c.code => {
                    format!("{} ({label})", c.code)
                }
                _ => c.code.clone(),
            })
            .collect();
        if self.carriers.len() > shown.len() {
            shown.push(format!("and {} more", self.carriers.len() - shown.len()));
        }
        format!("SH21 lists {}", shown.join(", "))
    }
}
