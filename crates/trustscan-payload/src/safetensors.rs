//! safetensors: an 8-byte little-endian header length N, N bytes of JSON, then the tensor
//! bytes. Nothing in the format executes; what matters is that the file is what it claims,
//! validated with the `safetensors` library's own rules (`SafeTensors::read_metadata` and
//! `Metadata::validate`, checked against safetensors 0.8.0): header at most 100 000 000
//! bytes, UTF-8 JSON object, each tensor `{dtype, shape, data_offsets}` (extra fields are
//! ignored, as serde does), `__metadata__` a string-to-string map or null, tensors sorted by
//! offsets must tile the data buffer exactly from 0 to its end, each one's size
//! `product(shape) * bits(dtype) / 8` with no partial byte. Repeated keys: the last wins,
//! as in the library. A file that fails any of this is inconclusive, never safe: it is not
//! what the library would load, so something else may be reading it.

use crate::Inspection;
use serde_json::Value;
use trustscan_core::Judgement;

/// `MAX_HEADER_SIZE` in the library.
pub const MAX_HEADER: u64 = 100_000_000;

/// The library's dtypes (0.8.0) and their sizes in bits.
const DTYPES: &[(&str, u64)] = &[
    ("BOOL", 8),
    ("F4", 4),
    ("F6_E2M3", 6),
    ("F6_E3M2", 6),
    ("U8", 8),
    ("I8", 8),
    ("F8_E5M2", 8),
    ("F8_E4M3", 8),
    ("F8_E8M0", 8),
    ("F8_E4M3FNUZ", 8),
    ("F8_E5M2FNUZ", 8),
    ("I16", 16),
    ("U16", 16),
    ("F16", 16),
    ("BF16", 16),
    ("I32", 32),
    ("U32", 32),
    ("F32", 32),
    ("C64", 64),
    ("F64", 64),
    ("I64", 64),
    ("U64", 64),
];

/// Inspect a safetensors file. `data` may be only a prefix of the file (the header is what
/// matters); `file_len` is the length of the whole file, against which offsets are checked.
pub fn inspect(data: &[u8], file_len: u64) -> Inspection {
    let mut ins = Inspection::new("safetensors");
    if let Err(e) = validate(data, file_len) {
        ins.flag(
            Judgement::Inconclusive,
            format!("not a valid safetensors file: {e}"),
        );
    }
    ins
}

