//! Payload analysis: what deserializing a file would import and call, decided without
//! deserializing it. This first part models pickle (protocols 0-5) at the opcode level and
//! judges streams with an allowlist-first policy; containers, formats and the CLI come next
//! (README, "Layout").

pub mod gguf;
pub mod keras;
pub mod npy;
pub mod onnx;
pub mod pickle;
pub mod policy;
pub mod safetensors;
pub mod template;
pub mod zip;

use policy::Verdict;

/// What a format reader found in one file (or archive member) before its pickles are
/// analysed: format-level findings (a Lambda layer, a template that escapes its sandbox, a
/// header that lies about its offsets) and where embedded pickle streams are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// Short format name: `npy`, `safetensors`, `gguf`, ...
    pub format: &'static str,
    /// The verdict of the format-level findings alone (`Safe` when there are none).
    pub verdict: Verdict,
    /// Why, most serious first.
    pub reasons: Vec<String>,
    /// Embedded pickle streams, as (what holds it, byte range in the data inspected).
    pub pickles: Vec<(String, std::ops::Range<usize>)>,
}

impl Inspection {
    pub fn new(format: &'static str) -> Inspection {
        Inspection {
            format,
            verdict: Verdict::Safe,
            reasons: Vec::new(),
            pickles: Vec::new(),
        }
    }

    /// Record a finding, raising the verdict to at least `v`.
    pub fn flag(&mut self, v: Verdict, reason: impl Into<String>) {
        self.verdict = self.verdict.max(v);
        self.reasons.push(reason.into());
    }
}

/// Every pickle in a file: the file itself, or each pickle entry of a zip archive (PyTorch's
/// format), as (entry name or empty, analysis). `Err` when an archive cannot be read.
pub fn pickles_in(
    data: &[u8],
    budget: &pickle::Budget,
) -> Result<Vec<(String, pickle::Analysis)>, String> {
    if !data.starts_with(b"PK\x03\x04") {
        return Ok(vec![(String::new(), pickle::analyze(data, budget))]);
    }
    let entries = zip::entries(data)?;
    zip::pickle_entries(&entries)
        .into_iter()
        .map(|e| Ok((e.name.clone(), pickle::analyze(zip::read(data, e)?, budget))))
        .collect()
}
