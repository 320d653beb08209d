//! Which bytes of a large remote file the payload inspector will read, decided by the
//! inspector's own sniffer (`trustscan_payload::sniff`, in its order) and parsers, so a remote
//! scan sees what a local scan sees. Everything goes through a [`RangedReader`] that fetches
//! and caches what it is asked.

use std::io;

use trustscan_payload::sniff::{self, Needs};
use trustscan_payload::{gguf, h5, pickle, zip};
use trustscan_source::ReadError;

use crate::range_zip::{self, RangedReader, ZipLimits};

/// A file read through ranges that can also be seen whole (zeros where nothing was fetched).
pub trait Source: RangedReader {
    fn view(&self) -> io::Result<memmap2::Mmap>;
}

/// What the inspector will read of a file, in the sniffer's order: a magic number in the
/// first [`sniff::HEAD`] bytes; else the HDF5 signature further in (for names h5py opens),
/// a zip's end record in the last bytes, a headerless pickle (parsed whole), and the name.
pub fn needs(r: &dyn RangedReader, name: &str) -> io::Result<Needs> {
    let size = r.len();
    let head = r.read_at(0, (sniff::HEAD as u64).min(size) as usize)?;
    if let Some(format) = sniff::by_magic(&head, size) {
        return Ok(format.needs(&head, size));
    }
    for at in sniff::hdf5_probes(name, head.len(), size) {
        if r.read_at(at, sniff::magic::HDF5.len())? == sniff::magic::HDF5 {
            return Ok(Needs::Hdf5Metadata);
        }
    }
    // The zip index reader's own first read, so it finds it cached.
    let tail_at = size.saturating_sub(range_zip::TAIL);
    let tail = r.read_at(tail_at, (size - tail_at) as usize)?;
    if sniff::has_zip_end_record(&tail) {
        return Ok(Needs::ZipIndex);
    }
    if sniff::may_start_headerless_pickle(&head) {
        return Ok(Needs::Whole);
    }
    Ok(sniff::by_name(name).needs(&head, size))
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
        if header[..4] != sniff::magic::ZIP_LOCAL_HEADER.to_le_bytes() {
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
    crate::prefix::growing_prefix(r, sniff::HEAD as u64, limit, |prefix| {
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

/// The first `count` pickles of a stream (torch's legacy format: five).
pub fn leading_pickles(r: &dyn RangedReader, count: usize, limit: u64) -> Result<(), ReadError> {
    let budget = pickle::Budget {
        max_pickles: count,
        ..trustscan_payload::Options::default().pickle
    };
    crate::prefix::growing_prefix(r, 64 << 10, limit, |prefix| {
        let a = pickle::analyze(prefix, &budget);
        // Stopped inside the prefix for its own reasons (five pickles, or an error before the
        // last bytes): the rest of the file cannot change what was read.
        if a.pickles >= count
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
