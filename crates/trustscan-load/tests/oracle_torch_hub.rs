//! Differential test against torch.hub's import behaviour: every fixture's hubconf.py is
//! imported the way torch.hub does it (`tests/oracle/torchhub_oracle.py`), and the plan must
//! list exactly the repository files Python executed, in order, predict failures, and name
//! the entry points `torch.hub.list()` returns (definite ones surely, possible ones maybe).

mod common;

use common::*;
use trustscan_core::{Certainty, Ecosystem};

#[test]
fn torch_hub_plans_match_what_python_executes() {
    let fixtures = fixture_dirs("torch_hub");
    assert!(
        fixtures.len() >= 8,
        "the torch.hub fixture set is incomplete"
    );
    let python = oracle_python("transformers-5");
    let errors = run_parallel(fixtures, |fixture| {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let repo = fixture.join("repo");
        let plan = plan_for(&repo);
        let Some(api) = plan
            .apis
            .iter()
            .find(|a| a.ecosystem == Ecosystem::TorchHub)
        else {
            return vec![format!("{name}: no torch.hub plan")];
        };
        let oracle = run_oracle(
            &python,
            "torchhub_oracle.py",
            &["--repo", repo.to_str().unwrap()],
        );
        let mut errors = compare_with_oracle(&name, api, None, &oracle, true, Run::OptedIn);
        let listed: Vec<&str> = oracle["entry_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if oracle["error"].is_null() {
            for e in &api.entry_points {
                if e.certainty == Certainty::Definite && !listed.contains(&e.name.as_str()) {
                    errors.push(format!(
                        "{name}: entry point {} is not callable in hubconf",
                        e.name
                    ));
                }
            }
            for l in &listed {
                if !api.entry_points.iter().any(|e| e.name == *l) {
                    errors.push(format!(
                        "{name}: torch.hub.list() returns {l}, the plan misses it"
                    ));
                }
            }
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
