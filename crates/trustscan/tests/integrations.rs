//! The integration files at the repository root, checked with the tools that consume them:
//! `.pre-commit-hooks.yaml` with pre-commit's own manifest loader and by running its hooks
//! through `pre-commit try-repo`, `action.yml` with action-validator (SchemaStore's
//! github-action schema) and by running its shell steps as the runner would. Both tools are
//! pinned in scripts/setup-oracles.sh.

mod common;

use common::{oracle, run, workspace};
use serde_json::Value;
use std::collections::HashMap;
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
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
fn repository(dir: &Path, files: &[(String, Vec<u8>)]) {
    std::fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q"]);
    for (name, data) in files {
        std::fs::write(dir.join(name), data).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "files"]);
}

/// The directory of the binary under test, first on PATH: the hooks and the action run the
/// `trustscan` they find there.
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
    repository(&hooks, &[(".pre-commit-hooks.yaml".into(), manifest)]);
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

/// action-validator on a file named `action.yml` (it picks the schema by the file name).
fn validate_action(text: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("action.yml");
    std::fs::write(&path, text).unwrap();
    run(Command::new("node")
        .arg(oracle(
            "action-validator/node_modules/@action-validator/cli/cli.mjs",
        ))
        .arg(&path))
}

#[test]
fn action_is_valid_for_github() {
    let text = std::fs::read_to_string(workspace().join("action.yml")).unwrap();
    let (ok, out) = validate_action(&text);
    assert!(ok, "{out}");
    for (broken, expected) in [
        (text.replace("using: composite", "using: compost"), "/runs"),
        (
            text.replacen("      shell: bash\n", "", 1),
            "/runs/steps/0/shell",
        ),
        (
            text.replace("    default: .\n", "    default: .\n    colour: red\n"),
            "/inputs/path",
        ),
    ] {
        assert_ne!(broken, text, "the edit for {expected} applies");
        let (ok, out) = validate_action(&broken);
        assert!(
            !ok,
            "a broken action.yml passed (expected an error at {expected})"
        );
        assert!(out.contains(&format!("\"path\": \"{expected}\"")), "{out}");
    }
}

/// action.yml as JSON (PyYAML from the pre-commit environment reads it).
fn action() -> Value {
    let (ok, out) = run(Command::new(pre_commit_python())
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(workspace().join("action.yml")));
    assert!(ok, "{out}");
    serde_json::from_str(&out).unwrap()
}

/// Run the step named `name` with bash as the runner does, its `env:` expressions replaced
/// from `values`, the runner's variables pointing into `cwd` and PATH set to `path`;
/// (exit code, the step's outputs, stderr).
fn run_step(
    action: &Value,
    name: &str,
    values: &HashMap<&str, &str>,
    cwd: &Path,
    path: &str,
) -> (i32, String, String) {
    let step = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"));
    assert_eq!(step["shell"], "bash");
    let output = cwd.join("github-output");
    std::fs::write(&output, "").unwrap();
    let mut cmd = Command::new("bash");
    // GitHub's command line for `shell: bash`.
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .current_dir(cwd)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_PATH", cwd.join("github-path"))
        .env("GITHUB_ACTION_PATH", workspace())
        .env("RUNNER_TOOL_CACHE", cwd.join("tool-cache"))
        .env("RUNNER_TEMP", cwd.join("runner-temp"));
    for (key, value) in step["env"].as_object().into_iter().flatten() {
        let expr = value.as_str().unwrap();
        let inner = expr
            .strip_prefix("${{")
            .and_then(|e| e.strip_suffix("}}"))
            .unwrap_or_else(|| panic!("{key}: {expr}"))
            .trim();
        cmd.env(key, values.get(inner).unwrap_or_else(|| panic!("{inner}")));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        std::fs::read_to_string(&output).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn action_scripts_take_inputs_from_the_environment_and_keep_the_exit_code() {
    let action = action();
    // `${{ }}` in a script would be pasted into it before bash parses it.
    for step in action["runs"]["steps"].as_array().unwrap() {
        if let Some(script) = step["run"].as_str() {
            assert!(!script.contains("${{"), "{}: {script}", step["name"]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let example = workspace().join("examples/transformers-hidden-payload");
    let example = example.to_str().unwrap();
    let scan = |path: &str, fail_on: &str, args: &str| {
        let values = HashMap::from([
            ("inputs.path", path),
            ("inputs.args", args),
            ("inputs.fail-on", fail_on),
            ("inputs.sarif-file", "out.sarif"),
        ]);
        run_step(&action, "Scan", &values, dir.path(), &path_with_trustscan())
    };
    // The dangerous example: the step succeeds (the gate comes after the upload), with
    // trustscan's exit code as its output and the SARIF report written.
    let (code, outputs, stderr) = scan(example, "", "--jobs 1");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(outputs, "exit-code=4\nsarif=true\n");
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // A REVIEW example passes once the gate only counts high findings.
    let review = workspace().join("examples/transformers-study-miss");
    let review = review.to_str().unwrap();
    assert_eq!(scan(review, "", "").1, "exit-code=1\nsarif=true\n");
    assert_eq!(scan(review, "high", "").1, "exit-code=0\nsarif=true\n");
    // Inputs are data: a path that is shell code is a (missing) path, not a command, and
    // `args` is split into words but not globbed.
    let (code, outputs, stderr) = scan("$(touch injected)\"; touch injected; \"", "", "*");
    assert_eq!(code, 0, "{stderr}");
    assert!(outputs.starts_with("exit-code=2\n"), "{outputs}");
    assert!(stderr.contains("trustscan: *: "), "{stderr}");
    assert!(!dir.path().join("injected").exists());
    // A usage error writes no report: nothing to upload.
    assert_eq!(scan(example, "", "--bogus").1, "exit-code=2\n");
    // The gate fails with trustscan's exit code.
    for code in ["0", "1", "4"] {
        let values = HashMap::from([("steps.scan.outputs.exit-code", code)]);
        let (exit, _, _) = run_step(&action, "Gate", &values, dir.path(), "/usr/bin:/bin");
        assert_eq!(exit.to_string(), code);
    }
}

#[test]
fn action_installs_trustscan_once_per_source_tree() {
    let action = action();
    let dir = tempfile::tempdir().unwrap();
    // A cargo that records its arguments and installs a stub where --root says.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("cargo.log");
    std::fs::write(
        bin.join("cargo"),
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\n\
             while [ \"$1\" != --root ]; do shift; done\n\
             mkdir -p \"$2/bin\" && touch \"$2/bin/trustscan\" && chmod +x \"$2/bin/trustscan\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("cargo"), Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let install = || {
        run_step(
            &action,
            "Install trustscan",
            &HashMap::new(),
            dir.path(),
            &path,
        )
    };
    let (code, _, stderr) = install();
    assert_eq!(code, 0, "{stderr}");
    let calls = std::fs::read_to_string(&log).unwrap();
    let root = std::fs::read_to_string(dir.path().join("github-path")).unwrap();
    let root = root.trim_end().strip_suffix("/bin").unwrap();
    let key = root
        .strip_prefix(&format!(
            "{}/trustscan/",
            dir.path().join("tool-cache").display()
        ))
        .unwrap_or_else(|| panic!("{root}"));
    assert!(
        key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(
        calls,
        format!(
            "install --locked --root {root} --target-dir {}/trustscan-target --path {}/crates/trustscan\n",
            dir.path().join("runner-temp").display(),
            workspace().display()
        )
    );
    // The same sources again: the binary is there, cargo is not run.
    let (code, _, stderr) = install();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), calls);
}
