//! A whole repository: every Python file checked on both cores, and the call graph built from
//! the same parses (reachability from a load plan is asked of it: `reach`).

use crate::engine::{Engine, FileReport};
use crate::graph::{CallGraph, prepare};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct RepositoryAnalysis {
    /// Per file, in the order given.
    pub files: Vec<(String, FileReport)>,
    pub graph: CallGraph,
}

/// Check and summarize `paths` (repository-relative), reading each with `read`, on
/// `threads` workers; each worker also prepares its modules' part of the call graph.
pub fn analyze_repository(
    engine: &Arc<Engine>,
    paths: &[String],
    read: impl Fn(&str) -> Result<Vec<u8>, String> + Sync,
    threads: usize,
) -> RepositoryAnalysis {
    let done = trustscan_pyparse::parallel_map(paths.len(), threads, |i| {
        let mut report = check_file(engine, &paths[i], &read, true);
        // A module whose preparation fails (a bug, caught) is left out of the graph; its
        // findings stay.
        let module = report.summary.take().and_then(|s| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| prepare(&paths[i], s))).ok()
        });
        (report, module)
    });
    let mut modules = BTreeMap::new();
    let mut files = Vec::with_capacity(paths.len());
    for (path, done) in paths.iter().zip(done) {
        let (report, module) = done.unwrap_or_else(|| (internal_error(), None));
        if let Some(m) = module {
            modules.insert(path.clone(), m);
        }
        files.push((path.clone(), report));
    }
    let graph = CallGraph::build(modules, threads);
    RepositoryAnalysis { files, graph }
}

/// Check `paths` in parallel (with call-graph summaries when `summarize`).
pub fn check_files(
    engine: &Arc<Engine>,
    paths: &[String],
    read: impl Fn(&str) -> Result<Vec<u8>, String> + Sync,
    threads: usize,
    summarize: bool,
) -> Vec<(String, FileReport)> {
    let reports = trustscan_pyparse::parallel_map(paths.len(), threads, |i| {
        check_file(engine, &paths[i], &read, summarize)
    });
    paths
        .iter()
        .cloned()
        .zip(
            reports
                .into_iter()
                .map(|r| r.unwrap_or_else(internal_error)),
        )
        .collect()
}

fn check_file(
    engine: &Arc<Engine>,
    path: &str,
    read: &impl Fn(&str) -> Result<Vec<u8>, String>,
    summarize: bool,
) -> FileReport {
    match read(path) {
        Ok(bytes) if summarize => engine.analyze(path, bytes),
        Ok(bytes) => engine.check(path, bytes),
        Err(e) => FileReport {
            notes: vec![format!("cannot read: {e}")],
            ..Default::default()
        },
    }
}

/// The report of a file whose analysis failed with an internal error (a bug, caught).
fn internal_error() -> FileReport {
    FileReport {
        notes: vec!["not analysed: internal error".into()],
        ..Default::default()
    }
}

/// Worker threads to use: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
