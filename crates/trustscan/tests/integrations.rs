//! The integration files at the repository root, checked with the tools that consume them:
//! `.pre-commit-hooks.yaml` with pre-commit's own manifest loader and by running its hooks
//! through `pre-commit try-repo` (pinned in scripts/setup-oracles.sh).

mod common;

use common::{oracle, run, workspace};
use std::path::{Path, PathBuf};
use std::process::Command;

fn pre_commit_python() -> PathBuf {
    oracle("pre-commit/bin/python")
}

/// pre-commit's loader on a manifest: the hook ids and languages it resolves, or its error.
fn load_manifest(path: &Path) -> (bool, String) {
    run(Command::new(pre_commit_python())
        .args([
            "-c",
            "import sys\n\
         from pre_commit.clientlib import load_manifest\n\
         for h in load_manifest(sys.argv[1]):\n    print(h['id'], h['language'])",
        ])
        .arg(path))
}

#[test]
fn pre_commit_manifest_loads_with_pre_commit() {
    let (ok, out) = load_manifest(&workspace().join(".pre-commit-hooks.yaml"));
    assert!(ok, "{out}");
    // pre-commit 4 calls `system` `unsupported`: it runs the trustscan on PATH.
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["trustscan unsupported", "trustscan-check unsupported"]
    );
    let text = std::fs::read_to_string(workspace().join(".pre-commit-hooks.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (broken, expected) in [
        (text.replace("  entry: trustscan check\n", ""), "entry"),
        (
            text.replacen("\n  language: system", "\n  language: cargo", 1),
            "language",
        ),
        (
            text.replace("pass_filenames: false", "pass_filenames: no-thanks"),
            "pass_filenames",
        ),
    ] {
        assert_ne!(broken, text, "the edit for {expected} applies");
        let path = dir.path().join(".pre-commit-hooks.yaml");
        std::fs::write(&path, broken).unwrap();
        let (ok, out) = load_manifest(&path);
        assert!(!ok, "a manifest broken at {expected} loaded:\n{out}");
        assert!(out.contains("InvalidManifestError"), "{out}");
        assert!(out.contains(expected), "{out}");
    }
}

fn git(dir: &Path, args: &[&str]) {
    let (ok, out) = run(Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .current_dir(dir));
    assert!(ok, "git {args:?}: {out}");
}

/// A new git repository holding `files` (relative path, contents), committed.
fn repository(dir: &Path, files: &[(&str, Vec<u8>)]) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q"]);
    for (name, data) in files {
        std::fs::write(dir.join(name), data).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "files"]);
}

/// The directory of the binary under test, first on PATH: the hooks run the `trustscan` they
/// find there.
fn path_with_trustscan() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_trustscan")).parent().unwrap();
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

#[test]
fn pre_commit_runs_the_hooks() {
    let tmp = tempfile::tempdir().unwrap();
    // The manifest alone in a repository of its own: try-repo clones a commit, and this
    // worktree's manifest may not be committed yet.
    let hooks = tmp.path().join("hooks");
    let manifest = std::fs::read(workspace().join(".pre-commit-hooks.yaml")).unwrap();
    repository(&hooks, &[(".pre-commit-hooks.yaml", manifest)]);
    // A model repository whose loading runs a decoded exec, and a Python file with a finding.
    let model = tmp.path().join("model");
    let example = workspace().join("examples/transformers-hidden-payload");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&example)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.push((
        "shell.py".into(),
        b"import os\nos.system(input())\n".to_vec(),
    ));
    files.push(("clean.py".into(), b"print('hello')\n".to_vec()));
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    repository(&model, &files);
    let try_repo = |args: &[&str]| {
        run(Command::new(oracle("pre-commit/bin/pre-commit"))
            .arg("try-repo")
            .arg(&hooks)
            .args(args)
            .current_dir(&model)
            .env("PATH", path_with_trustscan())
            .env("PRE_COMMIT_HOME", tmp.path().join("cache")))
    };
    let (ok, out) = try_repo(&["trustscan", "--all-files"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("DANGEROUS  ."),
        "scans the repository root:\n{out}"
    );
    let (ok, out) = try_repo(&["trustscan-check", "--files", "shell.py", "config.json"]);
    assert!(!ok, "{out}");
    assert!(out.contains("shell.py:2:1: B605"), "{out}");
    assert!(
        !out.contains("modeling_hidden.py"),
        "only the files named are checked:\n{out}"
    );
    let (ok, out) = try_repo(&["trustscan-check", "--files", "clean.py"]);
    assert!(ok, "{out}");
}
