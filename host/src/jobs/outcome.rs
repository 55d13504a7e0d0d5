//! What the jobs saw, reported to the component's `exceptions` interface, and the queue
//! brought in line with its verdicts and with the plans' `resolves`.

use crate::domain::exceptions::{Fact, Outage, Service};
use crate::domain::types::{Exception, Resolution};
use crate::fulfil::ProductsError;
use crate::http::ApiError;
use crate::runtime::{Plugin, PluginFault, Runtime};
use crate::store::{NewException, Store};

/// A job's link to the exception queue: its own component instance for verdicts.
pub struct Reporter {
    store: Store,
    plugin: Plugin,
}

impl Reporter {
    /// A reporter writing to `store`.
    pub fn new(store: Store, runtime: std::sync::Arc<Runtime>) -> Reporter {
        Reporter {
            store,
            plugin: Plugin::new(runtime),
        }
    }

    /// Reports `fact` and applies the component's verdict; returns the code of the raised
    /// exception the work must wait on, if any.
    pub async fn fact(&mut self, fact: Fact) -> anyhow::Result<Option<String>> {
        let verdict = self
            .plugin
            .call("a fact for the exception queue", move |session| {
                session.report(&fact)
            })
            .await?;
        match verdict {
            Ok(verdict) => {
                settle(&self.store, &verdict.raise, &verdict.resolves)?;
                Ok(verdict.holds)
            }
            Err(fault) => {
                self.plugin_fault(
                    "exceptions",
                    &fault,
                    "A problem the connector saw was not turned into its exception.",
                )?;
                Ok(None)
            }
        }
    }

    /// Reports that `service` could not be reached; returns the error text for the outbox.
    pub async fn unavailable(
        &mut self,
        service: Service,
        error: &ApiError,
    ) -> anyhow::Result<String> {
        let detail = error.to_string();
        self.fact(Fact::ServiceUnavailable(Outage {
            service,
            detail: detail.clone(),
        }))
        .await?;
        Ok(detail)
    }

    /// Reports that a cycle reached `service`.
    pub async fn reachable(&mut self, service: Service) -> anyhow::Result<()> {
        self.fact(Fact::ServiceReachable(service)).await.map(drop)
    }

    /// Reports what a failed product read means (Fulfil unreachable, or configured
    /// warehouses that do not exist); returns the error text.
    pub async fn products_unreadable(&mut self, error: &ProductsError) -> anyhow::Result<String> {
        match error {
            ProductsError::Api(error) => self.unavailable(Service::Fulfil, error).await,
            ProductsError::UnknownWarehouses(_) => {
                self.fact(Fact::WarehousesUnknown(error.to_string()))
                    .await?;
                Ok(error.to_string())
            }
        }
    }

    /// Reports that products were read for the configured warehouses.
    pub async fn products_readable(&mut self) -> anyhow::Result<()> {
        self.fact(Fact::WarehousesKnown).await.map(drop)
    }

    /// Raises `plugin_fault` for `subject` (see [`PluginFault::exception`]).
    pub fn plugin_fault(
        &self,
        subject: &str,
        fault: &PluginFault,
        what_next: &str,
    ) -> anyhow::Result<()> {
        tracing::warn!("{fault}");
        self.store.raise(&fault.exception(subject, what_next))
    }
}

/// Raises `raised` and resolves what `resolves` settles: every open exception with one of
/// its codes about its subject (any subject when none), except those just raised.
pub fn settle(store: &Store, raised: &[Exception], resolves: &[Resolution]) -> anyhow::Result<()> {
    for e in raised {
        store.raise(&NewException {
            code: e.code.clone(),
            team: e.team.name().into(),
            severity: e.severity.name().into(),
            subject: e.subject.clone(),
            message: e.message.clone(),
        })?;
    }
    let raised_again = |code: &str, subject: &str| {
        raised
            .iter()
            .any(|e| e.code == code && e.subject == subject)
    };
    for resolution in resolves {
        match &resolution.subject {
            Some(subject) => {
                let codes: Vec<&str> = resolution
                    .codes
                    .iter()
                    .map(String::as_str)
                    .filter(|code| !raised_again(code, subject))
                    .collect();
                store.resolve_cleared(subject, &codes)?;
            }
            None => {
                for open in store.exceptions(false)? {
                    if resolution.codes.contains(&open.code)
                        && !raised_again(&open.code, &open.subject)
                    {
                        store.resolve_cleared(&open.subject, &[open.code.as_str()])?;
                    }
                }
            }
        }
    }
    Ok(())
}
