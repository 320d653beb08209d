//! Keras HDF5 samples from scripts/make-h5-samples.py: verdicts, metadata-only reading,
//! truncation and byte flips.

use trustscan_core::Judgement::{self, *};
use trustscan_payload::Inspection;
use trustscan_payload::h5::{inspect, inspect_with_reads};

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/h5/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const ALL: &[&str] = &[
    "benign.h5",
    "benign_vlen.h5",
    "weights_only.h5",
    "custom_loss.h5",
    "lambda.h5",
    "lambda_dense_attrs.h5",
    "module_os.h5",
    "module_os_userblock.h5",
    "not_json.h5",
    "big_dataset.h5",
    "model_config_int.h5",
    "model_config_void.h5",
    "embedded_nul.h5",
];

#[test]
fn every_sample_is_listed() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/h5");
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .expect("fixtures/h5")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n.ends_with(".h5"))
        .collect();
    found.sort();
    let mut listed: Vec<&str> = ALL.to_vec();
    listed.sort();
    assert_eq!(found, listed);
}

fn check(name: &str, verdict: Judgement, want: &[&str]) -> Inspection {
    let i = inspect(&sample(name));
    assert_eq!(i.format, "hdf5");
    assert_eq!(i.verdict, verdict, "{name}: {:?}", i.reasons);
    for w in want {
        assert!(
            i.reasons.iter().any(|r| r.contains(w)),
            "{name}: no reason with {w:?} in {:?}",
            i.reasons
        );
    }
    assert!(i.pickles.is_empty());
    i
}

#[test]
fn verdicts_and_reasons() {
    for name in ["benign.h5", "benign_vlen.h5", "weights_only.h5"] {
        let i = check(name, Safe, &[]);
        assert!(i.reasons.is_empty(), "{name}: {:?}", i.reasons);
    }
    let i = check(
        "custom_loss.h5",
        Suspicious,
        &["training_config: $.loss: module \"acme_losses\""],
    );
    assert_eq!(i.reasons.len(), 1, "{:?}", i.reasons);
    for name in ["lambda.h5", "lambda_dense_attrs.h5", "big_dataset.h5"] {
        let i = check(
            name,
            Dangerous,
            &[
                "model_config: $.config.layers[",
                "Lambda layer \"lambda\"",
                "CVE-2024-3660",
            ],
        );
        assert!(i.reasons[0].contains("Lambda"), "{:?}", i.reasons);
        assert!(i.reasons.iter().all(|r| r.starts_with("model_config: ")));
    }
    for name in ["module_os.h5", "module_os_userblock.h5"] {
        check(
            name,
            Dangerous,
            &[
                "model_config: $.config.layers[",
                "module \"os\".system",
                "CVE-2025-1550",
            ],
        );
    }
    check("not_json.h5", Inconclusive, &["model_config: not JSON"]);
    check("embedded_nul.h5", Inconclusive, &["model_config: not JSON"]);
    check(
        "model_config_int.h5",
        Inconclusive,
        &["model_config: not a string but FixedPoint"],
    );
    check(
        "model_config_void.h5",
        Dangerous,
        &["model_config: $.config.layers[1]: module \"os\""],
    );
}

#[test]
fn not_hdf5_is_inconclusive() {
    for data in [
        &b""[..],
        b"\x89HDF\r\n\x1a\n",
        b"PK\x03\x04 not hdf5 at all",
        &[0u8; 4096],
    ] {
        let i = inspect(data);
        assert_eq!(i.verdict, Inconclusive, "{:?}", i.reasons);
        assert_eq!(i.reasons.len(), 1);
    }
    assert!(inspect(&[0u8; 4096]).reasons[0].contains("not an HDF5 file"));
}

#[test]
fn dataset_data_is_never_read() {
    let data = sample("big_dataset.h5");
    let layout = layout();
    let at = layout["big_dataset.h5"]["data_offset"].as_u64().unwrap() as usize;
    let size = layout["big_dataset.h5"]["data_size"].as_u64().unwrap() as usize;
    assert!(
        size >= 512 * 1024 && at + size < data.len(),
        "{at} {size} {}",
        data.len()
    );
    let (want, reads) = inspect_with_reads(&data);
    assert_eq!(want.verdict, Dangerous);
    // The metadata sits after the data, yet far less than the data is copied.
    assert!(reads.end as usize > at + size, "{reads:?}");
    assert!((reads.copied as usize) < size / 4, "{reads:?}");

    // Garbage in place of the dataset's bytes changes nothing: they are never parsed.
    let mut garbage = data.clone();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for b in &mut garbage[at..at + size] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    assert_eq!(inspect(&garbage), want);

    // 50 MB more (bytes past the end of the HDF5 data) cost nothing more.
    garbage.resize(garbage.len() + 50_000_000, 0xA5);
    let t = std::time::Instant::now();
    let (got, more) = inspect_with_reads(&garbage);
    assert_eq!(got, want);
    // (The last block is no longer cut short by the end of the file.)
    assert!(more.copied <= reads.copied + 64 * 1024, "{more:?}");
    assert!(t.elapsed().as_secs() < 5);
}

