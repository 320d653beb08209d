//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one log, one run, every
//! Python rule and the payload rules as reporting descriptors, one result per finding and one
//! per part of a payload file that is not safe.
//!
//! The mapping:
//! - severity → `level` (high: `error`, medium: `warning`, low: `note`) and the rule's
//!   `security-severity` (8.0, 5.0, 2.0); confidence → the rule's `precision`; the CWE → an
//!   `external/cwe/cwe-<n>` tag.
//! - A finding's location is its file joined to the target's directory, relative to
//!   `%SRCROOT%` (the directory trustscan ran in); absolute paths become `file://` URIs.
//!   Paths are percent-encoded (RFC 3986: everything but unreserved characters and `/`).
//!   Columns count Unicode code points (`columnKind`), as `Location` does; `endColumn` is
//!   exclusive in both.
//! - Reachability, confidence, scope and the evidence path stay in `properties`: the evidence
//!   steps are prose (`modeling_x.py:XModel.__init__`), not locations a `codeFlow` could hold.
//! - Payload parts use the rules `TSP001` (dangerous), `TSP002` (suspicious) and `TSP003`
//!   (inconclusive); their location is the payload file (line 1), the part inside it and the
//!   calls and globals the pickle model recorded are properties.
//! - `partialFingerprints["trustscanFingerprint/v1"]`: a finding's own fingerprint; for a payload
//!   part, SHA-256 of its path, part location, verdict and sorted reasons.
//! - Each target's verdict and reason are in `run.properties.targets`.
//!
//! Deterministic: no timestamps, no absolute paths the input does not hold, objects built in a
//! fixed field order; rules sorted by ID; results in input order.

use serde_json::{Map, Value, json};
use trustscan_core::{Finding, Level, RuleInfo};
use trustscan_core::{Judgement, PayloadFile, PayloadPart, Verdict};

/// The schema URI GitHub code scanning and most consumers expect.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of trustscan's partial fingerprints.
pub const SARIF_FINGERPRINT: &str = "trustscanFingerprint/v1";
/// Rule IDs of payload results, by the part's verdict.
pub const TSP_DANGEROUS: &str = "TSP001";
pub const TSP_SUSPICIOUS: &str = "TSP002";
pub const TSP_INCONCLUSIVE: &str = "TSP003";

/// Calls and globals listed per payload part (the JSON report lists them all).
const LISTED: usize = 50;
/// Reasons quoted in a payload result's message.
const REASONS_IN_MESSAGE: usize = 3;
const SRCROOT: &str = "%SRCROOT%";

/// What one SARIF log reports.
pub struct SarifInput<'a> {
    /// The binary's version (`env!("CARGO_PKG_VERSION")`).
    pub tool_version: &'a str,
    /// Metadata of every Python rule (all, not only those that fired).
    pub rules: &'a [RuleInfo],
    pub targets: Vec<SarifTarget<'a>>,
}

/// One scanned target (or the files of a `check`).
pub struct SarifTarget<'a> {
    /// The target as given (a directory), or "" for `check` files given with their own paths.
    pub root: &'a str,
    /// The scan's verdict and reason (None for `check`).
    pub verdict: Option<(Verdict, String)>,
    /// `Finding.location.file` is relative to `root` for a scan, a path for `check`.
    pub findings: Vec<&'a Finding>,
    pub payloads: &'a [PayloadFile],
}

/// One SARIF log with one run for the given targets' findings and payloads.
pub fn render_sarif(input: &SarifInput) -> String {
    let mut out = serde_json::to_string_pretty(&sarif_value(input))
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the SARIF log: {e}\"}}"));
    out.push('\n');
    out
}

