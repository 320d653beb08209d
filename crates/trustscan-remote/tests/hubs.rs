//! The hub clients against a local server speaking each platform's API shapes: revision to
//! commit, pagination and truncation re-walks, error envelopes, skipped entries, file URLs that
//! the server can answer. Only 127.0.0.1.

mod support;

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use support::{Conn, Request, Server};
use trustscan_remote::hub::csghub::CsgHub;
use trustscan_remote::hub::github::GitHub;
use trustscan_remote::hub::hf::HuggingFace;
use trustscan_remote::hub::modelscope::ModelScope;
use trustscan_remote::hub::{Hub, Listing, RemoteEntry};
use trustscan_remote::{Client, ClientConfig, FetchError};

const C1: &str = "0123456789abcdef0123456789abcdef01234567";
const C2: &str = "89abcdef0123456789abcdef0123456789abcdef";

fn client() -> Client {
    Client::new(ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        call_timeout: Duration::from_secs(20),
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        ..ClientConfig::default()
    })
}

fn json_ok(c: &mut Conn, v: &Value) -> io::Result<()> {
    c.respond(
        200,
        &[("Content-Type", "application/json".into())],
        v.to_string().as_bytes(),
    )
}

fn split(req: &Request) -> (&str, &str) {
    req.path.split_once('?').unwrap_or((req.path.as_str(), ""))
}

fn entry(path: &str, size: u64, oid: Option<&str>) -> RemoteEntry {
    RemoteEntry {
        path: path.into(),
        size,
        oid: oid.map(str::to_string),
    }
}

fn paths(l: &Listing) -> Vec<&str> {
    l.files.iter().map(|f| f.path.as_str()).collect()
}

/// Every request path the server saw.
fn seen(srv: &Server) -> Vec<String> {
    srv.requests().into_iter().map(|r| r.path).collect()
}

// ---------------------------------------------------------------- Hugging Face

#[test]
fn hf_revision_resolves_and_the_tree_follows_absolute_and_relative_next_links() {
    let srv = Server::start(|req, c| {
        let host = req.header("host").unwrap_or("").to_string();
        let tree = format!("/api/models/o/n/tree/{C1}");
        match split(req) {
            ("/api/models/o/n/revision/v1.0", "") => json_ok(c, &json!({"sha": C1})),
            (p, "recursive=true") if p == tree => c.respond(
                200,
                &[(
                    "Link",
                    format!("<http://{host}{tree}?recursive=true&cursor=2>; rel=\"next\""),
                )],
                json!([
                    {"type": "directory", "path": "sub dir", "oid": "d1"},
                    {"type": "file", "path": "config.json", "size": 12, "oid": "sha1cfg"},
                ])
                .to_string()
                .as_bytes(),
            ),
            (p, "recursive=true&cursor=2") if p == tree => c.respond(
                200,
                &[(
                    "Link",
                    format!(
                        "<{tree}?recursive=true&cursor=3>; rel=\"next\", <{tree}>; rel=\"first\""
                    ),
                )],
                json!([
                    {"type": "file", "path": "sub dir/a b.bin", "size": 5, "oid": "gitoid",
                     "lfs": {"oid": "lfssha256", "size": 5, "pointerSize": 130}},
                    {"type": "file", "path": "../x", "size": 1, "oid": "evil"},
                ])
                .to_string()
                .as_bytes(),
            ),
            (p, "recursive=true&cursor=3") if p == tree => json_ok(
                c,
                &json!([{"type": "file", "path": "model.safetensors", "size": 1000, "oid": "o3"}]),
            ),
            (p, "") if p == format!("/o/n/resolve/{C1}/sub%20dir/a%20b.bin") => {
                c.respond(200, &[], b"hello")
            }
            _ => c.respond(404, &[], b""),
        }
    });
    let cl = client();
    let hub = HuggingFace::new(&format!("{}/", srv.origin()));
    let l = hub.list(&cl, "o/n", Some("v1.0")).unwrap();
    assert_eq!((l.revision.as_str(), l.commit.as_str()), ("v1.0", C1));
    assert_eq!(
        l.files,
        vec![
            entry("config.json", 12, Some("sha1cfg")),
            entry("model.safetensors", 1000, Some("o3")),
            // The LFS sha256 wins over the git blob id.
            entry("sub dir/a b.bin", 5, Some("lfssha256")),
        ]
    );
    assert_eq!(l.notes.len(), 1, "{:?}", l.notes);
    assert!(l.notes[0].contains("\"../x\""), "{:?}", l.notes);
    // One revision request and three pages, no more.
    assert_eq!(seen(&srv).len(), 4, "{:?}", seen(&srv));

    let url = hub.file_url("o/n", &l.commit, "sub dir/a b.bin");
    assert_eq!(
        url,
        srv.url(&format!("/o/n/resolve/{C1}/sub%20dir/a%20b.bin"))
    );
    assert_eq!(cl.get(&url, None, 100).unwrap().body, b"hello");
}

