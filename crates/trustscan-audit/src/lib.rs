//! One audit as a library: open a target (a directory, a cache entry, a hub repository, a
//! model-zoo name), plan what each loading API would run, analyse the repository's Python
//! code, judge every payload file without deserializing it, match signatures, assign every
//! result its reachability from the plan, and decide the verdict and the reason for it.
//!
//! The command line, the hub-scale study and the trust workflow all run scans through
//! [`Auditor`] (and `check`'s file-by-file analysis through [`check()`]); rendering and exit
//! codes are theirs.

mod check;
mod code;
mod filter;
mod nested;
mod open;
mod partial;
mod payloads;
mod reach;
mod signatures;
mod verdict;

pub use check::{CheckOptions, Checked, check};
pub use filter::Filters;
pub use open::{DEFAULT_FETCH_LIMIT, HubSettings, OpenSettings};
pub use signatures::{PendingSignatures, SIGNATURE_SCAN_INCOMPLETE};
pub use trustscan_core::Scan;
pub use verdict::{decide, decisive_finding};

use std::sync::Arc;
use trustscan_core::{CodeReport, Finding, LoadPlan, PayloadFile, Verdict};
use trustscan_source::{Snapshot, Target};

/// What a caller learns while an audit runs: which target, which stage, which target failed.
/// Every method has a default that does nothing.
pub trait Progress: Sync {
    /// Target `index` (from 1) of `count` starts.
    fn target(&self, _index: usize, _count: usize, _name: &str) {}
    /// The current target enters a stage (`"planning"`, ...).
    fn phase(&self, _what: &str) {}
    /// A target could not be audited (it is left out of the results).
    fn failed(&self, _name: &str, _error: &AuditError) {}
}

/// Progress nobody watches.
pub struct Silent;

impl Progress for Silent {}

/// Why a target could not be audited.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The target text names nothing trustscan can open.
    #[error("{0}")]
    Target(String),
    /// The target could not be opened or listed (a missing directory, a hub refusal).
    #[error("{0}")]
    Open(String),
    /// The signature set could not be loaded.
    #[error("signatures: {0}")]
    Signatures(String),
}

/// The analyses `scan` adds to the plan, built once and shared by every target.
pub struct Analyses {
    pub engine: Arc<trustscan_python::Engine>,
    pub payload: trustscan_payload::Options,
    pub signatures: PendingSignatures,
    /// Worker threads for the Python and payload analysis.
    pub threads: usize,
    /// What the user's configuration drops, re-rates or suppresses.
    pub filters: Filters,
}

/// Audits targets: built once with how to open them and which analyses to run.
pub struct Auditor {
    open: OpenSettings,
    plan_options: trustscan_load::PlanOptions,
    /// `None`: plans only.
    analyses: Option<Analyses>,
}

impl Auditor {
    pub fn new(open: OpenSettings, analyses: Option<Analyses>) -> Auditor {
        Auditor {
            plan_options: trustscan_load::PlanOptions {
                // Code that auto_map takes from other repositories is looked up in the same
                // cache huggingface_hub would use.
                hf_cache: Some(
                    open.hf_cache
                        .clone()
                        .unwrap_or_else(trustscan_source::hf_hub_cache_dir),
                ),
            },
            open,
            analyses,
        }
    }

    /// Audit every target in order. A target that cannot be audited is reported to
    /// `progress.failed` as it happens, and its error takes its place in the results. `Err`
    /// when the targets cannot be audited together at all.
    pub fn audit_all(
        &self,
        targets: &[String],
        progress: &dyn Progress,
    ) -> Result<Vec<Result<Scan, AuditError>>, AuditError> {
        self.open
            .check_targets(targets)
            .map_err(AuditError::Target)?;
        Ok(targets
            .iter()
            .enumerate()
            .map(|(i, text)| {
                progress.target(i + 1, targets.len(), text);
                let scan = self.audit(text, progress);
                if let Err(e) = &scan {
                    progress.failed(text, e);
                }
                scan
            })
            .collect())
    }

