//! The orders flow, `plan-order`: for one John Lewis order (OR11), decide acceptance and
//! build the Fulfil sale. Order-level checks (`checks`) may stop the order; each line's SKU
//! is matched to the Fulfil catalogue ([`sku`]) and its EAN and stock checked, stock already
//! held for other orders ([`commitments`]) taken off; the decision becomes an OR21 request,
//! and a paid, clean order becomes the Fulfil `create_order` body ([`fulfil_order`]).

pub mod commitments;
pub mod fulfil_order;
pub mod inputs;
pub mod reread;
pub mod sku;
pub mod waiting;

mod checks;
#[cfg(test)]
mod tests;

pub use inputs::{Offer, OrderPolicy, Product};

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use crate::common::committed::{Committed, Held};
use crate::common::ean::{EanProblem, validate_gtin13};
use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::json_writer::as_raw_json;
use crate::common::mirakl_order::{MiraklOrder, OrderLine};
use crate::common::mirakl_request::{MiraklRequest, percent_encode};
use crate::common::money::Money;
use crate::common::time;
use sku::{SkuMatch, match_sku};

/// Acceptance action for the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// OR21 with every line accepted.
    Accept,
    /// OR21 with at least one line refused.
    Refuse,
    /// No OR21; a person decides.
    Hold,
    /// Not awaiting acceptance.
    None,
}

/// One line of the OR21 body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineDecision {
    /// Mirakl order line id.
    pub line_id: String,
    /// Accepted or refused.
    pub accepted: bool,
}

/// The plan for one order; serialises to the `jlm plan order` JSON.
#[derive(Debug, Serialize)]
pub struct OrderPlan {
    /// Mirakl order id.
    pub order_id: String,
    /// Customer order number.
    pub commercial_id: String,
    /// Mirakl order state as received.
    pub state: String,
    /// Acceptance action.
    pub action: Action,
    /// OR21 lines when accepting or refusing.
    pub lines: Vec<LineDecision>,
    /// The `create_order` body (JSON text), when the order is paid and clean.
    #[serde(serialize_with = "as_raw_json")]
    pub fulfil_order: Option<String>,
    /// What the customer paid, with `fulfil_order`.
    pub total: Option<Money>,
    /// Problems for the exception queue.
    pub exceptions: Vec<Exception>,
    /// The Mirakl calls of the decision: OR21 when accepting or refusing.
    pub requests: Vec<MiraklRequest>,
    /// The order's open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

/// Order-scoped codes a new plan settles when it no longer raises them
/// (`insufficient_stock` stays open: a refused line is a lost sale operations should see;
/// `acceptance_overdue`, also raised by the clocks, is settled by them).
const ORDER_CODES: &[&str] = &[
    "order_held",
    "order_invalid",
    "address_missing",
    "address_invalid",
    "price_unrepresentable",
    "order_total_mismatch",
    "plugin_fault",
    "unknown_order_state",
    "unknown_line_state",
    "unknown_tax_mode",
    "currency_unexpected",
    "tax_unmapped",
    "order_refunded",
];

/// The OR21 call sending every line's decision.
fn acceptance_request(order_id: &str, lines: &[LineDecision]) -> MiraklRequest {
    MiraklRequest::with_body(
        "OR21",
        format!("/api/orders/{}/accept", percent_encode(order_id)),
        &json!({
            "order_lines": lines
                .iter()
                .map(|l| json!({"id": l.line_id, "accepted": l.accepted}))
                .collect::<Vec<_>>(),
        }),
    )
}

/// What a product's `available` is, as stock messages explain it: the host passes Fulfil's
/// availability less the units held for other John Lewis orders not yet in Fulfil.
const PROMISABLE: &str =
    "Fulfil's available stock, less units held for other John Lewis orders not yet in Fulfil";

/// What the review of one line found.
struct LineReview<'a> {
    line: &'a OrderLine<'a>,
    /// A data problem (SKU or EAN) that needs a person.
    data_blocked: bool,
    /// Fewer units available than ordered.
    short: bool,
}

/// Collects exceptions, one per (code, subject): a second finding for the same pair (two short
/// lines of one order) adds its message to the first, so no line goes unmentioned.
#[derive(Default)]
struct Findings(Vec<Exception>);

impl Findings {
    fn add(&mut self, exception: Exception) {
        match self
            .0
            .iter_mut()
            .find(|e| e.code == exception.code && e.subject == exception.subject)
        {
            Some(known) if !known.message.contains(&exception.message) => {
                known.message.push(' ');
                known.message.push_str(&exception.message);
            }
            Some(_) => {}
            None => self.0.push(exception),
        }
    }
}

