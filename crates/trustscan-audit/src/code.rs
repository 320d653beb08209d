//! The Python analysis: every Python file of the snapshot, checked in parallel and joined into
//! a call graph. Nothing here needs the plan, so it runs while the plan is made; reachability
//! from the plan is added after (`reach`).

use std::sync::Arc;
use trustscan_python::{Engine, RepositoryAnalysis};
use trustscan_source::Snapshot;

/// Files bigger than this are not read for analysis (a note says so).
const MAX_SOURCE_BYTES: u64 = 32 << 20;

pub fn analyse_files(
    engine: &Arc<Engine>,
    snapshot: &dyn Snapshot,
    threads: usize,
) -> RepositoryAnalysis {
    let paths: Vec<String> = snapshot
        .files()
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| p.ends_with(".py") || p.ends_with(".pyw"))
        .collect();
    trustscan_python::analyze_repository(
        engine,
        &paths,
        |p| {
            snapshot
                .read(p, MAX_SOURCE_BYTES)
                .map_err(|e| e.to_string())
        },
        threads,
    )
}