/// The root object header's first continuation message in a version-0 superblock file:
/// the offset of its (address, length) pair.
fn root_continuation(d: &[u8]) -> usize {
    let u64_at = |at: usize| u64::from_le_bytes(d[at..at + 8].try_into().unwrap());
    assert_eq!(d[8], 0, "superblock version 0");
    // 56 bytes of superblock, then the root symbol table entry (link name, header address).
    let header = u64_at(56 + 8) as usize;
    assert_eq!(d[header], 1, "object header version 1");
    let mut at = header + 16;
    loop {
        let kind = u16::from_le_bytes([d[at], d[at + 1]]);
        let size = u16::from_le_bytes([d[at + 2], d[at + 3]]) as usize;
        if kind == 0x10 {
            return at + 8;
        }
        at += 8 + size;
    }
}

#[test]
fn hostile_continuations_are_capped() {
    let mut data = sample("benign.h5");
    let cont = root_continuation(&data);
    let (addr, len) = (cont, cont + 8);
    // A 30 MiB continuation in a 40 MB file: refused by the header cap before it is copied.
    data.resize(40_000_000, 0);
    data[len..len + 8].copy_from_slice(&(30u64 << 20).to_le_bytes());
    let (i, reads) = inspect_with_reads(&data);
    assert_eq!(i.verdict, Inconclusive, "{i:?}");
    assert!(
        i.reasons[0].contains("HDF5 root attributes unreadable"),
        "{i:?}"
    );
    assert!(reads.copied < 1 << 20, "{reads:?}");
    // Past the end of the file, and an address that overflows.
    for (a, l) in [(1u64 << 40, 456u64), (u64::MAX - 8, 456), (800, u64::MAX)] {
        data[addr..addr + 8].copy_from_slice(&a.to_le_bytes());
        data[len..len + 8].copy_from_slice(&l.to_le_bytes());
        let (i, reads) = inspect_with_reads(&data);
        assert_eq!(i.verdict, Inconclusive, "{a} {l}: {i:?}");
        assert!(reads.copied < 1 << 20, "{reads:?}");
    }
    // Pointing back at the root header itself: a loop, not followed forever.
    data[addr..addr + 8].copy_from_slice(&96u64.to_le_bytes());
    data[len..len + 8].copy_from_slice(&40u64.to_le_bytes());
    assert_eq!(inspect(&data).verdict, Inconclusive);
}

/// An attribute message turned into a shared one whose target header cannot be read: the
/// reader would drop it from the attribute list, so it must not come out Safe.
#[test]
fn unresolvable_shared_attribute_is_inconclusive() {
    let mut data = sample("benign.h5");
    let cont = root_continuation(&data);
    let u64_at = |d: &[u8], at: usize| u64::from_le_bytes(d[at..at + 8].try_into().unwrap());
    let (block, len) = (
        u64_at(&data, cont) as usize,
        u64_at(&data, cont + 8) as usize,
    );
    let mut at = block;
    while at + 8 <= block + len {
        let kind = u16::from_le_bytes([data[at], data[at + 1]]);
        let size = u16::from_le_bytes([data[at + 2], data[at + 3]]) as usize;
        if kind == 0x0C {
            data[at + 4] |= 0x02; // shared
            data[at + 8] = 2; // shared message version 2
            data[at + 9] = 2; // in another object header
            data[at + 10..at + 18].copy_from_slice(&(1u64 << 40).to_le_bytes());
            break;
        }
        at += 8 + size;
    }
    assert!(
        at + 8 <= block + len,
        "no attribute message in the continuation block"
    );
    let i = inspect(&data);
    assert_eq!(i.verdict, Inconclusive, "{i:?}");
    assert!(i.reasons[0].contains("shared attribute message"), "{i:?}");
}

fn layout() -> serde_json::Value {
    serde_json::from_slice(&sample("layout.json")).expect("layout.json")
}

