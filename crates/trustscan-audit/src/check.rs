//! `check`: the Python rules on files and directories named directly (like `bandit -r`), and
//! every other file found judged by content as a payload. Nothing loads these files: no plan,
//! no reachability.

use crate::{Filters, Progress};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use trustscan_core::{CheckedFile, PayloadFile, PayloadReport, Reachability};
use trustscan_python::{Engine, FileReport};

/// What `check` runs.
pub struct CheckOptions {
    pub rules: trustscan_python::Options,
    pub payload: trustscan_payload::Options,
    pub threads: usize,
    /// Excluded paths are skipped; findings are filtered and suppressed as for a scan.
    pub filters: Filters,
}

/// What `check` found.
#[derive(Debug, Default)]
pub struct Checked {
    /// The Python files, in path order.
    pub files: Vec<CheckedFile>,
    /// Every other file whose content is a payload format, judged.
    pub payloads: Vec<PayloadFile>,
    /// Paths that could not be read (a missing file, an unreadable directory).
    pub errors: Vec<String>,
    /// Findings and payload files left out because the filters' baseline records them.
    pub suppressed: usize,
}

/// Check the files under `paths`.
pub fn check(paths: &[PathBuf], options: &CheckOptions, progress: &dyn Progress) -> Checked {
    let Discovered {
        python: mut files,
        mut other,
        named,
        errors,
    } = discover(paths);
    for list in [&mut files, &mut other] {
        list.retain(|p| options.filters.included(&p.to_string_lossy()));
    }
    progress.target(1, 1, &format!("{} files", files.len() + other.len()));
    progress.phase("inspecting payloads");
    // Every other file is judged by content; those named directly that are no payload
    // format are read as Python, as `bandit` reads any file it is given.
    let mut payloads = Vec::new();
    let judged = trustscan_pyparse::parallel_map(other.len(), options.threads, |i| {
        judge(&other[i], &options.payload)
    });
    for (path, judged) in other.iter().zip(judged) {
        // A judgement that failed is inconclusive, never clean.
        let judged = judged.unwrap_or_else(|| {
            Some(payload_file(
                path,
                crate::payloads::internal_error("inspecting it"),
            ))
        });
        match judged {
            Some(p) if p.is_payload() => payloads.push(p),
            _ if named.contains(path) => files.push(path.clone()),
            _ => {}
        }
    }
    files.sort();
    progress.phase("analysing Python code");
    // Building the rule engine costs milliseconds: only when there is Python to check.
    let reports = if files.is_empty() {
        Vec::new()
    } else {
        run(&Engine::new(options.rules.clone()), &files, options.threads)
    };
    let mut suppressed = 0;
    let mut files: Vec<CheckedFile> = reports
        .into_iter()
        .map(|(path, r)| {
            let mut findings = r.findings;
            options.filters.findings(&mut findings);
            CheckedFile {
                path,
                findings,
                notes: r.notes,
                nosec: r.nosec,
                skipped_tests: r.skipped_tests,
            }
        })
        .collect();
    for f in &mut files {
        suppressed += options.filters.suppress(&mut f.findings, &mut Vec::new());
    }
    suppressed += options.filters.suppress(&mut Vec::new(), &mut payloads);
    Checked {
        files,
        payloads,
        errors,
        suppressed,
    }
}

/// What `check` found to read: Python files, and every other file (a payload candidate,
/// judged by content).
#[derive(Default)]
struct Discovered {
    python: Vec<PathBuf>,
    other: Vec<PathBuf>,
    /// Files of `other` named on the command line: Python unless their content is a
    /// payload format.
    named: std::collections::BTreeSet<PathBuf>,
    errors: Vec<String>,
}

/// Files under the paths, sorted; symlinks are not followed. A file named directly is
/// Python unless its content is a payload format (as `bandit` reads any file it is given).
fn discover(paths: &[PathBuf]) -> Discovered {
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
fn run(engine: &Arc<Engine>, files: &[PathBuf], threads: usize) -> Vec<(String, FileReport)> {
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    trustscan_python::check_files(
        engine,
        &shown,
        |p| std::fs::read(p).map_err(|e| e.to_string()),
        threads,
        false,
    )
}

/// A file judged by the payload scanner; `None` when it cannot be opened (`discover`
/// reports such paths), a report naming the reason when it cannot be read.
fn judge(path: &Path, options: &trustscan_payload::Options) -> Option<PayloadFile> {
    let file = std::fs::File::open(path).ok()?;
    let report = match trustscan_source::map_file(&file) {
        Ok(bytes) => trustscan_payload::inspect_file(&bytes, &path.to_string_lossy(), options),
        Err(e) => PayloadReport::unreadable(format!("cannot read: {e}")),
    };
    Some(payload_file(path, report))
}

/// A file `check` was given, with its payload report (nothing loads it).
fn payload_file(path: &Path, report: PayloadReport) -> PayloadFile {
    PayloadFile::new(
        path.display().to_string(),
        report,
        Reachability::NotReached,
        Vec::new(),
    )
}
