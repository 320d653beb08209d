//! What the user's configuration drops, re-rates or suppresses: rule selection and ignores,
//! severity overrides, excluded paths, and the fingerprints a baseline records. Applied before
//! the verdict is decided, so the verdict is the one of what is reported.

use std::collections::{BTreeMap, BTreeSet};
use trustscan_core::{Finding, Level, PayloadFile};

#[derive(Clone, Debug, Default)]
pub struct Filters {
    /// Keep only findings whose rule ID starts with one of these (`B6`, `TS1`, `TS_`).
    pub select: Vec<String>,
    /// Drop findings whose rule ID starts with one of these.
    pub ignore: Vec<String>,
    /// Rule ID -> severity.
    pub severity: BTreeMap<String, Level>,
    /// fnmatch patterns: findings and payload files whose path or file name matches are
    /// dropped.
    pub exclude: Vec<String>,
    /// Fingerprints of findings and payload files to suppress (a baseline's).
    pub suppressed: BTreeSet<String>,
}

impl Filters {
    /// Whether results at `path` are kept by `exclude`.
    pub fn included(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        !self
            .exclude
            .iter()
            .any(|g| trustscan_python::fnmatch(g, path) || trustscan_python::fnmatch(g, name))
    }

    /// Apply rule selection, ignores, severity overrides and excludes to findings.
    pub fn findings(&self, findings: &mut Vec<Finding>) {
        let has = |list: &[String], rule: &str| list.iter().any(|p| rule.starts_with(p.as_str()));
        findings.retain(|f| {
            (self.select.is_empty() || has(&self.select, &f.rule))
                && !has(&self.ignore, &f.rule)
                && self.included(&f.location.file)
        });
        for f in findings.iter_mut() {
            if let Some(s) = self.severity.get(&f.rule) {
                f.severity = *s;
            }
        }
    }

    /// Drop what the suppressed fingerprints record; how many that was.
    pub fn suppress(&self, findings: &mut Vec<Finding>, payloads: &mut Vec<PayloadFile>) -> usize {
        if self.suppressed.is_empty() {
            return 0;
        }
        let before = findings.len() + payloads.len();
        findings.retain(|f| !self.suppressed.contains(&f.fingerprint));
        payloads.retain(|p| !self.suppressed.contains(&p.fingerprint()));
        before - findings.len() - payloads.len()
    }

    /// Everything above on one scan's results; how many were suppressed.
    pub fn apply(
        &self,
        findings: Option<&mut Vec<Finding>>,
        payloads: &mut Vec<PayloadFile>,
    ) -> usize {
        let mut none = Vec::new();
        let findings = findings.unwrap_or(&mut none);
        self.findings(findings);
        payloads.retain(|p| self.included(&p.path));
        self.suppress(findings, payloads)
    }
}
