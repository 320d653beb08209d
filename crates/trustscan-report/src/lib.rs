//! Renderers: load plans and scan verdicts as text for terminals, as JSON for machines, as
//! SARIF 2.1.0 for code scanning, as Markdown for pull requests and as one self-contained
//! HTML page.
//! Output is deterministic: the same plan always renders to the same bytes.

mod html;
mod markdown;
mod payload;
mod sarif;
mod text;

pub use html::render_scans_html;
pub use markdown::render_scans_markdown;
pub use payload::{payload_fingerprint, payload_text};
pub use sarif::{
    SARIF_FINGERPRINT, SARIF_SCHEMA, SarifInput, SarifTarget, TSP_DANGEROUS, TSP_INCONCLUSIVE,
    TSP_SUSPICIOUS, render_sarif,
};
pub use text::{FindingView, paint_level, render_plan_text, render_scan_text};

use trustscan_core::{CodeReport, Judgement, Level, LoadPlan, PayloadFile, Reachability, Verdict};

/// Plans as one JSON document: an object for one target, an array for several.
pub fn render_plans_json(plans: &[LoadPlan]) -> String {
    let mut out = if plans.len() == 1 {
        serde_json::to_string_pretty(&plans[0])
    } else {
        serde_json::to_string_pretty(plans)
    }
    .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the plan: {e}\"}}"));
    out.push('\n');
    out
}

/// A scan's result for one target: the plan, the code findings and the payload files.
pub struct Scan {
    pub plan: LoadPlan,
    pub code: Option<CodeReport>,
    /// Every payload file of the repository (a pickle, a checkpoint, an archive, ...), judged.
    pub payloads: Vec<PayloadFile>,
}

/// Scans as one JSON document (an object for one target, an array for several), each with
/// its verdict, the plan and the code findings.
pub fn render_scans_json(scans: &[Scan]) -> String {
    let docs: Vec<serde_json::Value> = scans
        .iter()
        .map(|s| {
            let (v, reason) = verdict(s);
            serde_json::json!({
                "schema": "trustscan.scan/1",
                "target": s.plan.target,
                "verdict": v.word(),
                "reason": reason,
                "plan": s.plan,
                "code": s.code,
                "payloads": s.payloads,
            })
        })
        .collect();
    let mut out = if docs.len() == 1 {
        serde_json::to_string_pretty(&docs[0])
    } else {
        serde_json::to_string_pretty(&docs)
    }
    .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize the scan: {e}\"}}"));
    out.push('\n');
    out
}

/// The finding that makes a scan dangerous: a model-loading rule or signature of high
/// severity, at least medium confidence, in code that runs or is called at load.
pub fn decisive_finding(code: &CodeReport) -> Option<&trustscan_core::Finding> {
    code.findings
        .iter()
        .filter(|f| {
            f.rule.starts_with("TS")
                && f.severity == Level::High
                && f.confidence >= Level::Medium
                && f.reachability != Reachability::NotReached
        })
        // A model-loading rule (TS101) explains more than a signature (TS_...) on the same
        // code: prefer it.
        .min_by_key(|f| f.rule.starts_with("TS_"))
}

/// The verdict of one scan and the reason that decided it: a dangerous payload anywhere in
/// the repository or a decisive finding makes it dangerous; payloads that are suspicious
/// or could not be read fully weigh like the plan's own reasons.
pub fn verdict(scan: &Scan) -> (Verdict, String) {
    let worst = |v: Judgement| {
        // Files the loader deserializes first: they decide what loading does.
        scan.payloads
            .iter()
            .filter(|p| p.verdict == v)
            .min_by_key(|p| (p.reachability, &p.path))
    };
    if let Some(p) = worst(Judgement::Dangerous) {
        return (Verdict::Dangerous, payload_reason(p));
    }
    if let Some(f) = scan.code.as_ref().and_then(decisive_finding) {
        let when = match f.reachability {
            Reachability::RunsAtLoad => "runs at load",
            _ => "is called at load",
        };
        return (
            Verdict::Dangerous,
            format!(
                "{} {} {when}: {}:{}",
                f.rule, f.name, f.location.file, f.location.line
            ),
        );
    }
    let (v, reason) = plan_verdict(&scan.plan);
    if let Some(p) = worst(Judgement::Suspicious) {
        let reason = if v == Verdict::Review {
            format!("{reason}; {}", payload_reason(p))
        } else {
            payload_reason(p)
        };
        return (Verdict::Review, reason);
    }
    if v == Verdict::Safe
        && let Some(p) = worst(Judgement::Inconclusive)
    {
        return (Verdict::Inconclusive, payload_reason(p));
    }
    (v, reason)
}

