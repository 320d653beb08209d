//! Payload files: every file of a scanned repository (or named to `check`) sniffed by
//! content and judged by the payload scanner, with the loading APIs that deserialize it.

use std::collections::BTreeMap;
use trustscan_core::PayloadFile;
use trustscan_core::PayloadReport;
use trustscan_core::{LoadPlan, Reachability, StepKind, Subject};
use trustscan_payload::Options;
use trustscan_source::Snapshot;

/// The allowlist extension flags of `scan` and `check`.
#[derive(clap::Args)]
pub struct AllowArgs {
    /// Allow these pickle globals besides the built-in allowlist (`module.name`, or
    /// `module.*` for a module and its submodules); known gadgets stay dangerous.
    #[arg(long, value_delimiter = ',', value_name = "GLOBAL")]
    allow_global: Vec<String>,
    /// Read more allowed globals from a file, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    allowlist: Option<std::path::PathBuf>,
}

impl AllowArgs {
    /// Payload options with the user's allowlist extension (flags and configuration);
    /// `Err` names the bad entry.
    pub fn options(&self, config: &crate::config::Loaded) -> Result<Options, String> {
        let mut o = Options::default();
        for g in &self.allow_global {
            o.allow.add(g).map_err(|e| format!("--allow-global: {e}"))?;
        }
        for g in &config.config.allow_globals {
            o.allow.add(g).map_err(|e| format!("allow-globals: {e}"))?;
        }
        let files = self
            .allowlist
            .iter()
            .cloned()
            .chain(config.config.allowlist.as_deref().map(|p| config.path(p)));
        for path in files {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            o.allow
                .add_file(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(o)
    }
}

/// Judge every payload file of the snapshot. Files a loading API deserializes are always
/// reported; others only when their content is a payload format. `also` runs on each
/// file's bytes, its report and whether the plan loads it, from the same read (the
/// signature scan): one value per file read, in snapshot order; `also_failed` (with the
/// same report and flag) stands in for a run of `also` that failed with an internal error.
pub fn scan<T: Send>(
    plan: &LoadPlan,
    snapshot: &dyn Snapshot,
    threads: usize,
    options: &Options,
    also: impl Fn(&str, &[u8], &PayloadReport, bool) -> T + Sync,
    also_failed: impl Fn(&str, &PayloadReport, bool) -> T + Sync,
) -> (Vec<PayloadFile>, Vec<T>) {
    let loaded = loaded_files(plan);
    let paths: Vec<&str> = snapshot
        .files()
        .iter()
        .filter(|f| f.is_readable())
        .map(|f| f.path.as_str())
        .collect();
    // The loading APIs that deserialize each file (and whether one unpickles it as is).
    let loaded_by: Vec<_> = paths
        .iter()
        .map(|&path| {
            loaded
                .get(path)
                .or_else(|| snapshot.url_of(path).and_then(|u| loaded.get(u)))
        })
        .collect();
    let inspect = |path: &str, bytes: &trustscan_source::Bytes, unpickled: bool| -> PayloadReport {
        let r = match bytes.present() {
            // A local header is 30 bytes; a fetched member has all of them.
            Some(ranges) => trustscan_payload::inspect_partial(bytes, path, options, &|at| {
                trustscan_source::covered(ranges, at, at.saturating_add(30))
            }),
            None => trustscan_payload::inspect_file(bytes, path, options),
        };
        // torch.load and pickle.load unpickle whatever they are given.
        if unpickled && !r.is_payload() {
            trustscan_payload::inspect::as_pickle(bytes, options)
        } else {
            r
        }
    };
    // Each stage is caught on its own: a failed inspection is inconclusive, never clean,
    // and does not keep `also` from the file.
    let per_file = trustscan_pyparse::parallel_map(paths.len(), threads, |i| {
        let path = paths[i];
        let bytes = match snapshot.view(path) {
            Ok(bytes) => bytes,
            Err(e) => return (PayloadReport::unreadable(e.to_string()), None),
        };
        let unpickled = matches!(loaded_by[i], Some((_, true)));
        let report = caught(|| inspect(path, &bytes, unpickled))
            .unwrap_or_else(|| internal_error("inspecting it"));
        let loaded = loaded_by[i].is_some();
        let extra = caught(|| also(path, &bytes, &report, loaded))
            .unwrap_or_else(|| also_failed(path, &report, loaded));
        (report, Some(extra))
    });
    let mut extras = Vec::new();
    let payloads = paths
        .iter()
        .zip(loaded_by)
        .zip(per_file)
        .filter_map(|((&path, by), done)| {
            // A failed inspection is inconclusive, never clean.
            let (report, extra) = done.unwrap_or_else(|| (internal_error("inspecting it"), None));
            extras.extend(extra);
            if !report.is_payload() && by.is_none() {
                return None;
            }
            Some(PayloadFile::new(
                path.to_string(),
                report,
                if by.is_some() {
                    Reachability::RunsAtLoad
                } else {
                    Reachability::NotReached
                },
                by.map(|(apis, _)| apis.clone()).unwrap_or_default(),
            ))
        })
        .collect();
    (payloads, extras)
}

/// `f`'s value, or `None` if it panicked (the panic is caught).
fn caught<R>(f: impl FnOnce() -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// A report for a file whose `stage` failed with an internal error (a bug, caught).
pub fn internal_error(stage: &str) -> PayloadReport {
    PayloadReport::unreadable(format!("{stage} failed with an internal error"))
}

/// Repository files (and URLs) the plan deserializes: the APIs that do, and whether any of
/// them unpickles it.
fn loaded_files(plan: &LoadPlan) -> BTreeMap<&str, (Vec<String>, bool)> {
    let mut out: BTreeMap<&str, (Vec<String>, bool)> = BTreeMap::new();
    for api in &plan.apis {
        for s in &api.steps {
            let path = match &s.subject {
                Subject::File {
                    path,
                    repository: None,
                } => path,
                // A checkpoint URL: the snapshot may hold it as a file (`url_of`).
                Subject::Url { url } => url,
                _ => continue,
            };
            if s.kind == StepKind::DeserializePayload {
                let e = out.entry(path.as_str()).or_default();
                let label = format!("{} {}", api.ecosystem.display_name(), api.api_label());
                if !e.0.contains(&label) {
                    e.0.push(label);
                }
                e.1 |= s.format.is_some_and(|f| f.runs_code_when_loaded());
            }
        }
    }
    out
}
