//! Versioned schema migrations, tracked in SQLite's `user_version`.

use anyhow::Context;
use rusqlite::Connection;

/// Each entry moves the schema from version `i` to `i + 1`. Never edit a released entry;
/// append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: foundation and order import.
    "
    CREATE TABLE cursors (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        commercial_id TEXT NOT NULL,
        mirakl_state TEXT NOT NULL,
        stage TEXT NOT NULL,
        fulfil_sale_id INTEGER,
        last_updated TEXT,
        raw TEXT NOT NULL,
        plan TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX orders_stage ON orders(stage);
    CREATE INDEX orders_commercial ON orders(commercial_id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX outbox_state ON outbox(state);
    CREATE TABLE exceptions (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL,
        team TEXT NOT NULL,
        severity TEXT NOT NULL,
        subject TEXT NOT NULL,
        message TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        state TEXT NOT NULL DEFAULT 'open',
        UNIQUE (code, subject)
    );
    CREATE INDEX exceptions_state ON exceptions(state, team);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE TABLE catalogue (
        code TEXT PRIMARY KEY,
        sku_key TEXT NOT NULL,
        ean TEXT,
        available REAL NOT NULL,
        refreshed_at TEXT NOT NULL
    );
    CREATE INDEX catalogue_key ON catalogue(sku_key);
    CREATE TABLE offers (
        sku TEXT PRIMARY KEY,
        ean TEXT,
        quantity INTEGER,
        refreshed_at TEXT NOT NULL
    );
    ",
    // 2: stock sync.
    "
    CREATE TABLE stock_ledger (
        sku TEXT NOT NULL,
        warehouse TEXT NOT NULL DEFAULT '',
        quantity INTEGER NOT NULL,
        import_id TEXT,
        published_at TEXT NOT NULL,
        PRIMARY KEY (sku, warehouse)
    );
    CREATE TABLE stock_imports (
        import_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        lines INTEGER NOT NULL,
        lines_in_error INTEGER,
        csv TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        finished_at TEXT
    );
    ",
    // 3: dispatch.
    "
    CREATE TABLE shipments (
        shipment_id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL,
        state TEXT NOT NULL,
        carrier TEXT,
        service TEXT,
        lines TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        plan TEXT,
        complete INTEGER NOT NULL DEFAULT 0,
        write_date TEXT NOT NULL,
        sent_at TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX shipments_order ON shipments(order_id);
    CREATE INDEX shipments_state ON shipments(state);
    ",
    // 4: the Fulfil stock webhook's durable queue and replay protection.
    "
    CREATE TABLE stock_queue (
        sku TEXT PRIMARY KEY,
        available REAL NOT NULL,
        event_time TEXT NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE TABLE stock_seen (
        sku TEXT PRIMARY KEY,
        event_time TEXT NOT NULL
    );
    ",
    // 5: what each order holds on John Lewis (kept until the order changes), and the
    // exception a failed outbox entry waits on.
    "
    CREATE TABLE order_holds (
        order_id TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        PRIMARY KEY (order_id, sku)
    );
    CREATE INDEX order_holds_sku ON order_holds(sku);
    ALTER TABLE orders ADD COLUMN holds_current INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN held_by TEXT;
    UPDATE outbox SET held_by = (
        SELECT e.code FROM exceptions e WHERE e.subject = outbox.subject AND e.state = 'open'
            AND e.code IN ('fulfil_rejected', 'outbox_body_unreadable') LIMIT 1)
    WHERE state = 'failed' AND kind = 'create_order';
    ",
];

/// Applies every migration newer than the database, each in its own transaction.
pub fn migrate(conn: &Connection) -> anyhow::Result<()> {
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .context("read schema version")?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        anyhow::bail!(
            "the store has schema version {current}, newer than this jlm ({known}); upgrade jlm"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        let tx = conn.unchecked_transaction().context("begin migration")?;
        tx.execute_batch(sql)
            .with_context(|| format!("apply migration {version}"))?;
        tx.pragma_update(None, "user_version", version)
            .context("record schema version")?;
        tx.commit()
            .with_context(|| format!("commit migration {version}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_is_idempotent() {
        let conn = Connection::open_in_memory().expect("open");
        migrate(&conn).expect("first run");
        migrate(&conn).expect("second run is a no-op");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let conn = Connection::open_in_memory().expect("open");
        conn.pragma_update(None, "user_version", 99).expect("set");
        assert!(migrate(&conn).is_err());
    }
}