fn sarif_value(input: &SarifInput) -> Value {
    let mut rules = Rules::new(input.rules);
    // Findings of rules the caller did not describe still get a descriptor, from the finding.
    for t in &input.targets {
        for f in &t.findings {
            rules.ensure_finding_rule(f);
        }
    }
    let mut results = Vec::new();
    let mut uses_srcroot = false;
    for t in &input.targets {
        for f in &t.findings {
            let (loc, base) = physical_location(t.root, &f.location.file, finding_region(f));
            uses_srcroot |= base;
            results.push(finding_result(f, &rules, loc));
        }
        for p in t.payloads {
            if p.verdict == Judgement::Safe {
                continue;
            }
            for part in p.parts.iter() {
                if part.verdict == Judgement::Safe {
                    continue;
                }
                let (loc, base) = physical_location(t.root, &p.path, json!({"startLine": 1}));
                uses_srcroot |= base;
                results.push(payload_result(p, part, &rules, loc));
            }
        }
    }
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({
            "driver": {
                "name": "trustscan",
                "informationUri": "https://github.com/trustscan/trustscan",
                "semanticVersion": input.tool_version,
                "rules": rules.descriptors(),
            }
        }),
    );
    if uses_srcroot {
        run.insert(
            "originalUriBaseIds".into(),
            json!({
                SRCROOT: {
                    "description": {
                        "text": "The directory trustscan ran in: scanned targets are named relative to it."
                    }
                }
            }),
        );
    }
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    run.insert("results".into(), Value::Array(results));
    let targets: Vec<Value> = input
        .targets
        .iter()
        .filter_map(|t| {
            t.verdict
                .as_ref()
                .map(|(v, reason)| json!({"target": t.root, "verdict": v.word(), "reason": reason}))
        })
        .collect();
    if !targets.is_empty() {
        run.insert("properties".into(), json!({ "targets": targets }));
    }
    json!({
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [Value::Object(run)],
    })
}

/// The run's reporting descriptors: Python rules sorted by ID, then the payload rules.
struct Rules {
    python: Vec<RuleInfo>,
}

impl Rules {
    fn new(infos: &[RuleInfo]) -> Rules {
        let mut python: Vec<RuleInfo> = infos.to_vec();
        python.sort_by(|a, b| a.id.cmp(&b.id));
        python.dedup_by(|a, b| a.id == b.id);
        Rules { python }
    }

    fn ensure_finding_rule(&mut self, f: &Finding) {
        if let Err(i) = self.python.binary_search_by(|r| r.id.as_str().cmp(&f.rule)) {
            self.python.insert(
                i,
                RuleInfo {
                    id: f.rule.clone(),
                    name: f.name.clone(),
                    cwe: f.cwe,
                    severity: f.severity,
                    confidence: f.confidence,
                    rationale: format!("{} ({}).", f.name, f.rule),
                },
            );
        }
    }

    /// The index of a rule in `descriptors()`.
    fn index(&self, id: &str) -> usize {
        if let Ok(i) = self.python.binary_search_by(|r| r.id.as_str().cmp(id)) {
            return i;
        }
        let payload = PAYLOAD_RULES
            .iter()
            .position(|r| r.id == id)
            .expect("payload rule IDs are fixed");
        self.python.len() + payload
    }

    fn descriptors(&self) -> Vec<Value> {
        let mut out: Vec<Value> = self.python.iter().map(python_descriptor).collect();
        out.extend(PAYLOAD_RULES.iter().map(payload_descriptor));
        out
    }
}

fn level(l: Level) -> &'static str {
    match l {
        Level::High => "error",
        Level::Medium => "warning",
        Level::Low => "note",
    }
}

fn security_severity(l: Level) -> &'static str {
    match l {
        Level::High => "8.0",
        Level::Medium => "5.0",
        Level::Low => "2.0",
    }
}

fn tags(cwe: u32) -> Vec<String> {
    let mut t = vec!["security".to_string()];
    if cwe != 0 {
        t.push(format!("external/cwe/cwe-{cwe}"));
    }
    t
}

fn cwe_help(cwe: u32) -> String {
    if cwe == 0 {
        String::new()
    } else {
        format!(" CWE-{cwe}: https://cwe.mitre.org/data/definitions/{cwe}.html")
    }
}

fn python_descriptor(r: &RuleInfo) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.name},
        "fullDescription": {"text": r.rationale},
        "help": {
            "text": format!(
                "{}{} Default severity {}, confidence {}; `trustscan rules {}` explains the rule.",
                r.rationale,
                cwe_help(r.cwe),
                r.severity,
                r.confidence,
                r.id,
            )
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": tags(r.cwe),
            "security-severity": security_severity(r.severity),
            "precision": r.confidence.to_string(),
        },
    })
}

struct PayloadRule {
    id: &'static str,
    name: &'static str,
    cwe: u32,
    severity: Level,
    precision: &'static str,
    description: &'static str,
}

