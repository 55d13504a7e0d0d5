//! Files and directories the connector writes are owner-only (0600 files, 0700 directories
//! on Unix): the store holds customer names and addresses, the configuration and the
//! compiled-component cache are trusted on the next start.
//!
//! Directories that already exist (the user's working directory, say) are left as they are;
//! only those created here get 0700.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Mode of every file the connector creates.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
/// Mode of every directory the connector creates.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents, each created one owner-only.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Makes an existing directory the connector owns (its cache) owner-only.
pub fn restrict_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Makes `path` owner-only if it exists (files written by an older version).
pub fn restrict_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match fs::set_permissions(path, fs::Permissions::from_mode(FILE_MODE)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens `path` for writing (and reading), creating it owner-only when missing and making an
/// existing one owner-only; the content is kept.
pub fn open(path: &Path) -> io::Result<File> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file = options.open(path)?;
    restrict_file(path)?;
    Ok(file)
}

/// Writes `bytes` to `path` owner-only, replacing it atomically (a temporary file next to it,
/// synced, then renamed), so a reader never sees half a file.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    let tmp = temporary_name(path);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let result = options.open(&tmp).and_then(|mut file| {
        restrict_file(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    });
    match result.and_then(|()| fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `<name>.<pid>.tmp` next to `path`.
fn temporary_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// The permission bits of `path` (tests and checks).
#[cfg(unix)]
pub fn mode(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn written_files_and_created_directories_are_owner_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let nested = dir.path().join("a").join("b");
        let file = nested.join("jlm.toml");
        write(&file, b"x = 1\n").expect("write");
        assert_eq!(mode(&file).expect("mode"), 0o600);
        assert_eq!(mode(&nested).expect("mode"), 0o700);
        assert_eq!(mode(&dir.path().join("a")).expect("mode"), 0o700);
        assert_eq!(fs::read(&file).expect("read"), b"x = 1\n");

        // An existing, world-readable file is replaced by an owner-only one.
        let old = dir.path().join("old.toml");
        fs::write(&old, "old").expect("write");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&old, fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&old, b"new").expect("write");
        assert_eq!(mode(&old).expect("mode"), 0o600);

        let opened = dir.path().join("store");
        fs::write(&opened, "keep").expect("write");
        fs::set_permissions(&opened, fs::Permissions::from_mode(0o644)).expect("chmod");
        drop(open(&opened).expect("open"));
        assert_eq!(mode(&opened).expect("mode"), 0o600);
        assert_eq!(fs::read(&opened).expect("read"), b"keep");
    }
}
