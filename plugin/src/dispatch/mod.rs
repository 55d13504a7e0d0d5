//! The dispatch flow, `plan-dispatch`: for one Fulfil shipment of a John Lewis order, the
//! Mirakl calls that report it (tracking and shipment confirmation), or the exceptions that
//! stop it. The shipment is checked against the order (`lines`), the Fulfil carrier mapped to
//! John Lewis' (`carrier`) and the tracking number checked (`tracking`); meanwhile the
//! [`clocks`] watch every stored order's acceptance and dispatch deadlines.
//!
//! The flow, in order:
//!
//! 1. Arguments are checked (carrier table, shipment, ledger of earlier shipments) and the
//!    order (one OR11 `orders[]` object) and the SH21 carrier list are parsed; anything
//!    unusable is a [`PlanError`].
//! 2. The order must be `SHIPPING`. `SHIPPED`, `TO_COLLECT`, `RECEIVED` and `CLOSED` mean the
//!    dispatch was already confirmed: an empty plan without exceptions (replays are
//!    harmless). Any other state is a `dispatch_mismatch`.
//! 3. Every shipment line must name a live line of the order (not `REFUSED`/`CANCELED`), with
//!    the order line's offer SKU, and the units shipped so far (`shipped_lines`) plus this
//!    shipment must not exceed the ordered quantity; else `dispatch_mismatch`.
//! 4. The carrier table maps the Fulfil carrier and service to a John Lewis carrier (see
//!    [`CarrierMapping`]); no entry is `unmapped_carrier`, a registered code missing from SH21
//!    is `carrier_not_approved`, a missing or malformed tracking number is `tracking_invalid`.
//! 5. Any blocking exception: no requests at all. Otherwise, without multi-shipment, OR23
//!    (tracking) and, once every accepted line is fully shipped, OR24 (ship); a partial
//!    shipment adds the info exception `partial_dispatch`. With multi-shipment, one ST01
//!    creating the shipment already shipped (`"shipped": true`).
//!
//! [`check_carrier`] answers step 4 alone for one carrier and service (`jlm carriers check`).
//!
//! ST23 (tracking of an existing shipment) and ST24 (ship an existing shipment) need the
//! shipment id Mirakl returns from ST01, so they are never planned here: they are for a host
//! that creates shipments with `"shipped": false` ahead of time, or corrects the tracking of a
//! shipment already created. ST01 with `"shipped": true` carries lines, tracking and the
//! shipped confirmation in one call.
//!
//! Known limit: Mirakl's cancellation quantities are informative only, so a partially
//! cancelled line still counts its full ordered quantity towards completeness.

pub mod clocks;
pub mod reread;

mod carrier;
mod lines;
mod tracking;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::mirakl_order::{DISPATCHED_STATES, MiraklOrder};
pub use crate::common::mirakl_request::MiraklRequest;

pub use tracking::TrackingFormat;

use tracking::{percent_encode, tracking_url};

use carrier::CarrierList;
use lines::{Progress, check_lines, check_shipment, shipped_before, state_advice};

/// Most lines accepted in one shipment.
pub const MAX_SHIPMENT_LINES: usize = 1000;

/// Most entries accepted in the ledger of earlier shipments.
pub const MAX_SHIPPED_LINES: usize = 100_000;

/// One line of a Fulfil shipment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    /// Mirakl `order_line_id` of the order line shipped (the Fulfil sale line's
    /// `channel_identifier`).
    pub line_id: String,
    /// SKU shipped (Fulfil product code); must equal the order line's `offer_sku`.
    pub sku: String,
    /// Units shipped.
    pub quantity: i64,
}

/// A Fulfil customer shipment of a John Lewis order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Fulfil shipment id.
    pub id: i64,
    /// Mirakl `order_id` of the order shipped.
    pub order: String,
    /// Fulfil carrier name, e.g. "Royal Mail".
    pub carrier: String,
    /// Fulfil carrier service, e.g. "Tracked 24".
    #[serde(default)]
    pub service: Option<String>,
    /// Carrier tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// Lines shipped.
    pub lines: Vec<ShipmentLine>,
}

