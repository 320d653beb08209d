//! `scan hf:org/name` against a local server shaped like the Hugging Face API (revision, paginated
//! tree, `resolve` with a redirect to a CDN that honours Range): the remote report equals the
//! local scan of the same files, a 200 MB checkpoint costs kilobytes, the cache makes a second
//! scan free, and `--offline` works with the server gone.

mod common;
mod remote_support;
#[path = "../../trustscan-remote/tests/support/mod.rs"]
mod support;

use std::fs;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::sync::Arc;

use remote_support::{
    DiskFile, assert_same, assert_schema_valid, decode, example, files_of, param, remote_scan_in,
    split, trustscan, write_os_system_checkpoint,
};
use serde_json::Value;
use support::Server;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// Serves `root` as the repository `repo` at [`COMMIT`], `page` tree entries per page; files
/// over 1 MB are redirected to `/cdn/` like LFS files.
fn hf_server(root: &Path, repo: &'static str, page: usize) -> Server {
    let root = Arc::new(root.to_path_buf());
    let files = Arc::new(files_of(&root));
    Server::start(move |req, conn| {
        let (path, query) = split(req);
        if path.contains("/demo-org/private") {
            return conn.respond(401, &[], b"");
        }
        if let Some(rest) = path.strip_prefix(&format!("/api/models/{repo}/revision/")) {
            assert!(rest == "main" || rest == COMMIT, "{rest}");
            let body = serde_json::json!({"id": repo, "sha": COMMIT, "siblings": []});
            return conn.respond(200, &[], body.to_string().as_bytes());
        }
        if path == format!("/api/models/{repo}/tree/{COMMIT}") {
            assert!(query.contains("recursive=true"), "{query}");
            let cursor: usize = param(query, "cursor").map_or(0, |c| c.parse().unwrap());
            // Directories are listed too; the client must skip them.
            let mut entries =
                vec![serde_json::json!({"type": "directory", "path": "sub", "oid": "x"})];
            entries.extend(files.iter().map(|(p, size)| {
                serde_json::json!({"type": "file", "path": p, "size": size, "oid": "0"})
            }));
            let end = (cursor + page).min(entries.len());
            let mut headers = Vec::new();
            if end < entries.len() {
                headers.push((
                    "Link",
                    format!("</api/models/{repo}/tree/{COMMIT}?recursive=true&cursor={end}>; rel=\"next\""),
                ));
            }
            let body = Value::Array(entries[cursor..end].to_vec()).to_string();
            return conn.respond(200, &headers, body.as_bytes());
        }
        // huggingface_hub's file metadata (`file_download.py`, `get_hf_file_metadata`) reads
        // X-Repo-Commit and the ETag (X-Linked-Etag for LFS files) of the resolve answer, and
        // turns a 404 with X-Error-Code EntryNotFound into EntryNotFoundError
        // (`utils/_http.py`, `hf_raise_for_status`), which it records under `.no_exist/`.
        let rest = path
            .strip_prefix(&format!("/{repo}/resolve/{COMMIT}/"))
            .or_else(|| path.strip_prefix(&format!("/{repo}/resolve/main/")));
        if let Some(rest) = rest {
            let file = root.join(decode(rest));
            if !file.is_file() {
                let h = [
                    ("X-Repo-Commit", COMMIT.to_string()),
                    ("X-Error-Code", "EntryNotFound".into()),
                    ("X-Error-Message", "Entry not found".into()),
                ];
                return conn.respond(404, &h, b"");
            }
            let commit = [
                ("X-Repo-Commit", COMMIT.to_string()),
                ("ETag", format!("\"{}\"", etag(&file))),
            ];
            if fs::metadata(&file).unwrap().len() > 1 << 20 {
                let mut h = commit.to_vec();
                h.push(("Location", format!("/cdn/{rest}?X-Amz-Signature=secret")));
                return conn.respond(302, &h, b"");
            }
            return conn.serve(req, &DiskFile(file), true, &commit);
        }
        if let Some(rest) = path.strip_prefix("/cdn/") {
            return conn.serve(req, &DiskFile(root.join(decode(rest))), true, &[]);
        }
        conn.respond(404, &[("X-Error-Code", "RepoNotFound".into())], b"")
    })
}

