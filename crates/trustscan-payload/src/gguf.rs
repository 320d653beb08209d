//! GGUF (llama.cpp) headers: magic `GGUF`, u32 version (1, 2 or 3), tensor count and
//! metadata count (u32 in v1, u64 from v2), the metadata key/value pairs, then the tensor
//! infos. Weights are plain numbers; what executes is the Jinja chat template stored under
//! `tokenizer.chat_template` (and `tokenizer.chat_template.<name>`), which servers render —
//! unsandboxed in llama-cpp-python before CVE-2024-34359. Every template found is judged by
//! [`crate::template::judge`].
//!
//! Budgets: every count and length is checked against the bytes that remain before anything
//! is sized by it, arrays nest at most [`MAX_DEPTH`] deep, and at most [`MAX_ITEMS`] values
//! are visited. Fixed-size arrays are skipped in one step.

use crate::Inspection;
use crate::sniff::magic::GGUF as MAGIC;
use trustscan_core::Judgement;

pub const MAX_DEPTH: usize = 8;
pub const MAX_ITEMS: u64 = 50_000_000;
/// llama.cpp's `GGML_MAX_DIMS`.
const MAX_DIMS: u32 = 4;

const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;

/// Inspect a GGUF file (or its first bytes: a prefix that ends before the tensor infos is
/// inconclusive).
pub fn inspect(data: &[u8]) -> Inspection {
    let mut ins = Inspection::new("gguf");
    let (parsed, err, _) = parse(data);
    let mut found = Vec::new();
    for key in &parsed.duplicates {
        flag(
            &mut found,
            Judgement::Suspicious,
            format!(
                "metadata key {key:?} appears more than once (llama.cpp refuses such files; other readers keep one of them)"
            ),
        );
    }
    for (key, text) in &parsed.templates {
        let (v, reasons) = crate::template::judge(text);
        for r in reasons {
            flag(&mut found, v, format!("chat template {key}: {r}"));
        }
    }
    for (key, ty) in &parsed.odd_templates {
        flag(
            &mut found,
            Judgement::Suspicious,
            format!("{key} has value type {ty}, not a string"),
        );
    }
    if let Some(e) = err {
        flag(
            &mut found,
            Judgement::Inconclusive,
            format!("not a readable GGUF file: {e}"),
        );
    }
    ins.flag_all(found);
    ins
}

/// The chat templates of a GGUF file as (key, template), or why the header cannot be read.
pub fn chat_templates(data: &[u8]) -> Result<Vec<(String, String)>, String> {
    match parse(data) {
        (p, None, _) => Ok(p.templates),
        (_, Some(e), _) => Err(e),
    }
}

/// Where the header (metadata and tensor infos) ends: the bytes a reader must have to judge
/// the file. Tensor data follows (after alignment) and is never read: it is inert numbers,
/// so a file cut inside its data is not detected here.
pub fn header_len(data: &[u8]) -> Result<usize, String> {
    match parse(data) {
        (_, None, end) => Ok(end),
        (_, Some(e), _) => Err(e),
    }
}

#[derive(Default, Debug)]
struct Parsed {
    templates: Vec<(String, String)>,
    /// Template keys whose value is not a string.
    odd_templates: Vec<(String, u32)>,
    duplicates: Vec<String>,
}

fn is_template_key(k: &str) -> bool {
    k == "tokenizer.chat_template"
        || k.strip_prefix("tokenizer.chat_template.")
            .is_some_and(|n| !n.is_empty())
}

