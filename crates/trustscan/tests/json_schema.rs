//! `--format json` against the published JSON Schemas (docs/schema/, docs/json-output.md):
//! `scan` and `plan` of every example, alone and together (the array form), and `check` over
//! the examples and the pickle samples must validate with Python's `jsonschema` (the `sarif`
//! oracle environment, tests/oracle/json_validate.py); documents broken the ways a
//! regression would break them must not.

mod common;

use common::{oracle, run, trustscan, workspace};
use serde_json::{Value, json};
use std::process::Command;

/// Validate documents against `docs/schema/<schema>`; (all valid, the validator's report).
fn validate(schema: &str, docs: &[(String, String)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(oracle("sarif/bin/python"));
    cmd.arg(workspace().join("tests/oracle/json_validate.py"))
        .arg(workspace().join("docs/schema").join(schema));
    for (name, text) in docs {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, text).unwrap();
        cmd.arg(file);
    }
    run(&mut cmd)
}

fn examples() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(workspace().join("examples"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| format!("examples/{}", e.file_name().to_string_lossy()))
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "the demo zoo: {dirs:?}");
    dirs
}

/// `trustscan <command> --format json <targets>`, checked to be a document of that schema.
fn json_output(command: &str, targets: &[&str]) -> (String, String) {
    let mut args = vec![command, "--format", "json"];
    args.extend(targets);
    let (code, out) = trustscan(&args);
    assert!(code != 2, "{args:?}: exit 2 (a target could not be read)");
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let first = if doc.is_array() { &doc[0] } else { &doc };
    let version = if command == "scan" { 2 } else { 1 };
    assert_eq!(
        first["schema"],
        format!("trustscan.{command}/{version}"),
        "{args:?}"
    );
    let name = match targets {
        [one] => one.replace('/', "_"),
        _ => "several-targets".into(),
    };
    (name, out)
}

#[test]
fn scan_and_plan_of_every_example_match_their_schemas() {
    let examples = examples();
    let all: Vec<&str> = examples.iter().map(String::as_str).collect();
    for (command, schema) in [
        ("scan", "scan-2.schema.json"),
        ("plan", "plan-1.schema.json"),
    ] {
        let mut docs: Vec<(String, String)> =
            all.iter().map(|e| json_output(command, &[e])).collect();
        // Several targets: an array of the same documents.
        docs.push(json_output(command, &all));
        let (ok, report) = validate(schema, &docs);
        assert!(ok, "{command}:\n{report}");
        assert_eq!(
            report.matches(": valid").count(),
            examples.len() + 1,
            "{report}"
        );
    }
}

