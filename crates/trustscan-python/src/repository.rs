//! A whole repository: every Python file checked on both cores, the call graph built from
//! the same parses, and reachability from a load plan attached to each finding.

use crate::engine::{Engine, FileReport};
use crate::graph::CallGraph;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use trustscan_core::{CodeReport, GraphStats, LoadPlan, Note};

pub struct RepositoryAnalysis {
    /// Per file, in the order given.
    pub files: Vec<(String, FileReport)>,
    pub graph: CallGraph,
}

/// Check and summarize `paths` (repository-relative), reading each with `read`, on
/// `threads` workers.
pub fn analyze_repository(
    engine: &Arc<Engine>,
    paths: &[String],
    read: impl Fn(&str) -> Result<Vec<u8>, String> + Sync,
    threads: usize,
) -> RepositoryAnalysis {
    let mut files = check_files(engine, paths, read, threads, true);
    let summaries: BTreeMap<String, _> = files
        .iter_mut()
        .filter_map(|(p, r)| r.summary.take().map(|s| (p.clone(), s)))
        .collect();
    let graph = CallGraph::build(summaries, threads);
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
        let path = &paths[i];
        match read(path) {
            Ok(bytes) if summarize => engine.analyze(path, bytes),
            Ok(bytes) => engine.check(path, bytes),
            Err(e) => FileReport {
                notes: vec![format!("cannot read: {e}")],
                ..Default::default()
            },
        }
    });
    paths
        .iter()
        .cloned()
        .zip(reports.into_iter().map(|r| {
            r.unwrap_or_else(|| FileReport {
                notes: vec!["not analysed: internal error".into()],
                ..Default::default()
            })
        }))
        .collect()
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
