//! SH21 `GET /api/shipping/carriers`: the carriers the operator approves, seeded with
//! [`crate::sandbox::Sandbox::seed_carriers`] and listed sorted by label (as Mirakl does).
//!
//! OR23 and ST01 resolve their carrier against this list ([`resolve`]): a `carrier_code` must
//! be one of the listed codes, and a registered carrier's tracking URL is computed from its
//! `tracking_url` template (`{trackingId}` replaced by the tracking number), ignoring any URL
//! the request gives; an unregistered carrier is named by `carrier_name` and keeps the URL
//! given.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::sandbox::state::{Api, Ctx, handle};

/// The placeholder a carrier's `tracking_url` template holds for the tracking number.
const TRACKING_ID: &str = "{trackingId}";

/// SH21's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/shipping/carriers", get(list))
}

/// The SH21 handler (query parameters such as `shop_id` are ignored).
async fn list(State(ctx): State<Ctx>, headers: HeaderMap) -> Response {
    handle(&ctx, Api::Mirakl, "SH21", &headers, |state| {
        axum::Json(state.mirakl.carriers.listing()).into_response()
    })
    .await
}

/// One approved carrier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Carrier {
    /// `code`, what OR23/ST01 send as `carrier_code`.
    pub code: String,
    /// `label`, the carrier's display name.
    pub label: Option<String>,
    /// `standard_code`.
    pub standard_code: Option<String>,
    /// `tracking_url` template, with `{trackingId}` where the tracking number goes.
    pub tracking_url: Option<String>,
}

impl Carrier {
    /// The name Mirakl shows for the carrier: its label, else its code.
    pub fn name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.code)
    }

    /// Whether the tracking URL template needs a tracking number.
    pub fn needs_tracking_number(&self) -> bool {
        self.tracking_url
            .as_deref()
            .is_some_and(|url| url.contains(TRACKING_ID))
    }

    /// The tracking URL for `tracking_number` (the template with `{trackingId}` replaced).
    pub fn url_for(&self, tracking_number: Option<&str>) -> Option<String> {
        let template = self.tracking_url.as_deref()?;
        Some(template.replace(TRACKING_ID, tracking_number.unwrap_or_default()))
    }
}

/// The approved carriers, by code.
#[derive(Debug, Default)]
pub(crate) struct Carriers {
    by_code: BTreeMap<String, Carrier>,
}

impl Carriers {
    /// Replaces the list with `carriers` (so a carrier left out is withdrawn). Objects
    /// without a non-empty string `code` are skipped with a warning; `label`,
    /// `standard_code` and `tracking_url` are read when they are strings, other keys are
    /// ignored; a repeated code keeps the last.
    pub fn seed(&mut self, carriers: Vec<Value>) {
        self.by_code.clear();
        for value in carriers {
            let text = |key: &str| {
                value
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .filter(|s| !s.trim().is_empty())
            };
            let Some(code) = text("code") else {
                tracing::warn!("sandbox: seeded carrier without a string code skipped");
                continue;
            };
            let carrier = Carrier {
                code: code.clone(),
                label: text("label"),
                standard_code: text("standard_code"),
                tracking_url: text("tracking_url"),
            };
            self.by_code.insert(code, carrier);
        }
    }

    /// The carrier with `code` (exact match).
    pub fn get(&self, code: &str) -> Option<&Carrier> {
        self.by_code.get(code)
    }

    /// The SH21 body: `{"carriers":[{code,label,standard_code,tracking_url}]}`, sorted by
    /// label (then code).
    pub fn listing(&self) -> Value {
        let mut carriers: Vec<&Carrier> = self.by_code.values().collect();
        carriers.sort_by(|a, b| a.name().cmp(b.name()).then_with(|| a.code.cmp(&b.code)));
        let carriers: Vec<Value> = carriers
            .into_iter()
            .map(|c| {
                json!({
                    "code": c.code,
                    "label": c.label,
                    "standard_code": c.standard_code,
                    "tracking_url": c.tracking_url,
                })
            })
            .collect();
        json!({ "carriers": carriers })
    }
}

/// What a request says about the carrier (blank strings count as absent).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TrackingRequest<'a> {
    /// `carrier_code`.
    pub carrier_code: Option<&'a str>,
    /// `carrier_name`.
    pub carrier_name: Option<&'a str>,
    /// `carrier_standard_code`.
    pub carrier_standard_code: Option<&'a str>,
    /// `tracking_number`.
    pub tracking_number: Option<&'a str>,
    /// `carrier_url` (OR23) or `tracking_url` (ST01).
    pub url: Option<&'a str>,
}

/// The carrier and tracking as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tracking {
    /// The registered carrier's code; `None` for an unregistered carrier.
    pub carrier_code: Option<String>,
    /// Carrier name: the registered carrier's label, or `carrier_name`.
    pub carrier_name: String,
    /// Standard code: the registered carrier's, or the one given.
    pub carrier_standard_code: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Tracking URL: computed for a registered carrier, as given otherwise.
    pub tracking_url: Option<String>,
}

/// Why a carrier could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackingError {
    /// Mirakl-style error code.
    pub code: &'static str,
    /// Message naming the problem.
    pub message: String,
}

