//! A whole repository: every Python file checked on both cores, the call graph built from
//! the same parses, and reachability from a load plan attached to each finding.

use crate::engine::{Engine, FileReport};
use crate::graph::{CallGraph, prepare};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use trustscan_core::{CodeReport, GraphStats, LoadPlan, Note};

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

/// Attach reachability from `plan` and gather everything into the scan's code report.
pub fn code_report(plan: &LoadPlan, analysis: RepositoryAnalysis) -> CodeReport {
    let RepositoryAnalysis { mut files, graph } = analysis;
    crate::reach::apply(plan, &graph, &mut files);
    let executed: BTreeSet<&str> = plan.apis.iter().flat_map(|a| a.executed_files()).collect();
    let mut report = CodeReport {
        files_analyzed: files.len(),
        call_graph: GraphStats {
            scopes: graph.nodes.len(),
            edges: graph.resolved_edges(),
        },
        ..Default::default()
    };
    for (path, file) in files {
        for message in file.notes {
            report.notes.push(if executed.contains(path.as_str()) {
                Note::inconclusive(Some(&path), message)
            } else {
                Note::info(Some(&path), message)
            });
        }
        report.findings.extend(file.findings);
    }
    sort_findings(&mut report.findings);
    // Freeing a large repository's graph (tens of thousands of names) takes a noticeable
    // part of a scan; nothing waits for it (without a thread, it is freed here).
    let _ = std::thread::Builder::new().spawn(move || drop(graph));
    report
}

/// The report's order: strongest reachability first, then severity, confidence, place, rule.
pub fn sort_findings(findings: &mut [trustscan_core::Finding]) {
    findings.sort_by(|a, b| {
        (
            a.reachability,
            std::cmp::Reverse(a.severity),
            std::cmp::Reverse(a.confidence),
        )
            .cmp(&(
                b.reachability,
                std::cmp::Reverse(b.severity),
                std::cmp::Reverse(b.confidence),
            ))
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.rule.cmp(&b.rule))
    });
}
