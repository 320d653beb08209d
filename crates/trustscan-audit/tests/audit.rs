//! The audit library used on its own, as the study and the trust workflow use it: no binary,
//! no command line, progress through the caller's own observer.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use trustscan_audit::{
    Analyses, AuditError, Auditor, CheckOptions, Filters, OpenSettings, PendingSignatures,
    Progress, Silent,
};
use trustscan_core::{Judgement, Reachability, Verdict};

fn example(name: &str) -> String {
    trustscan_test_support::workspace()
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

fn analyses(filters: Filters) -> Analyses {
    Analyses {
        engine: trustscan_python::Engine::new(Default::default()),
        payload: Default::default(),
        signatures: PendingSignatures::spawn(trustscan_signatures::Signatures::bundled),
        threads: 2,
        filters,
    }
}

/// Every call the audit makes to its observer, in order.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Progress for Recorder {
    fn target(&self, index: usize, count: usize, name: &str) {
        let name = Path::new(name).file_name().unwrap().to_string_lossy();
        self.0
            .lock()
            .unwrap()
            .push(format!("target {index}/{count} {name}"));
    }
    fn phase(&self, what: &str) {
        self.0.lock().unwrap().push(format!("phase {what}"));
    }
    fn failed(&self, name: &str, error: &AuditError) {
        let name = Path::new(name).file_name().unwrap().to_string_lossy();
        self.0
            .lock()
            .unwrap()
            .push(format!("failed {name}: {error}"));
    }
}

#[test]
fn a_scan_runs_without_the_binary_and_decides_its_verdict() {
    let auditor = Auditor::new(OpenSettings::default(), Some(analyses(Filters::default())));
    let progress = Recorder::default();
    let scan = auditor
        .audit(&example("transformers-hidden-payload"), &progress)
        .unwrap();
    // The model-loading rule beats the signature on the same line.
    assert_eq!(scan.verdict, Verdict::Dangerous);
    assert_eq!(
        scan.reason,
        "TS101 exec_decoded_data runs at load: modeling_hidden.py:9"
    );
    // Reachability is assigned to every kind of result: Python findings (with the call path),
    // signature matches, payload files.
    let find = |rule: &str| scan.findings().find(|f| f.rule == rule).unwrap();
    assert_eq!(find("TS101").reachability, Reachability::RunsAtLoad);
    let reached = find("TS107");
    assert_eq!(reached.reachability, Reachability::ReachableFromLoad);
    assert!(reached.evidence.len() >= 2, "{:?}", reached.evidence);
    assert_eq!(
        find("TS_Obf_ExecOfDecodedData").reachability,
        Reachability::RunsAtLoad
    );
    let weights = &scan.payloads[0];
    assert_eq!(weights.path, "model.safetensors");
    assert_eq!(weights.verdict, Judgement::Safe);
    assert_eq!(weights.reachability, Reachability::RunsAtLoad);
    assert!(!weights.loaded_by.is_empty());
    // Findings come in the report's order: strongest reachability first.
    let order: Vec<Reachability> = scan.findings().map(|f| f.reachability).collect();
    assert!(order.is_sorted(), "{order:?}");
    // The caller's observer saw the stages.
    let seen = progress.0.lock().unwrap();
    assert!(
        seen.iter().any(|s| s.starts_with("phase planning")),
        "{seen:?}"
    );
}

#[test]
fn plans_alone_take_the_plans_verdict() {
    let auditor = Auditor::new(OpenSettings::default(), None);
    let scan = auditor
        .audit(&example("transformers-hidden-payload"), &Silent)
        .unwrap();
    assert!(scan.code.is_none() && scan.payloads.is_empty());
    assert_eq!(scan.verdict, Verdict::Review);
    assert_eq!(
        scan.reason,
        "repository code runs at load: configuration_hidden.py, modeling_hidden.py, setup_utils.py"
    );
}

#[test]
fn a_target_that_cannot_be_opened_is_reported_and_the_others_go_on() {
    let auditor = Auditor::new(OpenSettings::default(), None);
    let missing = example("no-such-example");
    let targets = [missing, example("transformers-builtin-safetensors")];
    let progress = Recorder::default();
    let results = auditor.audit_all(&targets, &progress).unwrap();
    assert!(results[0].is_err());
    assert_eq!(results[1].as_ref().unwrap().verdict, Verdict::Safe);
    let seen = progress.0.lock().unwrap();
    let failed: Vec<&String> = seen.iter().filter(|s| s.starts_with("failed")).collect();
    assert_eq!(failed.len(), 1, "{seen:?}");
    assert!(
        failed[0].starts_with("failed no-such-example: "),
        "{failed:?}"
    );
    assert!(seen.contains(&"target 2/2 transformers-builtin-safetensors".to_string()));
}

#[test]
fn the_verdict_is_decided_after_filters_and_the_baseline() {
    let target = example("transformers-pickle-payload");
    let plain = Auditor::new(OpenSettings::default(), Some(analyses(Filters::default())))
        .audit(&target, &Silent)
        .unwrap();
    assert_eq!(plain.verdict, Verdict::Dangerous);
    // A baseline that records every dangerous payload leaves the plan's own reasons.
    let suppressed = plain
        .payloads
        .iter()
        .filter(|p| p.verdict == Judgement::Dangerous)
        .map(|p| p.fingerprint())
        .collect();
    let filters = Filters {
        suppressed,
        ..Default::default()
    };
    let baselined = Auditor::new(OpenSettings::default(), Some(analyses(filters)))
        .audit(&target, &Silent)
        .unwrap();
    assert_eq!(baselined.suppressed, 2);
    assert_eq!(baselined.verdict, Verdict::Review);
    assert_eq!(
        baselined.reason,
        "a pickle-based file would be deserialized: pytorch_model.bin"
    );
}

#[test]
fn check_judges_payloads_and_python_files_named_directly() {
    let dir = tempfile::tempdir().unwrap();
    let pickle = dir.path().join("state.pkl");
    // Protocol 2: posix.system('id').
    std::fs::write(
        &pickle,
        b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00idq\x00\x85R.",
    )
    .unwrap();
    let code = dir.path().join("tool.py");
    std::fs::write(&code, "import os\nos.system(input())\n").unwrap();
    let options = CheckOptions {
        rules: Default::default(),
        payload: Default::default(),
        threads: 2,
        filters: Filters::default(),
    };
    let paths: Vec<PathBuf> = vec![dir.path().to_path_buf()];
    let checked = trustscan_audit::check(&paths, &options, &Silent);
    assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    assert_eq!(checked.payloads.len(), 1);
    assert_eq!(checked.payloads[0].verdict, Judgement::Dangerous);
    assert_eq!(checked.files.len(), 1);
    assert!(
        checked.files[0].findings.iter().any(|f| f.rule == "B605"),
        "{:?}",
        checked.files[0].findings
    );
}
