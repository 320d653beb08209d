//! Which bytes of a large remote file the payload inspector will read, decided from its first
//! and last bytes with the inspector's own parsers, so a remote scan sees what a local scan
//! sees. Everything goes through a [`RangedReader`] that fetches and caches what it is asked.

use std::io;

use trustscan_payload::sniff::{self, Format};
use trustscan_payload::{gguf, h5, pickle, zip};
use trustscan_source::ReadError;

use crate::range_zip::{self, RangedReader, ZipLimits};

/// A file read through ranges that can also be seen whole (zeros where nothing was fetched).
pub trait Source: RangedReader {
    fn view(&self) -> io::Result<memmap2::Mmap>;
}

/// How a file too large to fetch whole is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The end records and directory, then every member but torch's tensor storages.
    Zip,
    /// The metadata and tensor infos at the start.
    Gguf,
    /// The 8-byte length and the JSON header it announces.
    Safetensors(u64),
    /// The five pickles at the start of torch's legacy format (storages follow).
    TorchLegacy,
    /// HDF5: the metadata blocks the reader asks for, fetched as it asks.
    Hdf5,
    /// A format whose reader needs every byte (a plain pickle, `.npy`, tar, 7z, compressed).
    Whole,
    /// Not a payload format by its first bytes: the inspector reads only those and the tail.
    Neither,
}

/// The first pickle of torch's legacy format: protocol 2, then the magic number as a LONG1.
const TORCH_LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";

