//! Payload files (pickles, checkpoints, archives) as JSON and text: the file's verdict, then
//! each judged part with its reasons, the globals it looks up and the calls it makes.

use sha2::{Digest, Sha256};
use std::fmt::Write;
use trustscan_core::Reachability;
use trustscan_payload::{Part, Report, policy::Verdict};

/// A payload file of a scanned repository or a `check` argument, judged.
pub struct PayloadFile {
    pub path: String,
    /// `runs-at-load` when a loading API of the plan deserializes it; else `not-reached`.
    pub reachability: Reachability,
    /// The loading APIs that deserialize it (empty: none does).
    pub loaded_by: Vec<String>,
    pub report: Report,
}

pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Safe => "safe",
        Verdict::Suspicious => "suspicious",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Dangerous => "dangerous",
    }
}

/// Calls listed per part in text (JSON lists them all).
const CALLS_SHOWN: usize = 20;

pub fn payload_json(p: &PayloadFile) -> serde_json::Value {
    serde_json::json!({
        "path": p.path,
        "format": p.report.format,
        "verdict": verdict_word(p.report.verdict),
        "reachability": p.reachability,
        "loaded_by": p.loaded_by,
        "parts": p.report.parts.iter().map(part_json).collect::<Vec<_>>(),
    })
}

fn part_json(part: &Part) -> serde_json::Value {
    let mut v = serde_json::json!({
        "location": part.location,
        "format": part.format,
        "verdict": verdict_word(part.verdict),
        "reasons": part.reasons,
    });
    if let Some(a) = &part.analysis {
        v["pickles"] = a.pickles.into();
        v["protocol"] = a.protocol.into();
        v["imports"] = a
            .imports
            .iter()
            .map(|i| serde_json::json!({"module": i.module, "name": i.name, "offset": i.offset}))
            .collect();
        v["calls"] = a
            .calls
            .iter()
            .map(|c| {
                serde_json::json!({
                    "callee": c.callee, "args": c.args, "opcode": c.opcode, "offset": c.offset,
                })
            })
            .collect();
        if let Some(e) = &a.error {
            v["error"] = serde_json::json!({"offset": e.offset, "reason": e.reason});
        }
    }
    v
}

/// One file: a headline, then each part that is not safe with its reasons and calls.
pub fn payload_text(out: &mut String, p: &PayloadFile, indent: &str) {
    let when = match p.reachability {
        Reachability::NotReached => String::new(),
        _ => format!(", deserialized at load by {}", p.loaded_by.join(", ")),
    };
    let _ = writeln!(
        out,
        "{indent}{} {} ({}{when})",
        verdict_word(p.report.verdict).to_uppercase(),
        p.path,
        p.report.format,
    );
    for part in p.report.parts.iter().filter(|x| x.verdict != Verdict::Safe) {
        let place = if part.location.is_empty() {
            String::new()
        } else {
            format!(" {}", part.location)
        };
        let _ = writeln!(
            out,
            "{indent}  {}{place}: {}",
            part.format,
            verdict_word(part.verdict)
        );
        for r in &part.reasons {
            let _ = writeln!(out, "{indent}    {r}");
        }
        if let Some(a) = &part.analysis {
            for c in a.calls.iter().take(CALLS_SHOWN) {
                let _ = writeln!(
                    out,
                    "{indent}    calls {}{} ({} at byte {})",
                    c.callee, c.args, c.opcode, c.offset
                );
            }
            if a.calls.len() > CALLS_SHOWN {
                let _ = writeln!(
                    out,
                    "{indent}    ... {} more calls (--format json lists them)",
                    a.calls.len() - CALLS_SHOWN
                );
            }
        }
    }
}

/// A payload file's fingerprint for baselines: its path and every part's location, verdict
/// and reasons, so an entry stops matching when the content gives other reasons.
pub fn payload_fingerprint(p: &PayloadFile) -> String {
    let mut fields = vec![p.path.as_str()];
    for part in &p.report.parts {
        fields.extend(part_fields(part));
    }
    sha256_hex(fields)
}

/// One part's fingerprint (a SARIF result per part).
pub(crate) fn part_fingerprint(p: &PayloadFile, part: &Part) -> String {
    sha256_hex(std::iter::once(p.path.as_str()).chain(part_fields(part)))
}

fn part_fields(part: &Part) -> impl Iterator<Item = &str> {
    let mut reasons: Vec<&str> = part.reasons.iter().map(String::as_str).collect();
    reasons.sort_unstable();
    [part.location.as_str(), verdict_word(part.verdict)]
        .into_iter()
        .chain(reasons)
}

fn sha256_hex<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for field in fields {
        h.update(field.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
