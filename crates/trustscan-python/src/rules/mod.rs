//! The rule set. Each rule lives in its own file with its ID, name, CWE, default severity and
//! confidence, a rationale, and one check function; Bandit-compatible rules keep Bandit's IDs.
//! Rules do not walk the tree: the walker hands each of them the nodes of the kinds it
//! subscribes to.

use crate::walk::{Ctx, Kind};
use std::collections::HashMap;
use trustscan_core::{Level, RuleInfo};

pub mod blacklist;
pub mod options;

mod b101_assert_used;
mod b102_exec_used;
mod crypto;
mod injection;
mod misc;
mod ts;

/// The findings of the given rules alone on `src` (rule unit tests).
#[cfg(test)]
pub(crate) fn findings_of(rules: &[&str], src: &str) -> Vec<trustscan_core::Finding> {
    let engine = crate::Engine::new(crate::Options {
        select: Some(rules.iter().map(|r| r.to_string()).collect()),
        ..Default::default()
    });
    engine.check("x.py", src.as_bytes().to_vec()).findings
}

pub use options::Options;

/// What a rule reports about one node.
#[derive(Clone, Debug)]
pub struct Issue {
    pub severity: Level,
    pub confidence: Level,
    pub message: String,
    /// Overrides the node's line (some rules point at an argument).
    pub line: Option<u32>,
    /// Overrides the rule's ID (blacklist entries share one rule body).
    pub id: Option<&'static str>,
}

impl Issue {
    pub fn new(severity: Level, confidence: Level, message: impl Into<String>) -> Issue {
        Issue {
            severity,
            confidence,
            message: message.into(),
            line: None,
            id: None,
        }
    }
}

/// A rule's fixed description, as `const` data.
pub struct Meta {
    pub id: &'static str,
    pub name: &'static str,
    pub cwe: u32,
    pub severity: Level,
    pub confidence: Level,
    /// What it does and why it matters (shown by `trustscan rules <ID>`).
    pub rationale: &'static str,
    /// A short example of code it reports.
    pub example: &'static str,
}

impl Meta {
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.into(),
            name: self.name.into(),
            cwe: self.cwe,
            severity: self.severity,
            confidence: self.confidence,
            rationale: self.rationale.into(),
        }
    }

    /// An issue at this rule's default severity and confidence.
    pub fn issue(&self, message: impl Into<String>) -> Issue {
        Issue::new(self.severity, self.confidence, message)
    }
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static Meta;
    /// Every ID the rule reports under (a table-driven rule has several).
    fn metas(&self) -> Vec<&'static Meta> {
        vec![self.meta()]
    }
    /// The node kinds the rule looks at.
    fn kinds(&self) -> &'static [Kind];
    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue>;
    /// For rules that report only on calls with certain last names (`Ctx::name`, the name
    /// resolved through import aliases: `run` for `subprocess.run`): those names. The engine
    /// then skips the rule on other calls. `None` (the default): every call is checked.
    fn call_names(&self) -> Option<Vec<&'static str>> {
        None
    }
    /// Like `call_names`, for method calls only (`x.name(...)`, named by the attribute however
    /// `x` resolves): for rules that follow other calls through assignments.
    fn method_names(&self) -> Option<Vec<&'static str>> {
        None
    }
}

/// Every rule, in ID order.
pub fn all() -> Vec<Box<dyn Rule>> {
    let mut rules: Vec<Box<dyn Rule>> = vec![
        Box::new(b101_assert_used::AssertUsed),
        Box::new(b102_exec_used::ExecUsed),
    ];
    rules.extend(blacklist::rules());
    rules.extend(injection::rules());
    rules.extend(crypto::rules());
    rules.extend(misc::rules());
    rules.extend(ts::rules());
    rules.sort_by_key(|r| r.meta().id);
    rules
}

/// Every rule ID and name, for `# nosec` comments that name tests.
pub fn id_lookup(rules: &[Box<dyn Rule>]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for m in rules.iter().flat_map(|r| r.metas()) {
        map.insert(m.id.to_string(), m.id.to_string());
        map.insert(m.name.to_string(), m.id.to_string());
    }
    map
}

/// A list of names tested in constant time: rules test every call of every file against
/// lists that run to a hundred names.
pub struct Names {
    list: &'static [&'static str],
    set: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>>,
}

impl Names {
    pub const fn new(list: &'static [&'static str]) -> Names {
        Names {
            list,
            set: std::sync::OnceLock::new(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.set
            .get_or_init(|| self.list.iter().copied().collect())
            .contains(name)
    }

    /// The last parts of the listed names, for [`Rule::call_names`].
    pub fn last_parts(&self) -> Vec<&'static str> {
        last_parts(self.list.iter().copied())
    }
}

/// The last parts of dotted names (`run` for `subprocess.run`), sorted, without repeats.
pub fn last_parts(names: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    let mut parts: Vec<&'static str> = names
        .into_iter()
        .map(|n| n.rsplit('.').next().unwrap_or(n))
        .collect();
    parts.sort_unstable();
    parts.dedup();
    parts
}
