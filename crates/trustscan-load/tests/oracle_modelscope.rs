//! Differential test against ModelScope: each fixture is loaded through ModelScope's own
//! `allow_remote` path (`tests/oracle/modelscope_oracle.py`: its traversal, its requirement
//! handling with pip replaced by a recorder, its imports). The plan must execute the same
//! files (ModelScope follows directory-listing order, so as sets), pip-install the same
//! requirement lines, and fail when ModelScope fails.

mod common;

use common::*;
use std::collections::BTreeSet;
use trustscan_core::{Ecosystem, StepKind, Subject};

#[test]
fn modelscope_plans_match_what_modelscope_executes() {
    let fixtures = fixture_dirs("modelscope");
    assert!(
        fixtures.len() >= 5,
        "the ModelScope fixture set is incomplete"
    );
    let python = oracle_python("modelscope");
    let errors = run_parallel(fixtures, |fixture| {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let repo = fixture.join("repo");
        let plan = plan_for(&repo);
        let oracle = run_oracle(
            &python,
            "modelscope_oracle.py",
            &["--repo", repo.to_str().unwrap()],
        );
        let mut errors = Vec::new();
        let api = plan
            .apis
            .iter()
            .find(|a| a.ecosystem == Ecosystem::Modelscope);
        let installed: BTreeSet<String> = oracle["installed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let Some(api) = api else {
            if !oracle["sequence"].as_array().unwrap().is_empty() || !installed.is_empty() {
                errors.push(format!(
                    "{name}: no ModelScope plan, but ModelScope ran {oracle}"
                ));
            }
            return errors;
        };
        errors.extend(compare_sequences(
            &name,
            api,
            None,
            &oracle,
            false,
            Run::OptedIn,
            false,
        ));
        let planned: BTreeSet<String> = api
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::InstallPackage)
            .filter(|s| !s.reason.iter().any(|l| l.to_string().contains("plugins")))
            .filter_map(|s| match &s.subject {
                Subject::Requirement { spec } => Some(spec.clone()),
                _ => None,
            })
            .collect();
        if planned != installed {
            errors.push(format!(
                "{name}: plan pip-installs {planned:?}, ModelScope installs {installed:?}"
            ));
        }
        errors
    });
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
