//! Builds the component (`plugin/`) for `wasm32-wasip2` and embeds it in the host, so that
//! `cargo test` and `cargo run` always exercise the real `.wasm`. The same build makes the
//! deliberately faulty test component (`tests/components/faulty/`), whose path the tests read
//! from `JLM_FAULTY_COMPONENT`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .expect("host/ sits in the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for watched in [
        "plugin/src",
        "plugin/Cargo.toml",
        "tests/components/faulty",
        "wit",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if !target_installed(&rustc) {
        install_target(&workspace, &rustc);
    }

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = workspace.join("target").join("plugin-build");
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args([
            "build",
            "--release",
            "-p",
            "plugin",
            "-p",
            "jlm-faulty-component",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target_dir);
    // The outer build's variables would leak its configuration (and its lock) into the child.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if (key.starts_with("CARGO_") && key != "CARGO_HOME")
            || key == "RUSTFLAGS"
            || key == "RUSTC_WRAPPER"
            || key == "RUSTC_WORKSPACE_WRAPPER"
        {
            command.env_remove(&key);
        }
    }
    let status = command.status().expect("run cargo to build the component");
    if !status.success() {
        panic!(
            "building the jlm component (plugin/) and the faulty test component for wasm32-wasip2 failed; see the errors above"
        );
    }
    let built = target_dir.join("wasm32-wasip2").join("release");
    let wasm = built.join("plugin.wasm");
    let embedded = out_dir.join("jlm_component.wasm");
    std::fs::copy(&wasm, &embedded).unwrap_or_else(|e| panic!("copy {}: {e}", wasm.display()));
    let faulty = built.join("jlm_faulty_component.wasm");
    let kept = out_dir.join("jlm_faulty_component.wasm");
    std::fs::copy(&faulty, &kept).unwrap_or_else(|e| panic!("copy {}: {e}", faulty.display()));
    println!("cargo:rustc-env=JLM_FAULTY_COMPONENT={}", kept.display());
}

/// True when the standard library for wasm32-wasip2 is in the toolchain's sysroot.
fn target_installed(rustc: &str) -> bool {
    let Ok(output) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return true; // let cargo report the real problem
    };
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Path::new(&sysroot)
        .join("lib/rustlib/wasm32-wasip2")
        .exists()
}

/// Installs the wasm32-wasip2 target with rustup (announced as a cargo warning), so a fresh
/// machine with only the pinned toolchain needs no third command; fails naming the command to
/// run only when rustup is missing or cannot install it.
fn install_target(workspace: &Path, rustc: &str) {
    const HINT: &str = "rustup target add wasm32-wasip2";
    println!(
        "cargo:warning=the wasm32-wasip2 target is not installed; installing it with `{HINT}`"
    );
    let installed = Command::new("rustup")
        .current_dir(workspace)
        .args(["target", "add", "wasm32-wasip2"])
        .status();
    match installed {
        Ok(status) if status.success() && target_installed(rustc) => {}
        Ok(_) => panic!(
            "\n\n`{HINT}` did not install the wasm32-wasip2 target, so the jlm component cannot be built.\nRun it yourself (see its errors above) and build again.\n\n"
        ),
        Err(_) => panic!(
            "\n\nThe wasm32-wasip2 target is not installed for this toolchain and rustup is not on the PATH, so the jlm component cannot be built.\nInstall the target (with rustup: `{HINT}`) and build again.\n\n"
        ),
    }
}
