//! Reachability of findings from a load plan: for each loading API, the files the plan
//! executes run their top level at load, and the entry points the loader calls (the
//! `auto_map` class's constructor and `from_pretrained` path, the torch.hub callable, ...)
//! start the calls. A finding is `runs-at-load`, `reachable-from-load` (with the call path
//! as evidence) or `not-reached`; across APIs the strongest wins.

use crate::graph::CallGraph;
use crate::summary::MODULE_SCOPE;
use rustc_hash::FxHashMap as HashMap;
use trustscan_core::{ApiPlan, LoadPlan, Reachability, StepKind, Subject};

/// Reachability of every scope of a repository under one load plan (all its APIs).
pub struct PlanReach<'g> {
    graph: &'g CallGraph,
    apis: Vec<ApiReach>,
}

impl<'g> PlanReach<'g> {
    pub fn new(plan: &LoadPlan, graph: &'g CallGraph) -> PlanReach<'g> {
        PlanReach {
            graph,
            apis: plan
                .apis
                .iter()
                .map(|api| ApiReach::new(api, graph))
                .collect(),
        }
    }

    /// Whether code in `scope` of `file` runs at load, with the evidence; the strongest
    /// answer over the plan's APIs (shorter evidence breaks ties).
    pub fn classify(&self, file: &str, scope: &str) -> (Reachability, Vec<String>) {
        self.graph
            .find(file, scope)
            .and_then(|node| {
                self.apis
                    .iter()
                    .filter_map(|a| a.classify(self.graph, node))
                    .min_by_key(|(r, e)| (*r, e.len()))
            })
            .unwrap_or((Reachability::NotReached, Vec::new()))
    }
}

struct ApiReach {
    label: String,
    /// Module nodes of executed files → the plan's reason chain for the file.
    executed: HashMap<usize, String>,
    /// Entry nodes → description of the entry point.
    entries: HashMap<usize, String>,
    reached: HashMap<usize, Option<(usize, crate::graph::Edge)>>,
}

impl ApiReach {
    fn new(api: &ApiPlan, graph: &CallGraph) -> ApiReach {
        let mut executed = HashMap::default();
        for s in &api.steps {
            if s.kind != StepKind::ExecuteFile {
                continue;
            }
            if let Subject::File {
                path,
                repository: None,
            } = &s.subject
                && let Some(n) = graph.find(path, MODULE_SCOPE)
            {
                executed.entry(n).or_insert_with(|| s.reason_text());
            }
        }
        let mut entries = HashMap::default();
        for e in &api.entry_points {
            let Some(file) = &e.file else { continue };
            let invokes: Vec<&str> = e.invokes.iter().map(|s| s.as_str()).collect();
            for n in graph.entry_scopes(file, &e.name, &invokes) {
                entries
                    .entry(n)
                    .or_insert_with(|| format!("the loader calls {} ({})", e.name, e.role));
            }
        }
        let roots: Vec<usize> = executed.keys().chain(entries.keys()).copied().collect();
        let reached = graph.reach(&roots);
        ApiReach {
            label: api.api.clone(),
            executed,
            entries,
            reached,
        }
    }

    fn classify(&self, graph: &CallGraph, node: usize) -> Option<(Reachability, Vec<String>)> {
        if let Some(reason) = self.executed.get(&node) {
            return Some((
                Reachability::RunsAtLoad,
                vec![format!("{}: {reason}", self.label)],
            ));
        }
        if !self.reached.contains_key(&node) {
            return None;
        }
        let path = graph.path(&self.reached, node);
        let root = self.root_of(node);
        let head = match root.and_then(|r| {
            self.executed
                .get(&r)
                .map(|reason| format!("{}: {reason}", self.label))
                .or_else(|| self.entries.get(&r).map(|d| format!("{}: {d}", self.label)))
        }) {
            Some(h) => h,
            None => self.label.clone(),
        };
        let mut evidence = vec![head];
        evidence.extend(path);
        Some((Reachability::ReachableFromLoad, evidence))
    }

    fn root_of(&self, mut node: usize) -> Option<usize> {
        let mut steps = 0;
        while let Some(Some((prev, _))) = self.reached.get(&node) {
            node = *prev;
            steps += 1;
            if steps > self.reached.len() {
                return None;
            }
        }
        Some(node)
    }
}
