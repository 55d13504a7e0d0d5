//! Pruning: what the store no longer needs is deleted once older than its configured age
//! (`[retention]`), so customer data is not kept for ever and the file stays small.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::Store;

/// Mirakl order states after which the connector never reads an order's payload again.
const FINISHED_ORDER_STATES: &str =
    "'SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED', 'REFUSED', 'CANCELED'";

/// How long each kind of record is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Order payloads (the OR11 order, with the customer's name and address, and its plan)
    /// of orders finished on John Lewis and settled in the connector; the order map row stays.
    pub raw_payloads: Duration,
    /// Audit rows.
    pub audit: Duration,
    /// Outbox entries confirmed done (their bodies hold what was sent, addresses included).
    pub done_outbox: Duration,
    /// Finished STO01 uploads (the file sent and its outcome).
    pub stock_imports: Duration,
}

/// What one pruning deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Order payloads cleared.
    pub raw_payloads: usize,
    /// Audit rows deleted.
    pub audit: usize,
    /// Done outbox entries deleted.
    pub done_outbox: usize,
    /// STO01 uploads deleted.
    pub stock_imports: usize,
}

impl Pruned {
    /// True when nothing was deleted.
    pub fn is_empty(&self) -> bool {
        *self == Pruned::default()
    }
}

/// `now - age` in the stored time format (so text comparison orders it correctly).
fn cutoff(now: DateTime<Utc>, age: Duration) -> String {
    let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
    now.checked_sub_signed(age)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Deletes what is older than `retention` allows at `now`, in one transaction.
    pub fn prune(&self, now: DateTime<Utc>, retention: &Retention) -> anyhow::Result<Pruned> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let raw_payloads = tx.execute(
            &format!(
                "UPDATE orders SET raw = '', plan = NULL
                 WHERE updated_at < ?1 AND (raw <> '' OR plan IS NOT NULL)
                   AND stage IN ('created', 'closed')
                   AND mirakl_state IN ({FINISHED_ORDER_STATES})"
            ),
            params![cutoff(now, retention.raw_payloads)],
        )?;
        let audit = tx.execute(
            "DELETE FROM audit WHERE at < ?1",
            params![cutoff(now, retention.audit)],
        )?;
        let done_outbox = tx.execute(
            "DELETE FROM outbox WHERE state = 'done' AND updated_at < ?1",
            params![cutoff(now, retention.done_outbox)],
        )?;
        let stock_imports = tx.execute(
            "DELETE FROM stock_imports WHERE finished_at IS NOT NULL AND finished_at < ?1",
            params![cutoff(now, retention.stock_imports)],
        )?;
        tx.commit()?;
        Ok(Pruned {
            raw_payloads,
            audit,
            done_outbox,
            stock_imports,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OrderStage, OutboxState};

    const DAY: Duration = Duration::from_secs(86_400);

    fn retention() -> Retention {
        Retention {
            raw_payloads: 30 * DAY,
            audit: 400 * DAY,
            done_outbox: 90 * DAY,
            stock_imports: 90 * DAY,
        }
    }

    fn days_later(days: i64) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::days(days)
    }

    /// Sets a finished order and its sent writes up as they are after a day of trading.
    fn trade(store: &Store) {
        let raw = r#"{"order_id":"A","customer":{"firstname":"Ada","lastname":"Lovelace"}}"#;
        store
            .upsert_order("A", "C-A", "SHIPPED", None, raw)
            .expect("order");
        store.set_order_plan("A", r#"{"create":{}}"#).expect("plan");
        store.set_order_sale("A", Some(7)).expect("sale");
        let open = r#"{"order_id":"B","customer":{"firstname":"Bo"}}"#;
        store
            .upsert_order("B", "C-B", "WAITING_ACCEPTANCE", None, open)
            .expect("order");
        store.set_order_stage("B", OrderStage::Held).expect("held");
        let done = store
            .enqueue(
                "create_order",
                "A",
                "create_order:A",
                "{\"address\":\"1 Lane\"}",
            )
            .expect("enqueue");
        store
            .outbox_set(done.id, OutboxState::Done, None)
            .expect("done");
        store
            .enqueue("or21", "B", "or21:B", "{}")
            .expect("enqueue pending");
        store.audit("or21.sent", "A", "").expect("audit");
        store
            .record_stock_import("imp-1", "sku;quantity\nX;1\nY;2\n", 2)
            .expect("import");
        store
            .finish_stock_import("imp-1", "COMPLETE", 0)
            .expect("finish");
        store
            .record_stock_import("imp-2", "sku;quantity\nX;0\n", 1)
            .expect("import in flight");
    }

    #[test]
    fn records_are_deleted_only_once_older_than_their_configured_age() {
        let store = Store::in_memory().expect("store");
        trade(&store);

        let nothing = store.prune(days_later(29), &retention()).expect("prune");
        assert!(
            nothing.is_empty(),
            "all younger than their ages: {nothing:?}"
        );

        let month = store.prune(days_later(31), &retention()).expect("prune");
        assert_eq!(month.raw_payloads, 1, "the finished order's payload");
        let order = store.order("A").expect("read").expect("row kept");
        assert!(!order.raw.contains("Lovelace"), "{}", order.raw);
        assert_eq!(order.fulfil_sale_id, Some(7), "the order map stays");
        let open = store.order("B").expect("read").expect("row");
        assert!(open.raw.contains("Bo"), "an open order keeps its payload");

        let quarter = store.prune(days_later(91), &retention()).expect("prune");
        assert_eq!(
            (quarter.done_outbox, quarter.stock_imports, quarter.audit),
            (1, 1, 0)
        );
        assert!(
            store
                .outbox_entry("create_order:A")
                .expect("read")
                .is_none()
        );
        assert!(
            store.outbox_entry("or21:B").expect("read").is_some(),
            "a write not done yet is never pruned"
        );
        let imports = store.stock_imports(10).expect("imports");
        assert_eq!(
            imports
                .iter()
                .map(|i| i.import_id.as_str())
                .collect::<Vec<_>>(),
            ["imp-2"],
            "the upload in flight stays"
        );
        assert_eq!(store.audit_for("A").expect("audit").len(), 1);

        let year_end = store.prune(days_later(401), &retention()).expect("prune");
        assert_eq!(year_end.audit, 1);
        assert!(store.audit_for("A").expect("audit").is_empty());
    }
}
