//! A zip's directory and one member, read through byte ranges.
//!
//! For a torch checkpoint this is one tail read (end-of-central-directory, zip64 records and usually
//! the whole central directory), maybe one central-directory read, and one read of `*/data.pkl` —
//! the tensor data is never touched. Format only: no hub, no HTTP. Every size and count read from
//! the file is checked against the file length and a budget before it is used, so hostile input
//! gives an error, never a panic or a huge allocation.

use std::io::{self, Read};

/// Random access to a remote or local resource of known length.
pub trait RangedReader {
    fn len(&self) -> u64;
    /// Exactly `len` bytes at `offset` (the caller keeps requests inside `0..len()`).
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RangedReader for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let end = start.checked_add(len).ok_or(io::ErrorKind::UnexpectedEof)?;
        self.get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
    }
}

impl RangedReader for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.as_slice().read_at(offset, len)
    }
}

/// The first read from the end: where the end record can be (`sniff::TAIL`: 22 bytes and
/// the longest comment), and the zip64 locator (20) and record (56) before it.
pub const TAIL: u64 = trustscan_payload::sniff::TAIL as u64 + 20 + 56;

/// Budgets: what a scan is willing to read and hold.
#[derive(Debug, Clone)]
pub struct ZipLimits {
    /// First read from the end: EOCD (22) + longest comment (65535) + zip64 locator (20) and record
    /// (56) fit, and so does the central directory of most checkpoints.
    pub tail: u64,
    pub max_central_directory: u64,
    pub max_entries: u64,
    /// Largest member (compressed, and after inflating) returned by [`read_member`].
    pub max_member: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            tail: TAIL,
            max_central_directory: 64 << 20,
            max_entries: 1_000_000,
            max_member: 256 << 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("not a zip archive: {0}")]
    NotZip(&'static str),
    #[error("corrupt zip: {0}")]
    Corrupt(String),
    #[error("zip exceeds a scan budget: {0}")]
    Budget(String),
    #[error("unsupported zip member {name:?}: {reason}")]
    Unsupported { name: String, reason: String },
    #[error("reading the archive: {0}")]
    Read(#[from] io::Error),
}

/// One central-directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// Raw name bytes; torch writes ASCII, hostile files may not.
    pub name_bytes: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub local_header_offset: u64,
}

impl ZipEntry {
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.name_bytes).into_owned()
    }
}

#[derive(Debug, Clone)]
pub struct ZipIndex {
    pub entries: Vec<ZipEntry>,
    pub central_directory_offset: u64,
    pub central_directory_size: u64,
    pub zip64: bool,
    /// Bytes of data prepended to the archive (offsets in the file are shifted by this much).
    pub prefix_shift: u64,
}

