//! The stock flow, `plan-stock`: from a Fulfil stock snapshot, the seller's stock policy and
//! the ledger of what was last published, the quantities to publish on John Lewis (units held
//! for orders Fulfil does not have yet taken off) and the STO01 file ([`stock_csv`]);
//! `reconcile-stock` compares every Fulfil SKU with what John Lewis shows.
//!
//! Published = clamp(floor((available − buffer) × percent / 100), 0, max), and 0 when that
//! falls below `zero_below`. Availability is read exactly to a thousandth of a unit (Fulfil
//! quantities can be fractional or negative), so no float rounding ever decides a unit.

pub mod stock_csv;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::common::committed::{Committed, Held};
use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};
use crate::common::fast_hash::{FastMap, FastSet};
use crate::common::money::Decimal;

/// Most snapshot rows accepted in one call.
pub const MAX_SNAPSHOT: usize = 1_000_000;

/// Fulfil's availability for one SKU (optionally one warehouse).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct StockLevel {
    /// Offer SKU (Fulfil product code).
    pub sku: String,
    /// Mirakl warehouse code, when stock is published per warehouse.
    #[serde(default)]
    pub warehouse: Option<String>,
    /// Units available (may be fractional or negative).
    pub available: f64,
}

/// A quantity last published to John Lewis.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Published {
    /// Offer SKU.
    pub sku: String,
    /// Warehouse code, if any.
    #[serde(default)]
    pub warehouse: Option<String>,
    /// Quantity published.
    pub quantity: i64,
}

/// The four policy numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockRule {
    /// Units held back.
    pub buffer: i64,
    /// Share published, 0..=100.
    pub percent: i64,
    /// Cap, if any.
    pub max: Option<i64>,
    /// Publish 0 when the result is below this.
    pub zero_below: i64,
}

impl Default for StockRule {
    fn default() -> Self {
        StockRule {
            buffer: 0,
            percent: 100,
            max: None,
            zero_below: 0,
        }
    }
}

/// Per-SKU overrides of any of the four numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleOverride {
    /// Overrides `buffer`.
    pub buffer: Option<i64>,
    /// Overrides `percent`.
    pub percent: Option<i64>,
    /// Overrides `max`.
    pub max: Option<i64>,
    /// Overrides `zero_below`.
    pub zero_below: Option<i64>,
}

/// The seller's stock policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockPolicy {
    /// Defaults for every SKU.
    pub defaults: StockRule,
    /// Per-SKU overrides.
    pub overrides: BTreeMap<String, RuleOverride>,
    /// SKUs never published.
    pub exclude: BTreeSet<String>,
}

impl StockPolicy {
    /// The rule for one SKU.
    pub fn rule(&self, sku: &str) -> StockRule {
        let d = self.defaults;
        match self.overrides.get(sku) {
            None => d,
            Some(o) => StockRule {
                buffer: o.buffer.unwrap_or(d.buffer),
                percent: o.percent.unwrap_or(d.percent),
                max: o.max.or(d.max),
                zero_below: o.zero_below.unwrap_or(d.zero_below),
            },
        }
    }

    /// Rejects numbers that make no sense (negative buffers, percent outside 0..=100).
    fn check(&self) -> Result<(), PlanError> {
        let rules = std::iter::once(("defaults".to_string(), self.defaults)).chain(
            self.overrides
                .keys()
                .map(|sku| (format!("sku {sku:?}"), self.rule(sku))),
        );
        for (what, rule) in rules {
            if !(0..=100).contains(&rule.percent) {
                return Err(PlanError::argument(format!(
                    "stock percent for {what} is {}; it must be 0..100",
                    rule.percent
                )));
            }
            if rule.buffer < 0 || rule.zero_below < 0 || rule.max.is_some_and(|m| m < 0) {
                return Err(PlanError::argument(format!(
                    "stock buffer, max and zero_below for {what} must not be negative"
                )));
            }
        }
        Ok(())
    }
}

/// One line to publish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StockLine {
    /// Offer SKU.
    pub sku: String,
    /// Warehouse code, when per warehouse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    /// Quantity to publish.
    pub quantity: i64,
    /// What the ledger says was published before, if anything.
    pub previous: Option<i64>,
}

