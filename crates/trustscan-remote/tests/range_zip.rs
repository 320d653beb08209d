//! Zip directories and members through byte ranges: in memory (format, zip64, hostile input) and
//! over HTTP against a 200 MB synthetic torch checkpoint served from 127.0.0.1; and a safetensors
//! header read the same way.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use support::zipw::{Content, build};
use support::{Resource, Server};
use trustscan_remote::prefix::safetensors_header;
use trustscan_remote::range_zip::{read_index, read_member};
use trustscan_remote::{
    Client, ClientConfig, FetchError, RangedReader, RemoteFile, ZipError, ZipLimits,
};

/// Looks like the start of a torch pickle; content is ours and harmless.
fn pickle_bytes() -> Vec<u8> {
    let mut p =
        b"\x80\x02}q\x00(X\x06\x00\x00\x00weightq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02"
            .to_vec();
    p.extend(std::iter::repeat_n(b'.', 3000));
    p
}

fn small_zip(zip64: bool) -> Vec<u8> {
    build(
        &[
            ("archive/data.pkl", Content::Stored(pickle_bytes())),
            ("archive/byteorder", Content::Stored(b"little".to_vec())),
            (
                "archive/notes.txt",
                Content::Deflated(b"hello hello hello hello hello".repeat(50)),
            ),
            ("archive/data/0", Content::Zeros(4096)),
            ("archive/version", Content::Stored(b"3\n".to_vec())),
        ],
        zip64,
    )
    .to_vec()
}

#[test]
fn index_and_members_plain_and_zip64() {
    for zip64 in [false, true] {
        let z = small_zip(zip64);
        let idx = read_index(&z, &ZipLimits::default()).unwrap();
        assert_eq!(idx.zip64, zip64);
        let names: Vec<String> = idx.entries.iter().map(|e| e.name()).collect();
        assert_eq!(
            names,
            [
                "archive/data.pkl",
                "archive/byteorder",
                "archive/notes.txt",
                "archive/data/0",
                "archive/version"
            ]
        );
        let pk = idx.pickle_entries();
        assert_eq!(pk.len(), 1);
        assert_eq!(
            read_member(&z, &idx, pk[0], &ZipLimits::default()).unwrap(),
            pickle_bytes()
        );
        let notes = &idx.entries[2];
        assert_eq!(notes.method, 8);
        assert!(notes.compressed_size < notes.uncompressed_size);
        assert_eq!(
            read_member(&z, &idx, notes, &ZipLimits::default()).unwrap(),
            b"hello hello hello hello hello".repeat(50)
        );
        assert_eq!(
            read_member(&z, &idx, &idx.entries[3], &ZipLimits::default()).unwrap(),
            vec![0u8; 4096]
        );
    }
}

#[test]
fn prepended_data_shifts_offsets_like_zipfile() {
    for zip64 in [false, true] {
        let mut z = b"#!/bin/sh\necho this is not a zip\n".to_vec();
        let junk = z.len() as u64;
        z.extend(small_zip(zip64));
        let idx = read_index(&z, &ZipLimits::default()).unwrap();
        assert_eq!(idx.prefix_shift, junk);
        let pk = idx.pickle_entries();
        assert_eq!(
            read_member(&z, &idx, pk[0], &ZipLimits::default()).unwrap(),
            pickle_bytes()
        );
    }
}

#[test]
fn budgets_are_enforced() {
    let z = small_zip(false);
    let tight = ZipLimits {
        max_member: 100,
        ..ZipLimits::default()
    };
    let idx = read_index(&z, &tight).unwrap();
    let e = read_member(&z, &idx, idx.pickle_entries()[0], &tight).unwrap_err();
    assert!(matches!(e, ZipError::Budget(_)), "{e}");
    // The deflated member is small compressed but inflates past the budget.
    let e = read_member(&z, &idx, &idx.entries[2], &tight).unwrap_err();
    assert!(matches!(e, ZipError::Budget(_)), "{e}");
    let e = read_index(
        &z,
        &ZipLimits {
            max_entries: 4,
            ..ZipLimits::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, ZipError::Budget(_)), "{e}");
    let e = read_index(
        &z,
        &ZipLimits {
            max_central_directory: 64,
            ..ZipLimits::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, ZipError::Budget(_)), "{e}");
}

