//! Keras HDF5 models (`model.save("x.h5")` in Keras 2, the legacy format of Keras 3). Loading
//! one runs `model_from_config(json.loads(f.attrs["model_config"]))` and compiles it from
//! `f.attrs["training_config"]`, so what can run code sits in those two root attributes; they
//! are judged by `keras::inspect_config`. Weights-only files (`save_weights`, transformers'
//! `tf_model.h5`) have neither: nothing in them is deserialized into objects.
//!
//! Only metadata is read: the superblock, the root group's object header and what its
//! attributes point at (continuation chunks, dense attribute storage, the global heap), never
//! any dataset's data. The file may be a multi-gigabyte memory map, so the reader does not get
//! the whole slice (its byte-slice constructors copy it): it gets a [`Window`] that serves only
//! the 64 KiB blocks copied so far. A read of a missing block fails and is noted; the blocks are
//! copied, within a budget, and the root attributes are read again from the start, until a pass
//! asks for nothing new.

use crate::Inspection;
use crate::keras;
use hdf5_reader::{
    Attribute, Datatype, Hdf5File, OpenOptions, Storage, StorageBuffer, StringSize, VarLenKind,
    error::Error,
    messages::{HdfMessage, MSG_ATTRIBUTE, shared::SharedMessage},
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use trustscan_core::Judgement;

/// Granularity of the copies out of the caller's slice.
const BLOCK: u64 = 64 * 1024;
/// Total bytes copied out of the file. Real Keras metadata is well under 1 MiB (a compact
/// attribute is at most 64 KiB).
const MAX_COPIED: u64 = 32 << 20;
/// Passes over the metadata; each one discovers at least one new block.
const MAX_ROUNDS: usize = 64;
/// Bytes the reader may be served over all passes, re-reads included: bounds the work of
/// hostile structures (cyclic heaps, repeated continuations) whatever the reader does.
const MAX_SERVED: u64 = 256 << 20;
/// Reads over all passes, for the same reason.
const MAX_CALLS: u64 = 200_000;
/// Largest root object header (all chunks); real ones are a few KiB.
const MAX_HEADER: usize = 4 << 20;
/// Largest attribute text judged as JSON.
const MAX_TEXT: usize = 16 << 20;

/// What one inspection read from the file (for tests and budgets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// Bytes copied out of the caller's slice.
    pub copied: u64,
    /// One past the highest byte the reader asked for (0 when it asked for nothing).
    pub end: u64,
    /// Passes over the metadata.
    pub rounds: usize,
}

/// Inspect a whole HDF5 file (format `hdf5`).
pub fn inspect(data: &[u8]) -> Inspection {
    inspect_with_reads(data).0
}

/// [`inspect`], also saying what was read.
pub fn inspect_with_reads(data: &[u8]) -> (Inspection, Reads) {
    inspect_ranged(data.len() as u64, &|start, stop| {
        Ok(data[start as usize..stop as usize].to_vec())
    })
}

