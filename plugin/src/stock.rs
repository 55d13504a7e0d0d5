//! `plan-stock`: from a Fulfil stock snapshot, the seller's stock policy and the ledger of
//! what was last published, the quantities to publish on John Lewis and the STO01 file.
//!
//! Published = clamp(floor((available − buffer) × percent / 100), 0, max), and 0 when that
//! falls below `zero_below`. Availability is read exactly to a thousandth of a unit (Fulfil
//! quantities can be fractional or negative), so no float rounding ever decides a unit.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::commitments::{Committed, Held};
use crate::error::PlanError;
use crate::exception::{Exception, Resolution, Severity, Team};
use crate::fast_hash::{FastMap, FastSet};
use crate::money::Decimal;
use crate::stock_csv;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(buffer: i64, percent: i64, max: Option<i64>, zero_below: i64) -> StockRule {
        StockRule {
            buffer,
            percent,
            max,
            zero_below,
        }
    }

    #[test]
    fn applies_the_formula_exactly() {
        let plain = StockRule::default();
        assert_eq!(publishable(7.0, plain), 7);
        assert_eq!(publishable(7.9, plain), 7, "fractions round down");
        assert_eq!(publishable(-3.0, plain), 0, "never negative");
        assert_eq!(publishable(-0.5, plain), 0);
        assert_eq!(
            publishable(2.0, rule(5, 100, None, 0)),
            0,
            "buffer larger than stock"
        );
        assert_eq!(publishable(10.0, rule(2, 50, None, 0)), 4);
        assert_eq!(
            publishable(3.0, rule(0, 33, None, 0)),
            0,
            "0.99 rounds down"
        );
        assert_eq!(publishable(0.3, rule(0, 100, None, 0)), 0);
        assert_eq!(publishable(1000.0, rule(0, 100, Some(50), 0)), 50);
        assert_eq!(
            publishable(3.0, rule(0, 100, None, 5)),
            0,
            "below zero_below"
        );
        assert_eq!(publishable(5.0, rule(0, 100, None, 5)), 5);
        assert_eq!(publishable(1e15, plain), 1_000_000_000_000_000);
        assert_eq!(publishable(0.1 + 0.2, rule(0, 1000 / 10, None, 0)), 0);
    }

    #[test]
    fn never_publishes_more_than_the_rule_allows_and_more_stock_never_publishes_less() {
        let mut rng = fastrand::Rng::with_seed(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let max = rng.i64(0..40);
            let r = rule(
                rng.i64(0..6),
                [100, 100, 90, 50, 33, 0][rng.usize(..6)],
                [None, Some(max)][rng.usize(..2)],
                rng.i64(0..4),
            );
            // Thousandths of a unit, as Fulfil's decimals and f64 sums of them give.
            let milli = rng.i64(-20_000..180_000);
            let available = milli as f64 / 1000.0;
            let published = publishable(available, r);
            // The exact rule in integers: floor((available - buffer) × percent), capped.
            let exact = ((i128::from(milli) - i128::from(r.buffer) * 1000) * i128::from(r.percent))
                .div_euclid(100_000)
                .max(0) as i64;
            let exact = r.max.map_or(exact, |max| exact.min(max));
            let exact = if exact < r.zero_below { 0 } else { exact };
            assert_eq!(published, exact, "{available} under {r:?}");
            assert!(published >= 0 && r.max.is_none_or(|max| published <= max));
            assert!(
                published == 0 || published * 1000 <= milli - r.buffer * 1000,
                "{published} published from {available} with a buffer of {}",
                r.buffer
            );
            // A thousandth more (or a float sum a hair off) never publishes less.
            assert!(
                publishable(available + 0.001, r) >= published,
                "{available}"
            );
            assert!(publishable(available + 1e-9, r) >= published, "{available}");
        }
        // Nothing unreadable is ever published.
        for weird in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1e300,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(publishable(weird, StockRule::default()), 0, "{weird}");
        }
    }

    #[test]
    fn emits_only_changes_unless_full() {
        let snapshot = vec![
            StockLevel {
                sku: "A".into(),
                warehouse: None,
                available: 5.0,
            },
            StockLevel {
                sku: "B".into(),
                warehouse: None,
                available: 2.0,
            },
        ];
        let ledger = vec![Published {
            sku: "A".into(),
            warehouse: None,
            quantity: 5,
        }];
        let plan = plan_stock(
            &snapshot,
            &ledger,
            None,
            &StockPolicy::default(),
            &[],
            false,
        )
        .expect("plan");
        assert_eq!(
            plan.lines,
            vec![StockLine {
                sku: "B".into(),
                warehouse: None,
                quantity: 2,
                previous: None
            }]
        );
        let full =
            plan_stock(&snapshot, &ledger, None, &StockPolicy::default(), &[], true).expect("plan");
        assert_eq!(full.lines.len(), 2);
    }

    #[test]
    fn rows_of_one_sku_add_up_as_decimals() {
        let snapshot: Vec<StockLevel> = [0.2, 0.7, 0.1]
            .into_iter()
            .map(|available| StockLevel {
                sku: "FABRIC-M".into(),
                warehouse: None,
                available,
            })
            .collect();
        let plan =
            plan_stock(&snapshot, &[], None, &StockPolicy::default(), &[], false).expect("plan");
        assert_eq!(plan.lines[0].quantity, 1, "0.2 + 0.7 + 0.1 metres is 1");
    }

    #[test]
    fn reconciliation_flags_offers_john_lewis_oversells() {
        let level = |sku: &str, available: f64| StockLevel {
            sku: sku.into(),
            warehouse: None,
            available,
        };
        let shown = |sku: &str, quantity: i64| Published {
            sku: sku.into(),
            warehouse: None,
            quantity,
        };
        let snapshot = vec![level("OVER", 3.0), level("UNDER", 9.0), level("SAME", 4.0)];
        let on_jl = vec![shown("OVER", 10), shown("UNDER", 2), shown("SAME", 4)];
        let offers: FastSet<&str> = ["OVER", "UNDER", "SAME"].into_iter().collect();
        let with_unsold = [snapshot.clone(), vec![level("NOT-ON-JL", 5.0)]].concat();
        let plan = reconcile_stock(
            &with_unsold,
            &on_jl,
            Some(&offers),
            &StockPolicy::default(),
            &[],
        )
        .expect("plan");
        let corrected: Vec<(&str, i64)> = plan
            .lines
            .iter()
            .map(|l| (l.sku.as_str(), l.quantity))
            .collect();
        assert_eq!(corrected, vec![("OVER", 3), ("UNDER", 9)]);
        let drift: Vec<&str> = plan
            .exceptions
            .iter()
            .filter(|e| e.code == "stock_drift")
            .map(|e| e.subject.as_str())
            .collect();
        assert_eq!(
            drift,
            vec!["OVER"],
            "showing less than allowed is not drift"
        );
        assert!(plan.exceptions[0].message.contains("showed 10"));
        assert_eq!(
            plan.exceptions.len(),
            1,
            "a SKU John Lewis does not sell is skipped without an exception"
        );
    }

    #[test]
    fn reconciliation_flags_offers_no_fulfil_product_backs() {
        let shown = |sku: &str, warehouse: Option<&str>, quantity: i64| Published {
            sku: sku.into(),
            warehouse: warehouse.map(str::to_string),
            quantity,
        };
        let snapshot = vec![StockLevel {
            sku: "KNOWN".into(),
            warehouse: None,
            available: 4.0,
        }];
        let on_jl = vec![
            shown("KNOWN", None, 4),
            shown("GONE", Some("W1"), 3),
            shown("GONE", Some("W2"), 2),
            shown("EMPTY", None, 0),
            shown("BY-HAND", None, 7),
        ];
        let mut policy = StockPolicy::default();
        policy.exclude.insert("BY-HAND".into());
        let plan = reconcile_stock(&snapshot, &on_jl, None, &policy, &[]).expect("plan");
        let flagged: Vec<(&str, &str)> = plan
            .exceptions
            .iter()
            .map(|e| (e.code.as_str(), e.subject.as_str()))
            .collect();
        assert_eq!(
            flagged,
            [("offer_without_product", "GONE")],
            "once per SKU; not an offer showing nothing, nor an excluded one"
        );
        assert!(plan.exceptions[0].message.contains("shows 3"));
        assert!(plan.lines.is_empty(), "nothing is published for it");
    }

    #[test]
    fn unknown_offers_and_excluded_skus_are_not_sent() {
        let snapshot = vec![
            StockLevel {
                sku: "A".into(),
                warehouse: None,
                available: 5.0,
            },
            StockLevel {
                sku: "GHOST".into(),
                warehouse: None,
                available: 2.0,
            },
            StockLevel {
                sku: "SECRET".into(),
                warehouse: None,
                available: 2.0,
            },
        ];
        let offers: FastSet<&str> = ["A", "SECRET"].into_iter().collect();
        let mut policy = StockPolicy::default();
        policy.exclude.insert("SECRET".into());
        let plan = plan_stock(&snapshot, &[], Some(&offers), &policy, &[], false).expect("plan");
        assert_eq!(
            plan.lines
                .iter()
                .map(|l| l.sku.as_str())
                .collect::<Vec<_>>(),
            vec!["A"]
        );
        assert_eq!(plan.exceptions.len(), 1);
        assert_eq!(plan.exceptions[0].code, "unknown_offer");
        assert!(!plan.csv.contains("GHOST") && !plan.csv.contains("SECRET"));
    }

    #[test]
    fn overrides_and_bad_policies() {
        let mut policy = StockPolicy::default();
        policy.overrides.insert(
            "JL-MUG-001".into(),
            RuleOverride {
                buffer: Some(2),
                ..RuleOverride::default()
            },
        );
        assert_eq!(policy.rule("JL-MUG-001").buffer, 2);
        assert_eq!(policy.rule("OTHER").buffer, 0);
        policy.defaults.percent = 101;
        assert!(plan_stock(&[], &[], None, &policy, &[], false).is_err());
    }
}
