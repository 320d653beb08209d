//! Renderers: load plans, scans and `check` results as text for terminals, as JSON for
//! machines, as SARIF 2.1.0 for code scanning, as Markdown for pull requests and as one
//! self-contained HTML page. They render what the audit returns (`trustscan_core` types only).
//! Output is deterministic: the same plan always renders to the same bytes.

mod check;
mod html;
mod markdown;
mod payload;
mod sarif;
mod summary;
mod text;

pub use check::{check_total, render_check_json, render_check_text};
pub use html::render_scans_html;
pub use markdown::render_scans_markdown;
pub use payload::payload_text;
pub use sarif::{
    SARIF_FINGERPRINT, SARIF_SCHEMA, SarifInput, SarifTarget, TSP_DANGEROUS, TSP_INCONCLUSIVE,
    TSP_SUSPICIOUS, render_sarif,
};
pub use text::{FindingView, paint_level, render_plan_text, render_scan_text, render_scans_text};

use trustscan_core::{Judgement, Level, LoadPlan, Reachability, Scan};

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

/// The version of `scan --format json` documents (docs/json-output.md).
pub const SCAN_SCHEMA: &str = "trustscan.scan/2";

/// Scans as one JSON document (an object for one target, an array for several), each with
/// its verdict, the plan and the code findings.
pub fn render_scans_json(scans: &[Scan]) -> String {
    let docs: Vec<serde_json::Value> = scans
        .iter()
        .map(|s| {
            let mut doc = serde_json::json!({
                "schema": SCAN_SCHEMA,
                "target": s.plan.target,
                "verdict": s.verdict.word(),
                "reason": s.reason,
                "plan": s.plan,
                "code": s.code,
                "payloads": s.payloads,
                "code_at_load": s.code_at_load,
            });
            if !s.not_downloaded.is_empty() {
                doc["not_downloaded"] = s.not_downloaded.clone().into();
            }
            doc
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
