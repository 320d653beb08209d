//! Helpers shared by the tests that check trustscan's outputs and integration files with
//! third-party tools installed by scripts/setup-oracles.sh.

#![allow(dead_code, unused_imports)] // each test file uses its own subset

use std::process::{Command, Output};
pub use trustscan_test_support::{oracle, workspace};

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
