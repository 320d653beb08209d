//! The remote snapshot against hostile or inconsistent servers: a file that changes between
//! two range reads, a size that disagrees with the listing, hostile weight files, and offline
//! use without a cache. Every case is an error naming the file or the URL, never a panic.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::zipw::{self, Content};
use support::{Resource, Server};
use trustscan_remote::hub::hf::HuggingFace;
use trustscan_remote::{Client, ClientConfig, RemoteOptions, RemoteSnapshot};
use trustscan_source::Snapshot;

const COMMIT: &str = "fedcba9876543210fedcba9876543210fedcba98";

/// Serves one repository of `(path, bytes, listed size)`; `etag(n)` names the n-th answer's ETag.
fn server(files: Vec<(&'static str, Vec<u8>, u64)>, etag: fn(usize) -> Option<String>) -> Server {
    let files = files
        .into_iter()
        .map(|(p, b, n)| (p, Arc::new(b) as Arc<dyn Resource>, n))
        .collect();
    server_of(files, etag)
}

fn server_of(
    files: Vec<(&'static str, Arc<dyn Resource>, u64)>,
    etag: fn(usize) -> Option<String>,
) -> Server {
    let files = Arc::new(files);
    let answers = Arc::new(AtomicUsize::new(0));
    Server::start(move |req, conn| {
        let path = req.path.split('?').next().unwrap_or("");
        if path.starts_with("/api/models/o/r/revision/") {
            return conn.respond(200, &[], format!("{{\"sha\":\"{COMMIT}\"}}").as_bytes());
        }
        if path == format!("/api/models/o/r/tree/{COMMIT}") {
            let list: Vec<String> = files
                .iter()
                .map(|(p, _, size)| {
                    format!("{{\"type\":\"file\",\"path\":\"{p}\",\"size\":{size}}}")
                })
                .collect();
            return conn.respond(200, &[], format!("[{}]", list.join(",")).as_bytes());
        }
        if let Some(p) = path.strip_prefix(&format!("/o/r/resolve/{COMMIT}/")) {
            if let Some((_, bytes, _)) = files.iter().find(|(name, _, _)| *name == p) {
                let n = answers.fetch_add(1, Ordering::SeqCst);
                let headers: Vec<(&str, String)> =
                    etag(n).map(|e| vec![("ETag", e)]).unwrap_or_default();
                return conn.serve(req, bytes.as_ref(), true, &headers);
            }
        }
        conn.respond(404, &[], b"")
    })
}

fn client() -> Client {
    Client::new(ClientConfig {
        max_retries: 1,
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(2),
        ..ClientConfig::default()
    })
}

fn open(srv: &Server, cache: &std::path::Path, offline: bool) -> Result<RemoteSnapshot, String> {
    RemoteSnapshot::open(
        Box::new(HuggingFace::new(&srv.origin())),
        (!offline).then(client),
        "o/r",
        None,
        &RemoteOptions {
            cache_root: cache.to_path_buf(),
            offline,
            fetch_limit: 1 << 20,
            max_files: None,
        },
    )
    .map_err(|e| e.to_string())
}

/// 6 MB that sniff as nothing in particular (read by its head and tail only).
fn plain(n: usize) -> Vec<u8> {
    (0..n).map(|i| b"abcdefgh"[i % 8]).collect()
}

#[test]
fn a_file_that_changes_between_reads_is_refused() {
    let srv = server(vec![("big.bin", plain(6 << 20), 6 << 20)], |n| {
        Some(format!("\"v{}\"", n.min(1)))
    });
    let cache = tempfile::tempdir().unwrap();
    let snap = open(&srv, cache.path(), false).unwrap();
    let err = snap.view("big.bin").err().expect("two versions spliced");
    assert!(
        err.to_string().contains("changed while being read"),
        "{err}"
    );
}

#[test]
fn a_size_other_than_listed_is_refused() {
    let srv = server(vec![("config.json", b"{}".to_vec(), 3)], |_| None);
    let cache = tempfile::tempdir().unwrap();
    let snap = open(&srv, cache.path(), false).unwrap();
    let err = snap.read("config.json", 100).unwrap_err().to_string();
    assert!(err.contains("listed 3 bytes but serves 2"), "{err}");
}

#[test]
fn hostile_weights_give_errors_or_partial_views_never_panics() {
    // A zip end record pointing far past the file, a GGUF header claiming 2^60 keys, a
    // safetensors header length larger than the fetch limit, a legacy torch magic then junk.
    let mut bad_zip = plain(6 << 20);
    let n = bad_zip.len();
    bad_zip[n - 22..]
        .copy_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0");
    let mut gguf = b"GGUF\x03\0\0\0".to_vec();
    gguf.extend(0u64.to_le_bytes());
    gguf.extend((1u64 << 60).to_le_bytes());
    gguf.resize(6 << 20, 0);
    let mut st = (5u64 << 20).to_le_bytes().to_vec();
    st.push(b'{');
    st.resize(6 << 20, b' ');
    let mut legacy = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19".to_vec();
    legacy.extend(plain(6 << 20));
    let files = vec![
        ("a.zip", bad_zip, 6 << 20),
        ("b.gguf", gguf, 6 << 20),
        ("c.safetensors", st, 6 << 20),
        ("d.bin", legacy.clone(), legacy.len() as u64),
    ];
    let srv = server(files, |_| None);
    let cache = tempfile::tempdir().unwrap();
    let snap = open(&srv, cache.path(), false).unwrap();
    for f in ["a.zip", "b.gguf", "c.safetensors", "d.bin"] {
        match snap.view(f) {
            // What the inspector then sees must be the file's own bytes where it reads.
            Ok(bytes) => assert_eq!(bytes.len() as u64, snap.file(f).unwrap().size, "{f}"),
            Err(e) => assert!(!e.to_string().is_empty(), "{f}"),
        }
    }
    // The safetensors header is larger than the 1 MiB fetch limit: refused by size.
    let e = snap
        .view("c.safetensors")
        .err()
        .expect("over the fetch limit");
    assert!(e.to_string().contains("limit"), "{e}");
    // Nothing beyond a few windows of each 6 MB file crossed the wire.
    assert!(snap.client().unwrap().bytes_transferred() < 2 << 20);
}

#[test]
fn the_planner_fetches_what_the_inspector_sniffs() {
    // A Keras .h5 behind a 16 KiB user block: h5py finds the superblock there, so the
    // planner probes for it beyond the first bytes and fetches the metadata it points at.
    let h5 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../trustscan-payload/tests/fixtures/h5/module_os.h5"
    ))
    .unwrap();
    let mut hidden = plain(16 << 10);
    hidden.extend(&h5);
    hidden.resize(6 << 20, 0);
    // Content nothing recognises, under a name pickle.load reads: all of it is a pickle.
    let pkl = plain(6 << 20);
    let files = vec![
        ("model.h5", hidden.clone(), hidden.len() as u64),
        ("state.pkl", pkl, 6 << 20),
    ];
    let srv = server(files, |_| None);
    let cache = tempfile::tempdir().unwrap();
    let snap = open(&srv, cache.path(), false).unwrap();
    let view = snap.view("model.h5").unwrap();
    let report =
        trustscan_payload::inspect_file(&view, "model.h5", &trustscan_payload::Options::default());
    assert_eq!(report.format, "hdf5", "{report:?}");
    assert_eq!(report.verdict, trustscan_core::Judgement::Dangerous);
    let local = trustscan_payload::inspect_file(
        &hidden,
        "model.h5",
        &trustscan_payload::Options::default(),
    );
    assert_eq!(report, local);
    // Whole, so above the 1 MiB fetch limit: refused by size, never read as "other".
    let e = snap.view("state.pkl").err().expect("over the fetch limit");
    assert!(e.to_string().contains("limit"), "{e}");
}

