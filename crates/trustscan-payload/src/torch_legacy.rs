//! The `storages` and `tensors` members of torch's legacy tar checkpoints: pickles
//! interleaved with raw records that `torch.load` reads itself. Each pickle is analysed; each
//! raw record is stepped over as torch reads it, so a payload in any later pickle is found and
//! a benign checkpoint is not reported as a broken stream.
//!
//! - `storages`: a count; per storage a pickle `(key, location, storage_type)`, then an
//!   8-byte element count and that many elements of the storage type's size; then a pickle of
//!   storage views.
//! - `tensors`: a count; per tensor a pickle `(key, storage_id, tensor_type)`, then a 4-byte
//!   `ndim`, 4 bytes of padding, `ndim` sizes and `ndim` strides of 8 bytes, and an 8-byte
//!   storage offset.

use crate::pickle::{self, Analysis, Budget, StreamError};

/// Analyse a `storages` or `tensors` member.
pub fn records(data: &[u8], member: &str, budget: &Budget) -> Analysis {
    let one = Budget {
        max_pickles: 1,
        ..budget.clone()
    };
    let mut out = Analysis::default();
    let mut pos = 0usize;
    let result = (|| -> Result<(), String> {
        let count = next_pickle(data, &mut pos, &one, &mut out)?;
        let count: usize = count
            .parse()
            .map_err(|_| format!("the record count is {count:?}, not a number"))?;
        for _ in 0..count {
            if pos >= data.len() {
                return Err(format!("{count} records announced, fewer present"));
            }
            let before = out.imports.len();
            next_pickle(data, &mut pos, &one, &mut out)?;
            let skip = if member == "storages" {
                let element = out.imports[before..]
                    .iter()
                    .rev()
                    .find_map(|i| element_size(&i.name))
                    .ok_or("a storage record names no known storage type")?;
                let numel = u64::from_le_bytes(read::<8>(data, pos)?);
                numel
                    .checked_mul(element)
                    .and_then(|n| n.checked_add(8))
                    .ok_or("a storage size overflows")?
            } else {
                let ndim = i32::from_le_bytes(read::<4>(data, pos)?);
                let ndim = u64::try_from(ndim).map_err(|_| "a negative tensor rank")?;
                8 + 16 * ndim + 8
            };
            pos = usize::try_from(skip)
                .ok()
                .and_then(|s| pos.checked_add(s))
                .filter(|&p| p <= data.len())
                .ok_or("a raw record runs past the end of the member")?;
        }
        if member == "storages" {
            next_pickle(data, &mut pos, &one, &mut out)?; // storage views
        }
        Ok(())
    })();
    if let Err(reason) = result
        && out.error.is_none()
    {
        out.error = Some(StreamError {
            offset: pos,
            reason,
            frame_violation: false,
        });
    }
    out.end = pos;
    out
}

/// Analyse the pickle at `pos`, merge what it found (offsets made relative to the member),
/// advance past it, and return what it evaluates to.
fn next_pickle(
    data: &[u8],
    pos: &mut usize,
    budget: &Budget,
    out: &mut Analysis,
) -> Result<String, String> {
    let rest = data.get(*pos..).unwrap_or_default();
    let mut a = pickle::analyze(rest, budget);
    let base = *pos;
    out.imports.extend(a.imports.drain(..).map(|mut i| {
        i.offset += base;
        i
    }));
    out.calls.extend(a.calls.drain(..).map(|mut c| {
        c.offset += base;
        c
    }));
    out.embedded
        .extend(a.embedded.drain(..).map(|r| r.start + base..r.end + base));
    out.decoded
        .extend(a.decoded.drain(..).map(|(o, b)| (o + base, b)));
    out.pickles += a.pickles;
    out.protocol = out.protocol.max(a.protocol);
    if let Some(mut e) = a.error {
        e.offset += base;
        out.error = Some(e);
        return Err("the pickle breaks".into());
    }
    *pos += a.end;
    a.results
        .pop()
        .ok_or_else(|| "a pickle was expected here".to_string())
}

fn read<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N], String> {
    data.get(at..at.saturating_add(N))
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("the member ends inside a raw record at byte {at}"))
}

/// Bytes per element of a legacy storage class (`FloatStorage`, ...).
fn element_size(name: &str) -> Option<u64> {
    Some(match name {
        "DoubleStorage" | "LongStorage" | "ComplexFloatStorage" => 8,
        "FloatStorage" | "IntStorage" | "QInt32Storage" => 4,
        "HalfStorage" | "BFloat16Storage" | "ShortStorage" => 2,
        "CharStorage" | "ByteStorage" | "BoolStorage" | "QInt8Storage" | "QUInt8Storage"
        | "QUInt4x2Storage" | "QUInt2x4Storage" => 1,
        "ComplexDoubleStorage" => 16,
        _ => return None,
    })
}