/// One line for one loading API: what the plan runs and deserializes, then the high
/// findings in code it runs or reaches and the payloads it deserializes that are not safe,
/// e.g. "AutoModel loading executes 3 repository files; 1 high finding runs at load, 1 is
/// reachable from it; 1 dangerous payload".
pub fn api_headline(api: &trustscan_core::ApiPlan, scan: &Scan) -> String {
    let mut line = api.summary();
    let executed = api.executed_files();
    // Runs at load: in a file this API executes; reachable: the evidence starts at this API.
    let through_api = |f: &&trustscan_core::Finding| match f.reachability {
        Reachability::RunsAtLoad => executed.contains(&f.location.file.as_str()),
        Reachability::ReachableFromLoad => f
            .evidence
            .first()
            .is_some_and(|e| e.starts_with(&format!("{}:", api.api))),
        Reachability::NotReached => false,
    };
    let high: Vec<&trustscan_core::Finding> = scan
        .code
        .iter()
        .flat_map(|c| c.findings.iter())
        .filter(|f| f.severity == Level::High)
        .filter(through_api)
        .collect();
    let at_load = high
        .iter()
        .filter(|f| f.reachability == Reachability::RunsAtLoad)
        .count();
    let reachable = high.len() - at_load;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (at_load, reachable) {
        (0, 0) => {}
        (a, 0) => {
            line += &format!(
                "; {} run{} at load",
                plural(a, "high finding"),
                if a == 1 { "s" } else { "" }
            )
        }
        (0, r) => line += &format!("; {} reachable from load", plural(r, "high finding")),
        (a, r) => {
            line += &format!(
                "; {} at load, {r} more reachable from it",
                plural(a, "high finding")
            )
        }
    }
    let label = format!("{} {}", api.ecosystem.display_name(), api.api_label());
    for v in [
        Judgement::Dangerous,
        Judgement::Suspicious,
        Judgement::Inconclusive,
    ] {
        let n = scan
            .payloads
            .iter()
            .filter(|p| p.verdict == v && p.loaded_by.contains(&label))
            .count();
        if n > 0 {
            line += &format!(
                "; {n} {} {}",
                v.word(),
                if n == 1 { "payload" } else { "payloads" }
            );
        }
    }
    line
}

fn payload_reason(p: &PayloadFile) -> String {
    let when = if p.reachability == Reachability::NotReached {
        "in the repository"
    } else {
        "deserialized at load"
    };
    format!("{} {} {when}: {}", p.verdict.word(), p.format, p.path)
}

/// The verdict from the plan alone.
pub fn plan_verdict(plan: &LoadPlan) -> (Verdict, String) {
    use trustscan_core::StepKind::*;
    let mut reasons = Vec::new();
    for api in &plan.apis {
        for s in &api.steps {
            let hit = match s.kind {
                ExecuteFile => Some("repository code runs at load"),
                InstallPackage => Some("packages are pip-installed at load"),
                FetchRepository => Some("code is fetched from another repository"),
                DeserializePayload if s.format.is_some_and(|f| f.runs_code_when_loaded()) => {
                    Some("a pickle-based file would be deserialized")
                }
                _ => None,
            };
            if let Some(h) = hit
                && !reasons.contains(&h)
            {
                reasons.push(h);
            }
        }
    }
    let failure = plan
        .apis
        .iter()
        .find_map(|a| a.failures.first().map(|f| (a, f)));
    if !reasons.is_empty() {
        (Verdict::Review, reasons.join("; "))
    } else if let Some((api, f)) = failure {
        // A load that stops with an error is not shown as safe: the error may hide what a
        // corrected repository (or another library version) would run.
        (
            Verdict::Inconclusive,
            format!("{} loading fails: {}", api.api_label(), f.message),
        )
    } else if plan.is_inconclusive() {
        // The first reason, so the headline names a file a user can look at.
        let first = plan
            .notes
            .iter()
            .chain(plan.apis.iter().flat_map(|a| a.notes.iter()))
            .find(|n| n.level == trustscan_core::NoteLevel::Inconclusive);
        let why = first.map_or(String::new(), |n| match &n.file {
            Some(f) => format!(": {f} {}", n.message),
            None => format!(": {}", n.message),
        });
        (
            Verdict::Inconclusive,
            format!("part of the repository could not be analysed{why}"),
        )
    } else if plan.apis.is_empty() {
        (
            Verdict::Safe,
            "no loading API recognised for this repository".into(),
        )
    } else {
        (
            Verdict::Safe,
            "no repository code runs and nothing pickle-based is deserialized".into(),
        )
    }
}
