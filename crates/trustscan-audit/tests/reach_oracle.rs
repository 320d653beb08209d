//! Reachability against what Python really runs: each fixture under `tests/fixtures/reach`
//! is loaded for real (`tests/oracle/reach_oracle.py`: transformers' Auto classes with
//! `trust_remote_code=True` under 4.57 and 5.x, or torch.hub's import and entry-point call),
//! recording every function that ran. trustscan must classify each of them as running or
//! reachable at load (soundness), every module top level that ran as `runs-at-load`, and
//! every `decoy` function (which no loader calls) as `not-reached`.

use std::path::{Path, PathBuf};
use std::process::Command;
use trustscan_core::Reachability;
use trustscan_python::reach::PlanReach;
use trustscan_test_support::{oracle_python, workspace};

/// (file, scope) pairs the oracle saw run.
fn oracle_ran(python: &Path, fixture: &Path) -> Vec<(String, String)> {
    let out = Command::new(python)
        .arg(workspace().join("tests/oracle/reach_oracle.py"))
        .arg("--fixture")
        .arg(fixture)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("TSFIX-RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "{}: no oracle result\n{stdout}\n{}",
                fixture.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert!(
        v["error"].is_null(),
        "{}: loading failed: {}",
        fixture.display(),
        v["error"]
    );
    v["ran"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn reachability_covers_everything_python_runs_and_no_decoy() {
    let root = workspace().join("tests/fixtures/reach");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 3, "reachability fixtures are missing");
    let engine = trustscan_python::Engine::new(Default::default());
    let mut errors = Vec::new();
    let (mut executed_total, mut over_approx) = (0, 0);
    for fixture in &fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let repo = fixture.join("repo");
        let target = repo.to_str().unwrap();
        let snapshot = trustscan_source::open(
            &trustscan_source::Target::parse(target).unwrap(),
            &Default::default(),
        )
        .unwrap();
        let plan = trustscan_load::plan(target, snapshot.as_ref(), &Default::default());
        let paths: Vec<String> = snapshot
            .files()
            .iter()
            .map(|f| f.path.clone())
            .filter(|p| p.ends_with(".py"))
            .collect();
        let analysis = trustscan_python::analyze_repository(
            &engine,
            &paths,
            |p| snapshot.read(p, 1 << 20).map_err(|e| e.to_string()),
            2,
        );
        let reach = PlanReach::new(&plan, &analysis.graph);
        let load: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture.join("load.json")).unwrap())
                .unwrap();
        let envs: &[&str] = if load["kind"] == "transformers" {
            &["transformers-4.57", "transformers-5"]
        } else {
            &["transformers-5"]
        };
        let mut ran_any = std::collections::BTreeSet::new();
        for env in envs {
            for (file, scope) in oracle_ran(&oracle_python(env), fixture) {
                let (r, evidence) = reach.classify(&file, &scope);
                let want_top = scope == "<module>";
                if r == Reachability::NotReached || (want_top && r != Reachability::RunsAtLoad) {
                    errors.push(format!(
                        "{name} [{env}]: {file}:{scope} ran but trustscan says {r:?} {evidence:?}"
                    ));
                }
                ran_any.insert((file, scope));
            }
        }
        for node in &analysis.graph.nodes {
            let (r, evidence) = reach.classify(&node.file, &node.scope);
            if node.scope.contains("decoy") {
                if r != Reachability::NotReached {
                    errors.push(format!(
                        "{name}: decoy {}:{} is {r:?} via {evidence:?}",
                        node.file, node.scope
                    ));
                }
                if ran_any.contains(&(node.file.clone(), node.scope.clone())) {
                    errors.push(format!("{name}: decoy {} ran: fix the fixture", node.scope));
                }
            } else if r != Reachability::NotReached {
                executed_total += 1;
                if !ran_any.contains(&(node.file.clone(), node.scope.clone())) {
                    over_approx += 1;
                }
            }
        }
    }
    eprintln!(
        "reachability: {executed_total} scopes reported reachable, {over_approx} of them \
         did not run in any oracle load"
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