/// [`inspect`] over a file known by its length and a reader of `[start, stop)`: a remote file
/// is fetched block by block as the metadata asks for it, and exactly those blocks.
pub fn inspect_ranged(
    len: u64,
    read: &dyn Fn(u64, u64) -> std::io::Result<Vec<u8>>,
) -> (Inspection, Reads) {
    let mut reads = Reads::default();
    let mut blocks: BTreeMap<u64, Arc<[u8]>> = BTreeMap::new();
    let (mut served, mut calls) = (0, 0);
    for _ in 0..MAX_ROUNDS {
        reads.rounds += 1;
        let window = Arc::new(Window {
            len,
            blocks: blocks.clone(),
            missing: Mutex::new(Vec::new()),
            end: AtomicU64::new(0),
            served: AtomicU64::new(served),
            calls: AtomicU64::new(calls),
            exhausted: AtomicBool::new(false),
        });
        // hdf5-reader returned errors, never panicked, on the corrupt files tried (every
        // truncation of the samples, a million byte flips), but it is 23k lines following
        // offsets read from the file: a panic in it is caught and reported as Inconclusive.
        // (This needs panic = "unwind", the default, in the final binary's profile.)
        let storage: Arc<dyn Storage> = window.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| root_attributes(storage)));
        served = window.served.load(Ordering::Relaxed);
        calls = window.calls.load(Ordering::Relaxed);
        reads.end = reads.end.max(window.end.load(Ordering::Relaxed));
        let missing =
            std::mem::take(&mut *window.missing.lock().unwrap_or_else(|e| e.into_inner()));
        if window.exhausted.load(Ordering::Relaxed) {
            return (
                inconclusive(format!(
                    "HDF5 metadata reads exceed the budget ({MAX_CALLS} reads or {} MiB): hostile or corrupt structure",
                    MAX_SERVED >> 20
                )),
                reads,
            );
        }
        if missing.is_empty() {
            let ins = match outcome {
                Ok(Ok(attrs)) => judge(&attrs),
                Ok(Err(Error::InvalidMagic)) => {
                    inconclusive("not an HDF5 file: no superblock signature".to_string())
                }
                Ok(Err(e)) => inconclusive(format!("HDF5 root attributes unreadable: {e}")),
                Err(_) => inconclusive(
                    "HDF5 reader panicked reading the root attributes: corrupt or hostile file"
                        .to_string(),
                ),
            };
            return (ins, reads);
        }
        // Copy what the pass lacked (even if it ended well: the reader swallows some errors).
        for (first, last) in missing {
            let count = last - first + 1;
            if count > MAX_COPIED / BLOCK {
                return (over_budget(), reads);
            }
            for b in first..=last {
                if blocks.contains_key(&b) {
                    continue;
                }
                let start = b * BLOCK;
                let stop = (start + BLOCK).min(len);
                if reads.copied + (stop - start) > MAX_COPIED {
                    return (over_budget(), reads);
                }
                reads.copied += stop - start;
                match read(start, stop) {
                    Ok(bytes) if bytes.len() as u64 == stop - start => {
                        blocks.insert(b, Arc::from(bytes));
                    }
                    Ok(_) => {
                        return (
                            inconclusive(format!(
                                "bytes {start}..{stop} could not be read in full"
                            )),
                            reads,
                        );
                    }
                    Err(e) => {
                        return (
                            inconclusive(format!("reading bytes {start}..{stop}: {e}")),
                            reads,
                        );
                    }
                }
            }
        }
    }
    (
        inconclusive(format!(
            "HDF5 metadata still asked for new blocks after {MAX_ROUNDS} passes: hostile or corrupt structure"
        )),
        reads,
    )
}

fn inconclusive(reason: String) -> Inspection {
    let mut ins = Inspection::new("hdf5");
    ins.flag(Judgement::Inconclusive, reason);
    ins
}

fn over_budget() -> Inspection {
    inconclusive(format!(
        "HDF5 root metadata needs more than {} MiB of reads: hostile or corrupt structure",
        MAX_COPIED >> 20
    ))
}

/// The file as the reader sees it: the copied blocks; a read touching any other block fails
/// and is noted in `missing` (first and last block).
struct Window {
    len: u64,
    blocks: BTreeMap<u64, Arc<[u8]>>,
    missing: Mutex<Vec<(u64, u64)>>,
    end: AtomicU64,
    served: AtomicU64,
    calls: AtomicU64,
    exhausted: AtomicBool,
}

impl Storage for Window {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_range(&self, offset: u64, len: usize) -> hdf5_reader::error::Result<StorageBuffer> {
        let calls = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let served = self.served.fetch_add(len as u64, Ordering::Relaxed) + len as u64;
        if calls > MAX_CALLS || served > MAX_SERVED {
            self.exhausted.store(true, Ordering::Relaxed);
            return Err(Error::InvalidData("read budget exhausted".into()));
        }
        let end = offset
            .checked_add(len as u64)
            .ok_or(Error::OffsetOutOfBounds(offset))?;
        if end > self.len {
            // What the crate's own byte storage answers.
            return Err(Error::UnexpectedEof {
                offset,
                needed: len as u64,
                available: self.len.saturating_sub(offset),
            });
        }
        if len == 0 {
            return Ok(StorageBuffer::from_vec(Vec::new()));
        }
        self.end.fetch_max(end, Ordering::Relaxed);
        let (first, last) = (offset / BLOCK, (end - 1) / BLOCK);
        if (first..=last).any(|b| !self.blocks.contains_key(&b)) {
            let mut m = self.missing.lock().unwrap_or_else(|e| e.into_inner());
            m.push((first, last));
            return Err(Error::InvalidData(format!(
                "bytes {offset}..{end} not copied yet"
            )));
        }
        // All blocks present, so `len` is bounded by MAX_COPIED.
        let mut out = Vec::with_capacity(len);
        for b in first..=last {
            let block = &self.blocks[&b];
            let base = b * BLOCK;
            let from = offset.max(base) - base;
            let to = end.min(base + block.len() as u64) - base;
            out.extend_from_slice(&block[from as usize..to as usize]);
        }
        Ok(StorageBuffer::from_vec(out))
    }
}

