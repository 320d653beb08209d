//! What the human-readable reports (text, Markdown, HTML) share about reading order: targets
//! worst first with a count per verdict, one entry per flagged line of code however many rules
//! flag it, and Git LFS pointers collapsed into one entry.

use trustscan_core::{Finding, Judgement, PayloadFile, Reachability, Scan, Verdict};

/// The scans, worst verdict first (command-line order among equals).
pub fn worst_first(scans: &[Scan]) -> Vec<&Scan> {
    let mut sorted: Vec<&Scan> = scans.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.verdict));
    sorted
}

/// `16 targets: 2 DANGEROUS, 11 REVIEW, 1 SAFE` (verdicts worst first, none that is absent).
pub fn verdict_counts(scans: &[Scan]) -> String {
    let counts: Vec<String> = [
        Verdict::Dangerous,
        Verdict::Review,
        Verdict::Inconclusive,
        Verdict::Unrecognised,
        Verdict::Safe,
    ]
    .iter()
    .filter_map(|v| {
        let n = scans.iter().filter(|s| s.verdict == *v).count();
        (n > 0).then(|| format!("{n} {}", v.word()))
    })
    .collect();
    format!("{} targets: {}", scans.len(), counts.join(", "))
}

/// The findings on one line of code, strongest first: what several rules say about the same
/// `exec(...)` is read once.
pub struct LineFindings<'f> {
    pub findings: Vec<&'f Finding>,
}

impl<'f> LineFindings<'f> {
    /// The finding that places the line in the report: the most reached, then most severe.
    pub fn lead(&self) -> &'f Finding {
        self.findings[0]
    }

    /// `TS101 exec_decoded_data, TS_Obf_ExecOfDecodedData, B102 exec_used (medium)`: every
    /// rule, with its severity where it differs from the lead's.
    pub fn rules(&self) -> String {
        let lead = self.lead();
        self.findings
            .iter()
            .map(|f| {
                let name = if f.rule.starts_with("TS_") {
                    f.rule.clone()
                } else {
                    format!("{} {}", f.rule, f.name)
                };
                if f.severity == lead.severity {
                    name
                } else {
                    format!("{name} ({})", f.severity)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Findings grouped by (file, line) and reachability, each group in the place of its lead
/// finding; `findings` come in the report's order (strongest reachability, then severity,
/// first).
pub fn by_line<'f>(findings: &[&'f Finding]) -> Vec<LineFindings<'f>> {
    let mut groups: Vec<LineFindings<'f>> = Vec::new();
    let mut index: std::collections::HashMap<(&str, u32, Reachability), usize> = Default::default();
    for f in findings {
        let key = (f.location.file.as_str(), f.location.line, f.reachability);
        match index.get(&key) {
            Some(&i) => groups[i].findings.push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(LineFindings { findings: vec![f] });
            }
        }
    }
    for g in &mut groups {
        // The model-loading rule explains more than a signature on the same code, and a
        // signature more than a generic Bandit rule.
        g.findings.sort_by_key(|f| {
            (
                std::cmp::Reverse(f.severity),
                std::cmp::Reverse(f.confidence),
                !f.rule.starts_with("TS"),
                f.rule.starts_with("TS_"),
            )
        });
    }
    groups.sort_by_key(|g| {
        let f = g.lead();
        (f.reachability, std::cmp::Reverse(f.severity))
    });
    groups
}

/// A payload file to list, or several Git LFS pointers listed as one.
pub enum PayloadEntry<'p> {
    File(&'p PayloadFile),
    /// Files that are Git LFS pointers (the real content was not downloaded).
    LfsPointers(Vec<&'p PayloadFile>),
}

/// The files to list, with every LFS pointer beyond the first gathered into one entry (a
/// checkpoint in 30 shards is one fact: the weights were not downloaded).
pub fn collapse_lfs<'p>(files: Vec<&'p PayloadFile>) -> Vec<PayloadEntry<'p>> {
    let is_pointer = |p: &PayloadFile| p.format == "lfs-pointer";
    let pointers: Vec<&PayloadFile> = files.iter().copied().filter(|p| is_pointer(p)).collect();
    if pointers.len() < 2 {
        return files.into_iter().map(PayloadEntry::File).collect();
    }
    let mut out = Vec::new();
    let mut placed = false;
    for p in files {
        if !is_pointer(p) {
            out.push(PayloadEntry::File(p));
        } else if !placed {
            placed = true;
            out.push(PayloadEntry::LfsPointers(pointers.clone()));
        }
    }
    out
}

/// Counts of the payload files by judgement, worst first, none that is absent:
/// `2 dangerous, 11 safe`.
pub fn judgement_counts(payloads: &[PayloadFile]) -> String {
    [
        Judgement::Dangerous,
        Judgement::Suspicious,
        Judgement::Inconclusive,
        Judgement::Safe,
    ]
    .iter()
    .filter_map(|j| {
        let n = payloads.iter().filter(|p| p.verdict == *j).count();
        (n > 0).then(|| format!("{n} {}", j.word()))
    })
    .collect::<Vec<_>>()
    .join(", ")
}
