//! Hostile and broken repositories: every one gets a plan with a note or an inconclusive
//! verdict that names the file and the reason; none panics, hangs or comes out SAFE.

use serde_json::Value;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

/// Run the binary; a panic would exit 101, which every caller rules out.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(args)
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        101,
        "trustscan panicked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// Scan a repository: (exit code, verdict line, JSON plan).
fn scan(dir: &Path) -> (i32, String, Value) {
    let d = dir.to_str().unwrap();
    let (code, text, _) = run(&["scan", d]);
    let (_, json, err) = run(&["plan", "--format", "json", d]);
    let plan = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, text.lines().next().unwrap_or("").to_string(), plan)
}

const AUTO_MAP: &str = r#"{"model_type": "x-remote", "auto_map": {"AutoConfig": "configuration_x.XConfig", "AutoModel": "modeling_x.XModel"}}"#;

fn all_notes(plan: &Value) -> String {
    let mut s = plan["notes"].to_string();
    for a in plan["apis"].as_array().unwrap() {
        s.push_str(&a["notes"].to_string());
        s.push_str(&a["failures"].to_string());
    }
    s
}

#[test]
fn configs_that_are_not_json_are_inconclusive() {
    for (name, body) in [
        ("garbage", &b"\x00\x01not json at all"[..]),
        (
            "lfs",
            b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 3\n",
        ),
        (
            "truncated",
            br#"{"model_type": "x", "auto_map": {"AutoConfig": "#,
        ),
        ("bad-utf8", b"{\"model_type\": \"\xff\xfe\"}"),
        ("deep", &[b'['; 100_000][..]),
    ] {
        let repo = tempfile::tempdir().unwrap();
        write(repo.path(), "config.json", body);
        let (code, verdict, plan) = scan(repo.path());
        assert_eq!(code, 3, "{name}: {verdict}");
        assert!(verdict.starts_with("INCONCLUSIVE"), "{name}: {verdict}");
        assert!(all_notes(&plan).contains("config.json"), "{name}: {plan}");
    }
}

#[test]
fn undecodable_or_unparsable_code_is_never_safe() {
    for (name, modeling) in [
        (
            "invalid-utf8",
            b"import os\nx = '\xff'\nclass XModel: pass\n".to_vec(),
        ),
        ("python2", b"print 'hello'\nclass XModel: pass\n".to_vec()),
        (
            "deep-parens",
            format!(
                "x = {}1{}\nclass XModel: pass\n",
                "(".repeat(100_000),
                ")".repeat(100_000)
            )
            .into_bytes(),
        ),
        (
            "deep-unary",
            format!("x = {}1\nclass XModel: pass\n", "-".repeat(200_000)).into_bytes(),
        ),
    ] {
        let repo = tempfile::tempdir().unwrap();
        write(repo.path(), "config.json", AUTO_MAP.as_bytes());
        write(repo.path(), "configuration_x.py", b"class XConfig: pass\n");
        write(repo.path(), "modeling_x.py", &modeling);
        let (code, verdict, plan) = scan(repo.path());
        assert!(code == 1 || code == 3, "{name}: exit {code}");
        assert!(!verdict.starts_with("SAFE"), "{name}: {verdict}");
        assert!(
            all_notes(&plan).contains("modeling_x.py"),
            "{name}: {}",
            all_notes(&plan)
        );
    }
}

#[test]
fn symlinks_out_of_the_repository_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.py",
        b"import os\nclass XModel: pass\n",
    );
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "config.json", AUTO_MAP.as_bytes());
    write(repo.path(), "configuration_x.py", b"class XConfig: pass\n");
    symlink(
        outside.path().join("secret.py"),
        repo.path().join("modeling_x.py"),
    )
    .unwrap();
    symlink("/etc", repo.path().join("etc_link")).unwrap();
    symlink(repo.path(), repo.path().join("loop")).unwrap();
    let (code, verdict, plan) = scan(repo.path());
    assert!(code == 1 || code == 3, "{verdict}");
    let notes = all_notes(&plan);
    assert!(
        notes.contains("modeling_x.py") && notes.contains("outside the repository"),
        "{notes}"
    );
    assert!(notes.contains("etc_link"), "{notes}");
}

