//! ONNX models: a protobuf `ModelProto`, walked here at the wire-format level (varints,
//! length-delimited fields, bounded recursion) without generated code. ONNX runs no Python,
//! but a tensor may keep its bytes in an external file named by `external_data`
//! `location`; `onnx.load` joins that to the model's directory, so `../` components, absolute
//! paths or drive letters read (and `onnx.save` writes) files outside it — CVE-2024-27318,
//! where nested `../` bypassed the sanitisation of CVE-2022-25882 (payload-evasions §32).
//!
//! Field numbers (onnx.proto, checked against onnx 1.23 descriptors): ModelProto graph 7,
//! opset_import 8, training_info 20 (initialization 1, algorithm 2), functions 25 (node 7);
//! GraphProto node 1, initializer 5, sparse_initializer 15; NodeProto attribute 5;
//! AttributeProto t 5, g 6, tensors 10, graphs 11, sparse_tensor 22, sparse_tensors 23;
//! SparseTensorProto values 1, indices 2; TensorProto external_data 13, data_location 14
//! (EXTERNAL = 1); StringStringEntryProto key 1, value 2. Subgraphs and attribute tensors
//! are visited because onnx's external-data loader visits them too.
//!
//! Dangerous: an external location that escapes the model's directory, used by a tensor whose
//! data_location is EXTERNAL (Suspicious when it is not, since loaders then ignore it).
//! Inconclusive: bytes that are not a protobuf, or a message without graph and opset_import
//! (protobuf has no end marker, so that is how a truncated model shows).

use crate::Inspection;
use trustscan_core::Judgement;

const MAX_DEPTH: usize = 64;
const MAX_FIELDS: u64 = 20_000_000;

#[derive(Clone, Copy, PartialEq)]
enum Msg {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    Sparse,
    Training,
    Function,
    Entry,
}

/// What a field holds: a submessage of some type, or anything else (skipped).
fn child(m: Msg, field: u64) -> Option<Msg> {
    use Msg::*;
    Some(match (m, field) {
        (Model, 7) => Graph,
        (Model, 20) => Training,
        (Model, 25) => Function,
        (Training, 1 | 2) => Graph,
        (Function, 7) => Node,
        (Graph, 1) => Node,
        (Graph, 5) => Tensor,
        (Graph, 15) => Sparse,
        (Node, 5) => Attribute,
        (Attribute, 5 | 10) => Tensor,
        (Attribute, 6 | 11) => Graph,
        (Attribute, 22 | 23) => Sparse,
        (Sparse, 1 | 2) => Tensor,
        (Tensor, 13) => Entry,
        _ => return None,
    })
}

#[derive(Default)]
struct Walk {
    fields: u64,
    /// (tensor name, location, data_location is EXTERNAL)
    externals: Vec<(String, String, bool)>,
    /// Whether ModelProto fields 7 (graph) and 8 (opset_import) were seen.
    model_fields: [bool; 2],
}

/// Inspect an ONNX model.
pub fn inspect(data: &[u8]) -> Inspection {
    let mut ins = Inspection::new("onnx");
    let mut w = Walk::default();
    if let Err(e) = walk(data, 0, Msg::Model, 0, &mut w) {
        ins.flag(
            Judgement::Inconclusive,
            format!("not a readable ONNX model: {e}"),
        );
        return ins;
    }
    let mut found = Vec::new();
    for f in [7, 8] {
        if !w.model_fields[f - 7] {
            let what = if f == 7 { "graph" } else { "opset_import" };
            flag(
                &mut found,
                Judgement::Inconclusive,
                format!("not a complete ONNX model: no {what} (field {f}); truncated or not ONNX"),
            );
        }
    }
    let mut safe_locations: Vec<&str> = Vec::new();
    for (name, loc, external) in &w.externals {
        match escape(loc) {
            Some(why) if *external => flag(
                &mut found,
                Judgement::Dangerous,
                format!(
                    "tensor {name:?} reads external data from {loc:?}, which {why} (CVE-2024-27318)"
                ),
            ),
            Some(why) => flag(
                &mut found,
                Judgement::Suspicious,
                format!(
                    "tensor {name:?} names external location {loc:?}, which {why}; its data_location is not EXTERNAL, so onnx ignores it"
                ),
            ),
            None if *external && !safe_locations.contains(&loc.as_str()) => {
                safe_locations.push(loc)
            }
            None => {}
        }
    }
    if !safe_locations.is_empty() {
        let shown: Vec<&str> = safe_locations.iter().take(5).copied().collect();
        flag(
            &mut found,
            Judgement::Safe,
            format!(
                "tensor data in {} external file(s) inside the model directory: {}",
                safe_locations.len(),
                shown.join(", ")
            ),
        );
    }
    ins.flag_all(found);
    ins
}