/// Resolves the carrier of `request` against `carriers`.
pub(crate) fn resolve(
    carriers: &Carriers,
    request: TrackingRequest<'_>,
) -> Result<Tracking, TrackingError> {
    let present = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let tracking_number = present(request.tracking_number);
    if let Some(code) = present(request.carrier_code) {
        let Some(carrier) = carriers.get(&code) else {
            return Err(TrackingError {
                code: "CARRIER_NOT_FOUND",
                message: format!(
                    "The carrier code '{code}' is unknown: use a code listed by SH21, or \
                     carrier_name for an unregistered carrier"
                ),
            });
        };
        if carrier.needs_tracking_number() && tracking_number.is_none() {
            return Err(TrackingError {
                code: "TRACKING_NUMBER_REQUIRED",
                message: format!(
                    "A tracking number is required for the carrier '{}'",
                    carrier.code
                ),
            });
        }
        return Ok(Tracking {
            carrier_code: Some(carrier.code.clone()),
            carrier_name: carrier.name().to_string(),
            carrier_standard_code: carrier.standard_code.clone(),
            tracking_url: carrier.url_for(tracking_number.as_deref()),
            tracking_number,
        });
    }
    let Some(name) = present(request.carrier_name) else {
        return Err(TrackingError {
            code: "CARRIER_REQUIRED",
            message: "Either carrier_code (a registered carrier) or carrier_name (an \
                      unregistered carrier) is required"
                .to_string(),
        });
    };
    Ok(Tracking {
        carrier_code: None,
        carrier_name: name,
        carrier_standard_code: present(request.carrier_standard_code),
        tracking_number,
        tracking_url: present(request.url),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::sandbox::test_support::{mirakl_client, start};

    fn seeded() -> Carriers {
        let mut carriers = Carriers::default();
        carriers.seed(vec![
            json!({"code": "RM", "label": "Royal Mail", "standard_code": "RM",
                   "tracking_url": "https://rm.example/track?id={trackingId}"}),
            json!({"code": "DPD", "label": "DPD", "standard_code": "DPD", "tracking_url": null}),
            json!({"label": "no code"}),
        ]);
        carriers
    }

    #[test]
    fn registered_carriers_get_their_url_and_label() {
        let carriers = seeded();
        let tracking = resolve(
            &carriers,
            TrackingRequest {
                carrier_code: Some("RM"),
                carrier_name: Some("ignored"),
                tracking_number: Some("TT1GB"),
                url: Some("https://ignored.example"),
                ..TrackingRequest::default()
            },
        )
        .unwrap();
        assert_eq!(tracking.carrier_name, "Royal Mail");
        assert_eq!(
            tracking.tracking_url.as_deref(),
            Some("https://rm.example/track?id=TT1GB")
        );
        let error = resolve(
            &carriers,
            TrackingRequest {
                carrier_code: Some("RM"),
                ..TrackingRequest::default()
            },
        )
        .unwrap_err();
        assert_eq!(error.code, "TRACKING_NUMBER_REQUIRED");
        let dpd = resolve(
            &carriers,
            TrackingRequest {
                carrier_code: Some("DPD"),
                ..TrackingRequest::default()
            },
        )
        .unwrap();
        assert_eq!((dpd.tracking_url, dpd.tracking_number), (None, None));
    }

    #[test]
    fn unknown_codes_and_missing_carriers_are_errors() {
        let carriers = seeded();
        let unknown = resolve(
            &carriers,
            TrackingRequest {
                carrier_code: Some("rm"),
                tracking_number: Some("1"),
                ..TrackingRequest::default()
            },
        )
        .unwrap_err();
        assert_eq!(unknown.code, "CARRIER_NOT_FOUND");
        assert!(unknown.message.contains("'rm'"));
        let missing = resolve(
            &carriers,
            TrackingRequest {
                carrier_code: Some("  "),
                tracking_number: Some("1"),
                ..TrackingRequest::default()
            },
        )
        .unwrap_err();
        assert_eq!(missing.code, "CARRIER_REQUIRED");
        let custom = resolve(
            &carriers,
            TrackingRequest {
                carrier_name: Some("Van"),
                url: Some("https://van.example/1"),
                ..TrackingRequest::default()
            },
        )
        .unwrap();
        assert_eq!(custom.carrier_code, None);
        assert_eq!(
            custom.tracking_url.as_deref(),
            Some("https://van.example/1")
        );
    }

    #[test]
    fn seeding_replaces_the_list() {
        let mut carriers = seeded();
        carriers.seed(vec![json!({"code": "DPD", "label": "DPD"})]);
        assert!(carriers.get("RM").is_none(), "withdrawn");
        assert!(carriers.get("DPD").is_some());
    }

    #[tokio::test]
    async fn sh21_lists_the_seeded_carriers_by_label() {
        let sandbox = start().await;
        sandbox.seed_carriers(vec![
            json!({"code": "RM", "label": "Royal Mail", "standard_code": "RM",
                   "tracking_url": "https://rm.example/{trackingId}", "extra": 1}),
            json!({"code": "DPD", "label": "DPD", "standard_code": "DPD"}),
        ]);
        let response = mirakl_client(&sandbox)
            .get(format!(
                "{}/api/shipping/carriers?shop_id=2001",
                sandbox.mirakl_url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"carriers": [
                {"code": "DPD", "label": "DPD", "standard_code": "DPD", "tracking_url": null},
                {"code": "RM", "label": "Royal Mail", "standard_code": "RM",
                 "tracking_url": "https://rm.example/{trackingId}"}
            ]})
        );
        assert_eq!(sandbox.stats().requests["SH21"], 1);
        sandbox.shutdown().await;
    }
}
