//! The clocks that protect seller performance: acceptance and dispatch deadlines, and
//! dispatches Fulfil made that John Lewis has not confirmed. Evaluated by the host every
//! minute against each stored order; pure (the host passes `now`).

use serde::Deserialize;

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::time;

/// Margins of the clocks, in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockPolicy {
    /// Time John Lewis allows between order creation and the acceptance decision.
    pub acceptance_window_minutes: u32,
    /// Warn this long before the acceptance deadline.
    pub acceptance_margin_minutes: u32,
    /// Warn this long before the shipping deadline.
    pub dispatch_margin_minutes: u32,
    /// Warn when John Lewis still does not show a Fulfil dispatch as shipped after this long.
    pub unconfirmed_after_minutes: u32,
}

impl Default for ClockPolicy {
    fn default() -> Self {
        ClockPolicy {
            acceptance_window_minutes: 48 * 60,
            acceptance_margin_minutes: 6 * 60,
            dispatch_margin_minutes: 4 * 60,
            unconfirmed_after_minutes: 60,
        }
    }
}

/// The fields of an OR11 order the clocks read.
#[derive(Deserialize)]
struct ClockOrder {
    order_id: String,
    order_state: String,
    created_date: Option<String>,
    shipping_deadline: Option<String>,
}

/// The codes [`check_clocks`] raises. A host that checked every open order resolves each
/// open exception with one of them that no check raised again (the order moved on).
pub fn clock_codes() -> Resolution {
    Resolution::new(
        &[
            "acceptance_overdue",
            "dispatch_overdue",
            "dispatch_unconfirmed",
        ],
        None,
    )
}

/// The clock exceptions due for one order. `fulfil_shipped_at`: when Fulfil's last
/// shipment for the order was sent to John Lewis, if it was.
pub fn check_clocks(
    order_json: &str,
    fulfil_shipped_at: Option<&str>,
    now: &str,
    policy: &ClockPolicy,
) -> Result<Vec<Exception>, PlanError> {
    let now = time::parse_rfc3339(now).ok_or_else(|| {
        PlanError::argument(format!("now ({now:?}) is not an RFC 3339 timestamp"))
    })?;
    let order: ClockOrder = PlanError::parse_json("order", order_json)?;
    let oid = order.order_id.as_str();
    let minutes = |m: u32| i64::from(m) * 60;
    let mut out = Vec::new();
    match order.order_state.as_str() {
        "WAITING_ACCEPTANCE" => {
            if let Some(created) = order.created_date.as_deref() {
                let deadline = time::require("created_date", created)?
                    + minutes(policy.acceptance_window_minutes);
                if now >= deadline - minutes(policy.acceptance_margin_minutes) {
                    out.push(Exception::new(
                        "acceptance_overdue",
                        Team::Operations,
                        Severity::Blocking,
                        oid,
                        format!("Order {oid} is still waiting for acceptance; the deadline is {}. Accept or refuse it on John Lewis now, or it is refused automatically and counts against the shop.", time::remaining(deadline, now)),
                    ));
                }
            }
        }
        "SHIPPING" => {
            let deadline = order
                .shipping_deadline
                .as_deref()
                .map(|d| time::require("shipping_deadline", d))
                .transpose()?;
            match (fulfil_shipped_at, deadline) {
                (None, Some(deadline)) if now >= deadline - minutes(policy.dispatch_margin_minutes) => out.push(Exception::new(
                    "dispatch_overdue",
                    Team::Operations,
                    Severity::Blocking,
                    oid,
                    format!("Order {oid} is accepted but not dispatched; the shipping deadline is {}. Ship it in Fulfil (the connector confirms it to John Lewis) or contact the customer.", time::remaining(deadline, now)),
                )),
                (Some(shipped), _) => {
                    let shipped = time::require("fulfil_shipped_at", shipped)?;
                    if now >= shipped + minutes(policy.unconfirmed_after_minutes) {
                        let deadline_text = deadline.map_or("no shipping deadline".to_string(), |d| format!("shipping deadline {}", time::remaining(d, now)));
                        out.push(Exception::new(
                            "dispatch_unconfirmed",
                            Team::Operations,
                            Severity::Blocking,
                            oid,
                            format!("Order {oid} was dispatched in Fulfil at {} but John Lewis still shows it unshipped ({deadline_text}). Check the order's dispatch exceptions, then confirm it in the John Lewis back office.", time::format_rfc3339(shipped)),
                        ));
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(state: &str) -> String {
        format!(
            r#"{{"order_id":"JL-1-A","order_state":"{state}","created_date":"2026-11-27T09:00:00Z","shipping_deadline":"2026-11-28T23:59:59.999Z"}}"#
        )
    }

    fn codes(state: &str, shipped: Option<&str>, now: &str) -> Vec<String> {
        check_clocks(&order(state), shipped, now, &ClockPolicy::default())
            .expect("clocks")
            .into_iter()
            .map(|e| e.code)
            .collect()
    }

    #[test]
    fn acceptance_clock_fires_inside_the_margin() {
        // Deadline 2026-11-29T09:00Z, margin 6 h.
        assert!(codes("WAITING_ACCEPTANCE", None, "2026-11-29T02:59:00Z").is_empty());
        assert_eq!(
            codes("WAITING_ACCEPTANCE", None, "2026-11-29T03:00:00Z"),
            vec!["acceptance_overdue"]
        );
        assert_eq!(
            codes("WAITING_ACCEPTANCE", None, "2026-11-30T00:00:00Z"),
            vec!["acceptance_overdue"]
        );
    }

    #[test]
    fn dispatch_clocks() {
        // Shipping deadline 2026-11-28T23:59:59Z, margin 4 h.
        assert!(codes("SHIPPING", None, "2026-11-28T19:59:00Z").is_empty());
        assert_eq!(
            codes("SHIPPING", None, "2026-11-28T20:00:00Z"),
            vec!["dispatch_overdue"]
        );
        assert!(
            codes(
                "SHIPPING",
                Some("2026-11-28T10:00:00Z"),
                "2026-11-28T10:59:00Z"
            )
            .is_empty()
        );
        assert_eq!(
            codes(
                "SHIPPING",
                Some("2026-11-28T10:00:00Z"),
                "2026-11-28T11:00:00Z"
            ),
            vec!["dispatch_unconfirmed"]
        );
        assert!(
            codes(
                "SHIPPED",
                Some("2026-11-28T10:00:00Z"),
                "2026-11-30T11:00:00Z"
            )
            .is_empty()
        );
    }

    #[test]
    fn names_the_deadline() {
        let e = check_clocks(
            &order("SHIPPING"),
            None,
            "2026-11-28T21:00:00Z",
            &ClockPolicy::default(),
        )
        .expect("clocks");
        assert!(
            e[0].message.contains("2026-11-28T23:59:59Z, 2h59 left"),
            "{}",
            e[0].message
        );
    }
}
