//! `trustscan cache`: every model already downloaded into the local Hugging Face and
//! ModelScope caches, scanned, one line each, worst first.

use crate::{Format, exit, fail, gate};
use std::path::PathBuf;
use std::process::ExitCode;
use trustscan_core::Platform;
use trustscan_core::Verdict;

#[derive(clap::Args)]
pub struct CacheArgs {
    /// The Hugging Face hub cache (default: HF_HUB_CACHE, HF_HOME/hub,
    /// ~/.cache/huggingface/hub, as huggingface_hub reads them).
    #[arg(long, value_name = "DIR")]
    hf_cache: Option<PathBuf>,
    /// The ModelScope cache (default: MODELSCOPE_CACHE or ~/.cache/modelscope).
    #[arg(long, value_name = "DIR")]
    modelscope_cache: Option<PathBuf>,
    /// `text` (a table) or `json`.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    gate: gate::GateArgs,
    /// Worker threads for each model's analysis (default: every core).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    allow: crate::allow::AllowArgs,
    #[command(flatten)]
    config: crate::config::ConfigArgs,
}

pub fn command(a: &CacheArgs) -> ExitCode {
    if matches!(a.format, Format::Markdown | Format::Sarif | Format::Html) {
        return fail("cache: --format is text or json");
    }
    if a.config.baseline.is_some() || a.config.write_baseline.is_some() {
        return fail("cache: baselines are for scan and check");
    }
    let hf = a
        .hf_cache
        .clone()
        .unwrap_or_else(trustscan_source::hf_hub_cache_dir);
    let ms = a
        .modelscope_cache
        .clone()
        .unwrap_or_else(trustscan_source::modelscope_cache_dir);
    let (snapshots, errors) = trustscan_source::cached_snapshots(&hf, &ms);
    for e in &errors {
        eprintln!("trustscan: {e}");
    }
    let config = match crate::config::load(&a.config, &[hf.clone(), ms.clone()]) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let gate = a.gate.resolve(&config.config);
    let filters = config.filters(None);
    let analyses = match crate::analyses(&config, filters, &a.allow, None, false, false, a.jobs) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let open = trustscan_audit::OpenSettings {
        hf_cache: Some(hf.clone()),
        ..Default::default()
    };
    let auditor = trustscan_audit::Auditor::new(open, Some(analyses));
    let progress = crate::progress::Progress::auto();
    let mut rows = Vec::new();
    let mut outcome = gate::Outcome::default();
    let mut had_error = !errors.is_empty();
    for (i, s) in snapshots.iter().enumerate() {
        use trustscan_audit::Progress as _;
        progress.target(i + 1, snapshots.len(), &s.repo_id);
        let path = s.path.to_string_lossy();
        match auditor.audit(&path, &progress) {
            Ok(scan) => {
                outcome.merge(gate::Outcome::of_scan(&scan, &Default::default()));
                rows.push(Row {
                    snapshot: s,
                    verdict: scan.verdict,
                    reason: scan.reason,
                });
            }
            Err(e) => {
                had_error = true;
                progress.failed(&path, &e);
            }
        }
    }
    progress.clear();
    // Worst first; then by hub, repository and revision.
    rows.sort_by(|x, y| y.verdict.cmp(&x.verdict).then(x.snapshot.cmp(y.snapshot)));
    let out = match a.format {
        Format::Json => json(&rows, &hf, &ms),
        _ => text(&rows, &hf, &ms),
    };
    if !crate::emit(&out) || had_error {
        return ExitCode::from(exit::ERROR);
    }
    ExitCode::from(gate::exit_code(&outcome, &gate))
}

struct Row<'a> {
    snapshot: &'a trustscan_source::CachedSnapshot,
    verdict: Verdict,
    reason: String,
}

fn hub(p: Platform) -> &'static str {
    match p {
        Platform::HuggingFace => "hf",
        Platform::Modelscope => "ms",
        _ => "local",
    }
}

/// The revision column: a commit shortened as git does, with the refs that name it.
fn revision(s: &trustscan_source::CachedSnapshot) -> String {
    let short: String = if s.platform == Platform::HuggingFace {
        s.revision.chars().take(12).collect()
    } else {
        s.revision.clone()
    };
    let mut r = if short.is_empty() { "-".into() } else { short };
    if !s.refs.is_empty() {
        r += &format!(" ({})", s.refs.join(", "));
    }
    r
}

fn text(rows: &[Row], hf: &std::path::Path, ms: &std::path::Path) -> String {
    let mut out = format!(
        "{} models in the caches ({}, {})\n",
        rows.len(),
        hf.display(),
        ms.display()
    );
    if rows.is_empty() {
        return out;
    }
    let width =
        |f: &dyn Fn(&Row) -> usize, min: usize| rows.iter().map(f).max().unwrap_or(0).max(min);
    let repo_w = width(&|r| r.snapshot.repo_id.chars().count(), 10);
    let rev_w = width(&|r| revision(r.snapshot).chars().count(), 8);
    out += &format!(
        "{:<12} {:<3} {:<repo_w$} {:<rev_w$} REASON\n",
        "VERDICT", "HUB", "REPOSITORY", "REVISION"
    );
    for r in rows {
        out += &format!(
            "{:<12} {:<3} {:<repo_w$} {:<rev_w$} {}\n",
            r.verdict.word(),
            hub(r.snapshot.platform),
            r.snapshot.repo_id,
            revision(r.snapshot),
            r.reason
        );
    }
    out
}

fn json(rows: &[Row], hf: &std::path::Path, ms: &std::path::Path) -> String {
    let models: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "hub": hub(r.snapshot.platform),
                "repo_id": r.snapshot.repo_id,
                "revision": r.snapshot.revision,
                "refs": r.snapshot.refs,
                "path": r.snapshot.path.display().to_string(),
                "verdict": r.verdict.word(),
                "reason": r.reason,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({
        "schema": "trustscan.cache/2",
        "hf_cache": hf.display().to_string(),
        "modelscope_cache": ms.display().to_string(),
        "models": models,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}
