//! The demo zoo through the real binary: `trustscan scan examples/*/` must give each example
//! the verdict its mechanism implies, and `trustscan plan --format json` must show the
//! mechanism itself.

use serde_json::Value;
use std::process::Command;
use trustscan_test_support::workspace;

fn trustscan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trustscan"))
        .args(args)
        .current_dir(workspace())
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn plan(example: &str) -> Value {
    let (code, stdout, stderr) =
        trustscan(&["plan", "--format", "json", &format!("examples/{example}")]);
    assert!(code == 0 || code == 3, "{example}: exit {code}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{example}: {e}\n{stdout}"))
}

fn api<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["api"] == name)
        .unwrap_or_else(|| panic!("no API {name} in {}", plan["target"]))
}

/// (kind, subject path or name, version scope) of every step.
fn steps(api: &Value) -> Vec<(String, String, String)> {
    api["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let subject = &s["subject"];
            let name = subject["path"]
                .as_str()
                .or(subject["name"].as_str())
                .or(subject["id"].as_str())
                .or(subject["url"].as_str())
                .or(subject["spec"].as_str())
                .or(subject["key"].as_str())
                .unwrap_or("")
                .to_string();
            let scope = s["versions"]["versions"]
                .as_str()
                .unwrap_or("all")
                .to_string();
            (s["kind"].as_str().unwrap().to_string(), name, scope)
        })
        .collect()
}

fn has(api: &Value, kind: &str, subject: &str) -> bool {
    steps(api).iter().any(|(k, s, _)| k == kind && s == subject)
}

#[test]
fn scan_gives_every_example_its_verdict() {
    let mut dirs: Vec<String> = std::fs::read_dir(workspace().join("examples"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| format!("examples/{}", e.file_name().to_string_lossy()))
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 12, "the demo zoo is incomplete");
    let args: Vec<&str> = std::iter::once("scan")
        .chain(dirs.iter().map(String::as_str))
        .collect();
    let (code, stdout, stderr) = trustscan(&args);
    assert_eq!(code, 4, "a dangerous repository is in the zoo: {stderr}");
    let verdict = |example: &str| -> String {
        stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(&format!("examples/{example}")))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("no verdict line for {example}:\n{stdout}"))
            .to_string()
    };
    assert_eq!(verdict("transformers-builtin-safetensors"), "SAFE");
    assert_eq!(verdict("transformers-lfs-pointer-config"), "INCONCLUSIVE");
    assert_eq!(verdict("transformers-hidden-payload"), "DANGEROUS");
    assert_eq!(verdict("transformers-pickle-payload"), "DANGEROUS");
    for reviewed in [
        "transformers-remote-code",
        "transformers-cross-repo",
        "torchhub-namespace-package",
        "modelscope-allow-remote",
        "diffusers-community-pipeline",
        "mmdet-config",
        "models--demo-org--cached-remote-code",
    ] {
        assert_eq!(verdict(reviewed), "REVIEW", "{reviewed}");
    }
    // The safe example alone exits 0; the inconclusive one alone exits 3.
    assert_eq!(
        trustscan(&["scan", "examples/transformers-builtin-safetensors"]).0,
        0
    );
    assert_eq!(
        trustscan(&["scan", "examples/transformers-lfs-pointer-config"]).0,
        3
    );
    assert_eq!(
        trustscan(&["scan", "examples/transformers-hidden-payload"]).0,
        4
    );
    assert_eq!(trustscan(&["scan", "examples/no-such-example"]).0, 2);
}

#[test]
fn remote_code_example_runs_the_relative_import_closure_and_unpickles() {
    let p = plan("transformers-remote-code");
    let model = api(&p, "AutoModelForCausalLM.from_pretrained");
    let s = steps(model);
    let order: Vec<&str> = s
        .iter()
        .filter(|(k, _, _)| k == "execute-file")
        .map(|(_, n, _)| n.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "configuration_demoglm.py",
            "modeling_demoglm.py",
            "quantization.py"
        ]
    );
    assert!(has(model, "import-package", "torch"));
    let weights = model["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "deserialize-payload")
        .unwrap();
    assert_eq!(weights["format"], "torch-zip");
    // The chain names the import line that leads to quantization.py.
    let chain = model["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subject"]["path"] == "quantization.py")
        .unwrap()["reason"]
        .to_string();
    assert!(
        chain.contains("from .quantization import quantize"),
        "{chain}"
    );
    let tokenizer = api(&p, "AutoTokenizer.from_pretrained");
    assert!(has(tokenizer, "compile-template", "chat_template"));
    assert!(has(tokenizer, "execute-file", "tokenization_demoglm.py"));
}

