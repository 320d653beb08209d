//! Helpers shared by the tests that check trustscan's outputs and integration files with
//! third-party tools installed by scripts/setup-oracles.sh.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// The binary under test, run from the workspace root (exit code, stdout).
pub fn trustscan(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(args)
        .current_dir(workspace())
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A path inside the oracle directory; missing means setup-oracles.sh has not run, which
/// fails the test rather than skipping it.
pub fn oracle(relative: &str) -> PathBuf {
    let dir = std::env::var_os("TRUSTSCAN_ORACLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv-oracles"));
    let path = dir.join(relative);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-oracles.sh",
        path.display()
    );
    path
}

/// Run a tool and return (success, stdout and stderr together).
pub fn run(command: &mut Command) -> (bool, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    (
        status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        ),
    )
}
