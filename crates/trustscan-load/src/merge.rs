//! Merge the plans of one API computed for several library versions into one list: steps every
//! version takes stay untagged, the others are tagged with their version, in an order that
//! respects each version's own order.

use trustscan_core::{Failure, Step, VersionScope};

/// One version's outcome.
pub struct VersionPlan {
    pub scope: VersionScope,
    pub steps: Vec<Step>,
    pub failures: Vec<Failure>,
}

/// Steps are the same across versions when they do the same thing to the same subject under
/// the same gate and condition; reason chains and details may differ.
fn same(a: &Step, b: &Step) -> bool {
    a.kind == b.kind && a.subject == b.subject && a.gate == b.gate && a.certainty == b.certainty
}

pub fn merge(versions: Vec<VersionPlan>) -> (Vec<Step>, Vec<Failure>) {
    let n = versions.len();
    if n == 0 {
        return (Vec::new(), Vec::new());
    }
    // For each merged step: which versions take it, and at which index in their own list.
    let mut merged: Vec<(Step, Vec<Option<usize>>)> = Vec::new();
    for (v, plan) in versions.iter().enumerate() {
        let mut last_pos: Option<usize> = None;
        for (i, step) in plan.steps.iter().enumerate() {
            // Find the same step already merged, after the previous step of this version.
            let from = last_pos.map_or(0, |p| p + 1);
            let found = (from..merged.len())
                .find(|&k| merged[k].1[v].is_none() && same(&merged[k].0, step));
            let pos = match found {
                Some(k) => {
                    merged[k].1[v] = Some(i);
                    k
                }
                None => {
                    let at = from;
                    let mut seen = vec![None; n];
                    seen[v] = Some(i);
                    merged.insert(at, (step.clone(), seen));
                    at
                }
            };
            last_pos = Some(pos);
        }
    }
    let steps: Vec<Step> = merged
        .iter()
        .map(|(step, seen)| {
            let mut s = step.clone();
            let takers: Vec<usize> = (0..n).filter(|&v| seen[v].is_some()).collect();
            // Two versions are modelled, so a step not every version takes belongs to one.
            if takers.len() < n {
                s.versions = Some(versions[takers[0]].scope.clone());
            }
            s
        })
        .collect();
    // Failures: place each after the merged position of the last step before it.
    let mut failures: Vec<Failure> = Vec::new();
    for (v, plan) in versions.iter().enumerate() {
        for f in &plan.failures {
            let after = if f.after_steps == 0 {
                0
            } else {
                merged
                    .iter()
                    .position(|(_, seen)| seen[v] == Some(f.after_steps - 1))
                    .map_or(steps.len(), |k| k + 1)
            };
            let mut placed = f.clone();
            placed.after_steps = after;
            placed.versions = Some(plan.scope.clone());
            failures.push(placed);
        }
    }
    // A failure every version shares is untagged.
    let mut out: Vec<Failure> = Vec::new();
    for f in &failures {
        let same_everywhere = versions.iter().all(|p| {
            failures.iter().any(|g| {
                g.versions.as_ref() == Some(&p.scope)
                    && g.message == f.message
                    && g.after_steps == f.after_steps
            })
        });
        let mut f = f.clone();
        if same_everywhere {
            f.versions = None;
        }
        if !out.contains(&f) {
            out.push(f);
        }
    }
    (steps, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustscan_core::{Gate, StepKind, Subject};

    fn step(path: &str) -> Step {
        Step::new(
            StepKind::ExecuteFile,
            Subject::file(path),
            vec![],
            Gate::Default,
        )
    }

    fn paths(steps: &[Step]) -> Vec<(String, Option<String>)> {
        steps
            .iter()
            .map(|s| {
                (
                    s.subject.to_string(),
                    s.versions.as_ref().map(|v| v.versions.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn common_steps_stay_untagged_and_order_is_kept() {
        let v4 = VersionPlan {
            scope: VersionScope::new("t", "4"),
            steps: vec![step("a"), step("gen"), step("b")],
            failures: vec![],
        };
        let v5 = VersionPlan {
            scope: VersionScope::new("t", "5"),
            steps: vec![step("a"), step("b"), step("c")],
            failures: vec![Failure {
                versions: None,
                after_steps: 2,
                message: "boom".into(),
            }],
        };
        let (steps, failures) = merge(vec![v4, v5]);
        assert_eq!(
            paths(&steps),
            [
                ("a".into(), None),
                ("gen".into(), Some("4".into())),
                ("b".into(), None),
                ("c".into(), Some("5".into())),
            ]
        );
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].after_steps, 3);
        assert_eq!(failures[0].versions.as_ref().unwrap().versions, "5");
    }

    #[test]
    fn shared_failures_are_untagged() {
        let mk = |v: &str| VersionPlan {
            scope: VersionScope::new("t", v),
            steps: vec![step("a")],
            failures: vec![Failure {
                versions: None,
                after_steps: 0,
                message: "missing".into(),
            }],
        };
        let (_, failures) = merge(vec![mk("4"), mk("5")]);
        assert_eq!(failures.len(), 1);
        assert!(failures[0].versions.is_none());
    }
}
