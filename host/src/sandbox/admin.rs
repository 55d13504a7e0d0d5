//! [`Sandbox`] methods for returns, refunds and cancellations: seeding and reading John Lewis
//! returns, changes made on John Lewis' side (a customer opening a return or cancelling
//! units), and a person's work in Fulfil (receiving a return shipment, cancelling a sale,
//! reducing a line), for scripted demo days and tests.

use serde_json::Value;
use tokio::time::Instant;

use super::{Sandbox, state};

impl Sandbox {
    /// Adds (or replaces, by `id`) RT11 return objects. `date_created` and `last_updated`
    /// are kept when given as strings, stamped with now otherwise. Objects without a string
    /// `id` are skipped with a warning.
    pub fn seed_returns(&self, returns: Vec<Value>) {
        state::lock(&self.state).mirakl.returns.seed(returns);
    }

    /// Opens a John Lewis return of `lines` (order line id, units) of order `order_id` with
    /// the return reason `reason_code`, as a customer does: state `WAITING_ACCEPTANCE`,
    /// `date_created` now, sent back by mail to the seller's warehouse. Returns its id (a
    /// UUID). Fails, changing nothing, when the order is unknown, a line is not one of its
    /// lines, or a quantity is not between 1 and the line's quantity.
    pub fn open_return(
        &self,
        order_id: &str,
        lines: Vec<(String, i64)>,
        reason_code: &str,
    ) -> anyhow::Result<String> {
        state::lock(&self.state)
            .mirakl
            .open_return(order_id, &lines, reason_code)
            .map_err(anyhow::Error::msg)
    }

    /// Every return as RT11 shows it, by id.
    pub fn returns(&self) -> Vec<Value> {
        state::lock(&self.state)
            .mirakl
            .returns
            .list
            .values()
            .cloned()
            .collect()
    }

    /// The return `id` as RT11 shows it.
    pub fn return_by_id(&self, id: &str) -> Option<Value> {
        state::lock(&self.state)
            .mirakl
            .returns
            .list
            .get(id)
            .cloned()
    }

    /// Cancels `lines` (order line id, units) of `order_id` on John Lewis' side (the customer
    /// or John Lewis cancels after the order was imported), with reason `reason_code`: as OR30
    /// would, with the same checks, amounts and taxes pro rata (the last units take what is
    /// left), lines and order moving to `CANCELED` once nothing is left, and
    /// `last_updated_date` stamped so OR11 polling sees it. Fails, changing nothing, when OR30
    /// would refuse it.
    pub fn cancel_lines_on_john_lewis(
        &self,
        order_id: &str,
        lines: Vec<(String, i64)>,
        reason_code: &str,
    ) -> anyhow::Result<()> {
        state::lock(&self.state)
            .mirakl
            .cancel_lines_on_john_lewis(order_id, &lines, reason_code)
            .map_err(anyhow::Error::msg)
    }

    /// Sets the state of line `line_id` of order `order_id` (e.g. `RECEIVED` or `CLOSED`,
    /// which John Lewis sets on its own) and stamps the order's `last_updated_date`; the order
    /// state is not changed. Fails when there is no such line.
    pub fn set_line_state(&self, order_id: &str, line_id: &str, state: &str) -> anyhow::Result<()> {
        let mut guard = state::lock(&self.state);
        guard.settle(Instant::now());
        guard
            .mirakl
            .set_line_state(order_id, line_id, state)
            .map_err(anyhow::Error::msg)
    }
}
