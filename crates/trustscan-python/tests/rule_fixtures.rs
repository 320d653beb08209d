//! Every rule against annotated fixtures: every line of `fixtures/bandit/*.py` and
//! `fixtures/ts/*.py` that ends in `# expect: ID[, ID]` must get exactly those findings of
//! its family (Bandit's `B` IDs, trustscan's `TS` IDs), and every other line none. Each
//! fixture holds one rule's positive cases and the look-alikes it must leave alone; the
//! Bandit fixtures' annotations are what Bandit 1.9.4 itself reports on them. Every rule ID
//! the engine has must have a positive case, so a rule whose check stops reporting fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use trustscan_python::{Engine, Options};

/// (line → sorted rule IDs) that the annotations ask for.
fn expectations(text: &str) -> BTreeMap<u32, Vec<String>> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, ids)) = line.rsplit_once("# expect:") {
            let mut ids: Vec<String> = ids
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            ids.sort();
            out.insert(i as u32 + 1, ids);
        }
    }
    out
}

/// Runs the fixtures of one family; returns the mismatches and the IDs reported.
fn check_family(
    engine: &std::sync::Arc<Engine>,
    dir: &str,
    prefix: &str,
) -> (Vec<String>, BTreeSet<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let want = expectations(&text);
        let report = engine.check(&path.display().to_string(), text.clone().into_bytes());
        let mut got: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for f in report
            .findings
            .iter()
            .filter(|f| f.rule.starts_with(prefix))
        {
            covered.insert(f.rule.clone());
            got.entry(f.location.line).or_default().push(f.rule.clone());
        }
        for ids in got.values_mut() {
            ids.sort();
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for line in want.keys().chain(got.keys()).collect::<BTreeSet<_>>() {
            let (w, g) = (want.get(line), got.get(line));
            if w != g {
                failures.push(format!(
                    "{name}:{line}: expected {:?}, got {:?}   | {}",
                    w.cloned().unwrap_or_default(),
                    g.cloned().unwrap_or_default(),
                    text.lines().nth(*line as usize - 1).unwrap_or("").trim()
                ));
            }
        }
    }
    (failures, covered)
}

#[test]
fn every_rule_fixture_gets_exactly_its_annotated_findings() {
    let engine = Engine::new(Options::default());
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for (dir, prefix) in [("bandit", "B"), ("ts", "TS")] {
        let (f, c) = check_family(&engine, dir, prefix);
        failures.extend(f);
        covered.extend(c);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let missing: Vec<&str> = engine
        .metas()
        .iter()
        .map(|m| m.id)
        .filter(|id| !covered.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a positive fixture: {missing:?}"
    );
}

#[test]
fn messages_show_what_literal_payloads_decode_to() {
    let engine = Engine::new(Options::default());
    let src = "import base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBwcmludCgiaGFybWxlc3MgZml4dHVyZSIp'))\n";
    let report = engine.check("x.py", src.as_bytes().to_vec());
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "TS101")
        .expect("TS101");
    assert!(
        f.message.contains("import os; print(\"harmless fixture\")"),
        "{}",
        f.message
    );
}
