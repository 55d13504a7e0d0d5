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
mod lock;
mod migrations;
mod orders;
mod outbox;
mod retention;
mod shipments;
mod stock;
mod stock_queue;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use rusqlite::Connection;

pub use catalogue::{CatalogueEntry, OFFERS_LISTED_CURSOR, OfferEntry};
pub use exceptions::{ExceptionRecord, NewException};
pub use lock::RunnerLock;
pub use orders::{OrderRecord, OrderStage};
pub use outbox::{OutboxEntry, OutboxState};
pub use retention::{Pruned, Retention};
pub use shipments::{ShipmentRecord, ShipmentState};
pub use stock::{LedgerEntry, StockImport};
pub use stock_queue::QueuedChange;

/// Handle to the database; cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date. The
    /// file is owner-only (0600, as SQLite then makes its `-wal` and `-shm` files), and so are
    /// the directories created for it.
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        drop(
            crate::private_fs::open(path)
                .with_context(|| format!("create the store {}", path.display()))?,
        );
        for sidecar in [sidecar(path, "-wal"), sidecar(path, "-shm")] {
            crate::private_fs::restrict_file(&sidecar)
                .with_context(|| format!("make {} owner-only", sidecar.display()))?;
        }
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
        // FULL: a commit (the outbox entry written before every remote call) survives a
        // power loss, not only a crash of the process.
        conn.pragma_update(None, "synchronous", "FULL")
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

/// `<store path><suffix>`, the name SQLite gives its `-wal` and `-shm` files.
fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Now, as stored (RFC 3339 UTC with milliseconds).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::private_fs::mode;

    #[test]
    fn commits_survive_power_loss_and_every_store_file_is_owner_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data").join("jlm.sqlite");
        let store = Store::open(&path).expect("open");
        store
            .enqueue(
                "create_order",
                "A",
                "create_order:A",
                r#"{"address":"1 Lane"}"#,
            )
            .expect("enqueue");
        let synchronous: i64 = store
            .conn()
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .expect("pragma");
        assert_eq!(
            synchronous, 2,
            "FULL: the outbox write is synced before the call"
        );
        assert_eq!(mode(&dir.path().join("data")).expect("mode"), 0o700);
        for file in [path.clone(), sidecar(&path, "-wal"), sidecar(&path, "-shm")] {
            assert_eq!(mode(&file).expect("exists"), 0o600, "{}", file.display());
        }
        drop(store);

        // A store an older version left world-readable is made owner-only on open.
        use std::os::unix::fs::PermissionsExt;
        let perms = |m| std::fs::Permissions::from_mode(m);
        std::fs::set_permissions(&path, perms(0o644)).expect("chmod");
        let store = Store::open(&path).expect("reopen");
        assert_eq!(mode(&path).expect("mode"), 0o600);
        assert!(
            store
                .outbox_entry("create_order:A")
                .expect("read")
                .is_some()
        );
    }
}