#[test]
fn hf_statuses_become_the_matching_errors() {
    let srv = Server::start(|req, c| match split(req).0 {
        "/api/models/o/missing/revision/main" => c.respond(404, &[], b""),
        "/api/models/o/private/revision/main" => c.respond(401, &[], b""),
        "/api/models/o/gated/revision/main" => c.respond(
            403,
            &[
                ("X-Error-Code", "GatedRepo".into()),
                ("X-Error-Message", "Access restricted".into()),
            ],
            b"",
        ),
        _ => c.respond(500, &[], b""),
    });
    let cl = client();
    let hub = HuggingFace::new(&srv.origin());
    let e = hub.list(&cl, "o/missing", None).unwrap_err();
    assert!(matches!(e, FetchError::NotFound { .. }), "{e}");
    let e = hub.list(&cl, "o/private", None).unwrap_err();
    assert!(matches!(e, FetchError::Unauthorized { .. }), "{e}");
    let e = hub.list(&cl, "o/gated", None).unwrap_err();
    assert!(matches!(e, FetchError::Gated { .. }), "{e}");
    // None of these is retried.
    assert_eq!(seen(&srv).len(), 3);
}

#[test]
fn hf_server_error_is_retried_then_the_listing_succeeds() {
    let failures = AtomicU32::new(0);
    let srv = Server::start(move |req, c| match split(req) {
        ("/api/models/o/n/revision/main", _) => {
            if failures.fetch_add(1, Ordering::SeqCst) == 0 {
                c.respond(500, &[], b"")
            } else {
                json_ok(c, &json!({"sha": C1}))
            }
        }
        (_, "recursive=true") => json_ok(
            c,
            &json!([{"type": "file", "path": "a.bin", "size": 3, "oid": "x"}]),
        ),
        _ => c.respond(404, &[], b""),
    });
    let l = HuggingFace::new(&srv.origin())
        .list(&client(), "o/n", None)
        .unwrap();
    assert_eq!(l.commit, C1);
    assert_eq!(paths(&l), ["a.bin"]);
    let revision_requests = seen(&srv)
        .iter()
        .filter(|p| p.contains("/revision/"))
        .count();
    assert_eq!(revision_requests, 2);
}

// ---------------------------------------------------------------- ModelScope

fn ms_file(path: &str, size: u64, rev: &str) -> Value {
    json!({"Name": path.rsplit('/').next().unwrap(), "Path": path, "Type": "blob",
           "Size": size, "Sha256": format!("sha-{path}"), "Revision": rev})
}

fn ms_dir(path: &str, rev: &str) -> Value {
    json!({"Name": path.rsplit('/').next().unwrap(), "Path": path, "Type": "tree",
           "Size": 0, "Sha256": "", "Revision": rev})
}

fn ms_answer(files: Vec<Value>) -> Value {
    json!({"Code": 200, "Data": {"Files": files}, "Message": "success", "Success": true})
}

