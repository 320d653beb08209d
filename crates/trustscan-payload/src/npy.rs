//! NumPy `.npy` files: magic, version, header length, then a Python dict literal
//! `{'descr': ..., 'fortran_order': ..., 'shape': (...), }` parsed here by a small strict
//! literal parser (never evaluated). What matters for safety is the dtype: an array whose
//! dtype holds Python objects is stored as a pickle after the header, and
//! `numpy.load(allow_pickle=True)` unpickles it. Plain arrays are raw bytes.
//!
//! Mirrors `numpy/lib/format.py` (`read_magic`, `_read_array_header`, `read_array`):
//! versions 1.0 (u16 header length), 2.0 and 3.0 (u32; 3.0 is UTF-8, older ones latin-1);
//! the dict must have exactly the three keys; `shape` is a tuple of ints; `fortran_order`
//! a bool; v1/v2 headers may carry Python 2 `L` suffixes on ints.

use crate::Inspection;
use crate::sniff::magic::NPY as MAGIC;
use trustscan_core::Judgement;

/// numpy.load refuses longer headers unless `allow_pickle=True` (numpy >= 1.24,
/// `_MAX_HEADER_SIZE`).
const NUMPY_MAX_HEADER: usize = 10_000;
/// Our own parse budget: the literal is tiny in practice.
const MAX_HEADER: usize = 1 << 20;
const MAX_DEPTH: usize = 32;
const MAX_ITEMS: usize = 100_000;

/// Inspect one `.npy` file (or `.npz` member).
pub fn inspect(data: &[u8]) -> Inspection {
    let mut ins = Inspection::new("npy");
    if let Err(e) = inspect_into(data, &mut ins) {
        // Most serious first: nothing else here outranks it.
        ins.verdict = ins.verdict.max(Judgement::Inconclusive);
        ins.reasons
            .insert(0, format!("not a readable .npy file: {e}"));
    }
    ins
}

fn inspect_into(data: &[u8], ins: &mut Inspection) -> Result<(), String> {
    if data.len() < MAGIC.len() || &data[..MAGIC.len()] != MAGIC {
        return Err("no \\x93NUMPY magic at byte 0".into());
    }
    let (major, minor) = match (data.get(6), data.get(7)) {
        (Some(&a), Some(&b)) => (a, b),
        _ => return Err("truncated before the version at byte 6".into()),
    };
    let (len_size, utf8) = match (major, minor) {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        _ => return Err(format!("unsupported version {major}.{minor} at byte 6")),
    };
    let hlen = match data.get(8..8 + len_size) {
        Some(b) if len_size == 2 => u16::from_le_bytes([b[0], b[1]]) as usize,
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
        None => return Err("truncated in the header length at byte 8".into()),
    };
    let hstart = 8 + len_size;
    if hlen > MAX_HEADER {
        return Err(format!(
            "header length {hlen} at byte 8 exceeds the {MAX_HEADER}-byte budget"
        ));
    }
    let hend = hstart + hlen; // both small: no overflow
    let raw = data.get(hstart..hend).ok_or_else(|| {
        format!(
            "truncated header: {hlen} bytes declared at byte {hstart}, {} present",
            data.len() - hstart.min(data.len())
        )
    })?;
    let text: String = if utf8 {
        std::str::from_utf8(raw)
            .map_err(|e| format!("header is not UTF-8 at byte {}", hstart + e.valid_up_to()))?
            .to_owned()
    } else {
        raw.iter().map(|&b| b as char).collect() // latin-1
    };
    let header = parse_header(&text, major < 3).map_err(|(at, why)| {
        // `at` counts chars; for latin-1 and ASCII that is the byte offset.
        format!("malformed header at byte {}: {why}", hstart + at)
    })?;
    if hlen > NUMPY_MAX_HEADER {
        ins.flag(
            Judgement::Suspicious,
            format!(
                "header of {hlen} bytes: numpy.load refuses headers over {NUMPY_MAX_HEADER} \
                 bytes unless allow_pickle=True"
            ),
        );
    }
    let body = hend..data.len();
    match header.dtype {
        Dtype::Unknown(s) => {
            // We cannot tell what numpy would make of it; if it may name objects, what
            // follows may be unpickled.
            if s.contains(['O', 'o']) {
                ins.pickles.push(("possibly an object array".into(), body));
            }
            return Err(format!("unrecognised dtype {s:?} in the header"));
        }
        Dtype::Object => {
            ins.pickles.push(("object array".into(), body));
            ins.flag(
                Judgement::Suspicious,
                "the dtype holds Python objects: numpy.load needs allow_pickle=True and then \
                 unpickles the data after the header",
            );
        }
        Dtype::Plain(itemsize) => {
            let count = header
                .shape
                .iter()
                .try_fold(1u64, |a, &d| a.checked_mul(d))
                .ok_or("shape product overflows")?;
            let need = count
                .checked_mul(itemsize)
                .ok_or("shape * itemsize overflows")?;
            let have = (data.len() - hend) as u64;
            if have < need {
                return Err(format!(
                    "truncated data: shape needs {need} bytes after the header at byte {hend}, \
                     {have} present"
                ));
            }
            if have > need {
                // numpy reads exactly `count` items (fromfile/readinto with a count) and never
                // looks at what follows, so nothing there is loaded or executed. Noted, not
                // raised.
                ins.flag(
                    Judgement::Safe,
                    format!(
                        "{} trailing bytes after the array data at byte {}; numpy ignores them",
                        have - need,
                        hend as u64 + need
                    ),
                );
            }
        }
    }
    Ok(())
}

