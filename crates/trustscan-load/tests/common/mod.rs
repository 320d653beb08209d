//! Shared helpers for the differential tests: where the oracle environments and fixtures are,
//! how to run an oracle, how to lay a fixture out as a Hugging Face cache entry.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

/// The Python of one oracle environment made by `scripts/setup-oracles.sh`. A missing
/// environment fails the test: an oracle test that silently skips proves nothing.
pub fn oracle_python(env: &str) -> PathBuf {
    let dir = std::env::var_os("TRUSTSCAN_ORACLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".venv-oracles"));
    let python = dir.join(env).join("bin").join("python");
    assert!(
        python.exists(),
        "oracle environment {} is missing: run scripts/setup-oracles.sh (or set TRUSTSCAN_ORACLES)",
        python.display()
    );
    python
}

/// Run an oracle script and parse its JSON output.
pub fn run_oracle(python: &Path, script: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(python)
        .arg(workspace().join("tests").join("oracle").join(script))
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .output()
        .expect("run the oracle");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "oracle {script} {args:?} printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Copy a directory tree (files only, no symlinks followed out).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if ty.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Lay `repo` out as `models--org--name` in a Hugging Face cache under `cache`; returns the
/// entry directory.
pub fn hub_layout(repo: &Path, cache: &Path, repo_id: &str) -> PathBuf {
    let entry = cache.join(format!("models--{}", repo_id.replace('/', "--")));
    std::fs::create_dir_all(entry.join("refs")).unwrap();
    std::fs::write(entry.join("refs").join("main"), COMMIT).unwrap();
    copy_tree(repo, &entry.join("snapshots").join(COMMIT));
    entry
}

/// Sorted subdirectories of a fixture family.
pub fn fixture_dirs(family: &str) -> Vec<PathBuf> {
    let dir = workspace().join("tests").join("fixtures").join(family);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Run `jobs` on two threads (this machine's cores), collecting their error messages.
pub fn run_parallel<T: Send>(jobs: Vec<T>, f: impl Fn(T) -> Vec<String> + Sync) -> Vec<String> {
    let jobs = std::sync::Mutex::new(jobs);
    let errors = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let job = jobs.lock().unwrap().pop();
                    let Some(job) = job else { break };
                    let e = f(job);
                    errors.lock().unwrap().extend(e);
                }
            });
        }
    });
    let mut e = errors.into_inner().unwrap();
    e.sort();
    e
}
