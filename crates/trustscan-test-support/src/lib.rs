//! What the workspace's tests share: where the workspace is, and where the oracle
//! environments made by `scripts/setup-oracles.sh` are (`TRUSTSCAN_ORACLES`, else
//! `<workspace>/.venv-oracles`). A missing oracle fails the test that needs it: an oracle test
//! that silently skips proves nothing.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root above crates/trustscan-test-support")
        .to_path_buf()
}

/// The directory of the oracle environments.
pub fn oracles() -> PathBuf {
    let dir = std::env::var_os("TRUSTSCAN_ORACLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv-oracles"));
    assert!(
        dir.is_dir(),
        "the oracle directory {} is missing: run scripts/setup-oracles.sh (or set TRUSTSCAN_ORACLES)",
        dir.display()
    );
    dir
}

/// A path inside the oracle directory, which must exist.
pub fn oracle(relative: &str) -> PathBuf {
    let path = oracles().join(relative);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-oracles.sh (or set TRUSTSCAN_ORACLES)",
        path.display()
    );
    path
}

/// The Python of one oracle environment (`bandit`, `transformers-5`, ...).
pub fn oracle_python(env: &str) -> PathBuf {
    oracle(&format!("{env}/bin/python"))
}