struct Reader<'a> {
    d: &'a [u8],
    at: usize,
    wide: bool,
    items: u64,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.d.len() - self.at
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(format!(
                "truncated in {what} at byte {}: {n} bytes needed, {} left",
                self.at,
                self.remaining()
            ));
        }
        let s = &self.d[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self, what: &str) -> Result<u64, String> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    /// A count or length: u32 in v1, u64 after.
    fn len(&mut self, what: &str) -> Result<u64, String> {
        if self.wide {
            self.u64(what)
        } else {
            self.u32(what).map(u64::from)
        }
    }
    fn string(&mut self, what: &str) -> Result<&'a [u8], String> {
        let at = self.at;
        let n = self.len(what)?;
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or_else(|| {
                format!(
                    "{what} at byte {at} declares {n} bytes, only {} left",
                    self.remaining()
                )
            })?;
        self.take(n, what)
    }
    fn count_item(&mut self, n: u64) -> Result<(), String> {
        self.items = self.items.saturating_add(n);
        if self.items > MAX_ITEMS {
            return Err(format!(
                "more than {MAX_ITEMS} metadata values (budget) at byte {}",
                self.at
            ));
        }
        Ok(())
    }
    /// Skip one value of type `ty`.
    fn skip_value(&mut self, ty: u32, depth: usize, what: &str) -> Result<(), String> {
        self.count_item(1)?;
        if let Some(size) = fixed_size(ty) {
            self.take(size, what)?;
            return Ok(());
        }
        match ty {
            TYPE_STRING => self.string(what).map(|_| ()),
            TYPE_ARRAY => {
                if depth >= MAX_DEPTH {
                    return Err(format!(
                        "arrays nested deeper than {MAX_DEPTH} at byte {}",
                        self.at
                    ));
                }
                let at = self.at;
                let ety = self.u32(what)?;
                let n = self.len(what)?;
                // The smallest encoding of one element bounds the count by what is left.
                let min = match fixed_size(ety) {
                    Some(s) => s as u64,
                    None if ety == TYPE_STRING || ety == TYPE_ARRAY => {
                        if self.wide {
                            8
                        } else {
                            4
                        }
                    }
                    None => return Err(format!("unknown array element type {ety} at byte {at}")),
                };
                let bytes = n.checked_mul(min).filter(|&b| b <= self.remaining() as u64);
                let Some(bytes) = bytes else {
                    return Err(format!(
                        "array at byte {at} declares {n} elements, more than the {} bytes left can hold",
                        self.remaining()
                    ));
                };
                if fixed_size(ety).is_some() {
                    self.count_item(n)?;
                    self.take(bytes as usize, what)?;
                } else {
                    for _ in 0..n {
                        self.skip_value(ety, depth + 1, what)?;
                    }
                }
                Ok(())
            }
            _ => Err(format!("unknown value type {ty} at byte {}", self.at)),
        }
    }
}

fn fixed_size(ty: u32) -> Option<usize> {
    Some(match ty {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        10..=12 => 8,
        _ => return None,
    })
}

fn parse(data: &[u8]) -> (Parsed, Option<String>, usize) {
    let mut p = Parsed::default();
    match parse_into(data, &mut p) {
        Ok(end) => (p, None, end),
        Err(e) => (p, Some(e), 0),
    }
}

/// Reads the header into `p`; returns the offset where the tensor infos end.
fn parse_into(data: &[u8], p: &mut Parsed) -> Result<usize, String> {
    if data.len() < 4 || &data[..4] != MAGIC {
        return Err("no GGUF magic at byte 0".into());
    }
    let mut r = Reader {
        d: data,
        at: 4,
        wide: true,
        items: 0,
    };
    let version = r.u32("the version")?;
    match version {
        1 => r.wide = false,
        2 | 3 => {}
        v if v.swap_bytes() <= 3 => {
            return Err(format!(
                "version {} stored big-endian at byte 4: big-endian GGUF is not read",
                v.swap_bytes()
            ));
        }
        v => return Err(format!("unsupported version {v} at byte 4")),
    }
    let tensors = r.len("the tensor count")?;
    let kvs = r.len("the metadata count")?;
    // A pair takes at least a key length, a type and one byte.
    let min_pair = if r.wide { 13 } else { 9 };
    if kvs > (r.remaining() / min_pair) as u64 {
        return Err(format!(
            "metadata count {kvs} cannot fit in the {} bytes left",
            r.remaining()
        ));
    }
    let mut seen: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
    for _ in 0..kvs {
        let key = r.string("a metadata key")?;
        // Keys are attacker-sized: messages carry at most 200 characters of them.
        let key_s: String = String::from_utf8_lossy(key).chars().take(200).collect();
        if !seen.insert(key) {
            p.duplicates.push(key_s.clone());
        }
        let ty = r.u32("a value type")?;
        if is_template_key(&key_s) {
            if ty == TYPE_STRING {
                let t = r.string(&key_s)?;
                r.count_item(1)?;
                p.templates
                    .push((key_s, String::from_utf8_lossy(t).into_owned()));
                continue;
            }
            p.odd_templates.push((key_s.clone(), ty));
        }
        r.skip_value(ty, 0, &key_s)?;
    }
    // Tensor infos: name, n_dims, dims, type, offset.
    let min_info = if r.wide { 8 + 4 + 4 + 8 } else { 4 + 4 + 4 + 8 };
    if tensors > (r.remaining() / min_info) as u64 {
        return Err(format!(
            "tensor count {tensors} cannot fit in the {} bytes left",
            r.remaining()
        ));
    }
    for _ in 0..tensors {
        r.string("a tensor name")?;
        let at = r.at;
        let dims = r.u32("a tensor's dimension count")?;
        if dims > MAX_DIMS {
            return Err(format!(
                "tensor with {dims} dimensions at byte {at} (llama.cpp allows {MAX_DIMS})"
            ));
        }
        for _ in 0..dims {
            r.len("a tensor dimension")?;
        }
        r.u32("a tensor type")?;
        r.u64("a tensor offset")?;
    }
    Ok(r.at)
}

