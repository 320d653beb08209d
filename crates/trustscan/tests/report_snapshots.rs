//! The reports a person reads, for the whole demo zoo, against committed snapshots: targets
//! worst first under a summary, one entry per flagged line of code. A change to what the
//! reports say shows up as a diff of these files; after checking it, refresh them with
//! `TRUSTSCAN_UPDATE_SNAPSHOTS=1 cargo test -p trustscan --test report_snapshots`.

use std::path::Path;
use std::process::Command;
use trustscan_test_support::workspace;

/// `scan` of every example (in name order) in `format`.
fn zoo_report(format: &str) -> String {
    let mut examples: Vec<String> = std::fs::read_dir(workspace().join("examples"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| format!("examples/{}", e.file_name().to_string_lossy()))
        .collect();
    examples.sort();
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .arg("scan")
        .args(["--format", format, "--color", "never"])
        .args(&examples)
        .current_dir(workspace())
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .env("TRUSTSCAN_NO_PROGRESS", "1")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn check(format: &str, file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(file);
    let got = zoo_report(format);
    if std::env::var_os("TRUSTSCAN_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "{} differs from the report at line {}:\n  snapshot: {:?}\n  report:   {:?}\n\
             (TRUSTSCAN_UPDATE_SNAPSHOTS=1 refreshes it once the change is right)",
            path.display(),
            first + 1,
            want.lines().nth(first),
            got.lines().nth(first)
        );
    }
}

#[test]
fn text_report_of_the_zoo() {
    let text = zoo_report("text");
    // Worst first, under a summary that counts each verdict.
    assert!(text.starts_with("16 targets: 2 DANGEROUS, "), "{text}");
    check("text", "zoo.txt");
}

#[test]
fn markdown_report_of_the_zoo() {
    check("markdown", "zoo.md");
}

#[test]
fn html_report_of_the_zoo() {
    check("html", "zoo.html");
}
