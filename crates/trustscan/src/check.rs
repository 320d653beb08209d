//! `trustscan check` and `trustscan rules`: the Python rules on files named directly.

use std::path::{Path, PathBuf};
use trustscan_python::{Engine, FileReport, Options};

/// `.py` and `.pyw` files under the paths, sorted; symlinks are not followed.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut files, &mut errors),
            Ok(m) if m.is_file() => files.push(p.clone()),
            Ok(_) => errors.push(format!("{}: not a regular file or directory", p.display())),
            Err(e) => errors.push(format!("{}: {e}", p.display())),
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                errors.push(format!("{}: {e}", d.display()));
                continue;
            }
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            let path = e.path();
            if t.is_dir() {
                stack.push(path);
            } else if t.is_file() && path.extension().is_some_and(|x| x == "py" || x == "pyw") {
                files.push(path);
            }
        }
    }
}

/// Check every file on `threads` workers; reports in file order.
pub fn run(
    engine: &std::sync::Arc<Engine>,
    files: &[PathBuf],
    threads: usize,
) -> Vec<(String, FileReport)> {
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    trustscan_python::check_files(
        engine,
        &shown,
        |p| std::fs::read(p).map_err(|e| e.to_string()),
        threads,
        false,
    )
}

/// Options from a Bandit-style JSON configuration: `{"tests": [IDs] | null, "config":
/// {"B101": {"skips": [...]}, ...}}` (used to run Bandit's own functional tests).
pub fn bandit_options(path: &Path, honor_nosec: bool) -> Result<Options, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut o = Options {
        honor_nosec,
        ..Default::default()
    };
    if let Some(tests) = v.get("tests").and_then(|t| t.as_array()) {
        o.select = Some(
            tests
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
        );
    }
    let cfg = v.get("config").cloned().unwrap_or_default();
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(b101) = cfg.get("B101") {
        o.assert_skips = strings(b101.get("skips"));
    }
    if let Some(b) = cfg.get("B110").and_then(|c| c.get("check_typed_exception")) {
        o.try_except_pass_typed = b.as_bool().unwrap_or(false);
    }
    if let Some(b) = cfg.get("B112").and_then(|c| c.get("check_typed_exception")) {
        o.try_except_continue_typed = b.as_bool().unwrap_or(false);
    }
    if let Some(m) = cfg.get("markupsafe_xss") {
        o.markup_names_extend = strings(m.get("extend_markup_names"));
        o.markup_allowed_calls = strings(m.get("allowed_calls"));
    }
    Ok(o)
}

/// A pickle stream found in a file named on the command line, judged by the payload policy.
pub struct PayloadReport {
    pub path: String,
    /// The archive entry holding the stream (empty: the file is the stream).
    pub entry: String,
    pub verdict: trustscan_payload::policy::Verdict,
    pub reasons: Vec<String>,
    pub analysis: trustscan_payload::pickle::Analysis,
}

/// Whether a file named directly is a payload rather than Python source: a zip archive
/// (PyTorch's format) or a pickle, by content; protocol 0/1 pickles look like text, so for
/// them the `.pkl`/`.pickle` extension decides.
pub fn is_payload(path: &Path) -> bool {
    let mut head = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"PK\x03\x04")
        || matches!(head, [0x80, 2..=5, ..])
        || path
            .extension()
            .is_some_and(|x| x == "pkl" || x == "pickle")
}

/// Every pickle stream in a payload file, judged; `Err` names the file and why it could not
/// be read.
pub fn payloads(path: &Path) -> Result<Vec<PayloadReport>, String> {
    let shown = path.display().to_string();
    let data = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let streams = trustscan_payload::pickles_in(&data, &Default::default())
        .map_err(|e| format!("{shown}: {e}"))?;
    Ok(streams
        .into_iter()
        .map(|(entry, analysis)| {
            let (verdict, reasons) = trustscan_payload::policy::judge(&analysis);
            PayloadReport {
                path: shown.clone(),
                entry,
                verdict,
                reasons,
                analysis,
            }
        })
        .collect())
}
