//! Differential test against transformers itself: for every fixture repository, every
//! transformers API in trustscan's plan is also run for real (transformers 4.57 and 5.x, local
//! directory and Hub code paths, `trust_remote_code=True`, offline) by
//! `tests/oracle/transformers_oracle.py`, which records the repository files Python executed
//! and the stub packages imported. The plan must list exactly those, in the same order, and
//! must predict a failure exactly when loading fails.
//!
//! Fixture layout: `tests/fixtures/transformers/<name>/repo/` is the repository;
//! `calls.txt` lists the oracle calls the fixture exists to exercise (the plan must offer an
//! API for each).

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;
use trustscan_core::{ApiPlan, Ecosystem};

const VERSIONS: [(&str, &str); 2] = [("4.57", "transformers-4.57"), ("5.x", "transformers-5")];

/// The oracle call that exercises an API of the plan.
fn oracle_call(api: &str) -> Option<String> {
    if api == "pipeline" {
        return Some("pipeline".into());
    }
    let class = api.strip_suffix(".from_pretrained")?;
    Some(match class {
        "AutoConfig"
        | "AutoTokenizer"
        | "AutoProcessor"
        | "AutoImageProcessor"
        | "AutoFeatureExtractor"
        | "AutoVideoProcessor" => class.to_string(),
        c if c.starts_with("AutoModel") => format!("model:{c}"),
        _ => return None,
    })
}

fn compare(label: &str, api: &ApiPlan, version: &str, oracle: &Value, run: Run) -> Vec<String> {
    let scope = format!("transformers {version}");
    let label = format!(
        "{label} transformers {version}{}",
        if run == Run::WithoutOptIn {
            " without trust_remote_code"
        } else {
            ""
        }
    );
    compare_with_oracle(&label, api, Some(&scope), oracle, false, run)
}

struct Job {
    fixture: PathBuf,
    hub: bool,
}

fn run_fixture(job: Job) -> Vec<String> {
    let name = job
        .fixture
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let repo = job.fixture.join("repo");
    let calls: Vec<String> = std::fs::read_to_string(job.fixture.join("calls.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let repo_id = format!("tsfix/{name}");
    let cache = tempfile::tempdir().unwrap();
    // Other repositories the fixture's auto_map points at (other-repos/<org>/<name>/) go
    // into the Hugging Face cache, for both trustscan and transformers.
    let mut extra_hub: Vec<String> = Vec::new();
    let others = job.fixture.join("other-repos");
    if others.is_dir() {
        for org in std::fs::read_dir(&others).unwrap() {
            let org = org.unwrap();
            for other in std::fs::read_dir(org.path()).unwrap() {
                let other = other.unwrap();
                let id = format!(
                    "{}/{}",
                    org.file_name().to_string_lossy(),
                    other.file_name().to_string_lossy()
                );
                hub_layout(&other.path(), cache.path(), &id);
                extra_hub.push(format!("{id}={}", other.path().display()));
            }
        }
    }
    let options = trustscan_load::PlanOptions {
        hf_cache: Some(cache.path().to_path_buf()),
    };
    let (plan, label) = if job.hub {
        let entry = hub_layout(&repo, cache.path(), &repo_id);
        (plan_with(&entry, &options), format!("{name} (Hub)"))
    } else {
        (plan_with(&repo, &options), format!("{name} (local)"))
    };
    let mut errors = Vec::new();
    let apis: Vec<(&ApiPlan, String)> = plan
        .apis
        .iter()
        .filter(|a| a.ecosystem == Ecosystem::Transformers)
        .filter_map(|a| oracle_call(&a.api).map(|c| (a, c)))
        .collect();
    for call in &calls {
        if !apis.iter().any(|(_, c)| c == call) {
            errors.push(format!(
                "{label}: the plan offers no API for oracle call {call}"
            ));
        }
    }
    for (api, call) in apis {
        for (version, env) in VERSIONS {
            let python = oracle_python(env);
            for (run, trust) in [(Run::OptedIn, "true"), (Run::WithoutOptIn, "none")] {
                let mut args = vec![
                    "--repo",
                    repo.to_str().unwrap(),
                    "--call",
                    call.as_str(),
                    "--trust",
                    trust,
                ];
                if job.hub {
                    args.extend(["--hub", repo_id.as_str()]);
                }
                for e in &extra_hub {
                    args.extend(["--extra-hub", e.as_str()]);
                }
                let oracle = run_oracle(&python, "transformers_oracle.py", &args);
                errors.extend(compare(
                    &format!("{label} {call}"),
                    api,
                    version,
                    &oracle,
                    run,
                ));
            }
        }
    }
    errors
}

#[test]
fn transformers_plans_match_what_transformers_executes() {
    let mut fixtures = fixture_dirs("transformers");
    assert!(
        fixtures.len() >= 20,
        "the transformers fixture set is incomplete"
    );
    // TSFIX_ONLY=<substring> runs the matching fixtures only (for working on one of them).
    if let Ok(only) = std::env::var("TSFIX_ONLY") {
        fixtures.retain(|f| f.to_string_lossy().contains(&only));
    }
    let jobs: Vec<Job> = fixtures
        .iter()
        .flat_map(|f| {
            [false, true].map(|hub| Job {
                fixture: f.clone(),
                hub,
            })
        })
        .collect();
    let errors = run_parallel(jobs, run_fixture);
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
