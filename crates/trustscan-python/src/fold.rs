//! Constant folding of strings, the way an obfuscated payload builds them: concatenation,
//! `chr()` joins, reversal, `bytes.fromhex`, base64 and rot13 of literals. Folding only
//! decodes data; nothing is evaluated. Names are followed to their assignments by the
//! caller-supplied lookup, so this module knows nothing about scopes.

use trustscan_core::base64::{self, Dialect};
use trustscan_pyparse::syntax::{self as ast, Expr, Number, UnaryOp};

/// Folded values larger than this are abandoned (a payload name or module is short).
const MAX_LEN: usize = 1 << 20;
/// Nesting followed before giving up.
const MAX_DEPTH: u32 = 24;

/// How names are followed: the expressions assigned to a name, if there is exactly one.
pub trait Lookup<'a> {
    fn single_value(&self, name: &str) -> Option<&'a Expr>;
    /// The canonical dotted name of a callee (`base64.b64decode`).
    fn callee(&self, func: &'a Expr) -> String;
}

/// The bytes a string or bytes expression folds to (strings as UTF-8).
pub fn fold<'a>(expr: &'a Expr, lookup: &dyn Lookup<'a>) -> Option<Vec<u8>> {
    fold_at(expr, lookup, 0).filter(|v| v.len() <= MAX_LEN)
}

/// [`fold`] as text.
pub fn fold_str<'a>(expr: &'a Expr, lookup: &dyn Lookup<'a>) -> Option<String> {
    fold(expr, lookup).map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn fold_at<'a>(expr: &'a Expr, lookup: &dyn Lookup<'a>, depth: u32) -> Option<Vec<u8>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let d = depth + 1;
    let out = match expr {
        Expr::StringLiteral(s) => s.value.to_str().as_bytes().to_vec(),
        Expr::BytesLiteral(b) => b.value.bytes().collect(),
        Expr::Name(n) => fold_at(lookup.single_value(n.id.as_str())?, lookup, d)?,
        Expr::BinOp(b) if b.op == ast::Operator::Add => {
            let mut left = fold_at(&b.left, lookup, d)?;
            left.extend(fold_at(&b.right, lookup, d)?);
            left
        }
        Expr::Subscript(s) if is_reverse_slice(&s.slice) => {
            let v = fold_at(&s.value, lookup, d)?;
            match String::from_utf8(v) {
                Ok(text) => text.chars().rev().collect::<String>().into_bytes(),
                Err(e) => e.into_bytes().into_iter().rev().collect(),
            }
        }
        Expr::Call(c) => fold_call(c, lookup, d)?,
        _ => return None,
    };
    (out.len() <= MAX_LEN).then_some(out)
}

fn fold_call<'a>(c: &'a ast::ExprCall, lookup: &dyn Lookup<'a>, d: u32) -> Option<Vec<u8>> {
    let args = &c.arguments.args;
    let first = || args.first().and_then(|a| fold_at(a, lookup, d));
    // Methods on a folded receiver: `x.decode()`, `"".join(...)`, `x[::-1]`.
    if let Expr::Attribute(a) = &*c.func {
        // `codecs.decode(data, codec)` is a function, not a method of `codecs`.
        let on_codecs = || lookup.callee(&a.value) == "codecs";
        match a.attr.as_str() {
            "decode" | "encode" if !on_codecs() && decode_codec(c, lookup, d).is_none() => {
                return fold_at(&a.value, lookup, d);
            }
            "decode" if !on_codecs() => {
                let codec = decode_codec(c, lookup, d)?;
                return codec_decode(&codec, &fold_at(&a.value, lookup, d)?);
            }
            "join" => {
                let sep = fold_at(&a.value, lookup, d)?;
                let parts = fold_sequence(args.first()?, lookup, d)?;
                return Some(parts.join(&sep[..]));
            }
            "fromhex" if matches!(lookup.callee(&a.value).as_str(), "bytes" | "bytearray") => {
                return hex_decode(&first()?);
            }
            _ => {}
        }
    }
    match lookup.callee(&c.func).as_str() {
        "chr" => {
            let n = int_value(args.first()?, lookup, d)?;
            let ch = char::from_u32(u32::try_from(n).ok()?)?;
            Some(ch.to_string().into_bytes())
        }
        "str" | "bytes" | "bytearray" if args.len() >= 2 => first(),
        "bytes" | "bytearray" => {
            let items = fold_ints(args.first()?, lookup, d)?;
            items
                .into_iter()
                .map(|i| u8::try_from(i).ok())
                .collect::<Option<Vec<u8>>>()
        }
        "base64.b64decode"
        | "base64.standard_b64decode"
        | "base64.decodebytes"
        | "base64.decodestring"
        | "binascii.a2b_base64" => base64::decode(&first()?, Dialect::Python { urlsafe: false }),
        "base64.urlsafe_b64decode" => base64::decode(&first()?, Dialect::Python { urlsafe: true }),
        "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex" => hex_decode(&first()?),
        "codecs.decode" => {
            let codec = fold_str_at(args.get(1)?, lookup, d)?;
            codec_decode(&codec, &first()?)
        }
        _ => None,
    }
}

