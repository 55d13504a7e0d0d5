//! Typed calls of the component's `exceptions` interface: what a fact the host saw means for
//! the queue, and the catalogue of every code.

use std::time::Duration;

use super::convert::Cross;
use super::{PluginFault, Session};
use crate::domain::exceptions::{CodeEntry, Fact, Verdict};

/// Deadline for one verdict or the catalogue.
const REPORT_DEADLINE: Duration = Duration::from_secs(1);

impl Session {
    /// The component's verdict on `fact`.
    pub fn report(&mut self, fact: &Fact) -> Result<Verdict, PluginFault> {
        let fact = fact.clone().cross();
        self.call("report", REPORT_DEADLINE, |instance, store| {
            instance
                .jlm_connector_exceptions()
                .call_report(store, &fact)
        })
        .map(Cross::cross)
    }

    /// Every exception code the component raises, in code order.
    pub fn catalogue(&mut self) -> Result<Vec<CodeEntry>, PluginFault> {
        self.call("catalogue", REPORT_DEADLINE, |instance, store| {
            instance.jlm_connector_exceptions().call_catalogue(store)
        })
        .map(Cross::cross)
    }
}
