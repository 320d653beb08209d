//! Gates that must not pass silently: an empty or unrecognised target, a cache entry with
//! nothing downloaded, a directory of repositories scanned as one, version-control history,
//! rule IDs that select nothing.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Run the binary: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(args)
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .env("TRUSTSCAN_NO_PROGRESS", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// A pickle that runs `posix.system('id')` (protocol 2).
const PAYLOAD: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00idq\x00\x85R.";

#[test]
fn nothing_loadable_never_passes() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    write(dir.path(), "docs/README.md", b"# notes\n");
    for target in [empty, dir.path().join("docs")] {
        let t = target.to_str().unwrap();
        for gate in [&[][..], &["--inconclusive", "pass"], &["--fail-on", "high"]] {
            let mut args = vec!["scan", t];
            args.extend(gate);
            let (code, out, _) = run(&args);
            assert_eq!(code, 5, "{args:?}: {out}");
            assert!(out.starts_with("UNRECOGNISED  "), "{out}");
            assert!(out.contains("nothing loadable found"), "{out}");
        }
        let (code, _, _) = run(&["plan", t]);
        assert_eq!(code, 5);
        let (code, out, err) = run(&["check", t]);
        assert_eq!(code, 5, "{out}");
        assert!(err.contains("nothing to check"), "{err}");
    }
    // The JSON says the same.
    let (_, json, _) = run(&["scan", "--format", "json", dir.path().to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["verdict"], "UNRECOGNISED");
}

#[test]
fn a_cache_entry_with_nothing_downloaded_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let entry = dir.path().join("models--org--name");
    fs::create_dir_all(entry.join("refs")).unwrap();
    let (code, out, err) = run(&["scan", entry.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("holds no snapshot"), "{err}");
    assert!(err.contains("hf:org/name"), "{err}");
}

#[test]
fn a_directory_of_repositories_names_them() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["alpha", "beta"] {
        write(
            dir.path(),
            &format!("{name}/config.json"),
            br#"{"model_type": "bert"}"#,
        );
    }
    write(dir.path(), "notes/README.md", b"# not a model\n");
    let (code, out, _) = run(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(code, 5, "{out}");
    let shown = dir.path().display().to_string();
    assert!(
        out.contains("2 of its directories are model repositories (alpha, beta)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("`trustscan scan {shown}/*/`")),
        "{out}"
    );
    // A model repository whose subfolders hold models of their own (a diffusers pipeline's
    // components) is one repository: no such advice.
    write(
        dir.path(),
        "model_index.json",
        br#"{"_class_name": "StableDiffusionPipeline", "alpha": ["diffusers", "UNet2DModel"]}"#,
    );
    write(
        dir.path(),
        "alpha/diffusion_pytorch_model.safetensors",
        &safetensors(),
    );
    let (_, out, _) = run(&["scan", dir.path().to_str().unwrap()]);
    assert!(!out.contains("of its directories"), "{out}");
}

#[test]
fn version_control_history_is_not_scanned() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "config.json", br#"{"model_type": "bert"}"#);
    write(repo.path(), "model.safetensors", &safetensors());
    // What `git add` of a pickle leaves behind after the file is deleted: a loose object.
    write(
        repo.path(),
        ".git/objects/4b/825dc642cb6eb9a060e54bf8d69288fbee4904",
        PAYLOAD,
    );
    let (code, out, _) = run(&["scan", repo.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("SAFE  "), "{out}");
    let (_, json, _) = run(&["plan", "--format", "json", repo.path().to_str().unwrap()]);
    assert!(json.contains("version-control metadata skipped"), "{json}");
}

#[test]
fn rule_ids_that_select_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tool.py", b"import os\nos.system(input())\n");
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["check", "--select", "TS999", d]);
    assert_eq!(code, 2);
    assert!(err.contains("\"TS999\" is no rule"), "{err}");
    assert!(err.contains("B1") && err.contains("TS1"), "{err}");
    let (code, _, err) = run(&["check", "--ignore", "S605", d]);
    assert_eq!(code, 2, "{err}");
    // The configuration's prefixes: one that matches no ID is refused, a family is fine.
    let config = dir.path().join("trustscan.toml");
    fs::write(&config, "select = [\"TS9\"]\n").unwrap();
    let c = config.to_str().unwrap();
    let (code, _, err) = run(&["check", "--config", c, d]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule ID starts with \"TS9\""), "{err}");
    fs::write(
        &config,
        "select = [\"B6\", \"TS_Obf\"]\n[severity]\nB605 = \"low\"\n",
    )
    .unwrap();
    let (code, out, err) = run(&["check", "--config", c, d]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("B605"), "{out}");
    fs::write(&config, "[severity]\nB6 = \"low\"\n").unwrap();
    let (code, _, err) = run(&["check", "--config", c, d]);
    assert_eq!(code, 2);
    assert!(err.contains("\"B6\" is no rule ID"), "{err}");
}