/// A stable entity tag for a served file (the real Hub sends the git blob id).
fn etag(file: &Path) -> String {
    let meta = fs::metadata(file).unwrap();
    format!("{:x}-{:x}", meta.len(), meta.ino())
}

/// A repository with remote code, a 200 MB torch checkpoint whose pickle calls `os.system`,
/// a 50 MB safetensors file and a 20 MB GGUF with a hostile chat template.
fn big_repo(dir: &Path) {
    for f in [
        "config.json",
        "configuration_demoglm.py",
        "modeling_demoglm.py",
        "quantization.py",
        "tokenization_demoglm.py",
        "tokenizer_config.json",
    ] {
        fs::copy(example("transformers-remote-code").join(f), dir.join(f)).unwrap();
    }
    write_os_system_checkpoint(
        &dir.join("pytorch_model.bin"),
        &[100 << 20, 100 << 20],
        true,
    );
    let header = br#"{"w":{"dtype":"F32","shape":[13107200],"data_offsets":[0,52428800]}}"#;
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend_from_slice(header);
    let f = fs::File::create(dir.join("model.safetensors")).unwrap();
    f.write_all_at(&st, 0).unwrap();
    f.set_len(st.len() as u64 + 52_428_800).unwrap();
    // GGUF v3: one string pair (the template), no tensors, then 20 MB of padding.
    let template = b"{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    let key = b"tokenizer.chat_template";
    let mut g = b"GGUF".to_vec();
    g.extend(3u32.to_le_bytes());
    g.extend(0u64.to_le_bytes());
    g.extend(1u64.to_le_bytes());
    g.extend((key.len() as u64).to_le_bytes());
    g.extend(key);
    g.extend(8u32.to_le_bytes());
    g.extend((template.len() as u64).to_le_bytes());
    g.extend(template);
    let f = fs::File::create(dir.join("model.gguf")).unwrap();
    f.write_all_at(&g, 0).unwrap();
    f.set_len(20 << 20).unwrap();
}

