//! Typed calls of the component's `orders` interface.

use std::time::Duration;

use serde_json::{Value, json};

use super::exports::jlm::connector::orders::{Action, Offer, OrderPlan, OrderPolicy, Product};
use super::exports::jlm::connector::types::{
    Committed, Exception, MiraklRequest, PlanError, Resolution, Severity, Team,
};
use super::{PluginFault, Session};

/// Deadline for planning one order.
const PLAN_ORDER_DEADLINE: Duration = Duration::from_secs(2);

/// Everything `plan-order` needs besides the order itself.
pub struct OrderInput<'a> {
    /// Fulfil products for the order's SKUs and their near-spellings.
    pub catalogue: &'a [Product],
    /// John Lewis offer mirror entries for them.
    pub offers: &'a [Offer],
    /// Units other orders without a Fulfil sale hold, per offer SKU.
    pub committed: &'a [Committed],
    /// Seller policy.
    pub policy: &'a OrderPolicy,
    /// RFC 3339 time of planning.
    pub now: &'a str,
}

impl Session {
    /// Plans one OR11 order (raw JSON object).
    pub fn plan_order(
        &mut self,
        order: &str,
        input: &OrderInput,
    ) -> Result<Result<OrderPlan, PlanError>, PluginFault> {
        self.call("plan-order", PLAN_ORDER_DEADLINE, |instance, store| {
            instance.jlm_connector_orders().call_plan_order(
                store,
                order,
                input.catalogue,
                input.offers,
                input.committed,
                input.policy,
                input.now,
            )
        })
    }

    /// The near-spelling keys of SKUs (trimmed, collapsed, case-folded), one per SKU.
    pub fn sku_keys(&mut self, skus: &[String]) -> Result<Vec<String>, PluginFault> {
        self.call("sku-keys", PLAN_ORDER_DEADLINE, |instance, store| {
            instance.jlm_connector_orders().call_sku_keys(store, skus)
        })
    }
}

/// Team name as in the exception contract.
pub fn team_name(team: Team) -> &'static str {
    match team {
        Team::Operations => "operations",
        Team::Finance => "finance",
        Team::Ecommerce => "ecommerce",
    }
}

/// Severity name as in the exception contract.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Blocking => "blocking",
    }
}

/// Action name as in the `jlm plan order` contract.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Accept => "accept",
        Action::Refuse => "refuse",
        Action::Hold => "hold",
        Action::None => "none",
    }
}

/// The `jlm plan order` JSON of a plan.
pub fn plan_to_json(plan: &OrderPlan) -> Value {
    let fulfil_order = plan
        .fulfil_order
        .as_deref()
        .map(|s| serde_json::from_str::<Value>(s).unwrap_or_else(|_| Value::String(s.to_string())))
        .unwrap_or(Value::Null);
    json!({
        "order_id": plan.order_id,
        "commercial_id": plan.commercial_id,
        "state": plan.state,
        "action": action_name(plan.action),
        "lines": plan.lines.iter().map(|l| json!({"line_id": l.line_id, "accepted": l.accepted})).collect::<Vec<_>>(),
        "fulfil_order": fulfil_order,
        "total": plan.total.as_ref().map(|m| json!({"minor": m.minor, "currency": m.currency})),
        "exceptions": exceptions_to_json(&plan.exceptions),
        "requests": requests_to_json(&plan.requests),
        "resolves": resolutions_to_json(&plan.resolves),
    })
}

/// The JSON of exceptions, as every plan prints them.
pub fn exceptions_to_json(exceptions: &[Exception]) -> Value {
    exceptions
        .iter()
        .map(|e| {
            json!({
                "code": e.code,
                "team": team_name(e.team),
                "severity": severity_name(e.severity),
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
                "body": r.body.as_deref().map(|b| {
                    serde_json::from_str::<Value>(b).unwrap_or_else(|_| Value::String(b.to_string()))
                }),
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
