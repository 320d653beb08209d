//! The same input gives byte-identical output in every format: two runs, and one worker
//! against two (the analysis is parallel; the reports must not show it).

mod common;

use common::workspace;
use std::process::Command;

fn output(args: &[&str], jobs: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(args)
        .args(["--jobs", jobs])
        .current_dir(workspace())
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .output()
        .unwrap();
    assert!(
        out.status.code() != Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "{args:?}");
    out.stdout
}

#[test]
fn every_format_is_byte_identical_across_runs_and_worker_counts() {
    let mut examples: Vec<String> = std::fs::read_dir(workspace().join("examples"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| format!("examples/{}", e.file_name().to_string_lossy()))
        .collect();
    examples.sort();
    let all: Vec<&str> = examples.iter().map(String::as_str).collect();
    for format in ["text", "json", "markdown", "sarif", "html"] {
        let mut args = vec!["scan", "--format", format, "--findings", "all"];
        args.extend(&all);
        let first = output(&args, "1");
        assert_eq!(first, output(&args, "2"), "scan --format {format}");
        assert_eq!(first, output(&args, "2"), "scan --format {format}, again");
    }
    for format in ["text", "json", "sarif"] {
        let args = [
            "check",
            "--format",
            format,
            "examples",
            "tests/fixtures/pickle",
        ];
        let first = output(&args, "1");
        assert_eq!(first, output(&args, "2"), "check --format {format}");
    }
}
