//! The SQLite store: cursors, the order map, the outbox of remote writes, the exception
//! queue, the audit log, the catalogue/offer mirrors and the durable queue of Fulfil stock
//! changes. One file, WAL, versioned migrations.
//!
//! Every remote write is recorded in the outbox *before* it is sent and marked done after,
//! so a crash never loses or duplicates work (see `jobs`).

mod audit;
mod catalogue;
mod cursors;
mod exceptions;
mod migrations;
mod orders;
mod outbox;
mod shipments;
mod stock;
mod stock_queue;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use rusqlite::Connection;

pub use catalogue::{CatalogueEntry, OfferEntry};
pub use exceptions::{ExceptionRecord, NewException};
pub use orders::{OrderRecord, OrderStage};
pub use outbox::{OutboxEntry, OutboxState};
pub use shipments::{ShipmentRecord, ShipmentState};
pub use stock::{LedgerEntry, StockImport};
pub use stock_queue::QueuedChange;

/// Handle to the database; cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        let conn =
            Connection::open(path).with_context(|| format!("open the store {}", path.display()))?;
        Store::setup(conn)
    }

    /// An in-memory store (tests, `jlm plan`).
    pub fn in_memory() -> anyhow::Result<Store> {
        Store::setup(Connection::open_in_memory().context("open an in-memory store")?)
    }

    fn setup(conn: Connection) -> anyhow::Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .context("enable WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .context("set synchronous")?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .context("enable foreign keys")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .context("set busy timeout")?;
        migrations::migrate(&conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// The connection, for one short synchronous operation.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is still usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The schema version after migrations.
    pub fn schema_version(&self) -> anyhow::Result<i64> {
        Ok(self
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}

/// Now, as stored (RFC 3339 UTC with milliseconds).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