/// Why a location leaves the model directory, if it does.
fn escape(loc: &str) -> Option<&'static str> {
    let p = loc.replace('\\', "/");
    if p.contains('\0') {
        return Some("contains a NUL byte");
    }
    if p.starts_with('/') {
        return Some("is absolute");
    }
    let b = p.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("starts with a drive letter");
    }
    if p.split('/').any(|c| c == "..") {
        return Some("has a '..' component");
    }
    None
}

fn varint(d: &[u8], at: &mut usize) -> Result<u64, String> {
    let start = *at;
    let mut v: u64 = 0;
    for shift in (0..70).step_by(7) {
        let Some(&b) = d.get(*at) else {
            return Err(format!("truncated varint at byte {start}"));
        };
        *at += 1;
        if shift == 63 && b > 1 {
            return Err(format!("varint overflows 64 bits at byte {start}"));
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(format!("varint longer than 10 bytes at byte {start}"))
}

/// Walk the message `d` (found at absolute offset `base`) of type `m`.
fn walk(d: &[u8], base: usize, m: Msg, depth: usize, w: &mut Walk) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "messages nested deeper than {MAX_DEPTH} at byte {base}"
        ));
    }
    let mut at = 0;
    let mut name = String::new();
    let mut external = false;
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut key = String::new();
    let mut value = String::new();
    while at < d.len() {
        w.fields += 1;
        if w.fields > MAX_FIELDS {
            return Err(format!("more than {MAX_FIELDS} fields (budget)"));
        }
        let tag_at = base + at;
        let tag = varint(d, &mut at)?;
        let (field, wire) = (tag >> 3, tag & 7);
        if field == 0 {
            return Err(format!("field number 0 at byte {tag_at}"));
        }
        if m == Msg::Model && (field == 7 || field == 8) {
            w.model_fields[field as usize - 7] = true;
        }
        match wire {
            0 => {
                let v = varint(d, &mut at)?;
                if m == Msg::Tensor && field == 14 {
                    external = v == 1;
                }
            }
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                if d.len() - at < n {
                    return Err(format!("truncated fixed-width field at byte {tag_at}"));
                }
                at += n;
            }
            2 => {
                let len = varint(d, &mut at)?;
                let body_at = at;
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&l| l <= d.len() - at)
                    .ok_or_else(|| {
                        format!(
                            "field {field} at byte {tag_at} declares {len} bytes, {} left",
                            d.len() - at
                        )
                    })?;
                let body = &d[at..at + len];
                at += len;
                if let Some(c) = child(m, field) {
                    walk(body, base + body_at, c, depth + 1, w)?;
                    if c == Msg::Entry {
                        // The entry's strings were left in the walk's scratch slot.
                        if let Some(e) = w.externals.pop() {
                            entries.push((e.0, e.1));
                        }
                    }
                    continue;
                }
                let text = || String::from_utf8_lossy(body).chars().take(300).collect();
                match (m, field) {
                    (Msg::Tensor, 8) => name = text(),
                    (Msg::Entry, 1) => key = text(),
                    (Msg::Entry, 2) => value = text(),
                    _ => {}
                }
            }
            _ => return Err(format!("unsupported wire type {wire} at byte {tag_at}")),
        }
    }
    match m {
        Msg::Entry => w.externals.push((key, value, false)),
        Msg::Tensor => {
            // Later entries with the same key win, as in onnx's ExternalDataInfo.
            if let Some((_, loc)) = entries.iter().rev().find(|(k, _)| k == "location") {
                w.externals.push((name, loc.clone(), external));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Record a finding; `Inspection::flag_all` puts them in the inspection most serious first.
fn flag(found: &mut Vec<(Judgement, String)>, v: Judgement, r: impl Into<String>) {
    found.push((v, r.into()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    fn bytes(field: u64, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        var(field << 3 | 2, &mut v);
        var(body.len() as u64, &mut v);
        v.extend(body);
        v
    }
    fn int(field: u64, x: u64) -> Vec<u8> {
        let mut v = Vec::new();
        var(field << 3, &mut v);
        var(x, &mut v);
        v
    }
    fn tensor(name: &str, location: Option<&str>, external: bool) -> Vec<u8> {
        let mut t = int(1, 4);
        t.extend(int(2, 1));
        t.extend(bytes(8, name.as_bytes()));
        if let Some(l) = location {
            let mut e = bytes(1, b"location");
            e.extend(bytes(2, l.as_bytes()));
            t.extend(bytes(13, &e));
            let mut e = bytes(1, b"length");
            e.extend(bytes(2, b"16"));
            t.extend(bytes(13, &e));
        } else {
            t.extend(bytes(9, &[0; 16]));
        }
        if external {
            t.extend(int(14, 1));
        }
        t
    }
    fn model(tensors: &[Vec<u8>]) -> Vec<u8> {
        let mut g = Vec::new();
        let mut node = bytes(4, b"MatMul");
        node.extend(bytes(1, b"x"));
        g.extend(bytes(1, &node));
        g.extend(bytes(2, b"main"));
        for t in tensors {
            g.extend(bytes(5, t));
        }
        let mut m = int(1, 8);
        m.extend(bytes(2, b"trustscan-sample"));
        m.extend(bytes(7, &g));
        let mut op = bytes(1, b"");
        op.extend(int(2, 17));
        m.extend(bytes(8, &op));
        m
    }

    #[test]
    fn inline_and_contained_external_data_are_safe() {
        let i = inspect(&model(&[tensor("w", None, false)]));
        assert_eq!(i.verdict, Judgement::Safe, "{:?}", i.reasons);
        let i = inspect(&model(&[tensor("w", Some("weights/w.bin"), true)]));
        assert_eq!(i.verdict, Judgement::Safe);
        assert!(i.reasons[0].contains("weights/w.bin"));
    }

    #[test]
    fn escaping_locations_are_dangerous() {
        for loc in [
            "../../etc/passwd",
            "a/../../b",
            "/etc/passwd",
            "..\\..\\x",
            "C:\\Windows\\x",
            "c:x",
            "....//....//etc/passwd/../../..",
        ] {
            let i = inspect(&model(&[tensor("w", Some(loc), true)]));
            assert_eq!(i.verdict, Judgement::Dangerous, "{loc}: {:?}", i.reasons);
            assert!(i.reasons[0].contains("CVE-2024-27318"));
        }
        // Not marked EXTERNAL: loaders ignore it.
        let i = inspect(&model(&[tensor("w", Some("../x"), false)]));
        assert_eq!(i.verdict, Judgement::Suspicious);
    }

    #[test]
    fn tensors_in_subgraph_attributes_are_found() {
        // Node with attribute g (a graph) holding an initializer.
        let mut sub = bytes(5, &tensor("inner", Some("/abs"), true));
        sub.extend(bytes(2, b"then"));
        let mut attr = bytes(1, b"then_branch");
        attr.extend(bytes(6, &sub));
        let node = bytes(5, &attr);
        let mut g = bytes(1, &node);
        g.extend(bytes(2, b"main"));
        let mut m = bytes(7, &g);
        m.extend(bytes(8, &int(2, 17)));
        let i = inspect(&m);
        assert_eq!(i.verdict, Judgement::Dangerous, "{:?}", i.reasons);
        assert!(i.reasons[0].contains("\"inner\""));
    }

    #[test]
    fn broken_input_is_inconclusive() {
        for d in [
            &b""[..],
            b"\x08",
            b"\x3a\xff\xff\xff\xff\x0f",
            b"\x0b\x00",
            b"\x00\x01",
            b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
            b"PK\x03\x04",
        ] {
            assert_eq!(inspect(d).verdict, Judgement::Inconclusive, "{d:?}");
        }
    }

    #[test]
    fn every_truncation_is_never_safe() {
        let d = model(&[tensor("w", Some("w.bin"), true), tensor("b", None, false)]);
        for n in 0..d.len() {
            assert_ne!(inspect(&d[..n]).verdict, Judgement::Safe, "prefix {n}");
        }
    }

    #[test]
    fn reasons_are_bounded() {
        let many: Vec<Vec<u8>> = (0..500)
            .map(|k| tensor(&format!("t{k}"), Some("../x"), true))
            .collect();
        let i = inspect(&model(&many));
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert_eq!(i.reasons.len(), 65);
        assert_eq!(i.reasons[64], "... and 436 more findings");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        // Graph -> node -> attribute g -> graph -> ... 200 deep.
        let mut g: Vec<u8> = Vec::new();
        for _ in 0..200 {
            let attr = bytes(6, &g);
            let node = bytes(5, &attr);
            g = bytes(1, &node);
        }
        let mut m = bytes(7, &g);
        m.extend(bytes(8, &int(2, 17)));
        let i = inspect(&m);
        assert_eq!(i.verdict, Judgement::Inconclusive);
        assert!(i.reasons[0].contains("nested deeper"));
    }
}
