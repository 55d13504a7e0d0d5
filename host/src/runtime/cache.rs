//! The cache of the compiled component: compiling takes seconds, loading milliseconds.
//!
//! The file is named by a key hashing the component, jlm's version and the engine's
//! configuration, and ends with a SHA-256 of the key and the compiled bytes. Loading native
//! code is only as safe as the file, so the cache lives in an owner-only directory (0700,
//! files 0600) and a file that is not exactly what this jlm wrote for this key — damaged,
//! truncated, from another build, or writable by others — is compiled afresh and replaced,
//! never loaded.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::wt;
use crate::private_fs;

/// Length of the trailing digest.
const DIGEST_LEN: usize = 32;

/// Compiles the component, or loads it from the cache in `cache_dir`.
pub(super) fn compile(
    engine: &Engine,
    wasm: &[u8],
    cache_dir: Option<&Path>,
) -> anyhow::Result<Component> {
    let Some(dir) = cache_dir else {
        return wt(Component::new(engine, wasm), "compile the component");
    };
    let key = cache_key(engine, wasm);
    let path = cache_file(dir, &key);
    if let Some(bytes) = verified(&path, &key) {
        // SAFETY: the bytes are exactly what `Component::serialize` produced for this
        // component and engine (the digest over key and bytes matches), read from an
        // owner-only file in an owner-only directory.
        match unsafe { Component::deserialize(engine, bytes) } {
            Ok(component) => return Ok(component),
            Err(e) => tracing::warn!("recompiling: cached component {}: {e:#}", path.display()),
        }
    }
    let component = wt(Component::new(engine, wasm), "compile the component")?;
    if let Err(e) = store(dir, &path, &key, &component) {
        tracing::warn!(
            "could not cache the compiled component in {}: {e:#}",
            dir.display()
        );
    }
    Ok(component)
}

/// Hex key of the component, jlm's version and the engine's configuration.
fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(wasm);
    hasher.update(env!("CARGO_PKG_VERSION"));
    let mut engine_hash = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut engine_hash);
    hasher.update(std::hash::Hasher::finish(&engine_hash).to_le_bytes());
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cache_file(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("jlm-component-{key}.cwasm"))
}

/// SHA-256 of `key` then `bytes`.
fn digest(key: &str, bytes: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(key.as_bytes());
    hasher.update(bytes);
    hasher.finalize().into()
}

/// The compiled bytes in `path`, if it is owner-only and its digest matches.
fn verified(path: &Path, key: &str) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        let mode = private_fs::mode(path).ok()?;
        if mode & 0o077 != 0 {
            tracing::warn!(
                "recompiling: the cached component {} is open to other users (mode {mode:o})",
                path.display()
            );
            return None;
        }
    }
    let mut bytes = std::fs::read(path).ok()?;
    let body_len = bytes.len().checked_sub(DIGEST_LEN)?;
    if bytes[body_len..] != digest(key, &bytes[..body_len]) {
        tracing::warn!(
            "recompiling: the cached component {} does not match its digest",
            path.display()
        );
        return None;
    }
    bytes.truncate(body_len);
    Some(bytes)
}

/// Writes the compiled component with its digest, owner-only, in an owner-only `dir`.
fn store(dir: &Path, path: &Path, key: &str, component: &Component) -> anyhow::Result<()> {
    let mut bytes = wt(component.serialize(), "serialize the compiled component")?;
    let sum = digest(key, &bytes);
    bytes.extend_from_slice(&sum);
    private_fs::create_dir_all(dir)?;
    private_fs::restrict_dir(dir)?;
    private_fs::write(path, &bytes)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::{EMBEDDED_COMPONENT, Runtime};
    use super::*;

    fn only_file(dir: &Path) -> PathBuf {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read cache dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files[0].clone()
    }

    #[test]
    fn the_cache_is_owner_only_and_a_damaged_file_is_recompiled_not_loaded() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("jlm");
        Runtime::new(EMBEDDED_COMPONENT, Some(&dir)).expect("first start compiles");
        let file = only_file(&dir);
        assert_eq!(private_fs::mode(&dir).expect("mode"), 0o700);
        assert_eq!(private_fs::mode(&file).expect("mode"), 0o600);

        // Damage the compiled code in the middle of the file, keeping its header intact.
        let mut damaged = std::fs::read(&file).expect("read");
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0xff;
        std::fs::write(&file, &damaged).expect("damage");
        let runtime = Runtime::new(EMBEDDED_COMPONENT, Some(&dir)).expect("recompiles");
        runtime.session().expect("the recompiled component runs");
        let rewritten = std::fs::read(&file).expect("read");
        assert_ne!(
            rewritten, damaged,
            "the damaged file was replaced, not loaded"
        );
        assert!(verified(&file, &file_key(&file)).is_some());

        // A file other users could have written is not trusted either.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        assert!(verified(&file, &file_key(&file)).is_none());
        Runtime::new(EMBEDDED_COMPONENT, Some(&dir)).expect("recompiles");
        assert_eq!(private_fs::mode(&file).expect("mode"), 0o600);
    }

    /// The key encoded in a cache file's name.
    fn file_key(file: &Path) -> String {
        let name = file
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        name.trim_start_matches("jlm-component-").to_owned()
    }
}
