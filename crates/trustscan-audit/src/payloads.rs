//! Payload files: every file of a scanned repository sniffed by content and judged by the
//! payload scanner, and matched against the signatures from the same read.

use crate::reach::{Deserialized, Reach};
use crate::signatures::FileScan;
use trustscan_core::{Finding, PayloadReport};
use trustscan_payload::Options;
use trustscan_signatures::Signatures;
use trustscan_source::Snapshot;

/// One file's results, before reachability is assigned.
pub struct FileResult<'r> {
    pub path: String,
    pub report: PayloadReport,
    /// How loading deserializes it, if it does.
    pub deserialized: Option<&'r Deserialized>,
    /// Signature matches in it.
    pub signatures: Vec<Finding>,
}

/// Judge every readable file of the snapshot, and match the signatures (when loaded) on the
/// bytes read for it; in snapshot order.
pub fn scan<'r>(
    reach: &'r Reach,
    snapshot: &dyn Snapshot,
    threads: usize,
    options: &Options,
    signatures: Option<&Signatures>,
) -> Vec<FileResult<'r>> {
    let paths: Vec<&str> = snapshot
        .files()
        .iter()
        .filter(|f| f.is_readable())
        .map(|f| f.path.as_str())
        .collect();
    let deserialized: Vec<Option<&Deserialized>> = paths
        .iter()
        .map(|path| reach.deserialized(path, snapshot))
        .collect();
    let signed = signatures.map(FileScan::new);
    // Each stage is caught on its own: a failed inspection is inconclusive, never clean,
    // and does not keep the signatures from the file.
    let done = trustscan_pyparse::parallel_map(paths.len(), threads, |i| {
        let (path, loaded) = (paths[i], deserialized[i]);
        let bytes = match snapshot.view(path) {
            Ok(bytes) => bytes,
            Err(e) => return (PayloadReport::unreadable(e.to_string()), Vec::new()),
        };
        let report = caught(|| inspect(path, &bytes, loaded, options))
            .unwrap_or_else(|| internal_error("inspecting it"));
        let matches = match &signed {
            Some(s) => caught(|| s.findings(path, &bytes, &report, loaded.is_some()))
                .unwrap_or_else(|| s.failed(path, &report, loaded.is_some())),
            None => Vec::new(),
        };
        (report, matches)
    });
    paths
        .iter()
        .zip(deserialized)
        .zip(done)
        .map(|((path, deserialized), done)| {
            // A failed inspection is inconclusive, never clean.
            let (report, signatures) =
                done.unwrap_or_else(|| (internal_error("inspecting it"), Vec::new()));
            FileResult {
                path: path.to_string(),
                report,
                deserialized,
                signatures,
            }
        })
        .collect()
}

/// The payload report of one file's bytes (`loaded`: how loading deserializes it).
fn inspect(
    path: &str,
    bytes: &trustscan_source::Bytes,
    loaded: Option<&Deserialized>,
    options: &Options,
) -> PayloadReport {
    let r = match bytes.present() {
        // A local header is 30 bytes; a fetched member has all of them.
        Some(ranges) => trustscan_payload::inspect_partial(bytes, path, options, &|at| {
            trustscan_source::covered(ranges, at, at.saturating_add(30))
        }),
        None => trustscan_payload::inspect_file(bytes, path, options),
    };
    match loaded {
        // torch.load and pickle.load unpickle whatever they are given.
        Some(d) if d.unpickled && !r.is_payload() => {
            trustscan_payload::inspect::as_pickle(bytes, options)
        }
        // An unsafe YAML loader constructs whatever Python tags the file names.
        Some(d) if d.unsafe_yaml && !r.is_payload() => {
            trustscan_payload::inspect::as_unsafe_yaml(bytes, options)
        }
        _ => r,
    }
}

/// `f`'s value, or `None` if it panicked (the panic is caught).
fn caught<R>(f: impl FnOnce() -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// A report for a file whose `stage` failed with an internal error (a bug, caught).
pub fn internal_error(stage: &str) -> PayloadReport {
    PayloadReport::unreadable(format!("{stage} failed with an internal error"))
}
