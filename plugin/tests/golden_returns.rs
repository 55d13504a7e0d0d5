//! Golden tests of `plan-return` on the native build: every case under `fixtures/returns/`.
//! A case holds `order.json` (OR11, as stored), `return.json` (RT11), `input.json` (what
//! shipped, earlier returns, the Fulfil sale id, a person's refusal) and an optional
//! `policy.json`. `JLM_BLESS=1 cargo test -p plugin --test golden_returns` rewrites
//! `expected.json`.

mod golden;

use plugin::returns::{ReturnInput, ReturnPolicy, ReturnedUnits, ShippedUnits, plan_return};

/// The fixed clock of every golden case.
const NOW: &str = "2026-12-07T12:00:00Z";

/// A case's `input.json`.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CaseInput {
    shipped: Vec<ShippedUnits>,
    earlier: Vec<ReturnedUnits>,
    sale_id: Option<i64>,
    refusal: Option<String>,
}

#[test]
fn every_fixture_matches_its_golden_plan() {
    for case in golden::cases("returns", "return.json", 10) {
        let input: CaseInput = golden::optional(&case.join("input.json"));
        let policy: ReturnPolicy = golden::optional(&case.join("policy.json"));
        let plan = plan_return(
            &golden::read(&case.join("order.json")),
            &golden::read(&case.join("return.json")),
            &ReturnInput {
                shipped: &input.shipped,
                earlier: &input.earlier,
                sale_id: input.sale_id,
                policy: &policy,
                now: NOW,
                refusal: input.refusal.as_deref(),
            },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        golden::compare(&case, &plan, &plan.exceptions);
    }
}
