//! Bandit parity on real code: Bandit 1.9.4 itself and `trustscan check` run over the same
//! corpus (Bandit's example files and the 2,900 Python files of the installed transformers
//! 5.24 package); for every Bandit rule (every `B` ID trustscan has) both must report the same
//! (file, rule, line) occurrences. Bandit's output is cached under the oracle directory (the
//! corpus and Bandit are pinned, so it cannot go stale).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use trustscan_test_support::oracles;

type Occurrences = BTreeMap<(String, String, u32), usize>;

/// Occurrences of the given rules, keyed by the file's path inside the corpus (`corpus` is
/// the corpus directory relative to the oracle directory): Bandit's cached output names files
/// by the absolute path they had when it ran.
fn count(
    items: impl IntoIterator<Item = (String, String, u32)>,
    rules: &BTreeSet<String>,
    corpus: &str,
) -> Occurrences {
    let mut m = Occurrences::new();
    for (file, rule, line) in items {
        if rules.contains(&rule) {
            let inside = file.rsplit_once(corpus).map_or(file.as_str(), |(_, r)| r);
            *m.entry((inside.to_string(), rule, line)).or_default() += 1;
        }
    }
    m
}

fn bandit(dir: &Path, cache: &Path) -> Vec<(String, String, u32)> {
    if !cache.exists() {
        let out = Command::new(oracles().join("bandit/bin/bandit"))
            .args(["-r", "-q", "-f", "json", "-o"])
            .arg(cache)
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            cache.exists(),
            "bandit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(cache).unwrap()).unwrap();
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["filename"].as_str().unwrap().to_string(),
                r["test_id"].as_str().unwrap().to_string(),
                r["line_number"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

fn trustscan(dir: &Path) -> Vec<(String, String, u32)> {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(["check", "--format", "json", "--honor-nosec"])
        .arg(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap().clone())
        .map(|r| {
            (
                r["location"]["file"].as_str().unwrap().to_string(),
                r["rule"].as_str().unwrap().to_string(),
                r["location"]["line"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

#[test]
fn trustscan_reports_what_bandit_reports_on_real_code() {
    let rules: BTreeSet<String> = trustscan_python::Engine::new(Default::default())
        .metas()
        .iter()
        .filter(|m| m.id.starts_with('B'))
        .map(|m| m.id.to_string())
        .collect();
    assert!(rules.len() >= 60, "Bandit rules are missing: {rules:?}");
    let corpora = [
        ("bandit-src/bandit-1.9.4/examples", "bandit-examples.json"),
        (
            "transformers-5/lib/python3.11/site-packages/transformers",
            "transformers-5.24.0.json",
        ),
    ];
    let mut report = Vec::new();
    for (corpus, cache_name) in corpora {
        let dir = oracles().join(corpus);
        assert!(
            dir.is_dir(),
            "{} is missing: run scripts/setup-oracles.sh",
            dir.display()
        );
        let cache = oracles().join("bandit-results");
        std::fs::create_dir_all(&cache).unwrap();
        let theirs = count(bandit(&dir, &cache.join(cache_name)), &rules, corpus);
        let ours = count(trustscan(&dir), &rules, corpus);
        let keys: BTreeSet<&(String, String, u32)> = theirs.keys().chain(ours.keys()).collect();
        let mut missing = 0;
        let mut extra = 0;
        for k in keys {
            let (t, o) = (
                theirs.get(k).copied().unwrap_or(0),
                ours.get(k).copied().unwrap_or(0),
            );
            if t != o {
                if t > o {
                    missing += t - o
                } else {
                    extra += o - t
                }
                if report.len() < 60 {
                    report.push(format!(
                        "{}:{} {}: bandit {t}, trustscan {o}",
                        k.0, k.2, k.1
                    ));
                }
            }
        }
        let total: usize = theirs.values().sum();
        eprintln!(
            "{}: bandit {total} occurrences; trustscan misses {missing}, adds {extra}",
            dir.display()
        );
        assert!(
            total > 0 || cache_name.starts_with("bandit-examples"),
            "empty corpus"
        );
    }
    assert!(
        report.is_empty(),
        "differences from Bandit:\n{}",
        report.join("\n")
    );
}
