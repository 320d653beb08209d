//! `scan ms:…`, `scan csg:…` and `scan gh:…` against a 127.0.0.1 server speaking each
//! platform's API shapes (ModelScope `repo/files` + `repo?FilePath=`, CSGHub's Hugging
//! Face-shaped revision info + `resolve`, GitHub's repos/commits/trees + `raw`): the remote
//! report equals the local scan of the same files, the snapshot names the platform and the
//! pinned commit, tokens reach the server but never the output, and rate limits, flaky or
//! broken servers and a CDN that ignores Range never turn into a "clean" answer.

mod common;
mod remote_support;
#[path = "../../trustscan-remote/tests/support/mod.rs"]
mod support;

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use remote_support::{
    DiskFile, assert_same, assert_same_json, comparable, decode, dirs_of, example, files_of,
    json_ok, param, remote_scan_in, split, trustscan, write_os_system_checkpoint,
};
use serde_json::{Value, json};
use support::{Conn, Request, Server};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const OTHER_COMMIT: &str = "89abcdef0123456789abcdef0123456789abcdef";

// ------------------------------------------------------------------------------ helpers

/// `scan TARGET --remote --endpoint E --remote-cache DIR --format json`, in a fresh cache.
fn remote_scan(target: &str, server: &Server, envs: &[(&str, &str)]) -> (i32, String, String) {
    let cache = tempfile::tempdir().unwrap();
    remote_scan_in(target, server, cache.path(), envs)
}

fn local_scan(dir: &Path) -> (i32, String) {
    let (code, out, err) = trustscan(&["scan", dir.to_str().unwrap(), "--format", "json"], &[]);
    assert!(code != 2, "local scan of {}: {err}", dir.display());
    (code, out)
}

fn parse(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The payload report for `path`.
fn payload<'a>(scan: &'a Value, path: &str) -> &'a Value {
    scan["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == path)
        .unwrap_or_else(|| panic!("no payload {path}: {}", scan["payloads"]))
}

// ------------------------------------------------------------------------------ fault injection

/// Misbehaviour a server applies before its normal answer.
#[derive(Default)]
struct Faults {
    /// Listing requests still to answer 429 with `Retry-After: 1`.
    listing_429: AtomicU32,
    /// Downloads of this path still to answer 500.
    flaky: Option<(String, AtomicU32)>,
    /// Downloads of this path always answer 503.
    broken: Option<String>,
}

impl Faults {
    fn listing(&self, c: &mut Conn) -> Option<io::Result<()>> {
        let left = self.listing_429.load(Ordering::SeqCst);
        if left > 0 {
            self.listing_429.store(left - 1, Ordering::SeqCst);
            return Some(c.respond(429, &[("Retry-After", "1".into())], b"slow down"));
        }
        None
    }

    fn download(&self, path: &str, c: &mut Conn) -> Option<io::Result<()>> {
        if self.broken.as_deref() == Some(path) {
            return Some(c.respond(503, &[], b"unavailable"));
        }
        if let Some((p, left)) = &self.flaky
            && p == path
            && left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Some(c.respond(500, &[], b"oops"));
        }
        None
    }
}

/// Downloads of files over 1 MB are redirected to `/cdn/{path}` (as ModelScope does to its
/// object store); the CDN honours Range or, like some mirrors, answers 200 with everything.
#[derive(Clone, Copy, PartialEq)]
enum Cdn {
    HonoursRange,
    IgnoresRange,
}

// ------------------------------------------------------------------------------ ModelScope

/// What each listed entry says in `Revision`.
#[derive(Clone, Copy, PartialEq)]
enum MsRevisions {
    /// Every entry names [`COMMIT`]: the scan is pinned to it.
    Pinned,
    /// One file names another commit.
    Disagree,
    /// One file has no `Revision`.
    Missing,
}