    /// The audit of one target (`text` as the user typed it).
    pub fn audit(&self, text: &str, progress: &dyn Progress) -> Result<Scan, AuditError> {
        let target = Target::parse(text).map_err(|e| AuditError::Target(e.to_string()))?;
        if matches!(target, Target::Hub { .. } | Target::Zoo { .. }) {
            progress.phase("listing the repository");
        }
        let snapshot = self.open.open(&target).map_err(AuditError::Open)?;
        let mut scan = self.audit_snapshot(text, snapshot.as_ref(), progress)?;
        let missing = partial::not_downloaded(&scan.plan, snapshot.as_ref());
        if !missing.is_empty() {
            // A cache that holds part of a repository: what it lacks is read from the hub
            // at the same commit, unless the hub may not be used.
            let from_hub = self.complete_from_hub(snapshot.info(), &missing, progress);
            match from_hub {
                Ok(Some(done)) => return Ok(done),
                Ok(None) => partial::mark(&mut scan, snapshot.info(), &missing, None),
                Err(e) => partial::mark(&mut scan, snapshot.info(), &missing, Some(&e)),
            }
        }
        if let Target::Path(dir) = &target {
            self.point_at_repositories_below(dir, &mut scan);
        }
        Ok(scan)
    }

    /// The audit of one opened snapshot.
    fn audit_snapshot(
        &self,
        text: &str,
        snapshot: &dyn Snapshot,
        progress: &dyn Progress,
    ) -> Result<Scan, AuditError> {
        let Some(a) = &self.analyses else {
            progress.phase("planning");
            let mut plan = trustscan_load::plan(text, snapshot, &self.plan_options);
            plan.snapshot.remote = snapshot.remote();
            return Ok(finish(plan, snapshot, None, Vec::new(), None));
        };
        let (mut plan, code, payloads) = self.analyse(text, snapshot, a, progress)?;
        // What reaching the hub cost, counted after every stage has read what it needs.
        plan.snapshot.remote = snapshot.remote();
        Ok(finish(
            plan,
            snapshot,
            Some(code),
            payloads,
            Some(&a.filters),
        ))
    }

    /// The audit of a partly downloaded cache snapshot's repository read from the hub at the
    /// snapshot's commit, with a note naming what the cache lacked. `Ok(None)` when the hub
    /// may not be used (`--offline`) or the snapshot names no repository and commit.
    fn complete_from_hub(
        &self,
        info: &trustscan_core::SnapshotInfo,
        missing: &[String],
        progress: &dyn Progress,
    ) -> Result<Option<Scan>, String> {
        let (Some(repo), Some(commit)) = (&info.repo_id, &info.commit) else {
            return Ok(None);
        };
        if self.open.hub.offline {
            return Ok(None);
        }
        progress.phase("reading what the cache lacks from the hub");
        let text = format!("hf:{repo}@{commit}");
        let target = Target::parse(&text).map_err(|e| e.to_string())?;
        let open = OpenSettings {
            hub: HubSettings {
                prefer_hub: true,
                ..self.open.hub.clone()
            },
            ..self.open.clone()
        };
        let snapshot = open.open(&target)?;
        let mut scan = self
            .audit_snapshot(&text, snapshot.as_ref(), progress)
            .map_err(|e| e.to_string())?;
        scan.plan.notes.push(trustscan_core::Note::warning(
            None,
            format!(
                "the Hugging Face cache at {} holds a partial download of {repo}@{commit} \
                 (not downloaded: {}): read from the hub instead",
                info.root,
                trustscan_core::text::listed(missing, 3)
            ),
        ));
        Ok(Some(scan))
    }