const PAYLOAD_RULES: &[PayloadRule] = &[
    PayloadRule {
        id: TSP_DANGEROUS,
        name: "dangerous-payload",
        cwe: 502,
        severity: Level::High,
        precision: "high",
        description: "A serialized payload (a pickle stream, a checkpoint, an archive member, a \
                      model or template format) makes its loader import or call a known \
                      code-execution, file, network or loader gadget: deserializing it runs \
                      code chosen by whoever wrote the file.",
    },
    PayloadRule {
        id: TSP_SUSPICIOUS,
        name: "suspicious-payload",
        cwe: 502,
        severity: Level::Medium,
        precision: "medium",
        description: "A serialized payload references globals or features outside the \
                      allowlist of what model checkpoints legitimately use (PyTorch's \
                      weights_only allowlist for pickles): deserializing it may run code nobody \
                      reviewed. Unknown is never treated as safe.",
    },
    PayloadRule {
        id: TSP_INCONCLUSIVE,
        name: "inconclusive-payload",
        cwe: 0,
        severity: Level::Low,
        precision: "low",
        description: "A payload could not be analysed to its end (a malformed stream, a \
                      container that cannot be opened, a budget that ran out): what follows the \
                      break is unknown, so the file is not shown as safe.",
    },
];

fn payload_descriptor(r: &PayloadRule) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.name},
        "fullDescription": {"text": r.description},
        "help": {
            "text": format!(
                "{}{} The result's properties name the part of the file, the globals it looks \
                 up and the calls it makes; nothing was deserialized to find them.",
                r.description,
                cwe_help(r.cwe),
            )
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": tags(r.cwe),
            "security-severity": security_severity(r.severity),
            "precision": r.precision,
        },
    })
}

fn payload_rule(v: Judgement) -> &'static PayloadRule {
    match v {
        Judgement::Dangerous => &PAYLOAD_RULES[0],
        Judgement::Suspicious => &PAYLOAD_RULES[1],
        // `Safe` parts are never reported.
        Judgement::Inconclusive | Judgement::Safe => &PAYLOAD_RULES[2],
    }
}

fn finding_region(f: &Finding) -> Value {
    let l = &f.location;
    let start_line = l.line.max(1);
    let start_column = l.column.max(1);
    let end_line = l.end_line.max(start_line);
    let mut end_column = l.end_column.max(1);
    if end_line == start_line {
        end_column = end_column.max(start_column);
    }
    let mut region = json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    });
    if !f.snippet.is_empty() {
        region["snippet"] = json!({"text": f.snippet});
    }
    region
}

fn finding_result(f: &Finding, rules: &Rules, location: Value) -> Value {
    let message = if f.message.is_empty() {
        &f.name
    } else {
        &f.message
    };
    json!({
        "ruleId": f.rule,
        "ruleIndex": rules.index(&f.rule),
        "level": level(f.severity),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {SARIF_FINGERPRINT: f.fingerprint},
        "properties": {
            "reachability": f.reachability,
            "severity": f.severity,
            "confidence": f.confidence,
            "scope": f.scope,
            "evidence": f.evidence,
        },
    })
}

fn payload_result(p: &PayloadFile, part: &PayloadPart, rules: &Rules, location: Value) -> Value {
    let rule = payload_rule(part.verdict);
    let place = if part.location.is_empty() {
        p.path.as_str()
    } else {
        part.location.as_str()
    };
    let mut message = format!("{} {} {place}", part.verdict.word(), part.format);
    if !part.reasons.is_empty() {
        message.push_str(": ");
        let shown: Vec<&str> = part
            .reasons
            .iter()
            .take(REASONS_IN_MESSAGE)
            .map(String::as_str)
            .collect();
        message.push_str(&shown.join("; "));
    }
    let mut props = Map::new();
    props.insert("format".into(), json!(part.format));
    props.insert("fileFormat".into(), json!(p.format));
    props.insert("partLocation".into(), json!(part.location));
    props.insert("reachability".into(), json!(p.reachability));
    props.insert("loadedBy".into(), json!(p.loaded_by));
    props.insert("reasons".into(), json!(part.reasons));
    if let Some(a) = &part.pickle {
        let calls: Vec<String> = a
            .calls
            .iter()
            .take(LISTED)
            .map(|c| format!("{}{}", c.callee, c.args))
            .collect();
        props.insert("calls".into(), json!(calls));
        if a.calls.len() > LISTED {
            props.insert("callsNotListed".into(), json!(a.calls.len() - LISTED));
        }
        let mut imports: Vec<String> = a
            .imports
            .iter()
            .map(|i| format!("{}.{}", i.module, i.name))
            .collect();
        imports.sort();
        imports.dedup();
        if imports.len() > LISTED {
            props.insert("importsNotListed".into(), json!(imports.len() - LISTED));
            imports.truncate(LISTED);
        }
        props.insert("imports".into(), json!(imports));
        if let Some(e) = &a.error {
            props.insert("streamError".into(), json!(e.to_string()));
        }
    }
    json!({
        "ruleId": rule.id,
        "ruleIndex": rules.index(rule.id),
        "level": level(rule.severity),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {SARIF_FINGERPRINT: p.part_fingerprint(part)},
        "properties": Value::Object(props),
    })
}