fn root_attributes(storage: Arc<dyn Storage>) -> hdf5_reader::error::Result<Vec<Attribute>> {
    let options = OpenOptions::default()
        .with_chunk_cache_bytes(0)
        .with_max_chunk_bytes(1 << 20)
        .with_max_read_bytes(MAX_TEXT)
        .with_max_object_header_bytes(MAX_HEADER);
    let file = Hdf5File::from_storage_with_options(storage, options)?;
    let root = file.root_group()?;
    let attrs = root.attributes()?;
    // The reader keeps a shared message whose target header it cannot parse as a bare
    // reference and leaves it out of the attributes: an attribute that libhdf5 may still
    // load, so it must not pass unseen.
    let header = file.get_or_parse_header(root.address())?;
    let hidden = header
        .messages
        .iter()
        .filter(|m| {
            matches!(m, HdfMessage::Shared(SharedMessage::SharedInOhdr { message_type, .. })
                if *message_type == MSG_ATTRIBUTE)
        })
        .count();
    if hidden > 0 {
        return Err(Error::Other(format!(
            "{hidden} shared attribute message(s) of the root group point at an unreadable object header"
        )));
    }
    Ok(attrs)
}

fn judge(attrs: &[Attribute]) -> Inspection {
    // (verdict of the attribute's findings, its reasons), to list the most serious first.
    let mut groups: Vec<(Judgement, Vec<String>)> = Vec::new();
    for name in ["model_config", "training_config"] {
        for a in attrs.iter().filter(|a| a.name == name) {
            groups.push(match attribute_text(a) {
                Ok(text) => judge_json(name, &text),
                Err(why) => (Judgement::Inconclusive, vec![format!("{name}: {why}")]),
            });
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.0));
    let mut ins = Inspection::new("hdf5");
    for (v, reasons) in groups {
        ins.verdict = ins.verdict.max(v);
        ins.reasons.extend(reasons);
    }
    ins
}

/// The attribute's value as bytes: one variable- or fixed-length string, or a byte array.
fn attribute_text(a: &Attribute) -> Result<Vec<u8>, String> {
    if let Some(s) = &a.decoded_strings {
        return match s.as_slice() {
            [one] => Ok(one.as_bytes().to_vec()),
            _ => Err(format!(
                "{} strings where one JSON string was expected",
                s.len()
            )),
        };
    }
    let elements = a.shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
    match &a.datatype {
        // h5py's `np.void(bytes)` or a uint8/int8 array: the JSON's bytes.
        Datatype::Opaque { .. } if elements == Some(1) => Ok(a.raw_data.clone()),
        Datatype::FixedPoint { size: 1, .. } if a.shape.len() == 1 => Ok(a.raw_data.clone()),
        _ if elements != Some(1) => Err(format!(
            "{} of shape {:?} where one JSON string was expected",
            short_type(&a.datatype),
            a.shape
        )),
        Datatype::String {
            size: StringSize::Variable,
            ..
        }
        | Datatype::VarLen {
            kind: VarLenKind::String,
            ..
        } => Err("variable-length string whose value could not be read".into()),
        Datatype::String {
            size: StringSize::Fixed(len),
            ..
        } => {
            // Keras 2 under h5py 2 (`np.bytes_`). Like numpy, drop only trailing NULs: an
            // embedded one then fails as JSON instead of hiding what follows it.
            let raw = &a.raw_data[..(*len as usize).min(a.raw_data.len())];
            let keep = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            Ok(raw[..keep].to_vec())
        }
        other => Err(format!("not a string but {}", short_type(other))),
    }
}

fn short_type(t: &Datatype) -> String {
    let s = format!("{t:?}");
    match s.split_once([' ', '(', '{']) {
        Some((head, _)) => head.to_string(),
        None => s,
    }
}

/// Wraps a JSON value so `keras::inspect_config` walks it: it needs a top-level object with a
/// `class_name` string and a `config` object.
const WRAP: &str = "$.config.value";