/// Units of an order line already confirmed shipped by earlier shipments (never this one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedLine {
    /// Mirakl `order_line_id`.
    pub line_id: String,
    /// Units confirmed shipped.
    pub quantity: i64,
}

fn registered_by_default() -> bool {
    true
}

/// One entry of the carrier table.
///
/// Matching: `fulfil_carrier` and `fulfil_service` are compared with the shipment's carrier
/// and service after trimming, case-insensitively. An entry with a service beats the entry
/// without one (which covers every service of the carrier, and shipments without a service).
///
/// Registered carriers (on John Lewis' SH21 list) are sent as `carrier_code` = `jl_code`;
/// unregistered ones as `carrier_name` = `name` (default: `fulfil_carrier`, trimmed) plus
/// the tracking URL built from `tracking_url_template` (`{tracking}` or `{trackingId}` is
/// replaced by the URL-encoded tracking number). `jl_code` is ignored for unregistered
/// carriers and `tracking_url_template` for registered ones (Mirakl builds their URL).
///
/// `tracking_format` uses the language of [`TrackingFormat`]: `A` = upper-case letter,
/// `9` = digit, `\` escapes, anything else literal, `|` between alternatives
/// (e.g. `"AA999999999GB"` for Royal Mail).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierMapping {
    /// Fulfil carrier name.
    pub fulfil_carrier: String,
    /// Fulfil service name; `None` = every service of the carrier.
    #[serde(default)]
    pub fulfil_service: Option<String>,
    /// John Lewis carrier code (SH21 `code`); required for registered carriers.
    #[serde(default)]
    pub jl_code: String,
    /// Pattern every tracking number of this carrier must match.
    #[serde(default)]
    pub tracking_format: Option<String>,
    /// False for a carrier John Lewis does not know (sent by name, not code).
    #[serde(default = "registered_by_default")]
    pub registered: bool,
    /// Carrier name sent for an unregistered carrier.
    #[serde(default)]
    pub name: Option<String>,
    /// Tracking URL template for an unregistered carrier.
    #[serde(default)]
    pub tracking_url_template: Option<String>,
}

/// The seller's dispatch policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchPolicy {
    /// The carrier table.
    pub carriers: Vec<CarrierMapping>,
    /// John Lewis has multi-shipment (ST01) enabled for the shop.
    #[serde(default)]
    pub multi_shipment: bool,
}

/// The plan for one shipment; serialises to `{"requests", "exceptions", "complete"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DispatchPlan {
    /// Calls to make, in order; empty when blocked or already dispatched.
    pub requests: Vec<MiraklRequest>,
    /// Problems for the exception queue (subject: the Fulfil shipment id).
    pub exceptions: Vec<Exception>,
    /// Every accepted line is fully shipped once these requests succeed (true for an order
    /// already dispatched, false when the plan is blocked).
    pub complete: bool,
    /// The shipment's open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

/// Shipment-scoped codes a new plan settles when it no longer raises them.
const SHIPMENT_CODES: &[&str] = &[
    "unmapped_carrier",
    "carrier_not_approved",
    "tracking_invalid",
    "dispatch_mismatch",
    "partial_dispatch",
    "plugin_fault",
];

impl DispatchPlan {
    fn new(
        subject: &str,
        requests: Vec<MiraklRequest>,
        exceptions: Vec<Exception>,
        complete: bool,
    ) -> DispatchPlan {
        DispatchPlan {
            requests,
            exceptions,
            complete,
            resolves: vec![Resolution::new(SHIPMENT_CODES, Some(subject))],
        }
    }

    fn blocked(subject: &str, exceptions: Vec<Exception>) -> DispatchPlan {
        DispatchPlan::new(subject, Vec::new(), exceptions, false)
    }
}

impl DispatchPolicy {
    /// Rejects an unusable carrier table (see [`CarrierMapping`]).
    pub fn check(&self) -> Result<(), PlanError> {
        carrier::check_table(&self.carriers)
    }
}

/// The John Lewis side of the carrier, resolved.
enum JlCarrier {
    /// On the SH21 list: sent by code.
    Registered { code: String },
    /// Not on the list: sent by name, with a tracking URL if one can be built.
    Unregistered { name: String, url: Option<String> },
}