#[test]
fn modelscope_lists_files_and_pins_the_common_commit() {
    let srv = Server::start(|req, c| match split(req) {
        ("/api/v1/models/o/n/repo/files", "Revision=master&Recursive=True") => json_ok(
            c,
            &ms_answer(vec![
                ms_file("configuration.json", 40, C1),
                ms_dir("sub", C1),
                ms_file("sub/a b.bin", 7, C1),
            ]),
        ),
        ("/api/v1/models/o/n/repo", q)
            if q == format!("Revision={C1}&FilePath=sub%2Fa%20b.bin") =>
        {
            c.respond(200, &[], b"weights")
        }
        _ => c.respond(404, &[], b""),
    });
    let cl = client();
    let hub = ModelScope::new(&srv.origin());
    let l = hub.list(&cl, "o/n", None).unwrap();
    assert_eq!((l.revision.as_str(), l.commit.as_str()), ("master", C1));
    assert_eq!(
        l.files,
        vec![
            entry("configuration.json", 40, Some("sha-configuration.json")),
            entry("sub/a b.bin", 7, Some("sha-sub/a b.bin")),
        ]
    );
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    let url = hub.file_url("o/n", &l.commit, "sub/a b.bin");
    assert_eq!(cl.get(&url, None, 100).unwrap().body, b"weights");
}

/// Root: `README.md`, `a/` (1500 files and `a/c/` with one file), `b/` (`b_files` files); the
/// recursive listing is cut after `cut` entries.
fn ms_tree_server(b_files: usize, cut: usize) -> Server {
    Server::start(move |req, c| {
        let (path, query) = split(req);
        if path != "/api/v1/models/o/big/repo/files" {
            return c.respond(404, &[], b"");
        }
        let a: Vec<Value> = (0..1500)
            .map(|i| ms_file(&format!("a/f{i}.py"), 1, C1))
            .chain([ms_dir("a/c", C1)])
            .collect();
        let b: Vec<Value> = (0..b_files)
            .map(|i| ms_file(&format!("b/g{i}.py"), 2, C1))
            .collect();
        let top = vec![
            ms_file("README.md", 3, C1),
            ms_dir("a", C1),
            ms_dir("b", C1),
        ];
        let files = match query {
            "Revision=master&Recursive=True" => {
                // Everything, cut as a truncating server would.
                let mut all = top;
                all.extend(a);
                all.push(ms_file("a/c/deep.bin", 9, C1));
                all.extend(b);
                all.truncate(cut);
                all
            }
            "Revision=master&Recursive=False" => top,
            "Revision=master&Recursive=False&Root=a" => a,
            "Revision=master&Recursive=False&Root=a%2Fc" => vec![ms_file("a/c/deep.bin", 9, C1)],
            "Revision=master&Recursive=False&Root=b" => b,
            _ => return c.respond(404, &[], b""),
        };
        json_ok(c, &ms_answer(files))
    })
}

#[test]
fn modelscope_truncated_listing_is_rewalked_per_directory() {
    // Exactly at the limit (what ModelScope sends) and past it.
    for cut in [3000, 3001] {
        rewalk_case(ms_tree_server(1500, cut));
    }
}

fn rewalk_case(srv: Server) {
    let l = ModelScope::new(&srv.origin())
        .list(&client(), "o/big", None)
        .unwrap();
    assert_eq!(l.files.len(), 1 + 1500 + 1 + 1500);
    assert!(paths(&l).contains(&"a/c/deep.bin"));
    assert!(paths(&l).contains(&"b/g1499.py"));
    assert_eq!(l.commit, C1);
    assert_eq!(l.notes.len(), 1, "{:?}", l.notes);
    assert!(
        l.notes[0].contains("one directory at a time"),
        "{:?}",
        l.notes
    );
    let queries: Vec<String> = seen(&srv)
        .iter()
        .map(|p| p.split_once('?').unwrap().1.to_string())
        .collect();
    for root in ["Root=a", "Root=b", "Root=a%2Fc"] {
        assert!(
            queries.iter().any(|q| q.ends_with(root)),
            "{root} not requested: {queries:?}"
        );
    }
    // The recursive listing, the root, and three directories.
    assert_eq!(queries.len(), 5, "{queries:?}");
}

#[test]
fn modelscope_directory_that_is_itself_truncated_is_an_error_naming_it() {
    let srv = ms_tree_server(3000, 3000);
    let e = ModelScope::new(&srv.origin())
        .list(&client(), "o/big", None)
        .unwrap_err();
    assert!(matches!(e, FetchError::BadResponse { .. }), "{e}");
    assert!(e.to_string().contains("directory \"b\""), "{e}");
}

