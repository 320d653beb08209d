//! A lenient zip reader for PyTorch checkpoints: it finds entries the way PyTorch's reader
//! (miniz) does — through the central directory, ignoring CRCs and most flag bits — and reads
//! stored entries' bytes through their local headers. Only what is asked for is read, so a
//! multi-gigabyte checkpoint costs its directory and its pickle. Deflated entries (numpy's
//! compressed `.npz`, Keras archives) are inflated up to a cap; torch writes every entry stored.

use crate::sniff::magic::{
    ZIP_CENTRAL_HEADER, ZIP_END, ZIP_LOCAL_HEADER, ZIP64_END, ZIP64_LOCATOR,
};

/// One entry of the central directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// 0: stored; 8: deflated; others are reported as unsupported.
    pub method: u16,
    pub compressed_size: u64,
    pub size: u64,
    pub local_header_offset: u64,
}

/// The entries of a zip archive, from its central directory.
pub fn entries(data: &[u8]) -> Result<Vec<Entry>, String> {
    let eocd = find_eocd(data).ok_or("no end-of-central-directory record: not a zip archive")?;
    let mut count = u16_at(data, eocd + 10)? as u64;
    let mut cd_size = u32_at(data, eocd + 12)? as u64;
    let mut cd_offset = u32_at(data, eocd + 16)? as u64;
    // Where the directory ends: the end record, or the zip64 end record when there is one.
    let mut directory_end = eocd;
    // Zip64: the real values are in the zip64 end record, found through its locator.
    if (count == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff)
        && eocd >= 20
        && u32_at(data, eocd - 20)? == ZIP64_LOCATOR
    {
        let rec = usize::try_from(u64_at(data, eocd - 12)?)
            .ok()
            .filter(|&r| r < data.len())
            .ok_or("the zip64 locator points past the end of the file")?;
        if u32_at(data, rec)? != ZIP64_END {
            return Err("the zip64 locator points at no zip64 end record".into());
        }
        count = u64_at(data, rec + 32)?;
        cd_size = u64_at(data, rec + 40)?;
        cd_offset = u64_at(data, rec + 48)?;
        directory_end = rec;
    }
    // Data prepended to an archive (a script, junk) shifts every offset. PyTorch's reader
    // does not correct for it, Python's zipfile does: when no directory starts where the
    // record says, take the one that ends at the end record, and shift the entries too.
    let mut shift = 0u64;
    let stated = usize::try_from(cd_offset).ok();
    if stated.and_then(|s| u32_at(data, s).ok()) != Some(ZIP_CENTRAL_HEADER)
        && let Some(actual) = (directory_end as u64).checked_sub(cd_size)
        && actual > cd_offset
        && usize::try_from(actual)
            .ok()
            .and_then(|a| u32_at(data, a).ok())
            == Some(ZIP_CENTRAL_HEADER)
    {
        shift = actual - cd_offset;
        cd_offset = actual;
    }
    let start = usize::try_from(cd_offset).map_err(|_| "central directory offset overflow")?;
    let end = start
        .checked_add(usize::try_from(cd_size).map_err(|_| "central directory size overflow")?)
        .filter(|&e| e <= data.len())
        .ok_or("the central directory runs past the end of the file")?;
    let mut out = Vec::new();
    let mut pos = start;
    while pos + 46 <= end && (out.len() as u64) < count {
        if u32_at(data, pos)? != ZIP_CENTRAL_HEADER {
            return Err(format!(
                "central directory entry {} has a bad signature",
                out.len()
            ));
        }
        let method = u16_at(data, pos + 10)?;
        let mut compressed_size = u32_at(data, pos + 20)? as u64;
        let mut size = u32_at(data, pos + 24)? as u64;
        let name_len = u16_at(data, pos + 28)? as usize;
        let extra_len = u16_at(data, pos + 30)? as usize;
        let comment_len = u16_at(data, pos + 32)? as usize;
        let mut local_header_offset = u32_at(data, pos + 42)? as u64;
        let name_bytes = data
            .get(pos + 46..pos + 46 + name_len)
            .ok_or("an entry name runs past the central directory")?;
        let extra = data
            .get(pos + 46 + name_len..pos + 46 + name_len + extra_len)
            .ok_or("an entry's extra field runs past the central directory")?;
        zip64_extra(
            extra,
            &mut size,
            &mut compressed_size,
            &mut local_header_offset,
        );
        out.push(Entry {
            name: String::from_utf8_lossy(name_bytes).into_owned(),
            method,
            compressed_size,
            size,
            local_header_offset: local_header_offset.saturating_add(shift),
        });
        pos += 46 + name_len + extra_len + comment_len;
    }
    if (out.len() as u64) < count {
        return Err(format!(
            "the central directory lists {count} entries but holds {}",
            out.len()
        ));
    }
    Ok(out)
}

/// A stored entry's bytes (through its local header, whose own name and sizes are not
/// trusted: PyTorch uses the central directory's).
pub fn read<'d>(data: &'d [u8], e: &Entry) -> Result<&'d [u8], String> {
    if e.method != 0 {
        return Err(format!(
            "{} is compressed (method {}), which PyTorch's writer never produces",
            e.name, e.method
        ));
    }
    raw(data, e, e.size)
}

