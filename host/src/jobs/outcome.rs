//! Turning remote-call failures into exceptions a person can act on.

use crate::http::ApiError;
use crate::store::{NewException, Store};

/// Raises `api_unavailable` for `service` when a call could not get through, and returns
/// the error text for the outbox.
pub fn unavailable(store: &Store, service: &str, error: &ApiError) -> anyhow::Result<String> {
    store.raise(&NewException {
        code: "api_unavailable".into(),
        team: "operations".into(),
        severity: "warning".into(),
        subject: service.into(),
        message: format!(
            "{service} could not be reached ({error}). Work is kept in the outbox and retried on the next cycle; if this persists, check the {service} status and the API key."
        ),
    })?;
    Ok(error.to_string())
}

/// Clears `api_unavailable` for `service` after a successful cycle.
pub fn reachable(store: &Store, service: &str) -> anyhow::Result<()> {
    store.resolve_cleared(service, &["api_unavailable"])?;
    Ok(())
}
