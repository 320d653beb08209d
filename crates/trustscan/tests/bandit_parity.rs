//! Bandit parity: Bandit 1.9.4's own functional tests (tests/functional/test_functional.py
//! of its source distribution, with its example files and expected counts) run with
//! trustscan as the engine, through tests/oracle/bandit_functional.py.

use std::process::Command;
use trustscan_test_support::{oracles, workspace};

#[test]
fn bandit_functional_tests_pass_with_trustscan_as_the_engine() {
    let python = oracles().join("bandit/bin/python");
    let src = oracles().join("bandit-src/bandit-1.9.4");
    assert!(
        python.exists() && src.join("tests/functional/test_functional.py").exists(),
        "the Bandit oracle is missing: run scripts/setup-oracles.sh"
    );
    let out = Command::new(&python)
        .arg(workspace().join("tests/oracle/bandit_functional.py"))
        .arg("--bandit-src")
        .arg(&src)
        .arg("--trustscan")
        .arg(env!("CARGO_BIN_EXE_trustscan"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("TSFIX-RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "no result:\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let result: serde_json::Value = serde_json::from_str(line).unwrap();
    let tests = result["tests"].as_object().unwrap();
    assert!(
        tests.len() >= 79,
        "Bandit's functional test class changed: {} tests",
        tests.len()
    );
    // Every one of Bandit's functional tests must pass.
    let failures: Vec<String> = tests
        .iter()
        .filter(|(_, v)| v.as_str() != Some("ok"))
        .map(|(t, v)| format!("{t}: {v}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} Bandit functional tests fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