#[derive(Debug, PartialEq)]
enum Dtype {
    /// No objects; the item size in bytes.
    Plain(u64),
    /// Holds Python objects somewhere: pickled body.
    Object,
    /// A descr we do not model.
    Unknown(String),
}

struct Header {
    dtype: Dtype,
    shape: Vec<u64>,
}

/// A Python literal, as `ast.literal_eval` would build it (the subset npy headers use).
#[derive(Debug, Clone)]
enum Lit {
    Str(String),
    Bool,
    /// `None` when it does not fit an i128.
    Int(Option<i128>),
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
    Nothing,
}

type PErr = (usize, String);

fn parse_header(text: &str, allow_long_suffix: bool) -> Result<Header, PErr> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        items: 0,
        allow_l: allow_long_suffix,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != chars.len() {
        return Err((p.i, "unexpected text after the dict literal".into()));
    }
    let Lit::Dict(pairs) = v else {
        return Err((0, "the header is not a dict literal".into()));
    };
    // Python dicts keep the last value of a repeated key; so does numpy.
    let mut descr = None;
    let mut fortran = None;
    let mut shape = None;
    for (k, v) in pairs {
        match k {
            Lit::Str(k) if k == "descr" => descr = Some(v),
            Lit::Str(k) if k == "fortran_order" => fortran = Some(v),
            Lit::Str(k) if k == "shape" => shape = Some(v),
            other => return Err((0, format!("unexpected key {other:?}"))),
        }
    }
    let (Some(descr), Some(fortran), Some(shape)) = (descr, fortran, shape) else {
        return Err((
            0,
            "the dict lacks one of 'descr', 'fortran_order', 'shape'".into(),
        ));
    };
    if !matches!(fortran, Lit::Bool) {
        return Err((0, "'fortran_order' is not a bool".into()));
    }
    let Lit::Tuple(dims) = shape else {
        return Err((0, "'shape' is not a tuple".into()));
    };
    let mut shape = Vec::with_capacity(dims.len());
    for d in dims {
        match d {
            // bool passes numpy's isinstance(x, int) check but then fails to load (checked
            // with numpy 2): rejected below like any non-integer.
            Lit::Int(Some(n)) if n >= 0 => {
                shape.push(u64::try_from(n).map_err(|_| (0, "dimension too large".to_string()))?)
            }
            other => return Err((0, format!("bad dimension {other:?} in 'shape'"))),
        }
    }
    let dtype = descr_dtype(&descr, 0).map_err(|e| (0, e))?;
    Ok(Header { dtype, shape })
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    items: usize,
    allow_l: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | '\r' | '\x0c' => self.i += 1,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                _ => break,
            }
        }
    }
    fn err<T>(&self, why: impl Into<String>) -> Result<T, PErr> {
        Err((self.i, why.into()))
    }
    fn value(&mut self, depth: usize) -> Result<Lit, PErr> {
        if depth > MAX_DEPTH {
            return self.err("literal nested too deeply");
        }
        self.items += 1;
        if self.items > MAX_ITEMS {
            return self.err("too many items in the literal");
        }
        self.ws();
        match self.peek() {
            None => self.err("unexpected end of header"),
            Some('{') => self.seq('}', depth, true),
            Some('(') => self.seq(')', depth, false),
            Some('[') => self.seq(']', depth, false),
            Some('\'' | '"') => self.string(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => self.int(),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.i += 1;
                }
                let w: String = self.s[start..self.i].iter().collect();
                match w.as_str() {
                    "True" | "False" => Ok(Lit::Bool),
                    "None" => Ok(Lit::Nothing),
                    _ => Err((start, format!("unexpected name {w:?} (not a literal)"))),
                }
            }
            Some(c) => self.err(format!("unexpected character {c:?}")),
        }
    }
    fn seq(&mut self, close: char, depth: usize, dict: bool) -> Result<Lit, PErr> {
        let open = self.s[self.i];
        self.i += 1;
        let mut items = Vec::new();
        let mut pairs = Vec::new();
        let mut trailing_comma = false;
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.i += 1;
                break;
            }
            if !items.is_empty() || !pairs.is_empty() {
                return self.err(format!("expected ',' or {close:?}"));
            }
            loop {
                let v = self.value(depth + 1)?;
                if dict {
                    self.ws();
                    if self.peek() != Some(':') {
                        return self.err("expected ':' in dict");
                    }
                    self.i += 1;
                    let w = self.value(depth + 1)?;
                    pairs.push((v, w));
                } else {
                    items.push(v);
                }
                self.ws();
                match self.peek() {
                    Some(',') => {
                        self.i += 1;
                        trailing_comma = true;
                        self.ws();
                        if self.peek() == Some(close) {
                            break;
                        }
                        trailing_comma = false;
                    }
                    Some(c) if c == close => break,
                    _ => return self.err(format!("expected ',' or {close:?}")),
                }
            }
        }
        Ok(match open {
            '{' => Lit::Dict(pairs),
            '[' => Lit::List(items),
            // `(x)` is x itself, `(x,)` a tuple.
            _ if items.len() == 1 && !trailing_comma => items.pop().unwrap_or(Lit::Nothing),
            _ => Lit::Tuple(items),
        })
    }
    fn string(&mut self) -> Result<Lit, PErr> {
        let q = self.s[self.i];
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err((start, "unterminated string".into()));
            };
            self.i += 1;
            match c {
                c if c == q => break,
                '\n' => return Err((start, "newline in string".into())),
                '\\' => {
                    let Some(e) = self.peek() else {
                        return Err((start, "unterminated string".into()));
                    };
                    self.i += 1;
                    match e {
                        '\\' | '\'' | '"' => out.push(e),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        '\n' => {}
                        'x' => {
                            let h: String = self
                                .s
                                .get(self.i..self.i + 2)
                                .unwrap_or(&[])
                                .iter()
                                .collect();
                            let v = u32::from_str_radix(&h, 16)
                                .ok()
                                .filter(|_| h.len() == 2)
                                .ok_or((self.i, "bad \\x escape".to_string()))?;
                            self.i += 2;
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        }
                        _ => return self.err(format!("unsupported escape \\{e}")),
                    }
                }
                c => out.push(c),
            }
        }
        Ok(Lit::Str(out))
    }
    fn int(&mut self) -> Result<Lit, PErr> {
        let start = self.i;
        let mut neg = false;
        while let Some(c @ ('-' | '+')) = self.peek() {
            neg ^= c == '-';
            self.i += 1;
            self.ws();
        }
        let mut v: Option<i128> = Some(0);
        let mut digits = 0;
        while let Some(c) = self.peek() {
            if let Some(d) = c.to_digit(10) {
                v = v.and_then(|v| v.checked_mul(10)?.checked_add(d as i128));
                digits += 1;
            } else if c == '_'
                && digits > 0
                && self.s.get(self.i + 1).is_some_and(char::is_ascii_digit)
            {
            } else {
                break;
            }
            self.i += 1;
        }
        if digits == 0 {
            return Err((start, "expected an integer".into()));
        }
        if digits > 1
            && self.s[start..self.i].iter().find(|c| c.is_ascii_digit()) == Some(&'0')
            && v != Some(0)
        {
            return Err((start, "leading zeros in an integer".into()));
        }
        if self.allow_l && matches!(self.peek(), Some('L' | 'l')) {
            self.i += 1;
        }
        if self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
        {
            return self.err("unsupported number syntax");
        }
        Ok(Lit::Int(if neg { v.map(|v| -v) } else { v }))
    }
}

