//! One runner per store: `jlm run` holds an exclusive lock on `<store>.lock` for as long as
//! it runs. The operating system releases the lock when the process ends, however it ends,
//! so a crash never leaves a stale lock behind.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RunnerLock {
    _file: File,
    path: PathBuf,
}

impl RunnerLock {
    /// Takes the runner lock of the store at `store_path`, or fails at once, naming the store,
    /// when another process holds it.
    pub fn acquire(store_path: &Path) -> anyhow::Result<RunnerLock> {
        let path = lock_path(store_path);
        let file = crate::private_fs::open(&path)
            .with_context(|| format!("create the runner lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(RunnerLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => anyhow::bail!(
                "another jlm run is already running on the store {} (it holds {}); stop it \
                 first, or give this one its own [store] path: two runners would send the same \
                 writes twice",
                store_path.display(),
                path.display()
            ),
            Err(TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("lock {}", path.display()))
            }
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<store path>.lock`.
fn lock_path(store_path: &Path) -> PathBuf {
    let mut name = store_path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_store_is_refused_until_the_first_is_released() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("jlm.sqlite");
        let first = RunnerLock::acquire(&store).expect("first runner");
        let err = RunnerLock::acquire(&store).expect_err("second runner");
        assert!(
            err.to_string().contains(&store.display().to_string()),
            "{err}"
        );
        drop(first);
        RunnerLock::acquire(&store).expect("free again");
    }
}
