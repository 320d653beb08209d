//! Signature matches (YARA-X) as findings: over the repository's Python files, its chat
//! templates and its pickle-based payload files. A match becomes a finding of its rule
//! (`TS_Obf_ExecOfDecodedData`, ...) at the line of its offset; its reachability is assigned
//! with every other result's (`reach`), so it weighs in the verdict, the reports and gating
//! like the rest.

use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use trustscan_core::payload::{hex, sha256_of_fields};
use trustscan_core::{Finding, Level, Location, PayloadReport, Reachability};
use trustscan_signatures::{Match, Signatures};

/// A signature set, or the thread loading it.
pub struct PendingSignatures {
    compiling: Mutex<Option<JoinHandle<Result<Signatures, String>>>>,
    compiled: OnceLock<Result<Signatures, String>>,
}

impl PendingSignatures {
    pub fn ready(signatures: Signatures) -> PendingSignatures {
        PendingSignatures {
            compiling: Mutex::new(None),
            compiled: OnceLock::from(Ok(signatures)),
        }
    }

    /// Load or compile on a background thread; [`PendingSignatures::get`] waits for it.
    pub fn spawn(
        compile: impl FnOnce() -> Result<Signatures, String> + Send + 'static,
    ) -> PendingSignatures {
        PendingSignatures {
            compiling: Mutex::new(Some(std::thread::spawn(compile))),
            compiled: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Result<&Signatures, String> {
        self.compiled
            .get_or_init(|| {
                let handle = self
                    .compiling
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                match handle.map(JoinHandle::join) {
                    Some(Ok(compiled)) => compiled,
                    Some(Err(_)) => Err("compiling the signatures failed".into()),
                    None => Err("the signatures were not compiled".into()),
                }
            })
            .as_ref()
            .map_err(String::clone)
    }
}

/// The rule of the finding that says a file's signature scan did not finish.
pub const SIGNATURE_SCAN_INCOMPLETE: &str = "TS_SignatureScanIncomplete";

/// Files above this size are not scanned for signatures (weights; the payload scanner has
/// already read their pickles).
const MAX_BYTES: usize = 256 << 20;

/// The signature scan of a snapshot's files, run on the bytes the payload scanner reads
/// ([`crate::payloads::scan`]): Python files and chat templates, and files holding pickles.
pub struct FileScan<'a> {
    sigs: &'a Signatures,
}

impl<'a> FileScan<'a> {
    pub fn new(sigs: &'a Signatures) -> FileScan<'a> {
        FileScan { sigs }
    }

    /// Findings for every match in one file (`loaded`: a loading API deserializes it).
    pub fn findings(
        &self,
        path: &str,
        bytes: &[u8],
        report: &PayloadReport,
        loaded: bool,
    ) -> Vec<Finding> {
        if !wanted(path, bytes.len(), report, loaded) {
            return Vec::new();
        }
        match self.sigs.try_scan(bytes) {
            Ok(matches) => matches
                .into_iter()
                .map(|m| finding(path, bytes, &m))
                .collect(),
            // A scan that ran out of time is not a clean file.
            Err(e) => vec![unfinished(path, &e)],
        }
    }

    /// What a scan of the file that failed with an internal error reports.
    pub fn failed(&self, path: &str, report: &PayloadReport, loaded: bool) -> Vec<Finding> {
        if wanted(path, 0, report, loaded) {
            vec![unfinished(path, "internal error")]
        } else {
            Vec::new()
        }
    }
}

/// Whether a file is worth scanning: code and templates, and files holding pickles that a
/// loader deserializes or whose content is a payload format.
fn wanted(path: &str, len: usize, report: &PayloadReport, loaded: bool) -> bool {
    let pickled =
        (loaded || report.is_payload()) && report.parts.iter().any(|part| part.pickle.is_some());
    len <= MAX_BYTES && (is_code_or_template(path) || pickled)
}

/// A low finding saying the file's signature scan did not finish (e.g. its time ran out).
fn unfinished(path: &str, error: &str) -> Finding {
    Finding {
        rule: SIGNATURE_SCAN_INCOMPLETE.into(),
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
        // Assigned with every other result's (`reach`).
        reachability: Reachability::NotReached,
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

fn finding(path: &str, bytes: &[u8], m: &Match) -> Finding {
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
    let fingerprint = hex(&sha256_of_fields([rule.as_str(), path, m.excerpt.as_str()])[..16]);
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
        // Assigned with every other result's (`reach`).
        reachability: Reachability::NotReached,
        evidence: Vec::new(),
        fingerprint,
    }
}