/// numpy's `descr_to_dtype`: a string, or a list of `(name, format[, shape])` fields.
fn descr_dtype(d: &Lit, depth: usize) -> Result<Dtype, String> {
    if depth > MAX_DEPTH {
        return Err("dtype nested too deeply".into());
    }
    match d {
        Lit::Str(s) => Ok(dtype_str(s)),
        Lit::List(fields) => {
            let mut size = 0u64;
            let mut object = false;
            for f in fields {
                let Lit::Tuple(parts) = f else {
                    return Err(format!("structured dtype field {f:?} is not a tuple"));
                };
                let (name, fmt, shape) = match parts.as_slice() {
                    [n, f] => (n, f, None),
                    [n, f, s] => (n, f, Some(s)),
                    _ => return Err("structured dtype field is not (name, format[, shape])".into()),
                };
                match name {
                    Lit::Str(_) => {}
                    Lit::Tuple(t) if t.len() == 2 && t.iter().all(|x| matches!(x, Lit::Str(_))) => {
                    }
                    _ => return Err(format!("bad field name {name:?}")),
                }
                let n = match shape {
                    None => 1u64,
                    Some(Lit::Int(Some(n))) if *n >= 0 => {
                        u64::try_from(*n).map_err(|_| "field shape too large")?
                    }
                    Some(Lit::Tuple(dims)) => dims
                        .iter()
                        .try_fold(1u64, |a, x| match x {
                            Lit::Int(Some(n)) if *n >= 0 => a.checked_mul(u64::try_from(*n).ok()?),
                            _ => None,
                        })
                        .ok_or("bad or overflowing field shape")?,
                    Some(other) => return Err(format!("bad field shape {other:?}")),
                };
                match descr_dtype(fmt, depth + 1)? {
                    Dtype::Plain(s) => {
                        size = s
                            .checked_mul(n)
                            .and_then(|b| size.checked_add(b))
                            .ok_or("structured dtype size overflows")?
                    }
                    Dtype::Object => object = true,
                    Dtype::Unknown(s) => return Ok(Dtype::Unknown(s)),
                }
            }
            Ok(if object {
                Dtype::Object
            } else {
                Dtype::Plain(size)
            })
        }
        // numpy's descr_to_dtype also takes (base, shape): a subarray dtype. (numpy's
        // fromfile path then miscounts and refuses a real file, but its buffered path,
        // used for .npz members, reads count * itemsize: sized like that here.)
        Lit::Tuple(t) if t.len() == 2 => {
            let n = match &t[1] {
                Lit::Int(Some(n)) if *n >= 0 => u64::try_from(*n).ok(),
                Lit::Tuple(dims) => dims.iter().try_fold(1u64, |a, x| match x {
                    Lit::Int(Some(n)) if *n >= 0 => a.checked_mul(u64::try_from(*n).ok()?),
                    _ => None,
                }),
                _ => None,
            }
            .ok_or("bad or overflowing subarray shape")?;
            Ok(match descr_dtype(&t[0], depth + 1)? {
                Dtype::Plain(s) => Dtype::Plain(s.checked_mul(n).ok_or("subarray size overflows")?),
                other => other,
            })
        }
        other => Err(format!(
            "'descr' is not a string, list or (base, shape): {other:?}"
        )),
    }
}

