//! The SARIF renderer against the official SARIF 2.1.0 schema and GitHub code scanning's
//! documented requirements (`tests/oracle/sarif_validate.py`, in the `sarif` oracle
//! environment `scripts/setup-oracles.sh` creates), on realistic input: Python findings with
//! reachability and evidence, payload files judged by the real payload inspector (a dangerous,
//! a suspicious, a safe and an inconclusive pickle), a directory target whose path has spaces
//! and `check` files with their own (absolute) paths.

use serde_json::Value;
use std::process::Command;
use trustscan_core::Judgement as P;
use trustscan_core::{Finding, Level, Location, Reachability, RuleInfo};
use trustscan_core::{PayloadFile, Verdict};
use trustscan_report::{SarifInput, SarifTarget, render_sarif};
use trustscan_test_support::{oracles, workspace};

/// Run the validator on one SARIF text: (exit success, stdout and stderr).
fn validate(sarif: &str) -> (bool, String) {
    let python = oracles().join("sarif/bin/python");
    let schema = oracles().join("sarif-schema/sarif-2.1.0.json");
    for p in [&python, &schema] {
        assert!(
            p.exists(),
            "SARIF oracle {} is missing: run scripts/setup-oracles.sh (with TRUSTSCAN_ORACLES \
             set to the oracle directory when it is not <workspace>/.venv-oracles)",
            p.display()
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.sarif");
    std::fs::write(&file, sarif).unwrap();
    let out = Command::new(&python)
        .arg(workspace().join("tests/oracle/sarif_validate.py"))
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn rule(id: &str, name: &str, cwe: u32, severity: Level, confidence: Level) -> RuleInfo {
    RuleInfo {
        id: id.into(),
        name: name.into(),
        cwe,
        severity,
        confidence,
        rationale: format!("{name}: why it matters, in one paragraph."),
    }
}

fn rules() -> Vec<RuleInfo> {
    vec![
        rule(
            "TS106",
            "unsafe_deserialization",
            502,
            Level::High,
            Level::Medium,
        ),
        rule("B101", "assert_used", 703, Level::Low, Level::High),
        rule("TS101", "exec_decoded_data", 95, Level::High, Level::High),
        rule("B301", "pickle", 502, Level::Medium, Level::High),
    ]
}

#[allow(clippy::too_many_arguments)]
fn finding(
    rule: &str,
    name: &str,
    cwe: u32,
    severity: Level,
    file: &str,
    line: u32,
    reachability: Reachability,
    evidence: &[&str],
) -> Finding {
    Finding {
        rule: rule.into(),
        name: name.into(),
        cwe,
        severity,
        confidence: Level::High,
        location: Location {
            file: file.into(),
            line,
            column: 5,
            end_line: line,
            end_column: 30,
            context: [line, line],
        },
        scope: "XModel.__init__".into(),
        snippet: "\tstate = pickle.loads(blob)  # modèle «chargé»".into(),
        message: format!("{name} at {file}:{line}: runs `echo 'é' | sh`"),
        reachability,
        evidence: evidence.iter().map(|s| s.to_string()).collect(),
        fingerprint: format!("{rule}-{line:04}-fp"),
    }
}

fn payload(path: &str, bytes: &[u8], loaded_by: &[&str]) -> PayloadFile {
    PayloadFile::new(
        path.into(),
        trustscan_payload::inspect(bytes, &Default::default()),
        if loaded_by.is_empty() {
            Reachability::NotReached
        } else {
            Reachability::RunsAtLoad
        },
        loaded_by.iter().map(|s| s.to_string()).collect(),
    )
}

/// Protocol 2: `posix.system('id')`.
const DANGEROUS: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00idq\x00\x85R.";
/// Protocol 2: `mymodule.Thing()` (not on the allowlist, no known gadget).
const SUSPICIOUS: &[u8] = b"\x80\x02cmymodule\nThing\nq\x00)\x81q\x01.";
/// Protocol 2: `{}`.
const SAFE: &[u8] = b"\x80\x02}q\x00.";
/// Protocol 2: a list that never ends (no STOP).
const INCONCLUSIVE: &[u8] = b"\x80\x02]q\x00(K\x01K\x02";

struct Fixture {
    rules: Vec<RuleInfo>,
    findings: Vec<Finding>,
    check_findings: Vec<Finding>,
    payloads: Vec<PayloadFile>,
}

fn fixture() -> Fixture {
    let payloads = vec![
        payload(
            "pytorch_model.bin",
            DANGEROUS,
            &["AutoModel.from_pretrained"],
        ),
        payload("extra/thing.pkl", SUSPICIOUS, &[]),
        payload("safe.pkl", SAFE, &["AutoModel.from_pretrained"]),
        payload("broken.pkl", INCONCLUSIVE, &[]),
    ];
    let verdicts: Vec<P> = payloads.iter().map(|p| p.verdict).collect();
    assert_eq!(
        verdicts,
        [P::Dangerous, P::Suspicious, P::Safe, P::Inconclusive],
        "the hand-assembled pickles are judged as intended"
    );
    Fixture {
        rules: rules(),
        findings: vec![
            finding(
                "TS101",
                "exec_decoded_data",
                95,
                Level::High,
                "modeling_x.py",
                9,
                Reachability::RunsAtLoad,
                &["AutoModel.from_pretrained: config.json auto_map.AutoModel -> modeling_x.py"],
            ),
            finding(
                "B301",
                "pickle",
                502,
                Level::Medium,
                "sub dir/helpers #1.py",
                12,
                Reachability::ReachableFromLoad,
                &[
                    "AutoModel.from_pretrained: the loader calls XModel",
                    "modeling_x.py:XModel.__init__",
                    "calls sub dir/helpers #1.py:load (modeling_x.py line 17)",
                ],
            ),
            finding(
                "B101",
                "assert_used",
                703,
                Level::Low,
                "modeling_x.py",
                40,
                Reachability::NotReached,
                &[],
            ),
        ],
        // A rule the caller did not describe still gets a descriptor.
        check_findings: vec![finding(
            "TS999",
            "future_rule",
            78,
            Level::High,
            "/abs/check me/modèle.py",
            3,
            Reachability::NotReached,
            &[],
        )],
        payloads,
    }
}

fn render(fx: &Fixture) -> String {
    render_sarif(&SarifInput {
        tool_version: "0.1.0",
        rules: &fx.rules,
        targets: vec![
            SarifTarget {
                root: "./examples/my repo/",
                verdict: Some((
                    Verdict::Dangerous,
                    "dangerous pickle deserialized at load: pytorch_model.bin".into(),
                )),
                findings: fx.findings.iter().collect(),
                payloads: &fx.payloads,
            },
            SarifTarget {
                root: "",
                verdict: None,
                findings: fx.check_findings.iter().collect(),
                payloads: &[],
            },
        ],
    })
}

fn results_with_rule<'a>(log: &'a Value, id: &str) -> Vec<&'a Value> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == id)
        .collect()
}

fn rule_by_id<'a>(log: &'a Value, id: &str) -> (usize, &'a Value) {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, r)| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

#[test]
fn sarif_is_valid_against_the_official_schema_and_github_rules() {
    let sarif = render(&fixture());
    let (ok, out) = validate(&sarif);
    assert!(
        ok,
        "the validator rejects trustscan's SARIF:\n{out}\n{sarif}"
    );
}

#[test]
fn sarif_is_deterministic() {
    assert_eq!(render(&fixture()), render(&fixture()));
}

#[test]
fn sarif_rules_carry_github_metadata() {
    let log: Value = serde_json::from_str(&render(&fixture())).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "trustscan");
    assert_eq!(driver["semanticVersion"], "0.1.0");
    let ids: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // Every given rule (sorted), the undescribed one, then the payload rules.
    assert_eq!(
        ids,
        [
            "B101", "B301", "TS101", "TS106", "TS999", "TSP001", "TSP002", "TSP003"
        ]
    );
    let (_, b301) = rule_by_id(&log, "B301");
    assert_eq!(b301["name"], "pickle");
    assert_eq!(b301["shortDescription"]["text"], "pickle");
    assert_eq!(
        b301["fullDescription"]["text"],
        "pickle: why it matters, in one paragraph."
    );
    assert_eq!(b301["defaultConfiguration"]["level"], "warning");
    assert_eq!(
        b301["properties"]["tags"],
        serde_json::json!(["security", "external/cwe/cwe-502"])
    );
    assert_eq!(b301["properties"]["security-severity"], "5.0");
    assert_eq!(b301["properties"]["precision"], "high");
    let (_, ts106) = rule_by_id(&log, "TS106");
    assert_eq!(ts106["defaultConfiguration"]["level"], "error");
    assert_eq!(ts106["properties"]["security-severity"], "8.0");
    assert_eq!(ts106["properties"]["precision"], "medium");
    let (_, b101) = rule_by_id(&log, "B101");
    assert_eq!(b101["defaultConfiguration"]["level"], "note");
    assert_eq!(b101["properties"]["security-severity"], "2.0");
    let (_, tsp1) = rule_by_id(&log, "TSP001");
    assert_eq!(tsp1["name"], "dangerous-payload");
    assert_eq!(tsp1["defaultConfiguration"]["level"], "error");
    assert_eq!(
        tsp1["properties"]["tags"],
        serde_json::json!(["security", "external/cwe/cwe-502"])
    );
    let (_, tsp3) = rule_by_id(&log, "TSP003");
    assert_eq!(tsp3["defaultConfiguration"]["level"], "note");
}