/// Carrier and tracking number as John Lewis will receive them.
struct Tracking {
    carrier: JlCarrier,
    number: Option<String>,
}

/// Plans the Mirakl calls for one shipment (see the module documentation and the WIT
/// `plan-dispatch`). `carriers_json` is the SH21 response body, or `None` to skip the
/// approved-list check; `shipped_lines` the units confirmed by earlier shipments.
pub fn plan_dispatch(
    order_json: &str,
    shipment: &Shipment,
    carriers_json: Option<&str>,
    policy: &DispatchPolicy,
    shipped_lines: &[ShippedLine],
) -> Result<DispatchPlan, PlanError> {
    policy.check()?;
    check_shipment(shipment)?;
    if shipped_lines.len() > MAX_SHIPPED_LINES {
        return Err(PlanError::argument(format!(
            "shipped_lines has {} entries; the limit is {MAX_SHIPPED_LINES}",
            shipped_lines.len()
        )));
    }
    let order = MiraklOrder::parse(order_json)?;
    let approved = carriers_json.map(CarrierList::parse).transpose()?;
    if shipment.order.trim() != order.order_id {
        return Err(PlanError::argument(format!(
            "shipment {} is for order {:?} but the order given is {:?}",
            shipment.id, shipment.order, order.order_id
        )));
    }
    let shipped = shipped_before(&order, shipped_lines)?;
    let subject = shipment.id.to_string();
    let oid = &*order.order_id;

    let state = &*order.order_state;
    if DISPATCHED_STATES.contains(&state) {
        return Ok(DispatchPlan::new(&subject, Vec::new(), Vec::new(), true));
    }
    if state != "SHIPPING" {
        return Ok(DispatchPlan::blocked(
            &subject,
            vec![Exception::new(
                "dispatch_mismatch",
                Team::Operations,
                Severity::Blocking,
                &subject,
                format!(
                    "Shipment {subject} is for John Lewis order {oid}, which is {state}, not SHIPPING: {} Nothing was sent to John Lewis.",
                    state_advice(state)
                ),
            )],
        ));
    }

    let mut exceptions = Vec::new();
    let progress = match check_lines(&order, shipment, &shipped) {
        Ok(progress) => Some(progress),
        Err(problems) => {
            exceptions.push(Exception::new(
                "dispatch_mismatch",
                Team::Operations,
                Severity::Blocking,
                &subject,
                format!(
                    "Shipment {subject} does not match John Lewis order {oid}: {}. Nothing was sent to John Lewis. Correct the shipment in Fulfil (or stop the parcel and contact customer service), then retry it.",
                    problems.join("; ")
                ),
            ));
            None
        }
    };
    let tracking = match resolve_tracking(policy, shipment, approved.as_ref(), oid, &subject) {
        Ok(tracking) => Some(tracking),
        Err(problems) => {
            exceptions.extend(problems);
            None
        }
    };
    let (Some(progress), Some(tracking)) = (progress, tracking) else {
        return Ok(DispatchPlan::blocked(&subject, exceptions));
    };

    let complete = progress.remaining.is_empty();
    let mut requests = Vec::new();
    if policy.multi_shipment {
        requests.push(MiraklRequest::with_body(
            "ST01",
            "/api/shipments".into(),
            &st01_body(oid, &progress, &tracking),
        ));
    } else {
        let segment = percent_encode(oid);
        requests.push(MiraklRequest::with_body(
            "OR23",
            format!("/api/orders/{segment}/tracking"),
            &or23_body(&tracking),
        ));
        if complete {
            requests.push(MiraklRequest::bodiless(
                "OR24",
                format!("/api/orders/{segment}/ship"),
            ));
        } else {
            let left: Vec<String> = progress
                .remaining
                .iter()
                .map(|(id, left, ordered)| format!("{id} ({left} of {ordered})"))
                .collect();
            exceptions.push(Exception::new(
                "partial_dispatch",
                Team::Operations,
                Severity::Info,
                &subject,
                format!(
                    "Shipment {subject} ships John Lewis order {oid} in part; still to ship: {}. The tracking was sent (OR23); the order is confirmed shipped (OR24) with the shipment that completes it. Without multi-shipment John Lewis keeps one tracking number per order, so the next shipment's tracking replaces this one.",
                    left.join(", ")
                ),
            ));
        }
    }
    Ok(DispatchPlan::new(&subject, requests, exceptions, complete))
}

