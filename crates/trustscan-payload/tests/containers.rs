//! Containers and routing tricks (samples from scripts/make-container-samples.py): every
//! payload is found by content behind 7z, tar, every compression wrapper, torch's legacy
//! layouts, junk before a zip, flag bits and non-pickle member names, at the location a
//! user can follow; budgets end in inconclusive, never in safe.

use std::path::{Path, PathBuf};
use trustscan_core::{Judgement, PayloadReport};
use trustscan_payload::{Options, inspect_file};

fn sample(name: &str) -> PayloadReport {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .join("tests/fixtures/containers");
    let data = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    inspect_file(&data, name, &Options::default())
}

/// Where the payload's os.system call was found.
fn payload_location(r: &PayloadReport) -> Option<&str> {
    r.parts
        .iter()
        .find(|p| {
            p.pickle
                .as_ref()
                .is_some_and(|a| a.calls.iter().any(|c| c.callee == "posix.system"))
        })
        .map(|p| p.location.as_str())
}

#[test]
fn payloads_are_found_behind_every_container() {
    for (name, format, location) in [
        (
            "payload-checkpoint.7z",
            "7z",
            "model/pytorch_model.bin!archive/data.pkl",
        ),
        ("payload-unnamed-member.7z", "7z", "weights"),
        (
            "payload-checkpoint.tar.gz",
            "gzip",
            "[gzip]!model/pytorch_model.bin!archive/data.pkl",
        ),
        ("payload.pkl.zst", "zstd", "[zstd]"),
        ("payload.pkl.lz4", "lz4", "[lz4]"),
        ("payload.pkl.bz2", "bzip2", "[bzip2]"),
        ("payload.pkl.xz", "xz", "[xz]"),
        ("payload.pkl.lzma", "lzma", "[lzma]"),
        ("payload-legacy-stream.pt", "torch-legacy", ""),
        ("payload-computed-magic.pt", "pickle", ""),
        ("payload-legacy-tar.pt", "torch-legacy-tar", "pickle"),
        ("payload-after-junk.zip", "torch-zip", "archive/data.pkl"),
        ("payload-flag-bits.pt", "torch-zip", "archive/data.pkl"),
        ("payload-protocol0-as-json.zip", "zip", "config.json"),
    ] {
        let r = sample(name);
        assert_eq!(r.verdict, Judgement::Dangerous, "{name}: {:?}", r.parts);
        assert_eq!(r.format, format, "{name}");
        assert_eq!(
            payload_location(&r),
            Some(location),
            "{name}: {:?}",
            r.parts
        );
    }
}

#[test]
fn benign_checkpoints_in_containers_are_safe() {
    for name in [
        "benign-checkpoint.7z",
        "benign-legacy-stream.pt",
        "benign-legacy-tar.pt",
        "benign-torchscript.pt",
        "benign-optimizer-state.pt",
    ] {
        let r = sample(name);
        assert_eq!(r.verdict, Judgement::Safe, "{name}: {:?}", r.parts);
        // The checkpoint's pickle was read, not skipped.
        assert!(r.parts.iter().any(|p| p.pickle.is_some()), "{name}");
    }
    // The legacy stream's storage bytes after its five pickles are not read as pickles.
    let r = sample("benign-legacy-stream.pt");
    assert_eq!(r.parts[0].pickle.as_ref().unwrap().pickles, 5);
    // The legacy tar's storages and tensors records: every pickle read, raw records skipped.
    let r = sample("benign-legacy-tar.pt");
    let pickles = |member: &str| {
        r.parts
            .iter()
            .find(|p| p.location == member)
            .and_then(|p| p.pickle.as_ref())
            .map(|a| (a.pickles, a.error.is_none()))
    };
    assert_eq!(pickles("storages"), Some((3, true)));
    assert_eq!(pickles("tensors"), Some((2, true)));
}

#[test]
fn nesting_past_the_budget_is_inconclusive() {
    let r = sample("payload-nested-8-gzip.gz");
    assert_eq!(r.verdict, Judgement::Inconclusive, "{:?}", r.parts);
    assert!(r.parts[0].reasons[0].contains("nested deeper than 6 levels"));
    let deeper = Options {
        max_depth: 10,
        ..Options::default()
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/containers");
    let data = std::fs::read(dir.join("payload-nested-8-gzip.gz")).unwrap();
    assert_eq!(
        inspect_file(&data, "", &deeper).verdict,
        Judgement::Dangerous
    );
}

/// A fixed-seed sequence of byte flips over every sample: never a panic, and a payload
/// sample whose archive still opens is never judged safe.
#[test]
fn mutated_containers_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/containers");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for entry in std::fs::read_dir(dir).unwrap() {
        let original = std::fs::read(entry.unwrap().path()).unwrap();
        for _ in 0..300 {
            let mut data = original.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % data.len();
                data[at] = next() as u8;
            }
            let _ = inspect_file(&data, "sample", &Options::default());
        }
    }
}

#[test]
fn archive_slip_and_links_are_suspicious() {
    let r = sample("slip.tar");
    assert_eq!(r.verdict, Judgement::Suspicious, "{:?}", r.parts);
    let reasons: Vec<&str> = r
        .parts
        .iter()
        .flat_map(|p| p.reasons.iter().map(String::as_str))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("escapes the extraction directory")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("\"/root/.ssh\"")),
        "{reasons:?}"
    );
}

/// A pickle carried as a bytes constant (for a nested `pickle.loads`) is inspected in
/// turn, so the inner call is shown, not only the loader that would run it.
#[test]
fn payloads_carried_as_constants_are_opened() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pickle/nested-pickle.pkl");
    let r = inspect_file(
        &std::fs::read(path).unwrap(),
        "nested-pickle.pkl",
        &Options::default(),
    );
    assert_eq!(r.verdict, Judgement::Dangerous);
    let location = payload_location(&r).expect("the inner os.system call");
    assert!(location.starts_with('@'), "{location}");
}

/// TorchScript classes (`__torch__.*`) are allowed inside a TorchScript archive, where
/// torch.jit resolves them from the archive's code; the same pickle alone is not trusted.
#[test]
fn torchscript_classes_are_trusted_only_inside_torchscript_archives() {
    assert_eq!(sample("benign-torchscript.pt").format, "torchscript");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/containers");
    let archive = std::fs::read(dir.join("benign-torchscript.pt")).unwrap();
    let entries = trustscan_payload::zip::entries(&archive).unwrap();
    let data_pkl = entries.iter().find(|e| e.name == "net/data.pkl").unwrap();
    let alone = trustscan_payload::zip::read(&archive, data_pkl).unwrap();
    let r = inspect_file(alone, "data.pkl", &Options::default());
    assert_eq!(r.verdict, Judgement::Suspicious, "{:?}", r.parts);
}

/// The same nested payload base64-encoded in a string constant is decoded and inspected.
#[test]
fn base64_encoded_payloads_are_decoded() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/pickle/base64-nested-pickle.pkl");
    let r = inspect_file(&std::fs::read(path).unwrap(), "x.pkl", &Options::default());
    let location = payload_location(&r).expect("the inner os.system call");
    assert!(location.ends_with("[base64]"), "{location}");
}