/// Serves `root` as ModelScope repository `repo` (branch `master`).
fn ms_server(
    root: &Path,
    repo: &'static str,
    revs: MsRevisions,
    faults: Faults,
    cdn: Cdn,
) -> Server {
    let root = Arc::new(root.to_path_buf());
    let files = files_of(&root);
    let mut entries: Vec<Value> = dirs_of(&files)
        .iter()
        .map(|d| {
            json!({"Name": d.rsplit('/').next().unwrap(), "Path": d, "Type": "tree",
                   "Size": 0, "Sha256": "", "Revision": COMMIT})
        })
        .collect();
    for (i, (p, size)) in files.iter().enumerate() {
        let mut e = json!({"Name": p.rsplit('/').next().unwrap(), "Path": p, "Type": "blob",
                           "Size": size, "Sha256": format!("sha-{p}"), "Revision": COMMIT});
        match (revs, i) {
            (MsRevisions::Disagree, 0) => e["Revision"] = json!(OTHER_COMMIT),
            (MsRevisions::Missing, 0) => {
                e.as_object_mut().unwrap().remove("Revision");
            }
            _ => {}
        }
        entries.push(e);
    }
    let listing = json!({"Code": 200, "Data": {"Files": entries}, "Message": "success",
                         "RequestId": "r", "Success": true});
    // Downloads must name the commit when it could be pinned, the branch otherwise.
    let want_rev = if revs == MsRevisions::Pinned {
        COMMIT
    } else {
        "master"
    };
    Server::start(move |req, c| {
        let (path, query) = split(req);
        if path == format!("/api/v1/models/{repo}/repo/files") {
            if let Some(r) = faults.listing(c) {
                return r;
            }
            assert_eq!(
                param(query, "Revision").as_deref(),
                Some("master"),
                "{query}"
            );
            assert_eq!(
                param(query, "Recursive").as_deref(),
                Some("True"),
                "{query}"
            );
            return json_ok(c, &listing);
        }
        if path == format!("/api/v1/models/{repo}/repo") {
            let (Some(rev), Some(file)) = (param(query, "Revision"), param(query, "FilePath"))
            else {
                return c.respond(400, &[], b"");
            };
            if rev != want_rev {
                return c.respond(404, &[], b"wrong revision");
            }
            if let Some(r) = faults.download(&file, c) {
                return r;
            }
            let disk = root.join(&file);
            if !disk.is_file() {
                return c.respond(404, &[], b"");
            }
            if fs::metadata(&disk).unwrap().len() > 1 << 20 {
                let loc = format!("/cdn/{}?Expires=1&Signature=secret", query_path(&file));
                return c.respond(302, &[("Location", loc)], b"");
            }
            return c.serve(req, &DiskFile(disk), true, &[]);
        }
        if let Some(rest) = path.strip_prefix("/cdn/") {
            let disk = DiskFile(root.join(decode(rest)));
            return c.serve(req, &disk, cdn == Cdn::HonoursRange, &[]);
        }
        c.respond(404, &[], b"")
    })
}

/// A repository path as a URL path (only spaces need care in these fixtures).
fn query_path(p: &str) -> String {
    p.replace(' ', "%20")
}

// ------------------------------------------------------------------------------ CSGHub

/// Serves `root` as CSGHub repository `repo`: `data`-wrapped model info at `main`.
fn csg_server(root: &Path, repo: &'static str) -> Server {
    let root = Arc::new(root.to_path_buf());
    let siblings: Vec<Value> = files_of(&root)
        .iter()
        .map(|(p, size)| json!({"rfilename": p, "size": size}))
        .collect();
    let info = json!({"msg": "OK", "data": {"id": repo, "sha": COMMIT, "siblings": siblings}});
    Server::start(move |req, c| {
        let (path, _) = split(req);
        if path == format!("/csg/api/models/{repo}/revision/main") {
            return json_ok(c, &info);
        }
        if let Some(rest) = path.strip_prefix(&format!("/csg/{repo}/resolve/{COMMIT}/")) {
            let disk = root.join(decode(rest));
            if !disk.is_file() {
                return c.respond(404, &[], b"");
            }
            return c.serve(req, &DiskFile(disk), true, &[]);
        }
        c.respond(404, &[], b"")
    })
}

// ------------------------------------------------------------------------------ GitHub

