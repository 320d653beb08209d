//! Signature matches (YARA-X) as findings: over the repository's Python files, its chat
//! templates and its pickle-based payload files. A match becomes a finding of its rule
//! (`TS_Obf_ExecOfDecodedData`, ...) at the line of its offset, running at load when the file runs or is
//! deserialized at load, so it weighs in the verdict, the reports and gating like the rest.

use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use trustscan_core::PayloadReport;
use trustscan_core::{Finding, Level, LoadPlan, Location, Reachability};
use trustscan_signatures::{Match, Signatures};

/// Files above this size are not scanned for signatures (weights; the payload scanner has
/// already read their pickles).
const MAX_BYTES: usize = 256 << 20;

/// The signature scan of a snapshot's files, run on the bytes the payload scanner reads
/// ([`crate::payloads::scan`]): Python files and chat templates, and files holding pickles.
pub struct FileScan<'a> {
    sigs: &'a Signatures,
    executed: BTreeSet<&'a str>,
}

impl<'a> FileScan<'a> {
    pub fn new(sigs: &'a Signatures, plan: &'a LoadPlan) -> FileScan<'a> {
        FileScan {
            sigs,
            executed: plan.apis.iter().flat_map(|a| a.executed_files()).collect(),
        }
    }

    /// Findings for every match in one file (`loaded`: a loading API deserializes it).
    pub fn findings(
        &self,
        path: &str,
        bytes: &[u8],
        report: &PayloadReport,
        loaded: bool,
    ) -> Vec<Finding> {
        let Some(reach) = self.wanted(path, bytes.len(), report, loaded) else {
            return Vec::new();
        };
        match self.sigs.try_scan(bytes) {
            Ok(matches) => matches
                .into_iter()
                .map(|m| finding(path, bytes, &m, reach))
                .collect(),
            // A scan that ran out of time is not a clean file.
            Err(e) => vec![unfinished(path, &e, reach)],
        }
    }

    /// What a scan of the file that failed with an internal error reports.
    pub fn failed(&self, path: &str, report: &PayloadReport, loaded: bool) -> Vec<Finding> {
        self.wanted(path, 0, report, loaded)
            .map(|reach| unfinished(path, "internal error", reach))
            .into_iter()
            .collect()
    }

    /// Whether the file is worth scanning, and if so when its content is reached: at load
    /// when the plan executes it, or deserializes the pickles it holds.
    fn wanted(
        &self,
        path: &str,
        len: usize,
        report: &PayloadReport,
        loaded: bool,
    ) -> Option<Reachability> {
        let pickled = (loaded || report.is_payload())
            && report.parts.iter().any(|part| part.pickle.is_some());
        if len > MAX_BYTES || !(is_code_or_template(path) || pickled) {
            return None;
        }
        Some(if self.executed.contains(path) || (pickled && loaded) {
            Reachability::RunsAtLoad
        } else {
            Reachability::NotReached
        })
    }
}

/// A low finding saying the file's signature scan did not finish (e.g. its time ran out).
fn unfinished(path: &str, error: &str, reachability: Reachability) -> Finding {
    Finding {
        rule: "TS_SignatureScanIncomplete".into(),
        name: "yara-incomplete".into(),
        cwe: 693,
        severity: Level::Low,
        confidence: Level::High,
        location: Location {
            file: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            context: [1, 1],
        },
        scope: "<file>".into(),
        snippet: String::new(),
        message: format!("the signature scan did not finish: {error}"),
        reachability,
        evidence: Vec::new(),
        fingerprint: format!("incomplete:{path}"),
    }
}

fn is_code_or_template(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".py")
        || name.ends_with(".pyw")
        || name.ends_with(".jinja")
        || name == "tokenizer_config.json"
        || name == "chat_template.json"
}

/// CWE by the rule's category.
fn cwe(category: &str) -> u32 {
    match category {
        "reverse-shell" => 78,
        "download-exec" => 494,
        "miner" => 400,
        "exfiltration" => 200,
        "obfuscated-exec" => 95,
        _ => 506, // known malicious: embedded malicious code
    }
}

fn finding(path: &str, bytes: &[u8], m: &Match, reachability: Reachability) -> Finding {
    // A pattern may start at the separator before the indicator (a newline, a quote): point
    // at the indicator itself.
    let mut at = m.offset.min(bytes.len());
    let limit = (at + 8).min(bytes.len());
    while at < limit && !(bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
        at += 1;
    }
    if at == limit {
        at = m.offset.min(bytes.len());
    }
    let before = &bytes[..at];
    let line = memchr::memchr_iter(b'\n', before).count() as u32 + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    // The line as the snippet, as for the other findings (binary files: the excerpt).
    let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
    let text = &bytes[line_start..line_end];
    let snippet = match std::str::from_utf8(text) {
        Ok(t) if t.len() <= 300 => t.trim().to_string(),
        _ => m.excerpt.clone(),
    };
    let rule = m.rule.clone();
    let mut h = Sha256::new();
    for part in [rule.as_str(), path, m.excerpt.as_str()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let fingerprint = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    Finding {
        rule,
        name: format!("yara-{}", m.category),
        cwe: cwe(&m.category),
        severity: m.severity,
        confidence: Level::High,
        location: Location {
            file: path.to_string(),
            line,
            column,
            end_line: line,
            end_column: column,
            context: [line, line],
        },
        scope: "<file>".into(),
        snippet,
        message: format!("signature {} ({}): {}", m.rule, m.category, m.description),
        reachability,
        evidence: Vec::new(),
        fingerprint,
    }
}
