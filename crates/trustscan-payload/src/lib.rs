//! Payload analysis: what deserializing a file would import and call, decided without
//! deserializing it. `inspect` sniffs any file by content, opens containers and compression
//! wrappers within budgets, models every pickle stream at the opcode level (`pickle`) and
//! judges it with an allowlist-first policy (`policy`).

pub mod compress;
pub mod gguf;
pub mod h5;
pub mod inspect;
pub mod keras;
pub mod npy;
pub mod onnx;
pub mod pickle;
pub mod policy;
pub mod safetensors;
pub mod sevenz;
pub mod sniff;
pub mod tar;
pub mod template;
pub mod torch_legacy;
pub mod yaml;
pub mod zip;

pub use inspect::{Options, inspect, inspect_file, inspect_partial};

use trustscan_core::Judgement;

/// What a format reader found in one file (or archive member) before its pickles are
/// analysed: format-level findings (a Lambda layer, a template that escapes its sandbox, a
/// header that lies about its offsets) and where embedded pickle streams are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// Short format name: `npy`, `safetensors`, `gguf`, ...
    pub format: &'static str,
    /// The verdict of the format-level findings alone (`Safe` when there are none).
    pub verdict: Judgement,
    /// Why, most serious first.
    pub reasons: Vec<String>,
    /// Embedded pickle streams, as (what holds it, byte range in the data inspected).
    pub pickles: Vec<(String, std::ops::Range<usize>)>,
}

impl Inspection {
    pub fn new(format: &'static str) -> Inspection {
        Inspection {
            format,
            verdict: Judgement::Safe,
            reasons: Vec::new(),
            pickles: Vec::new(),
        }
    }

    /// Record a finding, raising the verdict to at least `v`.
    pub fn flag(&mut self, v: Judgement, reason: impl Into<String>) {
        self.verdict = self.verdict.max(v);
        self.reasons.push(reason.into());
    }

    /// Record findings most serious first, each reason once; a hostile file can produce
    /// thousands, so at most 64 are kept, then a count.
    pub fn flag_all(&mut self, mut found: Vec<(Judgement, String)>) {
        const MAX_REASONS: usize = 64;
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut more = 0;
        for (v, r) in found {
            if self.reasons.contains(&r) {
                continue;
            }
            if self.reasons.len() >= MAX_REASONS {
                self.verdict = self.verdict.max(v);
                more += 1;
            } else {
                self.flag(v, r);
            }
        }
        if more > 0 {
            self.reasons.push(format!("... and {more} more findings"));
        }
    }
}