/// How the carrier table and John Lewis' carrier list treat one Fulfil carrier and service;
/// serialises to `{"status", "jl_code", "label"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CarrierCheck {
    /// `"mapped"`: a shipment by this carrier and service would be reported (registered and,
    /// when the SH21 list was given, on it; or unregistered, sent by name).
    /// `"unmapped"`: no entry of the carrier table covers it (`unmapped_carrier`).
    /// `"not_approved"`: mapped to a code missing from the SH21 list (`carrier_not_approved`).
    pub status: String,
    /// John Lewis carrier code the entry maps to (trimmed); `None` when unmapped or for an
    /// unregistered carrier (sent by name, not code).
    pub jl_code: Option<String>,
    /// SH21 `label` of `jl_code`, when the list was given and labels it.
    pub label: Option<String>,
}

/// Checks one Fulfil carrier and service against the carrier table and, when
/// `carriers_json` (the SH21 response body) is given, John Lewis' approved list, with the
/// rule [`plan_dispatch`] applies (see [`CarrierMapping`]). Tracking numbers are not checked.
/// An unusable table or SH21 body is a [`PlanError`].
pub fn check_carrier(
    carrier: &str,
    service: Option<&str>,
    policy: &DispatchPolicy,
    carriers_json: Option<&str>,
) -> Result<CarrierCheck, PlanError> {
    policy.check()?;
    PlanError::check_size("carrier", carrier)?;
    if let Some(service) = service {
        PlanError::check_size("service", service)?;
    }
    let approved = carriers_json.map(CarrierList::parse).transpose()?;
    let Some(mapping) = carrier::find(&policy.carriers, carrier, service) else {
        return Ok(CarrierCheck {
            status: "unmapped".into(),
            jl_code: None,
            label: None,
        });
    };
    if !mapping.registered {
        return Ok(CarrierCheck {
            status: "mapped".into(),
            jl_code: None,
            label: None,
        });
    }
    let code = mapping.jl_code.trim();
    let approved_here = approved.as_ref().is_none_or(|list| list.approves(code));
    Ok(CarrierCheck {
        status: if approved_here {
            "mapped"
        } else {
            "not_approved"
        }
        .into(),
        jl_code: Some(code.to_string()),
        label: approved
            .as_ref()
            .and_then(|list| list.label(code))
            .map(str::to_string),
    })
}

