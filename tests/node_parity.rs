//! The component `jlm component export` writes, under Node: transpiled by jco and run on the
//! golden fixtures by `tests/node/parity.mjs`, it must print exactly the `expected.json` plans
//! the wasmtime tests check (`tests/golden_wasm.rs`, `tests/plan_cli.rs`).
//!
//! Needs `node` and `npm` on PATH; without them it says so on one line and passes (the Rust
//! toolchain alone builds and tests everything else). With them, a failed `npm ci` or any
//! divergence fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Instant, SystemTime};

/// `npm` is a batch file on Windows.
const NPM: &str = if cfg!(windows) { "npm.cmd" } else { "npm" };

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/node")
}

/// Whether `program --version` runs.
fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn report(what: &str, output: &Output) -> String {
    format!(
        "{what} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command`, failing the test with its output unless it succeeds.
fn succeed(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(output.status.success(), "{}", report(what, &output));
    output
}

/// Installs the pinned jco and preview2-shim when `node_modules` is missing or older than
/// `package-lock.json` (npm writes `node_modules/.package-lock.json` on every install).
fn install(dir: &Path) {
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json")).expect("tests/node/package-lock.json");
    if installed.is_some_and(|installed| installed >= locked) {
        return;
    }
    let started = Instant::now();
    succeed(
        Command::new(NPM)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir),
        "npm ci",
    );
    println!(
        "node parity: npm ci in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_component_plans_the_same_under_node() {
    if !on_path("node") || !on_path(NPM) {
        println!("node parity skipped: node/npm not on PATH");
        return;
    }
    let dir = node_dir();
    install(&dir);

    let temp = tempfile::tempdir().expect("tempdir");
    let wasm = temp.path().join("jlm.wasm");
    succeed(
        Command::new(env!("CARGO_BIN_EXE_jlm"))
            .args(["component", "export"])
            .arg(&wasm),
        "jlm component export",
    );
    assert_eq!(
        std::fs::read(&wasm).expect("exported component"),
        jlm::runtime::EMBEDDED_COMPONENT,
        "the exported file is the embedded component"
    );

    let started = Instant::now();
    let output = succeed(
        Command::new("node")
            .arg(dir.join("parity.mjs"))
            .arg(&wasm)
            .arg(temp.path().join("js")),
        "node tests/node/parity.mjs",
    );
    print!("{}", String::from_utf8_lossy(&output.stdout));
    println!(
        "node parity: node run in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(" identical"),
        "{}",
        report("node tests/node/parity.mjs (no summary)", &output)
    );
}
