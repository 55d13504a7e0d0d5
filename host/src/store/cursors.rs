//! Named cursors (e.g. the OR11 `last_updated_date` high-water mark).

use rusqlite::{OptionalExtension, params};

use super::{Store, now_text};

impl Store {
    /// The cursor's value, if set.
    pub fn cursor(&self, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM cursors WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets the cursor.
    pub fn set_cursor(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.conn().execute(
            "INSERT INTO cursors (name, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![name, value, now_text()],
        )?;
        Ok(())
    }
}