impl ZipIndex {
    /// The pickle members: torch's `<archive>/data.pkl`, TorchScript's `constants.pkl`, and any
    /// other `.pkl` (another loader may read it) — the same choice as `trustscan-payload`'s
    /// `zip::pickle_entries`, so local and remote scans look at the same members.
    pub fn pickle_entries(&self) -> Vec<&ZipEntry> {
        self.entries
            .iter()
            .filter(|e| e.name_bytes.ends_with(b".pkl"))
            .collect()
    }
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

use trustscan_payload::sniff::magic::{
    ZIP_CENTRAL_HEADER as CDH_SIG, ZIP_END as EOCD_SIG, ZIP_LOCAL_HEADER as LFH_SIG,
    ZIP64_END as ZIP64_EOCD_SIG, ZIP64_LOCATOR as ZIP64_LOCATOR_SIG,
};

/// Bytes `[offset, offset+len)`, from `cache` (which starts at `cache_start`) when it holds them.
fn read_cached(
    r: &dyn RangedReader,
    cache: &[u8],
    cache_start: u64,
    offset: u64,
    len: u64,
) -> Result<Vec<u8>, ZipError> {
    let end = offset
        .checked_add(len)
        .ok_or_else(|| ZipError::Corrupt("offset overflow".into()))?;
    if end > r.len() {
        return Err(ZipError::Corrupt(format!(
            "range {offset}..{end} past the end of the {}-byte file",
            r.len()
        )));
    }
    if offset >= cache_start && end <= cache_start + cache.len() as u64 {
        let s = (offset - cache_start) as usize;
        return Ok(cache[s..s + len as usize].to_vec());
    }
    let len = usize::try_from(len).map_err(|_| ZipError::Budget("read too large".into()))?;
    Ok(r.read_at(offset, len)?)
}

/// Reads the end records and the central directory.
pub fn read_index(r: &dyn RangedReader, limits: &ZipLimits) -> Result<ZipIndex, ZipError> {
    let len = r.len();
    if len < 22 {
        return Err(ZipError::NotZip(
            "shorter than an end-of-central-directory record",
        ));
    }
    let tail_len = limits.tail.clamp(22, len);
    let tail_start = len - tail_len;
    let tail = r.read_at(tail_start, tail_len as usize)?;
    if tail.len() as u64 != tail_len {
        return Err(ZipError::Read(io::ErrorKind::UnexpectedEof.into()));
    }
    // Last EOCD signature whose comment fits in the file (what zip readers, torch's included, accept).
    let eocd = (0..=tail.len() - 22)
        .rev()
        .find(|&i| {
            u32_at(&tail, i) == Some(EOCD_SIG)
                && i + 22 + u16_at(&tail, i + 20).unwrap_or(0) as usize <= tail.len()
        })
        .ok_or(ZipError::NotZip("no end-of-central-directory record"))?;
    let eocd_pos = tail_start + eocd as u64;
    let e = &tail[eocd..];
    let mut entries_total = u16_at(e, 10).unwrap_or(0) as u64;
    let mut cd_size = u32_at(e, 12).unwrap_or(0) as u64;
    let mut cd_offset = u32_at(e, 16).unwrap_or(0) as u64;
    let mut zip64 = false;
    let mut cd_end_limit = eocd_pos;
    // A zip64 locator sits right before the EOCD and points at the zip64 record.
    if eocd_pos >= 20 {
        let loc = read_cached(r, &tail, tail_start, eocd_pos - 20, 20)?;
        if u32_at(&loc, 0) == Some(ZIP64_LOCATOR_SIG) {
            // Where the locator says, else right before the locator: Python's zipfile looks only
            // there, which is what still works when data was prepended to the archive.
            let stated = u64_at(&loc, 8).unwrap_or(u64::MAX);
            let adjacent = (eocd_pos - 20).checked_sub(56);
            let mut found = None;
            for rec_off in [Some(stated), adjacent].into_iter().flatten() {
                if rec_off
                    .checked_add(56)
                    .is_none_or(|end| end > eocd_pos - 20)
                {
                    continue;
                }
                let rec = read_cached(r, &tail, tail_start, rec_off, 56)?;
                if u32_at(&rec, 0) == Some(ZIP64_EOCD_SIG) {
                    found = Some((rec_off, rec));
                    break;
                }
            }
            let (rec_off, rec) = found.ok_or_else(|| {
                ZipError::Corrupt("zip64 locator points at no zip64 record".into())
            })?;
            entries_total = u64_at(&rec, 32).unwrap_or(0);
            cd_size = u64_at(&rec, 40).unwrap_or(0);
            cd_offset = u64_at(&rec, 48).unwrap_or(0);
            zip64 = true;
            cd_end_limit = rec_off;
        }
    }
    if cd_size > limits.max_central_directory {
        return Err(ZipError::Budget(format!(
            "central directory of {cd_size} bytes"
        )));
    }
    if entries_total > limits.max_entries {
        return Err(ZipError::Budget(format!("{entries_total} entries")));
    }
    if cd_offset
        .checked_add(cd_size)
        .is_none_or(|end| end > cd_end_limit)
    {
        return Err(ZipError::Corrupt(format!(
            "central directory {cd_offset}+{cd_size} overlaps the end records"
        )));
    }
    // Each record takes at least 46 bytes: a count the directory cannot hold is a lie.
    if entries_total.saturating_mul(46) > cd_size {
        return Err(ZipError::Corrupt(format!(
            "{entries_total} entries cannot fit in {cd_size} bytes"
        )));
    }
    let mut cd = read_cached(r, &tail, tail_start, cd_offset, cd_size)?;
    // Data prepended to the archive (a script, junk) shifts every offset. Python's zipfile
    // corrects for it (torch's reader does not); like trustscan-payload we follow zipfile, so
    // members some loader could read are not missed: take the directory that ends where the end
    // records begin, and shift the local header offsets by the same amount.
    let mut shift = 0u64;
    if entries_total > 0
        && u32_at(&cd, 0) != Some(CDH_SIG)
        && let Some(actual) = cd_end_limit.checked_sub(cd_size)
        && actual > cd_offset
    {
        let moved = read_cached(r, &tail, tail_start, actual, cd_size)?;
        if u32_at(&moved, 0) == Some(CDH_SIG) {
            shift = actual - cd_offset;
            cd_offset = actual;
            cd = moved;
        }
    }
    let mut entries = Vec::with_capacity(entries_total as usize);
    let mut p = 0usize;
    for n in 0..entries_total {
        let bad = |what: &str| ZipError::Corrupt(format!("central directory record {n}: {what}"));
        if u32_at(&cd, p) != Some(CDH_SIG) {
            return Err(bad("bad signature"));
        }
        let field16 = |i| u16_at(&cd, p + i).ok_or_else(|| bad("truncated"));
        let field32 = |i| u32_at(&cd, p + i).ok_or_else(|| bad("truncated"));
        let flags = field16(8)?;
        let method = field16(10)?;
        let crc32 = field32(16)?;
        let mut compressed_size = field32(20)? as u64;
        let mut uncompressed_size = field32(24)? as u64;
        let name_len = field16(28)? as usize;
        let extra_len = field16(30)? as usize;
        let comment_len = field16(32)? as usize;
        let mut local_header_offset = field32(42)? as u64;
        let name_start = p + 46;
        let extra_start = name_start + name_len;
        let next = extra_start + extra_len + comment_len;
        if next > cd.len() {
            return Err(bad("runs past the directory"));
        }
        let name_bytes = cd[name_start..extra_start].to_vec();
        // Zip64 extended information: present values replace the 0xFFFFFFFF placeholders, in order.
        let mut x = extra_start;
        let extra_end = extra_start + extra_len;
        while x + 4 <= extra_end {
            let id = u16_at(&cd, x).unwrap_or(0);
            let size = u16_at(&cd, x + 2).unwrap_or(0) as usize;
            let body = x + 4;
            if body + size > extra_end {
                break;
            }
            if id == 0x0001 {
                let mut q = body;
                let mut take = |slot: &mut u64| {
                    if *slot == 0xFFFF_FFFF && q + 8 <= body + size {
                        *slot = u64_at(&cd, q).unwrap_or(*slot);
                        q += 8;
                    }
                };
                take(&mut uncompressed_size);
                take(&mut compressed_size);
                take(&mut local_header_offset);
            }
            x = body + size;
        }
        let local_header_offset = local_header_offset
            .checked_add(shift)
            .ok_or_else(|| bad("local header offset overflow"))?;
        entries.push(ZipEntry {
            name_bytes,
            flags,
            method,
            crc32,
            compressed_size,
            uncompressed_size,
            local_header_offset,
        });
        p = next;
    }
    Ok(ZipIndex {
        entries,
        central_directory_offset: cd_offset,
        central_directory_size: cd_size,
        zip64,
        prefix_shift: shift,
    })
}

/// The member's bytes, inflated if deflated. CRCs are not checked: torch's reader does not reject
/// bad ones, and a scanner must see what the loader sees.
pub fn read_member(
    r: &dyn RangedReader,
    index: &ZipIndex,
    entry: &ZipEntry,
    limits: &ZipLimits,
) -> Result<Vec<u8>, ZipError> {
    let unsupported = |reason: String| ZipError::Unsupported {
        name: entry.name(),
        reason,
    };
    if entry.flags & 1 != 0 {
        return Err(unsupported("encrypted".into()));
    }
    if entry.method != 0 && entry.method != 8 {
        return Err(unsupported(format!("compression method {}", entry.method)));
    }
    if entry.compressed_size > limits.max_member
        || (entry.method == 0 && entry.uncompressed_size > limits.max_member)
    {
        return Err(ZipError::Budget(format!(
            "member {:?} of {} bytes",
            entry.name(),
            entry.compressed_size
        )));
    }
    let off = entry.local_header_offset;
    // Local headers must lie before the directory; data may not run into it either.
    let data_limit = index.central_directory_offset;
    if off.checked_add(30).is_none_or(|e| e > data_limit) {
        return Err(ZipError::Corrupt(format!(
            "member {:?}: local header offset {off} out of range",
            entry.name()
        )));
    }
    // One request for header, name, a typical extra field and the data.
    let guess =
        (30 + entry.name_bytes.len() as u64 + 512 + entry.compressed_size).min(data_limit - off);
    let first = r.read_at(off, guess as usize)?;
    if u32_at(&first, 0) != Some(LFH_SIG) {
        return Err(ZipError::Corrupt(format!(
            "member {:?}: no local header at {off}",
            entry.name()
        )));
    }
    let n = u16_at(&first, 26).unwrap_or(0) as u64;
    let m = u16_at(&first, 28).unwrap_or(0) as u64;
    let data_off = off + 30 + n + m;
    let data_end = data_off
        .checked_add(entry.compressed_size)
        .filter(|&e| e <= data_limit)
        .ok_or_else(|| {
            ZipError::Corrupt(format!(
                "member {:?}: data runs into the directory",
                entry.name()
            ))
        })?;
    let have_end = off + first.len() as u64;
    let data = if data_end <= have_end {
        first[(data_off - off) as usize..(data_end - off) as usize].to_vec()
    } else if data_off <= have_end {
        let mut d = first[(data_off - off) as usize..].to_vec();
        d.extend(r.read_at(have_end, (data_end - have_end) as usize)?);
        d
    } else {
        r.read_at(data_off, entry.compressed_size as usize)?
    };
    if entry.method == 0 {
        return Ok(data);
    }
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data.as_slice())
        .take(limits.max_member + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            ZipError::Corrupt(format!(
                "member {:?}: bad deflate stream: {e}",
                entry.name()
            ))
        })?;
    if out.len() as u64 > limits.max_member {
        return Err(ZipError::Budget(format!(
            "member {:?} inflates past {} bytes",
            entry.name(),
            limits.max_member
        )));
    }
    Ok(out)
}
