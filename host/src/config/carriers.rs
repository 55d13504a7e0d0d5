//! `[carriers]` and `[dispatch]`: how Fulfil shipments are reported to John Lewis.
//!
//! The carrier table is a list of `[[carriers.map]]` entries with the keys `fulfil_carrier`,
//! `fulfil_service` (optional: without it the entry covers every service of the carrier),
//! `jl_code` (the John Lewis carrier code, from SH21), and the optional extras
//! `tracking_format`, `registered` (default true), `name` and `tracking_url_template`.
//! Matching, the tracking-format language and the meaning of each key are the component's
//! (see `wit/dispatch.wit`, `carrier-mapping`).

use anyhow::bail;
use serde::Deserialize;

use crate::domain::dispatch::{CarrierMapping, DispatchPolicy};

/// `[carriers]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CarriersSection {
    /// `[[carriers.map]]`: the carrier table.
    pub map: Vec<CarrierEntry>,
}

fn registered_by_default() -> bool {
    true
}

/// One `[[carriers.map]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierEntry {
    /// Fulfil carrier name, e.g. "Royal Mail" (trimmed, case-insensitive).
    pub fulfil_carrier: String,
    /// Fulfil service name, e.g. "Tracked 24"; absent = every service of the carrier.
    #[serde(default)]
    pub fulfil_service: Option<String>,
    /// John Lewis carrier code (SH21 `code`); required unless `registered = false`.
    #[serde(default)]
    pub jl_code: Option<String>,
    /// Pattern every tracking number must match (`A` letter, `9` digit, `|` alternatives).
    #[serde(default)]
    pub tracking_format: Option<String>,
    /// False for a carrier John Lewis does not know: sent by name and tracking URL.
    #[serde(default = "registered_by_default")]
    pub registered: bool,
    /// Carrier name sent for an unregistered carrier (default: `fulfil_carrier`).
    #[serde(default)]
    pub name: Option<String>,
    /// Tracking URL of an unregistered carrier; `{tracking}` is replaced by the number.
    #[serde(default)]
    pub tracking_url_template: Option<String>,
}

/// `[dispatch]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DispatchSection {
    /// John Lewis has multi-shipment enabled for the shop: shipments are created with ST01
    /// instead of OR23 + OR24.
    pub multi_shipment: bool,
    /// How often Fulfil is polled for shipments done (and the clocks evaluated).
    pub poll_interval: super::ConfigDuration,
    /// How far before its cursor each poll re-reads: Fulfil stamps a shipment with the start
    /// of the transaction that wrote it, so one committed late can carry an earlier
    /// `write_date` than shipments already read.
    pub overlap: super::ConfigDuration,
}

impl Default for DispatchSection {
    fn default() -> Self {
        DispatchSection {
            multi_shipment: false,
            poll_interval: super::ConfigDuration(std::time::Duration::from_secs(60)),
            overlap: super::ConfigDuration(std::time::Duration::from_secs(600)),
        }
    }
}

impl CarriersSection {
    /// Per-entry checks the file can answer by itself (the component checks the rest).
    pub fn check(&self) -> anyhow::Result<()> {
        for (i, entry) in self.map.iter().enumerate() {
            if entry.fulfil_carrier.trim().is_empty() {
                bail!("carriers.map[{i}]: fulfil_carrier is empty");
            }
            let code = entry.jl_code.as_deref().map(str::trim).unwrap_or_default();
            if entry.registered && code.is_empty() {
                bail!(
                    "carriers.map[{i}] ({:?}): jl_code is not set; put the carrier's John Lewis code (from SH21) there, or registered = false for a carrier John Lewis does not know",
                    entry.fulfil_carrier.trim()
                );
            }
        }
        Ok(())
    }
}

impl CarrierEntry {
    /// The carrier-table record passed to the component.
    pub fn mapping(&self) -> CarrierMapping {
        CarrierMapping {
            fulfil_carrier: self.fulfil_carrier.clone(),
            fulfil_service: self.fulfil_service.clone(),
            jl_code: self.jl_code.clone().unwrap_or_default(),
            tracking_format: self.tracking_format.clone(),
            registered: self.registered,
            name: self.name.clone(),
            tracking_url_template: self.tracking_url_template.clone(),
        }
    }
}

impl DispatchSection {
    /// The dispatch policy record passed to the component: this section plus the carrier
    /// table (see also [`super::Config::dispatch_policy`]).
    pub fn policy(&self, carriers: &CarriersSection) -> DispatchPolicy {
        DispatchPolicy {
            carriers: carriers.map.iter().map(CarrierEntry::mapping).collect(),
            multi_shipment: self.multi_shipment,
        }
    }
}
