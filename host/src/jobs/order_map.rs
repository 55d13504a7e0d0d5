//! The order map entry of an order just read from OR11.

use crate::mirakl::RawOrder;
use crate::store::Store;

/// Records `order` (read for `order_id`) in the order map: its customer order number (the id
/// when it has none), Mirakl state, last update, and its text exactly as Mirakl sent it.
pub(super) fn remember(store: &Store, order_id: &str, order: &RawOrder) -> anyhow::Result<()> {
    store.upsert_order(
        order_id,
        order.commercial_id().unwrap_or(order_id),
        order.state().unwrap_or(""),
        order.last_updated(),
        order.json(),
    )
}