#[test]
fn missing_files_and_cycles_are_reported_where_loading_would_stop() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "config.json", AUTO_MAP.as_bytes());
    write(repo.path(), "configuration_x.py", b"class XConfig: pass\n");
    write(
        repo.path(),
        "modeling_x.py",
        b"from .a import A\nfrom .ghost import G\nclass XModel: pass\n",
    );
    write(
        repo.path(),
        "a.py",
        b"from .modeling_x import XModel\nclass A: pass\n",
    );
    let (code, verdict, plan) = scan(repo.path());
    assert!(code == 1 || code == 3, "{verdict}");
    let failures = all_notes(&plan);
    assert!(failures.contains("ghost.py"), "{failures}");

    // A cycle without missing files loads.
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "config.json", AUTO_MAP.as_bytes());
    write(repo.path(), "configuration_x.py", b"class XConfig: pass\n");
    write(
        repo.path(),
        "modeling_x.py",
        b"from .a import A\nclass XModel: pass\n",
    );
    write(
        repo.path(),
        "a.py",
        b"from . import modeling_x\nclass A: pass\n",
    );
    let (_, verdict, plan) = scan(repo.path());
    assert!(verdict.starts_with("REVIEW"), "{verdict}");
    let model = plan["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["api"] == "AutoModel.from_pretrained")
        .unwrap();
    assert!(
        model["failures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["versions"]["versions"] == "4.57"),
        "{model}"
    );
}

#[test]
fn huge_files_are_refused_with_a_reason() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "config.json", AUTO_MAP.as_bytes());
    write(repo.path(), "configuration_x.py", b"class XConfig: pass\n");
    // Sparse files: their size is what matters, not their content.
    let f = fs::File::create(repo.path().join("modeling_x.py")).unwrap();
    f.set_len(80 << 20).unwrap();
    let cfg = fs::File::create(repo.path().join("preprocessor_config.json")).unwrap();
    cfg.set_len(70 << 20).unwrap();
    let (code, verdict, plan) = scan(repo.path());
    assert!(code == 1 || code == 3, "{verdict}");
    let notes = all_notes(&plan);
    assert!(
        notes.contains("modeling_x.py") && notes.contains("limit"),
        "{notes}"
    );
    assert!(notes.contains("preprocessor_config.json"), "{notes}");
}

#[test]
fn a_hundred_thousand_files_are_listed_and_planned() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "hubconf.py",
        b"import helpers\n\ndef model():\n    return 1\n",
    );
    write(repo.path(), "helpers.py", b"X = 1\n");
    for d in 0..100 {
        let dir = repo.path().join(format!("data/d{d:03}"));
        fs::create_dir_all(&dir).unwrap();
        for i in 0..1000 {
            fs::write(dir.join(format!("f{i:04}.txt")), b"").unwrap();
        }
    }
    let (_, verdict, plan) = scan(repo.path());
    assert!(verdict.starts_with("REVIEW"), "{verdict}");
    assert_eq!(plan["snapshot"]["files"], 100_002);
    // A listing budget makes the plan inconclusive instead of silently partial.
    let (code, out, _) = run(&["scan", "--max-files", "1000", repo.path().to_str().unwrap()]);
    assert!(code == 1 || code == 3, "{out}");
    assert!(out.contains("more than 1000 files"), "{out}");
}

#[test]
fn odd_targets_get_clear_errors() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let (code, _, err) = run(&["scan", file.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a directory"), "{err}");
    let (code, _, err) = run(&["scan", "hf:not/cached"]);
    assert_eq!(code, 2);
    assert!(err.contains("not in the local Hugging Face cache"), "{err}");
    let (code, _, err) = run(&["scan", "hf:bad//id"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a repository id"), "{err}");
    // An empty directory has nothing to load: never a pass (tests/gates.rs has more).
    let empty = tempfile::tempdir().unwrap();
    let (code, out, _) = run(&["scan", empty.path().to_str().unwrap()]);
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("no loading API"), "{out}");
}

#[test]
fn special_files_and_odd_names_do_not_block() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "hubconf.py", b"import helpers\n");
    write(repo.path(), "helpers.py", b"X = 1\n");
    let status = Command::new("mkfifo")
        .arg(repo.path().join("config.json"))
        .status()
        .unwrap();
    assert!(status.success());
    use std::os::unix::ffi::OsStrExt;
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
    fs::write(repo.path().join(odd), b"x = 1\n").unwrap();
    let (code, verdict, plan) = scan(repo.path());
    assert_eq!(code, 1, "{verdict}");
    let notes = all_notes(&plan);
    assert!(notes.contains("special file"), "{notes}");
    assert!(notes.contains("not valid UTF-8"), "{notes}");
}

