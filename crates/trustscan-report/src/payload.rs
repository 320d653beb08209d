//! Payload files (pickles, checkpoints, archives) as JSON and text: the file's verdict, then
//! each judged part with its reasons, the globals it looks up and the calls it makes.

use std::fmt::Write;
use trustscan_core::{Judgement, PayloadFile, Reachability};

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

/// What torch's restricted unpickler would do with a loaded file that holds pickles:
/// `torch.load(weights_only=True) refuses posix.system: ...`; `None` for other files.
pub fn weights_only_line(p: &PayloadFile) -> Option<String> {
    let refused = p.weights_only_refuses.as_ref()?;
    if p.reachability == Reachability::NotReached {
        return None;
    }
    Some(if refused.is_empty() {
        "torch.load(weights_only=True) would load it: every global it names is on torch's \
         allowlist"
            .to_string()
    } else {
        let mut names = refused
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if refused.len() > 3 {
            names += &format!(" and {} more", refused.len() - 3);
        }
        let them = if refused.len() == 1 { "it" } else { "them" };
        format!(
            "torch.load(weights_only=True) refuses {names} (off torch's allowlist): loaded that \
             way it fails instead of calling {them}; a full unpickler (weights_only=False) \
             calls {them}"
        )
    })
}
