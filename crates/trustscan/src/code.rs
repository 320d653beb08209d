//! `scan`'s Python analysis: every Python file of the snapshot, checked in parallel, joined
//! into a call graph, with reachability from the plan.

use std::sync::Arc;
use trustscan_core::{CodeReport, LoadPlan};
use trustscan_python::Engine;
use trustscan_source::Snapshot;

/// Files bigger than this are not read for analysis (a note says so).
const MAX_SOURCE_BYTES: u64 = 32 << 20;

pub fn analyse(
    engine: &Arc<Engine>,
    plan: &LoadPlan,
    snapshot: &dyn Snapshot,
    threads: usize,
) -> CodeReport {
    let paths: Vec<String> = snapshot
        .files()
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| p.ends_with(".py") || p.ends_with(".pyw"))
        .collect();
    let analysis = trustscan_python::analyze_repository(
        engine,
        &paths,
        |p| {
            snapshot
                .read(p, MAX_SOURCE_BYTES)
                .map_err(|e| e.to_string())
        },
        threads,
    );
    trustscan_python::code_report(plan, analysis)
}