/// Record a finding; `Inspection::flag_all` puts them in the inspection most serious first.
fn flag(found: &mut Vec<(Judgement, String)>, v: Judgement, r: impl Into<String>) {
    found.push((v, r.into()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small GGUF file builder (little-endian).
    pub(crate) struct W {
        pub v: Vec<u8>,
        wide: bool,
    }

    impl W {
        pub fn new(version: u32, tensors: u64, kvs: u64) -> W {
            let mut w = W {
                v: b"GGUF".to_vec(),
                wide: version > 1,
            };
            w.v.extend(version.to_le_bytes());
            w.len(tensors);
            w.len(kvs);
            w
        }
        fn len(&mut self, n: u64) {
            if self.wide {
                self.v.extend(n.to_le_bytes())
            } else {
                self.v.extend((n as u32).to_le_bytes())
            }
        }
        pub fn str(&mut self, s: &str) -> &mut W {
            self.len(s.len() as u64);
            self.v.extend(s.as_bytes());
            self
        }
        pub fn u32(&mut self, x: u32) -> &mut W {
            self.v.extend(x.to_le_bytes());
            self
        }
        pub fn kv_str(&mut self, k: &str, s: &str) -> &mut W {
            self.str(k).u32(TYPE_STRING).str(s)
        }
    }

    fn sample(version: u32, template: &str) -> Vec<u8> {
        let mut w = W::new(version, 1, 6);
        w.kv_str("general.architecture", "llama");
        w.str("general.alignment").u32(4).u32(32);
        w.str("llama.rope.scale")
            .u32(6)
            .v
            .extend(1.0f32.to_le_bytes());
        // tokenizer.ggml.tokens: array of strings
        w.str("tokenizer.ggml.tokens")
            .u32(TYPE_ARRAY)
            .u32(TYPE_STRING);
        w.len(3);
        w.str("<s>").str("</s>").str("hi");
        // nested array of arrays of u8, and a bool
        w.str("x.nested").u32(TYPE_ARRAY).u32(TYPE_ARRAY);
        w.len(2);
        for n in [2u64, 0] {
            w.u32(0);
            w.len(n);
            w.v.extend(std::iter::repeat_n(7u8, n as usize));
        }
        w.kv_str("tokenizer.chat_template", template);
        // one tensor
        w.str("tok_embd.weight").u32(2);
        w.len(4);
        w.len(8);
        w.u32(0);
        w.v.extend(0u64.to_le_bytes());
        w.v
    }

    const CHATML: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}";

    #[test]
    fn benign_files_are_safe_in_every_version() {
        for v in [1, 2, 3] {
            let d = sample(v, CHATML);
            let i = inspect(&d);
            assert_eq!(i.verdict, Judgement::Safe, "v{v}: {:?}", i.reasons);
            assert_eq!(
                chat_templates(&d).unwrap(),
                vec![("tokenizer.chat_template".to_string(), CHATML.to_string())]
            );
        }
    }

    #[test]
    fn malicious_templates_are_dangerous_and_named() {
        let d = sample(3, "{{ lipsum.__globals__['os'].popen('id').read() }}");
        let i = inspect(&d);
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(i.reasons[0].starts_with("chat template tokenizer.chat_template:"));
        let mut w = W::new(3, 0, 2);
        w.kv_str("tokenizer.chat_template", CHATML);
        w.kv_str("tokenizer.chat_template.tool_use", "{{ ''.__class__ }}");
        let i = inspect(&w.v);
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(
            i.reasons
                .iter()
                .any(|r| r.contains("tokenizer.chat_template.tool_use"))
        );
        // Cut after the templates: still dangerous, the template reason first.
        let mut w = W::new(3, 0, 3);
        w.kv_str("tokenizer.chat_template.tool_use", "{{ ''.__class__ }}");
        w.v.extend(b"\x05\x00");
        let i = inspect(&w.v);
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(i.reasons[0].contains("tool_use"), "{:?}", i.reasons);
        assert!(i.reasons.iter().any(|r| r.contains("not a readable GGUF")));
    }

    #[test]
    fn duplicates_and_odd_types_are_suspicious() {
        let mut w = W::new(3, 0, 2);
        w.kv_str("tokenizer.chat_template", CHATML);
        w.kv_str("tokenizer.chat_template", CHATML);
        assert_eq!(inspect(&w.v).verdict, Judgement::Suspicious);
        let mut w = W::new(3, 0, 1);
        w.str("tokenizer.chat_template").u32(4).u32(1);
        assert_eq!(inspect(&w.v).verdict, Judgement::Suspicious);
    }

    #[test]
    fn lies_and_budgets_are_inconclusive() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (W::new(3, 0, u64::MAX).v, "cannot fit"),
            (W::new(3, u64::MAX, 0).v, "cannot fit"),
            (W::new(4, 0, 0).v, "unsupported version 4"),
            (
                {
                    let mut v = b"GGUF".to_vec();
                    v.extend(3u32.to_be_bytes());
                    v
                },
                "big-endian",
            ),
            (b"GGML".to_vec(), "magic"),
            (
                {
                    let mut w = W::new(3, 0, 1);
                    w.str("k").u32(TYPE_STRING);
                    w.len(1 << 40);
                    w.v
                },
                "declares",
            ),
            (
                {
                    let mut w = W::new(3, 0, 1);
                    w.str("k").u32(TYPE_ARRAY).u32(10);
                    w.len(1 << 60);
                    w.v.extend([0; 16]);
                    w.v
                },
                "elements",
            ),
            (
                {
                    let mut w = W::new(3, 0, 1);
                    w.str("k").u32(99);
                    w.v.extend([0; 16]);
                    w.v
                },
                "unknown value type 99",
            ),
            (
                {
                    let mut w = W::new(3, 1, 0);
                    w.str("t").u32(9);
                    w.v.extend([0; 80]);
                    w.v
                },
                "9 dimensions",
            ),
        ];
        for (d, why) in cases {
            let i = inspect(&d);
            assert_eq!(i.verdict, Judgement::Inconclusive, "{why}");
            assert!(
                i.reasons.iter().any(|r| r.contains(why)),
                "{why}: {:?}",
                i.reasons
            );
        }
        // Arrays nested beyond the limit.
        let mut w = W::new(3, 0, 1);
        w.str("deep").u32(TYPE_ARRAY);
        for _ in 0..20 {
            w.u32(TYPE_ARRAY);
            w.len(1);
        }
        w.u32(0);
        w.len(0);
        let i = inspect(&w.v);
        assert!(
            i.reasons.iter().any(|r| r.contains("nested deeper")),
            "{:?}",
            i.reasons
        );
    }

    #[test]
    fn every_truncation_is_never_safe() {
        for v in [1, 3] {
            let d = sample(v, CHATML);
            for n in 0..d.len() {
                let i = inspect(&d[..n]);
                assert_ne!(i.verdict, Judgement::Safe, "v{v} prefix {n}");
            }
        }
    }

    #[test]
    fn mutations_never_panic() {
        let base = sample(3, CHATML);
        let mut x: u32 = 7;
        for _ in 0..5000 {
            let mut d = base.clone();
            for _ in 0..2 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let at = (x >> 8) as usize % d.len();
                d[at] = (x >> 20) as u8;
            }
            let _ = inspect(&d);
        }
    }
}
