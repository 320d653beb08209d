//! Payload files (pickles, checkpoints, archives) as JSON and text: the file's verdict, then
//! each judged part with its reasons, the globals it looks up and the calls it makes.

use sha2::{Digest, Sha256};
use std::fmt::Write;
use trustscan_core::{Judgement, PayloadFile, PayloadPart, Reachability};

/// Calls listed per part in text (JSON lists them all).
const CALLS_SHOWN: usize = 20;

/// One file: a headline, then each part that is not safe with its reasons and calls.
pub fn payload_text(out: &mut String, p: &PayloadFile, indent: &str) {
    let when = match p.reachability {
        Reachability::NotReached => String::new(),
        _ => format!(", deserialized at load by {}", p.loaded_by.join(", ")),
    };
    let _ = writeln!(
        out,
        "{indent}{} {} ({}{when})",
        p.verdict.word().to_uppercase(),
        p.path,
        p.format,
    );
    for part in p.parts.iter().filter(|x| x.verdict != Judgement::Safe) {
        let place = if part.location.is_empty() {
            String::new()
        } else {
            format!(" {}", part.location)
        };
        let _ = writeln!(
            out,
            "{indent}  {}{place}: {}",
            part.format,
            part.verdict.word()
        );
        for r in &part.reasons {
            let _ = writeln!(out, "{indent}    {r}");
        }
        if let Some(a) = &part.pickle {
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
    for part in &p.parts {
        fields.extend(part_fields(part));
    }
    sha256_hex(fields)
}

/// One part's fingerprint (a SARIF result per part).
pub(crate) fn part_fingerprint(p: &PayloadFile, part: &PayloadPart) -> String {
    sha256_hex(std::iter::once(p.path.as_str()).chain(part_fields(part)))
}

fn part_fields(part: &PayloadPart) -> impl Iterator<Item = &str> {
    let mut reasons: Vec<&str> = part.reasons.iter().map(String::as_str).collect();
    reasons.sort_unstable();
    [part.location.as_str(), part.verdict.word()]
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