/// A cut at or after the last byte the full inspection read changes nothing. A cut before the
/// end of the `model_config`/`training_config` bytes is Inconclusive. Between the two the
/// result is either unchanged or Inconclusive: what lies there (values of other attributes in
/// the global heap, messages after the configs) may be unreadable without hiding a config, and
/// a weights-only file whose header is whole stays Safe.
#[test]
fn truncation_never_panics_nor_clears() {
    let layout = layout();
    for name in ALL {
        let data = sample(name);
        let (full, reads) = inspect_with_reads(&data);
        let end = reads.end as usize;
        let config_end = layout[name]["config_end"].as_u64().unwrap_or(0) as usize;
        assert!(config_end <= end, "{name}");
        let cuts = (0..data.len())
            .step_by(97)
            .chain(end.saturating_sub(64)..(end + 64).min(data.len()))
            .chain(config_end.saturating_sub(64)..config_end + 64);
        let mut seen = [0usize; 3];
        for cut in cuts.filter(|&c| c < data.len()) {
            let got = inspect(&data[..cut]);
            if cut >= end {
                assert_eq!(got, full, "{name} cut at {cut}");
                seen[0] += 1;
            } else if cut < config_end {
                assert_eq!(got.verdict, Inconclusive, "{name} cut at {cut}: {got:?}");
                seen[1] += 1;
            } else {
                assert!(
                    got == full || got.verdict == Inconclusive,
                    "{name} cut at {cut} (config ends {config_end}, reads end {end}): {got:?}"
                );
                seen[2] += 1;
            }
            if got.verdict == Inconclusive {
                assert!(!got.reasons.is_empty());
            }
        }
        assert!(seen[0] + seen[1] + seen[2] > 50, "{name}: {seen:?}");
    }
}

#[test]
fn byte_flips_never_panic() {
    let counts = flip_runs(2000, 0x2545_F491_4F6C_DD1D);
    eprintln!("byte flips: {counts:?}");
}

fn flip_runs(runs: usize, seed: u64) -> std::collections::BTreeMap<String, usize> {
    let samples: Vec<(Vec<u8>, usize)> = ALL
        .iter()
        .map(|n| {
            let d = sample(n);
            let end = inspect_with_reads(&d).1.end as usize;
            (d, end)
        })
        .collect();
    let mut x = seed;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut counts = std::collections::BTreeMap::new();
    for run in 0..runs {
        let (data, end) = &samples[run % samples.len()];
        let mut d = data.clone();
        for _ in 0..1 + next() % 8 {
            // Mostly within the metadata the reader looks at.
            let span = if next() % 4 == 0 {
                d.len()
            } else {
                (*end).max(1)
            };
            let at = (next() as usize) % span;
            d[at] ^= 1 << (next() % 8);
            if next() % 3 == 0 {
                d[at] = next() as u8;
            }
        }
        let t = std::time::Instant::now();
        let i = inspect(&d);
        let ms = t.elapsed().as_millis() as usize;
        let slowest = counts.entry("slowest ms".to_string()).or_insert(0);
        *slowest = (*slowest).max(ms);
        assert_eq!(i.format, "hdf5");
        assert!(i.verdict == Safe || !i.reasons.is_empty(), "{i:?}");
        let key = if i.reasons.iter().any(|r| r.contains("panicked")) {
            "reader panic (caught)".to_string()
        } else {
            format!("{:?}", i.verdict)
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// The dispatcher recognises every sample as HDF5 by content (the signature at 0 or after a
/// user block) and gives it the reader's verdict.
#[test]
fn the_dispatcher_routes_hdf5_by_content() {
    for name in ALL {
        let data = sample(name);
        let r = trustscan_payload::inspect(&data, &Default::default());
        assert_eq!(r.format, "hdf5", "{name}");
        assert_eq!(r.verdict, inspect(&data).verdict, "{name}");
    }
}

#[test]
fn a_user_block_of_any_power_of_two_hides_nothing() {
    // libhdf5 looks for the superblock at 0, 512 and every doubling below the end of the
    // file; the sniffer used to stop at 4096, so a 16 KiB user block hid a Keras model.
    let model = sample("module_os.h5");
    for block in [512usize, 4096, 16 << 10, 1 << 20] {
        let mut f = vec![b'#'; block];
        f.extend(&model);
        let r = trustscan_payload::inspect_file(&f, "model.h5", &Default::default());
        assert_eq!(r.format, "hdf5", "{block}");
        assert_eq!(r.verdict, Dangerous, "{block}");
    }
    // Not at a power of two: not where libhdf5 looks.
    let mut f = vec![b'#'; 3000];
    f.extend(&model);
    let r = trustscan_payload::inspect_file(&f, "model.h5", &Default::default());
    assert_eq!(r.format, "other");
}
