//! The outbox: every remote write, recorded before it is sent, keyed for idempotency.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, now_text};

/// Where a remote write is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxState {
    /// Recorded, not sent yet (or to be retried).
    Pending,
    /// Being sent: if a run finds this state, the process stopped mid-call and the outcome
    /// is unknown, so remote state must be re-read before sending again.
    Sending,
    /// Confirmed done.
    Done,
    /// Given up on; an exception says why.
    Failed,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Done => "done",
            OutboxState::Failed => "failed",
        }
    }

    /// The state stored as `text`; `None` for a state this version does not know (a newer
    /// version wrote it, or the row was edited), which must never be taken for pending.
    fn parse(text: &str) -> Option<OutboxState> {
        match text {
            "pending" => Some(OutboxState::Pending),
            "sending" => Some(OutboxState::Sending),
            "done" => Some(OutboxState::Done),
            "failed" => Some(OutboxState::Failed),
            _ => None,
        }
    }
}

/// One remote write.
#[derive(Clone, Debug)]
pub struct OutboxEntry {
    /// Row id.
    pub id: i64,
    /// What kind of call, e.g. `or21`, `create_order`.
    pub kind: String,
    /// Order id (or other subject).
    pub subject: String,
    /// Unique key: one write per key, ever.
    pub idempotency_key: String,
    /// Request body (JSON).
    pub body: String,
    /// State.
    pub state: OutboxState,
    /// Send attempts so far.
    pub attempts: i64,
    /// The exception code a failed entry waits on until a person resolves it.
    pub held_by: Option<String>,
}

fn entry(row: &Row) -> rusqlite::Result<OutboxEntry> {
    let state: String = row.get(5)?;
    let state = OutboxState::parse(&state).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            5,
            rusqlite::types::Type::Text,
            format!(
                "outbox entry in unknown state `{state}`: refusing to guess whether it was sent"
            )
            .into(),
        )
    })?;
    Ok(OutboxEntry {
        id: row.get(0)?,
        kind: row.get(1)?,
        subject: row.get(2)?,
        idempotency_key: row.get(3)?,
        body: row.get(4)?,
        state,
        attempts: row.get(6)?,
        held_by: row.get(7)?,
    })
}

const COLUMNS: &str = "id, kind, subject, idempotency_key, body, state, attempts, held_by";

impl Store {
    /// Records a write unless one with the same key exists; returns the entry for the key.
    pub fn enqueue(
        &self,
        kind: &str,
        subject: &str,
        key: &str,
        body: &str,
    ) -> anyhow::Result<OutboxEntry> {
        let conn = self.conn();
        let now = now_text();
        conn.execute(
            "INSERT INTO outbox (kind, subject, idempotency_key, body, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) ON CONFLICT(idempotency_key) DO NOTHING",
            params![kind, subject, key, body, now],
        )?;
        Ok(conn.query_row(
            &format!("SELECT {COLUMNS} FROM outbox WHERE idempotency_key = ?1"),
            params![key],
            entry,
        )?)
    }