#[test]
fn docstring_import_is_copied_not_executed() {
    let p = plan("transformers-docstring-import");
    let model = api(&p, "AutoModel.from_pretrained");
    assert!(!has(model, "execute-file", "plotting.py"));
    assert!(has(model, "copy-file", "plotting.py"));
}

#[test]
fn cross_repository_code_is_reported_as_another_repository() {
    let p = plan("transformers-cross-repo");
    let model = api(&p, "AutoModel.from_pretrained");
    assert!(has(model, "fetch-repository", "demo-org/shared-code"));
    let detail = model["steps"][0]["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("revision pinned for this model does not apply"),
        "{detail}"
    );
}

#[test]
fn custom_generate_differs_between_transformers_versions() {
    let p = plan("transformers-custom-generate");
    let model = api(&p, "AutoModel.from_pretrained");
    let generate: Vec<&Value> = model["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["subject"]["path"] == "custom_generate/generate.py")
        .collect();
    let gates: Vec<(&str, &str)> = generate
        .iter()
        .map(|s| {
            (
                s["gate"]["gate"].as_str().unwrap(),
                s["versions"]["versions"].as_str().unwrap_or("all"),
            )
        })
        .collect();
    assert!(gates.contains(&("default", "4.57")), "{gates:?}");
    assert!(gates.contains(&("trust-remote-code", "5.x")), "{gates:?}");
}

#[test]
fn study_misses_falcon_style_names() {
    let p = plan("transformers-study-miss");
    let missed = p["classification"]["executed_but_not_matched"].to_string();
    assert!(
        missed.contains("modelling_RW.py") && missed.contains("configRW.py"),
        "{missed}"
    );
    assert_eq!(p["classification"]["study_needs_custom_code"], false);
    assert_eq!(p["classification"]["plan_executes_repository_code"], true);
}

#[test]
fn torch_hub_example_follows_namespace_packages_and_sys_path() {
    let p = plan("torchhub-namespace-package");
    let hub = api(&p, "torch.hub.load");
    assert!(has(hub, "execute-file", "nets/resnet.py"));
    assert!(has(hub, "execute-file", "third_party/vendored_ops.py"));
    let entries: Vec<&str> = hub["entry_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        entries.contains(&"tiny") && entries.contains(&"resnet18"),
        "{entries:?}"
    );
    assert_eq!(hub["steps"][0]["gate"]["gate"], "default");
}

#[test]
fn modelscope_example_installs_and_imports_everything() {
    let p = plan("modelscope-allow-remote");
    let ms = api(&p, "pipeline");
    assert!(has(ms, "install-package", "demo-plugin>=0.1"));
    assert!(has(ms, "install-package", "einops>=0.6"));
    for f in ["ms_wrapper.py", "models/__init__.py", "models/backbone.py"] {
        assert!(has(ms, "execute-file", f), "{f}");
    }
}

#[test]
fn diffusers_community_pipeline_runs_without_trust() {
    let p = plan("diffusers-community-pipeline");
    let d = api(&p, "DiffusionPipeline.from_pretrained");
    let step = &d["steps"][0];
    assert_eq!(step["kind"], "fetch-repository");
    assert_eq!(step["gate"]["gate"], "default");
    let custom = plan("diffusers-custom-pipeline");
    let d = api(&custom, "DiffusionPipeline.from_pretrained");
    assert!(has(d, "execute-file", "pipeline_demo.py"));
    assert!(has(d, "execute-file", "unet/my_unet.py"));
    assert!(has(d, "execute-file", "vae/my_vae.py"));
}

#[test]
fn mmengine_example_runs_bases_first_and_unpickles_urls() {
    let p = plan("mmdet-config");
    let cfg = api(&p, "Config.fromfile(configs/demo/demo_net_1x.py)");
    let order: Vec<String> = steps(cfg)
        .into_iter()
        .filter(|(k, _, _)| k == "execute-file")
        .map(|(_, n, _)| n)
        .collect();
    assert_eq!(
        order.last().map(String::as_str),
        Some("configs/demo/demo_net_1x.py")
    );
    assert_eq!(order.len(), 3);
    assert!(has(
        cfg,
        "deserialize-payload",
        "https://download.example.org/demo_net_1x.pth"
    ));
    let yaml = api(&p, "Config.fromfile(configs/demo/demo_net.yaml)");
    assert_eq!(yaml["steps"][0]["format"], "yaml-unsafe");
}

#[test]
fn huggingface_cache_entry_uses_the_hub_code_path() {
    let p = plan("models--demo-org--cached-remote-code");
    assert_eq!(p["snapshot"]["layout"], "huggingface-cache");
    assert_eq!(p["snapshot"]["repo_id"], "demo-org/cached-remote-code");
    assert_eq!(p["snapshot"]["revision"], "main");
    let model = api(&p, "AutoModel.from_pretrained");
    assert!(
        model["semantics"]
            .as_str()
            .unwrap()
            .starts_with("Hub repository")
    );
    assert!(has(model, "execute-file", "modeling_cached.py"));
}

#[test]
fn json_output_is_deterministic() {
    let a = trustscan(&[
        "plan",
        "--format",
        "json",
        "examples/transformers-remote-code",
        "examples/mmdet-config",
    ]);
    let b = trustscan(&[
        "plan",
        "--format",
        "json",
        "examples/transformers-remote-code",
        "examples/mmdet-config",
    ]);
    assert_eq!(a.1, b.1);
    let v: Value = serde_json::from_str(&a.1).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["schema"], "trustscan.plan/1");
}

