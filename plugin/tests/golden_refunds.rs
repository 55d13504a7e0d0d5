//! Golden tests of `plan-refund` on the native build: every case under `fixtures/refunds/`.
//! A case holds `order.json` (OR11 as John Lewis shows it now, earlier refunds included),
//! `return.json` (RT11), `input.json` (`receipt`: what Fulfil shows of the return shipment;
//! `refunded`: units of other returns already refunded) and an optional `policy.json`.
//! `JLM_BLESS=1 cargo test -p plugin --test golden_refunds` rewrites `expected.json`.

mod golden;

use plugin::returns::refund::plan_refund;
use plugin::returns::{Receipt, RefundPolicy, ReturnedUnits};

/// A case's `input.json`.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CaseInput {
    receipt: Receipt,
    refunded: Vec<ReturnedUnits>,
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    for case in golden::cases("refunds", "return.json", 10) {
        let input: CaseInput = golden::optional(&case.join("input.json"));
        let policy: RefundPolicy = golden::optional(&case.join("policy.json"));
        let plan = plan_refund(
            &golden::read(&case.join("order.json")),
            &golden::read(&case.join("return.json")),
            &input.receipt,
            &input.refunded,
            &policy,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        golden::compare(&case, &plan, &plan.exceptions);
    }
}