/// Serves `root` as GitHub repository `repo` (default branch `main` at [`COMMIT`]): the REST
/// API and the web host's `raw` path share the origin, as for any non-github.com endpoint.
fn gh_server(root: &Path, repo: &'static str) -> Server {
    let root = Arc::new(root.to_path_buf());
    let files = files_of(&root);
    let mut tree: Vec<Value> = dirs_of(&files)
        .iter()
        .map(|d| json!({"path": d, "mode": "040000", "type": "tree", "sha": format!("t-{d}")}))
        .collect();
    tree.extend(files.iter().map(|(p, size)| {
        json!({"path": p, "mode": "100644", "type": "blob", "sha": format!("b-{p}"), "size": size})
    }));
    let trees = json!({"sha": COMMIT, "truncated": false, "tree": tree});
    Server::start(move |req, c| match split(req) {
        (p, "") if p == format!("/repos/{repo}") => {
            json_ok(c, &json!({"full_name": repo, "default_branch": "main"}))
        }
        (p, "") if p == format!("/repos/{repo}/commits/main") => {
            json_ok(c, &json!({"sha": COMMIT}))
        }
        (p, "recursive=1") if p == format!("/repos/{repo}/git/trees/{COMMIT}") => {
            json_ok(c, &trees)
        }
        (p, _) => match p.strip_prefix(&format!("/{repo}/raw/{COMMIT}/")) {
            Some(rest) if root.join(decode(rest)).is_file() => {
                c.serve(req, &DiskFile(root.join(decode(rest))), true, &[])
            }
            _ => c.respond(404, &[], b""),
        },
    })
}

// ------------------------------------------------------------------------------ 1. ModelScope

