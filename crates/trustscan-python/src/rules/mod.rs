//! The rule set. Each rule lives in its own file: a [`rule!`] declaration (its doc comment,
//! ID, name, CWE, default severity and confidence, an example) and one check function.
//! Bandit-compatible rules keep Bandit's IDs and live under `bandit/`, by ID (see
//! `bandit/mod.rs`); trustscan's own model-loading rules live under `ts/`.
//! Rules do not walk the tree: the walker hands each of them the nodes of the kinds it
//! subscribes to.

use crate::walk::{Ctx, Kind};
use std::collections::HashMap;
use trustscan_core::{Level, RuleInfo};

pub mod options;

mod bandit;
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
    /// Why what it reports matters (shown by `trustscan rules <ID>` and in SARIF): for a
    /// [`rule!`], the "Why is this bad?" section of its doc comment.
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

/// What a [`rule!`] declaration gives a rule (table-driven rules write it by hand).
pub trait Declared {
    fn meta(&self) -> &'static Meta;
    /// The node kinds the rule looks at.
    fn kinds(&self) -> &'static [Kind];
}

pub trait Rule: Declared + Send + Sync {
    /// Every ID the rule reports under (a table-driven rule has several).
    fn metas(&self) -> Vec<&'static Meta> {
        vec![self.meta()]
    }
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

/// Declares a rule's unit struct with its doc comment, its `static META` and its
/// [`Declared`] impl. The rationale is the doc comment's `## Why is this bad?` section, taken
/// at compile time (a rule without one does not compile), as one plain-text paragraph.
macro_rules! rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $rule:ident {
            id: $id:literal,
            name: $name:literal,
            cwe: $cwe:literal,
            severity: $severity:ident,
            confidence: $confidence:ident,
            kinds: [$($kind:ident),+ $(,)?],
            example: $example:expr $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $rule;

        static META: $crate::rules::Meta = $crate::rules::Meta {
            id: $id,
            name: $name,
            cwe: $cwe,
            severity: trustscan_core::Level::$severity,
            confidence: trustscan_core::Level::$confidence,
            rationale: {
                const DOC: &str = concat!($($doc, "\n"),*);
                static WHY: ([u8; DOC.len()], usize) =
                    $crate::rules::doc_section(DOC, "## Why is this bad?");
                $crate::rules::section_text(&WHY)
            },
            example: $example,
        };

        impl $crate::rules::Declared for $rule {
            fn meta(&self) -> &'static $crate::rules::Meta {
                &META
            }

            fn kinds(&self) -> &'static [$crate::walk::Kind] {
                &[$($crate::walk::Kind::$kind),+]
            }
        }
    };
}
pub(crate) use rule;

/// The section of a doc comment under `heading`, up to the next `##` heading, as one
/// paragraph: white space squeezed to single spaces, Markdown backticks dropped. Runs at
/// compile time; `N` is at least the doc's length.
pub const fn doc_section<const N: usize>(doc: &str, heading: &str) -> ([u8; N], usize) {
    let (doc, heading) = (doc.as_bytes(), heading.as_bytes());
    let mut i = 0;
    loop {
        if i + heading.len() > doc.len() {
            panic!("a rule's doc comment lacks its `## Why is this bad?` section");
        }
        let mut j = 0;
        while j < heading.len() && doc[i + j] == heading[j] {
            j += 1;
        }
        if j == heading.len() {
            break;
        }
        i += 1;
    }
    i += heading.len();
    let (mut out, mut len, mut space) = ([0u8; N], 0, false);
    while i < doc.len() {
        let c = doc[i];
        if c == b'#' && i + 1 < doc.len() && doc[i + 1] == b'#' && at_line_start(doc, i) {
            break;
        }
        if c == b' ' || c == b'\n' {
            space = len > 0;
        } else if c != b'`' {
            if space {
                out[len] = b' ';
                len += 1;
                space = false;
            }
            out[len] = c;
            len += 1;
        }
        i += 1;
    }
    (out, len)
}

/// Whether only spaces stand between the line's start and byte `i`.
const fn at_line_start(doc: &[u8], mut i: usize) -> bool {
    while i > 0 {
        i -= 1;
        match doc[i] {
            b' ' => {}
            b'\n' => return true,
            _ => return false,
        }
    }
    true
}

/// The text [`doc_section`] kept.
pub const fn section_text<const N: usize>(section: &'static ([u8; N], usize)) -> &'static str {
    match std::str::from_utf8(section.0.split_at(section.1).0) {
        Ok(text) => text,
        Err(_) => panic!("a doc section cut inside a character"),
    }
}

/// Every rule, in ID order.
pub fn all() -> Vec<Box<dyn Rule>> {
    let mut rules = bandit::rules();
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

#[cfg(test)]
mod tests {
    use super::{doc_section, section_text};

    #[test]
    fn the_rationale_is_the_why_section_as_one_plain_paragraph() {
        const DOC: &str = " Title.\n\n ## Why is this bad?\n Calling `eval` on\n input runs it.\n\
                           \n ## Example\n eval(x)\n";
        static WHY: ([u8; DOC.len()], usize) = doc_section(DOC, "## Why is this bad?");
        assert_eq!(section_text(&WHY), "Calling eval on input runs it.");
    }

    #[test]
    fn every_rule_has_a_rationale() {
        for rule in super::all() {
            let m = rule.meta();
            assert!(
                m.rationale.len() > 40 && !m.rationale.contains(['`', '\n']),
                "{}: {:?}",
                m.id,
                m.rationale
            );
        }
    }
}