#[test]
fn check_output_matches_its_schema() {
    let doc = json_output("check", &["examples", "tests/fixtures/pickle"]);
    let parsed: Value = serde_json::from_str(&doc.1).unwrap();
    // Both halves of the document are exercised: findings in Python files and payloads.
    assert!(
        parsed["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| !f["findings"].as_array().unwrap().is_empty())
    );
    assert!(!parsed["payloads"].as_array().unwrap().is_empty());
    let (ok, report) = validate("check-1.schema.json", &[doc]);
    assert!(ok, "{report}");
}

/// A real document changed by `edit` must fail validation, naming `path` (where the error is).
fn assert_rejected(schema: &str, doc: &Value, edit: impl FnOnce(&mut Value), path: &str) {
    let mut broken = doc.clone();
    edit(&mut broken);
    let (ok, report) = validate(schema, &[("broken".into(), broken.to_string())]);
    assert!(
        !ok,
        "{schema} accepted a broken document (expected an error at {path})"
    );
    assert!(
        report.contains(&format!(": {path}: ")),
        "expected an error at {path}:\n{report}"
    );
}

#[test]
fn broken_documents_fail_validation() {
    let (_, out) = trustscan(&[
        "scan",
        "--format",
        "json",
        "examples/transformers-hidden-payload",
    ]);
    let scan: Value = serde_json::from_str(&out).unwrap();
    // The untouched document passes: the failures below come from the edits.
    let (ok, report) = validate("scan-2.schema.json", &[("scan".into(), out.clone())]);
    assert!(ok, "{report}");
    let s = "scan-2.schema.json";
    assert_rejected(s, &scan, |d| d["verdict"] = json!("MAYBE"), "verdict");
    assert_rejected(
        s,
        &scan,
        |d| d["schema"] = json!("trustscan.scan/3"),
        "schema",
    );
    assert_rejected(
        s,
        &scan,
        |d| {
            d.as_object_mut().unwrap().remove("plan");
        },
        "(root)",
    );
    assert_rejected(
        s,
        &scan,
        |d| d["code"]["findings"][0]["severity"] = json!("HIGH"),
        "code/findings/0/severity",
    );
    assert_rejected(
        s,
        &scan,
        |d| d["code"]["findings"][0]["reachability"] = json!("reachable"),
        "code/findings/0/reachability",
    );
    assert_rejected(
        s,
        &scan,
        |d| d["code"]["findings"][0]["location"]["line"] = json!(0),
        "code/findings/0/location/line",
    );
    assert_rejected(
        s,
        &scan,
        |d| d["code"]["findings"][0]["unexpected"] = json!(true),
        "code/findings/0",
    );
    assert_rejected(
        s,
        &scan,
        |d| d["plan"]["apis"][0]["steps"][0]["kind"] = json!("run-file"),
        "plan/apis/0/steps/0/kind",
    );
    // A payload deserialized at load names the API that loads it.
    assert_rejected(
        s,
        &scan,
        |d| {
            d["payloads"][0]["reachability"] = json!("runs-at-load");
            d["payloads"][0]["loaded_by"] = json!([]);
        },
        "payloads/0/loaded_by",
    );
    // The plan document alone, and check's: a payload there is never deserialized at load.
    assert_rejected(
        "plan-1.schema.json",
        &scan["plan"],
        |d| d["apis"][0]["steps"][0]["gate"] = json!({"gate": "option"}),
        "apis/0/steps/0/gate/gate",
    );
    let (_, out) = trustscan(&["check", "--format", "json", "tests/fixtures/pickle"]);
    let check: Value = serde_json::from_str(&out).unwrap();
    assert_rejected(
        "check-1.schema.json",
        &check,
        |d| d["payloads"][0]["reachability"] = json!("runs-at-load"),
        "payloads/0/reachability",
    );
}

#[test]
fn cache_listings_and_baselines_match_their_schemas() {
    let t = tempfile::tempdir().unwrap();
    let (hf, ms) = (t.path().join("hf"), t.path().join("ms"));
    // Two examples as cached downloads: a Hugging Face snapshot with a ref, and a ModelScope
    // revision.
    let snapshot = hf.join("models--demo--payload/snapshots/0123abcd");
    let revision = ms.join("models/demo--code/snapshots/master");
    for (example, to) in [
        ("transformers-pickle-payload", &snapshot),
        ("transformers-hidden-payload", &revision),
    ] {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let (ok, report) = run(Command::new("cp")
            .arg("-r")
            .arg(workspace().join("examples").join(example))
            .arg(to));
        assert!(ok, "{report}");
    }
    std::fs::create_dir_all(hf.join("models--demo--payload/refs")).unwrap();
    std::fs::write(hf.join("models--demo--payload/refs/main"), "0123abcd").unwrap();
    let (hf_arg, ms_arg) = (hf.to_str().unwrap(), ms.to_str().unwrap());
    let (_, listing) = trustscan(&[
        "cache",
        "--format",
        "json",
        "--hf-cache",
        hf_arg,
        "--modelscope-cache",
        ms_arg,
    ]);
    let doc: Value = serde_json::from_str(&listing).unwrap();
    assert_eq!(doc["models"].as_array().unwrap().len(), 2, "{listing}");
    let (ok, report) = validate("cache-2.schema.json", &[("cache".into(), listing.clone())]);
    assert!(ok, "{report}");
    let mut broken = doc.clone();
    broken["models"][0]["verdict"] = json!("UNSAFE");
    let (ok, _) = validate(
        "cache-2.schema.json",
        &[("broken".into(), broken.to_string())],
    );
    assert!(!ok, "an unknown verdict must not validate");

    // A baseline with findings and a dangerous payload.
    let baseline = t.path().join("baseline.json");
    let (code, _) = trustscan(&[
        "scan",
        revision.to_str().unwrap(),
        snapshot.to_str().unwrap(),
        "--write-baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&baseline).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(!doc["findings"].as_array().unwrap().is_empty(), "{text}");
    assert!(!doc["payloads"].as_array().unwrap().is_empty(), "{text}");
    let (ok, report) = validate("baseline-1.schema.json", &[("baseline".into(), text)]);
    assert!(ok, "{report}");
    let mut broken = doc.clone();
    broken["payloads"][0]["verdict"] = json!("safe");
    let (ok, _) = validate(
        "baseline-1.schema.json",
        &[("broken".into(), broken.to_string())],
    );
    assert!(!ok, "a safe payload is never recorded");
}
