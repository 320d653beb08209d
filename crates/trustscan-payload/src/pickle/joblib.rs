//! joblib's array layout inside a pickle stream. `joblib.dump` pickles each NumPy array as a
//! `joblib.numpy_pickle.NumpyArrayWrapper` and writes the array right after the wrapper's
//! `BUILD`, outside the pickle format: raw bytes (after a padding-length byte and padding when
//! the wrapper has `numpy_array_alignment_bytes`), or, for arrays of Python objects, a
//! separate pickle whose globals are resolved like the outer ones. `joblib.load` reads them
//! when it sees the wrapper built; the model does the same so the stream stays in step.

use super::{Machine, Value};

/// Skip (or, for object arrays, read) the array that follows a wrapper built with `state`.
pub(super) fn skip_array(m: &mut Machine, state: &Value) -> Result<(), String> {
    let Value::Dict(Some(entries)) = state else {
        return Err("a joblib array wrapper whose state the stream does not spell out".into());
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if &**s == key))
            .map(|(_, v)| v)
    };
    let Some(Value::Dtype {
        code,
        elsize,
        objects,
    }) = get("dtype")
    else {
        return Err("a joblib array wrapper without a readable dtype".into());
    };
    // joblib commits the pickle frame before writing the array.
    m.frame_end = None;
    if *objects
        || code
            .trim_start_matches(['<', '>', '|', '='])
            .starts_with('O')
    {
        // A nested pickle with its own stack and memo.
        let stack = std::mem::take(&mut m.stack);
        let memo = std::mem::take(&mut m.memo);
        let r = m.run();
        m.stack = stack;
        m.memo = memo;
        m.frame_end = None;
        return r.map_err(|e| format!("in a joblib object array's pickle: {e}"));
    }
    let itemsize = elsize
        .or_else(|| itemsize(code))
        .ok_or_else(|| format!("a joblib array of dtype {code:?}, whose item size is unknown"))?;
    let count = match get("shape") {
        Some(Value::Tuple(dims)) => dims.iter().try_fold(1u64, |acc, d| match d {
            Value::Int(n) => u64::try_from(*n).ok().and_then(|n| acc.checked_mul(n)),
            _ => None,
        }),
        _ => None,
    }
    .ok_or("a joblib array whose shape the stream does not spell out")?;
    let bytes = count
        .checked_mul(itemsize)
        .and_then(|b| usize::try_from(b).ok())
        .ok_or("a joblib array larger than the address space")?;
    if let Some(Value::Int(_)) = get("numpy_array_alignment_bytes") {
        let padding = m.uint(1)? as usize;
        m.take(padding)?;
    }
    m.take(bytes)
        .map(|_| ())
        .map_err(|e| format!("a joblib array of {bytes} bytes: {e}"))
}

/// Item size of a NumPy type code as `numpy.dtype.__reduce__` spells it (`f8`, `<U10`, `b1`,
/// `S3`, `V12`, `M8`): the digits are bytes, except for `U` (characters of four bytes).
fn itemsize(code: &str) -> Option<u64> {
    let code = code.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = code.chars();
    let kind = chars.next()?;
    if kind == '?' {
        return Some(1);
    }
    let n: u64 = chars.as_str().parse().ok()?;
    match kind {
        'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'a' | 'V' | 'M' | 'm' => Some(n),
        'U' => n.checked_mul(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::itemsize;

    #[test]
    fn item_sizes_of_type_codes() {
        assert_eq!(itemsize("f8"), Some(8));
        assert_eq!(itemsize("<U10"), Some(40));
        assert_eq!(itemsize("|S3"), Some(3));
        assert_eq!(itemsize("b1"), Some(1));
        assert_eq!(itemsize("M8"), Some(8));
        assert_eq!(itemsize("O8"), None);
        assert_eq!(itemsize("U99999999999999999999"), None);
        assert_eq!(itemsize(""), None);
    }
}
