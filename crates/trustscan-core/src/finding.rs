//! Findings: what a rule reports about code or data, where, how sure, and whether it runs
//! when the model is loaded.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Bandit's three levels (severity and confidence share them).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        })
    }
}

/// A rule's fixed description.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleInfo {
    /// `B101`, `TS101`, ...
    pub id: String,
    /// `assert_used`, ...
    pub name: String,
    pub cwe: u32,
    pub severity: Level,
    pub confidence: Level,
    /// One paragraph: why this matters.
    pub rationale: String,
}

/// Where a finding is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// First and last line of the code the finding is attributed to (Bandit's
    /// `line_range`: a whole multi-line call, a string's statement).
    pub context: [u32; 2],
}

/// Whether the code of a finding runs when the model is loaded.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Reachability {
    /// At module top level, in a class body, a decorator or a default argument of a file
    /// that executes at load.
    RunsAtLoad,
    /// Called, directly or transitively, from what the loader calls.
    ReachableFromLoad,
    /// Neither (or the file does not execute at load).
    NotReached,
}

/// One finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub cwe: u32,
    pub severity: Level,
    pub confidence: Level,
    pub location: Location,
    /// The function the code runs in, named like Python's `__qualname__`
    /// (`XModel.__init__`, `load.<locals>.inner`), or `<module>` for a module's top level,
    /// class bodies, decorators and default arguments.
    pub scope: String,
    pub snippet: String,
    pub message: String,
    pub reachability: Reachability,
    /// The path that makes it reachable: `modeling_x.py:XModel.__init__ -> helpers.py:load`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub evidence: Vec<String>,
    /// Stable across runs and line shifts: rule, file, enclosing scope and normalised code.
    pub fingerprint: String,
}

/// The Python analysis of a repository's code, attached to a scan.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CodeReport {
    /// Python files analysed (every `.py` of the repository, executed at load or not).
    pub files_analyzed: usize,
    /// Execution scopes (functions and module top levels) in the call graph, and the edges
    /// resolved (out of the scopes a load reaches, and from the by-name hubs).
    pub call_graph: GraphStats,
    /// Every finding, strongest reachability first, then by severity.
    pub findings: Vec<Finding>,
    /// Files that could not be analysed fully, and why.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<crate::Note>,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct GraphStats {
    pub scopes: usize,
    pub edges: usize,
}

impl CodeReport {
    /// Findings whose code runs or is called when the model loads.
    pub fn reached(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.reachability != Reachability::NotReached)
    }
}