fn fold_str_at<'a>(e: &'a Expr, lookup: &dyn Lookup<'a>, d: u32) -> Option<String> {
    fold_at(e, lookup, d).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The codec of `x.decode(codec)`, when it is not a plain text encoding.
fn decode_codec<'a>(c: &'a ast::ExprCall, lookup: &dyn Lookup<'a>, d: u32) -> Option<String> {
    let codec = fold_str_at(c.arguments.find_argument_value("encoding", 0)?, lookup, d)?;
    let lower = codec.to_ascii_lowercase().replace('-', "_");
    matches!(
        lower.as_str(),
        "rot13" | "rot_13" | "hex" | "hex_codec" | "base64" | "base64_codec" | "base_64"
    )
    .then_some(lower)
}

fn codec_decode(codec: &str, data: &[u8]) -> Option<Vec<u8>> {
    match codec.to_ascii_lowercase().replace('-', "_").as_str() {
        "rot13" | "rot_13" => Some(data.iter().map(|&b| rot13(b)).collect()),
        "hex" | "hex_codec" => hex_decode(data),
        "base64" | "base64_codec" | "base_64" => {
            base64::decode(data, Dialect::Python { urlsafe: false })
        }
        "utf8" | "utf_8" | "ascii" | "latin1" | "latin_1" => Some(data.to_vec()),
        _ => None,
    }
}

fn rot13(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => (b - b'a' + 13) % 26 + b'a',
        b'A'..=b'Z' => (b - b'A' + 13) % 26 + b'A',
        _ => b,
    }
}

/// The parts of a sequence expression: a list/tuple of strings, a generator or
/// comprehension of `chr(x)` over integers, `map(chr, ints)`, or a folded string (its
/// characters).
fn fold_sequence<'a>(e: &'a Expr, lookup: &dyn Lookup<'a>, d: u32) -> Option<Vec<Vec<u8>>> {
    match e {
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => elts
            .iter()
            .map(|x| fold_at(x, lookup, d))
            .collect::<Option<Vec<_>>>(),
        Expr::Generator(ast::ExprGenerator {
            elt, generators, ..
        })
        | Expr::ListComp(ast::ExprListComp {
            elt, generators, ..
        }) => {
            // `chr(x) for x in [..]` (optionally `chr(x ^ k)`, `chr(x - k)`).
            let [g] = &generators[..] else { return None };
            let Expr::Name(var) = &g.target else {
                return None;
            };
            if !g.ifs.is_empty() {
                return None;
            }
            let Expr::Call(call) = &**elt else {
                return None;
            };
            if lookup.callee(&call.func) != "chr" {
                return None;
            }
            let arg = call.arguments.args.first()?;
            let ints = fold_ints(&g.iter, lookup, d)?;
            ints.into_iter()
                .map(|i| {
                    let v = apply_int_op(arg, var.id.as_str(), i, lookup, d)?;
                    char::from_u32(u32::try_from(v).ok()?).map(|c| c.to_string().into_bytes())
                })
                .collect()
        }
        Expr::Call(c)
            if lookup.callee(&c.func) == "map"
                && c.arguments
                    .args
                    .first()
                    .is_some_and(|f| lookup.callee(f) == "chr") =>
        {
            let ints = fold_ints(c.arguments.args.get(1)?, lookup, d)?;
            ints.into_iter()
                .map(|i| char::from_u32(u32::try_from(i).ok()?).map(|c| c.to_string().into_bytes()))
                .collect()
        }
        Expr::Call(c) if lookup.callee(&c.func) == "reversed" => {
            let mut parts = fold_sequence(c.arguments.args.first()?, lookup, d)?;
            parts.reverse();
            Some(parts)
        }
        Expr::Name(n) => fold_sequence(lookup.single_value(n.id.as_str())?, lookup, d),
        other => {
            let text = String::from_utf8(fold_at(other, lookup, d)?).ok()?;
            Some(text.chars().map(|c| c.to_string().into_bytes()).collect())
        }
    }
}