#[test]
fn modelscope_scan_equals_local_and_pins_the_listed_commit() {
    for name in ["modelscope-allow-remote", "transformers-remote-code"] {
        let dir = example(name);
        let server = ms_server(
            &dir,
            "demo/x",
            MsRevisions::Pinned,
            Faults::default(),
            Cdn::HonoursRange,
        );
        let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
        let (local_code, local) = local_scan(&dir);
        assert_eq!(code, local_code, "{name}: {err}");
        assert_same(&out, &local, name);
        let v = parse(&out);
        let snap = &v["plan"]["snapshot"];
        assert_eq!(snap["platform"], "modelscope", "{name}: {snap}");
        assert_eq!(snap["commit"], COMMIT, "{name}: {snap}");
        assert_eq!(snap["revision"], "master", "{name}: {snap}");
        assert_eq!(snap["layout"], "remote", "{name}: {snap}");
        assert_eq!(
            snap["files"].as_u64().unwrap() as usize,
            files_of(&dir).len()
        );
        // Every download named the commit (the server refuses anything else, so this mostly
        // documents it), and one listing was enough.
        let reqs = server.requests();
        let downloads: Vec<&Request> = reqs.iter().filter(|r| r.path.contains("/repo?")).collect();
        assert!(!downloads.is_empty(), "{name}: nothing downloaded");
        assert!(
            downloads
                .iter()
                .all(|r| r.path.contains(&format!("Revision={COMMIT}&"))),
            "{name}: {downloads:?}"
        );
        assert_eq!(
            reqs.iter()
                .filter(|r| r.path.contains("/repo/files"))
                .count(),
            1,
            "{name}: {reqs:?}"
        );
        assert!(
            v["plan"]["notes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| !n["message"].as_str().unwrap().contains("one commit")),
            "{name}: {}",
            v["plan"]["notes"]
        );
    }
}

// ------------------------------------------------------------------------------ 2. ModelScope unpinned

#[test]
fn modelscope_without_one_commit_reads_the_branch_and_says_so() {
    let dir = example("transformers-remote-code");
    let (local_code, local) = local_scan(&dir);
    for revs in [MsRevisions::Disagree, MsRevisions::Missing] {
        let what = if revs == MsRevisions::Disagree {
            "disagreeing"
        } else {
            "missing"
        };
        let server = ms_server(&dir, "demo/x", revs, Faults::default(), Cdn::HonoursRange);
        let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
        assert_eq!(code, local_code, "{what}: {err}");
        let mut v = comparable(&out);
        let snap = &parse(&out)["plan"]["snapshot"];
        assert_eq!(snap["commit"], "master", "{what}: {snap}");
        assert_eq!(snap["platform"], "modelscope", "{what}: {snap}");
        // The listing's note is the one difference from the local scan.
        let notes = v["plan"]["notes"].as_array_mut().unwrap();
        let before = notes.len();
        notes.retain(|n| {
            let m = n["message"].as_str().unwrap();
            !(m.contains("did not name one commit") && m.contains("revision name"))
        });
        assert_eq!(
            before - notes.len(),
            1,
            "{what}: {}",
            parse(&out)["plan"]["notes"]
        );
        assert_same_json(&v, &comparable(&local), what);
        // Downloads named the branch: the server 404s anything else.
        assert!(
            server
                .requests()
                .iter()
                .filter(|r| r.path.contains("/repo?"))
                .all(|r| r.path.contains("Revision=master&")),
            "{what}: {:?}",
            server.requests()
        );
    }
}

// ------------------------------------------------------------------------------ 3. CSGHub

#[test]
fn csghub_scan_equals_local() {
    let dir = example("transformers-remote-code");
    let server = csg_server(&dir, "demo/x");
    let (code, out, err) = remote_scan("csg:demo/x", &server, &[]);
    let (local_code, local) = local_scan(&dir);
    assert_eq!(code, local_code, "{err}");
    assert_same(&out, &local, "csghub");
    let snap = &parse(&out)["plan"]["snapshot"];
    assert_eq!(snap["platform"], "opencsg", "{snap}");
    assert_eq!(snap["commit"], COMMIT, "{snap}");
    assert_eq!(snap["revision"], "main", "{snap}");
    assert_eq!(
        snap["files"].as_u64().unwrap() as usize,
        files_of(&dir).len()
    );
    let reqs = server.requests();
    assert!(
        reqs.iter()
            .any(|r| r.path == format!("/csg/demo/x/resolve/{COMMIT}/pytorch_model.bin")),
        "the checkpoint was read at the commit: {reqs:?}"
    );
}

// ------------------------------------------------------------------------------ 4. GitHub

#[test]
fn github_scan_equals_local_and_keeps_the_token_secret() {
    let dir = example("torchhub-namespace-package");
    let server = gh_server(&dir, "demo/x");
    let cache = tempfile::tempdir().unwrap();
    let token = "ghp_TESTSECRET0123456789";
    let (code, out, err) = remote_scan_in(
        "gh:demo/x",
        &server,
        cache.path(),
        &[("GITHUB_TOKEN", token)],
    );
    let (local_code, local) = local_scan(&dir);
    assert_eq!(code, local_code, "{err}");
    assert_same(&out, &local, "github");
    let snap = &parse(&out)["plan"]["snapshot"];
    assert_eq!(snap["platform"], "github", "{snap}");
    assert_eq!(snap["commit"], COMMIT, "{snap}");
    assert_eq!(snap["revision"], "main", "{snap}");
    assert_eq!(
        snap["files"].as_u64().unwrap() as usize,
        files_of(&dir).len()
    );

    let reqs = server.requests();
    // API calls and raw downloads (same origin here) all carried the token.
    assert!(
        reqs.iter().any(|r| r.path.starts_with("/demo/x/raw/")),
        "no raw download: {reqs:?}"
    );
    for r in &reqs {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {token}").as_str()),
            "{}",
            r.path
        );
    }
    assert!(
        !out.contains(token) && !err.contains(token),
        "token printed"
    );
    // The text report and the cache do not keep it either.
    let (_, text, text_err) = trustscan(
        &[
            "scan",
            "gh:demo/x",
            "--remote",
            "--endpoint",
            &server.origin(),
            "--remote-cache",
            cache.path().to_str().unwrap(),
        ],
        &[("GITHUB_TOKEN", token)],
    );
    assert!(
        !text.contains(token) && !text_err.contains(token),
        "token printed"
    );
    for (p, _) in files_of(cache.path()) {
        let bytes = fs::read(cache.path().join(&p)).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token stored in the cache at {p}"
        );
    }
}

// ------------------------------------------------------------------------------ 5. flaky servers