/// An entry's contents, stored or deflated (numpy's `savez_compressed`, Keras archives),
/// inflating at most `cap` bytes.
pub fn contents<'d>(
    data: &'d [u8],
    e: &Entry,
    cap: usize,
) -> Result<std::borrow::Cow<'d, [u8]>, String> {
    match e.method {
        0 => raw(data, e, e.size).map(std::borrow::Cow::Borrowed),
        8 => {
            let packed = raw(data, e, e.compressed_size)?;
            let mut out = Vec::new();
            let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
            std::io::Read::read_to_end(
                &mut std::io::Read::take(flate2::read::DeflateDecoder::new(packed), limit),
                &mut out,
            )
            .map_err(|err| format!("{}: cannot inflate: {err}", e.name))?;
            if out.len() > cap {
                return Err(format!(
                    "{} inflates to more than {} MiB (a zip bomb or too large to inspect)",
                    e.name,
                    cap >> 20
                ));
            }
            Ok(std::borrow::Cow::Owned(out))
        }
        m => Err(format!(
            "{} uses compression method {m}, which is not read",
            e.name
        )),
    }
}

/// `len` bytes after an entry's local header.
fn raw<'d>(data: &'d [u8], e: &Entry, len: u64) -> Result<&'d [u8], String> {
    let at = usize::try_from(e.local_header_offset).map_err(|_| "offset overflow")?;
    if u32_at(data, at)? != ZIP_LOCAL_HEADER {
        return Err(format!(
            "{} has no local header where the directory says",
            e.name
        ));
    }
    let name_len = u16_at(data, at + 26)? as usize;
    let extra_len = u16_at(data, at + 28)? as usize;
    // `at` is a valid offset (its signature was read), so these sums cannot overflow.
    let start = at + 30 + name_len + extra_len;
    let len = usize::try_from(len).map_err(|_| "size overflow")?;
    start
        .checked_add(len)
        .and_then(|end| data.get(start..end))
        .ok_or_else(|| format!("{} runs past the end of the file", e.name))
}

/// The pickle entries of a checkpoint: PyTorch's loader reads `<prefix>/data.pkl` (the
/// prefix is the first entry's top directory) and TorchScript's `constants.pkl`; any other
/// `.pkl` entry is returned too, since another loader may read it.
pub fn pickle_entries(entries: &[Entry]) -> Vec<&Entry> {
    entries
        .iter()
        .filter(|e| e.name.ends_with(".pkl"))
        .collect()
}

fn zip64_extra(extra: &[u8], size: &mut u64, compressed: &mut u64, offset: &mut u64) {
    let mut p = 0;
    while p + 4 <= extra.len() {
        let id = u16::from_le_bytes([extra[p], extra[p + 1]]);
        let len = u16::from_le_bytes([extra[p + 2], extra[p + 3]]) as usize;
        let body = &extra[(p + 4).min(extra.len())..(p + 4 + len).min(extra.len())];
        if id == 0x0001 {
            let mut fields = body.chunks_exact(8).map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                u64::from_le_bytes(a)
            });
            for slot in [size, compressed, offset] {
                if *slot == 0xffff_ffff
                    && let Some(v) = fields.next()
                {
                    *slot = v;
                }
            }
            return;
        }
        p += 4 + len;
    }
}

fn find_eocd(data: &[u8]) -> Option<usize> {
    // The record is 22 bytes plus a comment of up to 65,535 bytes, at the end of the file.
    let lowest = data.len().saturating_sub(crate::sniff::TAIL);
    let last = data.len().checked_sub(22)?;
    let tail = &data[lowest..last + 4];
    // The forward search is vectorised, the backward one is not: most files have none, and
    // the backward one need not look before the first.
    let signature = ZIP_END.to_le_bytes();
    let first = memchr::memmem::find(tail, &signature)?;
    memchr::memmem::rfind(&tail[first..], &signature).map(|i| lowest + first + i)
}

/// `n` bytes at `at`, if the data has them (offsets come from the file: no overflow).
fn bytes_at(d: &[u8], at: usize, n: usize) -> Option<&[u8]> {
    d.get(at..at.checked_add(n)?)
}

fn u16_at(d: &[u8], at: usize) -> Result<u16, String> {
    bytes_at(d, at, 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("the archive ends at byte {at} inside a header"))
}

fn u32_at(d: &[u8], at: usize) -> Result<u32, String> {
    bytes_at(d, at, 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("the archive ends at byte {at} inside a header"))
}

fn u64_at(d: &[u8], at: usize) -> Result<u64, String> {
    bytes_at(d, at, 8)
        .map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        })
        .ok_or_else(|| format!("the archive ends at byte {at} inside a header"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(entries(b"").is_err());
        assert!(entries(b"PK\x05\x06").is_err());
        let mut eocd = vec![0u8; 22];
        eocd[..4].copy_from_slice(b"PK\x05\x06");
        eocd[10] = 5; // five entries, directory at offset 0 of size 0
        assert!(entries(&eocd).unwrap_err().contains("lists 5 entries"));
        eocd[12] = 0xff;
        eocd[13] = 0xff;
        assert!(entries(&eocd).is_err());
        // An entry whose local header offset is near the end of the address space.
        let e = Entry {
            name: "x.pkl".into(),
            method: 0,
            compressed_size: 1,
            size: 1,
            local_header_offset: u64::MAX - 1,
        };
        assert!(read(b"PK\x03\x04", &e).is_err());
    }
}