/// Plans one OR11 order (see the WIT `plan-order`).
pub fn plan_order(
    order_json: &str,
    catalogue: &[Product],
    offers: &[Offer],
    committed: &[Committed],
    policy: &OrderPolicy,
    now: &str,
) -> Result<OrderPlan, PlanError> {
    let now = time::parse_rfc3339(now).ok_or_else(|| {
        PlanError::argument(format!("now ({now:?}) is not an RFC 3339 timestamp"))
    })?;
    let order = MiraklOrder::parse(order_json)?;
    let mut findings = Findings::default();
    let awaiting_acceptance = order.order_state == "WAITING_ACCEPTANCE";
    let order_blocked = checks::check_order(&order, policy, now, &mut findings)?;

    let reviews: Vec<LineReview> = review_lines(
        &order,
        catalogue,
        offers,
        &Held::new(committed),
        awaiting_acceptance,
        &mut findings,
    );

    let (action, lines) = if awaiting_acceptance {
        decide_acceptance(&order, &reviews, order_blocked, policy, now, &mut findings)?
    } else {
        (Action::None, Vec::new())
    };

    let mut fulfil_order = None;
    let mut total = None;
    if order.order_state == "SHIPPING" && !findings.0.iter().any(Exception::is_blocking) {
        match fulfil_order::build(&order, policy)? {
            Ok(built) => {
                built.warnings.into_iter().for_each(|w| findings.add(w));
                total = Some(built.total);
                fulfil_order = Some(built.payload);
            }
            Err(problems) => problems.into_iter().for_each(|p| findings.add(p)),
        }
    }

    let requests = match action {
        Action::Accept | Action::Refuse => vec![acceptance_request(&order.order_id, &lines)],
        Action::Hold | Action::None => Vec::new(),
    };
    Ok(OrderPlan {
        order_id: order.order_id.to_string(),
        commercial_id: order.commercial_id().to_string(),
        state: order.order_state.to_string(),
        action,
        lines,
        fulfil_order,
        total,
        exceptions: findings.0,
        requests,
        resolves: vec![Resolution::new(ORDER_CODES, Some(&order.order_id))],
    })
}

/// Matches every live line to the catalogue and checks EANs and stock.
fn review_lines<'a>(
    order: &'a MiraklOrder<'a>,
    catalogue: &[Product],
    offers: &[Offer],
    held: &Held,
    awaiting_acceptance: bool,
    findings: &mut Findings,
) -> Vec<LineReview<'a>> {
    let mut remaining: BTreeMap<&str, i64> = BTreeMap::new();
    let oid = &*order.order_id;
    let mut reviews = Vec::with_capacity(order.order_lines.len());
    for line in order.order_lines.iter().filter(|l| !l.is_dropped()) {
        let lid = &*line.order_line_id;
        let sku = &*line.offer_sku;
        let mut review = LineReview {
            line,
            data_blocked: false,
            short: false,
        };
        let product = match match_sku(sku, catalogue, |p: &Product| p.sku.as_str()) {
            SkuMatch::Exact(product) => product,
            SkuMatch::FormatMismatch(near) => {
                let spellings: Vec<String> = near.iter().map(|p| format!("{:?}", p.sku)).collect();
                findings.add(Exception::new(
                    "sku_format_mismatch",
                    Team::Ecommerce,
                    Severity::Blocking,
                    sku,
                    format!(
                        "Order {oid} line {lid}: John Lewis offer SKU {sku:?} has no exact match in Fulfil; it matches Fulfil product {} only after trimming spaces, case or invisible characters. Make the two spellings identical (fix the offer SKU on John Lewis or the product code in Fulfil).",
                        spellings.join(" / ")
                    ),
                ));
                review.data_blocked = true;
                reviews.push(review);
                continue;
            }
            SkuMatch::Unknown => {
                findings.add(Exception::new(
                    "unknown_sku",
                    Team::Ecommerce,
                    Severity::Blocking,
                    sku,
                    format!(
                        "Order {oid} line {lid}: no Fulfil product has the code {sku:?}. Create it in Fulfil with exactly this code, or correct the offer SKU on John Lewis."
                    ),
                ));
                review.data_blocked = true;
                reviews.push(review);
                continue;
            }
        };
        check_ean(product, offers, findings, &mut review);

        let left = remaining
            .entry(product.sku.as_str())
            .or_insert_with(|| product.available.saturating_sub(held.of(&product.sku)));
        if *left < line.quantity {
            review.short = true;
            if !awaiting_acceptance {
                findings.add(Exception::new(
                    "insufficient_stock",
                    Team::Operations,
                    Severity::Warning,
                    oid,
                    format!(
                        "Order {oid} line {lid} needs {} × {sku:?} but only {} can be promised ({PROMISABLE}). The order is already accepted: expedite stock or contact the customer.",
                        line.quantity,
                        (*left).max(0)
                    ),
                ));
            }
        } else {
            *left -= line.quantity;
        }
        reviews.push(review);
    }
    reviews
}