    /// A directory that holds model repositories rather than being one (`examples/` for
    /// `examples/*/`): say so, in the reason of an UNRECOGNISED verdict or in a warning. Only
    /// mmengine plans configs below the top level, so a directory whose loading APIs are all
    /// mmengine's may still be such a collection.
    fn point_at_repositories_below(&self, dir: &std::path::Path, scan: &mut Scan) {
        let unrecognised = scan.verdict == Verdict::Unrecognised;
        let only_configs = !scan.plan.apis.is_empty()
            && scan
                .plan
                .apis
                .iter()
                .all(|a| a.ecosystem == trustscan_core::Ecosystem::Mmengine);
        if !(unrecognised || only_configs) {
            return;
        }
        let found = nested::repositories_below(dir, &self.plan_options);
        if unrecognised && !found.is_empty() {
            scan.reason = format!(
                "nothing loadable found here, but {}",
                nested::advice(dir, &found)
            );
        } else if found.len() >= 2 {
            scan.plan.notes.push(trustscan_core::Note::warning(
                None,
                format!(
                    "this directory is no model repository itself: {}",
                    nested::advice(dir, &found)
                ),
            ));
        }
    }

    /// The plan, the code report and the payload files of one snapshot, each result with its
    /// reachability.
    fn analyse(
        &self,
        text: &str,
        snapshot: &dyn Snapshot,
        a: &Analyses,
        progress: &dyn Progress,
    ) -> Result<(LoadPlan, CodeReport, Vec<PayloadFile>), AuditError> {
        progress.phase("planning, analysing Python code");
        std::thread::scope(|outer| {
            // The files' analysis needs no plan: it starts first and the plan is made beside
            // it (planning is serial and would leave a core idle).
            let files = outer.spawn(|| code::analyse_files(&a.engine, snapshot, a.threads));
            let plan = trustscan_load::plan(text, snapshot, &self.plan_options);
            let reach = reach::Reach::new(&plan);
            progress.phase("analysing Python code, inspecting payloads, matching signatures");
            let (mut code, files, unsigned) = std::thread::scope(|scope| {
                // Payloads and signatures run beside the Python analysis, whose joins (the
                // call graph, reachability) leave cores idle.
                let beside = scope.spawn(|| {
                    let (sigs, unsigned) = match a.signatures.get() {
                        Ok(s) => (Some(s), None),
                        Err(e) => (None, Some(e)),
                    };
                    let files = payloads::scan(&reach, snapshot, a.threads, &a.payload, sigs);
                    (files, unsigned)
                });
                let analysis = files
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                let code = reach.code(&plan, analysis);
                let (files, unsigned) = beside
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (code, files, unsigned)
            });
            if let Some(e) = unsigned {
                return Err(AuditError::Signatures(e));
            }
            let (payloads, signature_findings) = reach.payloads(files);
            code.findings.extend(signature_findings);
            Ok((plan, code, payloads))
        })
    }
}

/// The scan with the configuration's filters and the baseline applied, findings in the
/// report's order, and the verdict decided on what remains.
fn finish(
    plan: LoadPlan,
    snapshot: &dyn Snapshot,
    mut code: Option<CodeReport>,
    mut payloads: Vec<PayloadFile>,
    filters: Option<&Filters>,
) -> Scan {
    let mut suppressed = 0;
    if let Some(f) = filters {
        let findings = code.as_mut().map(|c| &mut c.findings);
        suppressed = f.apply(findings, &mut payloads);
    }
    if let Some(c) = &mut code {
        sort_findings(&mut c.findings);
    }
    let (verdict, reason) = decide(&plan, code.as_ref(), &payloads);
    Scan {
        code_at_load: reach::code_at_load(&plan, snapshot),
        plan,
        code,
        payloads,
        verdict,
        reason,
        suppressed,
        not_downloaded: Vec::new(),
    }
}

/// The report's order: strongest reachability first, then severity, confidence, place, rule.
pub fn sort_findings(findings: &mut [Finding]) {
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

/// Worker threads to use by default: every core.
pub fn default_threads() -> usize {
    trustscan_python::default_threads()
}
