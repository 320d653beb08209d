//! Headers at the start of a file, through byte ranges: a safetensors header (its length is in
//! the first 8 bytes) and, for formats whose header length is only known by parsing (GGUF), a
//! prefix that doubles until the caller's parser is satisfied or a budget is hit. Parsing stays
//! with the caller (`trustscan-payload`); this module only decides which bytes to fetch.

use crate::range_zip::RangedReader;
use std::io;

#[derive(Debug, thiserror::Error)]
pub enum PrefixError {
    #[error("file of {len} bytes is too short for a {what} header")]
    TooShort { what: &'static str, len: u64 },
    #[error("{what} header of {size} bytes exceeds the {limit}-byte budget")]
    Budget {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    #[error("{what} header runs past the end of the {len}-byte file")]
    PastEnd { what: &'static str, len: u64 },
    #[error("reading the file: {0}")]
    Read(#[from] io::Error),
}

/// The first `8 + N` bytes of a safetensors file: what `trustscan_payload::safetensors::inspect`
/// needs (with the file length). Two small requests; the tensors are never touched.
pub fn safetensors_header(r: &dyn RangedReader, limit: u64) -> Result<Vec<u8>, PrefixError> {
    let what = "safetensors";
    let len = r.len();
    if len < 8 {
        return Err(PrefixError::TooShort { what, len });
    }
    let head = r.read_at(0, 8)?;
    let n = u64::from_le_bytes(
        head[..8]
            .try_into()
            .map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?,
    );
    // A larger header is refused by the loader.
    let limit = limit.min(trustscan_payload::safetensors::MAX_HEADER);
    if n > limit {
        return Err(PrefixError::Budget {
            what,
            size: n,
            limit,
        });
    }
    if 8 + n > len {
        return Err(PrefixError::PastEnd { what, len });
    }
    let mut out = head;
    out.extend(r.read_at(8, n as usize)?);
    Ok(out)
}

/// What a parser needs beyond the prefix it was given.
pub enum Need {
    /// Nothing: the header is complete within the prefix.
    Nothing,
    /// More bytes: at least this many in total, when the parser can tell.
    More(Option<u64>),
}

/// Reads a prefix starting at `initial` bytes and growing (doubling, or to what the parser asks)
/// until `judge` needs nothing more, the whole file is read, or `limit` is reached. Returns the prefix;
/// the caller's parser then decides whether a partial header is inconclusive.
pub fn growing_prefix(
    r: &dyn RangedReader,
    initial: u64,
    limit: u64,
    mut judge: impl FnMut(&[u8]) -> Need,
) -> Result<Vec<u8>, PrefixError> {
    let len = r.len();
    let cap = limit.min(len);
    let mut want = initial.max(1).min(cap);
    let mut buf = r.read_at(0, want as usize)?;
    loop {
        match judge(&buf) {
            Need::Nothing => return Ok(buf),
            Need::More(hint) => {
                if want >= cap {
                    if cap < len {
                        return Err(PrefixError::Budget {
                            what: "file",
                            size: hint.unwrap_or(want + 1),
                            limit,
                        });
                    }
                    return Ok(buf);
                }
                let next = hint.unwrap_or(0).max(want.saturating_mul(2)).min(cap);
                // Fetch only the new bytes.
                buf.extend(r.read_at(want, (next - want) as usize)?);
                want = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(header: &[u8], data: usize) -> Vec<u8> {
        let mut v = (header.len() as u64).to_le_bytes().to_vec();
        v.extend(header);
        v.extend(vec![0u8; data]);
        v
    }

    #[test]
    fn safetensors_header_bytes_and_refusals() {
        let f = st(
            br#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#,
            4,
        );
        let h = safetensors_header(&f, 1 << 20).unwrap();
        assert_eq!(h.len(), f.len() - 4);
        assert!(matches!(
            safetensors_header(&vec![1u8; 5], 100),
            Err(PrefixError::TooShort { .. })
        ));
        let mut lying = f.clone();
        lying[..8].copy_from_slice(&1000u64.to_le_bytes());
        assert!(matches!(
            safetensors_header(&lying, 1 << 20),
            Err(PrefixError::PastEnd { .. })
        ));
        lying[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            safetensors_header(&lying, u64::MAX),
            Err(PrefixError::Budget { .. })
        ));
    }

    #[test]
    fn growing_prefix_doubles_and_stops() {
        let f = vec![7u8; 10_000];
        let mut seen = Vec::new();
        let p = growing_prefix(&f, 100, 1 << 20, |b| {
            seen.push(b.len());
            if b.len() >= 1000 {
                Need::Nothing
            } else {
                Need::More(None)
            }
        })
        .unwrap();
        assert_eq!(p.len(), 1600);
        assert_eq!(seen, vec![100, 200, 400, 800, 1600]);
        // A hint jumps straight there.
        let p = growing_prefix(&f, 100, 1 << 20, |b| {
            if b.len() >= 5000 {
                Need::Nothing
            } else {
                Need::More(Some(5000))
            }
        })
        .unwrap();
        assert_eq!(p.len(), 5000);
        // Never satisfied: the whole (small) file, or a budget error for a big one.
        assert_eq!(
            growing_prefix(&f, 100, 1 << 20, |_| Need::More(None))
                .unwrap()
                .len(),
            10_000
        );
        assert!(matches!(
            growing_prefix(&f, 100, 3000, |_| Need::More(None)),
            Err(PrefixError::Budget { .. })
        ));
    }
}
