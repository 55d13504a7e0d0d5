//! Turning remote-call failures into exceptions a person can act on.

use crate::fulfil::ProductsError;
use crate::http::ApiError;
use crate::runtime::exports::jlm::connector::types::Exception;
use crate::runtime::{PluginFault, severity_name, team_name};
use crate::store::{NewException, Store};

/// The subject of `warehouse_unknown`: the configuration key to correct.
const WAREHOUSES_KEY: &str = "stock_sync.warehouses";

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

/// Raises what a failed product read means: `api_unavailable` for Fulfil, or
/// `warehouse_unknown` when the configured warehouses do not all exist; returns the error text.
pub fn products_unreadable(store: &Store, error: &ProductsError) -> anyhow::Result<String> {
    match error {
        ProductsError::Api(error) => unavailable(store, "fulfil", error),
        ProductsError::UnknownWarehouses(_) => {
            raise(
                store,
                "warehouse_unknown",
                "operations",
                "blocking",
                WAREHOUSES_KEY,
                format!(
                    "{error}. Stock is not published and orders are not planned until it is fixed: set it to the codes of Fulfil warehouses (or leave it empty to count every warehouse) and restart jlm."
                ),
            )?;
            Ok(error.to_string())
        }
    }
}

/// Clears `warehouse_unknown` once products were read for the configured warehouses.
pub fn products_readable(store: &Store) -> anyhow::Result<()> {
    store.resolve_cleared(WAREHOUSES_KEY, &["warehouse_unknown"])?;
    Ok(())
}

/// Clears `api_unavailable` for `service` after a successful cycle.
pub fn reachable(store: &Store, service: &str) -> anyhow::Result<()> {
    store.resolve_cleared(service, &["api_unavailable"])?;
    Ok(())
}

/// Longest part of wasmtime's report quoted in a `plugin_fault` message.
const FAULT_DETAIL_CHARS: usize = 600;

/// Raises `plugin_fault` (operations, blocking) for `subject`: the export that failed, on
/// which record, why (trap, deadline or memory), then `what_next` (what happened to the work).
pub fn plugin_fault(
    store: &Store,
    subject: &str,
    fault: &PluginFault,
    what_next: &str,
) -> anyhow::Result<()> {
    tracing::warn!("{fault}");
    let mut detail: String = fault.detail.chars().take(FAULT_DETAIL_CHARS).collect();
    if detail.len() < fault.detail.len() {
        detail.push('…');
    }
    let on = if fault.record.is_empty() {
        String::new()
    } else {
        format!(" on {}", fault.record)
    };
    raise(
        store,
        "plugin_fault",
        "operations",
        "blocking",
        subject,
        format!(
            "The connector's component {}{on} (export `{}`, {}: {detail}). {what_next} If it repeats, report this message to the jlm maintainers.",
            match fault.kind {
                crate::runtime::FaultKind::Trap => "crashed",
                crate::runtime::FaultKind::Deadline => "ran past its deadline",
                crate::runtime::FaultKind::Memory => "exceeded its memory limit",
            },
            fault.export,
            fault.kind.name(),
        ),
    )
}

/// Raises a host-side exception.
pub fn raise(
    store: &Store,
    code: &str,
    team: &str,
    severity: &str,
    subject: &str,
    message: String,
) -> anyhow::Result<()> {
    store.raise(&NewException {
        code: code.into(),
        team: team.into(),
        severity: severity.into(),
        subject: subject.into(),
        message,
    })
}

/// Raises an exception the component reported.
pub fn raise_planned(store: &Store, e: &Exception) -> anyhow::Result<()> {
    raise(
        store,
        &e.code,
        team_name(e.team),
        severity_name(e.severity),
        &e.subject,
        e.message.clone(),
    )
}