#[test]
fn sarif_findings_map_to_results() {
    let log: Value = serde_json::from_str(&render(&fixture())).unwrap();
    let run = &log["runs"][0];
    let ts101 = results_with_rule(&log, "TS101");
    assert_eq!(ts101.len(), 1);
    let r = ts101[0];
    assert_eq!(r["ruleIndex"], rule_by_id(&log, "TS101").0);
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["message"]["text"],
        "exec_decoded_data at modeling_x.py:9: runs `echo 'é' | sh`"
    );
    assert_eq!(
        r["partialFingerprints"]["trustscanFingerprint/v1"],
        "TS101-0009-fp"
    );
    assert_eq!(r["properties"]["reachability"], "runs-at-load");
    assert_eq!(r["properties"]["confidence"], "high");
    assert_eq!(r["properties"]["scope"], "XModel.__init__");
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        phys["artifactLocation"]["uri"],
        "examples/my%20repo/modeling_x.py"
    );
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        phys["region"],
        serde_json::json!({
            "startLine": 9, "startColumn": 5, "endLine": 9, "endColumn": 30,
            "snippet": {"text": "\tstate = pickle.loads(blob)  # modèle «chargé»"},
        })
    );

    // A path with a space and a `#` is percent-encoded; the evidence path stays a property.
    let b301 = results_with_rule(&log, "B301");
    assert_eq!(
        b301[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "examples/my%20repo/sub%20dir/helpers%20%231.py"
    );
    assert_eq!(b301[0]["properties"]["reachability"], "reachable-from-load");
    assert_eq!(
        b301[0]["properties"]["evidence"].as_array().unwrap().len(),
        3
    );
    assert_eq!(results_with_rule(&log, "B101")[0]["level"], "note");

    // A `check` file with an absolute path: a file URI, no base.
    let check = results_with_rule(&log, "TS999");
    let a = &check[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(a["uri"], "file:///abs/check%20me/mod%C3%A8le.py");
    assert!(a.get("uriBaseId").is_none());

    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
    assert_eq!(
        run["properties"]["targets"],
        serde_json::json!([{
            "target": "./examples/my repo/",
            "verdict": "DANGEROUS",
            "reason": "dangerous pickle deserialized at load: pytorch_model.bin",
        }])
    );
}

#[test]
fn sarif_payload_parts_map_to_results() {
    let log: Value = serde_json::from_str(&render(&fixture())).unwrap();
    let dangerous = results_with_rule(&log, "TSP001");
    assert_eq!(dangerous.len(), 1);
    let r = dangerous[0];
    assert_eq!(r["ruleIndex"], rule_by_id(&log, "TSP001").0);
    assert_eq!(r["level"], "error");
    let text = r["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("dangerous pickle pytorch_model.bin: "),
        "{text}"
    );
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        phys["artifactLocation"]["uri"],
        "examples/my%20repo/pytorch_model.bin"
    );
    assert_eq!(phys["region"]["startLine"], 1);
    let props = &r["properties"];
    assert_eq!(props["format"], "pickle");
    assert_eq!(props["reachability"], "runs-at-load");
    assert_eq!(
        props["loadedBy"],
        serde_json::json!(["AutoModel.from_pretrained"])
    );
    assert_eq!(props["imports"], serde_json::json!(["posix.system"]));
    let calls = props["calls"].as_array().unwrap();
    assert!(
        calls
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("posix.system(")),
        "{calls:?}"
    );
    let fp = r["partialFingerprints"]["trustscanFingerprint/v1"]
        .as_str()
        .unwrap();
    assert_eq!(fp.len(), 64);
    assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));

    let suspicious = results_with_rule(&log, "TSP002");
    assert_eq!(suspicious.len(), 1);
    assert_eq!(suspicious[0]["level"], "warning");
    assert_eq!(suspicious[0]["properties"]["reachability"], "not-reached");
    let inconclusive = results_with_rule(&log, "TSP003");
    assert_eq!(inconclusive.len(), 1);
    assert_eq!(inconclusive[0]["level"], "note");
    // Safe files and parts give no result.
    assert!(
        !serde_json::to_string(&log).unwrap().contains("safe.pkl"),
        "a safe payload is reported"
    );
}