#[test]
fn lying_end_records_are_errors() {
    let z = small_zip(false);
    let eocd = z.len() - 22;
    // Entry count far beyond what the directory can hold.
    let mut bad = z.clone();
    bad[eocd + 10..eocd + 12].copy_from_slice(&60_000u16.to_le_bytes());
    assert!(matches!(
        read_index(&bad, &ZipLimits::default()),
        Err(ZipError::Corrupt(_))
    ));
    // Directory offset pointing past the end.
    let mut bad = z.clone();
    bad[eocd + 16..eocd + 20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        read_index(&bad, &ZipLimits::default()),
        Err(ZipError::Corrupt(_))
    ));
    // Not a zip at all.
    assert!(matches!(
        read_index(&vec![0u8; 1000], &ZipLimits::default()),
        Err(ZipError::NotZip(_))
    ));
    assert!(matches!(
        read_index(&vec![0u8; 3], &ZipLimits::default()),
        Err(ZipError::NotZip(_))
    ));
}

/// Every truncation and thousands of byte mutations: errors are fine, panics are not.
#[test]
fn hostile_bytes_never_panic() {
    let limits = ZipLimits {
        max_member: 1 << 20,
        ..ZipLimits::default()
    };
    let exercise = |z: &Vec<u8>| {
        if let Ok(idx) = read_index(z, &limits) {
            for e in &idx.entries {
                let _ = read_member(z, &idx, e, &limits);
            }
        }
    };
    for zip64 in [false, true] {
        let z = small_zip(zip64);
        for cut in 0..z.len() {
            exercise(&z[..cut].to_vec());
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            let mut m = z.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mutate mostly the end records and directory, where the interesting fields are.
                let tail = (z.len() / 4).max(1);
                let i = if x & 1 == 0 {
                    z.len() - 1 - (x >> 8) as usize % tail
                } else {
                    (x >> 8) as usize % z.len()
                };
                m[i] = match (x >> 4) & 3 {
                    0 => 0xFF,
                    1 => 0,
                    _ => (x >> 24) as u8,
                };
            }
            exercise(&m);
        }
    }
}

const TENSOR: u64 = 200 << 20;

fn checkpoint() -> support::zipw::SparseZip {
    build(
        &[
            ("archive/data.pkl", Content::Stored(pickle_bytes())),
            ("archive/byteorder", Content::Stored(b"little".to_vec())),
            ("archive/data/0", Content::Zeros(TENSOR)),
            ("archive/version", Content::Stored(b"3\n".to_vec())),
        ],
        false,
    )
}

#[test]
fn data_pkl_of_a_200_mb_checkpoint_over_http_costs_kilobytes() {
    let ckpt = Arc::new(checkpoint());
    assert!(ckpt.len() > TENSOR);
    let c2 = ckpt.clone();
    let srv =
        Server::start(move |req, c| c.serve(req, c2.as_ref(), true, &[("ETag", "\"v1\"".into())]));
    let client = Client::new(ClientConfig::default());
    let limits = ZipLimits::default();
    let file = RemoteFile::open(
        &client,
        &srv.url("/org/m/resolve/main/pytorch_model.bin"),
        limits.tail,
    )
    .unwrap();
    assert_eq!(file.len(), ckpt.len());
    let idx = read_index(&file, &limits).unwrap();
    assert_eq!(idx.entries.len(), 4);
    assert_eq!(idx.entries[2].uncompressed_size, TENSOR);
    let pk = idx.pickle_entries();
    let bytes = read_member(&file, &idx, pk[0], &limits).unwrap();
    assert_eq!(bytes, pickle_bytes());

    let transferred = client.bytes_transferred();
    eprintln!(
        "200 MB checkpoint: {} requests, {transferred} body bytes received, server wrote {}",
        client.requests_sent(),
        srv.body_bytes_written()
    );
    // Tail (64 KiB + 97, holding the end records and the directory) and one read of data.pkl.
    assert_eq!(client.requests_sent(), 2);
    // read_index's own tail read is served from the tail fetched by open().
    assert_eq!(file.cache_hits(), 1);
    assert!(transferred < 100_000, "{transferred}");
    assert!(srv.body_bytes_written() < 100_000);
    let ranges: Vec<String> = srv
        .requests()
        .iter()
        .map(|r| r.header("range").unwrap_or("").to_string())
        .collect();
    assert_eq!(ranges[0], format!("bytes=-{}", limits.tail));
    assert!(ranges[1].starts_with("bytes=0-"), "{ranges:?}");
}