/// Checks the Fulfil EAN (valid GTIN-13) and compares it with the John Lewis offer.
fn check_ean(
    product: &Product,
    offers: &[Offer],
    findings: &mut Findings,
    review: &mut LineReview,
) {
    let sku = product.sku.as_str();
    let fulfil_ean = product
        .ean
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let problem = match fulfil_ean {
        None => Some(format!("Fulfil product {sku:?} has no EAN.")),
        Some(ean) => match validate_gtin13(ean) {
            Ok(()) => None,
            Err(EanProblem::NotThirteenDigits) => Some(format!(
                "Fulfil product {sku:?} has EAN {ean:?}, which is not 13 digits."
            )),
            Err(EanProblem::WrongCheckDigit { expected }) => Some(format!(
                "Fulfil product {sku:?} has EAN {ean:?}, whose GS1 check digit should be {expected}."
            )),
        },
    };
    if let Some(problem) = problem {
        findings.add(Exception::new(
            "ean_invalid",
            Team::Ecommerce,
            Severity::Warning,
            sku,
            format!("{problem} Correct the EAN in Fulfil to the product's valid GTIN-13."),
        ));
    }
    let jl_ean = offers
        .iter()
        .find(|o| o.sku == product.sku)
        .and_then(|o| o.ean.as_deref())
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if let (Some(jl), Some(fulfil)) = (jl_ean, fulfil_ean)
        && jl != fulfil
    {
        findings.add(Exception::new(
            "ean_mismatch",
            Team::Ecommerce,
            Severity::Blocking,
            sku,
            format!(
                "John Lewis lists offer {sku:?} with EAN {jl:?} but Fulfil has {fulfil:?}: the customer may have ordered a different product. Correct whichever side is wrong, then decide the order."
            ),
        ));
        review.data_blocked = true;
    }
}

/// Decides accept / refuse / hold for an order in `WAITING_ACCEPTANCE`; `order_blocked`: an
/// order-level finding (currency, unknown line state) holds it for a person.
fn decide_acceptance(
    order: &MiraklOrder,
    reviews: &[LineReview],
    order_blocked: bool,
    policy: &OrderPolicy,
    now: time::UnixSeconds,
    findings: &mut Findings,
) -> Result<(Action, Vec<LineDecision>), PlanError> {
    let oid = &*order.order_id;
    let short: Vec<&LineReview> = reviews.iter().filter(|r| r.short).collect();
    let data_blocked = order_blocked || reviews.iter().any(|r| r.data_blocked);
    let refuse_short = policy.refuse_out_of_stock && !data_blocked;
    for r in &short {
        let line = r.line;
        let (severity, outcome) = if refuse_short {
            (Severity::Warning, "The line is refused on John Lewis.")
        } else {
            (
                Severity::Blocking,
                "The order is held for a person to decide.",
            )
        };
        findings.add(Exception::new(
            "insufficient_stock",
            Team::Operations,
            severity,
            oid,
            format!(
                "Order {oid} line {} wants {} × {:?} but not that many can be promised ({PROMISABLE}). {outcome}",
                line.order_line_id, line.quantity, line.offer_sku
            ),
        ));
    }
    if data_blocked || (!short.is_empty() && !refuse_short) {
        let created = order
            .created_date
            .as_deref()
            .ok_or_else(|| PlanError::invalid("created_date is missing"))
            .and_then(|d| time::require("created_date", d))?;
        let deadline = created + i64::from(policy.acceptance_window_minutes) * 60;
        let when = time::format_rfc3339(deadline);
        let urgency = if now >= deadline {
            format!(
                "The acceptance deadline {when} has passed; John Lewis refuses unanswered orders automatically."
            )
        } else {
            let minutes = (deadline - now) / 60;
            format!(
                "Accept or refuse it on John Lewis before the acceptance deadline {when} ({}h{:02} left), or fix the data so the connector can decide.",
                minutes / 60,
                minutes % 60
            )
        };
        let reasons: Vec<&str> = findings
            .0
            .iter()
            .filter(|e| e.is_blocking())
            .map(|e| e.code.as_str())
            .collect();
        findings.add(Exception::new(
            "order_held",
            Team::Ecommerce,
            Severity::Blocking,
            oid,
            format!(
                "Order {oid} ({}) is held, nothing was sent to John Lewis ({}). {urgency}",
                order.commercial_id(),
                reasons.join(", ")
            ),
        ));
        return Ok((Action::Hold, Vec::new()));
    }
    let lines: Vec<LineDecision> = order
        .order_lines
        .iter()
        .map(|line| LineDecision {
            line_id: line.order_line_id.to_string(),
            accepted: !short.iter().any(|r| std::ptr::eq(r.line, line)),
        })
        .collect();
    let action = if lines.iter().all(|l| l.accepted) {
        Action::Accept
    } else {
        Action::Refuse
    };
    Ok((action, lines))
}