/// A dtype string as numpy writes it (`dtype.str`): byte order, kind, size. Anything else
/// is `Unknown` rather than guessed.
fn dtype_str(s: &str) -> Dtype {
    let unknown = || Dtype::Unknown(s.to_owned());
    let t = s.strip_prefix(['<', '>', '|', '=']).unwrap_or(s);
    let mut chars = t.chars();
    let Some(kind) = chars.next() else {
        return unknown();
    };
    let rest = chars.as_str();
    // Datetimes carry a unit: '<M8[ns]'.
    let (num, unit) = match rest.find('[') {
        Some(i) if rest.ends_with(']') => (&rest[..i], Some(&rest[i + 1..rest.len() - 1])),
        Some(_) => return unknown(),
        None => (rest, None),
    };
    if unit.is_some() && !matches!(kind, 'M' | 'm') {
        return unknown();
    }
    if unit.is_some_and(|u| !u.chars().all(|c| c.is_ascii_alphanumeric())) {
        return unknown();
    }
    let n: Option<u64> = if num.is_empty() {
        None
    } else if num.chars().all(|c| c.is_ascii_digit()) && num.len() <= 12 {
        num.parse().ok()
    } else {
        return unknown();
    };
    // Sizes without a number: numpy's single-character codes on 64-bit Linux.
    let size = match (kind, n) {
        ('O', None | Some(8)) => return Dtype::Object,
        ('?', None) | ('b' | 'B', None) => 1,
        ('b', Some(1)) => 1,
        ('h' | 'H' | 'e', None) => 2,
        ('i' | 'I' | 'f', None) => 4,
        ('l' | 'L' | 'q' | 'Q' | 'd' | 'F' | 'p' | 'P', None) => 8,
        ('g' | 'D', None) => 16,
        ('G', None) => 32,
        ('i' | 'u', Some(k @ (1 | 2 | 4 | 8))) => k,
        ('f', Some(k @ (2 | 4 | 8 | 12 | 16))) => k,
        ('c', Some(k @ (8 | 16 | 24 | 32))) => k,
        ('M' | 'm', Some(8)) => 8,
        ('S' | 'a' | 'V', Some(k)) => k,
        ('U', Some(k)) => match k.checked_mul(4) {
            Some(b) => b,
            None => return unknown(),
        },
        _ => return unknown(),
    };
    Dtype::Plain(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(version: u8, header: &str, body: &[u8]) -> Vec<u8> {
        let mut h = header.as_bytes().to_vec();
        let pre = if version == 1 { 10 } else { 12 };
        while !(pre + h.len() + 1).is_multiple_of(64) {
            h.push(b' ');
        }
        h.push(b'\n');
        let mut v = MAGIC.to_vec();
        v.extend([version, 0]);
        if version == 1 {
            v.extend((h.len() as u16).to_le_bytes());
        } else {
            v.extend((h.len() as u32).to_le_bytes());
        }
        v.extend(h);
        v.extend(body);
        v
    }

    const F4: &str = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    #[test]
    fn plain_array_is_safe() {
        let d = npy(1, F4, &[0; 24]);
        let i = inspect(&d);
        assert_eq!(i.verdict, Judgement::Safe, "{:?}", i.reasons);
        assert!(i.pickles.is_empty());
        for v in [2, 3] {
            assert_eq!(inspect(&npy(v, F4, &[0; 24])).verdict, Judgement::Safe);
        }
    }

    #[test]
    fn scalars_strings_and_structured() {
        let ok = |h: &str, n: usize| {
            let i = inspect(&npy(1, h, &vec![0; n]));
            assert_eq!(i.verdict, Judgement::Safe, "{h}: {:?}", i.reasons);
        };
        ok("{'descr': '<i8', 'fortran_order': False, 'shape': ()}", 8);
        ok("{'descr': '<U5', 'fortran_order': True, 'shape': (2,)}", 40);
        ok(
            "{'descr': '|S3', 'fortran_order': False, 'shape': (0, 4)}",
            0,
        );
        ok(
            "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,)}",
            8,
        );
        ok(
            "{'shape': (3L,), 'fortran_order': False, 'descr': '|b1'}",
            3,
        );
        ok(
            "{'descr': ('<f8', (2, 2)), 'fortran_order': False, 'shape': (3,)}",
            96,
        );
        ok(
            "{'descr': [('x', '<f4'), (('t', 'y'), '<i2', (2,)), ('', '|V2')], 'fortran_order': False, 'shape': (2,), }",
            2 * (4 + 4 + 2),
        );
    }

    #[test]
    fn object_arrays_return_the_pickle() {
        let body = b"\x80\x02]q\x00.";
        let d = npy(
            1,
            "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
            body,
        );
        let i = inspect(&d);
        assert_eq!(i.verdict, Judgement::Suspicious);
        assert_eq!(i.pickles.len(), 1);
        assert_eq!(&d[i.pickles[0].1.clone()], body);
        let d = npy(
            1,
            "{'descr': ('|O', (2,)), 'fortran_order': False, 'shape': (1,)}",
            body,
        );
        assert_eq!(inspect(&d).verdict, Judgement::Suspicious);
        let d = npy(
            1,
            "{'descr': [('a', '<i4'), ('b', [('c', '|O')])], 'fortran_order': False, 'shape': (1,), }",
            body,
        );
        let i = inspect(&d);
        assert_eq!(i.verdict, Judgement::Suspicious);
        assert_eq!(&d[i.pickles[0].1.clone()], body);
    }

    #[test]
    fn unknown_dtype_is_inconclusive_and_keeps_a_possible_pickle() {
        let d = npy(
            1,
            "{'descr': 'f4,O', 'fortran_order': False, 'shape': (1,), }",
            b"x.",
        );
        let i = inspect(&d);
        assert_eq!(i.verdict, Judgement::Inconclusive);
        assert_eq!(i.pickles.len(), 1);
    }

    #[test]
    fn sizes_are_checked() {
        let i = inspect(&npy(1, F4, &[0; 23]));
        assert_eq!(i.verdict, Judgement::Inconclusive);
        assert!(i.reasons[0].contains("truncated data"), "{:?}", i.reasons);
        let i = inspect(&npy(1, F4, &[0; 30]));
        assert_eq!(i.verdict, Judgement::Safe);
        assert!(i.reasons[0].contains("6 trailing bytes"));
        let h = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}";
        assert_eq!(inspect(&npy(1, h, &[])).verdict, Judgement::Inconclusive);
    }

    #[test]
    fn malformed_headers_are_inconclusive_with_an_offset() {
        for h in [
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (True, 2)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': [1]}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
            "{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} extra",
            "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
            "[1, 2]",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
        ] {
            let i = inspect(&npy(1, h, &[0; 64]));
            assert_eq!(i.verdict, Judgement::Inconclusive, "{h}");
            assert!(i.reasons[0].contains("byte"), "{h}: {:?}", i.reasons);
        }
        let mut d = npy(1, F4, &[0; 24]);
        d[6] = 4;
        assert!(inspect(&d).reasons[0].contains("unsupported version 4.0"));
        assert_eq!(inspect(b"PK\x03\x04").verdict, Judgement::Inconclusive);
    }

    #[test]
    fn every_truncation_is_never_safe_and_never_panics() {
        for d in [
            npy(1, F4, &[0; 24]),
            npy(
                3,
                "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                b"\x80\x02N.",
            ),
        ] {
            for n in 0..d.len() {
                let i = inspect(&d[..n]);
                assert_ne!(i.verdict, Judgement::Safe, "prefix of {n} bytes");
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u32 = 1;
        let base = npy(
            1,
            "{'descr': [('a', '<f4', (2,))], 'fortran_order': False, 'shape': (2,), }",
            &[0; 16],
        );
        for _ in 0..3000 {
            let mut d = base.clone();
            for _ in 0..3 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let at = (x >> 8) as usize % d.len();
                d[at] = (x >> 20) as u8;
            }
            let _ = inspect(&d);
        }
    }
}
