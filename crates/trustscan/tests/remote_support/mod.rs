//! Helpers shared by the remote-target tests (remote_scan.rs, remote_platforms.rs,
//! remote_zoo.rs): files served from disk, the binary run with every hub variable cleared, sparse
//! torch checkpoints whose pickle calls `os.system`, and remote scans compared with local ones.

#![allow(dead_code)] // each test file uses its own subset

use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{self, workspace};
use crate::support::zipw::{self, Content};
use crate::support::{Conn, Request, Resource, Server};

// ------------------------------------------------------------------------------ running the binary

/// Runs the binary from the workspace root with every hub variable cleared and every platform
/// cache pointing nowhere, so only `--endpoint` and `envs` decide where it reads from.
pub fn trustscan(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trustscan"));
    c.args(args)
        .current_dir(workspace())
        .env("HF_HUB_CACHE", "/nonexistent-trustscan-test-cache")
        .env("MODELSCOPE_CACHE", "/nonexistent-trustscan-test-cache")
        .env("CSGHUB_CACHE", "/nonexistent-trustscan-test-cache")
        .env("TORCH_HOME", "/nonexistent-trustscan-test-cache")
        .env("TRUSTSCAN_NO_PROGRESS", "1");
    for k in [
        "HF_ENDPOINT",
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "MODELSCOPE_ENDPOINT",
        "MODELSCOPE_DOMAIN",
        "MODELSCOPE_API_TOKEN",
        "CSGHUB_DOMAIN",
        "CSGHUB_TOKEN",
        "GITHUB_API_URL",
        "GITHUB_TOKEN",
    ] {
        c.env_remove(k);
    }
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `scan TARGET --remote --endpoint E --remote-cache CACHE --format json`.
pub fn remote_scan_in(
    target: &str,
    server: &Server,
    cache: &Path,
    envs: &[(&str, &str)],
) -> (i32, String, String) {
    trustscan(
        &[
            "scan",
            target,
            "--remote",
            "--endpoint",
            &server.origin(),
            "--remote-cache",
            cache.to_str().unwrap(),
            "--format",
            "json",
        ],
        envs,
    )
}

/// `examples/<name>` in the workspace.
pub fn example(name: &str) -> PathBuf {
    workspace().join("examples").join(name)
}

/// Asserts that `json` (a scan report) matches the published schema; `name` names the
/// document in the validator's messages.
pub fn assert_schema_valid(json: &str, name: &str) {
    let docs = tempfile::tempdir().unwrap();
    let doc = docs.path().join(name);
    fs::write(&doc, json).unwrap();
    let (valid, report) = common::run(
        Command::new(common::oracle("sarif/bin/python"))
            .arg(workspace().join("tests/oracle/json_validate.py"))
            .arg(workspace().join("docs/schema/scan-2.schema.json"))
            .arg(&doc),
    );
    assert!(valid, "{report}");
}

// ------------------------------------------------------------------------------ files and servers

/// A file served from disk, read where asked.
pub struct DiskFile(pub PathBuf);

impl Resource for DiskFile {
    fn len(&self) -> u64 {
        fs::metadata(&self.0).unwrap().len()
    }
    fn read(&self, offset: u64, buf: &mut [u8]) {
        fs::File::open(&self.0)
            .unwrap()
            .read_exact_at(buf, offset)
            .unwrap();
    }
}

/// Every regular file under `root`: repository path and size, sorted.
pub fn files_of(root: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, e.metadata().unwrap().len()));
            }
        }
    }
    out.sort();
    out
}

