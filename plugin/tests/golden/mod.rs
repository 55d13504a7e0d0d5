//! What the text-golden tests share: the cases of a fixture folder, reading a case's files,
//! the catalogue check of a plan's exceptions, and comparing (or with `JLM_BLESS=1`
//! rewriting) `expected.json` to the byte.

use std::path::{Path, PathBuf};

use plugin::common::exception::Exception;
use plugin::exceptions::catalogue::find;

/// The case folders under `fixtures/<dir>` holding `marker`, sorted; at least `least`.
pub fn cases(dir: &str, marker: &str, least: usize) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(dir);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("fixtures/{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(marker).exists())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= least,
        "expected the {dir} fixtures, found {}",
        cases.len()
    );
    cases
}

/// A case file's text.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A case file read as `T`, or `T::default()` when the file is absent.
pub fn optional<T: serde::de::DeserializeOwned + Default>(path: &Path) -> T {
    if path.exists() {
        serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        T::default()
    }
}

/// Checks every exception is in the catalogue with its team and severity, then compares the
/// plan's pretty JSON with the case's `expected.json` (or rewrites it when blessing).
pub fn compare<P: serde::Serialize>(case: &Path, plan: &P, exceptions: &[Exception]) {
    for e in exceptions {
        assert!(
            find(&e.code, e.team, e.severity).is_some(),
            "{}: {} is not in the catalogue with its team and severity",
            case.display(),
            e.code
        );
    }
    let actual = serde_json::to_string_pretty(plan).expect("plan") + "\n";
    let expected_path = case.join("expected.json");
    if std::env::var_os("JLM_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).expect("write expected.json");
    } else {
        assert_eq!(actual, read(&expected_path), "{}", case.display());
    }
}