/// The plan: the STO01 file and its lines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StockPlan {
    /// STO01 CSV (header only when nothing changed).
    pub csv: String,
    /// Lines in the file, in file order.
    pub lines: Vec<StockLine>,
    /// SKUs that could not be published.
    pub exceptions: Vec<Exception>,
    /// Open exceptions this plan settles.
    pub resolves: Vec<Resolution>,
}

/// Thousandths of a unit in `available`, read exactly (through its shortest decimal form
/// when it is not a whole number of thousandths), rounded down.
fn milli_units(available: f64) -> i128 {
    // Fast path: `m / 1000` in f64 is the double nearest to that decimal, so equality means
    // `available` was read from exactly m thousandths.
    let scaled = (available * 1000.0).round();
    if scaled.is_finite() && scaled.abs() < 1e15 && scaled / 1000.0 == available {
        return scaled as i128;
    }
    serde_json::Number::from_f64(available)
        .and_then(|n| Decimal::from_json_number(&n))
        .map(|d| {
            if d.scale <= 3 {
                d.mantissa * 10i128.pow(3 - d.scale)
            } else {
                d.mantissa.div_euclid(10i128.pow(d.scale - 3))
            }
        })
        .unwrap_or(0)
}

/// A sum of decimal quantities, rid of binary float error: quantities hold a few decimals at
/// most, so the sum is rounded to millionths (`0.2 + 0.7 + 0.1` is `0.9999999999999999` in
/// floats, which would publish a unit less than there is).
fn decimal_sum(sum: f64) -> f64 {
    let micro = (sum * 1e6).round();
    if micro.abs() < 9e15 { micro / 1e6 } else { sum }
}

/// Quantity to publish for `available` under `rule`.
pub fn publishable(available: f64, rule: StockRule) -> i64 {
    let net = milli_units(available) - i128::from(rule.buffer) * 1000;
    let share = (net * i128::from(rule.percent)).div_euclid(100 * 1000);
    let capped = match rule.max {
        Some(max) => share.min(i128::from(max)),
        None => share,
    }
    .max(0);
    let quantity = i64::try_from(capped).unwrap_or(i64::MAX);
    if quantity < rule.zero_below {
        0
    } else {
        quantity
    }
}

/// Plans a stock publication (see the WIT `plan-stock`). `offers`: the SKUs John Lewis knows
/// (the offer mirror), or `None` when no mirror is available.
pub fn plan_stock(
    snapshot: &[StockLevel],
    ledger: &[Published],
    offers: Option<&FastSet<&str>>,
    policy: &StockPolicy,
    committed: &[Committed],
    full: bool,
) -> Result<StockPlan, PlanError> {
    policy.check()?;
    if snapshot.len() > MAX_SNAPSHOT {
        return Err(PlanError {
            code: "input_too_large".into(),
            message: format!(
                "the snapshot has {} rows; the limit is {MAX_SNAPSHOT}",
                snapshot.len()
            ),
        });
    }
    for (i, level) in snapshot.iter().enumerate() {
        if level.sku.trim().is_empty() {
            return Err(PlanError::argument(format!("snapshot[{i}].sku is empty")));
        }
        if !level.available.is_finite() {
            return Err(PlanError::argument(format!(
                "snapshot[{i}].available is not a number"
            )));
        }
    }
    // Sorted by SKU then warehouse (warehouse lines of an offer stay together); several rows
    // for one SKU and warehouse add up.
    let mut rows: Vec<(&str, Option<&str>, f64)> = snapshot
        .iter()
        .map(|l| (l.sku.as_str(), l.warehouse.as_deref(), l.available))
        .collect();
    rows.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut available: Vec<(&str, Option<&str>, f64)> = Vec::with_capacity(rows.len());
    for row in rows {
        match available.last_mut() {
            Some(last) if last.0 == row.0 && last.1 == row.1 => {
                last.2 = decimal_sum(last.2 + row.2)
            }
            _ => available.push(row),
        }
    }
    let held = Held::new(committed);
    if !held.is_empty() {
        // Units John Lewis holds for orders Fulfil does not have yet are sold already,
        // whatever Fulfil shows: taken off the SKU's availability across warehouses.
        for row in available.iter_mut().filter(|row| row.1.is_none()) {
            let units = held.of(row.0);
            if units != 0 {
                row.2 = decimal_sum(row.2 - units as f64);
            }
        }
    }
    let previous: FastMap<(&str, Option<&str>), i64> = ledger
        .iter()
        .map(|p| ((p.sku.as_str(), p.warehouse.as_deref()), p.quantity))
        .collect();

    let mut csv = String::with_capacity(stock_csv::HEADER.len() + 40 * available.len());
    csv.push_str(stock_csv::HEADER);
    let mut lines = Vec::new();
    let mut exceptions = Vec::new();
    let mut unknown_reported: FastSet<&str> = FastSet::default();
    for (sku, warehouse, qty) in available {
        if policy.exclude.contains(sku) {
            continue;
        }
        if let Some(known) = offers
            && !known.contains(sku)
        {
            if unknown_reported.insert(sku) {
                exceptions.push(Exception::new(
                    "unknown_offer",
                    Team::Ecommerce,
                    Severity::Warning,
                    sku,
                    format!("Fulfil has stock for {sku:?} but John Lewis has no offer with this SKU, so it is not published. Create the offer on John Lewis, correct its SKU, or add the SKU to [stock] exclude."),
                ));
            }
            continue;
        }
        let quantity = publishable(qty, policy.rule(sku));
        let before = previous.get(&(sku, warehouse)).copied();
        if !full && before == Some(quantity) {
            continue;
        }
        stock_csv::push_line(&mut csv, sku, quantity, warehouse);
        lines.push(StockLine {
            sku: sku.to_string(),
            warehouse: warehouse.map(str::to_string),
            quantity,
            previous: before,
        });
    }
    Ok(StockPlan {
        csv,
        lines,
        exceptions,
        // A plan made: the component's earlier fault on the stock plan is over.
        resolves: vec![Resolution::new(&["plugin_fault"], Some("stock"))],
    })
}

