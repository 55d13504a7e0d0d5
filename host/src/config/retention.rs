//! `[retention]`: how long the store keeps what it no longer needs, and how often the
//! running connector prunes it.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigDuration;
use crate::store::Retention;

const DAY: u64 = 86_400;

/// `[retention]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSection {
    /// Order payloads (customer name and address) of finished orders.
    pub raw_payloads: ConfigDuration,
    /// Audit rows (long enough for a year-end close).
    pub audit: ConfigDuration,
    /// Outbox entries confirmed done.
    pub done_outbox: ConfigDuration,
    /// Finished STO01 uploads (the files sent).
    pub stock_imports: ConfigDuration,
    /// How often the running connector prunes.
    pub every: ConfigDuration,
}

impl Default for RetentionSection {
    fn default() -> Self {
        let days = |n: u64| ConfigDuration(Duration::from_secs(n * DAY));
        RetentionSection {
            raw_payloads: days(30),
            audit: days(400),
            done_outbox: days(90),
            stock_imports: days(90),
            every: ConfigDuration(Duration::from_secs(6 * 3_600)),
        }
    }
}

impl RetentionSection {
    /// The ages the store prunes by.
    pub fn ages(&self) -> Retention {
        Retention {
            raw_payloads: self.raw_payloads.0,
            audit: self.audit.0,
            done_outbox: self.done_outbox.0,
            stock_imports: self.stock_imports.0,
        }
    }

    /// Refuses an age of zero (it would delete what is still being written) and a zero
    /// pruning interval.
    pub fn check(&self) -> anyhow::Result<()> {
        for (key, value) in [
            ("raw_payloads", self.raw_payloads),
            ("audit", self.audit),
            ("done_outbox", self.done_outbox),
            ("stock_imports", self.stock_imports),
            ("every", self.every),
        ] {
            if value.0 < Duration::from_secs(60) {
                anyhow::bail!(
                    "retention.{key} must be at least a minute (ages are usually days, e.g. \"30d\")"
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    #[test]
    fn defaults_keep_payloads_a_month_and_audit_past_a_year_end_close() {
        let ages = Config::parse("").expect("parses").retention.ages();
        assert_eq!(ages.raw_payloads, Duration::from_secs(30 * DAY));
        assert_eq!(ages.audit, Duration::from_secs(400 * DAY));
        let config = Config::parse("[retention]\nraw_payloads = \"7d\"\naudit = \"800d\"\n")
            .expect("parses");
        assert_eq!(
            config.retention.ages().raw_payloads,
            Duration::from_secs(7 * DAY)
        );
        assert_eq!(
            config.retention.ages().audit,
            Duration::from_secs(800 * DAY)
        );
        let err = Config::parse("[retention]\naudit = 0\n").expect_err("zero");
        assert!(err.to_string().contains("retention.audit"), "{err}");
        let err = Config::parse("[retention]\naudits = \"1d\"\n").expect_err("typo");
        assert!(err.to_string().contains("audits"), "{err}");
    }
}