/// Every directory holding `files` (repository paths), for the listings that name them.
pub fn dirs_of(files: &[(String, u64)]) -> Vec<String> {
    let mut dirs: Vec<String> = files
        .iter()
        .flat_map(|(p, _)| {
            let parts: Vec<&str> = p.split('/').collect();
            (1..parts.len())
                .map(|i| parts[..i].join("/"))
                .collect::<Vec<_>>()
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Percent-decoding (the client encodes every byte outside RFC 3986's unreserved set).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A request's path and query.
pub fn split(req: &Request) -> (&str, &str) {
    req.path.split_once('?').unwrap_or((req.path.as_str(), ""))
}

/// A decoded query parameter.
pub fn param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .map(decode)
}

/// 200 with `v` as an `application/json` body.
pub fn json_ok(c: &mut Conn, v: &Value) -> io::Result<()> {
    c.respond(
        200,
        &[("Content-Type", "application/json".into())],
        v.to_string().as_bytes(),
    )
}

// ------------------------------------------------------------------------------ checkpoints

/// A protocol-2 pickle that calls `posix.system("id")`.
pub const OS_SYSTEM_PICKLE: &[u8] =
    b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";

/// Writes a sparse copy of `res` (zero chunks are skipped, so megabytes of zeros cost no disk).
pub fn write_sparse(res: &dyn Resource, path: &Path) {
    let f = fs::File::create(path).unwrap();
    f.set_len(res.len()).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0;
    while at < res.len() {
        let n = ((res.len() - at) as usize).min(buf.len());
        res.read(at, &mut buf[..n]);
        if buf[..n].iter().any(|&b| b != 0) {
            f.write_all_at(&buf[..n], at).unwrap();
        }
        at += n as u64;
    }
}

/// Writes (sparse) a torch zip checkpoint to `path` and returns its size: `archive/data.pkl`
/// holding [`OS_SYSTEM_PICKLE`], stored first so that the pickle sits in the file's first
/// kilobytes and the directory at its end, then `archive/data/<i>` of `tensors[i]` zero bytes;
/// `torch_files` adds `archive/byteorder` (after the pickle) and `archive/version` (last), as
/// `torch.save` writes them.
pub fn write_os_system_checkpoint(path: &Path, tensors: &[u64], torch_files: bool) -> u64 {
    let names: Vec<String> = (0..tensors.len())
        .map(|i| format!("archive/data/{i}"))
        .collect();
    let mut entries = vec![(
        "archive/data.pkl",
        Content::Stored(OS_SYSTEM_PICKLE.to_vec()),
    )];
    if torch_files {
        entries.push(("archive/byteorder", Content::Stored(b"little".to_vec())));
    }
    for (name, &size) in names.iter().zip(tensors) {
        entries.push((name, Content::Zeros(size)));
    }
    if torch_files {
        entries.push(("archive/version", Content::Stored(b"3\n".to_vec())));
    }
    let ckpt = zipw::build(&entries, false);
    write_sparse(&ckpt, path);
    ckpt.len()
}

// ------------------------------------------------------------------------------ remote = local

/// The first place two JSON values differ, as a path and the two values.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ => (a != b).then(|| format!("{path}: {a} != {b}")),
    }
}

/// The scan JSON without what names where the files were read from.
pub fn comparable(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).unwrap();
    let scan = v.as_object_mut().unwrap();
    scan.remove("target");
    let plan = scan["plan"].as_object_mut().unwrap();
    plan.remove("snapshot");
    plan.remove("target");
    // How the call is written and which code path the library takes (a hub id or a local
    // directory) differ by nature; what runs and what is deserialized must not.
    for api in plan["apis"].as_array_mut().unwrap() {
        let api = api.as_object_mut().unwrap();
        api.remove("call");
        api.remove("semantics");
        // The hub's download step in front of the library (ModelScope's `snapshot_download`,
        // csghub-sdk's) exists only for a hub id; hf: plans have no `via`, so dropping it is a
        // no-op there.
        api.remove("via");
    }
    v
}

/// Panics at the first difference of two [`comparable`] scans, with the remote plan's notes
/// and payloads (the notes say why a remote read failed; they cost nothing when all is well).
pub fn assert_same_json(remote: &Value, local: &Value, what: &str) {
    if let Some(d) = first_difference(remote, local, "") {
        panic!(
            "{what}: the remote scan differs from the local one at {d}\nremote plan notes: {}\nremote payloads: {}",
            remote["plan"]["notes"], remote["payloads"]
        );
    }
}

/// Asserts that the remote scan's JSON equals the local one's but for where files came from.
pub fn assert_same(remote: &str, local: &str, what: &str) {
    assert_same_json(&comparable(remote), &comparable(local), what);
}