#[test]
fn checkpoint_from_a_server_ignoring_range_is_refused_cheaply() {
    let ckpt = Arc::new(checkpoint());
    let srv = Server::start(move |req, c| c.serve(req, ckpt.as_ref(), false, &[]));
    let client = Client::new(ClientConfig::default());
    let e = RemoteFile::open(&client, &srv.url("/m.bin"), 65_633)
        .err()
        .unwrap();
    assert!(matches!(e, FetchError::RangeIgnored { .. }), "{e}");
    assert_eq!(client.bytes_transferred(), 0);
    srv.wait_handled(1);
    eprintln!(
        "ignored range on a 200 MB checkpoint: server wrote {}",
        srv.body_bytes_written()
    );
    assert!(srv.body_bytes_written() < 16 << 20);
}

#[test]
fn a_branch_that_moves_between_reads_is_detected() {
    // Same bytes and ETag, but the hub says the branch now points at another commit.
    let ckpt = Arc::new(checkpoint());
    let n = Arc::new(AtomicU32::new(0));
    let srv = Server::start(move |req, c| {
        let commit = format!("c{}", n.fetch_add(1, Ordering::SeqCst));
        c.serve(
            req,
            ckpt.as_ref(),
            true,
            &[("ETag", "\"same\"".into()), ("X-Repo-Commit", commit)],
        )
    });
    let client = Client::new(ClientConfig::default());
    let limits = ZipLimits::default();
    let file = RemoteFile::open(&client, &srv.url("/m.bin"), limits.tail).unwrap();
    assert_eq!(file.commit(), Some("c0"));
    let idx = read_index(&file, &limits).unwrap();
    let e = read_member(&file, &idx, idx.pickle_entries()[0], &limits).unwrap_err();
    let ZipError::Read(io) = e else { panic!("{e}") };
    let fe = io
        .get_ref()
        .and_then(|i| i.downcast_ref::<FetchError>())
        .expect("a FetchError inside");
    assert!(
        matches!(fe, FetchError::Changed { .. }) && fe.to_string().contains("c0 became c1"),
        "{fe}"
    );
}

#[test]
fn a_file_that_changes_between_reads_is_detected() {
    let ckpt = Arc::new(checkpoint());
    let n = Arc::new(AtomicU32::new(0));
    let srv = Server::start(move |req, c| {
        let etag = format!("\"v{}\"", n.fetch_add(1, Ordering::SeqCst));
        c.serve(req, ckpt.as_ref(), true, &[("ETag", etag)])
    });
    let client = Client::new(ClientConfig::default());
    let limits = ZipLimits::default();
    let file = RemoteFile::open(&client, &srv.url("/m.bin"), limits.tail).unwrap();
    let idx = read_index(&file, &limits).unwrap();
    let e = read_member(&file, &idx, idx.pickle_entries()[0], &limits).unwrap_err();
    let ZipError::Read(io) = e else { panic!("{e}") };
    let fe = io
        .get_ref()
        .and_then(|i| i.downcast_ref::<FetchError>())
        .expect("a FetchError inside");
    assert!(matches!(fe, FetchError::Changed { .. }), "{fe}");
}

/// A 100 MB safetensors file: the header costs two small requests, the tensors nothing.
#[test]
fn safetensors_header_over_http_costs_its_size() {
    const DATA: u64 = 100 << 20;
    let json = format!(
        r#"{{"w":{{"dtype":"U8","shape":[{DATA}],"data_offsets":[0,{DATA}]}},"__metadata__":{{"format":"pt"}}}}"#
    );
    let mut head = (json.len() as u64).to_le_bytes().to_vec();
    head.extend(json.as_bytes());
    let head_len = head.len() as u64;
    let file = Arc::new(support::zipw::SparseFile::new(head.clone(), DATA));
    let srv = Server::start(move |req, c| c.serve(req, file.as_ref(), true, &[]));
    let client = Client::new(ClientConfig::default());
    // A 4 KiB first window usually holds the whole header: then it is a single request.
    let f = RemoteFile::open_head(&client, &srv.url("/model.safetensors"), 4096).unwrap();
    assert_eq!(f.len(), head_len + DATA);
    assert_eq!(safetensors_header(&f, 1 << 20).unwrap(), head);
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(client.bytes_transferred(), 4096);
    // A window smaller than the header: one more request for the rest, still only header bytes.
    let client = Client::new(ClientConfig::default());
    let f = RemoteFile::open_head(&client, &srv.url("/model.safetensors"), 8).unwrap();
    assert_eq!(safetensors_header(&f, 1 << 20).unwrap(), head);
    assert_eq!(client.requests_sent(), 2);
    assert_eq!(client.bytes_transferred(), head_len);
}
