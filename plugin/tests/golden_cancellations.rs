//! Golden tests of `plan-cancel` on the native build: every case under
//! `fixtures/cancellations/`. A case holds `order.json` (OR11 as John Lewis shows it now,
//! cancellations included), `input.json` (`sale`: the Fulfil sale as it is now; `shipped`:
//! units on packed or done Fulfil shipments) and an optional `policy.json`.
//! `JLM_BLESS=1 cargo test -p plugin --test golden_cancellations` rewrites `expected.json`.

mod golden;

use plugin::cancellations::{CancelPolicy, FulfilSale, ShippedLine, plan_cancel};

/// A case's `input.json`.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CaseInput {
    sale: FulfilSale,
    shipped: Vec<ShippedLine>,
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    for case in golden::cases("cancellations", "order.json", 10) {
        let input: CaseInput = golden::optional(&case.join("input.json"));
        let policy: CancelPolicy = golden::optional(&case.join("policy.json"));
        let plan = plan_cancel(
            &golden::read(&case.join("order.json")),
            &input.sale,
            &input.shipped,
            &policy,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        golden::compare(&case, &plan, &plan.exceptions);
    }
}
