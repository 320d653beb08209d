//! `check`'s results (Python files named directly, and payload files judged by content) as
//! text, one line per finding like `bandit`, and as a `trustscan.check/1` JSON document.

use crate::{paint_level, payload_text};
use std::fmt::Write;
use trustscan_core::{CheckedFile, Judgement, PayloadFile};

/// Findings, then notes, per file; then the payload files; then a count.
pub fn render_check_text(files: &[CheckedFile], payloads: &[PayloadFile], color: bool) -> String {
    let mut s = String::new();
    for file in files {
        let path = &file.path;
        for f in &file.findings {
            let _ = write!(
                s,
                "{}:{}:{}: {} {} [{} severity, {} confidence, CWE-{}] {}\n    {}\n",
                path,
                f.location.line,
                f.location.column,
                f.rule,
                f.name,
                paint_level(f.severity, color),
                f.confidence,
                f.cwe,
                f.message,
                f.snippet.trim()
            );
        }
        for n in &file.notes {
            let _ = writeln!(s, "{path}: note: {n}");
        }
    }
    for p in payloads {
        payload_text(&mut s, p, "");
    }
    let _ = writeln!(
        s,
        "{} findings in {} files",
        check_total(files, payloads),
        files.len() + payloads.len()
    );
    s
}

/// Findings, plus payload files that are suspicious or dangerous.
pub fn check_total(files: &[CheckedFile], payloads: &[PayloadFile]) -> usize {
    files.iter().map(|f| f.findings.len()).sum::<usize>()
        + payloads
            .iter()
            .filter(|p| matches!(p.verdict, Judgement::Suspicious | Judgement::Dangerous))
            .count()
}

/// One `trustscan.check/1` document.
pub fn render_check_json(files: &[CheckedFile], payloads: &[PayloadFile]) -> String {
    let doc = serde_json::json!({
        "schema": "trustscan.check/1",
        "files": files,
        "payloads": payloads,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