fn judge_json(name: &str, text: &[u8]) -> (Judgement, Vec<String>) {
    let fail = |why: String| (Judgement::Inconclusive, vec![format!("{name}: {why}")]);
    if text.len() > MAX_TEXT {
        return fail(format!(
            "{} bytes, more than the {} MiB judged",
            text.len(),
            MAX_TEXT >> 20
        ));
    }
    let value: Value = match serde_json::from_slice(text) {
        Ok(v) => v,
        Err(e) => return fail(format!("not JSON ({e})")),
    };
    let keras_object = value
        .as_object()
        .is_some_and(|o| o.get("class_name").is_some_and(Value::is_string));
    if name == "model_config" && !keras_object {
        return fail("JSON but not a Keras model config (no class_name)".into());
    }
    if value.is_null() {
        return (Judgement::Safe, Vec::new()); // training_config of a model saved without compiling
    }
    // model_config as written (a `config` list is an old Sequential: wrap it too);
    // training_config always wrapped (its top level is {"loss", "metrics", "optimizer_config"}).
    let direct = if name == "model_config" {
        keras::inspect_config(text)
    } else {
        None
    };
    let (found, wrapped) = match direct {
        Some(f) => (f, false),
        None => {
            let w = serde_json::json!({"class_name": "H5Attribute", "config": {"value": value}});
            match serde_json::to_vec(&w)
                .ok()
                .and_then(|b| keras::inspect_config(&b))
            {
                Some(f) => (f, true),
                None => return fail("could not be walked".into()),
            }
        }
    };
    let reasons = found
        .reasons
        .into_iter()
        .map(|r| match r.strip_prefix(WRAP) {
            Some(rest) if wrapped => format!("{name}: ${rest}"),
            _ => format!("{name}: {r}"),
        })
        .collect();
    (found.verdict, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_serves_copied_blocks_only() {
        let data: Vec<u8> = (0..3 * BLOCK as usize + 10).map(|i| i as u8).collect();
        let mut blocks = BTreeMap::new();
        for b in 0..2u64 {
            let s = (b * BLOCK) as usize;
            blocks.insert(b, Arc::from(&data[s..s + BLOCK as usize]));
        }
        let w = Window {
            len: data.len() as u64,
            blocks,
            missing: Mutex::new(Vec::new()),
            end: AtomicU64::new(0),
            served: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            exhausted: AtomicBool::new(false),
        };
        let at = BLOCK - 5;
        let got = w.read_range(at, 10).expect("across two copied blocks");
        assert_eq!(got.as_ref(), &data[at as usize..at as usize + 10]);
        assert!(w.missing.lock().unwrap().is_empty());
        assert!(w.read_range(2 * BLOCK - 1, 2).is_err());
        assert_eq!(*w.missing.lock().unwrap(), vec![(1, 2)]);
        assert!(matches!(
            w.read_range(data.len() as u64 - 1, 2),
            Err(Error::UnexpectedEof { .. })
        ));
        assert!(w.read_range(u64::MAX, 2).is_err());
        assert_eq!(w.end.load(Ordering::Relaxed), 2 * BLOCK + 1);
    }

    fn json(name: &str, text: &str) -> (Judgement, Vec<String>) {
        judge_json(name, text.as_bytes())
    }

    #[test]
    fn configs() {
        // Keras 2.0-2.2 Sequential: `config` is the list of layers.
        let (v, r) = json(
            "model_config",
            r#"{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"units": 1}}]}"#,
        );
        assert_eq!((v, r.len()), (Judgement::Safe, 0), "{r:?}");
        let (v, r) = json(
            "model_config",
            r#"{"class_name": "Sequential", "config": [{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAA", null, null], "function_type": "lambda"}}]}"#,
        );
        assert_eq!(v, Judgement::Dangerous);
        assert!(
            r[0].starts_with("model_config: $.config[0]: Lambda"),
            "{r:?}"
        );
        for bad in ["null", "[]", "{}", r#"{"config": {}}"#] {
            let (v, r) = json("model_config", bad);
            assert_eq!(v, Judgement::Inconclusive, "{bad}");
            assert!(r[0].contains("not a Keras model config"), "{r:?}");
        }
        assert_eq!(json("training_config", "null"), (Judgement::Safe, vec![]));
        let (v, r) = json(
            "training_config",
            r#"{"loss": {"module": "posix", "class_name": "function", "config": "system"}, "metrics": null,
                "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.001}}}"#,
        );
        assert_eq!(v, Judgement::Dangerous);
        assert!(
            r[0].starts_with("training_config: $.loss: module \"posix\""),
            "{r:?}"
        );
        let (v, r) = json("training_config", "{'loss': 'mse'}");
        assert_eq!(v, Judgement::Inconclusive);
        assert!(r[0].starts_with("training_config: not JSON"), "{r:?}");
    }
}
