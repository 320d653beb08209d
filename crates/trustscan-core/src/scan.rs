//! What one audit returns: a target's load plan, the findings in its code, its payload files
//! and the verdict with the reason that decided it; and what `check` returns for files named
//! directly. Renderers turn these into text, JSON, SARIF, Markdown and HTML.

use crate::{CodeReport, Finding, LoadPlan, PayloadFile, StepKind, Verdict};
use serde::{Deserialize, Serialize};

/// One target's audit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Scan {
    pub plan: LoadPlan,
    /// The Python analysis (`None` when only the plan was asked for).
    pub code: Option<CodeReport>,
    /// Every payload file of the repository (a pickle, a checkpoint, an archive, ...), judged.
    pub payloads: Vec<PayloadFile>,
    pub verdict: Verdict,
    /// What decided the verdict: a finding, a payload, or the plan's reasons.
    pub reason: String,
    /// Code loading runs that is no installed library's: repository files executed,
    /// packages installed, code fetched from other repositories (what `--fail-on-code`
    /// gates, and a baseline can allow by fingerprint).
    #[serde(default)]
    pub code_at_load: Vec<CodeAtLoad>,
    /// Findings and payload files left out because a baseline records them.
    #[serde(default)]
    pub suppressed: usize,
    /// Files loading needs that a partly downloaded cache snapshot lacks: the verdict is
    /// inconclusive, and no gate passes it.
    #[serde(default)]
    pub not_downloaded: Vec<String>,
}

/// One piece of code that loading runs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeAtLoad {
    /// `execute-file`, `install-package` or `fetch-repository`.
    pub kind: StepKind,
    /// The file, requirement or repository, as the plan names it.
    pub subject: String,
    /// SHA-256 of an executed repository file's content; for what is installed or fetched, of
    /// the kind and the subject. A baseline records it to allow this code.
    pub fingerprint: String,
}

impl Scan {
    /// Every finding of the scan's code (none without an analysis).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.code.iter().flat_map(|c| c.findings.iter())
    }
}

/// One Python file `check` analysed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CheckedFile {
    pub path: String,
    pub findings: Vec<Finding>,
    /// Why the file could not be analysed fully (parse errors, limits).
    pub notes: Vec<String>,
    /// Issues silenced by a bare `# nosec` (counted only when nosec is honoured).
    pub nosec: usize,
    /// Issues silenced by a `# nosec` naming their test.
    pub skipped_tests: usize,
}
