//! The durable queue of Fulfil stock changes and the replay protection of the webhook.
//!
//! `stock_queue` holds at most one unpublished change per SKU; `stock_seen` the newest event
//! timestamp accepted per SKU, kept after publication so a replayed delivery stays stale
//! after a restart. The webhook answers 2xx only once both are committed
//! ([`Store::queue_stock_changes`]); the stock job deletes a change once its upload finished
//! ([`Store::settle_stock_changes`]).

use anyhow::Context;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::Store;

/// One queued change as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedChange {
    /// Fulfil `product_code`.
    pub sku: String,
    /// Available quantity (sum over the counted warehouses).
    pub available: f64,
    /// The event's timestamp.
    pub event_time: DateTime<Utc>,
    /// When the first still-unpublished change for this SKU was received.
    pub received_at: DateTime<Utc>,
}

/// A timestamp as stored: fixed width (nanoseconds, `Z`), so text order is time order.
fn stamp(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// A stored timestamp; `None` when unreadable (the row is then skipped with a warning).
fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    /// Commits accepted changes in one transaction: each becomes the SKU's queued change
    /// (keeping the earlier `received_at` of a change already queued) and its `event_time`
    /// the newest seen for the SKU.
    pub fn queue_stock_changes(&self, changes: &[QueuedChange]) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("begin the stock queue write")?;
        {
            let mut queue = tx.prepare_cached(
                "INSERT INTO stock_queue (sku, available, event_time, received_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sku) DO UPDATE SET
                     available = excluded.available, event_time = excluded.event_time",
            )?;
            let mut seen = tx.prepare_cached(
                "INSERT INTO stock_seen (sku, event_time) VALUES (?1, ?2)
                 ON CONFLICT (sku) DO UPDATE SET event_time = max(event_time, excluded.event_time)",
            )?;
            for change in changes {
                let event_time = stamp(&change.event_time);
                queue.execute(params![
                    change.sku,
                    change.available,
                    event_time,
                    stamp(&change.received_at)
                ])?;
                seen.execute(params![change.sku, event_time])?;
            }
        }
        tx.commit().context("commit the stock queue write")?;
        Ok(())
    }

    /// Every queued change, oldest `received_at` first.
    pub fn queued_stock_changes(&self) -> anyhow::Result<Vec<QueuedChange>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT sku, available, event_time, received_at FROM stock_queue
             ORDER BY received_at, sku",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, f64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (sku, available, event_time, received_at) = row?;
            match (parse(&event_time), parse(&received_at)) {
                (Some(event_time), Some(received_at)) => changes.push(QueuedChange {
                    sku,
                    available,
                    event_time,
                    received_at,
                }),
                _ => tracing::warn!(%sku, "queued stock change with an unreadable time skipped"),
            }
        }
        Ok(changes)
    }

    /// The newest event timestamp accepted per SKU.
    pub fn seen_stock_events(&self) -> anyhow::Result<Vec<(String, DateTime<Utc>)>> {
        let conn = self.conn();
        let mut statement = conn.prepare("SELECT sku, event_time FROM stock_seen")?;
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut seen = Vec::new();
        for row in rows {
            let (sku, time) = row?;
            match parse(&time) {
                Some(time) => seen.push((sku, time)),
                None => tracing::warn!(%sku, "seen stock event with an unreadable time skipped"),
            }
        }
        Ok(seen)
    }

    /// Removes the queued changes settled by an upload: per SKU, the queued change unless it
    /// is newer than `event_time` (a change that arrived while the upload was in flight stays).
    pub fn settle_stock_changes(&self, settled: &[(String, DateTime<Utc>)]) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().context("begin the stock queue settle")?;
        {
            let mut delete =
                tx.prepare_cached("DELETE FROM stock_queue WHERE sku = ?1 AND event_time <= ?2")?;
            for (sku, event_time) in settled {
                delete.execute(params![sku, stamp(event_time)])?;
            }
        }
        tx.commit().context("commit the stock queue settle")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, second)
            .single()
            .unwrap_or_default()
    }

    fn change(sku: &str, available: f64, second: u32) -> QueuedChange {
        QueuedChange {
            sku: sku.into(),
            available,
            event_time: at(second),
            received_at: at(second),
        }
    }

    #[test]
    fn a_queued_change_survives_reopening_and_is_settled_only_up_to_its_time() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("jlm.sqlite");
        {
            let store = Store::open(&path).expect("open");
            store
                .queue_stock_changes(&[change("A", 1.0, 1), change("B", 2.5, 2)])
                .expect("queue");
            // A newer change for A coalesces and keeps the first receipt.
            store
                .queue_stock_changes(&[change("A", 4.0, 3)])
                .expect("queue");
        }
        let store = Store::open(&path).expect("reopen");
        let queued = store.queued_stock_changes().expect("read");
        assert_eq!(
            queued,
            vec![
                QueuedChange {
                    received_at: at(1),
                    ..change("A", 4.0, 3)
                },
                change("B", 2.5, 2)
            ]
        );
        let mut seen = store.seen_stock_events().expect("seen");
        seen.sort();
        assert_eq!(seen, vec![("A".into(), at(3)), ("B".into(), at(2))]);
        // An upload of A as of second 2 does not settle the change of second 3; B's does.
        store
            .settle_stock_changes(&[("A".into(), at(2)), ("B".into(), at(2))])
            .expect("settle");
        let left: Vec<String> = store
            .queued_stock_changes()
            .expect("read")
            .into_iter()
            .map(|c| c.sku)
            .collect();
        assert_eq!(left, ["A"]);
        // What was seen is kept after settling.
        assert_eq!(store.seen_stock_events().expect("seen").len(), 2);
    }
}