#[test]
fn offline_without_a_cache_says_so() {
    let srv = server(vec![], |_| None);
    let cache = tempfile::tempdir().unwrap();
    let err = open(&srv, cache.path(), true).err().unwrap();
    assert!(err.contains("--offline") && err.contains("o/r"), "{err}");
    assert!(srv.requests().is_empty());
}

#[test]
fn a_five_gigabyte_checkpoint_costs_well_under_a_megabyte() {
    // torch.save's layout past 4 GiB (zip64), its pickle calling os.system.
    let pickle = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.".to_vec();
    let ckpt = zipw::build(
        &[
            ("archive/data.pkl", Content::Stored(pickle)),
            ("archive/byteorder", Content::Stored(b"little".to_vec())),
            ("archive/data/0", Content::Zeros(3 << 30)),
            ("archive/data/1", Content::Zeros(2 << 30)),
            ("archive/version", Content::Stored(b"3\n".to_vec())),
        ],
        true,
    );
    let size = ckpt.len();
    assert!(size > 5 << 30);
    let srv = server_of(vec![("pytorch_model.bin", Arc::new(ckpt), size)], |_| None);
    let cache = tempfile::tempdir().unwrap();
    let snap = open(&srv, cache.path(), false).unwrap();
    let view = snap.view("pytorch_model.bin").unwrap();
    let present = view.present().expect("read in part").to_vec();
    let report = trustscan_payload::inspect_partial(
        &view,
        "pytorch_model.bin",
        &trustscan_payload::Options::default(),
        &|at| trustscan_source::covered(&present, at, at + 30),
    );
    assert_eq!(
        report.verdict,
        trustscan_core::Judgement::Dangerous,
        "{report:?}"
    );
    let moved = snap.client().unwrap().bytes_transferred();
    assert!(
        moved < 200_000,
        "{moved} bytes for a {size}-byte checkpoint"
    );
    srv.wait_handled(srv.requests().len());
    assert!(srv.body_bytes_written() < 200_000);
}