#[test]
fn rate_limit_and_one_server_error_are_retried() {
    let dir = example("transformers-remote-code");
    let (local_code, local) = local_scan(&dir);

    // 429 with Retry-After on the listing: waited for, then the scan is the local one.
    let faults = Faults {
        listing_429: AtomicU32::new(1),
        ..Faults::default()
    };
    let server = ms_server(
        &dir,
        "demo/x",
        MsRevisions::Pinned,
        faults,
        Cdn::HonoursRange,
    );
    let started = std::time::Instant::now();
    let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
    assert_eq!(code, local_code, "{err}");
    assert_same(&out, &local, "after a 429");
    let listings = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/repo/files"))
        .count();
    assert_eq!(listings, 2, "the listing was retried once");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After: 1 was not honoured ({:?})",
        started.elapsed()
    );

    // A 500 on the checkpoint: retried, and the pickle is still inspected.
    let faults = Faults {
        flaky: Some(("pytorch_model.bin".into(), AtomicU32::new(1))),
        ..Faults::default()
    };
    let server = ms_server(
        &dir,
        "demo/x",
        MsRevisions::Pinned,
        faults,
        Cdn::HonoursRange,
    );
    let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
    assert_eq!(code, local_code, "{err}");
    assert_same(&out, &local, "after a 500");
    let tries = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("FilePath=pytorch_model.bin"))
        .count();
    assert!(tries >= 2, "the download was retried: {tries}");
}

#[test]
fn an_unreadable_checkpoint_is_inconclusive_and_named() {
    let (local_code, _) = local_scan(&example("transformers-remote-code"));
    // REVIEW locally (remote code runs); the unread checkpoint must not lower that and must
    // show up as inconclusive, naming what failed.
    assert_eq!(local_code, 1);
    let (code, v, err, server) = scan_with_broken("transformers-remote-code", "pytorch_model.bin");
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["verdict"], "REVIEW", "{}", v["reason"]);
    let p = payload(&v, "pytorch_model.bin");
    assert_eq!(p["verdict"], "inconclusive", "{p}");
    assert_eq!(p["format"], "unreadable", "{p}");
    let why = p.to_string();
    assert!(
        why.contains("/api/v1/models/demo/x/repo: HTTP status 503"),
        "the reason names the URL and the status: {p}"
    );
    assert!(
        !why.contains("Revision="),
        "the query is redacted from URLs: {p}"
    );
    // One read makes 1 + 4 attempts, then gives up; every later reader of the file (format
    // sniffing, the payload inspector, signatures) gets the same error without asking again.
    let tries = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("FilePath=pytorch_model.bin"))
        .count();
    assert_eq!(tries, 5, "{tries} tries");
}

/// `file` of `example` always answers 503: the scan's JSON, exit code and the server.
fn scan_with_broken(example_name: &str, file: &str) -> (i32, Value, String, Server) {
    let faults = Faults {
        broken: Some(file.into()),
        ..Faults::default()
    };
    let server = ms_server(
        &example(example_name),
        "demo/x",
        MsRevisions::Pinned,
        faults,
        Cdn::HonoursRange,
    );
    let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
    (code, parse(&out), err, server)
}

#[test]
fn an_unreadable_file_turns_a_clean_repository_inconclusive() {
    let (local_code, _) = local_scan(&example("transformers-builtin-safetensors"));
    assert_eq!(local_code, 0, "clean locally");

    // The weights: the payload is inconclusive and decides the verdict.
    let (code, v, err, _) =
        scan_with_broken("transformers-builtin-safetensors", "model.safetensors");
    assert_eq!(code, 3, "{err}");
    assert_eq!(v["verdict"], "INCONCLUSIVE");
    // The plan says why, naming the file (no format is claimed for bytes never read).
    assert_eq!(
        v["reason"],
        "part of the repository could not be analysed: model.safetensors could not be read, \
         so what loading it runs is unknown"
    );
    let p = payload(&v, "model.safetensors");
    assert_eq!(p["verdict"], "inconclusive", "{p}");
    assert!(
        p.to_string()
            .contains("/api/v1/models/demo/x/repo: HTTP status 503"),
        "{p}"
    );

    // The configuration the planner reads: loading is reported as failing, naming the URL.
    let (code, v, err, _) = scan_with_broken("transformers-builtin-safetensors", "config.json");
    assert_eq!(code, 3, "{err}");
    assert_eq!(v["verdict"], "INCONCLUSIVE");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("loading fails")
            && reason.contains("/api/v1/models/demo/x/repo: HTTP status 503"),
        "{reason}"
    );
    assert!(
        v["plan"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["level"] == "inconclusive" && n["file"] == "config.json"),
        "{}",
        v["plan"]["notes"]
    );
}

