//! The exception queue: one row per (code, subject), counted, with an owner and a state.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, now_text};

/// An exception to record (from the component or the host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewException {
    /// Stable code.
    pub code: String,
    /// `operations`, `finance` or `ecommerce`.
    pub team: String,
    /// `info`, `warning` or `blocking`.
    pub severity: String,
    /// Order id, SKU, shipment id.
    pub subject: String,
    /// What to do.
    pub message: String,
}

/// A stored exception.
#[derive(Clone, Debug, Serialize)]
pub struct ExceptionRecord {
    /// Row id, used by `jlm exceptions resolve`.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Owning team.
    pub team: String,
    /// Urgency.
    pub severity: String,
    /// Subject.
    pub subject: String,
    /// Latest message.
    pub message: String,
    /// First seen.
    pub first_seen: String,
    /// Last seen.
    pub last_seen: String,
    /// Times seen.
    pub count: i64,
    /// `open`, `resolved` or `retried`.
    pub state: String,
}

fn record(row: &Row) -> rusqlite::Result<ExceptionRecord> {
    Ok(ExceptionRecord {
        id: row.get(0)?,
        code: row.get(1)?,
        team: row.get(2)?,
        severity: row.get(3)?,
        subject: row.get(4)?,
        message: row.get(5)?,
        first_seen: row.get(6)?,
        last_seen: row.get(7)?,
        count: row.get(8)?,
        state: row.get(9)?,
    })
}

const COLUMNS: &str =
    "id, code, team, severity, subject, message, first_seen, last_seen, count, state";

impl Store {
    /// Raises an exception, or counts it again (re-opening it) if (code, subject) exists.
    pub fn raise(&self, e: &NewException) -> anyhow::Result<()> {
        let now = now_text();
        self.conn().execute(
            "INSERT INTO exceptions (code, team, severity, subject, message, first_seen, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT(code, subject) DO UPDATE SET team = excluded.team, severity = excluded.severity,
                 message = excluded.message, last_seen = excluded.last_seen, count = count + 1, state = 'open'",
            params![e.code, e.team, e.severity, e.subject, e.message, now],
        )?;
        Ok(())
    }

    /// Marks open exceptions with `subject` and one of `codes` resolved (the condition cleared).
    pub fn resolve_cleared(&self, subject: &str, codes: &[&str]) -> anyhow::Result<usize> {
        let conn = self.conn();
        let mut changed = 0;
        for code in codes {
            changed += conn.execute(
                "UPDATE exceptions SET state = 'resolved', last_seen = ?3 WHERE subject = ?1 AND code = ?2 AND state = 'open'",
                params![subject, code, now_text()],
            )?;
        }
        Ok(changed)
    }

    /// True when the exception (code, subject) is open.
    pub fn exception_open(&self, code: &str, subject: &str) -> anyhow::Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM exceptions WHERE code = ?1 AND subject = ?2 AND state = 'open'",
                params![code, subject],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Marks one exception resolved by id; false if there is none.
    pub fn resolve_exception(&self, id: i64) -> anyhow::Result<bool> {
        let changed = self.conn().execute(
            "UPDATE exceptions SET state = 'resolved', last_seen = ?2 WHERE id = ?1",
            params![id, now_text()],
        )?;
        Ok(changed > 0)
    }

    /// Exceptions, open ones only unless `all`, blocking first, then newest.
    pub fn exceptions(&self, all: bool) -> anyhow::Result<Vec<ExceptionRecord>> {
        let conn = self.conn();
        let filter = if all { "" } else { "WHERE state = 'open'" };
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM exceptions {filter}
             ORDER BY CASE severity WHEN 'blocking' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, last_seen DESC, id"
        ))?;
        let rows = stmt.query_map([], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown_sku(message: &str) -> NewException {
        NewException {
            code: "unknown_sku".into(),
            team: "ecommerce".into(),
            severity: "blocking".into(),
            subject: "JL-MUG-009".into(),
            message: message.into(),
        }
    }

    #[test]
    fn deduplicates_on_code_and_subject_and_reopens() {
        let store = Store::in_memory().expect("store");
        store.raise(&unknown_sku("first")).expect("raise");
        store.raise(&unknown_sku("second")).expect("raise again");
        let open = store.exceptions(false).expect("list");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].count, 2);
        assert_eq!(open[0].message, "second");
        assert!(store.resolve_exception(open[0].id).expect("resolve"));
        assert!(store.exceptions(false).expect("list").is_empty());
        store
            .raise(&unknown_sku("third"))
            .expect("raise after resolve");
        assert_eq!(
            store.exceptions(false).expect("list").len(),
            1,
            "seen again: open again"
        );
    }
}
