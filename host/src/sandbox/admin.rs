//! [`Sandbox`] methods for returns, refunds and cancellations: seeding and reading John Lewis
//! returns, changes made on John Lewis' side (a customer opening a return or cancelling
//! units), and a person's work in Fulfil (receiving a return shipment, cancelling a sale,
//! reducing a line), for scripted demo days and tests.

use serde_json::Value;
use tokio::time::Instant;

use super::{ReturnShipmentOf, Sandbox, state};

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

    /// Receives a Fulfil return shipment (of a return sale, or by its id) as the warehouse
    /// does: it and its moves become `done` (`write_date` now), `non_compliant` (SKU, reason)
    /// is recorded as the moves' `x_non_compliance_reason`, and Fulfil posts the credit note
    /// of the return sale (see `fulfil/returns.rs`). The compliant units go back in stock
    /// through [`Sandbox::change_stock`] (`quantity_available` up by them, and the usual
    /// `inventory_level_changed` webhook when a target is set); non-compliant ones do not.
    /// Returns the webhook's HTTP status, or 0 when none was sent. Fails, changing nothing,
    /// when there is no such open shipment or a SKU is not on it.
    pub async fn receive_return_shipment(
        &self,
        shipment: ReturnShipmentOf,
        non_compliant: Vec<(String, String)>,
    ) -> anyhow::Result<u16> {
        let changes: Vec<(String, f64)> = {
            let mut guard = state::lock(&self.state);
            let back = guard
                .fulfil
                .receive_return(shipment, &non_compliant, chrono::Utc::now())?;
            back.into_iter()
                .filter_map(|(sku, units)| {
                    let product = guard.fulfil.products.values().find(|p| p.code == sku)?;
                    Some((sku, product.quantity_available + units))
                })
                .collect()
        };
        if changes.is_empty() {
            return Ok(0);
        }
        self.change_stock(&changes, true).await
    }

    /// Cancels Fulfil sale `sale_id` as a person in Fulfil would, with the rules of
    /// `sale.sale/{id}/cancel` (refused once a customer shipment is packed or done).
    pub fn cancel_sale_in_fulfil(&self, sale_id: i64) -> anyhow::Result<()> {
        state::lock(&self.state)
            .fulfil
            .cancel_sale(sale_id, chrono::Utc::now())
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Lowers the quantity of the line of SKU `sku` on Fulfil sale `sale_id` to `quantity`
    /// as a person in Fulfil would, with the rules of `sale.line/write` (only lowering, only
    /// while nothing of the sale is packed or shipped).
    pub fn reduce_sale_line_in_fulfil(
        &self,
        sale_id: i64,
        sku: &str,
        quantity: f64,
    ) -> anyhow::Result<()> {
        let mut guard = state::lock(&self.state);
        let line = guard
            .fulfil
            .line_of_sale(sale_id, sku)
            .ok_or_else(|| anyhow::anyhow!("sale {sale_id} has no line of SKU '{sku}'"))?;
        guard
            .fulfil
            .reduce_lines(&[line], quantity, chrono::Utc::now())
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Every Fulfil return shipment as `{id, sale, reference, state, moves: [{sku,
    /// quantity, x_non_compliance_reason}]}`, by id.
    pub fn return_shipments(&self) -> Vec<Value> {
        state::lock(&self.state).fulfil.returns.summary()
    }

    /// Every Fulfil credit note as `{id, number, reference, sale, total_amount, state}`, by
    /// id (`total_amount` a decimal string, negative).
    pub fn credit_notes(&self) -> Vec<Value> {
        state::lock(&self.state)
            .fulfil
            .returns
            .credit_note_summary()
    }
}