/// The number of tensors of a valid file, or why it is not valid.
pub fn validate(data: &[u8], file_len: u64) -> Result<usize, String> {
    if (data.len() as u64) > file_len {
        return Err(format!(
            "{} bytes given for a file of {file_len} bytes",
            data.len()
        ));
    }
    let n = match data.get(..8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or([0xff; 8])),
        None => {
            return Err(format!(
                "{file_len} bytes is too small for the 8-byte header length"
            ));
        }
    };
    if n > MAX_HEADER {
        return Err(format!(
            "header length {n} at byte 0 exceeds the library's limit of {MAX_HEADER}"
        ));
    }
    let stop = 8 + n; // n <= MAX_HEADER: no overflow
    if stop > file_len {
        return Err(format!(
            "header length {n} at byte 0 runs past the end of the {file_len}-byte file"
        ));
    }
    let raw = data.get(8..stop as usize).ok_or_else(|| {
        format!(
            "only {} bytes were read; the header ends at byte {stop}",
            data.len()
        )
    })?;
    let text = std::str::from_utf8(raw)
        .map_err(|e| format!("the header is not UTF-8 at byte {}", 8 + e.valid_up_to()))?;
    // The library hands the text to serde_json, which skips leading whitespace (checked:
    // 0.8.0 loads a header of " {}"), so the first other character must open an object.
    if !text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
    {
        return Err("the header does not start with '{'".into());
    }
    let root: Value =
        serde_json::from_str(text).map_err(|e| format!("the header is not valid JSON: {e}"))?;
    let Value::Object(map) = root else {
        return Err("the header is not a JSON object".into());
    };
    let mut tensors: Vec<(&str, u64, u64, u64)> = Vec::with_capacity(map.len());
    for (name, v) in &map {
        if name == "__metadata__" {
            match v {
                Value::Null => {}
                Value::Object(m) => {
                    if let Some((k, _)) = m.iter().find(|(_, v)| !v.is_string()) {
                        return Err(format!("__metadata__ value of {k:?} is not a string"));
                    }
                }
                _ => return Err("__metadata__ is not a map of strings".into()),
            }
            continue;
        }
        let t = v
            .as_object()
            .ok_or_else(|| format!("tensor {name:?} is not an object"))?;
        let dtype = t
            .get("dtype")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("tensor {name:?} has no string dtype"))?;
        let bits = DTYPES
            .iter()
            .find(|(d, _)| *d == dtype)
            .map(|(_, b)| *b)
            .ok_or_else(|| format!("tensor {name:?} has unknown dtype {dtype:?}"))?;
        let shape = t
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("tensor {name:?} has no shape array"))?;
        let mut count: Option<u64> = Some(1);
        for d in shape {
            let d = d.as_u64().ok_or_else(|| {
                format!("tensor {name:?} has a shape entry that is not a non-negative integer")
            })?;
            count = count.and_then(|c| c.checked_mul(d));
        }
        let offs = t
            .get("data_offsets")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 2)
            .ok_or_else(|| format!("tensor {name:?} has no [begin, end] data_offsets"))?;
        let (Some(b), Some(e)) = (offs[0].as_u64(), offs[1].as_u64()) else {
            return Err(format!(
                "tensor {name:?} has data_offsets that are not non-negative integers"
            ));
        };
        let size = count
            .and_then(|c| c.checked_mul(bits))
            .ok_or_else(|| format!("tensor {name:?}: shape times dtype size overflows"))?;
        if size % 8 != 0 {
            return Err(format!("tensor {name:?} does not end on a byte boundary"));
        }
        tensors.push((name, b, e, size / 8));
    }
    // The library sorts by (begin, end) and then requires an exact tiling from 0.
    tensors.sort_by_key(|&(_, b, e, _)| (b, e));
    let mut at = 0u64;
    for &(name, b, e, size) in &tensors {
        if b != at || e < b {
            return Err(format!(
                "tensor {name:?} has data_offsets [{b}, {e}], expected to begin at {at}"
            ));
        }
        if e - b != size {
            return Err(format!(
                "tensor {name:?} spans {} bytes but its dtype and shape need {size}",
                e - b
            ));
        }
        at = e;
    }
    let end = at.checked_add(stop);
    if end != Some(file_len) {
        return Err(format!(
            "the tensors cover {at} data bytes but the file has {} after the header",
            file_len - stop
        ));
    }
    Ok(tensors.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, body_len: usize) -> Vec<u8> {
        let mut v = (header.len() as u64).to_le_bytes().to_vec();
        v.extend(header.as_bytes());
        v.extend(std::iter::repeat_n(0u8, body_len));
        v
    }

    fn check(d: &[u8]) -> Inspection {
        inspect(d, d.len() as u64)
    }

    const GOOD: &str = r#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2,2],"data_offsets":[24,32]},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}  "#;

    #[test]
    fn valid_files_are_safe() {
        assert_eq!(check(&file(GOOD, 32)).verdict, Judgement::Safe);
        assert_eq!(check(&file("{}", 0)).verdict, Judgement::Safe);
        assert_eq!(
            check(&file(r#"{"__metadata__":null}"#, 0)).verdict,
            Judgement::Safe
        );
        // Zero-sized tensors and subbyte types that end on a byte.
        let h = r#"{"e":{"dtype":"F64","shape":[0,5],"data_offsets":[0,0]},"f":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}"#;
        assert_eq!(check(&file(h, 2)).verdict, Judgement::Safe);
        // Only a prefix read: the header decides.
        let d = file(GOOD, 32);
        let hdr_end = 8 + GOOD.len();
        assert_eq!(
            inspect(&d[..hdr_end], d.len() as u64).verdict,
            Judgement::Safe
        );
    }

    #[test]
    fn library_rules_are_enforced() {
        let bad = [
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                9,
                "cover",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                7,
                "cover",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                12,
                "begin at 0",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                8,
                "need 12",
            ),
            (
                r#"{"a":{"dtype":"F8_E4M3FN","shape":[1],"data_offsets":[0,1]}}"#,
                1,
                "unknown dtype",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#,
                0,
                "shape entry",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#,
                4,
                "shape entry",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#,
                4,
                "data_offsets",
            ),
            (r#"{"a":{"dtype":"F32","shape":[1]}}"#, 4, "data_offsets"),
            (
                r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#,
                6,
                "begin at 4",
            ),
            (
                r#"{"a":{"dtype":"F6_E2M3","shape":[3],"data_offsets":[0,2]}}"#,
                2,
                "byte boundary",
            ),
            (
                r#"{"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}}"#,
                0,
                "overflows",
            ),
            (r#"{"__metadata__":{"k":1}}"#, 0, "not a string"),
            (r#"[]"#, 0, "start with"),
            (r#"{"a":"#, 0, "JSON"),
        ];
        for (h, body, why) in bad {
            let i = check(&file(h, body));
            assert_eq!(i.verdict, Judgement::Inconclusive, "{h}");
            assert!(i.reasons[0].contains(why), "{h}: {:?}", i.reasons);
        }
        let mut d = file("{}", 0);
        d[..8].copy_from_slice(&(MAX_HEADER + 1).to_le_bytes());
        assert!(check(&d).reasons[0].contains("limit"));
        d[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(check(&d).verdict, Judgement::Inconclusive);
        // A prefix that stops inside the header cannot be judged.
        let d = file(GOOD, 32);
        assert_eq!(
            inspect(&d[..20], d.len() as u64).verdict,
            Judgement::Inconclusive
        );
    }

    #[test]
    fn every_truncation_is_never_safe() {
        let d = file(GOOD, 32);
        for n in 0..d.len() {
            assert_ne!(check(&d[..n]).verdict, Judgement::Safe, "prefix {n}");
        }
    }
}