#[test]
fn an_unreadable_code_file_is_an_inconclusive_note_not_silence() {
    // modeling_demoglm.py runs at load; unread, it cannot be called harmless.
    let (code, v, err, _) = scan_with_broken("transformers-remote-code", "modeling_demoglm.py");
    assert_eq!(code, 1, "REVIEW: the remote code still runs: {err}");
    assert_eq!(v["verdict"], "REVIEW");
    assert!(
        v["plan"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["level"] == "inconclusive"
                && n["file"] == "modeling_demoglm.py"
                && n["message"].as_str().unwrap().contains("HTTP status 503")),
        "{}",
        v["plan"]["notes"]
    );
    let failures: Vec<&Value> = v["plan"]["apis"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["failures"].as_array().unwrap())
        .collect();
    assert!(
        failures.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .starts_with("modeling_demoglm.py: cannot read")),
        "{failures:?}"
    );
}

// ------------------------------------------------------------------------------ 6. Range-ignoring CDN

/// A config and a ~50 MB torch zip checkpoint whose pickle calls `os.system`, stored first so
/// that the pickle sits in the file's first kilobytes and the directory at its end.
fn dangerous_checkpoint_repo(dir: &Path) -> u64 {
    fs::copy(
        example("transformers-pickle-payload").join("config.json"),
        dir.join("config.json"),
    )
    .unwrap();
    write_os_system_checkpoint(&dir.join("pytorch_model.bin"), &[50 << 20], true)
}

#[test]
fn a_cdn_ignoring_range_costs_little_and_never_yields_safe() {
    let repo = tempfile::tempdir().unwrap();
    let size = dangerous_checkpoint_repo(repo.path());
    let (local_code, local) = local_scan(repo.path());
    assert_eq!(local_code, 4, "the pickle calls os.system locally");

    // Baseline: a CDN honouring Range gives the local answer for kilobytes.
    let server = ms_server(
        repo.path(),
        "demo/x",
        MsRevisions::Pinned,
        Faults::default(),
        Cdn::HonoursRange,
    );
    let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
    assert_eq!(code, local_code, "{err}");
    assert_same(&out, &local, "range-honouring CDN");
    let moved = parse(&out)["plan"]["snapshot"]["remote"]["bytes_transferred"]
        .as_u64()
        .unwrap();
    assert!(moved < 1_000_000, "{moved} bytes for a {size}-byte file");

    // The same through a CDN answering 200 with the whole body to every ranged request.
    let server = ms_server(
        repo.path(),
        "demo/x",
        MsRevisions::Pinned,
        Faults::default(),
        Cdn::IgnoresRange,
    );
    let (code, out, err) = remote_scan("ms:demo/x", &server, &[]);
    let v = parse(&out);
    let remote = &v["plan"]["snapshot"]["remote"];
    let moved = remote["bytes_transferred"].as_u64().unwrap();
    assert!(
        moved < 2_000_000,
        "{moved} of {size} bytes read from a Range-ignoring CDN: {remote}"
    );
    // Ranged requests were made to the CDN (and ignored), so the test exercised that path.
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path.starts_with("/cdn/") && r.header("range").is_some()),
        "{:?}",
        server.requests()
    );
    let p = payload(&v, "pytorch_model.bin");
    match p["verdict"].as_str().unwrap() {
        // Read correctly after all: the local answer.
        "dangerous" => {
            assert_eq!(code, local_code, "{err}");
            assert_same(&out, &local, "range-ignoring CDN");
        }
        "inconclusive" => {
            assert!(
                p.to_string().contains("ignored the byte range"),
                "the reason says the server ignored the byte range: {p}"
            );
            // The plan still knows a torch zip is unpickled at load (its first bytes were
            // read), and REVIEW outranks INCONCLUSIVE.
            assert_eq!(v["verdict"], "REVIEW", "{}", v["reason"]);
            assert!(
                v["reason"].as_str().unwrap().contains("pickle-based"),
                "{}",
                v["reason"]
            );
            assert_eq!(code, 1, "{err}");
        }
        other => panic!("verdict {other} for a checkpoint whose pickle calls os.system: {p}"),
    }
}
