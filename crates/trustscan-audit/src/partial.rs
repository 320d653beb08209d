//! A Hugging Face cache snapshot that holds part of a repository (config files downloaded,
//! the code not: what a refused `trust_remote_code` leaves): the files loading needs that the
//! cache lacks and the Hub never said are absent. Read from the hub by default; when that is
//! not possible the scan is inconclusive in a way no gate passes.

use trustscan_core::{LoadPlan, Scan, SnapshotInfo, Verdict};
use trustscan_source::{Absence, Snapshot};

/// Files the plan's notes name that the snapshot lacks because they were not downloaded.
pub fn not_downloaded(plan: &LoadPlan, snapshot: &dyn Snapshot) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let notes = plan
        .notes
        .iter()
        .chain(plan.apis.iter().flat_map(|a| a.notes.iter()));
    for file in notes.filter_map(|n| n.file.as_deref()) {
        if !snapshot.has_file(file)
            && snapshot.absence(file) == Absence::NotDownloaded
            && !out.iter().any(|f| f == file)
        {
            out.push(file.to_string());
        }
    }
    out
}

/// The scan of a partial download that could not be completed: inconclusive, naming what is
/// missing and how to complete it (`hub_error`: why reading it from the hub failed).
pub fn mark(scan: &mut Scan, info: &SnapshotInfo, missing: &[String], hub_error: Option<&str>) {
    let how = match (&info.repo_id, &info.commit) {
        (Some(repo), Some(commit)) => format!(
            "scan hf:{repo}@{commit} to read it from the hub, or download it with \
             huggingface_hub"
        ),
        _ => "download the whole repository".to_string(),
    };
    let failed = hub_error.map_or(String::new(), |e| {
        format!(" (reading it from the hub failed: {e})")
    });
    scan.verdict = Verdict::Inconclusive;
    scan.reason = format!(
        "partially downloaded: the cache lacks {}, which loading needs{failed}; {how}",
        trustscan_core::text::listed(missing, 3)
    );
    scan.not_downloaded = missing.to_vec();
}
