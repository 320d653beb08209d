//! The verdict of one scan and the reason that decided it, for the headline and the gate.

use trustscan_core::{
    CodeReport, Finding, Judgement, Level, LoadPlan, PayloadFile, Reachability, Verdict,
};

/// The finding that makes a scan dangerous: a model-loading rule or signature of high
/// severity, at least medium confidence, in code that runs or is called at load.
pub fn decisive_finding(code: &CodeReport) -> Option<&Finding> {
    code.findings
        .iter()
        .filter(|f| {
            f.rule.starts_with("TS")
                && f.severity == Level::High
                && f.confidence >= Level::Medium
                && f.reachability != Reachability::NotReached
        })
        // A model-loading rule (TS101) explains more than a signature (TS_...) on the same
        // code: prefer it.
        .min_by_key(|f| f.rule.starts_with("TS_"))
}

/// The verdict of one scan and the reason that decided it: a dangerous payload anywhere in
/// the repository or a decisive finding makes it dangerous; payloads that are suspicious
/// or could not be read fully weigh like the plan's own reasons.
pub fn decide(
    plan: &LoadPlan,
    code: Option<&CodeReport>,
    payloads: &[PayloadFile],
) -> (Verdict, String) {
    let worst = |v: Judgement| {
        // Files the loader deserializes first: they decide what loading does.
        payloads
            .iter()
            .filter(|p| p.verdict == v)
            .min_by_key(|p| (p.reachability, &p.path))
    };
    if let Some(p) = worst(Judgement::Dangerous) {
        return (Verdict::Dangerous, payload_reason(p));
    }
    if let Some(f) = code.and_then(decisive_finding) {
        let when = match f.reachability {
            Reachability::RunsAtLoad => "runs at load",
            _ => "is called at load",
        };
        return (
            Verdict::Dangerous,
            format!(
                "{} {} {when}: {}:{}",
                f.rule, f.name, f.location.file, f.location.line
            ),
        );
    }
    let (v, reason) = plan_verdict(plan, code);
    if let Some(p) = worst(Judgement::Suspicious) {
        let reason = if v == Verdict::Review {
            format!("{reason}; {}", payload_reason(p))
        } else {
            payload_reason(p)
        };
        return (Verdict::Review, reason);
    }
    if v == Verdict::Safe
        && let Some(p) = worst(Judgement::Inconclusive)
    {
        return (Verdict::Inconclusive, payload_reason(p));
    }
    if v == Verdict::Safe && plan.apis.is_empty() && payloads.is_empty() {
        return (
            Verdict::Unrecognised,
            "nothing loadable found: no loading API recognises it and it holds no model or \
             payload file; check the path, or use `trustscan check` for code that is not a model"
                .into(),
        );
    }
    (v, reason)
}

fn payload_reason(p: &PayloadFile) -> String {
    let when = if p.reachability == Reachability::NotReached {
        "in the repository"
    } else {
        "deserialized at load"
    };
    format!("{} {} {when}: {}", p.verdict.word(), p.format, p.path)
}

/// Subjects named in a reason, at most.
const NAMED: usize = 3;

/// The verdict from the plan (and, for a REVIEW, whether any finding lies in the code that
/// runs): each reason names what it is about (`repository code runs at load: modeling_x.py,
/// configuration_x.py`).
fn plan_verdict(plan: &LoadPlan, code: Option<&CodeReport>) -> (Verdict, String) {
    use trustscan_core::StepKind::*;
    // (what happens, the subjects it happens to), in the plan's order.
    let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
    for api in &plan.apis {
        for s in &api.steps {
            let what = match s.kind {
                ExecuteFile => "repository code runs at load",
                InstallPackage => "packages are pip-installed at load",
                FetchRepository => "code is fetched from another repository",
                DeserializePayload if s.format.is_some_and(|f| f.is_pickle_based()) => {
                    "a pickle-based file would be deserialized"
                }
                DeserializePayload
                    if s.format == Some(trustscan_core::PayloadFormat::YamlUnsafe) =>
                {
                    "a YAML file is read with an unsafe loader"
                }
                _ => continue,
            };
            let subject = s.subject.to_string();
            match reasons.iter_mut().find(|(w, _)| *w == what) {
                Some((_, subjects)) if !subjects.contains(&subject) => subjects.push(subject),
                Some(_) => {}
                None => reasons.push((what, vec![subject])),
            }
        }
    }
    if !reasons.is_empty() {
        let text: Vec<String> = reasons
            .iter()
            .map(|(what, subjects)| {
                // Code that runs and that no rule says anything about: say so, so that a
                // reader does not look for findings that are not there.
                let unflagged = *what == "repository code runs at load"
                    && code.is_some_and(|c| {
                        !c.findings
                            .iter()
                            .any(|f| subjects.contains(&f.location.file))
                    });
                let what = if unflagged {
                    "repository code that no rule flags runs at load"
                } else {
                    what
                };
                format!("{what}: {}", trustscan_core::text::listed(subjects, NAMED))
            })
            .collect();
        return (Verdict::Review, text.join("; "));
    }
    let failure = plan
        .apis
        .iter()
        .find_map(|a| a.failures.first().map(|f| (a, f)));
    if let Some((api, f)) = failure {
        // A load that stops with an error is not shown as safe: the error may hide what a
        // corrected repository (or another library version) would run.
        (
            Verdict::Inconclusive,
            format!("{} loading fails: {}", api.api_label(), f.message),
        )
    } else if plan.is_inconclusive() {
        // The first reason, so the headline names a file a user can look at.
        let first = plan
            .notes
            .iter()
            .chain(plan.apis.iter().flat_map(|a| a.notes.iter()))
            .find(|n| n.level == trustscan_core::NoteLevel::Inconclusive);
        let why = first.map_or(String::new(), |n| match &n.file {
            Some(f) => format!(": {f} {}", n.message),
            None => format!(": {}", n.message),
        });
        (
            Verdict::Inconclusive,
            format!("part of the repository could not be analysed{why}"),
        )
    } else if plan.apis.is_empty() {
        (
            Verdict::Safe,
            "no loading API recognised for this repository".into(),
        )
    } else {
        (
            Verdict::Safe,
            "no repository code runs and nothing pickle-based is deserialized".into(),
        )
    }
}