/// Formats without a magic number that the inspector picks by name and reads whole.
pub fn needs_whole_by_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    [".json", ".jinja", ".jinja2", ".onnx"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// What the first bytes decide, in the inspector's sniffing order (`trustscan_payload::inspect`):
/// `None` when the end of the file must be seen too ([`classify_by_tail`]). `head` holds at
/// least the first [`HEAD`] bytes (or the whole file).
pub fn classify(head: &[u8], size: u64) -> Option<Kind> {
    let kind = classify_head(head, size);
    (kind != Kind::Neither).then_some(kind)
}

/// First bytes that settle the format: the HDF5 signature may sit at 4096.
pub const HEAD: u64 = 8 << 10;

/// The rest of the sniffing order, given the last `tail` bytes too.
pub fn classify_by_tail(head: &[u8], tail: &[u8]) -> Kind {
    // Python's zipfile (and the inspector) find an archive by its end record.
    if memchr::memmem::rfind(tail, b"PK\x05\x06").is_some() {
        return Kind::Zip;
    }
    // A protocol 0/1 pickle has no header; the inspector parses anything that starts like one.
    if head
        .first()
        .is_some_and(|b| b"(c]}).NIJKLMFGSTUVXq".contains(b))
    {
        return Kind::Whole;
    }
    Kind::Neither
}

fn classify_head(head: &[u8], size: u64) -> Kind {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    let h512 = &head[..head.len().min(512)];
    if matches!(
        sniff::by_magic(h512, size),
        Some(Format::Tar | Format::SevenZ | Format::Compressed(_))
    ) {
        return Kind::Whole;
    }
    if head.starts_with(TORCH_LEGACY_MAGIC) {
        return Kind::TorchLegacy;
    }
    if matches!(head, [0x80, 2..=5, ..]) || head.starts_with(b"\x93NUMPY") {
        return Kind::Whole;
    }
    if [0usize, 512, 1024, 2048, 4096]
        .iter()
        .any(|&at| head.get(at..at + 8) == Some(b"\x89HDF\r\n\x1a\n"))
    {
        return Kind::Hdf5;
    }
    if head.starts_with(b"GGUF") {
        return Kind::Gguf;
    }
    if head.len() > 8 && head[8] == b'{' {
        let declared = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
        if declared > 1 && declared < size {
            return Kind::Safetensors(declared);
        }
    }
    Kind::Neither
}

/// More bytes than `--fetch-limit` allows for one file.
fn budget(size: u64, limit: u64) -> ReadError {
    ReadError::TooLarge { size, limit }
}

fn io_err(e: io::Error) -> ReadError {
    ReadError::Io(e.to_string())
}

/// Is this member one of torch's tensor storages (`<archive>/data/<n>`), which no loader
/// unpickles?
fn is_storage(name: &str) -> bool {
    let mut parts = name.rsplitn(3, '/');
    let (Some(n), Some("data"), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

/// The directory, then every member the inspector reads, except tensor storages of a torch
/// archive; members beyond `limit` bytes in total make the file too large to audit remotely.
pub fn zip(r: &dyn Source, limit: u64) -> Result<(), ReadError> {
    range_zip::read_index(r, &ZipLimits::default()).map_err(|e| ReadError::Io(e.to_string()))?;
    // The inspector's own view of the directory, from the bytes now fetched.
    let view = r.view().map_err(io_err)?;
    let entries = match zip::entries(&view) {
        Ok(e) => e,
        // The inspector will say why; nothing more to fetch for it.
        Err(_) => return Ok(()),
    };
    let torch = entries
        .iter()
        .any(|e| e.name.ends_with("data.pkl") || e.name.ends_with("constants.pkl"));
    let max_members = trustscan_payload::Options::default().max_members;
    let mut spent = 0u64;
    for e in entries.iter().take(max_members) {
        if e.name.ends_with('/') || (torch && is_storage(&e.name)) {
            continue;
        }
        let at = e.local_header_offset;
        if at.checked_add(30).is_none_or(|end| end > r.len()) {
            continue; // the inspector reports the bad offset
        }
        let body = if e.method == 0 {
            e.size
        } else {
            e.compressed_size
        };
        // One request for the header, a typical name and extra field, and the data; a
        // longer extra field costs a second one for the rest.
        let guess = (30 + e.name.len() as u64 + 128).saturating_add(body);
        if body > limit {
            return Err(budget(body, limit));
        }
        let header = r
            .read_at(at, guess.min(r.len() - at) as usize)
            .map_err(io_err)?;
        if header[..4] != *b"PK\x03\x04" {
            continue;
        }
        let n = u16::from_le_bytes([header[26], header[27]]) as u64;
        let m = u16::from_le_bytes([header[28], header[29]]) as u64;
        let start = at + 30 + n + m;
        let end = start.saturating_add(body).min(r.len());
        spent = spent.saturating_add(end.saturating_sub(at));
        if spent > limit {
            return Err(budget(spent, limit));
        }
        if end > start {
            r.read_at(start, (end - start) as usize).map_err(io_err)?;
        }
    }
    Ok(())
}

/// The header of a GGUF file: a prefix growing until the inspector's parser finishes it.
pub fn gguf(r: &dyn RangedReader, limit: u64) -> Result<(), ReadError> {
    crate::prefix::growing_prefix(r, HEAD, limit, |prefix| {
        match gguf::header_len(prefix) {
            Ok(_) => crate::prefix::Need::Nothing,
            // Running out of bytes means "fetch more"; any other error is the file's own.
            Err(e) if e.contains("truncated") || e.contains("left") => {
                crate::prefix::Need::More(None)
            }
            Err(_) => crate::prefix::Need::Nothing,
        }
    })
    .map(drop)
    .map_err(|e| prefix_error(e, r.len(), limit))
}

/// The five pickles at the start of a legacy torch file.
pub fn legacy_pickles(r: &dyn RangedReader, limit: u64) -> Result<(), ReadError> {
    let budget = pickle::Budget {
        max_pickles: 5,
        ..trustscan_payload::Options::default().pickle
    };
    crate::prefix::growing_prefix(r, 64 << 10, limit, |prefix| {
        let a = pickle::analyze(prefix, &budget);
        // Stopped inside the prefix for its own reasons (five pickles, or an error before the
        // last bytes): the rest of the file cannot change what was read.
        if a.pickles >= 5
            || a.error
                .as_ref()
                .is_some_and(|e| e.offset + 64 < prefix.len())
        {
            crate::prefix::Need::Nothing
        } else {
            crate::prefix::Need::More(None)
        }
    })
    .map(drop)
    .map_err(|e| prefix_error(e, r.len(), limit))
}

/// HDF5 metadata, fetched block by block as the inspector's own reader asks for it.
pub fn hdf5(r: &dyn RangedReader) -> Result<(), ReadError> {
    h5::inspect_ranged(r.len(), &|start, stop| {
        r.read_at(start, (stop - start) as usize)
    });
    Ok(())
}

fn prefix_error(e: crate::prefix::PrefixError, size: u64, limit: u64) -> ReadError {
    match e {
        crate::prefix::PrefixError::Budget { .. } => budget(size, limit),
        other => ReadError::Io(other.to_string()),
    }
}