#[test]
fn sarif_payload_fingerprints_ignore_reason_order() {
    let fp = |fx: &Fixture| {
        let log: Value = serde_json::from_str(&render(fx)).unwrap();
        results_with_rule(&log, "TSP001")[0]["partialFingerprints"]["trustscanFingerprint/v1"]
            .clone()
    };
    let base = fixture();
    let mut reordered = fixture();
    let part = &mut reordered.payloads[0].parts[0];
    part.reasons.push("a second reason".into());
    let with_two = fp(&reordered);
    reordered.payloads[0].parts[0].reasons.reverse();
    assert_eq!(
        fp(&reordered),
        with_two,
        "reason order changes the fingerprint"
    );
    assert_ne!(fp(&base), with_two, "reasons do not count");
    let mut moved = fixture();
    moved.payloads[0].path = "other.bin".into();
    assert_ne!(fp(&moved), fp(&base), "the path does not count");
}

/// Damage done to a valid log.
type Breaks = fn(&mut Value);

/// The oracle can fail: broken logs are rejected, for the schema's reasons and GitHub's.
#[test]
fn sarif_validator_rejects_broken_logs() {
    let good: Value = serde_json::from_str(&render(&fixture())).unwrap();
    let cases: Vec<(&str, Breaks, &str)> = vec![
        (
            "no version",
            |v| {
                v.as_object_mut().unwrap().remove("version");
            },
            "'version' is a required property",
        ),
        (
            "unescaped space in a URI",
            |v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                    ["uri"] = "examples/my repo/modeling_x.py".into();
            },
            "is not a 'uri-reference'",
        ),
        (
            "a ruleId no rule has",
            |v| {
                v["runs"][0]["results"][0]["ruleId"] = "NOPE1".into();
            },
            "ruleId NOPE1 names no rule",
        ),
        (
            "a startLine of 0",
            |v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                    0.into();
            },
            "startLine",
        ),
        (
            "no partialFingerprints",
            |v| {
                v["runs"][0]["results"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("partialFingerprints");
            },
            "no partialFingerprints",
        ),
    ];
    for (what, breaks, expected) in cases {
        let mut log = good.clone();
        breaks(&mut log);
        let (ok, out) = validate(&serde_json::to_string_pretty(&log).unwrap());
        assert!(!ok, "{what}: the validator accepts it:\n{out}");
        assert!(
            out.contains(expected),
            "{what}: expected {expected:?} in\n{out}"
        );
    }
}

/// A clean scan: the rules, no results, the verdict.
#[test]
fn sarif_of_a_clean_scan_is_valid() {
    let rules = rules();
    let sarif = render_sarif(&SarifInput {
        tool_version: "0.1.0",
        rules: &rules,
        targets: vec![SarifTarget {
            root: "examples/transformers-builtin-safetensors/",
            verdict: Some((
                Verdict::Safe,
                "no repository code runs and nothing pickle-based is deserialized".into(),
            )),
            findings: Vec::new(),
            payloads: &[payload("model.pkl", SAFE, &["AutoModel.from_pretrained"])],
        }],
    });
    let (ok, out) = validate(&sarif);
    assert!(
        ok,
        "the validator rejects trustscan's SARIF:\n{out}\n{sarif}"
    );
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["results"], serde_json::json!([]));
    assert!(run.get("originalUriBaseIds").is_none());
    assert_eq!(run["properties"]["targets"][0]["verdict"], "SAFE");
}