/// `x`, `x ^ k`, `x - k`, `x + k` with `x` bound to `value`.
fn apply_int_op<'a>(
    e: &'a Expr,
    var: &str,
    value: i64,
    lookup: &dyn Lookup<'a>,
    d: u32,
) -> Option<i64> {
    match e {
        Expr::Name(n) if n.id.as_str() == var => Some(value),
        Expr::BinOp(b) => {
            let l = apply_int_op(&b.left, var, value, lookup, d)?;
            let r = apply_int_op(&b.right, var, value, lookup, d)?;
            match b.op {
                ast::Operator::BitXor => Some(l ^ r),
                ast::Operator::Sub => l.checked_sub(r),
                ast::Operator::Add => l.checked_add(r),
                _ => None,
            }
        }
        other => int_value(other, lookup, d),
    }
}

fn int_value<'a>(e: &'a Expr, lookup: &dyn Lookup<'a>, d: u32) -> Option<i64> {
    match e {
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i.as_i64(),
            _ => None,
        },
        Expr::UnaryOp(u) if u.op == UnaryOp::USub => {
            int_value(&u.operand, lookup, d)?.checked_neg()
        }
        Expr::Name(n) if d <= MAX_DEPTH => {
            int_value(lookup.single_value(n.id.as_str())?, lookup, d + 1)
        }
        _ => None,
    }
}

/// A list or tuple of integer literals (or a bytes literal).
fn fold_ints<'a>(e: &'a Expr, lookup: &dyn Lookup<'a>, d: u32) -> Option<Vec<i64>> {
    match e {
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
            elts.iter().map(|x| int_value(x, lookup, d)).collect()
        }
        Expr::BytesLiteral(b) => Some(b.value.bytes().map(i64::from).collect()),
        Expr::Name(n) if d <= MAX_DEPTH => {
            fold_ints(lookup.single_value(n.id.as_str())?, lookup, d + 1)
        }
        _ => None,
    }
}

/// `[::-1]`.
pub fn is_reverse_slice(slice: &Expr) -> bool {
    match slice {
        Expr::Slice(s) => {
            s.lower.is_none()
                && s.upper.is_none()
                && s.step.as_deref().is_some_and(|st| {
                    matches!(st, Expr::UnaryOp(u) if u.op == UnaryOp::USub
                        && matches!(&*u.operand, Expr::NumberLiteral(n)
                            if matches!(&n.value, Number::Int(i) if i.as_i64() == Some(1))))
                })
        }
        _ => false,
    }
}

pub fn hex_decode(data: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_rot13() {
        assert_eq!(hex_decode(b"6f73").unwrap(), b"os");
        assert!(hex_decode(b"6f7").is_none());
        assert_eq!(codec_decode("rot_13", b"flfgrz").unwrap(), b"system");
    }
}
