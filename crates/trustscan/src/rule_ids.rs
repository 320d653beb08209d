//! Rule IDs named by the user (`--select`, `--ignore`, the configuration's `select` and
//! `ignore`) are checked against every ID trustscan reports: an ID that matches nothing would
//! otherwise select nothing, and a gate would pass silently.

use std::collections::BTreeSet;

/// Every rule ID trustscan can report.
pub struct KnownIds(BTreeSet<String>);

impl KnownIds {
    /// The Python rules, the signatures (the bundled pack and `user`'s, when given) and the
    /// signature scan's own finding.
    pub fn new(user: Option<&trustscan_signatures::Signatures>) -> Result<KnownIds, String> {
        let mut ids: BTreeSet<String> = trustscan_python::Engine::new(Default::default())
            .metas()
            .iter()
            .map(|m| m.id.to_string())
            .collect();
        let bundled =
            trustscan_signatures::Signatures::bundled().map_err(|e| format!("signatures: {e}"))?;
        for sigs in std::iter::once(&bundled).chain(user) {
            ids.extend(sigs.rules().into_iter().map(|r| r.rule));
        }
        ids.insert(trustscan_audit::SIGNATURE_SCAN_INCOMPLETE.to_string());
        Ok(KnownIds(ids))
    }

    /// `Err` naming the first entry of `list` that no ID starts with (`what`: where it came
    /// from).
    pub fn check_prefixes(&self, what: &str, list: &[String]) -> Result<(), String> {
        match list
            .iter()
            .find(|p| !self.0.iter().any(|id| id.starts_with(p.as_str())))
        {
            Some(p) => Err(format!(
                "{what}: no rule ID starts with {p:?}; IDs start with {} (`trustscan rules` \
                 lists them)",
                self.families().join(", ")
            )),
            None => Ok(()),
        }
    }

    /// `Err` naming the first entry of `list` that is no rule ID.
    pub fn check_ids(&self, what: &str, list: &[String]) -> Result<(), String> {
        match list.iter().find(|id| !self.0.contains(id.as_str())) {
            Some(id) => Err(format!(
                "{what}: {id:?} is no rule ID (`trustscan rules` lists them)"
            )),
            None => Ok(()),
        }
    }

    /// `Err` naming the first entry of `list` that is no Python rule's ID (what `check`
    /// runs).
    pub fn check_python_ids(&self, what: &str, list: &[String]) -> Result<(), String> {
        match list
            .iter()
            .find(|id| !(self.0.contains(id.as_str()) && !id.starts_with("TS_")))
        {
            Some(id) => Err(format!(
                "{what}: {id:?} is no rule `check` runs; its rules start with {} (`trustscan \
                 rules` lists them)",
                self.families()
                    .into_iter()
                    .filter(|f| f != "TS_")
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => Ok(()),
        }
    }

    /// The ID families: `B1` ... `B7`, `TS1`, and `TS_` for the signatures.
    fn families(&self) -> Vec<String> {
        let family = |id: &str| -> String {
            if id.starts_with("TS_") {
                return "TS_".into();
            }
            let digit = id.find(|c: char| c.is_ascii_digit()).unwrap_or(id.len());
            id.chars().take(digit + 1).collect()
        };
        let set: BTreeSet<String> = self.0.iter().map(|id| family(id)).collect();
        set.into_iter().collect()
    }
}
