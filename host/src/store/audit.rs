//! The audit log: every remote write and every decision, in order.

use rusqlite::params;

use super::{Store, now_text};

/// One audit entry.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// What was done, e.g. `or21.sent`.
    pub action: String,
    /// Order id, SKU, …
    pub subject: String,
    /// Details (JSON or text).
    pub detail: String,
}

impl Store {
    /// Appends an entry.
    pub fn audit(&self, action: &str, subject: &str, detail: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO audit (at, action, subject, detail) VALUES (?1, ?2, ?3, ?4)",
            params![now_text(), action, subject, detail],
        )?;
        Ok(())
    }

    /// The entries about `subject`, oldest first.
    pub fn audit_for(&self, subject: &str) -> anyhow::Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at, action, subject, detail FROM audit WHERE subject = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![subject], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                action: r.get(1)?,
                subject: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
