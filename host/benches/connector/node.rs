//! `plan-order` on the same order under Node: the embedded component transpiled by jco and
//! timed by `tests/node/parity.mjs --bench` (after it checks every golden fixture), which
//! prints one `node bench json: {...}` line. Skipped, never failed, without `node` or without
//! `tests/node/node_modules` (`npm ci` in `tests/node` installs it).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::component::EMBEDDED;

/// The line of `parity.mjs --bench` that carries the figures.
const JSON_LINE: &str = "node bench json: ";

/// Time per warm `planOrder` call under Node, or why there is none.
pub fn plan_order() -> Result<Duration, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/node");
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node || !dir.join("node_modules").is_dir() {
        return Err("skipped (run npm ci in tests/node)".into());
    }
    let temp = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let wasm = temp.path().join("jlm.wasm");
    std::fs::write(&wasm, EMBEDDED).map_err(|e| format!("cannot export the component: {e}"))?;
    let output = Command::new("node")
        .arg(dir.join("parity.mjs"))
        .arg(&wasm)
        .arg(temp.path().join("js"))
        .arg("--bench")
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    if !output.status.success() {
        return Err(format!(
            "failed: parity.mjs exited with {} ({})",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let figures: serde_json::Value = stdout
        .lines()
        .find_map(|line| line.strip_prefix(JSON_LINE))
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| format!("failed: parity.mjs printed no `{JSON_LINE}` line"))?;
    figures["us_per_call"]
        .as_f64()
        .map(|us| Duration::from_secs_f64(us / 1e6))
        .ok_or_else(|| "failed: no us_per_call in parity.mjs's figures".into())
}
