//! The contract check at load: a component built for another `jlm:connector` version is
//! refused with a message naming both, before anything is called.

use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::{PluginFault, Session};

/// The `jlm:connector` version this host runs.
pub const HOST_API_VERSION: &str = "0.4.0";

/// The WIT package the host binds.
const PACKAGE: &str = "jlm:connector/";

/// Major and minor version; before 1.0 a minor version is a breaking change.
fn line(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// True when a component implementing `version` runs on this host.
pub fn compatible(version: &str) -> bool {
    match (line(version), line(HOST_API_VERSION)) {
        (Some((0, a)), Some((0, b))) => a == b,
        (Some((a, _)), Some((b, _))) => a == b && a > 0,
        _ => false,
    }
}

/// The refusal naming both versions.
pub fn refusal(version: &str) -> String {
    format!(
        "the component implements jlm:connector {version}, but this jlm runs jlm:connector {HOST_API_VERSION}: use a component built for {HOST_API_VERSION} (`jlm component export` writes this jlm's own)"
    )
}

/// The version the component's `jlm:connector` exports name (`jlm:connector/orders@0.1.0`),
/// when it names one; read from the component's type, without running it.
pub fn exported_version(engine: &Engine, component: &Component) -> Option<String> {
    component
        .component_type()
        .exports(engine)
        .find_map(|(name, _)| {
            name.strip_prefix(PACKAGE)?
                .split_once('@')
                .map(|(_, v)| v.to_string())
        })
}

impl Session {
    /// The `jlm:connector` version the component says it implements.
    pub fn api_version(&mut self) -> Result<String, PluginFault> {
        self.call("api-version", Duration::from_secs(1), |instance, store| {
            instance.jlm_connector_contract().call_api_version(store)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_minor_version_runs_before_one_point_zero() {
        assert!(compatible("0.4.0"));
        assert!(compatible("0.4.7"));
        assert!(!compatible("0.3.0"));
        assert!(!compatible("0.5.0"));
        assert!(!compatible("1.0.0"));
        assert!(!compatible("not a version"));
        let message = refusal("0.3.0");
        assert!(
            message.contains("0.3.0") && message.contains(HOST_API_VERSION),
            "{message}"
        );
    }
}