#[test]
fn modelscope_error_code_is_reported_with_its_message() {
    let srv = Server::start(|_, c| {
        json_ok(
            c,
            &json!({"Code": 10010205001u64, "Message": "Model\tnot found: o/gone",
                    "Data": null, "Success": false}),
        )
    });
    let e = ModelScope::new(&srv.origin())
        .list(&client(), "o/gone", None)
        .unwrap_err();
    assert!(matches!(e, FetchError::BadResponse { .. }), "{e}");
    let s = e.to_string();
    assert!(
        s.contains("10010205001") && s.contains("Modelnot found: o/gone"),
        "{s}"
    );
}

#[test]
fn modelscope_commit_falls_back_to_the_revision_name_with_a_note() {
    // Entries disagree on the commit: nothing to pin to.
    let srv = Server::start(|_, c| {
        json_ok(
            c,
            &ms_answer(vec![ms_file("a.py", 1, C1), ms_file("b.py", 1, C2)]),
        )
    });
    let hub = ModelScope::new(&srv.origin());
    let l = hub.list(&client(), "o/n", Some("v2")).unwrap();
    assert!(seen(&srv)[0].contains("Revision=v2&"));
    assert_eq!((l.revision.as_str(), l.commit.as_str()), ("v2", "v2"));
    assert_eq!(paths(&l), ["a.py", "b.py"]);
    assert_eq!(l.notes.len(), 1, "{:?}", l.notes);
    assert!(l.notes[0].contains("revision name"), "{:?}", l.notes);
    assert!(
        hub.file_url("o/n", &l.commit, "a.py")
            .contains("Revision=v2&")
    );

    // A commit id asked for is the commit, whatever the entries say.
    let l = hub.list(&client(), "o/n", Some(C2)).unwrap();
    assert_eq!(l.commit, C2);
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    assert!(seen(&srv)[1].contains(&format!("Revision={C2}&")));
}

// ---------------------------------------------------------------- CSGHub

#[test]
fn csghub_accepts_plain_and_data_wrapped_model_info() {
    let info = json!({"id": "o/n", "sha": C1, "siblings": [
        {"rfilename": "config.json", "size": 20},
        {"rfilename": "w dir/model.bin", "size": 4096, "lfs": {"sha256": "lfs256", "size": 4096}},
    ]});
    let srv = Server::start(move |req, c| match split(req).0 {
        "/csg/api/models/o/n/revision/main" => json_ok(c, &info),
        "/csg/api/models/o/w/revision/refs%2Fpr%2F1" => {
            json_ok(c, &json!({"msg": "OK", "data": info}))
        }
        p if p == format!("/csg/o/n/resolve/{C1}/w%20dir/model.bin") => c.respond(200, &[], b"bin"),
        _ => c.respond(404, &[], b""),
    });
    let cl = client();
    let hub = CsgHub::new(&srv.origin());
    let want = vec![
        entry("config.json", 20, None),
        entry("w dir/model.bin", 4096, Some("lfs256")),
    ];
    let l = hub.list(&cl, "o/n", None).unwrap();
    assert_eq!((l.revision.as_str(), l.commit.as_str()), ("main", C1));
    assert_eq!(l.files, want);
    let l = hub.list(&cl, "o/w", Some("refs/pr/1")).unwrap();
    assert_eq!((l.revision.as_str(), l.commit.as_str()), ("refs/pr/1", C1));
    assert_eq!(l.files, want);
    let url = hub.file_url("o/n", C1, "w dir/model.bin");
    assert_eq!(cl.get(&url, None, 100).unwrap().body, b"bin");
}

#[test]
fn csghub_sibling_without_size_is_an_error() {
    let srv = Server::start(|_, c| {
        json_ok(
            c,
            &json!({"data": {"sha": C1, "siblings": [
                {"rfilename": "config.json", "size": 20},
                {"rfilename": "model.bin"},
            ]}}),
        )
    });
    let e = CsgHub::new(&srv.origin())
        .list(&client(), "o/n", None)
        .unwrap_err();
    assert!(
        matches!(&e, FetchError::BadResponse { reason, .. } if reason.contains("size")),
        "{e}"
    );
}

// ---------------------------------------------------------------- GitHub

fn gh_blob(path: &str, size: u64) -> Value {
    json!({"path": path, "mode": "100644", "type": "blob", "sha": format!("b-{path}"), "size": size})
}

