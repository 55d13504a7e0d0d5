//! The pruning job: deletes what `[retention]` no longer keeps, every `[retention] every`.

use chrono::{DateTime, Utc};

use crate::config::RetentionSection;
use crate::store::{Pruned, Store};

/// Prunes `store` as of `now` and records what went in the audit log (when anything did).
pub fn prune(
    store: &Store,
    retention: &RetentionSection,
    now: DateTime<Utc>,
) -> anyhow::Result<Pruned> {
    let pruned = store.prune(now, &retention.ages())?;
    if !pruned.is_empty() {
        tracing::info!(?pruned, "pruned the store");
        store.audit("store.pruned", "", &serde_json::to_string(&pruned)?)?;
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OutboxState;

    #[test]
    fn the_job_prunes_by_the_configured_ages_and_audits_what_went() {
        let store = Store::in_memory().expect("store");
        let entry = store
            .enqueue("create_order", "A", "create_order:A", "{}")
            .expect("enqueue");
        store
            .outbox_set(entry.id, OutboxState::Done, None)
            .expect("done");
        let config =
            crate::config::Config::parse("[retention]\ndone_outbox = \"7d\"\n").expect("config");
        let soon = prune(
            &store,
            &config.retention,
            Utc::now() + chrono::Duration::days(6),
        )
        .expect("prune");
        assert!(soon.is_empty());
        let later = prune(
            &store,
            &config.retention,
            Utc::now() + chrono::Duration::days(8),
        )
        .expect("prune");
        assert_eq!(later.done_outbox, 1);
        assert!(
            store
                .outbox_entry("create_order:A")
                .expect("read")
                .is_none()
        );
        let audit = store.audit_for("").expect("audit");
        assert_eq!(
            audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
            ["store.pruned"]
        );
    }
}
