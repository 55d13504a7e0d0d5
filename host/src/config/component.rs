//! `[component]`: what one call of the component may use.

use std::time::Duration;

use anyhow::bail;
use serde::Deserialize;

use super::ConfigDuration;
use crate::runtime::Limits;

/// Smallest memory limit accepted, in MiB (the component needs a few to start).
const MIN_MEMORY_MB: u64 = 16;
/// Largest memory limit accepted, in MiB (a 32-bit WebAssembly memory holds 4 GiB).
const MAX_MEMORY_MB: u64 = 4_096;

/// `[component]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentSection {
    /// Memory one instance may grow to, in MiB; a call needing more fails with
    /// `plugin_fault` and the rest of the batch goes on.
    pub memory_limit_mb: u64,
    /// Deadline of every call, replacing the built-in ones (2 s per order or shipment, 20 s
    /// per stock plan); unset keeps those.
    pub call_deadline: Option<ConfigDuration>,
}

impl Default for ComponentSection {
    fn default() -> Self {
        ComponentSection {
            memory_limit_mb: (crate::runtime::DEFAULT_MEMORY_LIMIT >> 20) as u64,
            call_deadline: None,
        }
    }
}

impl ComponentSection {
    /// Refuses limits the component cannot run under.
    pub fn check(&self) -> anyhow::Result<()> {
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&self.memory_limit_mb) {
            bail!("component.memory_limit_mb must be between {MIN_MEMORY_MB} and {MAX_MEMORY_MB}");
        }
        if self
            .call_deadline
            .is_some_and(|d| d.0 < Duration::from_millis(10))
        {
            bail!("component.call_deadline must be at least 10ms");
        }
        Ok(())
    }

    /// The limits every call runs with.
    pub fn limits(&self) -> Limits {
        Limits {
            memory: usize::try_from(self.memory_limit_mb.min(MAX_MEMORY_MB) << 20)
                .unwrap_or(crate::runtime::DEFAULT_MEMORY_LIMIT),
            deadline: self.call_deadline.map(|d| d.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn limits_come_from_the_component_section() {
        let config =
            Config::parse("[component]\nmemory_limit_mb = 64\ncall_deadline = \"250ms\"\n")
                .expect("config");
        assert_eq!(
            config.component.limits(),
            Limits {
                memory: 64 << 20,
                deadline: Some(Duration::from_millis(250)),
            }
        );
        assert_eq!(Config::default().component.limits(), Limits::default());
        assert!(Config::parse("[component]\nmemory_limit_mb = 1\n").is_err());
        assert!(Config::parse("[component]\ncall_deadline = \"1ms\"\n").is_err());
    }
}