    /// The entry for a key.
    pub fn outbox_entry(&self, key: &str) -> anyhow::Result<Option<OutboxEntry>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE idempotency_key = ?1"),
                params![key],
                entry,
            )
            .optional()?)
    }

    /// Entries of these kinds not done or failed, oldest first.
    pub fn outbox_open(&self, kinds: &[&str]) -> anyhow::Result<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state NOT IN ('done', 'failed') AND kind = ?1 ORDER BY id"
        ))?;
        let mut out = Vec::new();
        for kind in kinds {
            for row in stmt.query_map(params![kind], entry)? {
                out.push(row?);
            }
        }
        out.sort_by_key(|e| e.id);
        Ok(out)
    }

    /// Entries of `kind` given up on, oldest first.
    pub fn outbox_failed(&self, kind: &str) -> anyhow::Result<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state = 'failed' AND kind = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![kind], entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Claims the entry for sending (state `sending`, counted as an attempt) right before the
    /// call, only if it is still open and no one claimed it since `entry` was read (its
    /// attempts unchanged). False, changing nothing, when another runner got there first:
    /// the caller must not send.
    pub fn outbox_claim(&self, entry: &OutboxEntry) -> anyhow::Result<bool> {
        let claimed = self.conn().execute(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?3
             WHERE id = ?1 AND attempts = ?2 AND state IN ('pending', 'sending')",
            params![entry.id, entry.attempts, now_text()],
        )?;
        Ok(claimed == 1)
    }

    /// Sets the entry's state, with the last error if any.
    pub fn outbox_set(
        &self,
        id: i64,
        state: OutboxState,
        error: Option<&str>,
    ) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE outbox SET state = ?2, last_error = ?3, held_by = NULL, updated_at = ?4 WHERE id = ?1",
            params![id, state.as_str(), error, now_text()],
        )?;
        Ok(())
    }

    /// Records that the entry waits on the open exception `code` about its subject.
    pub fn outbox_hold(&self, id: i64, code: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "UPDATE outbox SET held_by = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, code, now_text()],
        )?;
        Ok(())
    }

    /// Replaces the body of an entry not sent yet (state `pending`): the subject changed
    /// before the write went out. False, changing nothing, once it was sent or given up on.
    pub fn outbox_rewrite(&self, id: i64, body: &str) -> anyhow::Result<bool> {
        let changed = self.conn().execute(
            "UPDATE outbox SET body = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'pending'",
            params![id, body, now_text()],
        )?;
        Ok(changed == 1)
    }

    /// Deletes an entry not sent yet (state `pending`): the write is no longer wanted, and a
    /// later one for the same key starts afresh. False, changing nothing, once it was sent.
    pub fn outbox_withdraw(&self, id: i64) -> anyhow::Result<bool> {
        let changed = self.conn().execute(
            "DELETE FROM outbox WHERE id = ?1 AND state = 'pending'",
            params![id],
        )?;
        Ok(changed == 1)
    }

    /// Number of entries per state.
    pub fn outbox_counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_key_rewritten_or_withdrawn_only_before_it_is_sent() {
        let store = Store::in_memory().expect("store");
        let first = store
            .enqueue("create_order", "A", "create_order:A", "v1")
            .expect("enqueue");
        let again = store
            .enqueue("create_order", "A", "create_order:A", "v2")
            .expect("enqueue");
        assert_eq!((again.id, again.body.as_str()), (first.id, "v1"));

        assert!(store.outbox_rewrite(first.id, "v2").expect("rewrite"));
        let entry = store.outbox_entry("create_order:A").expect("read");
        assert_eq!(entry.map(|e| e.body), Some("v2".to_string()));

        assert!(store.outbox_claim(&first).expect("claim"));
        assert!(!store.outbox_rewrite(first.id, "v3").expect("rewrite"));
        assert!(!store.outbox_withdraw(first.id).expect("withdraw"));
        store
            .outbox_set(first.id, OutboxState::Pending, None)
            .expect("pending");
        assert!(store.outbox_withdraw(first.id).expect("withdraw"));
        assert!(
            store
                .outbox_entry("create_order:A")
                .expect("read")
                .is_none()
        );
        let fresh = store
            .enqueue("create_order", "A", "create_order:A", "v3")
            .expect("enqueue");
        assert_eq!(
            (fresh.body.as_str(), fresh.state),
            ("v3", OutboxState::Pending)
        );
    }

    #[test]
    fn an_entry_in_an_unknown_state_is_an_error_not_pending() {
        let store = Store::in_memory().expect("store");
        let entry = store
            .enqueue("create_order", "A", "create_order:A", "{}")
            .expect("enqueue");
        store
            .conn()
            .execute(
                "UPDATE outbox SET state = 'parked' WHERE id = ?1",
                params![entry.id],
            )
            .expect("edit");
        let error = store
            .outbox_open(&["create_order"])
            .expect_err("an unknown state is not read as pending");
        assert!(
            format!("{error:#}").contains("unknown state `parked`"),
            "{error:#}"
        );
        assert!(store.outbox_entry("create_order:A").is_err());
    }

    #[test]
    fn two_runners_reading_the_same_entry_never_both_claim_it() {
        let store = Store::in_memory().expect("store");
        let entry = store.enqueue("or21", "A", "or21:A", "{}").expect("enqueue");
        let seen_by_other_runner = store.outbox_entry("or21:A").expect("read").expect("entry");
        assert!(store.outbox_claim(&entry).expect("claim"));
        assert!(
            !store.outbox_claim(&seen_by_other_runner).expect("claim"),
            "the second runner must not send"
        );

        // Recovery after an unknown outcome (state `sending`): again only one claim wins.
        let sending = store.outbox_entry("or21:A").expect("read").expect("entry");
        assert_eq!((sending.state, sending.attempts), (OutboxState::Sending, 1));
        let other = sending.clone();
        assert!(store.outbox_claim(&sending).expect("claim"));
        assert!(!store.outbox_claim(&other).expect("claim"));

        store
            .outbox_set(entry.id, OutboxState::Done, None)
            .expect("done");
        let done = store.outbox_entry("or21:A").expect("read").expect("entry");
        assert!(
            !store.outbox_claim(&done).expect("claim"),
            "done is never sent again"
        );
    }
}
