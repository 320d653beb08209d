//! `trustscan rules` and `trustscan check` end to end: listing, explaining, selecting rules,
//! `# nosec`/`# noqa`, pickles and checkpoints named directly, output formats and exit codes.

use serde_json::Value;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rules_lists_every_rule_with_cwe_levels_and_rationale() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    let ids: Vec<&str> = rows
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for id in ["B101", "B301", "B602", "B704", "TS101", "TS106", "TS112"] {
        assert!(ids.contains(&id), "{id} not listed");
    }
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(cols[2].starts_with("CWE-"), "{row}");
        assert!(["low", "medium", "high"].contains(&cols[3]), "{row}");
        assert!(["low", "medium", "high"].contains(&cols[4]), "{row}");
        assert!(cols.len() > 6, "no rationale: {row}");
    }
}

#[test]
fn rules_explains_one_rule_and_refuses_unknown_ids() {
    let (code, out, _) = run(&["rules", "ts106"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("TS106 unsafe_deserialization"), "{out}");
    assert!(out.contains("CWE-502") && out.contains("Example:"), "{out}");
    let (code, _, err) = run(&["rules", "B999"]);
    assert_eq!(code, 2);
    assert!(err.contains("B999"), "{err}");
}

#[test]
fn check_selects_rules_honours_nosec_on_request_and_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.py");
    std::fs::write(
        &f,
        "import pickle\nassert True  # noqa: S101\npickle.loads(b'')  # nosec\nassert 1  # noqa\n",
    )
    .unwrap();
    let path = f.to_str().unwrap();
    let rules_of = |args: &[&str]| -> (i32, Vec<String>) {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        all.push(path);
        let (code, out, err) = run(&all);
        let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        assert_eq!(doc["schema"], "trustscan.check/1");
        let rules = doc["files"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        (code, rules)
    };
    let (code, all) = rules_of(&[]);
    assert_eq!(code, 1);
    for id in ["B403", "B101", "B301", "TS106"] {
        assert!(all.contains(&id.to_string()), "{id} missing from {all:?}");
    }
    // `# nosec` and `# noqa: S101` written by the code's author are ignored unless asked
    // for, each by its own flag; a bare `# noqa` never counts.
    let b101 = |rules: &[String]| rules.iter().filter(|r| *r == "B101").count();
    assert_eq!(b101(&all), 2, "{all:?}");
    let (_, honoured) = rules_of(&["--honor-nosec"]);
    assert!(!honoured.contains(&"B301".to_string()), "{honoured:?}");
    assert_eq!(b101(&honoured), 2, "{honoured:?}");
    let (_, noqa) = rules_of(&["--honor-noqa"]);
    assert!(noqa.contains(&"B301".to_string()), "{noqa:?}");
    assert_eq!(b101(&noqa), 1, "{noqa:?}");
    let (_, selected) = rules_of(&["--select", "B101"]);
    assert_eq!(selected, vec!["B101".to_string(), "B101".to_string()]);
    let (_, ignored) = rules_of(&["--ignore", "B101,B403"]);
    assert!(
        !ignored.iter().any(|r| r == "B101" || r == "B403"),
        "{ignored:?}"
    );

    let clean = dir.path().join("clean.py");
    std::fs::write(&clean, "x = 1\n").unwrap();
    let (code, out, _) = run(&["check", clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = run(&["check", "/no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("/no/such/dir"), "{err}");
}

#[test]
fn check_judges_pickles_and_torch_checkpoints_named_directly() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .join("tests/fixtures/pickle");
    let path = |name: &str| fixtures.join(name).to_string_lossy().into_owned();
    let (code, out, _) = run(&["check", &path("torch-state-dict.pt")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("SAFE ") && out.contains("(torch-zip)"),
        "{out}"
    );
    let (code, out, _) = run(&["check", &path("torch-payload-bad-crc.pt")]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("DANGEROUS ") && out.contains("data.pkl: dangerous"),
        "{out}"
    );
    assert!(
        out.contains("calls posix.system(\"echo trustscan-sample\",)"),
        "{out}"
    );
    let (code, out, _) = run(&["check", "--format", "json", &path("extension-code.pkl")]);
    assert_eq!(code, 3, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["payloads"][0]["verdict"], "inconclusive");
    // A truncated archive is named with its reason, never judged safe.
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.pt");
    let whole = std::fs::read(path("torch-payload.pt")).unwrap();
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let (code, out, _) = run(&["check", cut.to_str().unwrap()]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("INCONCLUSIVE ") && out.contains("cut.pt"),
        "{out}"
    );
    assert!(out.contains("cannot read the zip archive"), "{out}");
}

#[test]
fn a_broken_old_pickle_is_a_payload_named_or_walked_never_python() {
    // Protocol 0, no header: GLOBAL builtins exec, MARK, the code, then a byte that is no
    // opcode. pickle.load imports exec before it fails; the file is not Python source.
    let dir = tempfile::tempdir().unwrap();
    let pkl = dir.path().join("model.pkl");
    std::fs::write(
        &pkl,
        b"cbuiltins\nexec\n(Vimport os; os.system('id')\n\xff\xfe",
    )
    .unwrap();
    for target in [&pkl, &dir.path().to_path_buf()] {
        let (code, out, _) = run(&["check", "--format", "json", target.to_str().unwrap()]);
        assert_eq!(code, 4, "{out}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        let payloads = doc["payloads"].as_array().unwrap();
        assert_eq!(payloads.len(), 1, "{out}");
        assert_eq!(payloads[0]["format"], "pickle", "{out}");
        assert_eq!(payloads[0]["verdict"], "dangerous", "{out}");
        assert!(out.contains("builtins.exec"), "{out}");
        assert_eq!(doc["files"].as_array().map_or(0, Vec::len), 0, "{out}");
        let (code, out, _) = run(&["check", "--color", "never", target.to_str().unwrap()]);
        assert_eq!(code, 4, "{out}");
        assert!(
            out.contains("DANGEROUS ") && out.contains("model.pkl"),
            "{out}"
        );
        assert!(!out.contains("syntax"), "{out}");
    }
}

#[test]
fn the_user_allowlist_lifts_unknown_globals_but_not_gadgets() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .join("tests/fixtures/pickle");
    let path = |name: &str| fixtures.join(name).to_string_lossy().into_owned();
    let unknown = path("newobj-ex-protocol4.pkl");
    assert_eq!(run(&["check", &unknown]).0, 1);
    let (code, out, _) = run(&[
        "check",
        "--allow-global",
        "__main__.WithNewArgsEx",
        &unknown,
    ]);
    assert_eq!(code, 0, "{out}");
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("allow.txt");
    std::fs::write(&list, "# ours\n__main__.*\nposix.*\n").unwrap();
    let list = list.to_str().unwrap();
    assert_eq!(run(&["check", "--allowlist", list, &unknown]).0, 0);
    // Known gadgets stay dangerous whatever the list says.
    let (code, out, _) = run(&[
        "check",
        "--allowlist",
        list,
        &path("os-system-protocol2.pkl"),
    ]);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("DANGEROUS"), "{out}");
    let (code, _, err) = run(&["check", "--allow-global", "nodot", &unknown]);
    assert_eq!(code, 2);
    assert!(err.contains("--allow-global"), "{err}");
}
