//! `--format sarif` end to end: the binary's SARIF for scans of the demo zoo and for `check`
//! over the pickle samples passes the official SARIF 2.1.0 schema and GitHub's documented
//! constraints (tests/oracle/sarif_validate.py in the `sarif` oracle environment), carries
//! every Python rule, and is byte-identical from run to run.

mod common;

use common::{oracle, run, trustscan, workspace};
use serde_json::Value;
use std::process::Command;

fn validate(sarif: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.sarif");
    std::fs::write(&file, sarif).unwrap();
    let (ok, report) = run(Command::new(oracle("sarif/bin/python"))
        .arg(workspace().join("tests/oracle/sarif_validate.py"))
        .arg("--schema")
        .arg(oracle("sarif-schema/sarif-2.1.0.json"))
        .arg(&file));
    assert!(ok, "{report}");
}

#[test]
fn scan_sarif_is_valid_and_carries_findings_payloads_and_verdicts() {
    let args = [
        "scan",
        "--format",
        "sarif",
        "examples/transformers-hidden-payload",
        "examples/transformers-pickle-payload",
    ];
    let (code, out) = trustscan(&args);
    assert_eq!(code, 4);
    validate(&out);
    assert_eq!(
        trustscan(&args).1,
        out,
        "SARIF output must be deterministic"
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules.len() > 80,
        "every Python rule is listed: {}",
        rules.len()
    );
    let results = run["results"].as_array().unwrap();
    let ts101 = results
        .iter()
        .find(|r| r["ruleId"] == "TS101")
        .expect("the decoded exec");
    assert_eq!(ts101["properties"]["reachability"], "runs-at-load");
    assert_eq!(ts101["level"], "error");
    let payload = results
        .iter()
        .find(|r| r["ruleId"] == "TSP001")
        .expect("the dangerous pickle");
    assert!(
        payload["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("examples/transformers-pickle-payload/"),
        "{payload}"
    );
    let verdicts = run["properties"]["targets"].as_array().unwrap();
    assert_eq!(verdicts.len(), 2);
    assert!(
        verdicts.iter().all(|t| t["verdict"] == "DANGEROUS"),
        "{verdicts:?}"
    );
}

#[test]
fn check_sarif_is_valid() {
    let (code, out) = trustscan(&["check", "--format", "sarif", "tests/fixtures/pickle"]);
    assert_eq!(code, 4);
    validate(&out);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "TSP001"));
    assert!(
        results.iter().any(|r| r["ruleId"] == "TSP003"),
        "the EXT stream"
    );
}