#[test]
fn remote_scan_equals_local_and_moves_kilobytes() {
    let repo = tempfile::tempdir().unwrap();
    big_repo(repo.path());
    let server = hf_server(repo.path(), "demo-org/big", 3);
    let cache = tempfile::tempdir().unwrap();
    let cache_s = cache.path().to_str().unwrap();
    let endpoint = server.origin();
    let remote_args = [
        "scan",
        "hf:demo-org/big",
        "--endpoint",
        &endpoint,
        "--remote-cache",
        cache_s,
        "--format",
        "json",
    ];
    let (code, remote_out, err) = trustscan(&remote_args, &[]);
    let (local_code, local_out, _) = trustscan(
        &["scan", repo.path().to_str().unwrap(), "--format", "json"],
        &[],
    );
    assert_eq!(code, local_code, "{err}");
    assert_eq!(code, 4, "the checkpoint's pickle calls os.system: {err}");
    assert_same(&remote_out, &local_out, "first scan");

    // The report with its `remote` block matches the published schema.
    assert_schema_valid(&remote_out, "remote-scan.json");

    let v: Value = serde_json::from_str(&remote_out).unwrap();
    let snap = &v["plan"]["snapshot"];
    assert_eq!(snap["commit"], COMMIT);
    assert_eq!(snap["layout"], "remote");
    let remote = &snap["remote"];
    let transferred = remote["bytes_transferred"].as_u64().unwrap();
    let total = remote["repository_bytes"].as_u64().unwrap();
    assert!(total > 270_000_000, "{remote}");
    // Code, configs, the checkpoint's directory and pickle, two headers: well under 1 MB.
    assert!(transferred < 1_000_000, "{remote}");
    server.wait_handled(server.requests().len());
    assert!(
        server.body_bytes_written() < 1_000_000,
        "{}",
        server.body_bytes_written()
    );
    let partial: Vec<&str> = remote["partial_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        partial,
        ["model.gguf", "model.safetensors", "pytorch_model.bin"]
    );
    // The tree came in pages of three, directories skipped.
    assert_eq!(
        snap["files"].as_u64().unwrap() as usize,
        files_of(repo.path()).len()
    );
    let pages = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/tree/"))
        .count();
    // Every file and the one directory entry, three to a page.
    assert_eq!(pages, (files_of(repo.path()).len() + 1).div_ceil(3));

    // A commit id names immutable content: a second scan at it costs no request at all.
    let before = server.requests().len();
    let pinned = format!("hf:demo-org/big@{COMMIT}");
    let (code2, out2, err2) = trustscan(
        &[
            "scan",
            &pinned,
            "--endpoint",
            &endpoint,
            "--remote-cache",
            cache_s,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(code2, 4, "{err2}");
    assert_eq!(server.requests().len(), before, "served from the cache");
    assert_same(&out2, &local_out, "pinned scan");
    let v2: Value = serde_json::from_str(&out2).unwrap();
    assert_eq!(v2["plan"]["snapshot"]["remote"]["bytes_transferred"], 0);

    // The text report names the commit to pin and what was transferred.
    let (_, text, _) = trustscan(
        &[
            "scan",
            "hf:demo-org/big",
            "--remote",
            "--endpoint",
            &endpoint,
            "--remote-cache",
            cache_s,
        ],
        &[],
    );
    assert!(
        text.contains(&format!(
            "commit {COMMIT}; read from {endpoint}: transferred "
        )),
        "{text}"
    );
    // Markdown and HTML name the commit too (a scan at the commit, served from the cache).
    for format in ["markdown", "html"] {
        let (_, doc, _) = trustscan(
            &[
                "scan",
                &pinned,
                "--endpoint",
                &endpoint,
                "--remote-cache",
                cache_s,
                "--format",
                format,
            ],
            &[],
        );
        let line = format!("commit {COMMIT}; read from {endpoint}: transferred 0 bytes");
        assert!(doc.contains(&line), "{format}: {doc}");
    }

    // Offline, with the server gone: the cached branch still resolves.
    drop(server);
    let (code3, out3, err3) = trustscan(
        &[
            "scan",
            "hf:demo-org/big",
            "--offline",
            "--remote-cache",
            cache_s,
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(code3, 4, "{err3}");
    assert_same(&out3, &local_out, "offline scan");
    assert_eq!(
        serde_json::from_str::<Value>(&out3).unwrap()["plan"]["snapshot"]["remote"]["offline"],
        true
    );
}

#[test]
fn every_example_scans_the_same_remotely() {
    let cache = tempfile::tempdir().unwrap();
    for name in [
        "transformers-remote-code",
        "transformers-pickle-payload",
        "transformers-hidden-payload",
        "transformers-builtin-safetensors",
        "sentence-transformers-custom-module",
        "diffusers-custom-pipeline",
        "modelscope-allow-remote",
    ] {
        let dir = example(name);
        let server = hf_server(&dir, "demo-org/example", 1000);
        let (code, remote, err) = remote_scan_in("hf:demo-org/example", &server, cache.path(), &[]);
        let (local_code, local, _) =
            trustscan(&["scan", dir.to_str().unwrap(), "--format", "json"], &[]);
        assert_eq!(code, local_code, "{name}: {err}");
        assert_same(&remote, &local, name);
        // Each example is a different repository at the same commit: start clean.
        fs::remove_dir_all(cache.path()).unwrap();
        fs::create_dir_all(cache.path()).unwrap();
    }
}

#[test]
fn hub_failures_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("config.json"), "{}").unwrap();
    let server = hf_server(dir.path(), "demo-org/there", 100);
    let cache = tempfile::tempdir().unwrap();
    let (code, _, err) = trustscan(
        &[
            "scan",
            "hf:demo-org/missing",
            "--endpoint",
            &server.origin(),
            "--remote-cache",
            cache.path().to_str().unwrap(),
        ],
        &[("HF_TOKEN", "hf_SECRET_TOKEN")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not found"), "{err}");
    // With a token the "private" hint would be wrong.
    assert!(!err.contains("if the repository is private"), "{err}");
    assert!(!err.contains("hf_SECRET"), "{err}");
    // The token went to the hub's own origin.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer hf_SECRET_TOKEN")),
        "{:?}",
        server.requests()
    );
    // A private repository without a token: the error says which variable to set.
    let (code, _, err) = trustscan(
        &[
            "scan",
            "hf:demo-org/private",
            "--endpoint",
            &server.origin(),
            "--remote-cache",
            cache.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("401") && err.contains("set HF_TOKEN or HUGGING_FACE_HUB_TOKEN"),
        "{err}"
    );
    // Offline with nothing cached.
    let (code, _, err) = trustscan(
        &[
            "scan",
            "hf:demo-org/there",
            "--offline",
            "--remote-cache",
            cache.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("not in the local Hugging Face cache") && err.contains("--offline"),
        "{err}"
    );
    // --endpoint across platforms is refused.
    let (code, _, err) = trustscan(
        &[
            "scan",
            "hf:a/b",
            "ms:c/d",
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("several platforms"), "{err}");
}

#[test]
fn a_partial_cache_left_by_huggingface_hub_is_read_from_the_hub_or_never_passes() {
    let server = hf_server(&example("transformers-remote-code"), "demo-org/remote", 100);
    let cache = tempfile::tempdir().unwrap();
    // huggingface_hub itself downloads config.json (and not the code the config names) and
    // records a file the hub says is absent.
    let (ok, log) = common::run(
        std::process::Command::new(common::oracle("transformers-5/bin/python"))
            .arg(common::workspace().join("tests/oracle/hf_partial_download.py"))
            .args([
                "demo-org/remote",
                cache.path().to_str().unwrap(),
                "tokenizer.json",
            ])
            .env("HF_ENDPOINT", server.origin())
            .env("HF_HUB_DISABLE_TELEMETRY", "1")
            .env_remove("HF_HUB_OFFLINE"),
    );
    assert!(ok, "{log}");
    let entry = cache.path().join("models--demo-org--remote");
    assert!(
        entry
            .join(".no_exist")
            .join(COMMIT)
            .join("tokenizer.json")
            .is_file()
    );
    let e = entry.to_str().unwrap();
    // Offline: inconclusive with what was not downloaded, and no gate passes it.
    let (code, out, err) = trustscan(&["scan", "--offline", "--inconclusive", "pass", e], &[]);
    assert_eq!(code, 3, "{out}{err}");
    let headline = out.lines().next().unwrap();
    assert!(
        headline.starts_with("INCONCLUSIVE")
            && headline.contains("partially downloaded: the cache lacks configuration_demoglm.py")
            && headline.contains(&format!("scan hf:demo-org/remote@{COMMIT}")),
        "{out}"
    );
    // The file the Hub said is absent is no reason.
    assert!(!headline.contains("tokenizer.json"), "{out}");
    let (_, json, _) = trustscan(&["scan", "--offline", "--format", "json", e], &[]);
    assert_schema_valid(&json, "partial-scan.json");
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["not_downloaded"][0], "configuration_demoglm.py",
        "{json}"
    );
    // By default, what the cache lacks is read from the hub at the cached commit: the verdict
    // is the whole repository's.
    let remote_cache = tempfile::tempdir().unwrap();
    let (code, out, err) = trustscan(
        &[
            "scan",
            "--remote-cache",
            remote_cache.path().to_str().unwrap(),
            e,
        ],
        &[("HF_ENDPOINT", &server.origin())],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("REVIEW  hf:demo-org/remote@"), "{out}");
    assert!(
        out.contains("holds a partial download of demo-org/remote@"),
        "{out}"
    );
    assert!(out.contains("configuration_demoglm.py"), "{out}");
}