fn gh_tree(path: &str, sha: &str) -> Value {
    json!({"path": path, "mode": "040000", "type": "tree", "sha": sha})
}

#[test]
fn github_default_branch_commit_and_tree_with_skipped_entries() {
    let srv = Server::start(|req, c| match split(req) {
        ("/repos/o/n", "") => json_ok(c, &json!({"full_name": "o/n", "default_branch": "dev"})),
        ("/repos/o/n/commits/dev", "") => json_ok(c, &json!({"sha": C1})),
        (p, "recursive=1") if p == format!("/repos/o/n/git/trees/{C1}") => json_ok(
            c,
            &json!({"sha": "root", "truncated": false, "tree": [
                gh_blob("hubconf.py", 100),
                gh_tree("models", "t1"),
                gh_blob("models/net.py", 50),
                {"path": "vendored", "mode": "160000", "type": "commit", "sha": C2},
                {"path": "link.py", "mode": "120000", "type": "blob", "sha": "l", "size": 10},
            ]}),
        ),
        (p, "") if p == format!("/o/n/raw/{C1}/hubconf.py") => c.respond(200, &[], b"import torch"),
        _ => c.respond(404, &[], b""),
    });
    let cl = client();
    let hub = GitHub::new(&srv.origin());
    assert_eq!(hub.web_base(), srv.origin());
    let l = hub.list(&cl, "o/n", None).unwrap();
    assert_eq!((l.revision.as_str(), l.commit.as_str()), ("dev", C1));
    assert_eq!(
        l.files,
        vec![
            entry("hubconf.py", 100, Some("b-hubconf.py")),
            entry("models/net.py", 50, Some("b-models/net.py")),
        ]
    );
    assert_eq!(l.notes.len(), 2, "{:?}", l.notes);
    assert!(
        l.notes
            .iter()
            .any(|n| n.contains("\"vendored\"") && n.contains("submodule")),
        "{:?}",
        l.notes
    );
    assert!(
        l.notes
            .iter()
            .any(|n| n.contains("\"link.py\"") && n.contains("symbolic link")),
        "{:?}",
        l.notes
    );
    let url = hub.file_url("o/n", &l.commit, "hubconf.py");
    assert_eq!(cl.get(&url, None, 100).unwrap().body, b"import torch");
}

#[test]
fn github_truncated_tree_is_rewalked_tree_by_tree() {
    let srv = Server::start(|req, c| {
        let trees = "/repos/o/n/git/trees/";
        match split(req) {
            ("/repos/o/n/commits/feature%2Fx", "") => json_ok(c, &json!({"sha": C1})),
            (p, q) if p.starts_with(trees) => {
                let sha = &p[trees.len()..];
                let (tree, truncated) = match (sha, q) {
                    (s, "recursive=1") if s == C1 => (vec![gh_blob("hubconf.py", 1)], true),
                    (s, "") if s == C1 => (
                        vec![gh_blob("hubconf.py", 1), gh_tree("models", "t1")],
                        false,
                    ),
                    ("t1", "") => (vec![gh_blob("resnet.py", 2), gh_tree("sub", "t2")], false),
                    ("t2", "") => (vec![gh_blob("w.py", 3)], false),
                    _ => return c.respond(404, &[], b""),
                };
                json_ok(
                    c,
                    &json!({"sha": sha, "tree": tree, "truncated": truncated}),
                )
            }
            _ => c.respond(404, &[], b""),
        }
    });
    let l = GitHub::new(&srv.origin())
        .list(&client(), "o/n", Some("feature/x"))
        .unwrap();
    assert_eq!(l.commit, C1);
    assert_eq!(
        paths(&l),
        ["hubconf.py", "models/resnet.py", "models/sub/w.py"]
    );
    assert_eq!(l.notes.len(), 1, "{:?}", l.notes);
    assert!(l.notes[0].contains("truncated"), "{:?}", l.notes);
    let s = seen(&srv);
    assert!(s.contains(&"/repos/o/n/git/trees/t1".to_string()), "{s:?}");
    assert!(s.contains(&"/repos/o/n/git/trees/t2".to_string()), "{s:?}");
}