/// SHA-256 (hex) of the payload path, the part's location, its verdict and its sorted reasons,
/// each followed by a NUL byte.
/// A result location for `path` (relative to `root`, or a path of its own when `root` is
/// empty), and whether it is relative to `%SRCROOT%`.
fn physical_location(root: &str, path: &str, region: Value) -> (Value, bool) {
    let joined = join(root, path);
    let mut artifact = Map::new();
    let relative_to_srcroot = if is_absolute(&joined) {
        artifact.insert("uri".into(), json!(file_uri(&joined)));
        false
    } else {
        artifact.insert("uri".into(), json!(percent_encode(&joined)));
        if !root.is_empty() {
            artifact.insert("uriBaseId".into(), json!(SRCROOT));
            true
        } else {
            false
        }
    };
    (
        json!({
            "physicalLocation": {
                "artifactLocation": Value::Object(artifact),
                "region": region,
            }
        }),
        relative_to_srcroot,
    )
}

/// `root/path` with forward slashes, without `.` segments at the start or doubled slashes.
fn join(root: &str, path: &str) -> String {
    let root = root.replace('\\', "/");
    let path = path.replace('\\', "/");
    let mut joined = if root.is_empty() || is_absolute(&path) {
        path
    } else {
        format!("{}/{}", root.trim_end_matches('/'), path)
    };
    while joined.contains("//") {
        joined = joined.replace("//", "/");
    }
    while let Some(rest) = joined.strip_prefix("./") {
        joined = rest.to_string();
    }
    joined.replace("/./", "/")
}

fn is_absolute(path: &str) -> bool {
    path.starts_with('/') || has_drive(path)
}

/// `C:/...`
fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

fn file_uri(path: &str) -> String {
    if has_drive(path) {
        format!("file:///{}:{}", &path[..1], percent_encode(&path[2..]))
    } else {
        format!("file://{}", percent_encode(path))
    }
}

/// RFC 3986 percent-encoding of a path: unreserved characters and `/` stay, every other byte
/// of the UTF-8 encoding becomes `%XX` (a space, `%`, `#`, `?`, `:` and non-ASCII letters
/// included, so no segment can read as a scheme, query or fragment).
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_escape() {
        assert_eq!(join("examples/x/", "a b.py"), "examples/x/a b.py");
        assert_eq!(join("./repo", "./sub/m.py"), "repo/sub/m.py");
        assert_eq!(join(".", "m.py"), "m.py");
        assert_eq!(join("", "dir\\m.py"), "dir/m.py");
        assert_eq!(percent_encode("a b/c#d%e:f.py"), "a%20b/c%23d%25e%3Af.py");
        assert_eq!(percent_encode("modèle.py"), "mod%C3%A8le.py");
        assert_eq!(file_uri("/tmp/a b.pkl"), "file:///tmp/a%20b.pkl");
        assert_eq!(file_uri("C:/m/x.pkl"), "file:///C:/m/x.pkl");
    }

    #[test]
    fn absolute_paths_have_no_base() {
        let (loc, base) = physical_location("/abs/repo", "m.py", json!({"startLine": 1}));
        assert!(!base);
        let a = &loc["physicalLocation"]["artifactLocation"];
        assert_eq!(a["uri"], "file:///abs/repo/m.py");
        assert!(a.get("uriBaseId").is_none());
        let (loc, base) = physical_location("", "x/m.py", json!({"startLine": 1}));
        assert!(!base);
        assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], "x/m.py");
    }
}