/// Python that breaks naive analysers: every file is either analysed or named in a note,
/// with no crash and no hang, and the code of a remote-code repository never comes out SAFE.
#[test]
fn hostile_python_is_analysed_or_named_in_a_note() {
    let repo = tempfile::tempdir().unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("py2.py", b"print 'hello'\nexec 'import os'\n".to_vec()),
        ("broken.py", b"def f(:\n    eval(x)\n".to_vec()),
        (
            "latin1.py",
            b"# -*- coding: latin-1 -*-\ns = '\xe9'\neval(s)\n".to_vec(),
        ),
        ("bad_utf8.py", b"s = '\xff\xfe'\neval(s)\n".to_vec()),
        (
            "one_line.py",
            format!("x = [{}]\n", "1, ".repeat(1_500_000)).into_bytes(),
        ),
        (
            "ten_mb_line.py",
            format!("x = '{}'\n", "a".repeat(10 << 20)).into_bytes(),
        ),
        (
            "nested.py",
            format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000)).into_bytes(),
        ),
        (
            "cycles.py",
            b"x = getattr(x, 'a')\na = b\nb = a\nexec(a)\nc = c + c\neval(c)\n\
class A(B): pass\nclass B(A): pass\nA().f()\n"
                .to_vec(),
        ),
        (
            "self_import.py",
            b"from . import self_import\nimport self_import\n".to_vec(),
        ),
    ];
    // A chain of 20,000 functions, each calling the next.
    let mut chain = String::new();
    for i in 0..20_000 {
        chain.push_str(&format!("def f{i}():\n    return f{}()\n", i + 1));
    }
    chain.push_str("def f20000():\n    eval(input())\nf0()\n");
    for (name, bytes) in &files {
        write(repo.path(), name, bytes);
    }
    write(repo.path(), "chain.py", chain.as_bytes());
    let imports: String = files
        .iter()
        .map(|(n, _)| format!("from .{} import *\n", n.trim_end_matches(".py")))
        .collect();
    write(
        repo.path(),
        "modeling_x.py",
        format!("from .chain import f0\n{imports}class M: pass\nclass C: pass\n").as_bytes(),
    );
    write(
        repo.path(),
        "config.json",
        br#"{"auto_map": {"AutoConfig": "modeling_x.C", "AutoModel": "modeling_x.M"}}"#,
    );

    let d = repo.path().to_str().unwrap();
    let (code, out, err) = run(&["check", "--format", "json", d]);
    assert!(code == 1 || code == 3, "check exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let files_out = doc["files"].as_array().unwrap();
    let entry = |name: &str| {
        files_out
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing from check output"))
    };
    let has_note = |name: &str| !entry(name)["notes"].as_array().unwrap().is_empty();
    let rules_in = |name: &str| -> Vec<String> {
        entry(name)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    // Unparsable files are named with a reason, never silently empty.
    for name in ["py2.py", "broken.py", "nested.py"] {
        assert!(has_note(name), "{name} has no note");
    }
    // Above the parse limit: not parsed, and said so.
    let big = entry("ten_mb_line.py")["notes"].to_string();
    assert!(big.contains("parse limit"), "{big}");
    // Declared and undeclared encodings are decoded and analysed.
    assert!(rules_in("latin1.py").contains(&"B307".to_string()));
    assert!(has_note("bad_utf8.py") || rules_in("bad_utf8.py").contains(&"B307".to_string()));
    // Self-referential assignments and class cycles end; the calls are still found.
    let cyc = rules_in("cycles.py");
    assert!(cyc.contains(&"B102".to_string()) && cyc.contains(&"B307".to_string()));
    assert!(rules_in("chain.py").contains(&"B307".to_string()));

    // transformers reads every file of the import closure as UTF-8 before running any:
    // the invalid one makes loading fail, and the plan says so, naming it.
    let (code, out, err) = run(&["scan", "--format", "json", d]);
    assert_eq!(code, 3, "scan: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["verdict"], "INCONCLUSIVE");
    assert!(
        doc["reason"].as_str().unwrap().contains("bad_utf8.py"),
        "{}",
        doc["reason"]
    );

    // Importing only valid modules, the chain module runs and the eval at the end of its 20,000 calls is
    // reached from its top level (`f0()`).
    write(
        repo.path(),
        "modeling_x.py",
        b"from .chain import f0\nfrom .cycles import *\nclass M: pass\nclass C: pass\n",
    );
    let (code, out, err) = run(&["scan", "--format", "json", d]);
    assert!(code == 1 || code == 3, "scan exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let reached_chain = doc["code"]["findings"].as_array().unwrap().iter().any(|f| {
        f["location"]["file"] == "chain.py"
            && f["rule"] == "B307"
            && f["reachability"] == "reachable-from-load"
            && f["evidence"].as_array().unwrap().len() > 20_000
    });
    assert!(
        reached_chain,
        "the call chain was cut short: {}",
        doc["code"]
    );
}