#[test]
fn every_json_field_is_documented() {
    fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    out.insert(k.clone());
                    keys(v, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let doc = std::fs::read_to_string(workspace().join("docs/plan-schema.md")).unwrap();
    let mut all = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(workspace().join("examples")).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            keys(&plan(&entry.file_name().to_string_lossy()), &mut all);
        }
    }
    assert!(all.len() > 30, "{all:?}");
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "fields missing from docs/plan-schema.md: {missing:?}"
    );
}

#[test]
fn hidden_payload_findings_carry_reachability_and_call_paths() {
    let (code, stdout, _) = trustscan(&[
        "scan",
        "--format",
        "json",
        "examples/transformers-hidden-payload",
    ]);
    assert_eq!(code, 4);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["verdict"], "DANGEROUS");
    let findings = doc["code"]["findings"].as_array().unwrap();
    let find = |rule: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} finding in {stdout}"))
    };
    // The decoded exec sits at module level of the auto_map module.
    let exec = find("TS101");
    assert_eq!(exec["reachability"], "runs-at-load");
    assert!(exec["message"].as_str().unwrap().contains("trustscan demo"));
    // pip install runs from the model's constructor: the evidence is the call path.
    let pip = find("TS107");
    assert_eq!(pip["reachability"], "reachable-from-load");
    let path: Vec<&str> = pip["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        path.iter().any(|e| e.contains("HiddenModel.__init__")),
        "{path:?}"
    );
    assert!(
        path.last().unwrap().contains("setup_utils.py:prepare"),
        "{path:?}"
    );
    // The pickle load sits in a helper nothing calls.
    assert_eq!(find("TS106")["reachability"], "not-reached");
}