/// Resolves the John Lewis carrier and checks the tracking number.
fn resolve_tracking(
    policy: &DispatchPolicy,
    shipment: &Shipment,
    approved: Option<&CarrierList>,
    oid: &str,
    subject: &str,
) -> Result<Tracking, Vec<Exception>> {
    let service = shipment
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let described = match service {
        Some(service) => format!("{:?} / {service:?}", shipment.carrier.trim()),
        None => format!("{:?} (no service)", shipment.carrier.trim()),
    };
    let Some(mapping) = carrier::find(&policy.carriers, &shipment.carrier, service) else {
        return Err(vec![Exception::new(
            "unmapped_carrier",
            Team::Operations,
            Severity::Blocking,
            subject,
            format!(
                "Shipment {subject} of John Lewis order {oid} goes by carrier {described}, which the carrier table does not map to a John Lewis carrier. Nothing was sent to John Lewis. Add the carrier (or this service) to the carrier table with its John Lewis code, then retry the shipment."
            ),
        )]);
    };
    let mut problems = Vec::new();
    let carrier_label = if mapping.registered {
        let code = mapping.jl_code.trim();
        if let Some(list) = approved
            && !list.approves(code)
        {
            problems.push(Exception::new(
                "carrier_not_approved",
                Team::Operations,
                Severity::Blocking,
                subject,
                format!(
                    "Shipment {subject} of John Lewis order {oid} goes by {described}, mapped to John Lewis carrier code {code:?}, which is not on John Lewis' approved carrier list ({}). Nothing was sent to John Lewis. Correct the code in the carrier table, or use an approved carrier, then retry.",
                    list.describe()
                ),
            ));
        }
        format!("{} ({code})", shipment.carrier.trim())
    } else {
        shipment.carrier.trim().to_string()
    };

    let number = shipment
        .tracking_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let format = mapping.tracking_format.as_deref().and_then(|f| {
        TrackingFormat::parse(f)
            .ok()
            .map(|parsed| (f.trim(), parsed))
    });
    let tracking_problem = match (number, &format) {
        (Some(n), _) if n.chars().any(char::is_control) => {
            Some(format!("tracking number {n:?} contains control characters"))
        }
        (None, Some((pattern, _))) => Some(format!(
            "has no tracking number; {carrier_label} numbers must have the format {pattern:?}"
        )),
        (None, None) if mapping.registered => Some(format!(
            "has no tracking number, which John Lewis needs for {carrier_label}"
        )),
        (Some(n), Some((pattern, parsed))) if !parsed.matches(n) => Some(format!(
            "has tracking number {n:?}, which does not have the {carrier_label} format {pattern:?} (A = capital letter, 9 = digit)"
        )),
        _ => None,
    };
    if let Some(problem) = tracking_problem {
        problems.push(Exception::new(
            "tracking_invalid",
            Team::Operations,
            Severity::Blocking,
            subject,
            format!(
                "Shipment {subject} of John Lewis order {oid} {problem}. Nothing was sent to John Lewis. Correct the tracking number on the shipment in Fulfil (or the format in the carrier table), then retry."
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let carrier = if mapping.registered {
        JlCarrier::Registered {
            code: mapping.jl_code.trim().to_string(),
        }
    } else {
        let name = mapping
            .name
            .as_deref()
            .unwrap_or(&mapping.fulfil_carrier)
            .trim()
            .to_string();
        let url = mapping
            .tracking_url_template
            .as_deref()
            .and_then(|t| tracking_url(t, number));
        JlCarrier::Unregistered { name, url }
    };
    Ok(Tracking {
        carrier,
        number: number.map(str::to_string),
    })
}

/// OR23 body: `carrier_code` for a registered carrier; `carrier_name` and `carrier_url` (never
/// `tracking_url`) for an unregistered one; `tracking_number` when known.
fn or23_body(tracking: &Tracking) -> Value {
    let mut body = Map::new();
    match &tracking.carrier {
        JlCarrier::Registered { code } => {
            body.insert("carrier_code".into(), json!(code));
        }
        JlCarrier::Unregistered { name, url } => {
            body.insert("carrier_name".into(), json!(name));
            if let Some(url) = url {
                body.insert("carrier_url".into(), json!(url));
            }
        }
    }
    if let Some(number) = &tracking.number {
        body.insert("tracking_number".into(), json!(number));
    }
    Value::Object(body)
}

/// ST01 body: one shipment, created shipped, lines by `order_line_id`; the tracking object
/// names the URL `tracking_url` (ST01's name) and only for unregistered carriers.
fn st01_body(oid: &str, progress: &Progress, tracking: &Tracking) -> Value {
    let lines: Vec<Value> = progress
        .shipping
        .iter()
        .map(|(id, quantity)| json!({"order_line_id": id, "quantity": quantity}))
        .collect();
    let mut track = Map::new();
    match &tracking.carrier {
        JlCarrier::Registered { code } => {
            track.insert("carrier_code".into(), json!(code));
        }
        JlCarrier::Unregistered { name, .. } => {
            track.insert("carrier_name".into(), json!(name));
        }
    }
    if let Some(number) = &tracking.number {
        track.insert("tracking_number".into(), json!(number));
    }
    if let JlCarrier::Unregistered { url: Some(url), .. } = &tracking.carrier {
        track.insert("tracking_url".into(), json!(url));
    }
    json!({
        "shipments": [{
            "order_id": oid,
            "shipment_lines": lines,
            "tracking": Value::Object(track),
            "shipped": true,
        }]
    })
}
