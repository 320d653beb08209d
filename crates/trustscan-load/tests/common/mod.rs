//! Shared helpers for the differential tests: where the oracle environments and fixtures are,
//! how to run an oracle, how to lay a fixture out as a Hugging Face cache entry.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
pub use trustscan_test_support::{oracle_python, workspace};

pub const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// Run an oracle script and parse its JSON output.
pub fn run_oracle(python: &Path, script: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(python)
        .arg(workspace().join("tests").join("oracle").join(script))
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONHASHSEED", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the oracle");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("TSFIX-RESULT "))
        .unwrap_or("");
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

pub fn plan_for(dir: &Path) -> trustscan_core::LoadPlan {
    plan_with(dir, &Default::default())
}

pub fn plan_with(dir: &Path, options: &trustscan_load::PlanOptions) -> trustscan_core::LoadPlan {
    let snapshot = trustscan_source::open_path(dir.to_str().unwrap(), &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    trustscan_load::plan("fixture", snapshot.as_ref(), options)
}

/// What the plan says happens for one version (`None`: the plan has one version): executed
/// files and stub-package imports in order, each marked definite or not; and whether
/// loading fails.
pub fn plan_sequence(
    api: &trustscan_core::ApiPlan,
    scope: Option<&str>,
    without_opt_in: bool,
) -> (Vec<(String, String, bool)>, bool) {
    use trustscan_core::{Certainty, Gate, StepKind, Subject};
    let mut seq = Vec::new();
    for s in api.steps_for(scope) {
        if without_opt_in && s.gate != Gate::Default {
            continue;
        }
        let definite = s.certainty == Certainty::Definite;
        match (&s.kind, &s.subject) {
            (StepKind::ExecuteFile, Subject::File { path, repository }) => {
                let name = match repository {
                    Some(r) => format!("{r}:{path}"),
                    None => path.clone(),
                };
                seq.push(("exec".to_string(), name, definite));
            }
            (StepKind::ImportPackage, Subject::Package { name }) if name.starts_with("tsfix_") => {
                seq.push(("import".to_string(), name.clone(), definite));
            }
            _ => {}
        }
    }
    let fails = api.failures.iter().any(|f| match (&f.versions, scope) {
        (None, _) | (_, None) => true,
        (Some(v), Some(s)) => v.label() == s,
    });
    (seq, fails)
}

/// How an oracle ran the loader.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// With the opt-in (trust_remote_code=True, or the loader's default when it has none).
    OptedIn,
    /// Without it: only steps the plan gates as happening by default may happen, and the
    /// plan's failures (which describe the opted-in call) are not compared.
    WithoutOptIn,
}

/// Compare a plan with what an oracle observed: the same executions and imports in the same
/// order (with conditional steps: every definite one observed, nothing observed that the
/// plan lacks), and a failure exactly when the oracle failed. `env_errors_ok` accepts oracle
/// failures that depend on what is installed (the plan cannot know the user's packages).
pub fn compare_with_oracle(
    label: &str,
    api: &trustscan_core::ApiPlan,
    scope: Option<&str>,
    oracle: &serde_json::Value,
    env_errors_ok: bool,
    run: Run,
) -> Vec<String> {
    compare_sequences(label, api, scope, oracle, env_errors_ok, run, true)
}

/// As [`compare_with_oracle`]; with `ordered` false only the sets are compared (loaders that
/// follow directory-listing order).
pub fn compare_sequences(
    label: &str,
    api: &trustscan_core::ApiPlan,
    scope: Option<&str>,
    oracle: &serde_json::Value,
    env_errors_ok: bool,
    run: Run,
    ordered: bool,
) -> Vec<String> {
    let (plan, plan_fails) = plan_sequence(api, scope, run == Run::WithoutOptIn);
    let observed: Vec<(String, String)> = oracle["sequence"]
        .as_array()
        .expect("oracle sequence")
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_string(),
                e[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let error = oracle["error"].as_str().unwrap_or("");
    let env_error = error.starts_with("RuntimeError: Missing dependencies")
        || error.starts_with("ModuleNotFoundError");
    let oracle_fails = !oracle["error"].is_null() && !(env_errors_ok && env_error);
    let mut errors = Vec::new();
    if ordered && plan.iter().all(|(_, _, d)| *d) {
        let predicted: Vec<(String, String)> = plan
            .iter()
            .map(|(k, n, _)| (k.clone(), n.clone()))
            .collect();
        if predicted != observed {
            errors.push(format!(
                "{label}: plan {predicted:?} but the loader ran {observed:?}"
            ));
        }
    } else {
        for (k, n, d) in &plan {
            if *d && !observed.contains(&(k.clone(), n.clone())) {
                errors.push(format!(
                    "{label}: plan says {k} {n} definitely, the loader did not"
                ));
            }
        }
        for o in &observed {
            if !plan.iter().any(|(k, n, _)| (k, n) == (&o.0, &o.1)) {
                errors.push(format!("{label}: the loader did {o:?}, the plan misses it"));
            }
        }
    }
    if run == Run::OptedIn && plan_fails != oracle_fails {
        errors.push(format!(
            "{label}: plan predicts {} but the loader {} ({})",
            if plan_fails { "a failure" } else { "success" },
            if oracle_fails { "failed" } else { "succeeded" },
            oracle["error"]
        ));
    }
    errors
}