#[test]
fn pickle_payload_example_is_dangerous_where_it_loads_and_where_it_hides() {
    let (code, stdout, stderr) = trustscan(&[
        "scan",
        "--format",
        "json",
        "examples/transformers-pickle-payload",
    ]);
    assert_eq!(code, 4, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["verdict"], "DANGEROUS");
    assert!(
        doc["reason"]
            .as_str()
            .unwrap()
            .contains("deserialized at load: pytorch_model.bin"),
        "{}",
        doc["reason"]
    );
    let payload = |path: &str| -> &Value {
        doc["payloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == path)
            .unwrap_or_else(|| panic!("{path} missing: {}", doc["payloads"]))
    };
    let weights = payload("pytorch_model.bin");
    assert_eq!(weights["reachability"], "runs-at-load");
    assert_eq!(weights["format"], "torch-zip");
    let calls = &weights["parts"][0]["calls"][0];
    assert_eq!(calls["callee"], "posix.system");
    assert!(
        calls["args"]
            .as_str()
            .unwrap()
            .contains("echo trustscan demo")
    );
    // The gzip-wrapped protocol-0 pickle is found by content, not by name.
    let hidden = payload("extras/rng_state.pkl.gz");
    assert_eq!(hidden["reachability"], "not-reached");
    assert_eq!(hidden["format"], "gzip");
    assert_eq!(hidden["verdict"], "dangerous");
    assert_eq!(hidden["parts"][0]["location"], "[gzip]");
}

#[test]
fn markdown_report_leads_with_the_verdict_and_is_deterministic() {
    let args = [
        "scan",
        "--format",
        "markdown",
        "examples/transformers-pickle-payload",
    ];
    let (code, first, stderr) = trustscan(&args);
    assert_eq!(code, 4, "{stderr}");
    // A hidden marker a bot finds its comment by, then the verdict.
    assert!(
        first.starts_with(
            "<!-- trustscan-report -->\n### trustscan: **DANGEROUS** `examples/transformers-pickle-payload`"
        ),
        "{first}"
    );
    // The file the loader deserializes comes before the one nothing loads.
    let weights = first.find("| `pytorch_model.bin` |").expect("weights row");
    let hidden = first
        .find("| `extras/rng_state.pkl.gz` |")
        .expect("hidden row");
    assert!(weights < hidden, "{first}");
    assert_eq!(trustscan(&args).1, first);
    assert_eq!(
        trustscan(&["check", "--format", "markdown", "examples"]).0,
        2
    );
}

#[test]
fn each_loading_api_line_counts_its_high_findings_and_payloads() {
    let (_, out, _) = trustscan(&["scan", "examples/transformers-hidden-payload"]);
    let automodel = out
        .lines()
        .find(|l| l.contains("AutoModel loading"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        automodel.ends_with("; 2 high findings at load, 1 more reachable from it"),
        "{automodel}"
    );
    let config = out
        .lines()
        .find(|l| l.contains("AutoConfig loading"))
        .unwrap();
    assert!(!config.contains("finding"), "{config}");
    let (_, out, _) = trustscan(&["scan", "examples/transformers-pickle-payload"]);
    let automodel = out
        .lines()
        .find(|l| l.contains("AutoModel loading"))
        .unwrap();
    assert!(automodel.ends_with("; 1 dangerous payload"), "{automodel}");
}

#[test]
fn signatures_are_findings_and_users_can_add_rules() {
    let (_, out, _) = trustscan(&[
        "scan",
        "--format",
        "json",
        "examples/transformers-hidden-payload",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let yara = doc["code"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "TS_Obf_ExecOfDecodedData")
        .expect("the bundled pack sees the decoded exec");
    assert_eq!(yara["location"]["file"], "modeling_hidden.py");
    assert_eq!(yara["location"]["line"], 9);
    assert_eq!(yara["reachability"], "runs-at-load");
    // A user's rule on a benign repository: a finding of that rule, not run at load there.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.yar"),
        "rule Org_Quantize { meta: severity = \"low\" strings: $a = \"def quantize\" condition: $a }",
    )
    .unwrap();
    let rules = dir.path().to_str().unwrap();
    let (_, out, err) = trustscan(&[
        "scan",
        "--format",
        "json",
        "--yara-rules",
        rules,
        "examples/transformers-remote-code",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let mine: Vec<&Value> = doc["code"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "Org_Quantize")
        .collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["location"]["file"], "quantization.py");
    std::fs::write(dir.path().join("broken.yar"), "rule {").unwrap();
    let (code, _, err) = trustscan(&[
        "scan",
        "--yara-rules",
        rules,
        "examples/transformers-remote-code",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.yar"), "{err}");
}

#[test]
fn the_text_report_groups_findings_by_reachability_then_severity() {
    let target = "examples/transformers-hidden-payload";
    let (_, json, _) = trustscan(&["scan", target, "--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let findings = doc["code"]["findings"].as_array().unwrap();
    let (_, text, _) = trustscan(&["scan", target, "--findings", "all", "--min-severity", "low"]);
    let reach_rank = |r: &str| {
        ["runs at load", "reachable from load", "not reached"]
            .iter()
            .position(|x| *x == r)
            .unwrap()
    };
    let sev_rank = |s: &str| {
        ["HIGH", "MEDIUM", "LOW"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    // (heading key, count it announces, finding lines under it)
    let mut groups: Vec<((usize, usize), usize, usize)> = Vec::new();
    // Rules named per line: one line of code several rules flag is listed once.
    let mut rules_per_line = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("   ").filter(|h| !h.starts_with(' ')) {
            let (sev, rest) = h.split_once(" severity, ").unwrap();
            let (reach, n) = rest.rsplit_once(": ").unwrap();
            groups.push(((reach_rank(reach), sev_rank(sev)), n.parse().unwrap(), 0));
        } else if let Some(f) = line.strip_prefix("    ").filter(|f| {
            ["HIGH/", "MEDIUM/", "LOW/"]
                .iter()
                .any(|s| f.starts_with(s))
        }) {
            let g = groups.last_mut().expect("a finding before any heading");
            let sev = f.split('/').next().unwrap();
            assert_eq!(sev_rank(sev), g.0.1, "{line}");
            let rules = f.split_once(' ').unwrap().1.split("  ").next().unwrap();
            rules_per_line.push(rules.split(", ").count());
            assert!(line.contains(["runs at load", "reachable from load", "not reached"][g.0.0]));
            g.2 += 1;
        }
    }
    assert!(groups.len() >= 3, "{text}");
    assert!(groups.windows(2).all(|w| w[0].0 < w[1].0), "{groups:?}");
    assert!(groups.iter().all(|g| g.1 == g.2), "{groups:?}");
    assert_eq!(
        rules_per_line.iter().sum::<usize>(),
        findings.len(),
        "{text}"
    );
    // TS101, its signature and B102 on the same exec(...): one entry.
    assert!(rules_per_line.contains(&3), "{text}");
}