/// A minimal valid safetensors file: one 1-element float32 tensor.
fn safetensors() -> Vec<u8> {
    let header = br#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header);
    out.extend_from_slice(&[0, 0, 128, 63]);
    out
}

#[test]
fn code_at_load_fails_the_gate_until_a_baseline_allows_that_exact_code() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "config.json",
        br#"{"model_type": "demo", "auto_map": {"AutoConfig": "configuration_demo.DemoConfig"}}"#,
    );
    write(
        repo.path(),
        "configuration_demo.py",
        b"class DemoConfig:\n    model_type = 'demo'\n",
    );
    let r = repo.path().to_str().unwrap();
    // --fail-on alone lets a repository that runs code with no finding pass.
    let (code, out, _) = run(&["scan", "--fail-on", "medium", r]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("repository code that no rule flags runs at load: configuration_demo.py"),
        "{out}"
    );
    let (code, _, _) = run(&["scan", "--fail-on", "medium", "--fail-on-code", r]);
    assert_eq!(code, 1);
    // A baseline written after review allows exactly that code...
    let baseline = tempfile::NamedTempFile::new().unwrap();
    let b = baseline.path().to_str().unwrap();
    let (code, _, _) = run(&["scan", "--write-baseline", b, r]);
    assert_eq!(code, 0);
    let gated = [
        "scan",
        "--fail-on",
        "medium",
        "--fail-on-code",
        "--baseline",
        b,
        r,
    ];
    let (code, _, _) = run(&gated);
    assert_eq!(code, 0);
    // ...and not the same file once it changes.
    write(
        repo.path(),
        "configuration_demo.py",
        b"class DemoConfig:\n    model_type = 'demo2'\n",
    );
    let (code, _, _) = run(&gated);
    assert_eq!(code, 1);
    // check runs no loading API.
    let (code, _, err) = run(&["check", "--fail-on-code", r]);
    assert_eq!(code, 2);
    assert!(err.contains("scan and cache"), "{err}");
}

#[test]
fn a_yaml_config_is_judged_as_yaml_not_as_a_broken_pickle() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "configs/demo/net.yaml",
        b"model:\n  type: ResNet\n  depth: 50\n",
    );
    let r = repo.path().to_str().unwrap();
    let (code, out, _) = run(&["scan", r]);
    // Read with yaml.Loader: review-worthy, but plain data is safe and no broken pickle.
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("a YAML file is read with an unsafe loader"),
        "{out}"
    );
    assert!(out.contains("payloads: 1 file: 1 safe"), "{out}");
    assert!(!out.contains("pickle"), "{out}");
    // A Python tag makes it dangerous: the loader constructs and calls os.system.
    write(
        repo.path(),
        "configs/demo/net.yaml",
        b"model:\n  type: !!python/object/apply:os.system [id]\n",
    );
    let (code, out, _) = run(&["scan", r]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("Python tag !!python/object/apply:os.system"),
        "{out}"
    );
}
