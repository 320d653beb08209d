//! Reachability, assigned in one place: whether each finding's code and each payload file is
//! reached when the model loads, from what the plan executes and deserializes and, for code,
//! from the call graph (`trustscan_python::reach`).
//!
//! - A Python finding is `runs-at-load` in the top level of a file the plan executes,
//!   `reachable-from-load` when a call path leads to it from there or from an entry point the
//!   loader calls (the path is its evidence), else `not-reached`.
//! - A signature match is `runs-at-load` in a file the plan executes, or in the pickles of a
//!   file the plan deserializes.
//! - A payload file is `runs-at-load` when a loading API deserializes it.

use crate::payloads::FileResult;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use trustscan_core::payload::{hex, sha256_of_fields};
use trustscan_core::{
    CodeAtLoad, CodeReport, Finding, GraphStats, LoadPlan, Note, PayloadFile, Reachability,
    StepKind, Subject,
};
use trustscan_python::RepositoryAnalysis;
use trustscan_python::reach::PlanReach;
use trustscan_source::Snapshot;

/// How a loading API deserializes a file.
#[derive(Debug, Default)]
pub struct Deserialized {
    /// The loading APIs that do (`transformers AutoModel`, ...).
    pub apis: Vec<String>,
    /// Whether one of them unpickles it as is (`torch.load`, `pickle.load`).
    pub unpickled: bool,
    /// Whether one of them reads it as YAML with an unsafe loader (Python tags run).
    pub unsafe_yaml: bool,
}

/// What one plan executes and deserializes.
pub struct Reach<'p> {
    executed: BTreeSet<&'p str>,
    /// Repository files (and checkpoint URLs) deserialized at load.
    deserialized: BTreeMap<&'p str, Deserialized>,
}

impl<'p> Reach<'p> {
    pub fn new(plan: &'p LoadPlan) -> Reach<'p> {
        let mut deserialized: BTreeMap<&str, Deserialized> = BTreeMap::new();
        for api in &plan.apis {
            for s in api
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::DeserializePayload)
            {
                let path = match &s.subject {
                    Subject::File {
                        path,
                        repository: None,
                    } => path,
                    // A checkpoint URL: the snapshot may hold it as a file (`url_of`).
                    Subject::Url { url } => url,
                    _ => continue,
                };
                let d = deserialized.entry(path.as_str()).or_default();
                let label = format!("{} {}", api.ecosystem.display_name(), api.api_label());
                if !d.apis.contains(&label) {
                    d.apis.push(label);
                }
                d.unpickled |= s.format.is_some_and(|f| f.is_pickle_based());
                d.unsafe_yaml |= s.format == Some(trustscan_core::PayloadFormat::YamlUnsafe);
            }
        }
        Reach {
            executed: plan.apis.iter().flat_map(|a| a.executed_files()).collect(),
            deserialized,
        }
    }

    /// How loading deserializes the snapshot's file `path` (also when the plan names it by
    /// its URL), if it does.
    pub fn deserialized(&self, path: &str, snapshot: &dyn Snapshot) -> Option<&Deserialized> {
        self.deserialized
            .get(path)
            .or_else(|| snapshot.url_of(path).and_then(|u| self.deserialized.get(u)))
    }

    /// Whether the plan executes the file.
    pub fn executes(&self, path: &str) -> bool {
        self.executed.contains(path)
    }

    /// The code report: every file's findings with their reachability through the call
    /// graph, and the files that could not be analysed fully (inconclusive when they run).
    pub fn code(&self, plan: &LoadPlan, analysis: RepositoryAnalysis) -> CodeReport {
        let RepositoryAnalysis { files, graph } = analysis;
        let reach = PlanReach::new(plan, &graph);
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
                report.notes.push(if self.executes(&path) {
                    Note::inconclusive(Some(&path), message)
                } else {
                    Note::info(Some(&path), message)
                });
            }
            for mut f in file.findings {
                (f.reachability, f.evidence) = reach.classify(&path, &f.scope);
                report.findings.push(f);
            }
        }
        drop(reach);
        // Freeing a large repository's graph (tens of thousands of names) takes a noticeable
        // part of a scan; nothing waits for it (without a thread, it is freed here).
        let _ = std::thread::Builder::new().spawn(move || drop(graph));
        report
    }

    /// The payload files (those a loading API deserializes, and every other file whose
    /// content is a payload format) and the signature findings, in snapshot order.
    pub fn payloads(&self, files: Vec<FileResult>) -> (Vec<PayloadFile>, Vec<Finding>) {
        let mut payloads = Vec::new();
        let mut matches = Vec::new();
        for file in files {
            let loaded = file.deserialized.is_some();
            let pickled = file.report.parts.iter().any(|p| p.pickle.is_some());
            let at_load = self.executes(&file.path) || (loaded && pickled);
            for mut f in file.signatures {
                f.reachability = reached(at_load);
                matches.push(f);
            }
            if file.report.is_payload() || loaded {
                let apis = file
                    .deserialized
                    .map(|d| d.apis.clone())
                    .unwrap_or_default();
                let refused = pickled.then(|| weights_only_refuses(&file.report));
                let mut p = PayloadFile::new(file.path, file.report, reached(loaded), apis);
                p.weights_only_refuses = refused;
                payloads.push(p);
            }
        }
        (payloads, matches)
    }
}

/// Code loading runs that is no installed library's, each once, in the plan's order, with
/// the fingerprint a baseline allows it by.
pub fn code_at_load(plan: &LoadPlan, snapshot: &dyn Snapshot) -> Vec<CodeAtLoad> {
    let mut out: Vec<CodeAtLoad> = Vec::new();
    for step in plan.apis.iter().flat_map(|a| &a.steps) {
        if !matches!(
            step.kind,
            StepKind::ExecuteFile | StepKind::InstallPackage | StepKind::FetchRepository
        ) {
            continue;
        }
        let subject = step.subject.to_string();
        if out
            .iter()
            .any(|c| c.kind == step.kind && c.subject == subject)
        {
            continue;
        }
        let content = match &step.subject {
            Subject::File {
                path,
                repository: None,
            } if step.kind == StepKind::ExecuteFile => snapshot.read(path, MAX_CODE_BYTES).ok(),
            _ => None,
        };
        let digest = match &content {
            Some(bytes) => Sha256::digest(bytes).into(),
            // What is installed or fetched, or a file that cannot be read: its name.
            None => sha256_of_fields([step.kind.verb(), subject.as_str()]),
        };
        out.push(CodeAtLoad {
            kind: step.kind,
            subject,
            fingerprint: hex(&digest),
        });
    }
    out
}

/// The globals a report's pickles look up that torch's `weights_only` unpickler refuses,
/// once each, in order.
fn weights_only_refuses(report: &trustscan_core::PayloadReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for import in report
        .parts
        .iter()
        .filter_map(|p| p.pickle.as_ref())
        .flat_map(|f| &f.imports)
    {
        let name = format!("{}.{}", import.module, import.name);
        if !trustscan_payload::policy::weights_only_allows(&import.module, &import.name)
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

/// Executed files larger than this are fingerprinted by name.
const MAX_CODE_BYTES: u64 = 32 << 20;

fn reached(at_load: bool) -> Reachability {
    if at_load {
        Reachability::RunsAtLoad
    } else {
        Reachability::NotReached
    }
}