/// Plans the correction after a full comparison (see the WIT `reconcile-stock`): `shown` is
/// what John Lewis shows. Where it shows more than the policy allows, `stock_drift`: the offer
/// could oversell, and something besides the connector may be writing stock to John Lewis.
/// Where it shows units of an offer no Fulfil product has the SKU of, `offer_without_product`:
/// the connector never updates that offer, so John Lewis can sell what Fulfil does not have.
/// No `unknown_offer`: a reconciliation sees every Fulfil SKU, most of them not sold on John
/// Lewis, and would flood the queue (they are still not sent).
pub fn reconcile_stock(
    snapshot: &[StockLevel],
    shown: &[Published],
    offers: Option<&FastSet<&str>>,
    policy: &StockPolicy,
    committed: &[Committed],
) -> Result<StockPlan, PlanError> {
    let mut plan = plan_stock(snapshot, shown, offers, policy, committed, false)?;
    plan.resolves
        .push(Resolution::new(&["offer_without_product"], None));
    plan.exceptions.retain(|e| e.code != "unknown_offer");
    let in_fulfil: FastSet<&str> = snapshot.iter().map(|l| l.sku.as_str()).collect();
    let mut reported: FastSet<&str> = FastSet::default();
    for offer in shown {
        let sku = offer.sku.as_str();
        if offer.quantity > 0
            && !in_fulfil.contains(sku)
            && !policy.exclude.contains(sku)
            && reported.insert(sku)
        {
            plan.exceptions.push(Exception::new(
                "offer_without_product",
                Team::Ecommerce,
                Severity::Warning,
                sku,
                format!(
                    "John Lewis shows {} of offer {sku:?}, but no Fulfil product has this SKU, so the connector never updates its stock and John Lewis can sell units Fulfil does not have. Create the product in Fulfil with exactly this SKU, correct the offer's SKU, or set its stock to 0 on John Lewis (list it in [stock] exclude if you manage it by hand).",
                    offer.quantity
                ),
            ));
        }
    }
    for line in &plan.lines {
        if let Some(shown) = line.previous
            && shown > line.quantity
        {
            plan.exceptions.push(Exception::new(
                "stock_drift",
                Team::Operations,
                Severity::Warning,
                &line.sku,
                format!(
                    "John Lewis showed {shown} of {:?} but Fulfil allows {}: the offer could oversell. The connector is publishing {}; if this recurs, look for another system writing stock to John Lewis.",
                    line.sku, line.quantity, line.quantity
                ),
            ));
        }
    }
    Ok(plan)
}
