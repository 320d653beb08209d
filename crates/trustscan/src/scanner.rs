//! One target through every stage: open, plan, then (for `scan`) the Python analysis, the
//! payload scanner and the signatures, and the configuration's filters.

use crate::config::Loaded;
use crate::progress::Progress;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use trustscan_report::Scan;
use trustscan_signatures::Signatures;
use trustscan_source::{OpenOptions, Target};

pub struct Scanner {
    pub plan_options: trustscan_load::PlanOptions,
    pub open_options: OpenOptions,
    /// How hub targets are reached.
    pub remote: crate::remote::RemoteArgs,
    /// The analyses `scan` adds to the plan; `None` for `plan`.
    pub analysis: Option<Analysis>,
}

/// A signature set, or the thread loading it.
pub struct PendingSignatures {
    compiling: Mutex<Option<JoinHandle<Result<Signatures, String>>>>,
    compiled: OnceLock<Result<Signatures, String>>,
}

impl PendingSignatures {
    pub fn ready(signatures: Signatures) -> PendingSignatures {
        PendingSignatures {
            compiling: Mutex::new(None),
            compiled: OnceLock::from(Ok(signatures)),
        }
    }

    /// Load or compile on a background thread; [`PendingSignatures::get`] waits for it.
    pub fn spawn(
        compile: impl FnOnce() -> Result<Signatures, String> + Send + 'static,
    ) -> PendingSignatures {
        PendingSignatures {
            compiling: Mutex::new(Some(std::thread::spawn(compile))),
            compiled: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Result<&Signatures, String> {
        self.compiled
            .get_or_init(|| {
                let handle = self
                    .compiling
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                match handle.map(JoinHandle::join) {
                    Some(Ok(compiled)) => compiled,
                    Some(Err(_)) => Err("compiling the signatures failed".into()),
                    None => Err("the signatures were not compiled".into()),
                }
            })
            .as_ref()
            .map_err(|e| format!("signatures: {e}"))
    }
}

pub struct Analysis {
    pub engine: Arc<trustscan_python::Engine>,
    pub payload_options: trustscan_payload::Options,
    pub signatures: PendingSignatures,
    pub threads: usize,
    pub config: Loaded,
}

impl Scanner {
    /// `hf_cache`: the Hugging Face cache for `hf:` targets and cross-repository code
    /// (default: huggingface_hub's); `revision` and `max_files` as the flags say.
    pub fn new(
        hf_cache: Option<std::path::PathBuf>,
        revision: Option<String>,
        max_files: Option<usize>,
        remote: crate::remote::RemoteArgs,
        analysis: Option<Analysis>,
    ) -> Scanner {
        Scanner {
            plan_options: trustscan_load::PlanOptions {
                hf_cache: Some(
                    hf_cache
                        .clone()
                        .unwrap_or_else(trustscan_source::hf_hub_cache_dir),
                ),
            },
            open_options: OpenOptions {
                revision,
                max_files,
                hf_cache,
            },
            remote,
            analysis,
        }
    }

    /// The scan of one target (`text` as the user typed it); `Err` says why it could not
    /// be opened.
    pub fn scan(&self, text: &str, progress: &Progress) -> Result<Scan, String> {
        let target = Target::parse(text).map_err(|e| e.to_string())?;
        if matches!(target, Target::Hub { .. }) {
            progress.phase("listing the repository");
        }
        let snapshot = self.remote.open(&target, &self.open_options)?;
        let snapshot = snapshot.as_ref();
        let clock = std::time::Instant::now();
        let Some(a) = &self.analysis else {
            progress.phase("planning");
            let mut plan = trustscan_load::plan(text, snapshot, &self.plan_options);
            plan.snapshot.remote = snapshot.remote();
            return Ok(Scan {
                plan,
                code: None,
                payloads: Vec::new(),
            });
        };
        progress.phase("planning, analysing Python code");
        let (payload_options, signatures, threads) = (&a.payload_options, &a.signatures, a.threads);
        let (mut plan, mut code, beside, planned, analysed) = std::thread::scope(|outer| {
            // The files' analysis needs no plan: it starts first and the plan is made beside it
            // (planning is serial and would leave a core idle).
            let files = outer.spawn(|| crate::code::analyse_files(&a.engine, snapshot, threads));
            let plan = trustscan_load::plan(text, snapshot, &self.plan_options);
            let planned = clock.elapsed();
            progress.phase("analysing Python code, inspecting payloads, matching signatures");
            let plan_ref = &plan;
            let (code, beside, analysed) = std::thread::scope(|scope| {
                // Payloads and signatures run beside the Python analysis, whose joins (the
                // call graph, reachability) leave cores idle.
                let beside = scope.spawn(move || {
                    // Signatures are matched on the bytes the payload scanner reads.
                    let sigs = signatures.get();
                    let signed = sigs
                        .as_ref()
                        .ok()
                        .map(|sigs| crate::signatures::FileScan::new(sigs, plan_ref));
                    let (payloads, found) = crate::payloads::scan(
                        plan_ref,
                        snapshot,
                        threads,
                        payload_options,
                        |path, bytes, report, loaded| match &signed {
                            Some(s) => s.findings(path, bytes, report, loaded),
                            None => Vec::new(),
                        },
                        |path, report, loaded| match &signed {
                            Some(s) => s.failed(path, report, loaded),
                            None => Vec::new(),
                        },
                    );
                    (
                        payloads,
                        sigs.map(|_| found.into_iter().flatten().collect::<Vec<_>>()),
                    )
                });
                let files = files
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                let code = trustscan_python::code_report(plan_ref, files);
                let analysed = clock.elapsed();
                let beside = beside
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (code, beside, analysed)
            });
            (plan, code, beside, planned, analysed)
        });
        let (mut payloads, signed) = beside;
        code.findings.extend(signed?);
        a.config.filter_findings(&mut code.findings);
        a.config.filter_payloads(&mut payloads);
        trustscan_python::sort_findings(&mut code.findings);
        if std::env::var_os("TRUSTSCAN_TIMINGS").is_some() {
            eprintln!(
                "trustscan: {text}: plan {planned:?}, code {:?}, then payloads and signatures {:?} more",
                analysed - planned,
                clock.elapsed() - analysed
            );
        }
        // What reaching the hub cost, counted after every stage has read what it needs.
        plan.snapshot.remote = snapshot.remote();
        Ok(Scan {
            plan,
            code: Some(code),
            payloads,
        })
    }
}
