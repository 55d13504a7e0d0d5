//! Tests of `plan-stock` and `reconcile-stock`.

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
    let plan = plan_stock(&snapshot, &[], None, &StockPolicy::default(), &[], false).expect("plan");
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
