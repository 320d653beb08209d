//! `trustscan check` and `trustscan rules`: the Python rules on files named directly.

use std::path::{Path, PathBuf};
use trustscan_python::{Engine, FileReport, Options};

/// What `check` found to read: Python files, and every other file (a payload candidate,
/// judged by content).
#[derive(Default)]
pub struct Discovered {
    pub python: Vec<PathBuf>,
    pub other: Vec<PathBuf>,
    /// Files of `other` named on the command line: Python unless their content is a
    /// payload format.
    pub named: std::collections::BTreeSet<PathBuf>,
    pub errors: Vec<String>,
}

/// Files under the paths, sorted; symlinks are not followed. A file named directly is
/// Python unless its content is a payload format (as `bandit` reads any file it is given).
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let mut d = Discovered::default();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut d),
            Ok(m) if m.is_file() && is_python(p) => d.python.push(p.clone()),
            Ok(m) if m.is_file() => {
                d.other.push(p.clone());
                d.named.insert(p.clone());
            }
            Ok(_) => d
                .errors
                .push(format!("{}: not a regular file or directory", p.display())),
            Err(e) => d.errors.push(format!("{}: {e}", p.display())),
        }
    }
    for v in [&mut d.python, &mut d.other] {
        v.sort();
        v.dedup();
    }
    d
}

fn is_python(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "py" || x == "pyw")
}

fn walk(dir: &Path, d: &mut Discovered) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                d.errors.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            let path = e.path();
            if t.is_dir() {
                stack.push(path);
            } else if t.is_file() && is_python(&path) {
                d.python.push(path);
            } else if t.is_file() {
                d.other.push(path);
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

/// A file judged by the payload scanner; `None` when it cannot be opened (`discover`
/// reports such paths), a report naming the reason when it cannot be read.
pub fn judge(
    path: &Path,
    options: &trustscan_payload::Options,
) -> Option<trustscan_core::PayloadFile> {
    let file = std::fs::File::open(path).ok()?;
    let report = match trustscan_source::map_file(&file) {
        Ok(bytes) => trustscan_payload::inspect_file(&bytes, &path.to_string_lossy(), options),
        Err(e) => trustscan_core::PayloadReport::unreadable(format!("cannot read: {e}")),
    };
    Some(payload_file(path, report))
}

/// A file `check` was given, with its payload report (nothing loads it).
pub fn payload_file(
    path: &Path,
    report: trustscan_core::PayloadReport,
) -> trustscan_core::PayloadFile {
    trustscan_core::PayloadFile::new(
        path.display().to_string(),
        report,
        trustscan_core::Reachability::NotReached,
        Vec::new(),
    )
}
