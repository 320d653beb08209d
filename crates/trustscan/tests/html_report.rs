//! `--format html` end to end: the binary's report on two demo repositories and on a hostile
//! one (markup in a file name and in code) opens in headless Chromium
//! (tests/oracle/html_check.mjs, driven by playwright-core from the `html` oracle
//! environment) without any request but the file itself, shows the verdicts and as many
//! findings as `--format json`, and every finding's code link shows its line.

mod common;

use common::{oracle, trustscan, workspace};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const HOSTILE_NAME: &str = "<img src=pwn.png onerror=alert(1)>.py";

/// A repository whose remote code (it runs at load: REVIEW) carries markup in a string and
/// whose other file has markup for a name: rendered as text, neither may load or run anything.
fn hostile_repository(dir: &Path) {
    std::fs::write(
        dir.join("config.json"),
        r#"{"model_type": "x",
            "auto_map": {"AutoConfig": "modeling_x.XConfig", "AutoModel": "modeling_x.XModel"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("modeling_x.py"),
        "import os\n\nos.system(\"<script>fetch('http://127.0.0.1:9/s')</script>\")\n\n\n\
         class XConfig:\n    pass\n\n\nclass XModel:\n    pass\n",
    )
    .unwrap();
    std::fs::write(dir.join(HOSTILE_NAME), "eval(input())\n").unwrap();
}

#[test]
fn html_report_in_chromium_matches_json_and_fetches_nothing() {
    // Both fail the test, naming scripts/setup-oracles.sh, when the oracle is missing.
    let html_oracle = oracle("html");
    oracle("html/node_modules/playwright-core/package.json");
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run scripts/setup-oracles.sh"
    );

    let tmp = tempfile::tempdir().unwrap();
    let hostile = tmp.path().join("hostile");
    std::fs::create_dir(&hostile).unwrap();
    hostile_repository(&hostile);
    let targets = [
        "examples/transformers-hidden-payload",
        "examples/transformers-pickle-payload",
        hostile.to_str().unwrap(),
    ];
    let scan = |format: &str| {
        let mut args = vec![
            "scan",
            "--format",
            format,
            "--findings",
            "all",
            "--min-severity",
            "low",
        ];
        args.extend(targets);
        trustscan(&args)
    };
    let (code, html) = scan("html");
    let (json_code, json) = scan("json");
    assert_eq!(
        code, json_code,
        "the exit code does not depend on the format"
    );
    assert_eq!(scan("html").1, html, "HTML output must be deterministic");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.contains("<script") && !html.contains("<img"));
    assert!(html.contains("&lt;img src=pwn.png onerror=alert(1)&gt;.py"));
    let json: Value = serde_json::from_str(&json).unwrap();
    let json = json.as_array().unwrap();
    assert_eq!(json.len(), 3);

    let report = tmp.path().join("report.html");
    std::fs::write(&report, &html).unwrap();
    let out = Command::new("node")
        .arg(workspace().join("tests/oracle/html_check.mjs"))
        .arg(&html_oracle)
        .arg(&report)
        .output()
        .expect("node runs (scripts/setup-oracles.sh installs what the HTML oracle needs)");
    assert!(
        out.status.success(),
        "html_check.mjs failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();

    // The page loads itself and nothing else, and nothing tried to.
    let url = seen["url"].as_str().unwrap();
    let requests = seen["requests"].as_array().unwrap();
    assert!(
        requests.iter().all(|r| r == url),
        "requests beyond the report: {requests:?}"
    );
    assert_eq!(seen["cspViolations"], serde_json::json!([]));
    assert_eq!(seen["active"], 0, "script, image or embedding elements");

    // What the reader sees per target is what JSON says.
    let shown = seen["targets"].as_array().unwrap();
    assert_eq!(shown.len(), json.len());
    let mut total = 0;
    for (s, j) in shown.iter().zip(json) {
        assert_eq!(s["verdict"], j["verdict"], "target {}", j["target"]);
        let n = j["code"]["findings"].as_array().map_or(0, |f| f.len());
        assert_eq!(s["findings"], n, "target {}", j["target"]);
        total += n;
    }
    assert!(total >= 5, "the examples have findings: {total}");
    assert_eq!(
        json.iter()
            .map(|j| j["verdict"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["DANGEROUS", "DANGEROUS", "REVIEW"]
    );

    // Every entry's link (one per line of code) shows its code line, hidden before.
    let links = seen["links"].as_array().unwrap();
    let entries: u64 = shown.iter().map(|s| s["entries"].as_u64().unwrap()).sum();
    assert_eq!(links.len() as u64, entries);
    assert!(entries < total as u64, "some line has several findings");
    for l in links {
        assert_eq!(l["before"], false, "{l}");
        assert_eq!(l["after"], true, "{l}");
        assert_eq!(l["inViewport"], true, "{l}");
    }
}

#[test]
fn html_is_for_scan_only() {
    let (code, out) = trustscan(&["check", "--format", "html", "tests/fixtures/pickle"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let (code, _) = trustscan(&[
        "plan",
        "--format",
        "html",
        "examples/transformers-pickle-payload",
    ]);
    assert_eq!(code, 2);
}
